# parent/config.cmake - the parent's configuration: defaults, the INI file
# (libinih) and the `warden run` flags. Included by the root CMakeLists.txt
# before parent/parent.cmake, which links warden_config into `warden`.

add_library(warden_config STATIC
  parent/config.c
  parent/options.c)
target_include_directories(warden_config PUBLIC parent)
target_link_libraries(warden_config PUBLIC warden_ipc PkgConfig::INIH)
