# The JSON API for integrators (gw_api) and what it shares with gatewayctl
# (gw_admin: View-chat link minting and API key hashing).
#
# gw_admin is linked by gatewayctl (gatewayctl.cmake) and gw_api; gw_api by
# the daemon, which defines GW_HAVE_API when it links it.
add_library(gw_admin STATIC
  ${CMAKE_CURRENT_LIST_DIR}/viewlink.c
  ${CMAKE_CURRENT_LIST_DIR}/apikey.c)
target_include_directories(gw_admin PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(gw_admin
  PUBLIC gw_store gw_common
  PRIVATE PkgConfig::CRYPTO)

add_library(gw_api STATIC
  ${CMAKE_CURRENT_LIST_DIR}/api.c
  ${CMAKE_CURRENT_LIST_DIR}/api_json.c
  ${CMAKE_CURRENT_LIST_DIR}/api_people.c
  ${CMAKE_CURRENT_LIST_DIR}/api_threads.c
  ${CMAKE_CURRENT_LIST_DIR}/api_actions.c
  ${CMAKE_CURRENT_LIST_DIR}/api_logs.c)
target_include_directories(gw_api PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(gw_api
  PUBLIC gw_store gw_common
  PRIVATE gw_admin PkgConfig::JANSSON PkgConfig::LIBEVENT PkgConfig::CRYPTO)
