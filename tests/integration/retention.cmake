# The daemon deleting a large retention backlog while it answers the web
# view and the JSON API (retention_serving.py): every request succeeds
# within a bound while the steps run on the writer lane, and exactly what
# is older and not on legal hold is gone.  Run serially so that a busy
# `ctest -j` cannot stretch a request past the bound.  Skipped (77)
# without python3's sqlite3 module.
if(TARGET gatewayd AND TARGET gatewayctl)
  add_test(NAME retention_serving
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/retention_serving.sh)
  set_tests_properties(retention_serving PROPERTIES
    ENVIRONMENT "GATEWAYD=$<TARGET_FILE:gatewayd>;GATEWAYCTL=$<TARGET_FILE:gatewayctl>"
    SKIP_RETURN_CODE 77 TIMEOUT 300 RUN_SERIAL TRUE)
endif()
