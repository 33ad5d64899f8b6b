# parent/config.cmake - the parent's configuration: defaults, the INI file
# (libinih) and the `warden run` flags. Included by the root CMakeLists.txt
# before parent/parent.cmake, which links warden_config into `warden`.

add_library(warden_config STATIC
  parent/config.c
  parent/options.c)
target_link_libraries(warden_config PUBLIC warden_ipc PkgConfig::INIH)

# ---- tests -------------------------------------------------------------------
# The library directly, and `warden run` through the real binary.
warden_test(test_config tests/cli_run.c)
target_link_libraries(test_config PRIVATE warden_config)
target_compile_definitions(test_config PRIVATE
  WARDEN_CHILD_TEST_BINARY="$<TARGET_FILE:warden-child-test>")
add_dependencies(test_config warden warden-child warden-child-test)
