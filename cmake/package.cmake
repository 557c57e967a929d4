# The Debian package (cpack -G DEB, or `make deb`): gatewayd_VERSION_ARCH.deb
# with the programs, man pages, guides, units, sysusers/tmpfiles snippets and
# /etc/gatewayd/gatewayd.conf as a conffile.  The maintainer scripts in
# cmake/deb/ create the user and directories (systemd-sysusers and
# systemd-tmpfiles, adduser where those are missing) and the link key file;
# they start nothing on a first install: the config needs the postmaster
# first (see docs/install.md).  Library dependencies come from
# dpkg-shlibdeps (package dpkg-dev).
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "gatewayd")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "mail-centric chat gateway for firms running their own mail server")
set(CPACK_PACKAGE_DESCRIPTION
"gatewayd stores chat threads between a firm's staff and its clients, emails
people when something happens (with a signed View-chat link), reminds clients
who have not answered, turns away email replies to its notifications with a
clear explanation, and serves a small web view of the threads.  It plugs into
Postfix through pipe(8) and runs under systemd.")
set(GW_DEB_MAINTAINER "gatewayd packaging <root@localhost>" CACHE STRING
    "Maintainer field of the Debian package")
set(CPACK_PACKAGE_CONTACT "${GW_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${GW_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION "mail")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The libraries (libarchive13 for the export archive among them) come from
# dpkg-shlibdeps above; systemd-sysusers/-tmpfiles come with systemd,
# adduser is the fallback.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd | adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postfix | mail-transport-agent")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "sqlite3")
# Install with DESTDIR and the real prefix, so that what is written at
# install time (the units' ExecStart=) names /usr, not the staging area.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX "/usr")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)

set(GW_DEB_CONTROL_DIR ${CMAKE_BINARY_DIR}/deb-control)
file(MAKE_DIRECTORY ${GW_DEB_CONTROL_DIR})
foreach(script postinst prerm postrm)
  file(COPY ${CMAKE_CURRENT_LIST_DIR}/deb/${script} DESTINATION ${GW_DEB_CONTROL_DIR}
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                        WORLD_READ WORLD_EXECUTE)
endforeach()
file(WRITE ${GW_DEB_CONTROL_DIR}/conffiles "/etc/gatewayd/gatewayd.conf\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${GW_DEB_CONTROL_DIR}/conffiles ${GW_DEB_CONTROL_DIR}/postinst
    ${GW_DEB_CONTROL_DIR}/prerm ${GW_DEB_CONTROL_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
