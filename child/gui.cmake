# child/gui.cmake - the GUI's endpoints and embedded assets, built into the
# child. Included by child/child.cmake before the child executables, so it
# only sets WARDEN_GUI_SOURCES and WARDEN_GUI_LIBS and defines targets that
# do not need the child to exist yet (test_api and test_gui_browser name
# warden-child through generator expressions and dependencies, which CMake
# resolves at generate time).

# ---- the embedded assets: child/gui/ -> generated/assets_data.c -----------------
# URL path | file in child/gui (its extension gives the Content-Type: see
# child/embed_assets.cmake)
set(WARDEN_GUI_ASSETS
  "/|index.html"
  "/assets/app.js|app.js"
  "/assets/style.css|style.css"
  "/assets/icon.svg|icon.svg")
set(WARDEN_GUI_FILES)
foreach(entry IN LISTS WARDEN_GUI_ASSETS)
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 1 name)
  list(APPEND WARDEN_GUI_FILES "${CMAKE_SOURCE_DIR}/child/gui/${name}")
endforeach()
find_program(GZIP_PROGRAM gzip REQUIRED)
set(WARDEN_ASSETS_C "${CMAKE_BINARY_DIR}/generated/assets_data.c")
# The list goes to the script through a file: its semicolons would not
# survive a command line.
set(WARDEN_GUI_LIST "${CMAKE_BINARY_DIR}/generated/gui_assets.cmake")
set(gui_list_text "set(ASSETS\n")
foreach(entry IN LISTS WARDEN_GUI_ASSETS)
  string(APPEND gui_list_text "  \"${entry}\"\n")
endforeach()
string(APPEND gui_list_text ")\n")
file(CONFIGURE OUTPUT "${WARDEN_GUI_LIST}" CONTENT "${gui_list_text}" @ONLY)
add_custom_command(
  OUTPUT "${WARDEN_ASSETS_C}"
  COMMAND ${CMAKE_COMMAND} "-DOUTPUT=${WARDEN_ASSETS_C}"
          "-DSOURCE_DIR=${CMAKE_SOURCE_DIR}/child/gui"
          "-DLIST_FILE=${WARDEN_GUI_LIST}" "-DGZIP=${GZIP_PROGRAM}"
          "-DWORK_DIR=${CMAKE_BINARY_DIR}/generated/gui"
          -P "${CMAKE_SOURCE_DIR}/child/embed_assets.cmake"
  DEPENDS ${WARDEN_GUI_FILES} "${WARDEN_GUI_LIST}"
          "${CMAKE_SOURCE_DIR}/child/embed_assets.cmake"
          "${CMAKE_SOURCE_DIR}/child/gui.cmake"
  COMMENT "Embedding the GUI (child/gui/)"
  VERBATIM)

set(WARDEN_GUI_SOURCES
  child/api.c
  child/api_json.c
  child/api_logs.c
  child/api_metrics.c
  child/api_events.c
  child/api_violations.c
  child/api_reply.c
  child/api_query.c
  child/assets.c
  child/json.c
  "${WARDEN_ASSETS_C}")
set(WARDEN_GUI_LIBS)

# ---- tests --------------------------------------------------------------------------
# The endpoints in the real child, over loopback sockets.
warden_test(test_api tests/child_harness.c tests/http_client.c tests/gui_client.c child/json.c
            tests/json_check.c)
target_link_libraries(test_api PRIVATE warden_ipc)
target_compile_definitions(test_api PRIVATE
  WARDEN_CHILD_BINARY="$<TARGET_FILE:warden-child>")
add_dependencies(test_api warden-child)

# The page in headless Chromium, live data over Server-Sent Events.
warden_test(test_gui_browser tests/child_harness.c tests/http_client.c tests/gui_client.c
  tests/cdp_pipe.c)
target_link_libraries(test_gui_browser PRIVATE warden_ipc)
target_compile_definitions(test_gui_browser PRIVATE
  WARDEN_CHILD_BINARY="$<TARGET_FILE:warden-child>"
  WARDEN_TEST_OUTPUT="${CMAKE_BINARY_DIR}/test-output")
add_dependencies(test_gui_browser warden-child)

# Lighthouse 12 (npm, cached in the build tree) against the page a real
# warden serves, mobile and desktop: fails below accessibility and best
# practices 1.0 or above 0.1 layout shift; prints performance.
add_test(NAME lighthouse
         COMMAND bash "${CMAKE_SOURCE_DIR}/tests/lighthouse_test.sh" "$<TARGET_FILE:warden>"
                 "${CMAKE_BINARY_DIR}/lighthouse")
# Alone: its layout-shift figure depends on when data arrives, which other
# tests running beside it on two cores delay.
set_tests_properties(lighthouse PROPERTIES TIMEOUT 400 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
