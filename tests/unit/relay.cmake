# The relay: retry arithmetic, links per email, relay_run_once on a real
# database with Maildir and sendmail-style transports.
gw_add_test(test_relay
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_relay.c
          ${CMAKE_CURRENT_LIST_DIR}/test_relay_marks.c
          ${CMAKE_CURRENT_LIST_DIR}/relay_fixture.c
  LIBS gw_relay gw_outbound gw_store gw_common PkgConfig::GMIME)
