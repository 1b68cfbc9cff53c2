#!/bin/busybox sh
# /init of the lab guest (PID 1, busybox, in the initramfs that
# tests/lab/prepare.sh builds).  It loads the lab modules, mounts this
# machine's root (shared read-only over 9p) under a tmpfs overlay, chroots
# into it, runs the job that tests/lab/run.sh wrote, prints the job's exit
# status on the console and powers off.  run.sh reads that status line.
#
# Kernel command line: kvmnet.run=DIR, the run directory on the host, shared
# read-write (9p tag "labrun") and mounted at the same path in the chroot.

/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

up() { read -r t _ </proc/uptime; echo "$t"; }

# Any failure before the job runs ends the boot loudly; run.sh then reports
# "lab failed" rather than a test result.
fail() {
	echo "KVMNET-LAB-ERROR: $*"
	echo "KVMNET-LAB-EXIT=125"
	poweroff -f
	sleep 10
}

rundir=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
		kvmnet.run=*) rundir=${arg#kvmnet.run=} ;;
	esac
done
[ -n "$rundir" ] || fail "no kvmnet.run= on the kernel command line"

kver=$(uname -r)
mods=/lib/modules/$kver
while read -r ko; do
	insmod "$mods/$ko" || fail "insmod $ko failed"
done <"$mods/lab-load.list"
echo "KVMNET-LAB-STAGE modules-loaded uptime=$(up)"

# msize: larger 9p messages mean fewer round trips through the emulated
# virtio ring; cache=loose lets the guest cache the (read-only) host files.
mkdir -p /host /rw /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostroot /host ||
	fail "cannot mount the host root over 9p"
mount -t tmpfs -o mode=0755 rw /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot ||
	fail "cannot mount the overlay"

r=/newroot
mount -t proc proc $r/proc
mount -t sysfs sysfs $r/sys
mount -t devtmpfs devtmpfs $r/dev
# libvirt's QEMU driver allocates ptys; a private devpts instance with a
# usable ptmx keeps that working inside the chroot.
mkdir -p $r/dev/pts $r/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts $r/dev/pts
ln -sf pts/ptmx $r/dev/ptmx 2>/dev/null || true
# What udev would add and bash's process substitution needs.
ln -sf /proc/self/fd $r/dev/fd
ln -sf /proc/self/fd/0 $r/dev/stdin
ln -sf /proc/self/fd/1 $r/dev/stdout
ln -sf /proc/self/fd/2 $r/dev/stderr
mount -t tmpfs -o mode=1777 shm $r/dev/shm
# Huge pages for the nested VMs that ask (lib.sh, LAB_VM_HUGEPAGES);
# mounted before libvirtd starts, which looks for hugetlbfs only then.
mkdir -p $r/dev/hugepages
mount -t hugetlbfs hugetlbfs $r/dev/hugepages 2>/dev/null || true
# A fresh /run hides the host's pid files and sockets (the overlay would
# otherwise show them); /var/run points here on Debian.
mount -t tmpfs -o mode=0755 run $r/run
mount -t debugfs debugfs $r/sys/kernel/debug 2>/dev/null || true
mount -t cgroup2 cgroup2 $r/sys/fs/cgroup 2>/dev/null || true
# This kernel's modules, so that modprobe works inside the chroot.
mkdir -p "$r$mods"
mount --bind "$mods" "$r$mods"
# /tmp is deliberately left as the overlay shows it: a checkout or build
# directory under /tmp on the host must be visible at the same path here.
mkdir -p "$r$rundir"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 labrun "$r$rundir" ||
	fail "cannot mount the run directory $rundir"
[ -r "$r$rundir/job.sh" ] || fail "$rundir/job.sh not found"

ip link set lo up
hostname kvmnet-lab
echo "KVMNET-LAB-READY uptime=$(up)"

chroot $r /bin/bash "$rundir/job.sh" </dev/console >/dev/console 2>&1
rc=$?

echo "$rc" >"$r$rundir/exit-status"
sync
echo "KVMNET-LAB-EXIT=$rc uptime=$(up)"
poweroff -f
sleep 10
