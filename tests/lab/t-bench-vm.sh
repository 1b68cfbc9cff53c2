#!/bin/bash
# lab: nics=1 timeout=1800
#
# kvmnetctl bench between two nested VMs running Linux, on virtio and on
# VFs, and between a VM and the lab host; and what a VF looks like from
# inside a Linux guest: hot-plugged by libvirt, it appears on the guest's
# PCI bus and igbvf makes it an interface with the MAC libvirt set on the
# PF; a live unplug completes because the guest agrees to it (PCIe
# hotplug), and the PF gets the VF's MAC back.  Each VM has its virtio NIC on
# the lab bridge (198.51.100.0/24) and a VF of the one igb PF, hot-plugged
# and driven by igbvf inside (203.0.113.0/24); QEMU's igb switches traffic
# between two VFs of one PF itself (VMDq loopback), so one NIC is enough.
# bench runs iperf3 inside the VMs through the QEMU guest agent
# (guest-exec).  Checked: every path carries traffic (mean > 0), each
# result keeps its label, --compare merges them and writes the SVG, and no
# iperf3 is left running anywhere.  Which path is faster is not checked:
# TCG emulates both, so the numbers say nothing about real hardware; they
# are printed as LAB-RATE lines.
# Slow: two nested VMs boot at once under TCG inside TCG (3 to 5 minutes),
# then each iperf3 run costs 15 to 30 s; about 10 minutes in all.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

K=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}/src/cli/kvmnetctl
[ -x "$K" ] || lab_die "$K not found: build kvmnet first"
t_scenario=$(lab_now)
pf=$(lab_pfs | head -n 1)
[ -n "$pf" ] || lab_die "no igb PF"
dev=$(lab_pf_netdev "$pf")
A=lab-bench-a
B=lab-bench-b
VF_MAC_A=52:54:00:4b:0a:01
VF_MAC_B=52:54:00:4b:0b:01
HOST_VIRTIO=198.51.100.1 A_VIRTIO=198.51.100.11 B_VIRTIO=198.51.100.12
HOST_VF=203.0.113.1 A_VF=203.0.113.11 B_VF=203.0.113.12
out=$LAB_OUT/bench
mkdir -p "$out"

# Run at exit however the test ends (lib.sh), and once at the end.
lab_cleanup() {
	local vm
	for vm in $A $B; do
		virsh -q destroy "$vm" >/dev/null 2>&1
		virsh -q undefine "$vm" >/dev/null 2>&1
	done
	ip addr del "$HOST_VIRTIO/24" dev "$LAB_BRIDGE" 2>/dev/null
	ip addr del "$HOST_VF/24" dev "$dev" 2>/dev/null
	lab_sriov_set "$pf" 0
}

lab_step "libvirt, two nested VMs running Linux, booting at once"
ip link set "$dev" up
lab_libvirt_start
lab_bridge_ensure
# The host's own addresses: on the bridge (virtio side) and on the PF,
# which reaches the VFs through the NIC's switch too.
ip addr add "$HOST_VIRTIO/24" dev "$LAB_BRIDGE"
ip addr add "$HOST_VF/24" dev "$dev"
LAB_VM_CMDLINE="kvmnet.ip=$(lab_vm_mac $A)=$A_VIRTIO/24 kvmnet.ip=$VF_MAC_A=$A_VF/24" \
	lab_vm_define $A 192 linux
LAB_VM_CMDLINE="kvmnet.ip=$(lab_vm_mac $B)=$B_VIRTIO/24 kvmnet.ip=$VF_MAC_B=$B_VF/24" \
	lab_vm_define $B 192 linux
t_vm=$(lab_now)
virsh -q start $A >/dev/null || lab_die "virsh start $A failed"
virsh -q start $B >/dev/null || lab_die "virsh start $B failed"
lab_sriov_set "$pf" 2
lab_vm_wait_console $A '^KVMNET-NESTED-READY' 1200 "VM $A booted"
lab_vm_wait_console $B '^KVMNET-NESTED-READY' 1200 "VM $B booted"
lab_time vm_boot_two_linux "$(lab_since "$t_vm")"
lab_vm_wait_agent $A 300
lab_vm_wait_agent $B 300
lab_time vm_agents_two_linux "$(lab_since "$t_vm")"
lab_assert_match "^KVMNET-NESTED-IP eth0 $A_VIRTIO/24" "$(tr -d '\r' <"$(lab_vm_console $A)")" \
	"virtio address of $A from the kernel command line"

lab_step "a VF of $dev into each VM, addressed when igbvf brings it up"
t0=$(lab_now)
lab_assert_ok "attach VF 0 to $A" lab_vf_attach $A "$(lab_vf "$pf" 0)" $VF_MAC_A
lab_assert_ok "attach VF 1 to $B" lab_vf_attach $B "$(lab_vf "$pf" 1)" $VF_MAC_B
lab_vm_wait_console $A "^KVMNET-NESTED-IP eth[0-9]+ $A_VF/24" 180 "VF of $A up with $A_VF"
lab_vm_wait_console $B "^KVMNET-NESTED-IP eth[0-9]+ $B_VF/24" 180 "VF of $B up with $B_VF"
lab_assert_match "vf 1 .*link/ether $VF_MAC_B" "$(ip link show "$dev")" "ip link show $dev: VF 1 has the MAC of $B's VF"
lab_vm_wait_console $B "^KVMNET-NESTED-PCI add .* 8086:10ca" 30 "VF on the PCI bus inside $B" || true
lab_vm_wait_console $B "^KVMNET-NESTED-NET add eth[0-9]+ $VF_MAC_B" 30 "igbvf interface with $VF_MAC_B inside $B" || true
lab_time vf_attach_to_address "$(lab_since "$t0")"
# Cheap reachability first (no guest agent), so that a broken path shows
# up as such rather than as a failed benchmark.
for ip in $A_VIRTIO $B_VIRTIO $A_VF $B_VF; do
	lab_wait_for 60 "the lab host reaches $ip" busybox ping -c 1 -W 5 "$ip"
done

# bench_check FILE LABEL: FILE is bench's JSON, has LABEL, and every result
# has a mean above zero; prints the means as LAB-RATE lines.
bench_check() {
	local json=$1 label=$2
	lab_assert_ok "$json is JSON" jq -e . "$json"
	lab_assert_ok "label $label in $json" \
		jq -e --arg l "$label" 'any(.. | strings; . == $l)' "$json"
	lab_assert_eq true "$(jq '[.. | objects | select(has("mean_bps")) | .mean_bps] |
		length > 0 and all(. > 0)' "$json" 2>&1)" "every path of $label carries traffic (mean_bps > 0)"
	jq -r --arg l "$label" '.. | objects | select(has("mean_bps")) |
		"LAB-RATE \($l)_\(.proto // "all")=\(.mean_bps / 1e6 * 1000 | round / 1000)Mbit/s" +
		" (min \(.min_bps / 1e6 * 1000 | round / 1000), max \(.max_bps / 1e6 * 1000 | round / 1000))"' \
		"$json" 2>/dev/null || true
}
# bench LABEL OUTFILE ARGS...: one kvmnetctl bench run, timed.
bench() {
	local label=$1 json=$2 t0 rc=0
	shift 2
	t0=$(lab_now)
	lab_log "kvmnetctl bench $* --label $label -r 2 -t 3 --json"
	timeout 900 "$K" bench "$@" --label "$label" -r 2 -t 3 --json >"$json" 2>"$json.err" || rc=$?
	lab_time "bench_$label" "$(lab_since "$t0")"
	sed 's/^/    stderr: /' "$json.err"
	lab_assert_eq 0 "$rc" "kvmnetctl bench --label $label exit status"
	bench_check "$json" "$label"
}

lab_step "bench $A -> $B over virtio"
bench virtio "$out/virtio.json" --from vm:$A --to vm:$B@$B_VIRTIO
lab_step "bench $A -> $B over their VFs"
bench vf "$out/vf.json" --from vm:$A --to vm:$B@$B_VF
lab_step "bench lab host -> $A over virtio (TCP only)"
bench host-vm "$out/host-vm.json" --from host --to vm:$A@$A_VIRTIO -P tcp

lab_step "bench --compare"
svg=$LAB_OUT/bench.svg
rm -f "$svg"
lab_assert_ok "bench --compare virtio vf host-vm --svg" \
	"$K" bench --compare "$out/virtio.json" "$out/vf.json" "$out/host-vm.json" --svg "$svg"
"$K" bench --compare "$out/virtio.json" "$out/vf.json" "$out/host-vm.json" || true
lab_assert_ok "$svg written" test -s "$svg"
lab_assert_match '<svg' "$(head -c 4096 "$svg" 2>/dev/null)" "$svg"
for label in virtio vf host-vm; do
	lab_assert_match "$label" "$(cat "$svg" 2>/dev/null)" "label $label in $svg"
done
"$K" bench --compare "$out/virtio.json" "$out/vf.json" --json >"$out/compare.json" || true
for label in virtio vf; do
	lab_assert_ok "label $label kept by --compare --json" \
		jq -e --arg l "$label" 'any(.. | strings; . == $l)' "$out/compare.json"
done

lab_step "no iperf3 left behind"
lab_assert_nomatch 'iperf3' "$(pgrep -a -x iperf3 || true)" "iperf3 processes in the lab host"
for vm in $A $B; do
	ps_out=$(lab_vm_exec "$vm" 120 ps) || lab__fail "ps in $vm through the guest agent failed"
	lab_assert_nomatch 'iperf3' "$ps_out" "iperf3 processes in $vm"
done

lab_step "live unplug of the VF of $B, agreed by the guest"
t0=$(lab_now)
lab_assert_ok "virsh detach-device $B (VF 1)" lab_vf_detach $B "$(lab_vf "$pf" 1)" $VF_MAC_B
# The MAC alone is also in the kernel command line (kvmnet.ip=): look for
# the interface element.
lab_wait_for 90 "VF gone from the live XML of $B" \
	bash -c "! virsh dumpxml $B | grep -q \"<mac address='$VF_MAC_B'\"" || true
lab_time vf_detach "$(lab_since "$t0")"
lab_vm_wait_console $B "^KVMNET-NESTED-PCI remove .* 8086:10ca" 60 "VF gone from the PCI bus inside $B" || true
lab_vm_wait_console $B "^KVMNET-NESTED-NET remove eth[0-9]+ $VF_MAC_B" 60 "igbvf interface gone from $B" || true
lab_assert_nomatch "vf 1 .*link/ether $VF_MAC_B" "$(ip link show "$dev")" "MAC of VF 1 restored on $dev"
lab_assert_eq running "$(lab_vm_state $B)" "state of $B after the unplug"

lab_step "clean up"
lab_cleanup
unset -f lab_cleanup
lab_time scenario "$(lab_since "$t_scenario")"
