#!/bin/bash
# lab: nics=2
#
# The kernel and libvirt facts kvmnet is built on, checked on the lab's real
# Debian 6.1 kernel with two emulated igb (82576) NICs, in one boot:
# totalvfs, driverless VFs, EBUSY on a nonzero change, vfio-pci binding,
# IOMMU groups, igb vectors, and a VF hot-plugged into a nested VM by
# libvirt with its MAC and VLAN set on the PF, then unplugged.
#
# sysfs, ip and virsh are the oracle here, on purpose: these are the facts
# kvmnet's own code will be compared against.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

t_scenario=$(lab_now)

lab_step "igb physical functions"
mapfile -t pfs < <(lab_pfs)
lab_assert_eq 2 "${#pfs[@]}" "number of igb PFs"
[ "${#pfs[@]}" -ge 2 ] || lab_die "need two igb PFs; is the lab booted with --nics 2?"
for pf in "${pfs[@]}"; do
	lab_assert_eq 7 "$(cat "$LAB_PCI/$pf/sriov_totalvfs")" "$pf sriov_totalvfs"
	lab_assert_eq 0 "$(cat "$LAB_PCI/$pf/sriov_numvfs")" "$pf sriov_numvfs at boot"
	lab_assert_ne none "$(lab_iommu_group "$pf")" "$pf IOMMU group"
done
pf=${pfs[0]}
pf2=${pfs[1]}
dev=$(lab_pf_netdev "$pf")
lab_assert_match '^eth[0-9]+$' "$dev" "netdev of $pf"
# libvirt refuses a hostdev interface whose PF is down; igb also requests
# its queue vectors only when the interface is up.
ip link set "$dev" up

lab_step "VFs without a driver (sriov_drivers_autoprobe=0)"
echo 0 >"$LAB_PCI/$pf/sriov_drivers_autoprobe"
t0=$(lab_now)
echo 3 >"$LAB_PCI/$pf/sriov_numvfs"
lab_time vf_create_3 "$(lab_since "$t0")"
lab_assert_eq 3 "$(cat "$LAB_PCI/$pf/sriov_numvfs")" "$pf sriov_numvfs"
mapfile -t vfs < <(lab_vfs "$pf")
lab_assert_eq 3 "${#vfs[@]}" "virtfn links of $pf"
[ "${#vfs[@]}" = 3 ] || lab_die "cannot go on without 3 VFs"
for vf in "${vfs[@]}"; do
	lab_assert_eq none "$(lab_driver "$vf")" "driver of VF $vf"
	lab_assert_eq "0x8086:0x10ca" \
		"$(cat "$LAB_PCI/$vf/vendor"):$(cat "$LAB_PCI/$vf/device")" "IDs of VF $vf (82576 VF)"
	lab_assert_eq "$pf" "$(basename "$(readlink -f "$LAB_PCI/$vf/physfn")")" "physfn of $vf"
done

lab_step "a nonzero change of sriov_numvfs is refused"
lab_assert_fails 'Device or resource busy' "writing 2 while 3 VFs exist (EBUSY)" \
	bash -c "echo 2 >$LAB_PCI/$pf/sriov_numvfs"
lab_assert_eq 3 "$(cat "$LAB_PCI/$pf/sriov_numvfs")" "$pf sriov_numvfs after the refusal"

lab_step "binding a VF to vfio-pci (driver_override + drivers_probe)"
lab_bind_vfio "${vfs[0]}"
lab_assert_eq vfio-pci "$(lab_driver "${vfs[0]}")" "driver of ${vfs[0]}"
g=$(lab_iommu_group "${vfs[0]}")
lab_assert_ok "/dev/vfio/$g is a character device" test -c "/dev/vfio/$g"

lab_step "IOMMU groups: one per VF"
declare -A seen=()
for vf in "${vfs[@]}"; do
	g=$(lab_iommu_group "$vf")
	lab_assert_ne none "$g" "IOMMU group of $vf"
	lab_assert_eq "" "${seen[$g]:-}" "group $g not shared with another VF"
	seen[$g]=$vf
	lab_assert_eq 1 "$(ls "/sys/kernel/iommu_groups/$g/devices" | wc -l)" "devices in group $g"
	lab_assert_ne "$(lab_iommu_group "$pf")" "$g" "group of $vf differs from the PF's"
done

lab_step "igb vectors (msi_irqs, /proc/interrupts, /proc/irq)"
mapfile -t irqs < <(ls "$LAB_PCI/$pf/msi_irqs" | sort -n)
lab_assert_ne 0 "${#irqs[@]}" "number of MSI-X vectors of $pf"
lab_log "$pf vectors: ${irqs[*]}"
named=0
for irq in "${irqs[@]}"; do
	line=$(grep -E "^ *$irq:" /proc/interrupts || true)
	lab_assert_match "^ *$irq:" "$line" "IRQ $irq in /proc/interrupts"
	case "$line" in *"$dev"*) named=$((named + 1)) ;; esac
	lab_assert_ok "/proc/irq/$irq/smp_affinity_list exists" test -e "/proc/irq/$irq/smp_affinity_list"
done
lab_assert_ne 0 "$named" "vectors named after $dev in /proc/interrupts"
grep -E "$dev" /proc/interrupts | sed 's/^/    /'

lab_step "the second PF: all 7 VFs, then none"
t0=$(lab_now)
lab_sriov_set "$pf2" 7
lab_time vf_create_7 "$(lab_since "$t0")"
lab_assert_eq 7 "$(lab_vfs "$pf2" | wc -l)" "VFs of $pf2"
t0=$(lab_now)
lab_sriov_set "$pf2" 0
lab_time vf_destroy_7 "$(lab_since "$t0")"
lab_assert_eq 0 "$(lab_vfs "$pf2" | wc -l)" "VFs of $pf2 after numvfs=0"

lab_step "libvirt: a nested VM"
# A bare VM (no OS) keeps this test within a few minutes; with
# KVMNET_LAB_NESTED=linux the VM boots Linux and the VF is also checked
# from inside it (2 to 3 minutes more).
kind=${KVMNET_LAB_NESTED:-bare}
lab_libvirt_start
vm=lab-vm1
lab_vm_define "$vm" 160 "$kind"
lab_vm_start "$vm"
lab_assert_eq running "$(lab_vm_state "$vm")" "state of $vm"

lab_step "libvirt: hot-plug VF 1 with a MAC and a VLAN"
vf=${vfs[1]}
mac=52:54:00:aa:00:01
vlan=42
t0=$(lab_now)
lab_assert_ok "virsh attach-device $vm (VF $vf)" lab_vf_attach "$vm" "$vf" "$mac" "$vlan"
lab_time vf_attach "$(lab_since "$t0")"
xml=$(virsh dumpxml "$vm")
lab_assert_match "<interface type='hostdev' managed='yes'>" "$xml" "live XML of $vm"
lab_assert_match "<mac address='$mac'/>" "$xml" "live XML of $vm"
lab_assert_match "<tag id='$vlan'/>" "$xml" "live XML of $vm"
lab_assert_eq vfio-pci "$(lab_driver "$vf")" "driver of $vf while attached"
lab_assert_match "vf 1 .*link/ether $mac.*vlan $vlan" "$(ip link show "$dev")" "ip link show $dev"
if [ "$kind" = linux ]; then
	lab_vm_wait_console "$vm" "^KVMNET-NESTED-PCI add .* 8086:10ca" 90 "VF seen on the PCI bus inside $vm" || true
fi

lab_step "libvirt: unplug the VF"
t0=$(lab_now)
lab_assert_ok "virsh detach-device $vm (VF $vf)" lab_vf_detach "$vm" "$vf" "$mac" "$vlan"
if [ "$kind" = linux ]; then
	lab_wait_for 90 "VF gone from the live XML of $vm" \
		bash -c "! virsh dumpxml $vm | grep -q $mac" || true
	lab_time vf_detach "$(lab_since "$t0")"
	lab_vm_wait_console "$vm" "^KVMNET-NESTED-PCI remove .* 8086:10ca" 60 \
		"VF gone from the PCI bus inside $vm" || true
	lab_assert_nomatch "vf 1 .*link/ether $mac" "$(ip link show "$dev")" "MAC of VF 1 restored on $dev"
else
	# An unplug needs the guest's consent; with no OS to give it, libvirt
	# returns after its timeout and the VF stays in the VM until it stops.
	# kvmnet must expect such pending unplugs.
	lab_time vf_detach_request "$(lab_since "$t0")"
	lab_assert_match "<mac address='$mac'/>" "$(virsh dumpxml "$vm")" \
		"VF still in the live XML of the bare $vm (unplug pending)"
fi

lab_step "stopping the VM releases the VF"
lab_vm_destroy "$vm"
lab_assert_eq "shut off" "$(lab_vm_state "$vm")" "state of $vm"
lab_assert_nomatch "vf 1 .*link/ether $mac" "$(ip link show "$dev")" "MAC of VF 1 restored on $dev"
lab_log "driver of $vf after release: $(lab_driver "$vf")"
lab_vm_undefine "$vm"

lab_step "numvfs=0 removes the VFs"
lab_sriov_set "$pf" 0
lab_assert_eq 0 "$(lab_vfs "$pf" | wc -l)" "VFs of $pf after numvfs=0"

lab_time scenario "$(lab_since "$t_scenario")"
