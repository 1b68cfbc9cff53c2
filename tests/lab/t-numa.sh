#!/bin/bash
# lab: nics=2 numa=2 timeout=900
# VFs on the VM's NUMA node (issue 14; plan.h N1-N4), on the real kernel:
# the lab boots with two NUMA nodes (run.sh --numa 2) and an igb PF behind
# a pxb-pcie expander bus on each, so the PFs' sysfs numa_node is 0 and 1.
# The nested VMs are bare (no OS) and paused, each with a <numatune> and a
# <vcpupin> on node 1.  Node 1's PF is split by hand to one VF (someone
# else's numvfs: kvmnetd gives its free VF, never resizes it), node 0's by
# kvmnetd to 7, so "node 1 full" needs only two VMs; with today's rule
# (legacy: the PF with the most VFs left) the first VM would get node 0's.
#   preferred: VM a gets node 1's VF; VM b, node 1 full, node 0's, and
#              status says remote (text and JSON)
#   required:  VM a gets node 1's VF; VM b waits on virtio, and status
#              says "numa: no free VF on node 1"; VM c, whose kvmnet
#              metadata says numa="preferred", gets node 0's
# Env: KVMNET_BUILD_DIR = the meson build dir.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

B=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}
K=$B/src/cli/kvmnetctl
NS=http://kvmnet.org/xmlns/domain/1.0
modprobe vfio-pci
lab_assert_eq 0-1 "$(cat /sys/devices/system/node/online)" "the lab has NUMA nodes 0 and 1"
mapfile -t pfs < <(lab_pfs)
[ "${#pfs[@]}" -ge 2 ] || lab_die "two igb PFs needed, found ${#pfs[@]}"
pf0= pf1=
for p in "${pfs[@]}"; do
	case $(cat "$LAB_PCI/$p/numa_node") in
		0) pf0=$p ;;
		1) pf1=$p ;;
	esac
done
lab_assert_ne "" "$pf0" "a PF has numa_node 0"
lab_assert_ne "" "$pf1" "a PF has numa_node 1"
[ -n "$pf0" ] && [ -n "$pf1" ] || lab_die "no PF on each node"
for p in "$pf0" "$pf1"; do
	ip link set "$(lab_pf_netdev "$p")" up
	lab_sriov_set "$p" 0
done
T=$(mktemp -d /var/tmp/kvmnet-lab-numa.XXXXXX)
export KVMNET_CTL_SOCKET=$T/sock
cpu1=$(cat /sys/devices/system/node/node1/cpulist)

lab_libvirt_start
# pinned NAME: a bare VM whose memory and vCPU are on node 1.
pinned() {
	local x=$T/$1.xml
	lab_vm_define "$1" 64
	virsh -q dumpxml --inactive "$1" >"$x"
	sed -i "s|<vcpu[^>]*>1</vcpu>|&<cputune><vcpupin vcpu='0' cpuset='$cpu1'/></cputune><numatune><memory mode='strict' nodeset='1'/></numatune>|" "$x"
	virsh -q define "$x" >/dev/null || lab_die "virsh define $1 with numatune failed"
}
for v in a b c; do pinned "$v"; done
virsh -q metadata c "$NS" --key kvmnet --config --set '<domain numa="preferred"/>' >/dev/null ||
	lab_die "virsh metadata c failed"

dpid=
lab_cleanup() {
	[ -z "$dpid" ] || kill "$dpid" 2>/dev/null || true
	cp "$T"/log.* "$T"/status.* "$LAB_OUT/" 2>/dev/null || true
	for v in a b c; do
		lab_vm_destroy "$v" 2>/dev/null || true
		lab_vm_undefine "$v" 2>/dev/null || true
	done
	for p in "${pfs[@]}"; do lab_sriov_set "$p" 0 2>/dev/null || true; done
}

# daemon POLICY: kvmnetd afresh, node 1's PF at one VF set by hand.
daemon() {
	rm -rf "$T/state"
	mkdir "$T/state"
	lab_sriov_set "$pf1" 1
	cat >"$T/kvmnetd.conf" <<-CONF
		[libvirt]
		uri = qemu:///system
		[sriov]
		pf = $pf0
		pf = $pf1
		threshold = 1
		numa = $1
		[daemon]
		state_dir = $T/state
	CONF
	"$B/kvmnetd" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log.$1" &
	dpid=$!
	lab_wait_for 30 "kvmnetd ($1) is up" grep -q "kvmnetd running" "$T/log.$1"
}
stop_all() {
	kill -TERM "$dpid"
	wait "$dpid" || true
	dpid=
	for v in a b c; do lab_vm_destroy "$v" 2>/dev/null || true; done
	lab_sriov_set "$pf0" 0
	lab_sriov_set "$pf1" 0
}
# holder_pf VM: the PF whose VF the VM holds, from libvirt's live XML.
holder_pf() {
	local a p k
	a=$(virsh -q dumpxml "$1" | sed -n "/<interface type='hostdev'/,/<\/interface>/s/.*<address type='pci' domain='0x\(....\)' bus='0x\(..\)' slot='0x\(..\)' function='0x\(.\)'.*/\1:\2:\3.\4/p" | head -n 1)
	[ -n "$a" ] || return 1
	for p in "$pf0" "$pf1"; do
		for k in $(lab_vfs "$p"); do [ "$k" != "$a" ] || echo "$p"; done
	done
}
has_vf() { [ -n "$(holder_pf "$1")" ]; }
# vm_json NAME: the VM in kvmnetd's view, over its control socket (what
# kvmnetctl status --json gives as .daemon.view, without the whole
# inventory kvmnetctl takes each time: slow under TCG).
vm_json() {
	timeout 10 perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
		print $s "status\n"; local $/; print <$s>;' "$T/sock" |
		jq -c --arg n "$1" '.vms[] | select(.name == $n)'
}
start() {
	virsh -q start --paused "$1" >/dev/null || lab_die "virsh start $1 failed"
}

lab_step "preferred: node 1's VF first, node 0's when node 1 is full"
daemon preferred
start a
lab_wait_for 120 "VM a has a VF" has_vf a
lab_assert_eq "$pf1" "$(holder_pf a)" "VM a (node 1) got node 1's VF"
start b
lab_wait_for 120 "VM b has a VF" has_vf b
lab_assert_eq "$pf0" "$(holder_pf b)" "VM b (node 1, node 1 full) got node 0's VF"
remote_b() { [ "$(vm_json b | jq -r .numa_remote)" = true ]; }
lab_wait_for 60 "kvmnetd's view has VM b remote" remote_b || true
"$K" status >"$T/status.preferred" 2>&1 || true
grep -a ' VM ' "$T/status.preferred" || cat "$T/status.preferred"
lab_assert_ok "status: VM a on node 1 with a VF on node 1" grep -Eq 'VM a .*, node 1, VF node 1$' "$T/status.preferred"
lab_assert_ok "status: VM b on node 1 with a VF on node 0, remote" \
	grep -Eq 'VM b .*, node 1, VF node 0 \(remote\)$' "$T/status.preferred"
j=$("$K" status --json | jq -c '.daemon.view.vms[] | select(.name == "b")')
echo "$j"
lab_assert_eq "1 0 true preferred" "$(jq -r '"\(.numa_node) \(.vf_numa_node) \(.numa_remote) \(.numa_policy)"' <<<"$j")" \
	"status --json: VM b node 1, VF node 0, remote"
lab_assert_ok "vm advise names VM b's node" sh -c "'$K' vm advise b | grep -q 'numa: node 1 .*its VF is on node 0 (remote)'"
stop_all

lab_step "required: node 1's VF or none; the metadata's policy wins"
daemon required
start a
lab_wait_for 120 "VM a has a VF" has_vf a
lab_assert_eq "$pf1" "$(holder_pf a)" "VM a (node 1) got node 1's VF"
start b
start c
lab_wait_for 120 "VM c has a VF" has_vf c
lab_assert_eq "$pf0" "$(holder_pf c)" "VM c (numa=\"preferred\" in its metadata) got node 0's VF"
waits_b() { [ "$(vm_json b | jq -r .waiting_for)" = numa ]; }
lab_wait_for 60 "kvmnetd's view has VM b waiting" waits_b || true
"$K" status >"$T/status.required" 2>&1 || true
grep -a ' VM ' "$T/status.required" || cat "$T/status.required"
lab_assert_ok "status says why VM b waits" \
	grep -Eq 'VM b +virtio .*waiting: numa: no free VF on node 1' "$T/status.required"
lab_assert_fails '' "VM b holds no VF" has_vf b
lab_assert_eq "numa required" "$(vm_json b | jq -r '"\(.waiting_for) \(.numa_policy)"')" "kvmnetd's view: VM b waits for numa"
lab_assert_ok "kvmnetd logged the wait" grep -q 'VM b stays on virtio: numa: no free VF on node 1' "$T/log.required"
stop_all
