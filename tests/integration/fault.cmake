# Crash and fault tests (label "fault"): the daemon killed again and again
# while it delivers, gatewayd-pipe killed under a real Postfix, everything
# on one database at once, a full disk and a read-only database, and the
# slow and failing servers of daemon_test.sh.  Each skips (77) when a peer
# program, root or mount permission is missing.  The long form of the
# crash loop is tests/long/crash_loop.sh (run by hand: minutes).
set(GW_FAULT_ENV
  "GATEWAYD=$<TARGET_FILE:gatewayd>"
  "GATEWAYCTL=$<TARGET_FILE:gatewayctl>"
  "GATEWAYD_PIPE=$<TARGET_FILE:gatewayd-pipe>"
  "RELAY_TOOL=$<TARGET_FILE:relay_tool>"
  "SEED=$<TARGET_FILE:test_postfix_pipe_seed>")

# 10 kills of the daemon among 2,000 deliveries (the long form: 100 among
# 12,000): nothing lost, and at most one re-send per worker per kill.
add_test(NAME fault_one_resend_per_worker_per_crash
  COMMAND sh ${CMAKE_SOURCE_DIR}/tests/long/crash_loop.sh -k 10 -s 25x80)
add_test(NAME fault_pipe_kill
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/fault_pipe_kill.sh
          $<TARGET_FILE:gatewayd-pipe> $<TARGET_FILE:test_postfix_pipe_seed>
          ${CMAKE_BINARY_DIR}/integration)
add_test(NAME fault_concurrency
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/fault_concurrency.sh)
add_test(NAME fault_disk
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/fault_disk.sh)
set_tests_properties(fault_one_resend_per_worker_per_crash fault_pipe_kill fault_concurrency fault_disk
  PROPERTIES ENVIRONMENT "${GW_FAULT_ENV}" LABELS fault SKIP_RETURN_CODE 77
             TIMEOUT 300 RUN_SERIAL TRUE)

# Slow and failing SMTP servers: scenarios of daemon_test.sh (its other
# scenarios are registered in daemon.cmake).
foreach(scenario slow_greeting slow_dot slow_within_timeout tempfail_421_dot permfail_5xx_dot)
  add_test(NAME daemon_${scenario}
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/daemon_test.sh ${scenario})
  set_tests_properties(daemon_${scenario} PROPERTIES
    ENVIRONMENT "${GW_FAULT_ENV}" LABELS fault SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
