# Unit tests of store/: real SQLite files in temp directories.
foreach(t store store_outbox store_reminders store_concurrency store_idempotency store_pool
          store_retention store_audit
    store_refs store_webhooks store_followers store_notes store_documents store_search store_inbox store_shortcodes store_tasks store_batch store_i18n)
  gw_add_test(test_${t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c ${CMAKE_CURRENT_LIST_DIR}/test_store_util.c ${CMAKE_CURRENT_LIST_DIR}/store_hold.c
    LIBS gw_store PkgConfig::SQLITE3)
endforeach()
