#!/bin/bash
# lab: nics=1 disk=64M
#
# Host tuning on the real 6.1 kernel, by kvmnetd ([tune] sched,
# io_scheduler, cgroups, on_stop = revert) and by kvmnetctl tune
# apply/revert, each original read back byte for byte afterwards:
#   - the CFS knobs on debugfs (/sys/kernel/debug/sched/{min,wakeup}_
#     granularity_ns, latency_ns): 4000000, 4000000, 32000000 applied;
#   - the lab's virtio-blk disk (run.sh --disk), the disk of a nested VM
#     (<disk type='block'> on /dev/vdX): its queue/scheduler from none to
#     mq-deadline, found by following the VM's disk;
#   - that VM's own cgroup (libvirt with the memory and blkio controllers
#     on cgroup2: lab_libvirt_start cgroups): <memtune> hard 1536 MiB /
#     soft 1024 MiB are memory.max / memory.high, <blkiotune> on the disk
#     is an io.max line; all three lifted to max, then given back.
# The VM is bare and paused: it only has to hold a cgroup and a disk.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

B=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}
KVMNETD=$B/kvmnetd K=$B/src/cli/kvmnetctl
[ -x "$KVMNETD" ] && [ -x "$K" ] || lab_die "$KVMNETD or $K is missing: build kvmnet first"
VM=tune-vm
T=$(mktemp -d /var/tmp/kvmnet-lab-tune.XXXXXX)
dpid=
lab_cleanup() {
	[ -z "$dpid" ] || { kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null; }
	declare -F v1_cleanup >/dev/null && v1_cleanup
	virsh -q destroy "$VM" >/dev/null 2>&1
	virsh -q undefine "$VM" >/dev/null 2>&1
	rm -rf "$T"
}

disk=$(lab_disk) || lab_die "no lab disk: run with run.sh --disk (header disk=)"
dev=/dev/$disk
majmin=$(cat "/sys/block/$disk/dev")
SCHED=/sys/kernel/debug/sched
QUEUE=/sys/block/$disk/queue/scheduler
lab_assert_ok "debugfs has the 6.1 CFS knobs" test -e $SCHED/min_granularity_ns -a -e $SCHED/wakeup_granularity_ns -a -e $SCHED/latency_ns
# Start from a scheduler that is not the deadline one, so there is an
# original to give back (virtio-blk defaults to none; say so).
echo none >"$QUEUE"
lab_assert_match '^\[none\] mq-deadline' "$(cat "$QUEUE")" "$QUEUE offers mq-deadline, none in use"

lab_step "cgroup v1 memory limits: kvmnetctl tune apply / revert"
# The kernel takes memory.memsw.limit_in_bytes only at or above
# memory.limit_in_bytes (EINVAL otherwise): apply lifts memsw first, so
# revert must lower the memory limit first.  Real v1 files: the lab's
# cgroup2 has no controller enabled yet, so memory can be mounted as a v1
# hierarchy (before libvirt enables it on v2 below, and unmounted again).
# kvmnetctl sees it through a root (KVMNET_SYSROOT) of real mounts (the
# v1 hierarchy, debugfs) and a stand-in VM: libvirt's pid file and that
# pid's /proc/PID/cgroup naming the VM's scope.  No process is put in the
# v1 cgroup: memory it charged would keep the removed cgroup, and so the
# v1 hierarchy, alive, and libvirt could not have memory on cgroup2.
R=$T/v1root
V1=$R/sys/fs/cgroup/memory
scope="$V1/machine.slice/machine-qemu\x2d1\x2dvmv1.scope"
mkdir -p "$V1" "$R/proc/4242" "$R/sys/kernel/debug" "$R/run/libvirt/qemu"
# An earlier test's libvirt may have enabled memory on cgroup2: take it
# back (refused while a child cgroup uses it; then the mount says so).
echo -memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
mount -t cgroup -o memory kvmnet-v1 "$V1" ||
	lab_die "cannot mount the memory controller as cgroup v1 (cgroup2 root has: $(cat /sys/fs/cgroup/cgroup.subtree_control))"
mount --bind /sys/kernel/debug "$R/sys/kernel/debug"
v1_cleanup() {
	rmdir "$scope" "$V1/machine.slice" 2>/dev/null
	umount "$R/sys/kernel/debug" "$V1" 2>/dev/null
	return 0
}
mkdir -p "$scope"
echo 4242 >"$R/run/libvirt/qemu/vmv1.pid"
printf '%s\n' "6:memory:/machine.slice/machine-qemu\x2d1\x2dvmv1.scope" "0::/" >"$R/proc/4242/cgroup"
echo 2147483648 >"$scope/memory.limit_in_bytes"
if [ -e "$scope/memory.memsw.limit_in_bytes" ]; then
	echo 3221225472 >"$scope/memory.memsw.limit_in_bytes"
	v1files="memory.limit_in_bytes memory.memsw.limit_in_bytes"
	v1orig=$(cd "$scope" && cat $v1files | tr '\n' ' ')
	lab_assert_eq "2147483648 3221225472 " "$v1orig" "v1 limits set (memory, memsw)"
	S1=$T/v1-state.json
	lab_assert_ok "kvmnetctl tune apply on v1" env KVMNET_SYSROOT="$R" "$K" tune apply --state "$S1"
	lab_assert_match '^9223372036854771712 9223372036854771712 $' "$(cd "$scope" && cat $v1files | tr '\n' ' ')" "v1 limits lifted (-1)"
	lab_assert_ok "kvmnetctl tune revert on v1" env KVMNET_SYSROOT="$R" "$K" tune revert --state "$S1"
	lab_assert_eq "$v1orig" "$(cd "$scope" && cat $v1files | tr '\n' ' ')" "v1 limits given back"
else
	lab_assert_ok "memory.memsw.limit_in_bytes exists (swap accounting)" false
fi
v1_cleanup
lab_wait_for 20 "memory back on cgroup2 after the v1 hierarchy is gone" grep -qw memory /sys/fs/cgroup/cgroup.controllers || true

lab_step "a VM with a cgroup of its own, limits set by libvirt"
lab_libvirt_start cgroups
cat >"$T/$VM.xml" <<XML
<domain type='qemu'>
  <name>$VM</name>
  <memory unit='MiB'>64</memory>
  <memtune>
    <hard_limit unit='MiB'>1536</hard_limit>
    <soft_limit unit='MiB'>1024</soft_limit>
  </memtune>
  <blkiotune>
    <device><path>$dev</path><read_bytes_sec>1048576</read_bytes_sec><write_iops_sec>100</write_iops_sec></device>
  </blkiotune>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source dev='$dev'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
XML
virsh -q define "$T/$VM.xml" >/dev/null || lab_die "virsh define $VM failed"
virsh -q start --paused "$VM" >/dev/null || lab_die "virsh start $VM failed"
qpid=$(cat "/run/libvirt/qemu/$VM.pid")
cgpath=$(sed -n 's/^0:://p' "/proc/$qpid/cgroup")
lab_log "QEMU $qpid in cgroup $cgpath"
# libvirt's cgroupfs layout: /machine/qemu-N-NAME.libvirt-qemu/libvirt/...
vmcg=/sys/fs/cgroup$(printf '%s\n' "$cgpath" | sed -n 's|^\(.*/[^/]*\.libvirt-qemu\).*|\1|p')
lab_assert_match "^/sys/fs/cgroup/machine/qemu-[0-9]+-$VM\.libvirt-qemu\$" "$vmcg" "the VM's own cgroup"
lab_assert_eq 1610612736 "$(cat "$vmcg/memory.max")" "memory.max from <hard_limit>"
lab_assert_eq 1073741824 "$(cat "$vmcg/memory.high")" "memory.high from <soft_limit>"
lab_assert_match "^$majmin rbps=1048576 wbps=max riops=max wiops=100\$" "$(cat "$vmcg/io.max")" "io.max from <blkiotune>"

# Every file either side may touch, whole, as found: the oracle.
knobs="$SCHED/min_granularity_ns $SCHED/wakeup_granularity_ns $SCHED/latency_ns $QUEUE"
for d in $(find "$vmcg" -type d); do
	for f in memory.high memory.max io.max; do
		[ -e "$d/$f" ] && knobs="$knobs $d/$f"
	done
done
snapshot() { for f in $knobs; do printf '%s\t' "$f"; base64 -w0 <"$f"; echo; done; }
snapshot >"$T/orig"
lab_log "originals: $(for f in $SCHED/*granularity_ns $SCHED/latency_ns; do printf '%s=%s ' "${f##*/}" "$(cat "$f")"; done)"
# applied: the values apply must leave (io.max: no line left for the disk).
applied() {
	[ "$(cat $SCHED/min_granularity_ns)" = 4000000 ] &&
		[ "$(cat $SCHED/wakeup_granularity_ns)" = 4000000 ] &&
		[ "$(cat $SCHED/latency_ns)" = 32000000 ] &&
		grep -q '\[mq-deadline\]' "$QUEUE" &&
		[ "$(cat "$vmcg/memory.max")" = max ] && [ "$(cat "$vmcg/memory.high")" = max ] &&
		! grep -q "^$majmin " "$vmcg/io.max"
}
# as_found: every knob byte for byte as before; the diff otherwise.
as_found() {
	snapshot >"$T/now"
	diff <(base64_lines "$T/orig") <(base64_lines "$T/now")
}
show_knobs() { snapshot >"$T/now"; base64_lines "$T/now" | sed 's/^/    now: /'; }
base64_lines() { while IFS=$'\t' read -r f b; do printf '%s: %s\n' "$f" "$(printf '%s' "$b" | base64 -d | tr '\n' '|')"; done <"$1"; }

lab_step "kvmnetd [tune] with on_stop = revert"
mkdir "$T/state"
cat >"$T/kvmnetd.conf" <<CONF
[libvirt]
uri = qemu:///system
[sriov]
pf = $(lab_pf_netdev "$(lab_pfs | head -n 1)")
threshold = 16
[daemon]
state_dir = $T/state
on_stop = revert
[tune]
sched = yes
io_scheduler = yes
cgroups = yes
CONF
"$KVMNETD" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$LAB_OUT/tune-kvmnetd.log" &
dpid=$!
lab_wait_for 90 "kvmnetd applied every knob" applied || show_knobs
J=$T/state/journal.json
for f in $SCHED/min_granularity_ns $SCHED/wakeup_granularity_ns $SCHED/latency_ns "$vmcg/memory.max" "$vmcg/memory.high"; do
	lab_assert_eq "$(base64_lines "$T/orig" | sed -n "s|^$f: \(.*\)|\1|p" | tr -d '|')" \
		"$(jq -r --arg k "tune:$f" '.originals[$k]' "$J" 2>/dev/null)" "journal keeps the original of $f"
done
lab_assert_eq none "$(jq -r --arg k "tune:$QUEUE" '.originals[$k]' "$J" 2>/dev/null)" "journal keeps $QUEUE's original"
lab_assert_eq "rbps=1048576 wbps=max riops=max wiops=100" \
	"$(jq -r --arg k "tune:$vmcg/io.max $majmin" '.originals[$k]' "$J" 2>/dev/null)" "journal keeps the io.max line"
lab_assert_eq running "$(lab_vm_state "$VM" | sed 's/paused/running/')" "the VM runs on (paused as started)"
kill -TERM "$dpid"
rc=0
wait "$dpid" || rc=$?
dpid=
lab_assert_eq 0 "$rc" "kvmnetd exit status after SIGTERM"
lab_assert_ok "on_stop = revert gave back every original byte for byte" as_found
lab_assert_eq 0 "$(jq '[.originals | keys[] | select(startswith("tune:"))] | length' "$J")" "no tune original left in the journal"
sed 's/^/    kvmnetd: /' "$LAB_OUT/tune-kvmnetd.log" | grep -E 'Tune |restored|tune:' | head -n 20

lab_step "kvmnetctl tune apply / revert on the same knobs"
S=$T/tune-state.json
"$K" tune show --state "$S" --disk "$disk" >"$LAB_OUT/tune-show-before.txt" 2>&1 || true
lab_assert_ok "kvmnetctl tune apply --disk $disk" "$K" tune apply --state "$S" --disk "$disk"
lab_assert_ok "kvmnetctl tune applied every knob" applied
applied || show_knobs
"$K" tune show --state "$S" --disk "$disk" >"$LAB_OUT/tune-show-applied.txt" 2>&1 || true
lab_assert_match "$vmcg/memory.max" "$(cat "$LAB_OUT/tune-show-applied.txt")" "tune show lists the VM's memory.max"
lab_assert_eq 1536 "$(( $(jq -r --arg p "$vmcg/memory.max" '.entries[] | select(.path == $p) | .original' "$S" 2>/dev/null || echo 0) / 1048576 ))" "state file keeps memory.max's original"
lab_assert_ok "kvmnetctl tune revert" "$K" tune revert --state "$S"
lab_assert_ok "kvmnetctl tune revert gave back every original byte for byte" as_found
lab_assert_ok "the state file is gone with the last original" test ! -e "$S"
lab_assert_eq running "$(lab_vm_state "$VM" | sed 's/paused/running/')" "the VM runs on"
