#!/bin/bash
# kvmnetctl --timeout against a libvirtd that accepted the connection and
# does not answer:  run.sh test-cli-timeout.sh KVMNETCTL SOURCE_ROOT
#
# The private libvirtd of run.sh is stopped with SIGSTOP (its socket still
# accepts; nothing answers), as one wedged on a hung QEMU monitor would be.
# The host is a copy of tests/fixtures/sriov-igb-vfs (KVMNET_SYSROOT).
#  1. Healthy: status lists the running (paused) domain.
#  2. Stopped: showing commands return after about the timeout, say so once
#     on stderr and show the host part; changing commands (sriov set/reset,
#     vf bind, vm apply/team) exit 1 and change nothing (every file's
#     ctime under the fake tree, and the domain's definition, compared).
#     --timeout 0 waits for good, as kvmnetctl did before.
#  3. SIGCONT: everything answers again.
set -uo pipefail

ctl=$1 src=$2
uri=${KVMNET_TEST_URI:?run me through tests/libvirt/run.sh}
ldir=${KVMNET_TEST_DIR:?run me through tests/libvirt/run.sh}
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch cli-timeout
lpid= forever=
t_cleanup() {
	[ -z "$forever" ] || kill -KILL "$forever" 2>/dev/null
	[ -z "$lpid" ] || kill -CONT "$lpid" 2>/dev/null
	wait 2>/dev/null
}
v() { virsh -q -c "$uri" "$@"; }
ms() { local t=$EPOCHREALTIME; echo $((${t/./} / 1000)); }

cp -a "$src/tests/fixtures/sriov-igb-vfs" "$T/root" || exit 1
export KVMNET_SYSROOT=$T/root KVMNET_CTL_SOCKET=$T/no-kvmnetd.sock
unset KVMNET_LIBVIRT_TIMEOUT
stamp() { find "$T/root" -printf '%p %C@\n' | sort >"$1"; }

# run NAME RC CMD...: kvmnetctl at $uri, stdout/stderr in $T/NAME.out/.err,
# its time in ms in $took; a different exit status fails.
run() {
	local name=$1 want=$2 t0 rc
	shift 2
	t0=$(ms)
	"$ctl" -c "$uri" "$@" >"$T/$name.out" 2>"$T/$name.err"
	rc=$?
	took=$(($(ms) - t0))
	echo "$name: exit $rc in $took ms"
	[ "$rc" = "$want" ] || fail "$name: exit $rc, want $want: $(cat "$T/$name.err")"
}
# within NAME LOW HIGH: the last run took LOW to HIGH ms.
within() {
	[ "$took" -ge "$2" ] && [ "$took" -lt "$3" ] || fail "$1 took $took ms, want $2 to $3"
}
# said NAME TEXT: stderr is exactly one line, and it has TEXT.
said() {
	[ "$(wc -l <"$T/$1.err")" = 1 ] || fail "$1: want one line on stderr: $(cat "$T/$1.err")"
	grep -qF -- "$2" "$T/$1.err" || fail "$1: stderr without '$2': $(cat "$T/$1.err")"
}

cat >"$T/net.xml" <<'XML'
<network><name>kvmnet-to</name><bridge name='kvtobr0' stp='off'/></network>
XML
cat >"$T/dom.xml" <<'XML'
<domain type='qemu'>
  <name>kvmnet-to</name>
  <memory unit='MiB'>64</memory>
  <vcpu placement='static'>2</vcpu>
  <features><acpi/></features>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <interface type='network'>
      <mac address='52:54:00:70:00:01'/>
      <source network='kvmnet-to'/>
      <model type='e1000'/>
    </interface>
    <interface type='network'>
      <mac address='52:54:00:70:00:02'/>
      <source network='kvmnet-to'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
XML
libvirt_start_paused "$T/net.xml" "$T/dom.xml" kvmnet-to
v dumpxml --inactive kvmnet-to >"$T/def.before"

# 1. Healthy.
run healthy 0 --timeout 2 status
grep -q "^VM kvmnet-to " "$T/healthy.out" || fail "healthy status: no VM: $(cat "$T/healthy.out")"
[ -s "$T/healthy.err" ] && fail "healthy status: stderr: $(cat "$T/healthy.err")"

# 2. libvirtd stopped.
lpid=$(cat "$ldir/run/libvirtd.pid")
kill -STOP "$lpid"
stamp "$T/stamp.before"
msg="libvirt $uri did not answer within 2 s"

run status 0 --timeout 2 status
within status 1900 4000
said status "kvmnetctl status: $msg; VM holders unknown"
grep -q "^PF  0000:01:00.0 " "$T/status.out" || fail "status: no PF: $(cat "$T/status.out")"
grep -qE "^    0 +0000:01:10.0 +vfio-pci .* unknown$" "$T/status.out" ||
	fail "status: VF 0's holder not unknown: $(cat "$T/status.out")"
grep -qF "VMs and the VFs they hold: unknown ($msg)" "$T/status.out" ||
	fail "status: VMs not unknown: $(cat "$T/status.out")"

run json 0 --timeout 2 status --json
within json 1900 4000
jq -e . "$T/json.out" >/dev/null || fail "status --json: not JSON"
grep -qF "$msg" "$T/json.out" || fail "status --json: no reason: $(cat "$T/json.out")"

KVMNET_LIBVIRT_TIMEOUT=1 run env 0 status
within env 900 3000
said env "within 1 s"
KVMNET_LIBVIRT_TIMEOUT=1 run env-ms 0 --timeout 1500ms status
within env-ms 1400 3500
said env-ms "within 1.5 s"

run check 1 --timeout 2 check
within check 1900 4000
said check "kvmnetctl check: $msg; the libvirt check fails"
grep -E "^FAIL +libvirt +host " "$T/check.out" | grep -qF "$msg" || fail "check: no libvirt FAIL: $(cat "$T/check.out")"
grep -q "fix: see why libvirtd does not answer" "$T/check.out" || fail "check: fix: $(cat "$T/check.out")"

run sriov-show 0 --timeout 2 sriov show enp1s0
within sriov-show 1900 4000
said sriov-show "cannot tell which VMs hold VFs: $msg"
grep -qE "^  0 +0000:01:10.0 +vfio-pci .* unknown$" "$T/sriov-show.out" ||
	fail "sriov show: holder not unknown: $(cat "$T/sriov-show.out")"

run sriov-set 1 --timeout 2 sriov set enp1s0 2
within sriov-set 1900 4000
grep -qF "cannot tell which VMs hold VFs: $msg" "$T/sriov-set.err" || fail "sriov set: $(cat "$T/sriov-set.err")"
grep -q "refusing to change the VF count blind; nothing changed" "$T/sriov-set.err" ||
	fail "sriov set: no refusal: $(cat "$T/sriov-set.err")"
run sriov-reset 1 --timeout 2 sriov reset 0000:01:00.0
grep -q "refusing" "$T/sriov-reset.err" || fail "sriov reset: no refusal: $(cat "$T/sriov-reset.err")"

run vf-bind 1 --timeout 2 vf bind enp1s0 2 vfio-pci
within vf-bind 1900 4000
said vf-bind "kvmnetctl vf: cannot tell which VMs hold VFs: $msg; VF 2 left as it is"

run vm-show 1 --timeout 2 vm show kvmnet-to
within vm-show 1900 4000
said vm-show "kvmnetctl vm show: $msg"
run vm-advise 1 --timeout 2 vm advise --all
said vm-advise "kvmnetctl vm advise: $msg"
run vm-apply 1 --timeout 2 vm apply kvmnet-to
within vm-apply 1900 4000
said vm-apply "kvmnetctl vm apply: $msg; nothing changed"
[ -s "$T/vm-apply.out" ] && fail "vm apply printed a diff: $(cat "$T/vm-apply.out")"
run vm-team 1 --timeout 2 vm team kvmnet-to
said vm-team "kvmnetctl vm team: $msg; nothing changed"

stamp "$T/stamp.after"
cmp -s "$T/stamp.before" "$T/stamp.after" ||
	fail "the fake tree changed: $(diff "$T/stamp.before" "$T/stamp.after" | head)"

# --timeout 0: no limit, the wait of old.
"$ctl" -c "$uri" --timeout 0 status >"$T/forever.out" 2>&1 &
forever=$!
sleep 3
kill -0 "$forever" 2>/dev/null || fail "--timeout 0 did not wait: $(cat "$T/forever.out")"

# 3. libvirtd runs again.
kill -CONT "$lpid"
lpid=
wait "$forever" || fail "--timeout 0: exit $? once libvirtd answered"
forever=
grep -q "^VM kvmnet-to " "$T/forever.out" || fail "--timeout 0: no VM: $(cat "$T/forever.out")"
run again 0 --timeout 2 status
grep -q "^VM kvmnet-to " "$T/again.out" || fail "status after SIGCONT: no VM: $(cat "$T/again.out")"
[ -s "$T/again.err" ] && fail "status after SIGCONT: stderr: $(cat "$T/again.err")"
run sriov-show-again 0 --timeout 2 sriov show enp1s0
grep -qE "^  0 +0000:01:10.0 +vfio-pci .* -$" "$T/sriov-show-again.out" ||
	fail "sriov show after SIGCONT: $(cat "$T/sriov-show-again.out")"
run vf-bind-again 0 --timeout 2 vf bind enp1s0 0 vfio-pci
run vm-apply-dry 0 --timeout 2 vm apply --dry-run kvmnet-to
grep -q '^+ .*<driver name=' "$T/vm-apply-dry.out" || fail "vm apply --dry-run: $(cat "$T/vm-apply-dry.out")"
v dumpxml --inactive kvmnet-to >"$T/def.after"
cmp -s "$T/def.before" "$T/def.after" || fail "the definition changed: $(diff "$T/def.before" "$T/def.after")"

grep -lE "LeakSanitizer|AddressSanitizer|runtime error" "$T"/*.err "$T/forever.out" && fail "sanitizer report"
v destroy kvmnet-to >/dev/null
v undefine kvmnet-to >/dev/null
t_done "kvmnetctl --timeout with a stopped libvirtd"
