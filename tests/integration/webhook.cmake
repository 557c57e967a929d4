# Signed webhooks against a real HTTP receiver on loopback (python3's
# http.server, webhook_receiver.py): one ctest test per scenario of
# webhook_test.sh; each exits 77 (skipped) when python3 or sqlite3 is missing.
foreach(scenario signed retry_500 timeout order disable redirect kill9 bad_config api)
  add_test(NAME webhook_${scenario}
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/webhook_test.sh ${scenario})
  set_tests_properties(webhook_${scenario} PROPERTIES
    ENVIRONMENT "GATEWAYD=$<TARGET_FILE:gatewayd>;GATEWAYCTL=$<TARGET_FILE:gatewayctl>"
    SKIP_RETURN_CODE 77
    TIMEOUT 180)
endforeach()
