# ipc/ipc.cmake - the IPC library (messages, channel, handover, the parent's
# libuv endpoint), its tests and its fuzz target. docs/ipc.md describes the
# wire format. Included by the root CMakeLists.txt, which defines
# warden_test() and warden_fuzz(); ipc/trace.cmake builds on warden_ipc.

add_library(warden_ipc STATIC
  ipc/message.c
  ipc/fields.c
  ipc/names.c
  ipc/channel.c
  ipc/endpoint.c)
target_link_libraries(warden_ipc PUBLIC warden_common PkgConfig::UV)

# ---- tests -------------------------------------------------------------------
warden_test(test_ipc_message tests/ipc_samples.c tests/seed_files.c)
target_link_libraries(test_ipc_message PRIVATE warden_ipc)

# Real sockets, forked peers, and a forked child under the child policy.
warden_test(test_ipc_channel tests/ipc_samples.c tests/open_fds.c)
target_link_libraries(test_ipc_channel PRIVATE warden_ipc)

warden_fuzz(fuzz_ipc_decode warden_ipc)
if(WARDEN_FUZZ)
  target_sources(fuzz_ipc_decode PRIVATE tests/ipc_samples.c)
endif()
