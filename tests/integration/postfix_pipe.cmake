# gatewayd-pipe behind a real, private Postfix (skips without Postfix,
# swaks or root).  The seed program writes the database and key file the
# test starts from.
add_executable(test_postfix_pipe_seed
  ${CMAKE_CURRENT_LIST_DIR}/test_postfix_pipe_seed.c)
target_link_libraries(test_postfix_pipe_seed PRIVATE gw_store gw_common)

set(GW_POSTFIX_PIPE_CTL "")
if(TARGET gatewayctl)
  set(GW_POSTFIX_PIPE_CTL $<TARGET_FILE:gatewayctl>)
  # the daemon for the hand-over check (needs gatewayctl's slot before it)
  if(TARGET gatewayd)
    list(APPEND GW_POSTFIX_PIPE_CTL $<TARGET_FILE:gatewayd>)
  endif()
endif()
add_test(NAME test_postfix_pipe
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/test_postfix_pipe.sh
          $<TARGET_FILE:gatewayd-pipe> $<TARGET_FILE:test_postfix_pipe_seed>
          ${CMAKE_BINARY_DIR}/integration ${GW_POSTFIX_PIPE_CTL})
set_tests_properties(test_postfix_pipe PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 120 RUN_SERIAL TRUE)
