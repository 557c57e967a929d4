# Outbound building blocks: composing notification emails and the
# transports that deliver them (smtp via libetpan, sendmail, maildir).
# No database here; the relay wires these to the store's outbox.
add_library(gw_outbound STATIC
  ${CMAKE_CURRENT_LIST_DIR}/compose.c
  ${CMAKE_CURRENT_LIST_DIR}/compose_mime.c
  ${CMAKE_CURRENT_LIST_DIR}/compose_text.c
  ${CMAKE_CURRENT_LIST_DIR}/transport.c
  ${CMAKE_CURRENT_LIST_DIR}/transport_smtp.c
  ${CMAKE_CURRENT_LIST_DIR}/transport_smtp_session.c
  ${CMAKE_CURRENT_LIST_DIR}/transport_sendmail.c
  ${CMAKE_CURRENT_LIST_DIR}/transport_maildir.c)
target_include_directories(gw_outbound PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(gw_outbound
  PUBLIC gw_common Threads::Threads
  PRIVATE gw_etpan)
