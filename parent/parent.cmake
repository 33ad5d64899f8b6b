# parent/parent.cmake - `warden run`: the supervising parent. Included by the
# root CMakeLists.txt after parent/config.cmake (which builds warden_config).
target_sources(warden PRIVATE
  parent/run.c
  parent/supervisor.c
  parent/backoff.c
  parent/proc.c
  parent/listener.c
  parent/logfile.c
  parent/notify.c)
target_include_directories(warden PRIVATE parent)
target_link_libraries(warden PRIVATE warden_config warden_ipc warden_trace warden_logger
                      PkgConfig::SYSTEMD PkgConfig::UV)

# ---- tests ---------------------------------------------------------------------
warden_test(test_backoff parent/backoff.c)
target_include_directories(test_backoff PRIVATE parent)

# The real parent with the test build of the child (child/test_hooks.c),
# once the child serves HTTP.
if(EXISTS "${CMAKE_SOURCE_DIR}/child/server.c")
  warden_test(test_supervisor tests/daemon_harness.c tests/http_client.c)
  # sandbox.h: UNDER_ASAN, the one place the ASan build is detected.
  target_include_directories(test_supervisor PRIVATE child)
  target_compile_definitions(test_supervisor PRIVATE
    WARDEN_CHILD_TEST_BINARY="$<TARGET_FILE:warden-child-test>")
  add_dependencies(test_supervisor warden warden-child warden-child-test)
endif()

# docs/warden.service and docs/warden.socket, checked by systemd itself.
add_test(NAME systemd_units
         COMMAND sh "${CMAKE_SOURCE_DIR}/tests/verify_units.sh" "$<TARGET_FILE:warden>")

# ---- benchmark: crash -> first success, under wrk load ---------------------------
add_executable(bench_restart bench/bench_restart.c)
target_compile_definitions(bench_restart PRIVATE WARDEN_BINARY="$<TARGET_FILE:warden>")
add_dependencies(bench_restart warden warden-child)
