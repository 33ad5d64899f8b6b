#!/bin/bash
# package_test.sh BUILD_DIR - builds the Debian package (cpack -G DEB),
# lists it, checks what it holds and what it must not, then unpacks it into
# a throwaway root (dpkg-deb -x: nothing is installed on this machine) and
# runs the unpacked warden end to end: start, GET /healthz, SIGTERM, exit 0.
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fail() {
	echo "package_test: $*" >&2
	exit 1
}

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) ||
	{ cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/out/warden_*.deb)
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes"
dpkg-deb -f "$deb" Depends | sed 's/^/Depends: /'
dpkg-deb -c "$deb" | awk '{print $6}' | grep -v '/$' | sed 's|^\./|/|' | tee "$work/files"

for want in /usr/bin/warden /usr/libexec/warden/warden-child /usr/share/man/man8/warden.8 \
	/usr/share/man/man5/warden.ini.5 /usr/share/man/man5/warden-policy.5 \
	/usr/lib/systemd/system/warden.service /usr/lib/systemd/system/warden.socket \
	/etc/warden/warden.ini /etc/logrotate.d/warden \
	/usr/lib/x86_64-linux-gnu/wireshark/plugins/warden-ipc.lua \
	/usr/share/doc/warden/operations.md; do
	grep -qxF "$want" "$work/files" || fail "the package lacks $want"
done
if grep -E 'test|bench|fuzz' "$work/files" | grep -v '^/usr/share/'; then
	fail "the package holds test or benchmark programs"
fi
dpkg-deb -f "$deb" Depends | grep -q 'libseccomp2' || fail "Depends lacks libseccomp2"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$work/conffiles"
grep -qxF /etc/warden/warden.ini "$work/conffiles" || fail "warden.ini is not a conffile"
grep -q '^ExecStart=/usr/bin/warden run --config /etc/warden/warden.ini$' \
	<(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/lib/systemd/system/warden.service) ||
	fail "the packaged unit does not run /usr/bin/warden"

# The unpacked tree, run from where it lies: warden finds its child under
# ../libexec/warden/ relative to itself.
root="$work/root"
dpkg-deb -x "$deb" "$root"
log="$work/warden.log"
"$root/usr/bin/warden" run --listen 127.0.0.1:0 --log "$log" 2>"$work/stderr" &
pid=$!
port=
for _ in $(seq 100); do
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" 2>/dev/null | head -1 || true)
	[ -n "$port" ] && grep -q "ready: generation 1" "$log" && break || true
	sleep 0.1
done
[ -n "$port" ] || { cat "$work/stderr" "$log" 2>/dev/null; fail "warden did not start"; }
grep -q "child $root/usr/libexec/warden/warden-child" "$log" ||
	fail "warden did not take the packaged child: $(grep 'listening on' "$log")"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
reply=$(cat <&3)
exec 3>&-
case "$reply" in
"HTTP/1.1 200 "*) echo "GET /healthz: 200" ;;
*) fail "GET /healthz answered: $reply" ;;
esac
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
[ "$status" -eq 0 ] || { cat "$work/stderr"; fail "warden exited $status after SIGTERM"; }
echo "package_test: the unpacked package started, answered /healthz and exited 0 on SIGTERM"
