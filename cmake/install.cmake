# Where `cmake --install` puts things: daemons and the CLI in sbin/, the
# program Postfix runs in libexec/gatewayd/, man pages, an example config,
# the Postfix snippets, systemd units and the sysusers/tmpfiles snippets.
foreach(t gatewayd gatewayctl)
  if(TARGET ${t})
    install(TARGETS ${t} RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
  endif()
endforeach()
if(TARGET gatewayd-pipe)
  install(TARGETS gatewayd-pipe RUNTIME DESTINATION ${GW_LIBEXECDIR})
endif()

foreach(page gatewayd.8 gatewayctl.8 gatewayd-pipe.8)
  if(EXISTS ${CMAKE_SOURCE_DIR}/docs/${page})
    install(FILES docs/${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
  endif()
endforeach()
install(FILES docs/gatewayd.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES docs/gatewayd.conf.example
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/gatewayd/examples)
file(GLOB GW_POSTFIX_EXAMPLES ${CMAKE_SOURCE_DIR}/mta-hooks/*.example)
install(FILES ${GW_POSTFIX_EXAMPLES}
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/gatewayd/examples)

configure_file(systemd/gatewayd.service.in gatewayd.service @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/gatewayd.service DESTINATION lib/systemd/system)
install(FILES systemd/gatewayd.sysusers DESTINATION lib/sysusers.d RENAME gatewayd.conf)
install(FILES systemd/gatewayd.tmpfiles DESTINATION lib/tmpfiles.d RENAME gatewayd.conf)
