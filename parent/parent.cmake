# parent/parent.cmake - `warden run`: the supervising parent. Included by the
# root CMakeLists.txt after parent/config.cmake (which builds warden_config).
target_sources(warden PRIVATE
  parent/run.c
  parent/supervisor.c
  parent/generation.c
  parent/attest.c
  parent/child_end.c
  parent/restart.c
  parent/standby.c
  parent/status.c
  parent/backoff.c
  parent/spawn.c
  parent/child_program.c
  parent/settings.c
  parent/reload.c
  parent/listener.c
  parent/logfile.c
  parent/notify.c
  parent/seccomp_notify.c
  parent/violation_report.c
  parent/trace_explain.c
  parent/log_replay.c
  parent/trace_health.c)
target_link_libraries(warden PRIVATE warden_config warden_ipc warden_trace warden_logger
                      PkgConfig::SYSTEMD PkgConfig::UV)

# ---- tests ---------------------------------------------------------------------
warden_test(test_backoff parent/backoff.c)

# The real parent with the test build of the child (tests/child/misbehave.c).
warden_test(test_supervisor tests/daemon_harness.c tests/http_client.c tests/json_check.c
            tests/open_fds.c)
target_compile_definitions(test_supervisor PRIVATE
  WARDEN_CHILD_TEST_BINARY="$<TARGET_FILE:warden-child-test>")
add_dependencies(test_supervisor warden warden-child warden-child-test)

# The log and trace paths the parent opens: what is refused, at start,
# in --check-config and at a reload.
warden_test(test_parent_files tests/daemon_harness.c tests/http_client.c tests/cli_run.c)
target_compile_definitions(test_parent_files PRIVATE
  WARDEN_CHILD_TEST_BINARY="$<TARGET_FILE:warden-child-test>")
add_dependencies(test_parent_files warden warden-child warden-child-test)

# The standby child: failover however the serving child ends, the standby's
# own ends, the burst limit, reloads, and many failovers leaking nothing.
warden_test(test_failover tests/daemon_harness.c tests/http_client.c tests/open_fds.c)
target_compile_definitions(test_failover PRIVATE
  WARDEN_CHILD_TEST_BINARY="$<TARGET_FILE:warden-child-test>")
add_dependencies(test_failover warden warden-child warden-child-test)

# SIGHUP reads the configuration and the token again.
warden_test(test_reload tests/daemon_harness.c tests/http_client.c)
target_compile_definitions(test_reload PRIVATE
  WARDEN_CHILD_TEST_BINARY="$<TARGET_FILE:warden-child-test>")
add_dependencies(test_reload warden warden-child warden-child-test)

# The socket's real address judged, whatever its origin: warden under
# systemd-socket-activate.
warden_test(test_exposure tests/http_client.c)
target_compile_definitions(test_exposure PRIVATE
  WARDEN_CHILD_BINARY="$<TARGET_FILE:warden-child>"
  WARDEN_CHILD_TEST_BINARY="$<TARGET_FILE:warden-child-test>")
add_dependencies(test_exposure warden warden-child warden-child-test)

# Violations explained in every mode, complain mode, and `warden policy
# suggest` on what complain mode reported.
warden_test(test_violations tests/daemon_harness.c tests/http_client.c tests/cli_run.c)
target_compile_definitions(test_violations PRIVATE
  WARDEN_CHILD_TEST_BINARY="$<TARGET_FILE:warden-child-test>"
  WARDEN_CHILD_NOFSYNC_BINARY="$<TARGET_FILE:warden-child-test-nofsync>"
  WARDEN_NOFSYNC_POLICY="${CMAKE_BINARY_DIR}/generated/child-nofsync.policy")
add_dependencies(test_violations warden warden-child-test warden-child-test-nofsync)

# The units as installed (cmake --install into a throwaway prefix), checked by
# systemd itself.
add_test(NAME systemd_units
         COMMAND sh "${CMAKE_SOURCE_DIR}/tests/verify_units.sh" "${CMAKE_BINARY_DIR}")

# TLS through nginx as docs/operations.md sets it up, in front of the real
# daemon: auth over TLS and the event stream unbuffered.
add_test(NAME proxy_tls
         COMMAND bash "${CMAKE_SOURCE_DIR}/tests/proxy_tls_test.sh" "$<TARGET_FILE:warden>"
                 "${CMAKE_SOURCE_DIR}/docs/operations.md")
set_tests_properties(proxy_tls PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)

# ---- benchmark: crash -> first success, under wrk load ---------------------------
add_executable(bench_restart bench/bench_restart.c bench/bench_daemon.c)
target_link_libraries(bench_restart PRIVATE warden_common)
target_compile_definitions(bench_restart PRIVATE WARDEN_BINARY="$<TARGET_FILE:warden>")
add_dependencies(bench_restart warden warden-child)

# A crash with the standby child and without, idle and under wrk; the
# standby's memory and idle CPU; the gap a reload leaves.
add_executable(bench_failover bench/bench_failover.c bench/bench_daemon.c)
target_link_libraries(bench_failover PRIVATE warden_common)
target_compile_definitions(bench_failover PRIVATE WARDEN_BINARY="$<TARGET_FILE:warden>")
add_dependencies(bench_failover warden warden-child)
