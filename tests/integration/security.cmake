# Security checks that need two whole gateways (docs/security.md): two
# gateways writing to each other through their Maildirs and gatewayd-pipe
# must not loop.  Skipped (77) without the sqlite3 command.
if(TARGET gatewayctl AND TARGET gatewayd-pipe)
  add_test(NAME security_loop
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/security_loop.sh
            $<TARGET_FILE:gatewayctl> $<TARGET_FILE:gatewayd-pipe>)
  set_tests_properties(security_loop PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()
