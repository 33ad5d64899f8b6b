#!/bin/bash
# tests/strace_check.sh WARDEN_BINARY [POLICY] - every system call the real
# child makes while it serves is one its policy allows.
#
# Starts the daemon (real warden-child, real filter), waits until it serves,
# attaches `strace -f` to the child, and loads every endpoint: the page and
# its assets (plain, HEAD, If-None-Match, gzip), /api/status, /api/logs
# (with and without a query, a bad query), /api/events for a moment,
# /api/policy, /healthz, /metrics; 404, 405, 400 (smuggling shapes), 414,
# 431, 505; the connection limit's 503 (and its WARNING, fsynced); a header
# timeout (408), an idle keep-alive timeout, a slow reader cut at the send
# timeout; and last SIGTERM, so the drain and exit are traced too.
#
# The allowed names are those of libseccomp's filter, from `warden policy
# show POLICY` ("# filter for syscall NAME"), cross-checked against the rule
# heads of POLICY. Fails listing any other name seen; prints every name with
# its count. Also checks the argument shapes the policy pins independently
# of descriptor numbers (sendto's flags, accept4's, ioctl's request) and that
# the child neither reported a violation nor was restarted.
#
# Needs root (attaching to the child, which is not dumpable and runs as
# another user) and strace, curl; skips (exit 77) saying why without them.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: tests/strace_check.sh WARDEN_BINARY [POLICY]" >&2
	exit 2
fi
warden=$1
policy=${2:-$(dirname "$0")/../policy/child.policy}

skip() {
	echo "strace_check: SKIPPED: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root to attach to the child (non-dumpable, other uid)"
command -v strace >/dev/null || skip "strace is not installed (scripts/setup installs it)"
command -v curl >/dev/null || skip "curl is not installed"
[ -x "$warden" ] || {
	echo "strace_check: $warden is not executable" >&2
	exit 1
}

tmp=$(mktemp -d /tmp/warden-strace.XXXXXX)
daemon=""
tracer=""
cleanup() {
	if [ -n "$tracer" ]; then kill "$tracer" 2>/dev/null || true; fi
	if [ -n "$daemon" ]; then kill -KILL "$daemon" 2>/dev/null || true; fi
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- the allowed set ---------------------------------------------------------
"$warden" policy show "$policy" --bind ipc_fd=3 --bind logfile_fd=4 --bind gui_socket_fd=5 \
	--bind epoll_fd=6 --bind first_client_fd=7 --bind fd_limit=1024 >"$tmp/show"
sed -n 's/^ *# filter for syscall "\([a-z0-9_]*\)".*/\1/p' "$tmp/show" | sort -u >"$tmp/allowed"
# Rule heads: unindented, non-comment lines after the parameter line.
grep -v '^[[:space:]]*#' "$policy" | grep -v '^[[:space:]]*$' | grep -v '^[[:space:]]' |
	tail -n +2 | sed 's/[:[:space:]].*//' | sort -u >"$tmp/heads"
if ! cmp -s "$tmp/allowed" "$tmp/heads"; then
	echo "strace_check: the compiled filter and the policy's rule heads disagree:" >&2
	diff "$tmp/heads" "$tmp/allowed" >&2 || true
	exit 1
fi
if [ ! -s "$tmp/allowed" ]; then
	echo "strace_check: no syscall names found in 'warden policy show' output" >&2
	exit 1
fi
echo "allowed by $policy: $(tr '\n' ' ' <"$tmp/allowed")"

# ---- the daemon ----------------------------------------------------------------
# A port no TCP socket uses, below the ephemeral range (32768 up).
port=$((10000 + $$ % 10000))
while ss -Htan "sport = :$port" | grep -q .; do port=$((port + 1)); done
base="http://127.0.0.1:$port"
# Small limits so that the 503, 408, idle and slow-reader paths run quickly.
"$warden" run --listen "127.0.0.1:$port" --log "$tmp/warden.log" --set log.level=debug \
	--set server.max_connections=16 --set server.header_timeout_ms=500 \
	--set server.idle_timeout_ms=700 --set server.send_timeout_ms=700 \
	--set server.uri_max_bytes=256 --set server.header_max_bytes=1024 \
	>"$tmp/warden.out" 2>&1 &
daemon=$!
for _ in $(seq 100); do
	[ "$(curl -s --max-time 1 "$base/healthz" || true)" = ok ] && break
	sleep 0.1
done
if [ "$(curl -s --max-time 1 "$base/healthz" || true)" != ok ]; then
	echo "strace_check: the daemon does not serve; its output:" >&2
	cat "$tmp/warden.out" >&2
	exit 1
fi
child=$(cut -d' ' -f1 "/proc/$daemon/task/$daemon/children")
echo "daemon $daemon, child $child (seccomp mode $(awk '/^Seccomp:/ { print $2 }' \
	"/proc/$child/status"))"

strace -f -qq -o "$tmp/trace" -p "$child" &
tracer=$!
for _ in $(seq 100); do
	[ "$(awk '/^TracerPid:/ { print $2 }' "/proc/$child/status")" != 0 ] && break
	sleep 0.05
done
[ "$(awk '/^TracerPid:/ { print $2 }' "/proc/$child/status")" != 0 ] || {
	echo "strace_check: strace did not attach to $child" >&2
	exit 1
}

# ---- the load ------------------------------------------------------------------
get() { curl -s --max-time 5 "$@" >/dev/null || true; }
# raw BYTES: sends them on a new connection, reads the answer, closes.
raw() {
	exec 9<>"/dev/tcp/127.0.0.1/$port"
	printf '%b' "$1" >&9
	timeout 2 cat <&9 >/dev/null || true
	exec 9<&-
}

for round in 1 2 3; do
	for path in / /assets/app.js /assets/style.css /assets/icon.svg /api/status \
		/api/logs "/api/logs?limit=5&level=info" "/api/logs?since=3" /api/policy \
		/healthz /metrics /nope /assets/nope.js "/api/logs?bogus=1"; do
		get "$base$path"
		get -I "$base$path"
		get --compressed "$base$path"
	done
	etag=$(curl -s -D - -o /dev/null "$base/" | sed -n 's/^[Ee][Tt]ag: *//p' | tr -d '\r')
	get -H "If-None-Match: $etag" "$base/"
	get -X POST -d x "$base/api/status"
	get -X DELETE "$base/"
	get -X BREW "$base/"
	# Keep-alive: several requests on one connection.
	get "$base/" "$base/healthz" "$base/metrics"
	echo "round $round: endpoints"
done
# The event stream, for a moment (it gets the log lines of the load below).
curl -s -N --max-time 2 "$base/api/events" >/dev/null &
events=$!
curl -s -N --max-time 2 "$base/api/events?level=warning" >/dev/null &
events2=$!
# Protocol errors the server answers itself.
raw 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx'
raw 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n'
raw 'GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n'
raw 'GET / HTTP/1.1\r\nHost : a\r\n\r\n'
raw 'GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n'
raw 'GET / HTTP/1.1\r\n\r\n'
raw 'GET / HTTP/2.0\r\nHost: a\r\n\r\n'
raw 'GET * HTTP/1.1\r\nHost: a\r\n\r\n'
raw 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
raw 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello'
raw "GET /$(printf 'a%.0s' $(seq 300)) HTTP/1.1\r\nHost: a\r\n\r\n"
raw "GET / HTTP/1.1\r\nHost: a\r\nX-Big: $(printf 'b%.0s' $(seq 1100))\r\n\r\n"
raw 'garbage\r\n\r\n'
raw 'GET /healthz HTTP/1.0\r\n\r\n'
raw 'GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'
raw 'GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'
raw 'GET http://a/healthz HTTP/1.1\r\nHost: a\r\n\r\n'
echo "protocol errors sent"
# A header timeout (408) and an idle keep-alive timeout (silent close).
exec 8<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: ' >&8
exec 7<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n' >&7
# A slow reader: many pipelined requests for the page, never read.
exec 6<>"/dev/tcp/127.0.0.1/$port"
for _ in $(seq 400); do printf 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'; done >&6 &
writer=$!
sleep 1.5
kill "$writer" 2>/dev/null || true
exec 8<&- 7<&- 6<&-
echo "timeouts done"
# Over the connection limit (16): 503 and a WARNING line (written and
# fsynced). Opened back to back, well within the header timeout.
held=()
for _ in $(seq 20); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$port"
	held+=("$fd")
done
sleep 0.2
for fd in "${held[@]}"; do exec {fd}<&-; done
wait "$events" "$events2" 2>/dev/null || true
echo "connection limit done"
# A burst of load on the busiest endpoints.
for _ in $(seq 20); do
	get "$base/healthz" "$base/" "$base/api/status" "$base/metrics"
done

# ---- drain and exit, then the verdict ------------------------------------------
kill -TERM "$daemon"
wait "$daemon" || true
daemon=""
wait "$tracer" || true
tracer=""

# Syscall names: "[pid ]name(" and strace's "<... name resumed>"-free lines.
sed -n -E 's/^([0-9]+ +)?([a-z_][a-z0-9_]*)\(.*/\2/p' "$tmp/trace" | sort | uniq -c |
	sort -rn >"$tmp/counts"
echo "system calls seen in the child (count, name):"
sed 's/^/  /' "$tmp/counts"
status=0
awk '{ print $2 }' "$tmp/counts" | sort >"$tmp/seen"
outside=$(comm -23 "$tmp/seen" "$tmp/allowed")
if [ -n "$outside" ]; then
	echo "strace_check: FAIL: system calls outside the policy: $(echo "$outside" | tr '\n' ' ')"
	for name in $outside; do
		grep -E "^([0-9]+ +)?$name\(" "$tmp/trace" | head -3 | sed 's/^/  /'
	done
	status=1
fi
bad=$(grep -E '^([0-9]+ +)?sendto\(' "$tmp/trace" | grep -v ', MSG_NOSIGNAL, NULL, 0' |
	head -3 || true)
if [ -n "$bad" ]; then
	echo "strace_check: FAIL: a sendto without exactly MSG_NOSIGNAL, NULL, 0:"
	echo "$bad"
	status=1
fi
bad=$(grep -E '^([0-9]+ +)?(accept4|ioctl)\(' "$tmp/trace" |
	grep -Ev 'accept4\(5, NULL, NULL, SOCK_CLOEXEC\|SOCK_NONBLOCK\)|ioctl\([0-9]+, FIONBIO' |
	head -3 || true)
if [ -n "$bad" ]; then
	echo "strace_check: FAIL: accept4 or ioctl with other arguments:"
	echo "$bad"
	status=1
fi
if grep -Eq 'sandbox violation|ended \(violation\)|SIGSYS' "$tmp/warden.log" "$tmp/warden.out" "$tmp/trace"; then
	echo "strace_check: FAIL: the child hit its filter:"
	grep -E 'sandbox violation|ended \(violation\)|SIGSYS' "$tmp/warden.log" "$tmp/warden.out" "$tmp/trace" | head -5
	status=1
fi
# Generation 2 is the standby (supervise.standby): a restart is another
# generation ready to serve, a takeover, or an end logged at WARNING.
if grep -Eq 'generation ([2-9]|[1-9][0-9]+) ready|took over|WARNING parent child generation [0-9]+ \(pid [0-9]+\) ended' \
	"$tmp/warden.log"; then
	echo "strace_check: FAIL: the child was restarted during the check"
	status=1
fi
requests=$(grep -c ' http #' "$tmp/warden.log" || true)
for code in 200 304 400 404 405 408 411 413 414 431 503 505; do
	grep -q "\" $code " "$tmp/warden.log" || echo "note: no $code response in the access log"
done
echo "access log: $requests responses; trace: $(wc -l <"$tmp/trace") lines"
if [ $status -eq 0 ]; then
	echo "strace_check: ok: every system call seen is allowed by the policy"
fi
exit $status
