# The installation as a postmaster gets it.
#   test_install: `cmake --install` into a DESTDIR temp root; every file in
#     place, the sysusers/tmpfiles snippets applied to a scratch root, and
#     `systemd-analyze verify` on the installed units (skipped, exit 77,
#     where systemd-analyze is missing).
#   test_deb: cpack builds the .deb from this build; its contents, control
#     data, maintainer scripts and units are checked, and its config refuses
#     to start the daemon until [mail] from and reply_domain are set
#     (skipped without dpkg-deb or dpkg-shlibdeps).
if(TARGET gatewayd AND TARGET gatewayctl AND TARGET gatewayd-pipe)
  add_test(NAME test_install
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/test_install.sh
            ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
  set_tests_properties(test_install PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)

  add_test(NAME test_deb
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/test_deb.sh
            ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR} $<TARGET_FILE:gatewayd>
            ${CMAKE_COMMAND})
  set_tests_properties(test_deb PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 180)
endif()
