#!/bin/bash
# The newcomer's demo, run inside the lab by tools/demo.sh: two igb PFs,
# kvmnetd with threshold 2, three nested VMs started one by one, then two
# stopped.  Prints kvmnetd's own log lines as they happen, and between the
# steps what the kernel and libvirt show.  Not a test (run-all.sh runs
# t-*.sh only), but it fails loudly if the daemon does not do its job.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

B=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}
[ -x "$B/kvmnetd" ] || lab_die "$B/kvmnetd is missing: build kvmnet first"
modprobe vfio-pci
mapfile -t pfs < <(lab_pfs)
for p in "${pfs[@]}"; do ip link set "$(lab_pf_netdev "$p")" up; done

show() {
	lab_step "$1"
	for p in "${pfs[@]}"; do
		echo "  PF $p ($(lab_pf_netdev "$p")): $(cat "$LAB_PCI/$p/sriov_numvfs") VF(s)"
	done
	for vm in demo1 demo2 demo3; do
		[ "$(lab_vm_state "$vm")" = running ] || { echo "  VM $vm: not running"; continue; }
		vfs=$(virsh -q dumpxml "$vm" | grep -c "<interface type='hostdev'" || true)
		echo "  VM $vm: running, $vfs VF(s)"
	done
	"$B/src/cli/kvmnetctl" status | sed -n '/^kvmnetd:/,$p' | sed 's/^/  /'
}
wait_log() { lab_wait_for "$1" "$2" grep -q -- "$3" "$LAB_OUT/kvmnetd.log"; }

lab_libvirt_start
for vm in demo1 demo2 demo3; do lab_vm_define "$vm"; done
mkdir -p /etc/kvmnet /var/lib/kvmnet-demo
{
	echo "[libvirt]"
	echo "uri = qemu:///system"
	echo "[sriov]"
	for p in "${pfs[@]}"; do echo "pf = $p"; done
	echo "threshold = 2"
	echo "vfs_per_vm = 1"
	echo "min_dwell = 10s"
	echo "[daemon]"
	echo "state_dir = /var/lib/kvmnet-demo"
} >/etc/kvmnet/kvmnetd.conf
lab_step "kvmnetd.conf"
sed 's/^/  /' /etc/kvmnet/kvmnetd.conf

: >"$LAB_OUT/kvmnetd.log"
"$B/kvmnetd" --foreground -c /etc/kvmnet/kvmnetd.conf 2>"$LAB_OUT/kvmnetd.log" &
kvmnetd=$!
tail -n +1 -f --pid=$kvmnetd "$LAB_OUT/kvmnetd.log" | sed -u 's/^/  kvmnetd| /' &
trap 'kill $kvmnetd 2>/dev/null || true' EXIT
wait_log 30 "kvmnetd is up" "kvmnetd running"

virsh -q start demo1 >/dev/null
sleep 3
show "one VM: below the threshold, nothing changes"

virsh -q start demo2 >/dev/null
wait_log 120 "VFs attached to demo1 and demo2" "to VM demo2 with MAC"
sleep 2
show "two VMs: the split starts, each VM gets a VF, the rest are spares"

virsh -q start demo3 >/dev/null
# The split made spare VFs (headroom = max, the default: each PF's
# sriov_totalvfs), so demo3 takes one at once and numvfs does not change:
# growing a PF now would go through 0 and destroy the VFs demo1 and demo2
# hold.  With `headroom = 0` demo3 would stay on virtio (pf-busy).
wait_log 120 "kvmnetd's answer for demo3" "VM demo3 \(stays on virtio\|with MAC\)"
sleep 2
show "three VMs: demo3 takes a spare VF, numvfs unchanged"

virsh -q destroy demo2 >/dev/null
virsh -q destroy demo3 >/dev/null
sleep 3
show "two VMs stopped: one runs, below the threshold; the split ends after min_dwell (10 s)"
# demo1 has no OS to acknowledge the unplug of its VF, so the detach may
# stay pending until it stops; kvmnetd then waits rather than pull the VF.
if ! grep -q "sriov_numvfs to 0" "$LAB_OUT/kvmnetd.log"; then
	lab_wait_for 30 "the detach request for demo1" grep -q "detach .*VM demo1" "$LAB_OUT/kvmnetd.log" || true
	sleep 5
	show "after min_dwell: kvmnetd asked demo1 to release its VF"
	grep -q "sriov_numvfs to 0" "$LAB_OUT/kvmnetd.log" || {
		lab_log "demo1's guest did not release the VF; stopping demo1 releases it"
		virsh -q destroy demo1 >/dev/null
	}
fi
wait_log 120 "the split ended" "sriov_numvfs to 0"
sleep 2
show "the split has ended"

kill -TERM $kvmnetd
wait $kvmnetd || true
virsh -q destroy demo1 >/dev/null 2>&1 || true
lab_step "demo done"
