# Tests of the JSON API (gatewayd/api/): the API in-process on
# 127.0.0.1:0 over a temp database, driven over loopback HTTP; gatewayctl
# makes and revokes keys.
gw_add_test(test_api
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_api.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_people.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_person.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_pool.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_threads.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_refs.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_util.c
  LIBS gw_api gw_admin gw_store gw_common
       PkgConfig::JANSSON PkgConfig::LIBEVENT PkgConfig::SQLITE3 PkgConfig::LIBARCHIVE
       Threads::Threads)
target_compile_definitions(test_api PRIVATE
  GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
add_dependencies(test_api gatewayctl)

# The audit log and the legal hold through the API and gatewayctl.
gw_add_test(test_api_audit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_api_audit.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_util.c
  LIBS gw_api gw_admin gw_store gw_common
       PkgConfig::JANSSON PkgConfig::LIBEVENT PkgConfig::SQLITE3 Threads::Threads)
target_compile_definitions(test_api_audit PRIVATE
  GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
add_dependencies(test_api_audit gatewayctl)

# Who gets a thread's emails and following, through the API and gatewayctl.
gw_add_test(test_api_recipients
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_api_recipients.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_util.c
  LIBS gw_api gw_admin gw_store gw_common
       PkgConfig::JANSSON PkgConfig::LIBEVENT PkgConfig::SQLITE3 Threads::Threads)
target_compile_definitions(test_api_recipients PRIVATE
  GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
add_dependencies(test_api_recipients gatewayctl)

# The documents of a thread and of an account through the API.
gw_add_test(test_api_documents
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_api_documents.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_util.c
  LIBS gw_api gw_admin gw_store gw_common
       PkgConfig::JANSSON PkgConfig::LIBEVENT PkgConfig::SQLITE3 Threads::Threads)
target_compile_definitions(test_api_documents PRIVATE
  GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
add_dependencies(test_api_documents gatewayctl)
# The staff's search through the API and gatewayctl.
gw_add_test(test_api_search
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_api_search.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_util.c
  LIBS gw_api gw_admin gw_store gw_common
       PkgConfig::JANSSON PkgConfig::LIBEVENT PkgConfig::SQLITE3 Threads::Threads)
target_compile_definitions(test_api_search PRIVATE
  GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
add_dependencies(test_api_search gatewayctl)
# The staff inbox, the view-all right and a contact's view, through the
# API and gatewayctl.
gw_add_test(test_api_inbox
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_api_inbox.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_util.c
  LIBS gw_api gw_admin gw_store gw_common
       PkgConfig::JANSSON PkgConfig::LIBEVENT PkgConfig::SQLITE3 Threads::Threads)
target_compile_definitions(test_api_inbox PRIVATE
  GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
add_dependencies(test_api_inbox gatewayctl)
# Staff change the checklist of a thread, through the API and gatewayctl.
gw_add_test(test_api_tasks
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_api_tasks.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_util.c
  LIBS gw_api gw_admin gw_store gw_common
       PkgConfig::JANSSON PkgConfig::LIBEVENT PkgConfig::SQLITE3 Threads::Threads)
target_compile_definitions(test_api_tasks PRIVATE
  GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
add_dependencies(test_api_tasks gatewayctl)
# Files through the API: multipart posts.
gw_add_test(test_api_uploads
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_api_uploads.c
          ${CMAKE_CURRENT_LIST_DIR}/test_api_util.c
  LIBS gw_api gw_admin gw_store gw_common
       PkgConfig::JANSSON PkgConfig::LIBEVENT PkgConfig::SQLITE3 PkgConfig::LIBARCHIVE
       Threads::Threads)
target_compile_definitions(test_api_uploads PRIVATE
  GATEWAYCTL_BIN="$<TARGET_FILE:gatewayctl>")
add_dependencies(test_api_uploads gatewayctl)
