# child/child.cmake - the child program (warden-child), its test build with
# the escape hooks (warden-child-test), and their tests. Included by the
# root CMakeLists.txt after child/logger.cmake.

set(WARDEN_CHILD_SOURCES
  child/main.c
  child/parent_link.c
  child/fd_layout.c
  child/sandbox.c
  child/violation.c
  child/arena.c
  child/server.c
  child/server_http.c
  child/server_parse.c)

# The endpoints and assets (api.c, the embedded GUI): child/gui.cmake.
include(child/gui.cmake)
list(APPEND WARDEN_CHILD_SOURCES ${WARDEN_GUI_SOURCES})

add_executable(warden-child ${WARDEN_CHILD_SOURCES})
target_include_directories(warden-child PRIVATE child ${HTTP_PARSER_INCLUDE_DIR})
target_link_libraries(warden-child PRIVATE warden_ipc warden_logger warden_policy
                      warden_child_policy ${WARDEN_GUI_LIBS} ${HTTP_PARSER_LIBRARY} PkgConfig::UV)

# Test-only behaviour is compiled only into this binary.
add_executable(warden-child-test ${WARDEN_CHILD_SOURCES} child/escape.c child/test_hooks.c)
target_include_directories(warden-child-test PRIVATE child ${HTTP_PARSER_INCLUDE_DIR})
target_compile_definitions(warden-child-test PRIVATE WARDEN_TEST_HOOKS)
target_link_libraries(warden-child-test PRIVATE warden_ipc warden_logger warden_policy
                      warden_child_policy ${WARDEN_GUI_LIBS} ${HTTP_PARSER_LIBRARY} PkgConfig::UV)

warden_test(test_child tests/child_harness.c tests/http_client.c child/escape.c)
target_include_directories(test_child PRIVATE child)
target_link_libraries(test_child PRIVATE warden_ipc)
target_compile_definitions(test_child PRIVATE
  WARDEN_CHILD_BINARY="$<TARGET_FILE:warden-child>"
  WARDEN_CHILD_TEST_BINARY="$<TARGET_FILE:warden-child-test>")
add_dependencies(test_child warden-child warden-child-test)

# The HTTP server in the real child, over loopback sockets.
warden_test(test_http tests/child_harness.c tests/http_client.c)
target_link_libraries(test_http PRIVATE warden_ipc)
target_compile_definitions(test_http PRIVATE
  WARDEN_CHILD_BINARY="$<TARGET_FILE:warden-child>")
add_dependencies(test_http warden-child)

# Arbitrary bytes through a connection's request path, without sockets.
warden_fuzz(fuzz_http_request warden_logger ${HTTP_PARSER_LIBRARY} PkgConfig::UV)
if(WARDEN_FUZZ)
  target_sources(fuzz_http_request PRIVATE child/server_http.c child/server_parse.c
                 child/arena.c)
  target_include_directories(fuzz_http_request PRIVATE child ${HTTP_PARSER_INCLUDE_DIR})
endif()
