# Runs at install time (cmake --install, cpack), included from the
# install(CODE) rule in cmake/install.cmake, which sets GW_SOURCE_DIR and
# GW_SBINDIR_REL.  CMAKE_INSTALL_PREFIX is the prefix being installed to;
# the files are written under $ENV{DESTDIR} and recorded in the install
# manifest like those of install(FILES).

if(IS_ABSOLUTE "${GW_SBINDIR_REL}")
  set(GW_SBINDIR "${GW_SBINDIR_REL}")
else()
  set(GW_SBINDIR "${CMAKE_INSTALL_PREFIX}/${GW_SBINDIR_REL}")
endif()
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(gw_unitdir "/lib/systemd/system")
else()
  set(gw_unitdir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()

# gw_install_text(PATH TEXT MODE...): write TEXT to DESTDIR/PATH.
function(gw_install_text path text)
  set(dest "$ENV{DESTDIR}${path}")
  message(STATUS "Installing: ${dest}")
  file(WRITE "${dest}" "${text}")
  file(CHMOD "${dest}" PERMISSIONS ${ARGN})
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${dest}")
  set(CMAKE_INSTALL_MANIFEST_FILES "${CMAKE_INSTALL_MANIFEST_FILES}" PARENT_SCOPE)
endfunction()

file(READ "${GW_SOURCE_DIR}/systemd/gatewayd.service.in" gw_unit)
string(CONFIGURE "${gw_unit}" gw_unit @ONLY)
gw_install_text("${gw_unitdir}/gatewayd.service" "${gw_unit}"
                OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(READ "${GW_SOURCE_DIR}/systemd/gatewayd.socket" gw_unit)
gw_install_text("${gw_unitdir}/gatewayd.socket" "${gw_unit}"
                OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# The system's config: the example, with the two values no default can
# guess commented out, so that gatewayd refuses to start until the
# postmaster has set them.  Never over an existing file.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr" AND
   NOT EXISTS "$ENV{DESTDIR}/etc/gatewayd/gatewayd.conf")
  file(READ "${GW_SOURCE_DIR}/docs/gatewayd.conf.example" gw_conf)
  string(REGEX REPLACE "\nfrom = [^\n]*" "\n# from = chat@firm.example        ; REQUIRED"
         gw_conf "${gw_conf}")
  string(REGEX REPLACE "\nreply_domain = [^\n]*"
         "\n# reply_domain = reply.firm.example ; REQUIRED" gw_conf "${gw_conf}")
  string(REGEX REPLACE "\nfrom_name = [^\n]*" "\n# from_name = Example & Partners"
         gw_conf "${gw_conf}")
  string(REGEX REPLACE "\nbase_url = [^\n]*" "\nbase_url = https://chat.firm.example ; SET IT"
         gw_conf "${gw_conf}")
  file(MAKE_DIRECTORY "$ENV{DESTDIR}/etc/gatewayd")
  gw_install_text("/etc/gatewayd/gatewayd.conf"
"# /etc/gatewayd/gatewayd.conf - installed from the example (see gatewayd.conf(5)).
#
# gatewayd does not start until [mail] from and [mail] reply_domain are set
# below.  Set them and [web] base_url, then (see /usr/share/doc/gatewayd/install.md):
#   gatewayctl doctor
#   systemctl enable --now gatewayd
#
${gw_conf}" OWNER_READ OWNER_WRITE GROUP_READ)
endif()
