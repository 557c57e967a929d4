# Security checks (docs/security.md): hostile input against the inbound
# path (in-process and through the built gatewayd-pipe), the web view and
# the emails compose builds.  Each program is one area.
gw_add_test(test_security_inbound
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_security_inbound.c
          ${CMAKE_CURRENT_LIST_DIR}/decide_fixture.c
  LIBS gw_decide gw_inbound gw_store gw_common PkgConfig::SQLITE3
  TIMEOUT 300)
target_compile_definitions(test_security_inbound PRIVATE
  GW_PIPE_BIN="$<TARGET_FILE:gatewayd-pipe>")
add_dependencies(test_security_inbound gatewayd-pipe)
gw_add_test(test_security_bounces
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_security_bounces.c
          ${CMAKE_CURRENT_LIST_DIR}/decide_fixture.c
  LIBS gw_decide gw_inbound gw_store gw_common PkgConfig::SQLITE3
  TIMEOUT 120)
if(TARGET gw_web)
  foreach(t web http limits)
    gw_add_test(test_security_${t}
      SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_security_${t}.c
              ${CMAKE_CURRENT_LIST_DIR}/web_fixture.c
      LIBS gw_web gw_store gw_common PkgConfig::LIBEVENT
      TIMEOUT 120)
  endforeach()
endif()
if(TARGET gw_outbound AND TARGET gatewayctl)
  gw_add_test(test_security_mail
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_security_mail.c
    LIBS gw_outbound gw_store gw_common PkgConfig::GMIME PkgConfig::SQLITE3
    TIMEOUT 120)
  target_compile_definitions(test_security_mail PRIVATE
    GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>"
    GW_PIPE_BIN="$<TARGET_FILE:gatewayd-pipe>")
  add_dependencies(test_security_mail gatewayctl gatewayd-pipe)
endif()
if(TARGET gatewayctl)
  gw_add_test(test_security_backscatter
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_security_backscatter.c
            ${CMAKE_CURRENT_LIST_DIR}/decide_fixture.c
    LIBS gw_decide gw_inbound gw_store gw_common PkgConfig::SQLITE3
    TIMEOUT 300)
  target_compile_definitions(test_security_backscatter PRIVATE
    GW_PIPE_BIN="$<TARGET_FILE:gatewayd-pipe>"
    GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
  add_dependencies(test_security_backscatter gatewayd-pipe gatewayctl)
endif()
if(TARGET gw_evlisten)
  gw_add_test(test_security_listener
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_security_listener.c
    LIBS gw_evlisten gw_common PkgConfig::LIBEVENT
    TIMEOUT 60)
endif()
