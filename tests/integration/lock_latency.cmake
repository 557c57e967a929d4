# The daemon while another process holds the SQLite write lock for 3 s
# (lock_latency.sh, label "latency"): reads of every kind are answered
# without waiting for the lock, POSTs complete after it and are durable,
# the watchdog is fed.  Its one bound (1 s against a 3 s lock) tells
# waiting from not waiting; it is no speed target (those are in
# bench/lock).  Run serially so that a busy `ctest -j` cannot stretch a
# read past the bound.  Skipped (77) without python3's sqlite3 module.
if(TARGET gatewayd AND TARGET gatewayctl)
  add_test(NAME lock_latency
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/lock_latency.sh)
  set_tests_properties(lock_latency PROPERTIES
    ENVIRONMENT "GATEWAYD=$<TARGET_FILE:gatewayd>;GATEWAYCTL=$<TARGET_FILE:gatewayctl>"
    LABELS latency SKIP_RETURN_CODE 77 TIMEOUT 120 RUN_SERIAL TRUE)
endif()
