# Unit tests of the outbound building blocks (gatewayd/relay/: gw_outbound).
gw_add_test(test_compose
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_compose.c
  LIBS gw_outbound PkgConfig::GMIME)
# gmime reads back what compose_mime.c writes.
gw_add_test(test_compose_mime
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_compose_mime.c
  LIBS gw_outbound PkgConfig::GMIME)

# libssl only for tls_peer.c, the STARTTLS server the smtp tests talk to.
pkg_check_modules(GW_TEST_SSL REQUIRED IMPORTED_TARGET libssl)
gw_add_test(test_transport
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_transport.c
          ${CMAKE_CURRENT_LIST_DIR}/test_transport_local.c
          ${CMAKE_CURRENT_LIST_DIR}/test_transport_peer.c
          ${CMAKE_CURRENT_LIST_DIR}/transport_testutil.c
          ${CMAKE_CURRENT_LIST_DIR}/tls_peer.c
  LIBS gw_outbound PkgConfig::GW_TEST_SSL PkgConfig::CRYPTO
  TIMEOUT 120)
# Every kind of email in French and English, around a DST change.
gw_add_test(test_compose_i18n
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_compose_i18n.c
  LIBS gw_outbound PkgConfig::GMIME)
