# gatewayctl: the admin command line (works on the database directly).
#
# gw_tick is one pass of scheduled work (gatewayd/tick.h), shared by
# `gatewayctl tick` and the daemon; the outbox delivery step links the
# relay into it.
add_library(gw_tick STATIC ${CMAKE_CURRENT_LIST_DIR}/tick.c)
target_include_directories(gw_tick PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(gw_tick PUBLIC gw_relay gw_store gw_common)

add_executable(gatewayctl
  ${CMAKE_CURRENT_LIST_DIR}/gatewayctl.c
  ${CMAKE_CURRENT_LIST_DIR}/ctl_args.c
  ${CMAKE_CURRENT_LIST_DIR}/ctl_out.c
  ${CMAKE_CURRENT_LIST_DIR}/ctl_people.c
  ${CMAKE_CURRENT_LIST_DIR}/ctl_thread.c
  ${CMAKE_CURRENT_LIST_DIR}/ctl_admin.c
  ${CMAKE_CURRENT_LIST_DIR}/ctl_apikey.c
  ${CMAKE_CURRENT_LIST_DIR}/ctl_ops.c
  ${CMAKE_CURRENT_LIST_DIR}/ctl_doctor.c
  ${CMAKE_CURRENT_LIST_DIR}/ctl_probe.c)
target_link_libraries(gatewayctl PRIVATE gw_tick gw_admin gw_store gw_common PkgConfig::JANSSON)
target_link_libraries(gatewayctl PRIVATE PkgConfig::SQLITE3 PkgConfig::CRYPTO)
install(TARGETS gatewayctl DESTINATION ${CMAKE_INSTALL_SBINDIR})
