# Integration tests of the gatewayd daemon against real peers on loopback
# (Postfix's smtp-sink, a private Postfix instance).  Each scenario is one
# ctest test running daemon_test.sh; it exits 77 (skipped) when the peer
# programs are missing.
add_executable(relay_tool ${CMAKE_CURRENT_LIST_DIR}/relay_tool.c)
target_link_libraries(relay_tool PRIVATE gw_store gw_common PkgConfig::GMIME)

foreach(scenario check_config success tempfail_421 tempfail_4xx permfail_5xx
                 lost_ack crash_recovery sigterm systemd_notify sighup api inbound_listeners
                 postfix_relay socket_activation)
  add_test(NAME daemon_${scenario}
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/daemon_test.sh ${scenario})
  set_tests_properties(daemon_${scenario} PROPERTIES
    ENVIRONMENT "GATEWAYD=$<TARGET_FILE:gatewayd>;GATEWAYCTL=$<TARGET_FILE:gatewayctl>;RELAY_TOOL=$<TARGET_FILE:relay_tool>"
    SKIP_RETURN_CODE 77
    TIMEOUT 180)
endforeach()
