#!/bin/bash
# Run every lab test (tests/lab/t-*.sh), in as few lab boots as possible:
# tests that declare the same NIC count share a boot.  A test declares it
# in its header:
#   # lab: nics=2
# (default 2), and a disk if it needs one (run.sh --disk):
#   # lab: nics=1 disk=64M
# A group gets the disk when any of its tests asks (the others ignore it).
# Prints "ok NAME" or "FAIL NAME" per test and, last, exactly
# "N passed, N failed"; exits 1 if any test failed.  A lab that does not
# boot fails its tests; nothing is skipped.
#
#   tests/lab/run-all.sh [TEST...]      # default: every tests/lab/t-*.sh
#
# Environment: those of run.sh; KVMNET_LAB_VERBOSE=1 streams the consoles.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${KVMNET_LAB_CACHE:-/var/cache/kvmnet-lab}

if [ $# -gt 0 ]; then
	tests=()
	for t in "$@"; do tests+=("$(realpath -e "$t")"); done
else
	tests=("$here"/t-*.sh)
fi

"$here/prepare.sh"

nics_of() { # TEST: its declared NIC count
	local n
	n=$(sed -n '1,20s/^# lab:.*nics=\([0-9]*\).*/\1/p' "$1" | head -n 1)
	echo "${n:-2}"
}
disk_of() { # TEST: its declared disk size, or nothing
	sed -n '1,20s/^# lab:.*disk=\([0-9]*[KMG]\).*/\1/p' "$1" | head -n 1
}
timeout_of() { # TEST: its declared timeout, as suite.sh reads it
	local n
	n=$(sed -n '1,20s/^# lab:.*timeout=\([0-9]*\).*/\1/p' "$1" | head -n 1)
	echo "${n:-${KVMNET_LAB_TEST_TIMEOUT:-600}}"
}

quiet=--quiet
[ "${KVMNET_LAB_VERBOSE:-0}" = 0 ] || quiet=
passed=0
failed=0
t_start=$(date +%s)
for nics in $(for t in "${tests[@]}"; do nics_of "$t"; done | sort -nu); do
	group=()
	for t in "${tests[@]}"; do
		[ "$(nics_of "$t")" != "$nics" ] || group+=("$t")
	done
	stamp=$(date +%Y%m%d-%H%M%S)
	log="$cache/runs/run-all-$stamp-nics$nics.log"
	echo "run-all: booting the lab with $nics NIC(s) for ${#group[@]} test(s)" >&2
	# The whole boot may last as long as its tests together, plus the boot
	# itself, unless KVMNET_LAB_TIMEOUT says otherwise.
	budget=300
	disk=()
	for t in "${group[@]}"; do
		budget=$((budget + $(timeout_of "$t")))
		[ ${#disk[@]} -gt 0 ] || [ -z "$(disk_of "$t")" ] || disk=(--disk "$(disk_of "$t")")
	done
	rc=0
	KVMNET_LAB_TIMEOUT=${KVMNET_LAB_TIMEOUT:-$budget} \
		"$here/run.sh" $quiet --nics "$nics" "${disk[@]}" --log "$log" "$here/suite.sh" "${group[@]}" || rc=$?
	out=$(readlink -f "$cache/runs/last")
	for t in "${group[@]}"; do
		name=$(basename "$t")
		# The serial console ends lines with CR LF.
		line=$(tr -d '\r' <"$log" | grep -a "^KVMNET-LAB-RESULT .* test=$t\$" | tail -n 1 || true)
		if [ -z "$line" ]; then
			echo "FAIL $name (no result: the lab failed, run.sh exit $rc; console $log)"
			failed=$((failed + 1))
			continue
		fi
		trc=$(echo "$line" | sed 's/.*rc=\([0-9]*\).*/\1/')
		secs=$(echo "$line" | sed 's/.*secs=\([0-9]*\).*/\1/')
		if [ "$trc" = 0 ]; then
			echo "ok $name (${secs}s)"
			passed=$((passed + 1))
		else
			echo "FAIL $name (exit $trc, ${secs}s; output $out/${name%.sh}.log, console $log)"
			# The failing checks, so CI logs show them without digging.
			grep -a -E '^(FAIL|FATAL):' "$out/${name%.sh}.log" 2>/dev/null | head -n 20 | sed 's/^/    /'
			failed=$((failed + 1))
		fi
	done
done
echo "run-all: $(( $(date +%s) - t_start ))s in all" >&2
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
