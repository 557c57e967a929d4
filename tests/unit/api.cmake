# Tests of the JSON API (gatewayd/api/): the API in-process on
# 127.0.0.1:0 over a temp database, driven over loopback HTTP; gatewayctl
# makes and revokes keys.
gw_add_test(test_api
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_api.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_people.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_pool.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_threads.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_refs.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_util.c
  LIBS gw_api gw_admin gw_store gw_common
       PkgConfig::JANSSON PkgConfig::LIBEVENT PkgConfig::SQLITE3 Threads::Threads)
target_compile_definitions(test_api PRIVATE
  GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
add_dependencies(test_api gatewayctl)
