# scripts/install_system.cmake - run by `cmake --install` (install.cmake):
# installs the files that name installed paths, computed from the prefix
# of this install (CMAKE_INSTALL_PREFIX as --prefix or cpack set it):
#   the systemd units (ExecStart= and ExecStartPre= name bin/warden and the
#   configuration), the example configuration (its log under /var/log/warden)
#   and the logrotate file; and the Wireshark dissector, in the directory
#   Debian's Wireshark loads Lua plugins from. With the prefix /usr (a package), /etc and /var;
#   with another prefix, PREFIX/etc and PREFIX/var. DESTDIR is honoured, and
#   an existing configuration is never replaced.

set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr" OR prefix STREQUAL "/")
  set(etc "/etc")
  set(var "/var")
else()
  set(etc "${prefix}/etc")
  set(var "${prefix}/var")
endif()
if(IS_ABSOLUTE "${WARDEN_UNIT_DIR}")
  set(unit_dir "${WARDEN_UNIT_DIR}")
else()
  set(unit_dir "${prefix}/${WARDEN_UNIT_DIR}")
endif()
# file(INSTALL) adds DESTDIR itself; the existence check needs it spelt out.
set(dest "$ENV{DESTDIR}")
set(work "${WARDEN_WORK_DIR}")
file(MAKE_DIRECTORY "${work}")

# Writes SOURCE with the package paths replaced by this install's into
# work/NAME, then installs it into DIR.
function(install_edited source name dir mode)
  file(READ "${WARDEN_SOURCE_DIR}/${source}" text)
  string(REPLACE "/usr/bin/warden" "${prefix}/${WARDEN_BINDIR}/warden" text "${text}")
  string(REPLACE "/etc/warden/" "${etc}/warden/" text "${text}")
  string(REPLACE "/var/log/warden/" "${var}/log/warden/" text "${text}")
  string(REPLACE "\nfile = warden.log\n" "\nfile = ${var}/log/warden/warden.log\n" text "${text}")
  file(WRITE "${work}/${name}" "${text}")
  file(INSTALL "${work}/${name}" DESTINATION "${dir}" PERMISSIONS ${mode})
endfunction()

set(readable OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install_edited(docs/warden.service warden.service "${unit_dir}" "${readable}")
install_edited(docs/warden.socket warden.socket "${unit_dir}" "${readable}")
install_edited(docs/warden.logrotate warden "${etc}/logrotate.d" "${readable}")
if(EXISTS "${dest}${etc}/warden/warden.ini")
  message(STATUS "Keeping: ${dest}${etc}/warden/warden.ini (never replaced)")
else()
  install_edited(docs/warden.ini warden.ini "${etc}/warden" "OWNER_READ;OWNER_WRITE;GROUP_READ")
endif()

# Wireshark's global Lua plugins: `tshark -G folders` says
# /usr/lib/x86_64-linux-gnu/wireshark/plugins on Debian 12.
set(lua_dir "${prefix}/lib/${WARDEN_MULTIARCH}/wireshark/plugins")
file(INSTALL "${WARDEN_SOURCE_DIR}/docs/warden-ipc.lua" DESTINATION "${lua_dir}")
