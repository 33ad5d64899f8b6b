#!/bin/bash
# tests/proxy_tls_test.sh WARDEN_BINARY OPERATIONS_MD - TLS through a reverse
# proxy, as docs/operations.md tells an operator to set it up.
#
# Takes the nginx server block from OPERATIONS_MD ("TLS through a reverse
# proxy"), points it at a throwaway self-signed certificate (openssl) and a
# free port, and runs it in a real nginx (no daemon, no master) in front of a
# real warden (the real child, under its filter) with a bearer token and the
# public name in server.hosts. Then, over TLS (curl):
#   - the page is public: GET / is 200;
#   - a data endpoint without the token, or with a wrong one, is 401; with
#     it, 200;
#   - the event stream delivers its first event within 2 s of the request,
#     and a line logged afterwards within 2 s more (nginx does not buffer it);
#   - the token is in neither warden's log nor nginx's access log.
#
# Skips (exit 77) saying why only when nginx lacks the SSL module; a missing
# nginx, curl or openssl is a failure (scripts/setup --test installs them).
set -eu

if [ $# -ne 2 ]; then
	echo "usage: tests/proxy_tls_test.sh WARDEN_BINARY OPERATIONS_MD" >&2
	exit 2
fi
warden=$1
operations=$2
name=warden.test
token="proxy-test-token-0123456789abcdef"

fail() {
	echo "proxy_tls: FAIL: $*" >&2
	exit 1
}
for tool in nginx curl openssl ss; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup --test installs it)"
done
[ -x "$warden" ] || fail "$warden is not executable"
if ! nginx -V 2>&1 | grep -q -- --with-http_ssl_module; then
	echo "proxy_tls: SKIPPED: this nginx has no SSL module (nginx -V lacks --with-http_ssl_module)"
	exit 77
fi

tmp=$(mktemp -d /tmp/warden-proxy.XXXXXX)
daemon=""
proxy=""
stream=""
cleanup() {
	for p in $stream $proxy $daemon; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# A port no TCP socket uses, below the ephemeral range (32768 up).
free_port() {
	local p=$((20000 + ($$ + $1) % 10000))
	while ss -Htan "sport = :$p" | grep -q .; do p=$((p + 1)); done
	echo "$p"
}
warden_port=$(free_port 0)
proxy_port=$(free_port 5000)
[ "$proxy_port" != "$warden_port" ] || proxy_port=$((proxy_port + 1))

# ---- the certificate and the token -----------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj "/CN=$name" -addext "subjectAltName=DNS:$name" \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>"$tmp/openssl.err" ||
	fail "openssl could not make a certificate: $(cat "$tmp/openssl.err")"
printf '%s\n' "$token" >"$tmp/token"
chmod 600 "$tmp/token"

# ---- warden ------------------------------------------------------------------------
"$warden" run --listen "127.0.0.1:$warden_port" --log "$tmp/warden.log" \
	--set server.token_file="$tmp/token" --set server.hosts="$name" \
	--set server.max_connections_per_peer=512 >"$tmp/warden.out" 2>&1 &
daemon=$!
for _ in $(seq 100); do
	[ "$(curl -s --max-time 1 "http://127.0.0.1:$warden_port/healthz" || true)" = ok ] && break
	sleep 0.1
done
[ "$(curl -s --max-time 1 "http://127.0.0.1:$warden_port/healthz" || true)" = ok ] ||
	fail "warden does not serve; its output: $(cat "$tmp/warden.out")"

# ---- nginx, with the server block from the documentation -----------------------------
# The first ```nginx block after the section's heading, up to its closing fence.
awk '/^### TLS through a reverse proxy/ { section = 1 }
	section && /^```nginx$/ { inside = 1; next }
	inside && /^```$/ { exit }
	inside { print }' "$operations" >"$tmp/server.conf"
grep -q 'proxy_pass http://127.0.0.1:8080;' "$tmp/server.conf" ||
	fail "no nginx server block with proxy_pass http://127.0.0.1:8080 in $operations"
sed -i -e "s|listen 443 ssl;|listen 127.0.0.1:$proxy_port ssl;|" \
	-e '/listen \[::\]:443 ssl;/d' \
	-e "s|server_name warden.example.org;|server_name $name;|" \
	-e "s|/etc/letsencrypt/live/warden.example.org/fullchain.pem|$tmp/cert.pem|" \
	-e "s|/etc/letsencrypt/live/warden.example.org/privkey.pem|$tmp/key.pem|" \
	-e "s|proxy_pass http://127.0.0.1:8080;|proxy_pass http://127.0.0.1:$warden_port;|" \
	"$tmp/server.conf"
if grep -n '443\|example.org\|8080' "$tmp/server.conf" >&2; then
	fail "the lines above of the documented block were not adapted to the test"
fi
cat >"$tmp/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 64; }
http {
    access_log $tmp/access.log;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    include $tmp/server.conf;
}
EOF
nginx -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf" >"$tmp/nginx.out" 2>&1 &
proxy=$!
base="https://$name:$proxy_port"
over_tls=(-s --cacert "$tmp/cert.pem" --resolve "$name:$proxy_port:127.0.0.1")
tls=("${over_tls[@]}" --max-time 5)
for _ in $(seq 100); do
	[ "$(curl "${tls[@]}" "$base/healthz" || true)" = ok ] && break
	sleep 0.1
done
[ "$(curl "${tls[@]}" "$base/healthz" || true)" = ok ] ||
	fail "nginx does not proxy over TLS; $(cat "$tmp/nginx.out" "$tmp/error.log" 2>/dev/null)"
echo "warden on 127.0.0.1:$warden_port, nginx with TLS on $name:$proxy_port"

# ---- the checks ------------------------------------------------------------------------
# status PATH [CURL ARGS...]: the status code of GET PATH over TLS.
status() {
	local path=$1
	shift
	curl "${tls[@]}" -o "$tmp/response" -w '%{http_code}' "$@" "$base$path" || true
}
expect() { # WHAT WANT GOT
	[ "$3" = "$2" ] || fail "$1: got $3, expected $2"
	echo "ok: $1: $3"
}
expect "GET / (public)" 200 "$(status /)"
grep -q '<title>warden</title>' "$tmp/response" || fail "GET / did not return the page"
expect "GET /assets/app.js (public)" 200 "$(status /assets/app.js)"
expect "GET /api/status without a token" 401 "$(status /api/status)"
expect "GET /metrics without a token" 401 "$(status /metrics)"
expect "GET /api/status with a wrong token" 401 \
	"$(status /api/status -H "Authorization: Bearer wrong-$token")"
expect "GET /api/status with the token" 200 \
	"$(status /api/status -H "Authorization: Bearer $token")"
grep -q '"auth":true' "$tmp/response" || fail "/api/status does not say auth is on: $(cat "$tmp/response")"
expect "GET /api/events without a token" 401 "$(status /api/events)"

# The event stream through the proxy, read line by line as it comes.
ms() { echo $(($(date +%s%N) / 1000000)); }
# next_event DEADLINE_MS: reads lines up to the blank one ending an event;
# sets $event (its "event:" value) and $data; fails past the deadline.
next_event() {
	local line
	event="" data=""
	while :; do
		local left=$(($1 - $(ms)))
		[ "$left" -gt 0 ] || return 1
		IFS= read -r -t "$((left / 1000)).$(printf '%03d' $((left % 1000)))" line <&7 || return 1
		line=${line%$'\r'}
		case "$line" in
		"") [ -n "$data" ] && return 0 ;;
		event:*) event=${line#event: } ;;
		data:*) data=${data}${line#data: } ;;
		esac
	done
}
exec 7< <(exec curl -N "${over_tls[@]}" --max-time 60 \
	-H "Authorization: Bearer $token" "$base/api/events?level=info" 2>"$tmp/stream.err")
stream=$!
started=$(ms)
next_event $((started + 2000)) || fail "no event from /api/events through the proxy within 2 s"
[ "$event" = status ] || fail "the first event is \"$event\", expected status"
case "$data" in "{\"now_ns\":"*) ;; *) fail "the status event's data is not the document: $data" ;; esac
echo "ok: first event (status) through the proxy after $(($(ms) - started)) ms"

# A line logged now (the access line of this request) must come next, not
# when some buffer fills.
marker="proxy-marker-$$-$RANDOM"
status "/$marker" -H "Authorization: Bearer $token" >/dev/null
asked=$(ms)
found=""
while next_event $((asked + 2000)); do
	if [ "$event" = log ] && [[ $data == *"$marker"* ]]; then
		found=yes
		break
	fi
done
[ -n "$found" ] || fail "the log line for /$marker did not come through the proxy within 2 s"
echo "ok: a live log event through the proxy after $(($(ms) - asked)) ms"
kill "$stream" 2>/dev/null || true
exec 7<&-

# The token reached no log.
sleep 0.3
for log in "$tmp/warden.log" "$tmp/access.log"; do
	[ -s "$log" ] || fail "$log is empty"
	if grep -q -- "$token" "$log"; then fail "the token is in $log"; fi
done
grep -q "\"GET /api/status HTTP/1.1\" 200" "$tmp/warden.log" ||
	fail "warden's log lacks the proxied requests"
echo "ok: the token is in neither log"
echo "proxy_tls: passed"
