#!/bin/sh
# The layering rules of docs/architecture.md, checked on the source tree
# (TAP): a file includes only its own layer and the layers below it; the
# public header includes nothing of src/; the library layers never print on
# their own (no stdout, stderr or terminal escape: they report through their
# callers) and nothing in them names the server.
cd "$(dirname "$0")/../.."
n=0
fails=0
rank() {
	case $1 in
	base) echo 1 ;; input) echo 2 ;; count) echo 3 ;; detect) echo 4 ;;
	out) echo 5 ;; gen) echo 6 ;; serve) echo 7 ;; cli) echo 8 ;;
	*) echo 0 ;;
	esac
}
okline() { # okline COND-STATUS TEXT [DETAIL]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/#   /'
		fails=$((fails + 1))
	fi
}
for dir in src/*/; do
	layer=$(basename "$dir")
	r=$(rank "$layer")
	if [ "$r" -eq 0 ]; then
		okline 1 "src/$layer is a known layer"
		continue
	fi
	bad=""
	for f in "$dir"*.c "$dir"*.h; do
		[ -e "$f" ] || continue
		for inc in $(sed -n 's/^#include "\([a-z]*\)\/[^"]*"$/\1/p' "$f"); do
			ri=$(rank "$inc")
			if [ "$ri" -eq 0 ] || [ "$ri" -gt "$r" ]; then
				bad="$bad$f includes $inc/
"
			fi
		done
		# a bare include must name a header of the same folder
		for h in $(sed -n 's/^#include "\([^"/]*\)"$/\1/p' "$f"); do
			[ "$h" = groundswell.h ] || [ -e "$dir$h" ] || bad="$bad$f includes $h (not in $layer/)
"
		done
	done
	[ -z "$bad" ]
	okline $? "src/$layer includes only its own layer and those below it" "$bad"
done
grep -n '#include "' include/*.h >/dev/null 2>&1
okline $((1 - $?)) "include/ includes nothing of src/"
lib="src/base src/input src/count src/detect src/out src/gen"
found=$(for d in $lib; do grep -nE '\b(stdout|stderr)\b|\\033|isatty' "$d"/*.c "$d"/*.h 2>/dev/null; done | grep -vE '^[^:]+:[0-9]+:\s*(/?\*|//)')
[ -z "$found" ]
okline $? "the library layers never print on their own (no stdout, stderr, terminal escapes)" "$found"
found=$(for d in $lib; do grep -nE 'gs_server|microhttpd|libwebsockets|curl/' "$d"/*.c "$d"/*.h 2>/dev/null; done)
[ -z "$found" ]
okline $? "the library layers know nothing of the server or HTTP" "$found"
big=""
for f in src/*/*.c; do
	l=$(wc -l <"$f")
	[ "$l" -le 1500 ] && continue
	head -40 "$f" | grep -q 'reads best whole' || big="$big$f: $l lines "
done
[ -z "$big" ]
okline $? "no source file over 1,500 lines (unless its top says why it reads best whole)" "$big"
echo "1..$n"
[ "$fails" -eq 0 ]
