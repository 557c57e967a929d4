# Unit tests of mta-hooks/decide.c and the gatewayd-pipe program.
gw_add_test(test_decide
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_decide.c
          ${CMAKE_CURRENT_LIST_DIR}/test_decide_pipe.c
          ${CMAKE_CURRENT_LIST_DIR}/decide_fixture.c
  LIBS gw_decide gw_inbound gw_store gw_common PkgConfig::SQLITE3
  TIMEOUT 600)
target_compile_definitions(test_decide PRIVATE
  GW_PIPE_BIN="$<TARGET_FILE:gatewayd-pipe>")
add_dependencies(test_decide gatewayd-pipe)
# Automatic replies: away notes, away state, reminders postponed, and the
# pipe program end to end.
gw_add_test(test_decide_away
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_decide_away.c
          ${CMAKE_CURRENT_LIST_DIR}/decide_fixture.c
  LIBS gw_decide gw_inbound gw_store gw_common PkgConfig::SQLITE3)
target_compile_definitions(test_decide_away PRIVATE
  GW_PIPE_BIN="$<TARGET_FILE:gatewayd-pipe>")
add_dependencies(test_decide_away gatewayd-pipe)
