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
