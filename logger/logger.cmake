# logger/logger.cmake - the logger both processes write with (the child's
# log lines and ring, the parent's own lines while no child runs), its
# tests and its benchmark. Included by the root CMakeLists.txt, which
# defines warden_test().

add_library(warden_logger STATIC logger/logger.c)
# ipc/ipc.h is used for its types only (enum ipc_log_level, struct
# ipc_log): the logger needs no IPC library.

warden_test(test_logger)
target_link_libraries(test_logger PRIVATE warden_logger)

add_executable(bench_logger bench/bench_logger.c)
target_link_libraries(bench_logger PRIVATE warden_logger)
