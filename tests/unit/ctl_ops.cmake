# Tests of gatewayctl backup, doctor and keys rotate: they run the built
# program against a temp installation (the runner and demo data of the
# gatewayctl tests) and look at the result with SQLite and the link keys.
gw_add_test(test_ctl_ops
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ctl_ops.c
          ${CMAKE_CURRENT_LIST_DIR}/test_gatewayctl_util.c
  LIBS gw_store gw_common PkgConfig::JANSSON PkgConfig::SQLITE3 Threads::Threads)
target_compile_definitions(test_ctl_ops PRIVATE
  GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
add_dependencies(test_ctl_ops gatewayctl)
