#!/bin/bash
# kvmnetd on a fake igb host (tests/fixtures/sriov-igb-vfs, modelled) whose
# VMs come from libvirt's in-process test driver
# (tests/fixtures/libvirt-test/node.xml: vm-a and vm-b run): the real
# daemon, event loop, observation, decision and control socket, in
# --dry-run so that nothing is written.  The changes themselves are
# checked against the real kernel in the lab (tests/lab/t-kvmnetd.sh).
#   test-kvmnetd-dryrun.sh KVMNETD KVMNETCTL SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 src=$3
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch daemon
pid=
t_cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null; }
uri="test://$src/tests/fixtures/libvirt-test/node.xml"
fake_igb_host "$src" "$uri" "min_dwell = 2s"

# A configuration error names file and line, and the daemon does not start.
printf '[sriov]\npf = 0000:01:00.0\nthreshold = many\n' >"$T/bad.conf"
"$kvmnetd" --check-config -c "$T/bad.conf" 2>"$T/bad.err"
rc=$?
[ "$rc" = 2 ] || fail "bad config: exit $rc, expected 2"
grep -q "bad.conf:3: threshold" "$T/bad.err" || fail "bad config message: $(cat "$T/bad.err")"
printf '[sriov]\npf = 0000:01:00.0\n\nheadroom = lots\n' >"$T/bad2.conf"
"$kvmnetd" --check-config -c "$T/bad2.conf" 2>"$T/bad2.err"
rc=$?
[ "$rc" = 2 ] || fail "bad headroom: exit $rc, expected 2"
grep -q "bad2.conf:4: headroom: expected 'max' or a number of spare VFs (0-65535), got 'lots'" "$T/bad2.err" ||
	fail "bad headroom message: $(cat "$T/bad2.err")"
"$kvmnetd" --check-config -c "$T/kvmnetd.conf" >"$T/good.out" || fail "good config refused"
grep -q "configuration OK (1 PF(s), threshold 2, headroom max)" "$T/good.out" || fail "check-config: $(cat "$T/good.out")"
"$kvmnetd" --frobnicate 2>/dev/null; [ $? = 2 ] || fail "unknown option: not exit 2"

find "$T/root" -printf '%p %C@ %s\n' | sort >"$T/before"
"$kvmnetd" --foreground --dry-run -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log" &
pid=$!
serving() { grep -q "would attach" "$T/log" && [ -S "$T/sock" ]; }
wait_for 5 serving
cat "$T/log"
# vm-b started first (lower id): it is served first, and both get a free
# VF of the PF someone else split (numvfs 4 is left as it is); VF 1 is on
# igbvf, a host driver, and never taken.
grep -q "would attach PF 0000:01:00.0 VF 0 (0000:01:10.0) to VM vm-b" "$T/log" || fail "vm-b not given VF 0"
grep -q "would bind PF 0000:01:00.0 VF 2 (0000:01:10.4) to vfio-pci" "$T/log" || fail "VF 2 not bound for vm-a"
grep -q "would attach PF 0000:01:00.0 VF 2 (0000:01:10.4) to VM vm-a" "$T/log" || fail "vm-a not given VF 2"
grep -q "VF 1 " "$T/log" && fail "VF 1 (igbvf) was touched"
grep -q "numvfs" "$T/log" && fail "numvfs of a PF kvmnetd did not split was changed"
# VF 3 is left: a spare, even on a PF kvmnetd did not split (it would give it)
grep -q "dry run: split active: M1 2 (threshold 2), N1 2 VF(s), 1 spare (headroom max)" "$T/log" || fail "no summary line"

"$ctl" -c "$uri" status --json >"$T/status.json" || fail "kvmnetctl status failed"
[ "$(jq -r .daemon.running "$T/status.json")" = true ] || fail "status: daemon not seen"
[ "$(jq -r .daemon.view.mode "$T/status.json")" = active ] || fail "status: mode not active"
[ "$(jq -r .daemon.view.m1 "$T/status.json")" = 2 ] || fail "status: M1 not 2"
[ "$(jq -r .daemon.view.dry_run "$T/status.json")" = true ] || fail "status: dry run not shown"
# (a dry run asks libvirt for nothing: the attaches stay pending)
[ "$(jq -r '.daemon.view.vms | map(.path, .pending) | join(",")' "$T/status.json")" = vf-pending,attach,vf-pending,attach ] ||
	fail "status: VM paths: $(jq -c '.daemon.view.vms' "$T/status.json")"
[ "$(jq -r '[.daemon.view.headroom, .daemon.view.spare, .daemon.view.pfs[0].spare] | join(",")' "$T/status.json")" = max,1,1 ] ||
	fail "status: headroom, spare: $(jq -c '.daemon.view | [.headroom, .spare, .pfs[0].spare]' "$T/status.json")"
"$ctl" -c "$uri" status | grep -q "kvmnetd: split active (dry run)  M1 2 (threshold 2)  N1 2 VF(s), 1 spare" || fail "status table"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" = 0 ] || fail "SIGTERM: exit $rc"
grep -q "Received signal 15; stopping" "$T/log" || fail "no stop message"
[ -e "$T/sock" ] && fail "control socket left behind"
find "$T/root" -printf '%p %C@ %s\n' | sort >"$T/after"
cmp -s "$T/before" "$T/after" || fail "dry run changed the tree"
[ -e "$T/state/journal.json" ] && fail "dry run wrote a journal"

t_done "kvmnetd dry run"
