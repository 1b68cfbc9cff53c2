#!/bin/bash
# lab: nics=1
# A failover pair end to end, in the lab guest (QEMU igb, 82576 with 7
# VFs), as root: a nested VM's virtio NIC is made the persistent member
# with `kvmnetctl vm team`, the VM is started, and kvmnetd (threshold 1)
# attaches a VF as the transient member with the virtio NIC's MAC.
# virsh (live XML) and `ip link` are the oracle.
#
# Env: KVMNET_BUILD_DIR = the meson build dir (required);
#      KVMNET_LAB_URI = libvirt URI (default qemu:///system);
#      KVMNET_LAB_KERNEL, KVMNET_LAB_INITRD = a kernel and initramfs for the
#      nested VM (optional: without them it runs paused with no OS, which
#      is enough for libvirt and QEMU to take the pair; the guest side of
#      the failover, net_failover, then is not exercised).
# Sources tests/lab/lib.sh when it is there, for the lab's own helpers;
# uses none of them, so that it also runs alone.
# Prints "ok N - ..." / "not ok N - ..." lines and exits 1 if any check
# failed, 77 if there is no igb SR-IOV PF here.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
[ -r "$here/lib.sh" ] && . "$here/lib.sh"
B=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}
K=$B/src/cli/kvmnetctl
D=$B/kvmnetd
URI=${KVMNET_LAB_URI:-qemu:///system}
DOM=kvmnet-team
MAC=52:54:00:4b:03:01
ALIAS=ua-kvmnet-5254004b0301
n=0 failed=0
T=$(mktemp -d /var/tmp/kvmnet-team.XXXXXX) || exit 1
dpid=

ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -s "$T/out" ] && sed 's/^/#   /' "$T/out"
}
check() { local desc=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$desc"; else nok "$desc"; fi; }
v() { virsh -q -c "$URI" "$@"; }
cleanup() {
	[ -n "$dpid" ] && kill -TERM "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	v destroy "$DOM" >/dev/null 2>&1
	v undefine "$DOM" >/dev/null 2>&1
	ip link del kvtbr0 2>/dev/null
	[ -n "${PF:-}" ] && "$K" sriov reset "$PF" --force >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

PF=
for d in /sys/class/net/*; do
	[ -e "$d/device/sriov_totalvfs" ] || continue
	[ "$(basename "$(readlink "$d/device/driver")")" = igb ] || continue
	PF=$(basename "$d")
	break
done
[ -n "$PF" ] || { echo "# no igb SR-IOV PF"; exit 77; }
modprobe vfio-pci 2>/dev/null
if ! v version >/dev/null 2>&1; then
	# A bare lab guest: start the daemons libvirt needs ourselves.
	virtlogd -d 2>/dev/null
	libvirtd -d 2>/dev/null
	for _ in $(seq 50); do v version >/dev/null 2>&1 && break; sleep 0.2; done
fi
v version >/dev/null 2>&1 || { echo "not ok 1 - libvirt at $URI is unreachable"; exit 1; }
"$K" sriov reset "$PF" --force >/dev/null 2>&1

os="<type arch='x86_64' machine='q35'>hvm</type>"
if [ -n "${KVMNET_LAB_KERNEL:-}" ] && [ -n "${KVMNET_LAB_INITRD:-}" ]; then
	os="$os<kernel>$KVMNET_LAB_KERNEL</kernel><initrd>$KVMNET_LAB_INITRD</initrd>"
	os="$os<cmdline>console=ttyS0 panic=-1</cmdline>"
fi
# A plain bridge for the virtio member: a libvirt network would want
# firewall rules, which the lab's kernel (no nftables) cannot load.
[ -e /sys/class/net/kvtbr0 ] || { ip link add kvtbr0 type bridge && ip link set kvtbr0 up; }
cat >"$T/dom.xml" <<XML
<domain type='qemu'>
  <name>$DOM</name>
  <memory unit='MiB'>256</memory>
  <vcpu placement='static'>1</vcpu>
  <features><acpi/></features>
  <os>$os</os>
  <devices>
    <interface type='bridge'>
      <mac address='$MAC'/>
      <source bridge='kvtbr0'/>
      <model type='virtio'/>
    </interface>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
    <serial type='file'><source path='$T/console.log'/></serial>
  </devices>
</domain>
XML
check "bridge kvtbr0 up" test -e /sys/class/net/kvtbr0
check "domain defined" v define "$T/dom.xml"

# The persistent member, in the persistent definition.
check "vm team $DOM" "$K" -c "$URI" vm team "$DOM"
check "definition: teaming persistent" sh -c "virsh -q -c '$URI' dumpxml --inactive $DOM | grep -q \"<teaming type='persistent'/>\""
check "definition: alias $ALIAS" sh -c "virsh -q -c '$URI' dumpxml --inactive $DOM | grep -q \"<alias name='$ALIAS'/>\""
if [ -n "${KVMNET_LAB_KERNEL:-}" ]; then
	check "domain starts" v start "$DOM"
else
	check "domain starts (paused, no OS)" v start --paused "$DOM"
fi

# kvmnetd gives the running VM a VF, as the transient member.
cat >"$T/kvmnetd.conf" <<CONF
[libvirt]
uri = $URI
[sriov]
pf = $PF
threshold = 1
vfs_per_vm = 1
min_dwell = 2s
[daemon]
state_dir = $T/state
on_stop = keep
CONF
mkdir "$T/state"
"$D" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/kvmnetd.log" &
dpid=$!
live=
for _ in $(seq 300); do
	live=$(v dumpxml "$DOM" 2>/dev/null)
	grep -q "<interface type='hostdev'" <<<"$live" && break
	sleep 0.2
done
sed 's/^/# kvmnetd: /' "$T/kvmnetd.log"
hostdev=$(sed -n "/<interface type='hostdev'/,/<\/interface>/p" <<<"$live")
echo "$hostdev" | sed 's/^/# live: /'
check "kvmnetd attached a VF" test -n "$hostdev"
check "live: the VF is the transient member of $ALIAS" \
	grep -q "<teaming type='transient' persistent='$ALIAS'/>" <<<"$hostdev"
check "live: the VF has the virtio NIC's MAC $MAC" grep -q "<mac address='$MAC'/>" <<<"$hostdev"
check "live: the virtio NIC is still the persistent member" \
	sh -c "sed -n \"/<mac address='$MAC'/,/<\/interface>/p\" | grep -q \"<teaming type='persistent'/>\"" <<<"$live"
# libvirt and kvmnetd set the MAC on the PF for the VF: ip link shows it.
check "ip link: a VF of $PF carries $MAC" sh -c "ip link show $PF | grep -E '^ +vf [0-9]+ ' | grep -qi '$MAC'"
check "vm show: transient of $ALIAS" sh -c "'$K' -c '$URI' vm show $DOM | grep -q 'transient of $ALIAS'"
check "vm advise: kvmnetd gives $DOM a VF" \
	sh -c "KVMNET_CTL_SOCKET='$T/sock' '$K' -c '$URI' vm advise $DOM --json | grep -q '\"kvmnetd_gives_vf\":true'"
if [ -n "${KVMNET_LAB_KERNEL:-}" ]; then
	# With a guest that drives virtio_net and net_failover, QEMU shows the
	# primary once the guest acked VIRTIO_NET_F_STANDBY.
	sleep 10
	sed 's/^/# console: /' "$T/console.log" 2>/dev/null | tail -20
fi

echo "# $n checks, $failed failed"
[ "$failed" = 0 ]
