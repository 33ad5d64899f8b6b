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
