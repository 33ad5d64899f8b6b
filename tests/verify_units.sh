#!/bin/sh
# verify_units.sh WARDEN_BINARY - checks docs/warden.service and
# docs/warden.socket with `systemd-analyze verify`. The unit's ExecStart
# names the installed path; here it is pointed at the built binary, which
# is the only change.
set -eu
binary=$1
src=$(cd "$(dirname "$0")/.." && pwd)/docs
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/local/bin/warden|$binary|" "$src/warden.service" >"$dir/warden.service"
cp "$src/warden.socket" "$dir/warden.socket"
cd "$dir"
out=$(systemd-analyze verify ./warden.service ./warden.socket 2>&1) || {
	echo "$out"
	exit 1
}
# verify exits 0 on some warnings; treat any output about our units as failure.
if echo "$out" | grep -q "warden\.\(service\|socket\)"; then
	echo "$out"
	exit 1
fi
echo "systemd-analyze verify: warden.service and warden.socket are clean"
