# child/child.cmake - the child program (warden-child), its test build
# (warden-child-test: the same boot sequence with the hooks of tests/child/),
# and their tests. Included by the root CMakeLists.txt after
# logger/logger.cmake.

# Everything but main(): warden-child adds child/main.c, warden-child-test
# tests/child/main.c, warden-child-nofilter (bench/bench.cmake) child/main.c.
set(WARDEN_CHILD_SOURCES
  child/boot.c
  child/exit.c
  child/parent_link.c
  child/counters.c
  child/fd_layout.c
  child/sandbox.c
  child/violation.c
  child/arena.c
  child/server.c
  child/peers.c
  child/http_conn.c
  child/http_host.c
  child/http_parse.c
  child/rate.c)

# The endpoints and assets (api.c, the embedded GUI): child/gui.cmake.
include(child/gui.cmake)
list(APPEND WARDEN_CHILD_SOURCES ${WARDEN_GUI_SOURCES})

add_executable(warden-child child/main.c ${WARDEN_CHILD_SOURCES})
target_include_directories(warden-child PRIVATE ${HTTP_PARSER_INCLUDE_DIR})
target_link_libraries(warden-child PRIVATE warden_ipc warden_logger warden_policy
                      warden_child_policy ${WARDEN_GUI_LIBS} ${HTTP_PARSER_LIBRARY} PkgConfig::UV)

# Test-only behaviour is compiled only into this binary.
add_executable(warden-child-test tests/child/main.c tests/child/escape.c
               tests/child/misbehave.c tests/child/lie.c ${WARDEN_CHILD_SOURCES})
target_include_directories(warden-child-test PRIVATE ${HTTP_PARSER_INCLUDE_DIR})
target_link_libraries(warden-child-test PRIVATE warden_ipc warden_logger warden_policy
                      warden_child_policy ${WARDEN_GUI_LIBS} ${HTTP_PARSER_LIBRARY} PkgConfig::UV)

# The test build again with a copy of the child policy whose fsync rule is
# removed: tests/test_violations.c runs it in complain mode and checks that
# `warden policy suggest` gives the rule back.
set(NOFSYNC_POLICY "${CMAKE_BINARY_DIR}/generated/child-nofsync.policy")
set(NOFSYNC_POLICY_C "${CMAKE_BINARY_DIR}/generated/child_policy_nofsync.c")
file(READ "${CHILD_POLICY}" policy_text)
string(REGEX REPLACE "\nfsync: [^\n]*\n" "\n" nofsync_text "${policy_text}")
if(nofsync_text STREQUAL policy_text)
  message(FATAL_ERROR "policy/child.policy has no one-line fsync rule to remove for the test")
endif()
file(WRITE "${NOFSYNC_POLICY}" "${nofsync_text}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CHILD_POLICY}")
add_custom_command(
  OUTPUT "${NOFSYNC_POLICY_C}"
  COMMAND ${CMAKE_COMMAND} -DINPUT=${NOFSYNC_POLICY} -DOUTPUT=${NOFSYNC_POLICY_C}
          -P "${CMAKE_SOURCE_DIR}/policy/embed.cmake"
  DEPENDS "${NOFSYNC_POLICY}" "${CMAKE_SOURCE_DIR}/policy/embed.cmake"
  VERBATIM)
add_library(warden_child_policy_nofsync STATIC "${NOFSYNC_POLICY_C}")
add_executable(warden-child-test-nofsync tests/child/main.c tests/child/escape.c
               tests/child/misbehave.c tests/child/lie.c ${WARDEN_CHILD_SOURCES})
target_include_directories(warden-child-test-nofsync PRIVATE ${HTTP_PARSER_INCLUDE_DIR})
target_link_libraries(warden-child-test-nofsync PRIVATE warden_ipc warden_logger warden_policy
                      warden_child_policy_nofsync ${WARDEN_GUI_LIBS} ${HTTP_PARSER_LIBRARY}
                      PkgConfig::UV)

warden_test(test_child tests/child_harness.c tests/http_client.c tests/child/escape.c)
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
  target_sources(fuzz_http_request PRIVATE child/http_conn.c child/http_host.c
                 child/http_parse.c child/rate.c child/arena.c)
  target_include_directories(fuzz_http_request PRIVATE ${HTTP_PARSER_INCLUDE_DIR})
endif()

# The allocator alone: refusals, traps on foreign pointers, realloc.
warden_test(test_arena child/arena.c)
target_link_libraries(test_arena PRIVATE PkgConfig::UV)

# The count of connections per client address, alone.
warden_test(test_peers child/peers.c child/arena.c)
target_link_libraries(test_peers PRIVATE PkgConfig::UV)

# The privilege drop on its own, in a forked process, before any filter.
warden_test(test_sandbox child/sandbox.c)
target_link_libraries(test_sandbox PRIVATE warden_ipc)

# The response API without sockets: a handler's bad header names and values.
warden_test(test_http_response child/http_conn.c child/http_host.c child/http_parse.c
            child/rate.c child/arena.c)
target_include_directories(test_http_response PRIVATE ${HTTP_PARSER_INCLUDE_DIR})
target_link_libraries(test_http_response PRIVATE warden_logger ${HTTP_PARSER_LIBRARY} PkgConfig::UV)

# The per-second ring alone: seconds, laps, a clock set back.
warden_test(test_rate child/rate.c)
