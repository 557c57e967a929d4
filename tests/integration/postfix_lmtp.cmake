# gatewayd's policy service and LMTP listener behind a real, private
# Postfix (skips without Postfix, swaks or root).  Reuses the seed program
# of the pipe test (postfix_pipe.cmake) for the database and key file.
add_test(NAME test_postfix_lmtp
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/test_postfix_lmtp.sh
          $<TARGET_FILE:gatewayd> $<TARGET_FILE:test_postfix_pipe_seed>
          ${CMAKE_BINARY_DIR}/integration)
set_tests_properties(test_postfix_lmtp PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 120 RUN_SERIAL TRUE)
