# gw_mta_listen: the in-daemon inbound listeners, the Postfix policy
# server (policy.c) and the LMTP listener (lmtp.c), both on libevent.
# gw_decide is declared in pipe.cmake (target names resolve at generate time).
add_library(gw_mta_listen STATIC ${CMAKE_CURRENT_LIST_DIR}/policy.c
  ${CMAKE_CURRENT_LIST_DIR}/lmtp.c)
target_include_directories(gw_mta_listen PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(gw_mta_listen PUBLIC gw_decide gw_inbound gw_store gw_common gw_evlisten
  PkgConfig::LIBEVENT Threads::Threads)
