#!/bin/bash
# lab: nics=1
#
# A VF seen from inside a nested VM that runs Linux (Debian's generic
# kernel and nested-init.sh): hot-plugged by libvirt, it appears on the
# VM's PCI bus and igbvf makes it a network interface with the MAC libvirt
# set on the PF; a live unplug completes because the guest agrees to it
# (PCIe hotplug), and the PF gets the VF's MAC back.  The PCI IDs and the
# MAC the guest reports on its console are the oracle.
# Slow: the nested VM boots under TCG inside TCG (2 to 3 minutes), so
# this test has its own boot (one NIC) and t-kernel-sriov.sh stays quick.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

t_scenario=$(lab_now)
pf=$(lab_pfs | head -n 1)
[ -n "$pf" ] || lab_die "no igb PF"
dev=$(lab_pf_netdev "$pf")
ip link set "$dev" up

lab_step "libvirt and a nested VM running Linux"
lab_libvirt_start
vm=lab-linux1
lab_vm_define "$vm" 160 linux
# Start it first: its boot is the long pole; the VF is made meanwhile.
virsh -q start "$vm" >/dev/null || lab_die "virsh start $vm failed"
t_vm=$(lab_now)
lab_sriov_set "$pf" 2
vf=$(lab_vf "$pf" 1)
lab_vm_wait_console "$vm" '^KVMNET-NESTED-READY' 300 "VM $vm booted"
lab_time vm_boot_linux "$(lab_since "$t_vm")"

lab_step "hot-plug VF 1"
mac=52:54:00:aa:01:01
t0=$(lab_now)
lab_assert_ok "virsh attach-device $vm (VF $vf)" lab_vf_attach "$vm" "$vf" "$mac" 7
lab_time vf_attach "$(lab_since "$t0")"
lab_assert_match "vf 1 .*link/ether $mac.*vlan 7" "$(ip link show "$dev")" "ip link show $dev"
lab_vm_wait_console "$vm" "^KVMNET-NESTED-PCI add .* 8086:10ca" 90 "VF on the PCI bus inside $vm" || true
lab_vm_wait_console "$vm" "^KVMNET-NESTED-NET add eth[0-9]+ $mac" 90 "igbvf interface with $mac inside $vm" || true

lab_step "live unplug, agreed by the guest"
t0=$(lab_now)
lab_assert_ok "virsh detach-device $vm (VF $vf)" lab_vf_detach "$vm" "$vf" "$mac" 7
lab_wait_for 90 "VF gone from the live XML of $vm" \
	bash -c "! virsh dumpxml $vm | grep -q $mac" || true
lab_time vf_detach "$(lab_since "$t0")"
lab_vm_wait_console "$vm" "^KVMNET-NESTED-PCI remove .* 8086:10ca" 60 "VF gone from the PCI bus inside $vm" || true
lab_vm_wait_console "$vm" "^KVMNET-NESTED-NET remove eth[0-9]+ $mac" 60 "igbvf interface gone from $vm" || true
lab_assert_nomatch "vf 1 .*link/ether $mac" "$(ip link show "$dev")" "MAC of VF 1 restored on $dev"
lab_assert_eq running "$(lab_vm_state "$vm")" "state of $vm after the unplug"

lab_step "clean up"
lab_vm_destroy "$vm"
lab_vm_undefine "$vm"
lab_sriov_set "$pf" 0
lab_time scenario "$(lab_since "$t_scenario")"
