# bench/bench.cmake - the HTTP benchmarks (bench/run-http.sh, docs/benchmarks.md)
# and the strace check of the child's system calls. Included by the root
# CMakeLists.txt after parent/parent.cmake (it needs warden, warden-child and
# WARDEN_CHILD_SOURCES).

# Held connections (idle, slowloris) and a paced latency probe.
add_executable(bench_conns bench/bench_conns.c)

# The floor for /healthz: warden's answer with warden's system calls and
# nothing else (one read, one send per request; one write per loop turn).
add_executable(bench_floor EXCLUDE_FROM_ALL bench/bench_floor.c)

# The child without its seccomp filter, for the filter on/off figures only.
# Never built by default (EXCLUDE_FROM_ALL): only for the bench_http target.
# child/boot.c skips loading the filter under WARDEN_BENCH_NO_FILTER and says
# so at WARNING (stderr and the log); there is no runtime switch.
add_executable(warden-child-nofilter EXCLUDE_FROM_ALL child/main.c ${WARDEN_CHILD_SOURCES})
target_include_directories(warden-child-nofilter PRIVATE ${HTTP_PARSER_INCLUDE_DIR})
target_compile_definitions(warden-child-nofilter PRIVATE WARDEN_BENCH_NO_FILTER)
target_link_libraries(warden-child-nofilter PRIVATE warden_ipc warden_logger warden_policy
                      warden_child_policy ${WARDEN_GUI_LIBS} ${HTTP_PARSER_LIBRARY}
                      PkgConfig::UV)

# `cmake --build BUILD --target bench_http`: builds what it needs and runs
# every HTTP benchmark once, printing the figures side by side. Not a test.
add_custom_target(bench_http
  COMMAND bash "${CMAKE_SOURCE_DIR}/bench/run-http.sh" "${CMAKE_BINARY_DIR}"
  DEPENDS warden warden-child warden-child-nofilter bench_conns bench_floor
  USES_TERMINAL
  VERBATIM)

# Every system call the real child makes under load against every endpoint
# is one the policy allows (strace on the running child).
add_test(NAME strace_check
         COMMAND bash "${CMAKE_SOURCE_DIR}/tests/strace_check.sh" "$<TARGET_FILE:warden>"
                 "${CMAKE_SOURCE_DIR}/policy/child.policy")
set_tests_properties(strace_check PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)

# What complain mode costs one reported call (docs/benchmarks.md): prints the
# figure; not a test (no timed assertion).
add_executable(bench_complain bench/bench_complain.c)
target_link_libraries(bench_complain PRIVATE warden_policy warden_child_policy)
