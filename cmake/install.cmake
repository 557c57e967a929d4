# Where `cmake --install` (and cpack) put things:
#   PREFIX/sbin                     gatewayd, gatewayctl
#   PREFIX/libexec/gatewayd         gatewayd-pipe (the program Postfix runs) and
#                                   gatewayd-pipe-local (which it runs)
#   PREFIX/share/man/man5, man8     gatewayd.conf(5), gatewayd(8), gatewayctl(8),
#                                   gatewayd-pipe(8)
#   PREFIX/share/doc/gatewayd       the guides (*.md); examples/: the example
#                                   config and the Postfix snippets
#   PREFIX/lib/sysusers.d, tmpfiles.d   the user and the directories
#   units: /lib/systemd/system when PREFIX is /usr (Debian's place),
#          PREFIX/lib/systemd/system otherwise (systemd looks in
#          /usr/local/lib/systemd/system too)
#   /etc/gatewayd/gatewayd.conf     only when PREFIX is /usr and the file does
#                                   not exist yet: the example with [mail] from
#                                   and reply_domain left for the postmaster
# The units and the config are written at install time (cmake/install_system.cmake)
# so that ExecStart= names the prefix actually installed to: cmake --install
# --prefix, or cpack's /usr.
foreach(t gatewayd gatewayctl)
  if(TARGET ${t})
    install(TARGETS ${t} RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
  endif()
endforeach()
# gatewayd-pipe runs gatewayd-pipe-local from its own directory: both or
# neither.
if(TARGET gatewayd-pipe)
  install(TARGETS gatewayd-pipe gatewayd-pipe-local RUNTIME DESTINATION ${GW_LIBEXECDIR})
endif()

# Every man page in docs/ (gatewayd.8, gatewayctl.8, gatewayd-pipe.8,
# gatewayd.conf.5).
foreach(sec 5 8)
  file(GLOB GW_MAN${sec} CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.${sec})
  install(FILES ${GW_MAN${sec}} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${sec})
endforeach()

set(GW_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/gatewayd)
file(GLOB GW_GUIDES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${GW_GUIDES} DESTINATION ${GW_DOCDIR})
install(FILES docs/gatewayd.conf.example DESTINATION ${GW_DOCDIR}/examples)
file(GLOB GW_POSTFIX_EXAMPLES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/mta-hooks/*.example)
install(FILES ${GW_POSTFIX_EXAMPLES} DESTINATION ${GW_DOCDIR}/examples)

install(FILES systemd/gatewayd.sysusers DESTINATION lib/sysusers.d RENAME gatewayd.conf)
install(FILES systemd/gatewayd.tmpfiles DESTINATION lib/tmpfiles.d RENAME gatewayd.conf)

install(CODE "
  set(GW_SOURCE_DIR \"${CMAKE_SOURCE_DIR}\")
  set(GW_SBINDIR_REL \"${CMAKE_INSTALL_SBINDIR}\")
  include(\"${CMAKE_SOURCE_DIR}/cmake/install_system.cmake\")
")

# cpack (and make install) install what was built, without checking every
# target of the tree first: `make deb` and `make install` build before.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
include(${CMAKE_SOURCE_DIR}/cmake/package.cmake)
