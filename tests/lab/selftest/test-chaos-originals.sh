#!/bin/bash
# t-chaos.sh's end-of-run check of [irq] and [tune] originals
# (tests/lab/chaos-originals.sh), on a fake root (no lab): from a journal
# as kvmnetd writes it, every original is found, the first reading of a
# key wins, and a file that does not hold its original after the revert
# is a violation, one a file; a vector that is gone is left out.
set -u
top=${1:?usage: test-chaos-originals.sh SRCROOT}
. "$top/tests/lab/chaos-originals.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
violation() { echo "$1 $2" >>"$T/violations"; }

journal() { # journal IRQ32 LATENCY: a journal of kvmnetd's shape
	cat <<-EOF
		{ "version": 1, "active": true, "below_since_us": 0,
		  "pfs": [ { "pf": "0000:01:00.0", "numvfs_changed": true, "numvfs": 0, "autoprobe": 1,
		             "vfs": [ { "index": 0, "driver_override": null, "mac": "AA:00:00:00:00:01" } ] } ],
		  "attached": [],
		  "originals": { "tune:/sys/kernel/debug/sched/latency_ns": "$2",
		                 "/proc/irq/32/smp_affinity_list": "$1",
		                 "/proc/irq/33/smp_affinity_list": "0-1",
		                 "/proc/irq/99/smp_affinity_list": "0-1",
		                 "irqbalance": "running" } }
	EOF
}
journal 0-1 12000000 >"$T/j1.json"
# a later kvmnetd, after a revert and a restart, found other values
journal 1 4000000 >"$T/j2.json"
{ chaos_journal_originals "$T/j1.json"; chaos_journal_originals "$T/j2.json"; } >"$T/all" ||
	fail "the journal does not read"
chaos_originals_first "$T/all" >"$T/first"
want=$(printf '%s\n' 'pf 0000:01:00.0 changed true numvfs 0 autoprobe 1' \
	'vf 0000:01:00.0 0 override (null)' 'vf 0000:01:00.0 0 mac aa:00:00:00:00:01' \
	'orig tune:/sys/kernel/debug/sched/latency_ns	"12000000"' \
	'orig /proc/irq/32/smp_affinity_list	"0-1"' 'orig /proc/irq/33/smp_affinity_list	"0-1"' \
	'orig /proc/irq/99/smp_affinity_list	"0-1"' 'orig irqbalance	"running"')
[ "$(cat "$T/first")" = "$want" ] || { fail "originals read:"; diff <(echo "$want") "$T/first"; }

# check ROOT: the violations' keys, one a line, in $v
check() {
	: >"$T/violations"
	chaos_originals_check "$T/first" "$1"
	v=$(cut -d' ' -f1 "$T/violations" | tr '\n' ' ')
}
R=$T/root
mkdir -p "$R/proc/irq/32" "$R/proc/irq/33" "$R/sys/kernel/debug/sched"
echo 0-1 >"$R/proc/irq/32/smp_affinity_list"
echo 0-1 >"$R/proc/irq/33/smp_affinity_list"
echo 12000000 >"$R/sys/kernel/debug/sched/latency_ns"
check "$R"
[ -z "$v" ] || fail "all restored, yet: $v"
[ "$ORIG_IRQ $ORIG_TUNE" = "2 1" ] || fail "checked $ORIG_IRQ IRQs, $ORIG_TUNE knobs; want 2 (99 is gone) and 1"

echo 1 >"$R/proc/irq/32/smp_affinity_list"
echo 32000000 >"$R/sys/kernel/debug/sched/latency_ns"
check "$R"
[ "$v" = "revert:/sys/kernel/debug/sched/latency_ns revert:/proc/irq/32/smp_affinity_list " ] ||
	fail "an IRQ and a knob not restored: violations '$v'"
grep -q "holds '1', the journal's original '0-1'" "$T/violations" || fail "the detail: $(cat "$T/violations")"

[ "$fails" = 0 ] && echo "ok: chaos originals" || exit 1
