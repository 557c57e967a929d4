# gatewayd-pipe: the command Postfix pipe(8) runs for each inbound message
# (pipe_front.c: hands it to the running daemon, libc and inih only), and
# gatewayd-pipe-local (pipe.c), which it runs when the daemon does not
# answer; gw_decide, the decision they share with LMTP.  Included from the
# top-level CMakeLists.txt after mta-hooks/.
# No libevent here: the programs are started once per message.
set(GW_MTA_HOOKS_DIR ${CMAKE_SOURCE_DIR}/mta-hooks)

add_library(gw_decide STATIC ${GW_MTA_HOOKS_DIR}/decide.c
  ${GW_MTA_HOOKS_DIR}/decide_bounce.c ${GW_MTA_HOOKS_DIR}/decide_text.c
  ${GW_MTA_HOOKS_DIR}/decide_away.c)
target_include_directories(gw_decide PUBLIC ${GW_MTA_HOOKS_DIR})
target_link_libraries(gw_decide PUBLIC gw_inbound gw_store gw_common)

# How both programs defer and catch signals: buf and log of gw_common only.
add_library(gw_pipe_exit STATIC ${GW_MTA_HOOKS_DIR}/pipe_exit.c)
target_include_directories(gw_pipe_exit PUBLIC ${GW_MTA_HOOKS_DIR})
target_link_libraries(gw_pipe_exit PUBLIC gw_common)

add_executable(gatewayd-pipe-local ${GW_MTA_HOOKS_DIR}/pipe.c)
target_link_libraries(gatewayd-pipe-local PRIVATE gw_pipe_exit gw_decide gw_inbound gw_store
                      gw_common)

# The front links gw_common for the config only; --as-needed keeps
# libcrypto (links.c) out of its shared libraries: each one costs every
# message its loading and relocation.
add_executable(gatewayd-pipe ${GW_MTA_HOOKS_DIR}/pipe_front.c)
target_link_libraries(gatewayd-pipe PRIVATE gw_pipe_exit gw_common)
target_link_options(gatewayd-pipe PRIVATE -Wl,--as-needed)
target_compile_definitions(gatewayd-pipe PRIVATE
  GW_LIBEXECDIR_ABS="${CMAKE_INSTALL_FULL_LIBEXECDIR}/gatewayd")
# It runs gatewayd-pipe-local from its own directory.
add_dependencies(gatewayd-pipe gatewayd-pipe-local)
set_target_properties(gatewayd-pipe gatewayd-pipe-local PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                      ${CMAKE_BINARY_DIR}/mta-hooks)
# Installed by cmake/install.cmake (libexec/gatewayd, the man page and the
# Postfix examples under share/doc/gatewayd/examples).
