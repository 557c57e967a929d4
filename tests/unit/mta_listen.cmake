# Unit tests of the in-daemon inbound listeners (mta-hooks/listen.cmake):
# the Postfix policy server and the LMTP listener, over 127.0.0.1 sockets.
gw_add_test(test_policy
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_policy.c
          ${CMAKE_CURRENT_LIST_DIR}/mta_listen_util.c
          ${CMAKE_CURRENT_LIST_DIR}/decide_fixture.c
  LIBS gw_mta_listen gw_decide gw_inbound gw_store gw_common PkgConfig::SQLITE3
       PkgConfig::LIBEVENT Threads::Threads)
gw_add_test(test_lmtp
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_lmtp.c
          ${CMAKE_CURRENT_LIST_DIR}/mta_listen_util.c
          ${CMAKE_CURRENT_LIST_DIR}/decide_fixture.c
  LIBS gw_mta_listen gw_decide gw_inbound gw_store gw_common PkgConfig::SQLITE3
       PkgConfig::LIBEVENT Threads::Threads)
