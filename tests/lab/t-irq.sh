#!/bin/bash
# lab: nics=1
#
# kvmnetctl irq show/pin on the real igb driver: the PF's MSI-X vectors as
# msi_irqs/ lists them, pinned through /proc/irq and read back.  The lab's
# IOMMU does interrupt remapping (intremap=on), so the effective affinity
# follows at once.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

K=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}/src/cli/kvmnetctl
[ -x "$K" ] || lab_die "$K is missing: build kvmnet first"
mapfile -t pfs < <(lab_pfs)
pf=${pfs[0]}
dev=$(lab_pf_netdev "$pf")
# igb requests its queue vectors when the interface comes up.
ip link set "$dev" up
want=$(ls "$LAB_PCI/$pf/msi_irqs" | sort -n | tr '\n' ' ')

lab_step "irq show"
"$K" irq show "$dev" --json >"$LAB_OUT/irq-show.json"
lab_assert_eq "$want" "$(jq -r '.nics[0].vectors[].irq' "$LAB_OUT/irq-show.json" | sort -n | tr '\n' ' ')" "vectors = msi_irqs"
lab_assert_match "$dev" "$(jq -r '.nics[0].vectors[0].name' "$LAB_OUT/irq-show.json")" "named after $dev"

for cpu in 1 0; do
	lab_step "irq pin $dev $cpu"
	lab_assert_ok "pin to CPU $cpu" "$K" irq pin "$dev" "$cpu"
	for irq in $want; do
		lab_assert_eq "$cpu" "$(cat /proc/irq/$irq/smp_affinity_list)" "irq $irq smp_affinity_list"
		lab_assert_eq "$cpu" "$(cat /proc/irq/$irq/effective_affinity_list)" "irq $irq effective"
	done
done
lab_assert_fails "CPU|cpu|expected" "a CPU that does not exist is refused" "$K" irq pin "$dev" 64
