# common/common.cmake - the helpers every module may use (clock.h, io.h, utf8.h).
# Included by the root CMakeLists.txt before every other module.

add_library(warden_common STATIC
  common/clock.c
  common/io.c
  common/utf8.c)
