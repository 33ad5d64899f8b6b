#!/bin/sh
# check_man.sh SOURCE_DIR WARDEN_BINARY - the man pages in docs/man:
#   - each renders with `man -l` and with `groff -mandoc -ww` without a
#     single warning, and no line of `man -l` at 80 columns is wider;
#   - every key that `warden run --print-config` prints (SECTION.KEY) is
#     documented in docs/man/warden.ini.5 (an ".It Cm KEY" item under
#     ".Ss [SECTION]") and in docs/configuration.md (a "| `KEY` |" row
#     under "### `[SECTION]`"), and neither documents a key that is not.
# Needs man-db and groff-base (scripts/setup --test installs them).
set -eu
root=$1
warden=$2
man_dir="$root/docs/man"
failed=0
fail() {
	echo "check_man: $*" >&2
	failed=1
}

for tool in man groff; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "check_man: no '$tool': install man-db and groff-base (scripts/setup --test)" >&2; exit 1; }
done

# The same rendering wherever the test runs: UTF-8, 80 columns, no pager.
export LC_ALL=C.UTF-8 MANWIDTH=80 MANPAGER=cat PAGER=cat
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pages=$(find "$man_dir" -name '*.[1-9]' | sort)
[ -n "$pages" ] || { echo "check_man: no pages in $man_dir" >&2; exit 1; }
for page in $pages; do
	name=${page#"$root"/}
	man --warnings -l "$page" >"$tmp/out" 2>"$tmp/err" || fail "$name: man -l failed"
	if [ -s "$tmp/err" ]; then
		fail "$name: man -l warns:"
		cat "$tmp/err" >&2
	fi
	if grep -n '.\{81,\}' "$tmp/out" >"$tmp/wide"; then
		fail "$name: wider than 80 columns in man -l:"
		cat "$tmp/wide" >&2
	fi
	groff -mandoc -ww -z "$page" 2>"$tmp/err" || fail "$name: groff failed"
	if [ -s "$tmp/err" ]; then
		fail "$name: groff -mandoc -ww warns:"
		cat "$tmp/err" >&2
	fi
done

# Every key, as SECTION.KEY, from the binary: the one list the code keeps.
"$warden" run --print-config >"$tmp/config" ||
	{ echo "check_man: $warden run --print-config failed" >&2; exit 1; }
sed -n -e '/^\[/{s/^\[\(.*\)\]$/\1/;h;}' \
	-e '/^[a-z_]* =/{s/ =.*//;H;x;s/\n/./;p;s/\..*//;x;}' "$tmp/config" | sort >"$tmp/keys"
[ -s "$tmp/keys" ] || { echo "check_man: --print-config printed no keys" >&2; exit 1; }

# SECTION.KEY for each ".It Cm KEY" under ".Ss [SECTION]" (other .Ss end it).
awk '/^\.S[sh] / { section = ""; if (match($0, /^\.Ss "?\[[a-z]+\]"?$/)) {
                       section = $2; gsub(/[]"[]/, "", section) } ; next }
     section != "" && /^\.It Cm / { print section "." $3 }' \
	"$man_dir/warden.ini.5" | sort >"$tmp/page"
# SECTION.KEY for each "| `KEY` |" row under "### `[SECTION]`" (other headings end it).
awk '/^#/ { section = ""; if (match($0, /^### `\[[a-z]+\]`/)) {
               section = $2; gsub(/[]`[]/, "", section) } ; next }
     section != "" && /^\| `[a-z_]+` \|/ { key = $2; gsub(/`/, "", key); print section "." key }' \
	"$root/docs/configuration.md" | sort >"$tmp/md"

for doc in page md; do
	case $doc in
	page) file=docs/man/warden.ini.5 ;;
	md) file=docs/configuration.md ;;
	esac
	for key in $(comm -23 "$tmp/keys" "$tmp/$doc"); do
		fail "$file: $key is not documented"
	done
	for key in $(comm -13 "$tmp/keys" "$tmp/$doc"); do
		fail "$file: documents $key, which warden run --print-config does not print"
	done
done

[ "$failed" -eq 0 ] || exit 1
echo "check_man: $(echo "$pages" | wc -l) pages render cleanly; $(wc -l <"$tmp/keys") keys documented in warden.ini.5 and configuration.md"
