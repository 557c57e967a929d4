# Tests of the web view (web-lite/): the server on 127.0.0.1 port 0 over a
# seeded temp database, driven by a same-thread HTTP client.
if(TARGET gw_web)
  foreach(t web web_pages web_form web_bounces web_contacts web_audit web_refs web_people web_notes web_signin
      web_search web_inbox web_templates web_tasks web_i18n web_uploads)
    gw_add_test(test_${t}
      SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c ${CMAKE_CURRENT_LIST_DIR}/web_fixture.c
        ${CMAKE_CURRENT_LIST_DIR}/store_hold.c
      LIBS gw_web gw_store gw_common PkgConfig::LIBEVENT PkgConfig::SQLITE3 Threads::Threads
      TIMEOUT 120)
  endforeach()
endif()
# Documents: zips and folders in replies, the Documents pages, the
# streamed zip of a thread, click-to-load video players.
if(TARGET gw_web)
  gw_add_test(test_web_documents
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_web_documents.c ${CMAKE_CURRENT_LIST_DIR}/web_fixture.c
      ${CMAKE_CURRENT_LIST_DIR}/store_hold.c
    LIBS gw_web gw_store gw_common PkgConfig::LIBEVENT PkgConfig::SQLITE3 PkgConfig::LIBARCHIVE
      Threads::Threads
    TIMEOUT 120)
endif()

# The streaming multipart reader (web-lite/upload.c) on its own: files
# into a temp content store, every kind of bad input.
if(TARGET gw_web)
  gw_add_test(test_upload
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_upload.c
    LIBS gw_web gw_store gw_common Threads::Threads)
endif()
