# gatewayd-pipe handing messages to the running gatewayd ([pipe] socket):
# daemon up, down, killed mid-transfer, answering 4xx, too slow, and a
# server that is not gatewayd.  Reuses the seed program of the pipe test
# (postfix_pipe.cmake).  Needs no root and no Postfix.
if(TARGET gatewayd AND TARGET gatewayd-pipe)
  add_test(NAME test_pipe_handover
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/test_pipe_handover.sh
            $<TARGET_FILE:gatewayd> $<TARGET_FILE:gatewayd-pipe>
            $<TARGET_FILE:test_postfix_pipe_seed> ${CMAKE_BINARY_DIR}/integration)
  set_tests_properties(test_pipe_handover PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()
