# ipc/trace.cmake - IPC traces: the pcap writer the parent records with,
# the reader, and `warden trace show|stats|follow` (docs/traces.md).
# Included by the root CMakeLists.txt after ipc/ipc.cmake (warden_ipc).

pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET libpcap)
find_package(Threads REQUIRED)

add_library(warden_trace STATIC
  ipc/trace_writer.c
  ipc/trace_threads.c
  ipc/trace_reader.c
  ipc/trace_print.c
  ipc/trace_command.c)
target_link_libraries(warden_trace PUBLIC warden_ipc PkgConfig::PCAP Threads::Threads)

target_link_libraries(warden PRIVATE warden_trace)

# ---- tests -------------------------------------------------------------------
warden_test(test_trace tests/trace_samples.c tests/cli_run.c tests/open_fds.c
  tests/seed_files.c)
target_link_libraries(test_trace PRIVATE warden_trace)

# Decodes a recorded trace with tshark and docs/warden-ipc.lua; tshark is
# installed by scripts/setup, and its absence fails the test.
warden_test(test_trace_tshark tests/trace_samples.c tests/ipc_samples.c)
target_link_libraries(test_trace_tshark PRIVATE warden_trace)

warden_fuzz(fuzz_trace_read warden_trace)

# ---- benchmark: IPC round trip and throughput, tracing off and on ----------
add_executable(bench_ipc bench/bench_ipc.c)
target_link_libraries(bench_ipc PRIVATE warden_trace)
