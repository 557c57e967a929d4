# gatewayd-pipe: the command Postfix pipe(8) runs for each inbound message,
# and gw_decide, the decision it shares with any other inbound front end
# (LMTP).  Included from the top-level CMakeLists.txt after mta-hooks/.
# No libevent here: the program is started once per message.
set(GW_MTA_HOOKS_DIR ${CMAKE_SOURCE_DIR}/mta-hooks)

add_library(gw_decide STATIC ${GW_MTA_HOOKS_DIR}/decide.c
  ${GW_MTA_HOOKS_DIR}/decide_bounce.c ${GW_MTA_HOOKS_DIR}/decide_text.c
  ${GW_MTA_HOOKS_DIR}/decide_away.c)
target_include_directories(gw_decide PUBLIC ${GW_MTA_HOOKS_DIR})
target_link_libraries(gw_decide PUBLIC gw_inbound gw_store gw_common)

add_executable(gatewayd-pipe ${GW_MTA_HOOKS_DIR}/pipe.c)
target_link_libraries(gatewayd-pipe PRIVATE gw_decide gw_inbound gw_store gw_common)
set_target_properties(gatewayd-pipe PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                      ${CMAKE_BINARY_DIR}/mta-hooks)
# Installed by cmake/install.cmake (libexec/gatewayd, the man page and the
# Postfix examples under share/doc/gatewayd/examples).
