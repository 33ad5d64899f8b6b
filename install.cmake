# install.cmake - what `cmake --install` puts where, and the Debian package
# (`cpack -G DEB`) made of it. Included last by the root CMakeLists.txt.
#
#   bin/warden                           the command, on the PATH
#   libexec/warden/warden-child          the child, off the PATH; warden finds
#                                        it relative to its own location
#   share/man/man8/warden.8, man5/...    the man pages
#   lib/systemd/system/warden.{service,socket}
#   /etc/warden/warden.ini               an example, never over an existing one
#   /etc/logrotate.d/warden
#   share/doc/warden/                    the docs
#   lib/MULTIARCH/wireshark/plugins/warden-ipc.lua   where Wireshark loads Lua
#
# Test-only programs (warden-child-test, the tests, the benchmarks) are not
# installed. DESTDIR is honoured everywhere, /etc included.

include(GNUInstallDirs)

set(WARDEN_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "systemd system unit directory, relative to the prefix or absolute")

# warden looks for the child beside itself (the build tree), then here,
# relative to its own directory, so that an installed tree can be moved
# (DESTDIR, a throwaway root) and still find its child.
file(RELATIVE_PATH WARDEN_CHILD_FROM_BINDIR "${CMAKE_INSTALL_FULL_BINDIR}"
     "${CMAKE_INSTALL_FULL_LIBEXECDIR}/warden/warden-child")
target_compile_definitions(warden PRIVATE
  WARDEN_CHILD_FROM_BINDIR="${WARDEN_CHILD_FROM_BINDIR}")

install(TARGETS warden RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(TARGETS warden-child RUNTIME DESTINATION "${CMAKE_INSTALL_LIBEXECDIR}/warden")

install(FILES docs/man/warden.8 DESTINATION "${CMAKE_INSTALL_MANDIR}/man8")
install(FILES docs/man/warden.ini.5 docs/man/warden-policy.5
        DESTINATION "${CMAKE_INSTALL_MANDIR}/man5")

# The units, the example configuration and the logrotate file name paths
# that depend on the prefix given at install time (`--prefix /usr`, or
# cpack's), not at configure time: scripts/install_system.cmake writes them.
install(CODE "set(WARDEN_SOURCE_DIR \"${CMAKE_SOURCE_DIR}\")
  set(WARDEN_WORK_DIR \"${CMAKE_BINARY_DIR}/generated/install\")
  set(WARDEN_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(WARDEN_UNIT_DIR \"${WARDEN_SYSTEMD_UNIT_DIR}\")
  set(WARDEN_MULTIARCH \"${CMAKE_LIBRARY_ARCHITECTURE}\")")
install(SCRIPT scripts/install_system.cmake)

install(FILES README.md docs/architecture.md docs/benchmarks.md docs/configuration.md
              docs/gui.md docs/http.md docs/ipc.md docs/operations.md docs/policy.md
              docs/traces.md docs/warden.ini
        DESTINATION "${CMAKE_INSTALL_DOCDIR}")

# ---- the Debian package: `cpack -G DEB` in the build directory -------------
# Depends are computed from the binaries (dpkg-shlibdeps); the example
# configuration and the logrotate file are conffiles, so dpkg keeps an
# operator's edits; the maintainer scripts (scripts/package/) only reload
# systemd, stop warden on removal and delete its logs and traces on purge.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME warden)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "warden developers <warden@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "privilege-separated daemon: a seccomp-sandboxed HTTP GUI and logger")
# CPack indents the lines after the first itself.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "privilege-separated daemon: a seccomp-sandboxed HTTP GUI and logger
An unsandboxed parent opens the log file and the listening socket and
supervises a child that locks itself into a seccomp sandbox and serves a
status and log GUI over HTTP. Crashed or hung children are restarted with
no refused connections, and every IPC message can be traced to a pcap file.")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CMAKE_SOURCE_DIR}/scripts/package/conffiles"
    "${CMAKE_SOURCE_DIR}/scripts/package/postinst"
    "${CMAKE_SOURCE_DIR}/scripts/package/prerm"
    "${CMAKE_SOURCE_DIR}/scripts/package/postrm")
include(CPack)

# The package built, listed, unpacked into a throwaway root and run there.
add_test(NAME debian_package
         COMMAND bash "${CMAKE_SOURCE_DIR}/tests/package_test.sh" "${CMAKE_BINARY_DIR}")
set_tests_properties(debian_package PROPERTIES TIMEOUT 300)
