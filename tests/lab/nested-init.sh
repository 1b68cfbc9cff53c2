#!/bin/busybox sh
# /init of a nested VM (a libvirt domain inside the lab, Debian's generic
# kernel).  It brings up its NICs, gives them the IPv4 addresses of the
# kernel command line, starts the QEMU guest agent, then reports on its
# serial console the PCI devices and network interfaces that appear or go
# away, so that a lab test can see a VF arrive in the VM and leave it
# (lib.sh reads the console file).  A NIC that appears later (a hot-plugged
# VF, driven by igbvf) is brought up and addressed like those at boot.
#
# Kernel command line:
#   kvmnet.ip=MAC=ADDR/PREFIX   (repeatable) that address on the NIC with MAC
#                               (with net_failover: on the failover master)
#   kvmnet.dmesg                the boot log on the console, for profiling
# Lines:
#   KVMNET-NESTED-STAGE init|modules-loaded|net-configured uptime=S
#   KVMNET-NESTED-READY uptime=S
#   KVMNET-NESTED-AGENT started|missing PORT
#   KVMNET-NESTED-PCI present|add|remove ADDR VENDOR:DEVICE
#   KVMNET-NESTED-NET present|add|remove IFNAME MAC
#   KVMNET-NESTED-IP IFNAME ADDR/PREFIX | KVMNET-NESTED-ERROR ...
#   KVMNET-NESTED-MEMBER IFNAME of MASTER   a failover member, not addressed
/bin/busybox --install -s /bin
# qemu-ga's guest-exec searches this PATH: iperf3 is in /usr/bin.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# qemu-ga keeps its state in /run; iperf3 makes its buffer files in /tmp.
mkdir -p /run /tmp
mount -t tmpfs -o mode=1777 tmp /tmp

stage() { read -r t _ </proc/uptime; echo "KVMNET-NESTED-STAGE $1 uptime=$t"; }
stage init
read -r kver </proc/sys/kernel/osrelease
mods=/lib/modules/$kver
while read -r ko; do
	insmod "$mods/$ko" || echo "KVMNET-NESTED-ERROR insmod $ko"
done <"$mods/lab-load.list"
stage modules-loaded
ip link set lo up

read -r cmdline </proc/cmdline
# The kvmnet.ip= arguments, MACs in lower case as sysfs writes them.
ips=
for arg in $cmdline; do
	case "$arg" in kvmnet.ip=*) ips="$ips ${arg#kvmnet.ip=}" ;; esac
done
[ -z "$ips" ] || ips=$(echo "$ips" | tr A-F a-f)
# ip_config IFNAME MAC: bring it up, with the addresses meant for MAC.
# A member of a failover pair (net_failover: the virtio standby and the
# VF primary carry the same MAC as their master) only comes up: the
# address belongs on the master, which net_failover made for the virtio
# NIC with the feature VIRTIO_NET_F_STANDBY (libvirt's <teaming
# type='persistent'/>) and which sends through the VF while there is one.
# net_failover links a member to its master (upper_MASTER in sysfs) as it
# registers, so a hot-plugged VF is a member by the time it is seen here.
ip_config() {
	ip link set "$1" up
	for up in /sys/class/net/"$1"/upper_*; do
		[ -e "$up" ] || continue
		echo "KVMNET-NESTED-MEMBER $1 of ${up##*/upper_}"
		return 0
	done
	for arg in $ips; do
		[ "${arg%=*}" = "$2" ] || continue
		if ip addr add "${arg#*=}" dev "$1"; then
			echo "KVMNET-NESTED-IP $1 ${arg#*=}"
		else
			echo "KVMNET-NESTED-ERROR ip addr add ${arg#*=} dev $1"
		fi
	done
}

# The loop below runs for the VM's whole life: it must not fork (each fork
# costs 0.2 s or more of the VM's one CPU under TCG inside TCG), so these
# fill variables instead of printing.
pci_now() {
	PCI=
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/vendor" ] || continue
		read -r v <"$d/vendor"
		read -r i <"$d/device"
		PCI="$PCI${d##*/} ${v#0x}:${i#0x}
"
	done
}
net_now() {
	NET=
	for n in /sys/class/net/*; do
		[ -e "$n/address" ] || continue
		read -r a <"$n/address"
		NET="$NET${n##*/} $a
"
	done
}
# diff_report TAG OLD NEW: print the lines added to and removed from a set.
diff_report() {
	tag=$1 old=$2 new=$3
	echo "$new" | while read -r line; do
		[ -n "$line" ] || continue
		case "
$old
" in *"
$line
"*) ;; *) echo "$tag add $line" ;; esac
	done
	echo "$old" | while read -r line; do
		[ -n "$line" ] || continue
		case "
$new
" in *"
$line
"*) ;; *) echo "$tag remove $line" ;; esac
	done
}
# net_report OLD NEW: report NIC changes and configure the new NICs.
net_report() {
	changes=$(diff_report KVMNET-NESTED-NET "$1" "$2")
	echo "$changes"
	echo "$changes" | while read -r _ what ifname mac; do
		[ "$what" = add ] && [ "$ifname" != lo ] && ip_config "$ifname" "$mac"
	done
}

set -- /sys/bus/pci/devices/* /sys/class/net/*
names=$*
pci_now
net_now
pci=$PCI net=$NET
# Word splitting on newlines only: builtins, no pipe, no fork.
IFS='
'
for line in $pci; do echo "KVMNET-NESTED-PCI present $line"; done
for line in $net; do echo "KVMNET-NESTED-NET present $line"; done
unset IFS
for n in /sys/class/net/*; do
	read -r mac <"$n/address"
	[ "${n##*/}" = lo ] || ip_config "${n##*/}" "$mac"
done
stage net-configured
read -r t _ </proc/uptime
echo "KVMNET-NESTED-READY uptime=$t"
# The agent's port is the virtio-serial port libvirt names
# org.qemu.guest_agent.0; its /dev node is vportNpM (no udev here to make
# the /dev/virtio-ports/ link).
agent=
for p in /sys/class/virtio-ports/*; do
	[ -r "$p/name" ] || continue
	read -r pname <"$p/name"
	[ "$pname" = org.qemu.guest_agent.0 ] && agent=/dev/${p##*/}
done
if [ -z "$agent" ]; then
	echo "KVMNET-NESTED-AGENT missing org.qemu.guest_agent.0"
else
	# In the background, and after READY: loading its libraries alone
	# takes about 10 s of the VM's one CPU under TCG inside TCG, which
	# a test that only watches the console need not wait for.
	qemu-ga --method=virtio-serial --path="$agent" --statedir=/run \
		--pidfile=/run/qemu-ga.pid &
	echo "KVMNET-NESTED-AGENT started $agent"
fi

case " $cmdline " in
	*" kvmnet.dmesg "*) dmesg | sed 's/^/KVMNET-NESTED-DMESG /' ;;
esac
# A second's wait without forking sleep: read from a FIFO nobody writes.
# Each second only the names of the devices are listed (two directory
# reads); their IDs and MACs are read when a name comes or goes.  The
# first version of this loop (two forks and some 25 sysfs reads a second)
# kept a third of the VM's CPU busy.
mkfifo /run/tick
exec 3<>/run/tick
while :; do
	read -r -t 1 _ <&3
	set -- /sys/bus/pci/devices/* /sys/class/net/*
	[ "$*" != "$names" ] || continue
	names=$*
	pci_now
	net_now
	[ "$PCI" = "$pci" ] || diff_report KVMNET-NESTED-PCI "$pci" "$PCI"
	[ "$NET" = "$net" ] || net_report "$net" "$NET"
	pci=$PCI net=$NET
done
