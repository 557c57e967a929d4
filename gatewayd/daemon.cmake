# gatewayd, the daemon: gw_relay (outbox delivery threads, reminder timer,
# relay_run_once for `gatewayctl tick`) and the executable that wires it to
# the event loop, the web view and systemd.
add_library(gw_relay STATIC
  ${CMAKE_CURRENT_LIST_DIR}/relay.c
  ${CMAKE_CURRENT_LIST_DIR}/relay_letter.c
  ${CMAKE_CURRENT_LIST_DIR}/relay_threads.c)
target_include_directories(gw_relay PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(gw_relay
  PUBLIC gw_outbound gw_store gw_common Threads::Threads)

add_executable(gatewayd ${CMAKE_CURRENT_LIST_DIR}/main.c)
target_link_libraries(gatewayd PRIVATE
  gw_api gw_web gw_mta_listen gw_relay gw_outbound gw_store gw_common
  PkgConfig::LIBEVENT PkgConfig::SYSTEMD PkgConfig::SQLITE3 Threads::Threads)
