# scripts/demo.sh (`make demo`): a taken port is reported naming
# DEMO_PORT, DEMO_PORT given afterwards is honoured, the links come once
# the daemon listens (tests/integration/test_demo.sh, in a temp DEMO_DIR).
if(TARGET gatewayd AND TARGET gatewayctl)
  add_test(NAME test_demo
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/test_demo.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
  set_tests_properties(test_demo PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()
