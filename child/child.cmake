# child/child.cmake - the child program (warden-child), its test build with
# the escape hooks (warden-child-test), and their tests. Included by the
# root CMakeLists.txt after child/logger.cmake.

set(WARDEN_CHILD_SOURCES
  child/main.c
  child/parent_link.c
  child/fd_layout.c
  child/sandbox.c
  child/violation.c
  child/arena.c)

# The endpoints and assets (api.c, the embedded GUI): child/gui.cmake.
# (Appended to the sources once the server that calls them is built in.)
include(child/gui.cmake)

add_executable(warden-child ${WARDEN_CHILD_SOURCES})
target_include_directories(warden-child PRIVATE child)
target_link_libraries(warden-child PRIVATE warden_ipc warden_logger warden_policy
                      warden_child_policy ${WARDEN_GUI_LIBS} PkgConfig::UV)

# Test-only behaviour is compiled only into this binary.
add_executable(warden-child-test ${WARDEN_CHILD_SOURCES} child/escape.c)
target_include_directories(warden-child-test PRIVATE child)
target_compile_definitions(warden-child-test PRIVATE WARDEN_TEST_HOOKS)
target_link_libraries(warden-child-test PRIVATE warden_ipc warden_logger warden_policy
                      warden_child_policy ${WARDEN_GUI_LIBS} PkgConfig::UV)

warden_test(test_child tests/child_harness.c child/escape.c)
target_include_directories(test_child PRIVATE child)
target_link_libraries(test_child PRIVATE warden_ipc)
target_compile_definitions(test_child PRIVATE
  WARDEN_CHILD_BINARY="$<TARGET_FILE:warden-child>"
  WARDEN_CHILD_TEST_BINARY="$<TARGET_FILE:warden-child-test>")
add_dependencies(test_child warden-child warden-child-test)
