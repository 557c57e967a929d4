# Unit tests of common/: one program per module.
foreach(m buf clock log listen config links path utf8 mail_kind reminder_words)
  gw_add_test(test_${m} SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_${m}.c LIBS gw_common)
endforeach()
gw_add_test(test_sleeper SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sleeper.c
  LIBS gw_common Threads::Threads)
# zip.h: unpacking under limits, folder paths, the zip writer.
gw_add_test(test_zip SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_zip.c
  LIBS gw_zip gw_common PkgConfig::LIBARCHIVE)
# Time zones and business hours (gw_zone: GLib's GTimeZone).
gw_add_test(test_hours SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_hours.c LIBS gw_zone gw_common)
