#!/bin/busybox sh
# /init of a nested VM (a libvirt domain inside the lab, Debian's cloud
# kernel).  It brings up its virtio NIC, then reports on its serial console
# the PCI devices and network interfaces that appear or go away, so that a
# lab test can see a VF arrive in the VM and leave it (lib.sh reads the
# console file).  Lines:
#   KVMNET-NESTED-READY uptime=S
#   KVMNET-NESTED-PCI add|remove ADDR VENDOR:DEVICE
#   KVMNET-NESTED-NET add|remove IFNAME MAC
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

mods=/lib/modules/$(uname -r)
while read -r ko; do
	insmod "$mods/$ko" || echo "KVMNET-NESTED-ERROR insmod $ko"
done <"$mods/lab-load.list"
ip link set lo up
for n in /sys/class/net/*; do
	ip link set "${n##*/}" up
done

# Only shell builtins in the loop, bar sleep: every fork is slow under
# TCG inside TCG.
pci_now() {
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/vendor" ] || continue
		read -r v <"$d/vendor"
		read -r i <"$d/device"
		echo "${d##*/} ${v#0x}:${i#0x}"
	done
}
net_now() {
	for n in /sys/class/net/*; do
		[ -e "$n/address" ] || continue
		read -r a <"$n/address"
		echo "${n##*/} $a"
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

pci=$(pci_now)
net=$(net_now)
echo "$pci" | sed 's/^/KVMNET-NESTED-PCI present /'
echo "$net" | sed 's/^/KVMNET-NESTED-NET present /'
read -r t _ </proc/uptime
echo "KVMNET-NESTED-READY uptime=$t"
# kvmnet.dmesg on the kernel command line: the boot log, for profiling.
case " $(cat /proc/cmdline) " in
	*" kvmnet.dmesg "*) dmesg | sed 's/^/KVMNET-NESTED-DMESG /' ;;
esac
while :; do
	sleep 1
	p=$(pci_now)
	n=$(net_now)
	[ "$p" = "$pci" ] || diff_report KVMNET-NESTED-PCI "$pci" "$p"
	[ "$n" = "$net" ] || diff_report KVMNET-NESTED-NET "$net" "$n"
	pci=$p
	net=$n
done
