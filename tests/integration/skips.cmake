# Tests that skip must say so: a unit test without its precondition exits
# 77 with its reason, every test has SKIP_RETURN_CODE 77, and the list
# that ends `make check` names them (tests/unit/test_skip.h).
add_test(NAME tests_that_skip_say_so
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/tests_that_skip_say_so.sh ${CMAKE_BINARY_DIR}
          $<TARGET_FILE:test_inbound_corpus> $<TARGET_FILE:test_transport>)
set_tests_properties(tests_that_skip_say_so PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
