#!/bin/sh
# check_modules.sh SOURCE_DIR - the module rules of docs/architecture.md,
# checked on every #include of the product code (common/ policy/ ipc/
# logger/ child/ parent/):
#   - a header of the file's own module is included by bare name ("server.h");
#   - another module's header by module path ("ipc/ipc.h"), and only when
#     the table lets the file's module use that module and lists the header
#     among its public ones.
# The table in docs/architecture.md (between the module-rules markers) is
# the one place these rules are written; this script reads it, so the page
# cannot drift from the code. Exit 0 when every include keeps the rules.
set -eu
root=${1:-.}
doc="$root/docs/architecture.md"
[ -f "$doc" ] || { echo "check_modules: no $doc" >&2; exit 1; }

# Rows "| `mod/` | role | may use | public headers |" between the markers,
# as "mod|use1 use2|h1.h h2.h".
rules=$(awk '/<!-- module-rules:begin -->/ {on = 1; next}
             /<!-- module-rules:end -->/ {on = 0}
             on && /^\| `[a-z]+\/`/ {
                 n = split($0, f, "|")
                 mod = f[2]; use = f[4]; pub = f[5]
                 gsub(/[` \/]/, "", mod)
                 gsub(/`|—|,/, " ", use); gsub(/[ ]+/, " ", use)
                 gsub(/`|—|,/, " ", pub); gsub(/[ ]+/, " ", pub)
                 print mod "|" use "|" pub
             }' "$doc")
[ -n "$rules" ] || { echo "check_modules: no module table in $doc" >&2; exit 1; }

field() { # field MODULE N: the Nth field of MODULE's row
	printf '%s\n' "$rules" | awk -F'|' -v m="$1" -v n="$2" '$1 == m {print $n}'
}
has_word() { # has_word WORD LIST
	case " $2 " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

status=0
fail() {
	echo "check_modules: $*" >&2
	status=1
}

modules=$(printf '%s\n' "$rules" | cut -d'|' -f1 | tr '\n' ' ')
for mod in $modules; do
	[ -d "$root/$mod" ] || fail "docs/architecture.md names module $mod/, which does not exist"
	for h in $(field "$mod" 3); do
		[ -f "$root/$mod/$h" ] || fail "$mod/$h is listed as public but does not exist"
	done
done

for file in $(cd "$root" && find $modules -maxdepth 1 -name '*.[ch]' | sort); do
	mod=${file%%/*}
	uses=$(field "$mod" 2)
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$root/$file"); do
		case "$inc" in
		*/*)
			to=${inc%%/*}
			header=${inc#*/}
			if [ "$to" = "$mod" ]; then
				fail "$file: includes its own module's $inc by path (write \"$header\")"
			elif ! has_word "$to" "$modules"; then
				fail "$file: includes $inc, which is in no module"
			elif ! has_word "$to" "$uses"; then
				fail "$file: $mod/ may not use $to/ (includes $inc)"
			elif ! has_word "$header" "$(field "$to" 3)"; then
				fail "$file: $inc is private to $to/"
			fi
			;;
		*)
			[ -f "$root/$mod/$inc" ] ||
				fail "$file: \"$inc\" is not a header of $mod/ (another module's header is named by its path)"
			;;
		esac
	done
done

[ "$status" -eq 0 ] && echo "check_modules: every include keeps the module rules ($(echo $modules | wc -w) modules)"
exit "$status"
