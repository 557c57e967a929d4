# The web view in a real browser (tests/integration/browser/): headless
# Debian Chromium driven by playwright-core from npm, against the built
# gatewayd and gatewayctl.  Skipped (77) when node or chromium is missing.
# Screenshots land in ${CMAKE_BINARY_DIR}/screenshots.  The scenarios
# share lib.cjs (daemon, browser, checks) and one browser at a time.

# gw_browser_test(NAME SCRIPT [ENV...]): run.sh SCRIPT as test NAME, with
# the programs and build directory it needs plus ENV.
function(gw_browser_test name script)
  add_test(NAME ${name}
    COMMAND sh ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/browser/run.sh ${script})
  set(env GATEWAYD=$<TARGET_FILE:gatewayd> GATEWAYCTL=$<TARGET_FILE:gatewayctl>
    GW_BUILD_DIR=${CMAKE_BINARY_DIR} ${ARGN})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "${env}"
    SKIP_RETURN_CODE 77
    RESOURCE_LOCK browser
    TIMEOUT 300)
endfunction()

if(TARGET gatewayd AND TARGET gatewayctl AND TARGET gw_web)
  # The View-chat page as a client and staff see it, and job links (web.cjs).
  gw_browser_test(browser_web web.cjs)
  # The owners' audit log page and the legal hold button (audit.cjs).
  gw_browser_test(browser_audit audit.cjs)
  # Who gets this: the people list and the "Nobody will be emailed"
  # warning on the staff thread page (people.cjs).
  gw_browser_test(browser_people people.cjs)
  # Internal notes and @mentions: client page, live updates, API, Maildir.
  gw_browser_test(browser_notes notes.cjs)
  # Zips and folders in replies, the Documents pages, the downloaded zip,
  # click-to-load video players (documents.cjs).
  gw_browser_test(browser_documents documents.cjs)
  # Staff search, filters, the clients page and the new-chat client picker.
  gw_browser_test(browser_search search.cjs)
  # The staff inbox counting live, and viewing a chat as the client.
  gw_browser_test(browser_inbox inbox.cjs)
  # What people are told: reminder banner and email, names per reader,
  # templates with and without JavaScript (words.cjs).
  gw_browser_test(browser_words words.cjs)
  # Every kind of page against WCAG 2.1 AA (axe-core), 200% zoom and
  # visible focus, client and staff, desktop and phone (a11y.cjs).
  gw_browser_test(browser_a11y a11y.cjs)
  # Staff edit tasks, the client sees them live; confirmations (tasks.cjs).
  gw_browser_test(browser_tasks tasks.cjs)
  # Emails of a session of ordinary use: how many (batching, live views,
  # read marks) and how each kind reads at 390 pixels (emails.cjs).
  gw_browser_test(browser_emails emails.cjs)
  # Several files per message: chosen and dropped, checked before sending,
  # one email listing them, the limits without JavaScript (uploads.cjs).
  gw_browser_test(browser_uploads uploads.cjs)
  # Signing in by email through the Maildir transport, and "Your sessions".
  gw_browser_test(browser_signin signin.cjs)
  # A French firm: the client's email and pages in French, the switch to
  # English and another zone from the header, staff in both languages.
  gw_browser_test(browser_i18n i18n.cjs)
  # A client's out-of-office reply on the staff thread page, delivered
  # through gatewayd-pipe.
  if(TARGET gatewayd-pipe)
    gw_browser_test(browser_away away.cjs GATEWAYD_PIPE=$<TARGET_FILE:gatewayd-pipe>)
  endif()
endif()
