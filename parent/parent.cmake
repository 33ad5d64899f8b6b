# parent/parent.cmake - `warden run`: the supervising parent. Included by the
# root CMakeLists.txt after parent/config.cmake (which builds warden_config).
if(TARGET warden_config)
  target_sources(warden PRIVATE parent/run.c)
  target_include_directories(warden PRIVATE parent)
  target_link_libraries(warden PRIVATE warden_config)
  target_compile_definitions(warden PRIVATE WARDEN_RUN)
endif()
