# The web view in a real browser (tests/integration/browser/): headless
# Debian Chromium driven by playwright-core from npm, against the built
# gatewayd and gatewayctl.  Skipped (77) when node or chromium is missing.
# Screenshots land in ${CMAKE_BINARY_DIR}/screenshots.
if(TARGET gatewayd AND TARGET gatewayctl AND TARGET gw_web)
  add_test(NAME browser_web
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/browser/run.sh)
  set_tests_properties(browser_web PROPERTIES
    ENVIRONMENT "GATEWAYD=$<TARGET_FILE:gatewayd>;GATEWAYCTL=$<TARGET_FILE:gatewayctl>;GW_BUILD_DIR=${CMAKE_BINARY_DIR}"
    SKIP_RETURN_CODE 77
    RESOURCE_LOCK browser
    TIMEOUT 300)
  # The owners' audit log page and the legal hold button (audit.cjs).
  add_test(NAME browser_audit
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/browser/run.sh audit.cjs)
  set_tests_properties(browser_audit PROPERTIES
    ENVIRONMENT "GATEWAYD=$<TARGET_FILE:gatewayd>;GATEWAYCTL=$<TARGET_FILE:gatewayctl>;GW_BUILD_DIR=${CMAKE_BINARY_DIR}"
    SKIP_RETURN_CODE 77
    RESOURCE_LOCK browser
    TIMEOUT 300)
  # Who gets this: the people list and the "Nobody will be emailed"
  # warning on the staff thread page (people.cjs).
  add_test(NAME browser_people
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/browser/run.sh people.cjs)
  set_tests_properties(browser_people PROPERTIES
    ENVIRONMENT "GATEWAYD=$<TARGET_FILE:gatewayd>;GATEWAYCTL=$<TARGET_FILE:gatewayctl>;GW_BUILD_DIR=${CMAKE_BINARY_DIR}"
    SKIP_RETURN_CODE 77
    RESOURCE_LOCK browser
    TIMEOUT 300)
  # Internal notes and @mentions: client page, live updates, API, Maildir.
  add_test(NAME browser_notes
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/browser/run.sh notes.cjs)
  set_tests_properties(browser_notes PROPERTIES
    ENVIRONMENT "GATEWAYD=$<TARGET_FILE:gatewayd>;GATEWAYCTL=$<TARGET_FILE:gatewayctl>;GW_BUILD_DIR=${CMAKE_BINARY_DIR}"
    SKIP_RETURN_CODE 77
    RESOURCE_LOCK browser
    TIMEOUT 300)
  # Signing in by email through the Maildir transport, and "Your sessions".
  add_test(NAME browser_signin
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/browser/run.sh signin.cjs)
  set_tests_properties(browser_signin PROPERTIES
    ENVIRONMENT "GATEWAYD=$<TARGET_FILE:gatewayd>;GATEWAYCTL=$<TARGET_FILE:gatewayctl>;GW_BUILD_DIR=${CMAKE_BINARY_DIR}"
    SKIP_RETURN_CODE 77
    RESOURCE_LOCK browser
    TIMEOUT 300)
  # A client's out-of-office reply on the staff thread page, delivered
  # through gatewayd-pipe.
  if(TARGET gatewayd-pipe)
    add_test(NAME browser_away
      COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/browser/run.sh away.cjs)
    set_tests_properties(browser_away PROPERTIES
      ENVIRONMENT "GATEWAYD=$<TARGET_FILE:gatewayd>;GATEWAYCTL=$<TARGET_FILE:gatewayctl>;GATEWAYD_PIPE=$<TARGET_FILE:gatewayd-pipe>;GW_BUILD_DIR=${CMAKE_BINARY_DIR}"
      SKIP_RETURN_CODE 77
      RESOURCE_LOCK browser
      TIMEOUT 300)
  endif()
endif()
