#!/bin/bash
# lab: nics=1
# kvmnetd's /metrics on the real kernel and libvirt: threshold 1, one
# nested VM of kind bare (no OS, paused: nothing runs in it), so kvmnetd
# splits the igb PF and attaches a VF.  Then /metrics must show that VF
# held by lab-metrics-vm (kvmnet_vf_info), the attach counted, the start-to-attach
# time observed, and for every VF the kernel's IFLA_VF_STATS counters,
# read over rtnetlink on the scrape (igb has no ndo_get_vf_stats: the
# kernel sends zeros, so this checks the path and the format, not the
# counting).  promtool checks the text.
# Env: KVMNET_BUILD_DIR = the meson build dir.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

B=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}
modprobe vfio-pci
pf=$(lab_pfs | head -n 1)
[ -n "$pf" ] || lab_die "no igb PF"
netdev=$(lab_pf_netdev "$pf")
ip link set "$netdev" up
T=$(mktemp -d /var/tmp/kvmnet-lab-metrics.XXXXXX)

lab_libvirt_start
lab_vm_define lab-metrics-vm
mkdir "$T/state"
cat >"$T/kvmnetd.conf" <<CONF
[libvirt]
uri = qemu:///system
[sriov]
pf = $netdev
threshold = 1
headroom = 1
[daemon]
state_dir = $T/state
on_stop = revert
[metrics]
listen = 127.0.0.1:9469
CONF
"$B/kvmnetd" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log" &
dpid=$!
# Not a trap of its own: lib.sh's EXIT trap counts the failures.
lab_cleanup() {
	kill "$dpid" 2>/dev/null || true
	cp "$T/log" "$LAB_OUT/kvmnetd-metrics.log" 2>/dev/null || true
}
lab_wait_for 30 "kvmnetd serves metrics" sh -c "curl -sf http://127.0.0.1:9469/metrics >/dev/null"

lab_vm_start lab-metrics-vm
lab_wait_for 120 "lab-metrics-vm got a VF" grep -q "attach PF .* VF .* to VM lab-metrics-vm with MAC" "$T/log"
curl -sf http://127.0.0.1:9469/metrics >"$T/metrics"
cp "$T/metrics" "$LAB_OUT/metrics.txt"
grep -E '^kvmnet_(vf_info|pf_vfs|vf_receive_bytes|vf_transmit_dropped|actions_applied_total\{action="attach"|start_to_attach_seconds_count)' \
	"$T/metrics" | sed 's/^/  /'
lab_assert_ok "promtool check metrics" sh -c "promtool check metrics <'$T/metrics'"
lab_assert_match "kvmnet_vf_info\\{pf=\"[^\"]+\",vf=\"[0-9]+\",address=\"[0-9a-f:.]+\",domain=\"lab-metrics-vm\",holder=\"kvmnet\"\\} 1" \
	"$(cat "$T/metrics")" "the VF shown held by lab-metrics-vm"
lab_assert_match 'kvmnet_actions_applied_total\{action="attach"\} 1' "$(cat "$T/metrics")" "the attach counted"
lab_assert_match 'kvmnet_start_to_attach_seconds_count 1' "$(cat "$T/metrics")" "the start-to-attach time observed"
numvfs=$(cat "/sys/bus/pci/devices/$pf/sriov_numvfs")
for c in receive_bytes transmit_bytes receive_packets transmit_packets receive_broadcast_packets \
	receive_multicast_packets receive_dropped_packets transmit_dropped_packets; do
	lab_assert_eq "$numvfs" "$(grep -c "^kvmnet_vf_${c}_total{pf=" "$T/metrics" || true)" \
		"kvmnet_vf_${c}_total for each of the $numvfs VFs (IFLA_VF_STATS from the kernel)"
done
lab_assert_eq "$numvfs" "$(sed -n "s/^kvmnet_pf_numvfs{pf=\"[^\"]*\",address=\"$pf\"} //p" "$T/metrics")" \
	"kvmnet_pf_numvfs is sysfs' sriov_numvfs"

lab_vm_destroy lab-metrics-vm
kill -TERM "$dpid"
wait "$dpid" && rc=0 || rc=$?
lab_assert_eq 0 "$rc" "kvmnetd stopped cleanly"
