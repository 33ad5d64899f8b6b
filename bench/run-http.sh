#!/bin/bash
# bench/run-http.sh BUILD_DIR - the HTTP benchmarks, in one run, side by side
# (docs/benchmarks.md):
#
#   1. wrk against nginx and warden, same bytes, same client settings; for
#      /healthz also nginx's `return 200` (no file) and bench_floor (the
#      floor: warden's bytes with warden's system calls and nothing else)
#   2. warden with and without its seccomp filter (warden-child-nofilter)
#   3. a normal client's latency without and with 1000 slowloris connections
#   4. the child's RSS after boot and with 1000 idle connections
#   5. warden with and without --trace under wrk load (tracing's cost)
#
# The servers run side by side on loopback ports and the wrk runs are
# interleaved over ROUNDS rounds (the machine is shared); the median of each
# is printed. Nothing is pinned: wrk and the server share the machine's CPUs,
# the same for every server. Figures, not assertions: the exit status is 0
# unless something could not run.
#
# Environment: ROUNDS (3), DURATION (wrk seconds, 10), CONNECTIONS (wrk -c,
# 50), PAIRS (filter on/off pairs, 10), PAIR_SECONDS (3), HOLD (held
# connections, 1000), KEEP=1 keeps the scratch directory, SECTIONS (the
# sections to run, "1 2 3 4 5"), PROBE_SECONDS (12), RT=1 runs section 3's
# child and probes SCHED_FIFO (root; what the server's own loop costs a
# request, without the waits for a CPU that a shared machine adds).
# Needs: wrk, nginx (nginx-light), curl; BUILD_DIR holds warden,
# warden-child, warden-child-nofilter, bench_conns and bench_floor (cmake --build BUILD_DIR
# --target bench_http builds them and runs this script).
set -eu

# Per server NAME: its loopback port, the pid of `warden run`, and the pid
# of the process that serves (the child, or nginx itself) for CPU figures.
declare -A port pid spid

if [ $# -ne 1 ] || [ ! -x "$1/warden" ]; then
	echo "usage: bench/run-http.sh BUILD_DIR  (with warden, warden-child," \
		"warden-child-nofilter, bench_conns built)" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
rounds=${ROUNDS:-3}
duration=${DURATION:-10}
conns=${CONNECTIONS:-50}
hold=${HOLD:-1000}
pairs=${PAIRS:-10}
pair_seconds=${PAIR_SECONDS:-3}
sections=" ${SECTIONS:-1 2 3 4 5} "
section() { case "$sections" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

for tool in wrk nginx curl; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run-http: $tool is missing (scripts/setup installs it)" >&2
		exit 1
	fi
done
for bin in warden warden-child warden-child-nofilter bench_conns bench_floor; do
	if [ ! -x "$build/$bin" ]; then
		echo "run-http: $build/$bin is missing: cmake --build $build --target bench_http" >&2
		exit 1
	fi
done
# The held connections and wrk's need descriptors in this shell.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((hold + 200)) ]; then
	echo "run-http: the file limit $(ulimit -n) is too low for $hold connections" >&2
	exit 1
fi

scratch=$(mktemp -d /tmp/warden-bench.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $pids; do
		wait "$p" 2>/dev/null || true
	done
	if [ "${KEEP:-0}" = 1 ]; then
		echo "scratch directory kept: $scratch"
	else
		rm -rf "$scratch"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port: sets $free to a port no TCP socket uses, below the ephemeral
# range (32768 up: wrk's own connections), never the same twice.
next_port=$((20000 + $$ % 10000))
free_port() {
	while ss -Htan "sport = :$next_port" | grep -q .; do
		next_port=$((next_port + 1))
	done
	free=$next_port
	next_port=$((next_port + 1))
}

wait_healthz() { # PORT NAME
	i=0
	while [ "$(curl -s --max-time 1 "http://127.0.0.1:$1/healthz" || true)" != ok ]; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "run-http: $2 does not serve /healthz on port $1; its output:" >&2
			cat "$scratch/$2.out" >&2 || true
			exit 1
		fi
		sleep 0.1
	done
}

# The child of a warden parent, from /proc (the parent has exactly one).
child_of() {
	cut -d' ' -f1 "/proc/$1/task/$1/children"
}

seccomp_mode() { # PID -> 0 (none) or 2 (filter)
	awk '/^Seccomp:/ { print $2 }' "/proc/$1/status"
}

# start_warden NAME CHILD_PROGRAM [ARGUMENTS...]: the daemon on a free port,
# with ARGUMENTS added to `warden run`; sets ${pid[NAME]} and ${port[NAME]}.
start_warden() {
	local p name=$1 child=$2
	shift 2
	free_port
	p=$free
	"$build/warden" run --listen "127.0.0.1:$p" --log "$scratch/$name.log" "$@" \
		--set log.level=info --set server.max_connections=$((hold + 1000)) \
		--set server.max_connections_per_peer=$((hold + 1000)) \
		--set server.header_timeout_ms=10000 \
		--set sandbox.child_program="$child" >"$scratch/$name.out" 2>&1 &
	pids="$pids $!"
	pid[$name]=$!
	port[$name]=$p
	wait_healthz "$p" "$name"
	spid[$name]=$(child_of "${pid[$name]}")
}

# start_nginx NAME ACCESS_LOG_OPTIONS [HEALTHZ]: nginx on a free port serving
# root/, /healthz answered by HEALTHZ (default: the file); sets ${port[NAME]}.
start_nginx() {
	local p dir healthz=${3:-try_files /healthz =404}
	free_port
	p=$free
	dir="$scratch/$1"
	mkdir -p "$dir"
	ln -s "$scratch/root" "$dir/root"
	sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$p|g" \
		-e "s|@HEALTHZ@|${healthz//\\/\\\\}|" \
		-e "s|@ACCESS_LOG@|access_log $dir/access.log $2|" \
		"$src/bench/nginx.conf.in" >"$dir/nginx.conf"
	nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" >"$scratch/$1.out" 2>&1 &
	pids="$pids $!"
	port[$1]=$p
	spid[$1]=$!
	wait_healthz "$p" "$1"
}

# start_floor NAME: bench_floor answering with warden's /healthz response
# (head and body, $scratch/healthz.response); sets ${port[NAME]}.
start_floor() {
	free_port
	"$build/bench_floor" "$free" "$scratch/healthz.response" "$scratch/$1.log" \
		>"$scratch/$1.out" 2>&1 &
	pids="$pids $!"
	port[$1]=$free
	spid[$1]=$!
	wait_healthz "$free" "$1"
}

# Empties every log between runs (all are opened for append).
truncate_logs() {
	for f in "$scratch"/*.log "$scratch"/*/access.log; do
		if [ -f "$f" ]; then : >"$f"; fi
	done
}

cpu_ticks() { # PID -> user + system CPU time in clock ticks
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
tck=$(getconf CLK_TCK)

# run_wrk NAME PATH [SECONDS] [PREFIX] [pin]: one wrk run; appends requests/s
# to PREFIXrps-NAME-PATH and the serving process's CPU time per request (us)
# to PREFIXcpu-NAME-PATH. With pin, wrk runs on CPU 0 and the server on CPU 1
# for this run.
all_cpus="0-$(($(nproc) - 1))"
run_wrk() {
	local out t0 t1 p0=0 p1=0 key wrk_cpus=$all_cpus
	key="$1-$(echo "$2" | tr / _)"
	if [ "${5:-}" = pin ]; then
		taskset -pc 1 "${spid[$1]}" >/dev/null
		wrk_cpus=0
	fi
	if [ -n "${pid[$1]:-}" ]; then p0=$(cpu_ticks "${pid[$1]}"); fi
	t0=$(cpu_ticks "${spid[$1]}")
	out=$(taskset -c "$wrk_cpus" wrk -t1 -c"$conns" -d"${3:-$duration}s" \
		"http://127.0.0.1:${port[$1]}$2")
	t1=$(cpu_ticks "${spid[$1]}")
	if [ -n "${pid[$1]:-}" ]; then p1=$(cpu_ticks "${pid[$1]}"); fi
	taskset -pc "$all_cpus" "${spid[$1]}" >/dev/null
	truncate_logs
	if echo "$out" | grep -Eq 'Non-2xx|Socket errors'; then
		echo "run-http: $1 $2: $(echo "$out" | grep -E 'Non-2xx|Socket errors' | tr -s ' ')" >&2
	fi
	echo "$out" | awk '/^Requests\/sec:/ { printf "%.0f\n", $2 }' >>"$scratch/${4:-}rps-$key"
	echo "$out" | awk -v t=$((t1 - t0)) -v hz="$tck" \
		'/ requests in / { printf "%.2f\n", t * 1e6 / hz / $1 }' >>"$scratch/${4:-}cpu-$key"
	# warden's parent (the trace's recorder), the same way.
	echo "$out" | awk -v t=$((p1 - p0)) -v hz="$tck" \
		'/ requests in / { printf "%.3f\n", t * 1e6 / hz / $1 }' >>"$scratch/${4:-}pcpu-$key"
}

median() { # numbers on stdin
	sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

rss_kib() { # PID -> "VmRSS VmHWM" in KiB
	awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r, h }' "/proc/$1/status"
}

fd_count() {
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l
}

# ---- the servers --------------------------------------------------------------
echo "warden HTTP benchmarks: $(nproc) CPUs (shared, nothing pinned), $(uname -r)"
echo "wrk -t1 -c$conns -d${duration}s keep-alive, $rounds rounds interleaved, medians"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

start_warden warden "$build/warden-child"
start_warden nofilter "$build/warden-child-nofilter"
child_warden=$(child_of "${pid[warden]}")
child_nofilter=$(child_of "${pid[nofilter]}")
if [ "$(seccomp_mode "$child_warden")" != 2 ]; then
	echo "run-http: the warden child $child_warden has no seccomp filter" >&2
	exit 1
fi
if [ "$(seccomp_mode "$child_nofilter")" != 0 ]; then
	echo "run-http: warden-child-nofilter runs with a seccomp filter: child/boot.c lacks" \
		"the WARDEN_BENCH_NO_FILTER switch (docs/benchmarks.md)" >&2
	exit 1
fi

# nginx serves the bytes warden serves, fetched from it.
mkdir -p "$scratch/root"
curl -sf "http://127.0.0.1:${port[warden]}/healthz" >"$scratch/root/healthz"
curl -sf "http://127.0.0.1:${port[warden]}/" >"$scratch/root/index.html"
start_nginx nginx ""
start_nginx nginxbuf "combined buffer=64k flush=1s"
start_nginx nginxret "combined buffer=64k flush=1s" 'return 200 "ok\n"'
# warden's whole /healthz response, byte for byte, for the floor.
curl -sf -i "http://127.0.0.1:${port[warden]}/healthz" >"$scratch/healthz.response"
start_floor floor
for path in /healthz /; do
	name=$(echo "$path" | sed 's|^/$|index.html|; s|^/||')
	if ! curl -sf "http://127.0.0.1:${port[nginx]}$path" | cmp -s - "$scratch/root/$name"; then
		echo "run-http: nginx does not serve warden's bytes for $path" >&2
		exit 1
	fi
done
if ! curl -sf "http://127.0.0.1:${port[nginxret]}/healthz" | cmp -s - "$scratch/root/healthz"; then
	echo "run-http: nginx's return 200 does not answer warden's bytes for /healthz" >&2
	exit 1
fi
head_bytes() { # NAME -> the length of its /healthz response head
	curl -sf -D - -o /dev/null "http://127.0.0.1:${port[$1]}/healthz" | wc -c
}
echo "/healthz response heads (bytes): warden $(head_bytes warden)," \
	"nginx return $(head_bytes nginxret), nginx file $(head_bytes nginxbuf)," \
	"floor $(head_bytes floor)"
echo "bodies: /healthz $(wc -c <"$scratch/root/healthz") bytes," \
	"/ $(wc -c <"$scratch/root/index.html") bytes (the same bytes from every server)"

# ---- 4. child RSS (first: a child that has served nothing yet) ------------------
if section 4; then
	# A fresh generation, so the figure is "after boot": the other wardens were
	# already asked for /healthz.
	start_warden rss "$build/warden-child"
	child_rss=$(child_of "${pid[rss]}")
	base_fds=$(fd_count "$child_rss")
	rss_boot=$(rss_kib "$child_rss")

	hold_and_measure() { # MODE -> "VmRSS VmHWM fds"
		"$build/bench_conns" hold "${port[rss]}" "$hold" "$1" >"$scratch/hold-$1.out" 2>&1 &
		hp=$!
		i=0
		while [ "$(fd_count "$child_rss")" -lt $((base_fds + hold)) ] && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		sleep 0.5
		echo "$(rss_kib "$child_rss") $(($(fd_count "$child_rss") - base_fds))"
		kill "$hp"
		wait "$hp" || true
		# Until the child has closed them all.
		i=0
		while [ "$(fd_count "$child_rss")" -gt "$base_fds" ] && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	}
	rss_connect=$(hold_and_measure connect)
	rss_request=$(hold_and_measure request)
	rss_after=$(rss_kib "$child_rss")
fi

# ---- 1 and 2. throughput, interleaved ------------------------------------------
servers="nginx nginxbuf warden nginxret floor"
r=1
while section 1 && [ $r -le "$rounds" ]; do
	for path in /healthz /; do
		for s in $servers; do
			# nginx's return and the floor answer /healthz only.
			case "$path:$s" in /:nginxret | /:floor) continue ;; esac
			run_wrk "$s" "$path"
		done
	done
	# Rotate the order so that no server always runs first.
	servers="$(echo "$servers" | cut -d' ' -f2-) $(echo "$servers" | cut -d' ' -f1)"
	echo "1. round $r of $rounds done"
	r=$((r + 1))
done

# 2: PAIRS back-to-back pairs of PAIR_SECONDS runs, the order alternating
# (ABBA...), so that the machine's drifts hit both sides alike; the median
# of the per-pair differences is the robust figure.
# Twice: nothing pinned, then wrk on CPU 0 and the server on CPU 1 (the
# scheduler otherwise sometimes keeps a server on wrk's CPU for a while).
for pin in "" pin; do
	section 2 || break
	for path in /healthz /; do
		i=1
		while [ $i -le "$pairs" ]; do
			order="warden nofilter"
			if [ $((i % 2)) -eq 0 ]; then order="nofilter warden"; fi
			for s in $order; do
				run_wrk "$s" "$path" "$pair_seconds" "f$pin-" $pin
			done
			i=$((i + 1))
		done
		echo "2. $pairs pairs on $path done${pin:+ (pinned)}"
	done
done
echo

med() { median <"$scratch/${3:-rps}-$1-$(echo "$2" | tr / _)"; }
runs() { tr '\n' ' ' <"$scratch/${3:-rps}-$1-$(echo "$2" | tr / _)"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f%%", (a - b) * 100 / b }'; }

spread() { # NAME PATH [rps|cpu] -> "min-max"
	sort -g "$scratch/${3:-rps}-$1-$(echo "$2" | tr / _)" | sed -n '1p;$p' | paste -sd- -
}
if section 1; then
	echo "1. the floor, warden and nginx on /healthz, and warden and nginx on /"
	echo "   headline: CPU time of the serving process (utime+stime) per request, us;"
	echo "   medians [min-max] of $rounds interleaved runs; every access log on"
	printf '   %-36s %9s %13s %9s %15s %8s %8s\n' "/healthz" "us/req" "[range]" "req/s" \
		"[range]" "÷floor" "÷return"
	for s in floor warden nginxret nginxbuf nginx; do
		case $s in
		floor) label="floor (bench_floor)" ;;
		warden) label="warden (child, filter on)" ;;
		nginxret) label="nginx return 200, log buffered" ;;
		nginxbuf) label="nginx file, log buffered" ;;
		nginx) label="nginx file, log unbuffered" ;;
		esac
		c=$(med "$s" /healthz cpu)
		printf '   %-36s %9s %13s %9s %15s %8s %8s\n' "$label" "$c" \
			"[$(spread "$s" /healthz cpu)]" "$(med "$s" /healthz)" \
			"[$(spread "$s" /healthz)]" "$(ratio "$c" "$(med floor /healthz cpu)")" \
			"$(ratio "$c" "$(med nginxret /healthz cpu)")"
	done
	printf '   %-36s %9s %13s %9s %15s\n' "/ (the page)" "us/req" "[range]" "req/s" "[range]"
	for s in warden nginxbuf nginx; do
		printf '   %-36s %9s %13s %9s %15s\n' "$s" "$(med "$s" / cpu)" \
			"[$(spread "$s" / cpu)]" "$(med "$s" /)" "[$(spread "$s" /)]"
	done
	for p in /healthz /; do
		for s in floor warden nginxret nginxbuf nginx; do
			[ -f "$scratch/rps-$s-$(echo "$p" | tr / _)" ] || continue
			echo "   runs $s $p: requests/s [ $(runs "$s" "$p")] us/request [ $(runs "$s" "$p" cpu)]"
		done
	done
	echo
fi

if section 2; then
	echo "2. warden with and without its seccomp filter (target: within 3%)"
	echo "   $pairs pairs of ${pair_seconds}s wrk runs, back to back, order alternating; medians"
	for pin in "" pin; do
		if [ -z "$pin" ]; then
			echo "   nothing pinned:"
		else
			echo "   wrk pinned to CPU 0, the server (child) to CPU 1:"
		fi
		printf '   %-9s %-11s %12s %12s %11s %27s\n' path "" "with filter" "no filter" \
			difference "per pair: median [range]"
		for path in /healthz /; do
			for what in rps cpu; do
				w=$(med warden "$path" "f$pin-$what")
				nf=$(med nofilter "$path" "f$pin-$what")
				key=$(echo "$path" | tr / _)
				diffs=$(paste "$scratch/f$pin-$what-warden-$key" \
					"$scratch/f$pin-$what-nofilter-$key" |
					awk '{ printf "%.1f\n", ($1 - $2) * 100 / $2 }' | sort -g)
				printf '   %-9s %-11s %12s %12s %11s %10s%% [%s%%, %s%%]\n' \
					"$([ $what = rps ] && echo "$path")" \
					"$([ $what = rps ] && echo requests/s || echo us/request)" "$w" "$nf" \
					"$(pct "$w" "$nf")" "$(echo "$diffs" | median)" "$(echo "$diffs" | head -n 1)" \
					"$(echo "$diffs" | tail -n 1)"
			done
		done
		for p in /healthz /; do
			for s in warden nofilter; do
				echo "   runs $s $p: requests/s [ $(runs "$s" "$p" "f$pin-rps")]" \
					"us/request [ $(runs "$s" "$p" "f$pin-cpu")]"
			done
		done
	done
	echo
fi

# ---- 3. slowloris ---------------------------------------------------------------
# A normal client's latency on the filtered warden: GET /healthz at most once
# a millisecond on one keep-alive connection, then a new connection each; and
# wrk -c10 --latency. First alone, then with HOLD slowloris connections that
# send a partial head and a byte every 2 s, are cut at the header timeout
# (10 s, 408) and come straight back.
probe_seconds=${PROBE_SECONDS:-12}
if section 3; then
	rt=()
	if [ "${RT:-0}" = 1 ]; then
		rt=(chrt -f 10)
		chrt -f -p 10 "$child_warden"
	fi
	latency_set() { # LABEL
		"${rt[@]}" "$build/bench_conns" probe "${port[warden]}" "$probe_seconds" keepalive \
			>"$scratch/probe-ka-$1"
		"${rt[@]}" "$build/bench_conns" probe "${port[warden]}" "$probe_seconds" new \
			>"$scratch/probe-new-$1"
		"${rt[@]}" wrk -t1 -c10 -d"${probe_seconds}s" --latency "http://127.0.0.1:${port[warden]}/healthz" \
			>"$scratch/wrk-$1"
		truncate_logs
	}
	field() { # FILE KEY
		tr ' ' '\n' <"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'
	}
	wrk_pct() { # FILE PERCENT
		awk -v p="$2%" '$1 == p { print $2 }' "$1"
	}
	latency_set alone
	slow_base=$(fd_count "$child_warden")
	"$build/bench_conns" hold "${port[warden]}" "$hold" slowloris >"$scratch/slowloris.out" 2>&1 &
	slow_pid=$!
	pids="$pids $slow_pid"
	i=0
	while ! grep -q '^ready' "$scratch/slowloris.out" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 1
	slow_fds=$(($(fd_count "$child_warden") - slow_base))
	latency_set slowloris
	kill "$slow_pid"
	wait "$slow_pid" || true

	echo "3. latency of a normal client without and with $hold slowloris connections"
	if [ ${#rt[@]} -gt 0 ]; then
		echo "   RT=1: the child, the probes and wrk SCHED_FIFO 10; the slowloris client not"
		chrt -o -p 0 "$child_warden"
	fi
	echo "   (server.header_timeout_ms=10000, server.max_connections=$((hold + 1000)); about" \
		"$slow_fds held while measuring)"
	printf '   %-34s %30s   %30s\n' "" "alone: p50 / p99 / max" "slowloris: p50 / p99 / max"
	for m in ka new; do
		label=$([ $m = ka ] && echo "sequential GETs, keep-alive" || echo "sequential GETs, new connection")
		printf '   %-34s %30s   %30s\n' "$label" \
			"$(field "$scratch/probe-$m-alone" p50_us) / $(field "$scratch/probe-$m-alone" p99_us) / $(field "$scratch/probe-$m-alone" max_us) us" \
			"$(field "$scratch/probe-$m-slowloris" p50_us) / $(field "$scratch/probe-$m-slowloris" p99_us) / $(field "$scratch/probe-$m-slowloris" max_us) us"
	done
	printf '   %-34s %12s %12s %13s %13s\n' "" "p50 alone" "p99 alone" "p50 slowloris" \
		"p99 slowloris"
	printf '   %-34s %12s %12s %13s %13s\n' "wrk -t1 -c10 --latency" \
		"$(wrk_pct "$scratch/wrk-alone" 50)" "$(wrk_pct "$scratch/wrk-alone" 99)" \
		"$(wrk_pct "$scratch/wrk-slowloris" 50)" "$(wrk_pct "$scratch/wrk-slowloris" 99)"
	printf '   %-34s %12s %12s %13s %13s\n' "  (its requests/s)" \
		"$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$scratch/wrk-alone")" "" \
		"$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$scratch/wrk-slowloris")" ""
	for f in probe-ka-alone probe-new-alone probe-ka-slowloris probe-new-slowloris; do
		echo "   $f: $(cat "$scratch/$f")"
	done
	echo "   slowloris: $(tail -n 1 "$scratch/slowloris.out")"
	echo
fi

# ---- 5. tracing under wrk load ----------------------------------------------------
# warden with and without --trace (the parent records every IPC message: the
# child's heartbeats, status snapshots and log records), log.level=info,
# wrk -c$conns on /healthz; PAIRS pairs, ABBA. CPU per request of the child
# and of the parent, which records.
if section 5; then
	start_warden traced "$build/warden-child" --trace "$scratch/traced.pcap"
	i=1
	while [ $i -le "$pairs" ]; do
		order="warden traced"
		if [ $((i % 2)) -eq 0 ]; then order="traced warden"; fi
		for s in $order; do
			run_wrk "$s" /healthz "$pair_seconds" t-
		done
		i=$((i + 1))
	done
	echo "5. tracing (--trace) under wrk -t1 -c$conns on /healthz, log.level=info (target: <= 2%)"
	echo "   $pairs pairs of ${pair_seconds}s runs, order alternating; medians; per pair: median [range]"
	printf '   %-26s %12s %12s %11s %27s\n' "" "traced" untraced difference "per pair"
	for what in rps cpu pcpu; do
		case $what in
		rps) label="requests/s" ;;
		cpu) label="child CPU us/request" ;;
		pcpu) label="parent CPU us/request" ;;
		esac
		tr_=$(med traced /healthz "t-$what")
		un=$(med warden /healthz "t-$what")
		if [ $what = pcpu ]; then
			# Counted in 10 ms ticks: 0 or 1 per run, no ratio to take.
			printf '   %-26s %12s %12s\n' "$label" "$tr_" "$un"
			continue
		fi
		diffs=$(paste "$scratch/t-$what-traced-_healthz" "$scratch/t-$what-warden-_healthz" |
			awk '{ printf "%.1f\n", ($1 - $2) * 100 / $2 }' | sort -g)
		printf '   %-26s %12s %12s %11s %10s%% [%s%%, %s%%]\n' "$label" "$tr_" "$un" \
			"$(pct "$tr_" "$un")" "$(echo "$diffs" | median)" \
			"$(echo "$diffs" | head -n 1)" "$(echo "$diffs" | tail -n 1)"
	done
	sum() { awk '{ s += $1 } END { printf "%.3f", s }' "$1"; }
	echo "   parent CPU, us/request summed over the runs: traced" \
		"$(sum "$scratch/t-pcpu-traced-_healthz"), untraced $(sum "$scratch/t-pcpu-warden-_healthz")"
	for s in warden traced; do
		echo "   runs $s: requests/s [ $(runs "$s" /healthz t-rps)] child us/request" \
			"[ $(runs "$s" /healthz t-cpu)] parent us/request [ $(runs "$s" /healthz t-pcpu)]"
	done
	echo "   trace: $(du -k "$scratch"/traced*.pcap* | awk '{ k += $1 } END { print k }') KiB recorded"
	echo
fi

if section 4; then
	echo "4. child RSS (VmRSS, peak VmHWM in parentheses; KiB)"
	rss_line() { # LABEL "VmRSS VmHWM [connections]"
		local rss hwm n
		read -r rss hwm n <<<"$2"
		printf '   %-52s %8s (%s)\n' "${1/N/$n}" "$rss" "$hwm"
	}
	rss_line "after boot:" "$rss_boot"
	rss_line "N connections open, nothing sent:" "$rss_connect"
	rss_line "N keep-alive connections after one request each:" "$rss_request"
	rss_line "after they were closed:" "$rss_after"
	rss_line "the benchmarked child, after everything above:" "$(rss_kib "$child_warden")"
	echo "   file limit: the child sets RLIMIT_NOFILE to first_client_fd + max_connections + 1;"
	echo "   the parent keeps what it inherited (here soft $(awk '/Max open files/ { print $4 }' \
		"/proc/${pid[warden]}/limits"), hard $(awk '/Max open files/ { print $5 }' \
		"/proc/${pid[warden]}/limits"))"
	echo
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
