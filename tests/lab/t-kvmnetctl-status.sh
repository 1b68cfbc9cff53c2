#!/bin/bash
# lab: nics=2
#
# kvmnetctl status --json and check --json against the real kernel: two
# emulated igb (82576) PFs with 7 VFs each, VFs made driverless, one bound
# to vfio-pci, its MAC and VLAN set on the PF, then given to a nested VM
# by libvirt.  sysfs, ip and virsh are the oracle; kvmnet must agree.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

K=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}/src/cli/kvmnetctl
[ -x "$K" ] || lab_die "$K is missing: build kvmnet first"
st() { "$K" status --json; }
modprobe vfio-pci

lab_step "both PFs, as the kernel has them"
mapfile -t pfs < <(lab_pfs)
[ "${#pfs[@]}" -ge 2 ] || lab_die "need two igb PFs (--nics 2)"
pf=${pfs[0]}
dev=$(lab_pf_netdev "$pf")
ip link set "$dev" up
st >"$LAB_OUT/status-0.json"
for p in "${pfs[@]}"; do
	lab_assert_eq 7 "$(jq -r --arg a "$p" '.nics[] | select(.address == $a) | .sriov.totalvfs' "$LAB_OUT/status-0.json")" "$p totalvfs in status"
	lab_assert_eq igb "$(jq -r --arg a "$p" '.nics[] | select(.address == $a) | .driver' "$LAB_OUT/status-0.json")" "$p driver in status"
	lab_assert_eq "$(lab_iommu_group "$p")" "$(jq -r --arg a "$p" '.nics[] | select(.address == $a) | .iommu_group' "$LAB_OUT/status-0.json")" "$p IOMMU group in status"
done
# igb asks for its MSI-X vectors when the interface is up.
want=$(ls "$LAB_PCI/$pf/msi_irqs" | sort -n | tr '\n' ' ')
got=$(jq -r --arg a "$pf" '.nics[] | select(.address == $a) | .interrupts[].irq' "$LAB_OUT/status-0.json" | sort -n | tr '\n' ' ')
lab_assert_eq "$want" "$got" "$pf vectors in status = msi_irqs"
lab_assert_match "$dev" "$(jq -r --arg a "$pf" '.nics[] | select(.address == $a) | .interrupts[0].name' "$LAB_OUT/status-0.json")" "vector named after $dev"

lab_step "3 driverless VFs, one on vfio-pci"
echo 0 >"$LAB_PCI/$pf/sriov_drivers_autoprobe"
echo 3 >"$LAB_PCI/$pf/sriov_numvfs"
mapfile -t vfs < <(lab_vfs "$pf")
lab_bind_vfio "${vfs[0]}"
ip link set "$dev" vf 0 mac 52:54:00:4b:10:00 vlan 42
st >"$LAB_OUT/status-1.json"
q() { jq -r --arg a "$pf" ".nics[] | select(.address == \$a) | $1" "$LAB_OUT/status-1.json"; }
lab_assert_eq 3 "$(q .sriov.numvfs)" "numvfs in status"
lab_assert_eq false "$(q .sriov.drivers_autoprobe)" "autoprobe off in status"
lab_assert_eq "${vfs[*]}" "$(q '.sriov.vfs[].address' | tr '\n' ' ' | sed 's/ $//')" "VF addresses in status"
lab_assert_eq vfio-pci "$(q '.sriov.vfs[0].driver')" "VF 0 driver in status"
lab_assert_eq null "$(q '.sriov.vfs[1].driver')" "VF 1 driverless in status"
for i in 0 1 2; do
	lab_assert_eq "$(lab_iommu_group "${vfs[$i]}")" "$(q ".sriov.vfs[$i].iommu_group")" "VF $i IOMMU group"
	lab_assert_eq 0 "$(q ".sriov.vfs[$i].iommu_peers | length")" "VF $i alone in its group"
done
# MAC and VLAN as rtnetlink reports them, checked against ip link.
lab_assert_eq 52:54:00:4b:10:00 "$(q '.sriov.vfs[0].mac')" "VF 0 MAC over rtnetlink"
lab_assert_eq 42 "$(q '.sriov.vfs[0].vlan')" "VF 0 VLAN over rtnetlink"
lab_assert_match 'vf 0 .*52:54:00:4b:10:00.*vlan 42' "$(ip link show "$dev")" "ip link agrees"

lab_step "check --json on the lab host"
"$K" check --json >"$LAB_OUT/check.json" || true
c() { jq -r --arg id "$1" --arg s "$2" '.[] | select(.id == $id and (.subject | startswith($s))) | .status' "$LAB_OUT/check.json" | head -n 1; }
lab_assert_eq PASS "$(c iommu-acpi host)" "check: DMAR table"
lab_assert_eq PASS "$(c iommu-active host)" "check: IOMMU active"
lab_assert_eq PASS "$(c iommu-cmdline host)" "check: intel_iommu=on"
lab_assert_eq PASS "$(c iommu-pt host)" "check: iommu=pt"
lab_assert_eq PASS "$(c vfio-pci host)" "check: vfio-pci"
lab_assert_eq PASS "$(c nic-sriov "$pf")" "check: $pf SR-IOV capable"
lab_assert_eq PASS "$(c nic-sriov "${pfs[1]}")" "check: ${pfs[1]} SR-IOV capable"
lab_assert_eq PASS "$(c nic-vf-groups "$pf")" "check: VFs alone in their groups"

lab_step "a VF held by a nested VM shows its holder"
lab_libvirt_start
lab_vm_define holder1
lab_vm_start holder1
lab_vf_attach holder1 "${vfs[1]}" 52:54:00:4b:10:01 || lab_die "attach failed"
st >"$LAB_OUT/status-2.json"
lab_assert_eq holder1 "$(jq -r --arg a "$pf" '.nics[] | select(.address == $a) | .sriov.vfs[1].held_by' "$LAB_OUT/status-2.json")" "VF 1 held by holder1"
lab_assert_eq null "$(jq -r --arg a "$pf" '.nics[] | select(.address == $a) | .sriov.vfs[2].held_by' "$LAB_OUT/status-2.json")" "VF 2 free"
lab_assert_eq "${vfs[1]}" "$(jq -r '.vms[] | select(.name == "holder1") | .nics[] | select(.type == "hostdev") | .pci_address' "$LAB_OUT/status-2.json")" "holder1 lists the VF"
# The engine refuses to go through 0 under a running VM's VF, naming it.
lab_assert_fails "held by running VM holder1" "sriov set refused, naming holder1" "$K" sriov set "$pf" 2
lab_assert_eq 3 "$(cat "$LAB_PCI/$pf/sriov_numvfs")" "numvfs untouched"

lab_vm_destroy holder1
lab_vm_undefine holder1
echo 0 >"$LAB_PCI/$pf/sriov_numvfs"
echo 1 >"$LAB_PCI/$pf/sriov_drivers_autoprobe"
