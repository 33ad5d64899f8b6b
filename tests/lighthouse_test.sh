#!/bin/bash
# tests/lighthouse_test.sh WARDEN_BINARY CACHE_DIR - the GUI scored by
# Lighthouse 12 in headless Chromium, at the mobile and the desktop form
# factor, served by a real warden (the real child, under its filter, no
# token: the page shows its data).
#
# Prints the four category scores and the cumulative layout shift of each
# run, and fails if, in either, accessibility < 1.0, best practices < 1.0
# or CLS > 0.1: those are properties of the page and come out the same on
# every run. Performance is a timing figure (simulated throttling over
# what this machine measured, shared and noisy): it is printed, never
# failed on.
#
# Lighthouse is installed with npm into CACHE_DIR (in the build tree) the
# first time; an install that fails (no network) fails the test, loudly.
# WARDEN_SKIP_LIGHTHOUSE=1 skips it with a printed reason (exit 77), for
# a machine known to be offline; scripts/test never sets it.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: tests/lighthouse_test.sh WARDEN_BINARY CACHE_DIR" >&2
	exit 2
fi
warden=$1
cache=$2
chromium=/usr/bin/chromium
version=12

fail() {
	echo "lighthouse: FAIL: $*" >&2
	exit 1
}
if [ "${WARDEN_SKIP_LIGHTHOUSE:-}" = 1 ]; then
	echo "lighthouse: SKIPPED: WARDEN_SKIP_LIGHTHOUSE=1 is set"
	exit 77
fi
for tool in node npm curl ss; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup --test installs it)"
done
[ -x "$chromium" ] || fail "$chromium is not installed (scripts/setup --test installs it)"
[ -x "$warden" ] || fail "$warden is not executable"

# ---- Lighthouse, once per build tree ---------------------------------------------
lighthouse=$cache/node_modules/.bin/lighthouse
if ! "$lighthouse" --version 2>/dev/null | grep -q "^$version\."; then
	echo "lighthouse: installing lighthouse@$version into $cache (npm)"
	mkdir -p "$cache"
	if ! timeout 300 npm install --prefix "$cache" --no-audit --no-fund --no-save \
		--loglevel=error "lighthouse@$version" >"$cache/npm.log" 2>&1; then
		cat "$cache/npm.log" >&2
		fail "npm could not install lighthouse@$version (is the registry reachable?);" \
			"set WARDEN_SKIP_LIGHTHOUSE=1 to skip this test on a machine without network"
	fi
fi
echo "lighthouse: $("$lighthouse" --version), $("$chromium" --version 2>/dev/null)"

tmp=$(mktemp -d /tmp/warden-lighthouse.XXXXXX)
daemon=""
cleanup() {
	[ -z "$daemon" ] || kill "$daemon" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- warden ------------------------------------------------------------------------
port=$((20000 + ($$ + 7000) % 10000))
while ss -Htan "sport = :$port" | grep -q .; do port=$((port + 1)); done
cat >"$tmp/warden.ini" <<EOF
[server]
listen = 127.0.0.1:$port

[log]
file = $tmp/warden.log
EOF
"$warden" run --config "$tmp/warden.ini" >"$tmp/warden.out" 2>&1 &
daemon=$!
for _ in $(seq 100); do
	[ "$(curl -s --max-time 1 "http://127.0.0.1:$port/healthz" || true)" = ok ] && break
	sleep 0.1
done
[ "$(curl -s --max-time 1 "http://127.0.0.1:$port/healthz" || true)" = ok ] ||
	fail "warden does not serve; its output: $(cat "$tmp/warden.out")"

# ---- one run per form factor ----------------------------------------------------------
# Prints "<scores> CLS=<value>" and exits 1 when a deterministic target is missed.
judge() {
	node - "$1" <<'EOF'
const report = require(process.argv[2]);
const c = report.categories;
const score = (k) => (c[k] && c[k].score !== null ? c[k].score : NaN);
const cls = report.audits['cumulative-layout-shift'].numericValue;
const out = ['performance', 'accessibility', 'best-practices', 'seo']
  .map((k) => `${k} ${score(k).toFixed(2)}`).join(', ');
console.log(`${out}, CLS ${cls.toFixed(3)}`);
const problems = [];
if (!(score('accessibility') >= 1)) problems.push('accessibility below 1.0');
if (!(score('best-practices') >= 1)) problems.push('best practices below 1.0');
if (!(cls <= 0.1)) problems.push('layout shift above 0.1');
// What pulled a failing category down, and what shifted.
for (const k of ['accessibility', 'best-practices']) {
  if (!(score(k) < 1)) continue;
  for (const ref of c[k].auditRefs) {
    const a = report.audits[ref.id];
    if (ref.weight > 0 && a.score !== null && a.score < 1) {
      const items = (a.details && a.details.items) || [];
      console.log(`  ${k}: ${a.id}: ${a.title}`);
      for (const item of items.slice(0, 5)) {
        const node = item.node || {};
        console.log(`    ${node.selector || ''} ${(node.explanation || '').split('\n').join(' ')}`);
      }
    }
  }
}
if (cls > 0.1) {
  const items = (report.audits['layout-shifts'].details || {}).items || [];
  for (const item of items) console.log(`  shifted: ${(item.node || {}).selector} ${item.score.toFixed(3)}`);
}
if (report.runtimeError) problems.push(`runtime error: ${report.runtimeError.message}`);
if (problems.length) {
  console.log(`  FAILED: ${problems.join('; ')}`);
  process.exit(1);
}
EOF
}

status=0
for form in mobile desktop; do
	preset=()
	[ "$form" = desktop ] && preset=(--preset=desktop)
	if ! CHROME_PATH=$chromium timeout 150 "$lighthouse" "http://127.0.0.1:$port/" \
		"${preset[@]}" --quiet --output=json --output-path="$tmp/$form.json" \
		--only-categories=performance,accessibility,best-practices,seo \
		--chrome-flags="--headless=new --no-sandbox" >"$tmp/$form.log" 2>&1; then
		cat "$tmp/$form.log" >&2
		fail "lighthouse did not complete the $form run"
	fi
	printf 'lighthouse: %-7s ' "$form"
	judge "$tmp/$form.json" || status=1
done
echo "lighthouse: performance is printed, not judged: it is a timing on a shared machine"
[ "$status" -eq 0 ] || fail "a deterministic target was missed (see above)"
echo "lighthouse: ok"
