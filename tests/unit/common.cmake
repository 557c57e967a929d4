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
# The reader's language and zone (gw_i18n), with the build's catalogs.
gw_add_test(test_i18n SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_i18n.c
  LIBS gw_i18n Threads::Threads)
# Every text of the sources has its translation in every catalog
# (scripts/po_check.sh names what is missing).
add_test(NAME i18n_catalogs
  COMMAND env GW_PO_STRICT=1 ${CMAKE_SOURCE_DIR}/scripts/po_check.sh check
          ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/po-test)
set_tests_properties(i18n_catalogs PROPERTIES SKIP_RETURN_CODE 77)
