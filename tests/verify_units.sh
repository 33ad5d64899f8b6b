#!/bin/sh
# verify_units.sh BUILD_DIR - installs the build into a throwaway prefix
# (`cmake --install`, as a user or a package would) and checks the
# *installed* warden.service and warden.socket with `systemd-analyze
# verify`: their ExecStartPre=/ExecStart= must name the installed binary
# and configuration, and every directive must be one systemd knows.
set -eu
build=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cmake --install "$build" --prefix "$dir/usr" >/dev/null
units="$dir/usr/lib/systemd/system"
for want in "ExecStartPre=$dir/usr/bin/warden run --check-config $dir/usr/etc/warden/warden.ini" \
	"ExecStart=$dir/usr/bin/warden run --config $dir/usr/etc/warden/warden.ini"; do
	grep -qxF "$want" "$units/warden.service" || {
		echo "installed warden.service lacks: $want"
		exit 1
	}
done
[ -x "$dir/usr/bin/warden" ] && [ -f "$dir/usr/etc/warden/warden.ini" ] || {
	echo "the install lacks bin/warden or etc/warden/warden.ini"
	exit 1
}
cd "$units"
out=$(systemd-analyze verify ./warden.service ./warden.socket 2>&1) || {
	echo "$out"
	exit 1
}
# verify exits 0 on some warnings; treat any output about our units as failure.
if echo "$out" | grep -q "warden\.\(service\|socket\)"; then
	echo "$out"
	exit 1
fi
echo "systemd-analyze verify: the installed warden.service and warden.socket are clean"
