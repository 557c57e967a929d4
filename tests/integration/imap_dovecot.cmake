# gatewayd's IMAP reader against a real, private Dovecot (skips without
# dovecot-imapd, openssl, python3, sqlite3 or root).  Reuses the seed
# program of the pipe test (postfix_pipe.cmake).
add_test(NAME test_imap_dovecot
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/test_imap_dovecot.sh
          $<TARGET_FILE:gatewayd> $<TARGET_FILE:test_postfix_pipe_seed>
          ${CMAKE_BINARY_DIR}/integration)
set_tests_properties(test_imap_dovecot PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 120 RUN_SERIAL TRUE)
