#!/bin/sh
# The layers of src/ and the arrows between them (docs/architecture.md):
# every #include of a project header must point down an allowed arrow,
# the pure layers (model, core, measure) include nothing that does I/O,
# and only the front ends log.  Run by the build (a failing include is a
# failed build) and by `meson test --suite layers`.
#   tools/check-layers.sh SRCDIR [STAMP]
set -eu
src=${1:?usage: check-layers.sh SRCDIR [STAMP]}

allowed() {
	case $1 in
	basic) echo "basic" ;;
	model) echo "model basic" ;;
	host | virt | core | measure) echo "$1 model basic" ;;
	act) echo "act core host virt model basic" ;;
	daemon) echo "daemon act core host virt model basic" ;;
	cli) echo "cli act core measure host virt model basic" ;;
	*) echo "" ;;
	esac
}

# Headers that mean I/O, threads, clocks or logging: never in a pure layer.
impure='basic/fileio\.h|basic/unix-socket\.h|basic/deadline\.h|basic/log\.h|<libvirt/|<netlink/|<sys/socket\.h>|<fcntl\.h>|<unistd\.h>|<dirent\.h>|<pthread\.h>|<time\.h>'

bad=0
for dir in "$src"/*/; do
	layer=$(basename "$dir")
	ok=$(allowed "$layer")
	if [ -z "$ok" ]; then
		echo "check-layers: $dir is no known layer (add it to tools/check-layers.sh and docs/architecture.md)" >&2
		bad=1
		continue
	fi
	for f in "$dir"*.c "$dir"*.h; do
		[ -e "$f" ] || continue
		n=0
		while IFS= read -r line; do
			n=$((n + 1))
			case $line in
			'#include "'*/*'"'*) ;;
			'#include "'*) # same directory, written without the layer
				continue ;;
			*) continue ;;
			esac
			inc=${line#\#include \"}
			inc=${inc%%\"*}
			to=${inc%%/*}
			case " $ok " in
			*" $to "*) ;;
			*)
				[ "$to" = build-config.h\" ] && continue
				echo "$f:$n: $layer may not include $inc (allowed: $ok)" >&2
				bad=1 ;;
			esac
		done <"$f"
		case $layer in
		model | core | measure)
			if grep -nE "^#include .*($impure)" "$f" >/dev/null; then
				grep -nE "^#include .*($impure)" "$f" | sed "s#^#$f:#; s#\$#  (the $layer layer does no I/O)#" >&2
				bad=1
			fi ;;
		host | virt | act)
			if grep -n '^#include "basic/log\.h"' "$f" >/dev/null; then
				echo "$f: code that touches the kernel or libvirt does not log; its caller does" >&2
				bad=1
			fi ;;
		esac
	done
done
[ "$bad" = 0 ] || exit 1
[ -z "${2:-}" ] || : >"$2"
