# Unit tests of webhooks without a daemon: common/webhook.c, [webhooks] in
# the config, the signature and retry delays of gatewayd/webhook/.
gw_add_test(test_webhook SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_webhook.c
  LIBS gw_webhook gw_common)
