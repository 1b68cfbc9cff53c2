#!/bin/bash
# Run every lab test (tests/lab/t-*.sh), in as few lab boots as possible:
# tests that declare the same NIC count and NUMA nodes share a boot.  A
# test declares them in its header:
#   # lab: nics=2
# (default 2), NUMA nodes if it needs them (run.sh --numa; default none):
#   # lab: nics=2 numa=2
# and a disk if it needs one (run.sh --disk):
#   # lab: nics=1 disk=64M
# A group gets the disk when any of its tests asks (the others ignore it).
# Prints "ok NAME" or "FAIL NAME" per test, then the last lines of each
# failed test's log and, last, exactly "N passed, N failed"; exits 1 if
# any test failed.  A lab that does not
# boot fails its tests; nothing is skipped.  One exception: when QEMU
# itself aborts on an assertion (a QEMU bug, never the guest's doing), the
# tests it cut short get one more boot, and run-all says so.
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
numa_of() { # TEST: its declared NUMA nodes, 0 for none
	local n
	n=$(sed -n '1,20s/^# lab:.*numa=\([0-9]*\).*/\1/p' "$1" | head -n 1)
	echo "${n:-0}"
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
failed_logs=()
t_start=$(date +%s)
# boot NICS NUMA TEST...: one lab boot for TESTs; prints each result and
# leaves in $missing the tests that printed none (the lab died under them).
boot() {
	local nics=$1 numa=$2 t name line trc secs rc=0 budget=300 disk=() numa_opt=() log out
	shift 2
	log="$cache/runs/run-all-$(date +%Y%m%d-%H%M%S)-nics$nics.log"
	[ "$numa" = 0 ] || { numa_opt=(--numa "$numa"); log=${log%.log}-numa$numa.log; }
	echo "run-all: booting the lab with $nics NIC(s)${numa_opt:+ on $numa NUMA nodes} for $# test(s)" >&2
	# The whole boot may last as long as its tests together, plus the boot
	# itself, unless KVMNET_LAB_TIMEOUT says otherwise.
	for t in "$@"; do
		budget=$((budget + $(timeout_of "$t")))
		[ ${#disk[@]} -gt 0 ] || [ -z "$(disk_of "$t")" ] || disk=(--disk "$(disk_of "$t")")
	done
	KVMNET_LAB_TIMEOUT=${KVMNET_LAB_TIMEOUT:-$budget} \
		"$here/run.sh" $quiet --nics "$nics" "${numa_opt[@]}" "${disk[@]}" --log "$log" "$here/suite.sh" "$@" || rc=$?
	out=$(readlink -f "$cache/runs/last")
	missing=()
	for t in "$@"; do
		name=$(basename "$t")
		# The serial console ends lines with CR LF.
		line=$(tr -d '\r' <"$log" | grep -a "^KVMNET-LAB-RESULT .* test=$t\$" | tail -n 1 || true)
		if [ -z "$line" ]; then
			missing+=("$t")
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
			failed_logs+=("$out/${name%.sh}.log")
			failed=$((failed + 1))
		fi
	done
	lab_rc=$rc lab_log=$log lab_qemu=$out/qemu.out
}

# One boot per (NICs, NUMA nodes), in that order.
for key in $(for t in "${tests[@]}"; do echo "$(nics_of "$t"):$(numa_of "$t")"; done | sort -t: -k1,1n -k2,2n -u); do
	nics=${key%:*} numa=${key#*:}
	group=()
	for t in "${tests[@]}"; do
		[ "$(nics_of "$t"):$(numa_of "$t")" != "$key" ] || group+=("$t")
	done
	boot "$nics" "$numa" "${group[@]}"
	# QEMU 10.0 under TCG now and then trips its own assertion
	# (iotlb_to_section) while a nested VM maps a VF: nothing a guest
	# does may make QEMU abort, so that is QEMU's bug, not the test's.
	# The tests it cut short get one fresh boot, said aloud; any other
	# death of the lab fails them at once.
	if [ ${#missing[@]} -gt 0 ] && grep -aq 'Assertion .* failed' "$lab_qemu" 2>/dev/null; then
		echo "run-all: QEMU aborted on its own assertion ($(grep -ao 'Assertion .* failed' "$lab_qemu" | head -n 1)); one more boot for the ${#missing[@]} test(s) it cut short" >&2
		boot "$nics" "$numa" "${missing[@]}"
	fi
	for t in "${missing[@]}"; do
		echo "FAIL $(basename "$t") (no result: the lab failed, run.sh exit $lab_rc; console $lab_log)"
		failed=$((failed + 1))
	done
done
# A CI run shows only the end of its output: the last lines each failed
# test logged (what it saw when it gave up) come right before the counts.
for f in "${failed_logs[@]}"; do
	echo "run-all: the last lines of $f:"
	tail -n 25 "$f" | cut -c1-400 | sed 's/^/    /'
done
echo "run-all: $(( $(date +%s) - t_start ))s in all" >&2
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
