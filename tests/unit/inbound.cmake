# Unit tests of the inbound parser and classifier (mta-hooks/gw_inbound).
gw_add_test(test_inbound SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_inbound.c
            LIBS gw_inbound)
# gmime directly too: the test provokes a gmime critical and checks stderr
gw_add_test(test_inbound_limits SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_inbound_limits.c
            LIBS gw_inbound PkgConfig::GMIME Threads::Threads)
gw_add_test(test_inbound_corpus SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_inbound_corpus.c
            LIBS gw_inbound TIMEOUT 600)
# The return date of out-of-office replies (mta-hooks/away.c).
gw_add_test(test_away SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_away.c LIBS gw_inbound)
# Machines are never answered: Unicode subject prefixes, bulk senders,
# calendars, system senders; people's replies stay human.
gw_add_test(test_inbound_machines SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_inbound_machines.c
            LIBS gw_inbound PkgConfig::GMIME)
target_compile_definitions(test_inbound_machines PRIVATE GW_DOCS_DIR="${CMAKE_SOURCE_DIR}/docs")
# The envelope of a message read from a mailbox (mta-hooks/inbound_headers.c).
gw_add_test(test_inbound_headers SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_inbound_headers.c
            LIBS gw_inbound)
