# logger/logger.cmake - the logger both processes write with (the child's
# log lines and ring, the parent's own lines while no child runs), its
# tests and its benchmark. Included by the root CMakeLists.txt, which
# defines warden_test().

add_library(warden_logger STATIC logger/logger.c logger/json_line.c)
# From ipc/: the levels, their names and struct ipc_log (a parent's record).
target_link_libraries(warden_logger PUBLIC warden_ipc)

warden_test(test_logger tests/json_check.c)
target_link_libraries(test_logger PRIVATE warden_logger)

add_executable(bench_logger bench/bench_logger.c)
target_link_libraries(bench_logger PRIVATE warden_logger)
