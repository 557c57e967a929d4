# Tests of gatewayctl: they run the built program against a temp config.
gw_add_test(test_gatewayctl
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gatewayctl.c
          ${CMAKE_CURRENT_LIST_DIR}/test_gatewayctl_rules.c
          ${CMAKE_CURRENT_LIST_DIR}/test_gatewayctl_util.c
  LIBS gw_store gw_common PkgConfig::JANSSON)
target_compile_definitions(test_gatewayctl PRIVATE
  GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
add_dependencies(test_gatewayctl gatewayctl)

# gatewayctl apikey: its own program (no demo data needed).
gw_add_test(test_gatewayctl_apikey
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gatewayctl_apikey.c
          ${CMAKE_CURRENT_LIST_DIR}/test_gatewayctl_util.c
  LIBS gw_admin gw_store gw_common PkgConfig::JANSSON)
target_compile_definitions(test_gatewayctl_apikey PRIVATE
  GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
add_dependencies(test_gatewayctl_apikey gatewayctl)

# gatewayctl person export / erase: archives read back with libarchive,
# raw database and attachment files scanned after an erase.
gw_add_test(test_gatewayctl_person
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gatewayctl_person.c
          ${CMAKE_CURRENT_LIST_DIR}/test_gatewayctl_util.c
          ${CMAKE_CURRENT_LIST_DIR}/store_hold.c
  LIBS gw_store gw_common PkgConfig::JANSSON PkgConfig::LIBARCHIVE PkgConfig::SQLITE3
       Threads::Threads)
target_compile_definitions(test_gatewayctl_person PRIVATE
  GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
add_dependencies(test_gatewayctl_person gatewayctl)

# gatewayctl message post --internal and @mentions.
gw_add_test(test_gatewayctl_notes
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gatewayctl_notes.c
          ${CMAKE_CURRENT_LIST_DIR}/test_gatewayctl_util.c
  LIBS gw_store gw_common PkgConfig::JANSSON)
target_compile_definitions(test_gatewayctl_notes PRIVATE
  GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
add_dependencies(test_gatewayctl_notes gatewayctl)

# gatewayctl --attach, and doctor, gc and backup over the content files.
gw_add_test(test_gatewayctl_attach
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gatewayctl_attach.c
          ${CMAKE_CURRENT_LIST_DIR}/test_gatewayctl_util.c
  LIBS gw_store gw_common PkgConfig::JANSSON PkgConfig::LIBARCHIVE)
target_compile_definitions(test_gatewayctl_attach PRIVATE
  GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
add_dependencies(test_gatewayctl_attach gatewayctl)
