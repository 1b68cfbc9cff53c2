#!/bin/bash
# tools/check-layers.sh passes on the tree and fails, naming the file, on
# each kind of forbidden include planted in a copy of it.
set -u
top=${1:?usage: test-check-layers.sh SRCROOT}
check=$top/tools/check-layers.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

if ! "$check" "$top/src" 2>"$T/err"; then
	echo "FAIL: the tree breaks its layers:"; cat "$T/err"; fails=$((fails + 1))
fi

# plant FILE LINE EXPECTED-MESSAGE: the check must fail and say so.
plant() {
	rm -rf "$T/src"; cp -r "$top/src" "$T/src"
	echo "$2" >>"$T/src/$1"
	if "$check" "$T/src" 2>"$T/err"; then
		echo "FAIL: '$2' in $1 passed the check"; fails=$((fails + 1))
	elif ! grep -q "$3" "$T/err"; then
		echo "FAIL: '$2' in $1: no '$3' in:"; cat "$T/err"; fails=$((fails + 1))
	else
		echo "ok: '$2' in $1 refused"
	fi
}
plant host/pci.h '#include "core/plan.h"' 'host/pci.h:.*host may not include core/plan.h'
plant virt/domains.h '#include "host/pci.h"' 'virt may not include host/pci.h'
plant core/plan.h '#include "virt/domains.h"' 'core may not include virt/domains.h'
plant model/inventory.h '#include "host/inventory.h"' 'model may not include host/inventory.h'
plant cli/status-daemon.c '#include "daemon/ctl-server.h"' 'cli may not include daemon/ctl-server.h'
plant act/sriov.c '#include "daemon/apply.h"' 'act may not include daemon/apply.h'
plant core/team.c '#include "basic/fileio.h"' 'the core layer does no I/O'
plant model/kmod.c '#include <unistd.h>' 'the model layer does no I/O'
plant host/pci.c '#include "basic/log.h"' 'does not log'
mkdir -p "$T/x"; rm -rf "$T/src"; cp -r "$top/src" "$T/src"; mkdir "$T/src/extra"
if "$check" "$T/src" 2>/dev/null; then echo "FAIL: an unknown layer passed"; fails=$((fails + 1)); else echo "ok: an unknown layer refused"; fi

[ "$fails" = 0 ]
