#!/bin/sh
# Prepare the lab: Debian's generic kernel, booted both by the emulated
# SR-IOV host and by the nested VMs, each with its own busybox initramfs, in
# a cache directory.  The nested one also holds qemu-ga (from Debian's
# qemu-guest-agent package, fetched into the cache) and this machine's
# iperf3, with the shared libraries they need.  Idempotent: when the cache
# already matches the newest kernel ABI, these scripts and those binaries,
# it returns in well under a second.
#
#   tests/lab/prepare.sh            # prepare (or confirm) the cache
#   KVMNET_LAB_CACHE=/srv/lab tests/lab/prepare.sh
#   KVMNET_LAB_KABI=6.1.0-56 tests/lab/prepare.sh   # pin a kernel ABI
#
# Needs root (apt-get download, depmod into the cache) and the packages of
# tools/install-deps.sh.  Uses the network only for `apt-get download`.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${KVMNET_LAB_CACHE:-/var/cache/kvmnet-lab}

die() { echo "prepare.sh: $*" >&2; exit 1; }
say() { echo "prepare.sh: $*" >&2; }

# The lab guest mounts a tmpfs on nothing under /tmp, but CI hosts often
# wipe /tmp or mount a tmpfs on it; a cache there would be rebuilt (and
# downloaded) again and again.
case "$cache" in
	/tmp | /tmp/*) die "KVMNET_LAB_CACHE=$cache: keep the lab cache out of /tmp" ;;
	/*) ;;
	*) die "KVMNET_LAB_CACHE=$cache: must be an absolute path" ;;
esac

for tool in apt-get apt-cache dpkg-deb depmod modprobe cpio ldd xz qemu-system-x86_64 iperf3; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool not found; run tools/install-deps.sh"
done
[ -x /bin/busybox ] || die "/bin/busybox missing; run tools/install-deps.sh"
# A dynamic busybox would not run in an initramfs that has no libc.
if ldd /bin/busybox >/dev/null 2>&1; then
	die "/bin/busybox is dynamically linked; install busybox-static"
fi

# Modules the lab host loads at boot (the host side of SR-IOV, VFIO and
# libvirt networking, plus what mounting this machine's root needs, and
# virtio_blk for the disk of run.sh --disk), and
# modules the lab carries but does not load (a test may load them).
lab_load="virtio_pci 9pnet_virtio 9p overlay igb vfio-pci vfio_iommu_type1
	tun vhost_net macvtap bridge virtio_blk"
lab_extra="igbvf"
# The nested VMs: their virtio NIC, igbvf for a hot-plugged VF,
# virtio_console for the guest agent's port, and virtio_balloon for a
# <memballoon model='virtio'> (t-balloon.sh; without the device it loads
# and waits).  They boot the generic kernel because Debian's cloud flavour
# has no igbvf (CONFIG_IGBVF off).  failover and net_failover pair a
# teamed virtio NIC (libvirt's <teaming type='persistent'/>, the feature
# VIRTIO_NET_F_STANDBY) with the VF of the same MAC; virtio_net needs them
# anyway, they are named for the reader.
nested_load="virtio_pci failover net_failover virtio_net virtio_console igbvf virtio_balloon"

mkdir -p "$cache/debs"

# Newest ABI of the generic flavour, unless pinned.  apt-cache reads the
# local lists only; tools/install-deps.sh keeps them fresh.
kabi=${KVMNET_LAB_KABI:-}
if [ -z "$kabi" ]; then
	kabi=$(apt-cache pkgnames linux-image-6.1.0- 2>/dev/null |
		sed -n 's/^linux-image-\(6\.1\.0-[0-9]*\)-amd64$/\1/p' | sort -V | tail -n 1)
fi
if [ -z "$kabi" ]; then
	# Offline and no apt lists: fall back to whatever the cache holds.
	kabi=$(sed -n 's/^kabi=//p' "$cache/stamp" 2>/dev/null || true)
	[ -n "$kabi" ] || die "no linux-image-6.1.0-NN-amd64 in apt's lists; run tools/install-deps.sh"
	say "apt knows no 6.1 kernel; reusing cached $kabi"
fi

# apt-get download drops privileges to _apt, which cannot write the cache
# directory; the files come from Debian's signed archive either way.  A
# package already in the cache is not fetched again.
fetch() { # package
	if ! ls "$cache/debs/$1"_*.deb >/dev/null 2>&1; then
		say "downloading $1"
		(cd "$cache/debs" && apt-get download -q -o APT::Sandbox::User=root "$1" >&2) ||
			die "apt-get download $1 failed"
	fi
	ls "$cache/debs/$1"_*.deb | sort -V | tail -n 1
}

# qemu-ga is taken from its package rather than installed here: a host has
# no use for it.  Its libraries (glib, libudev, liburing, libnuma) are those
# of QEMU itself, so they are on any machine that runs the lab.
qga_deb=$(fetch qemu-guest-agent)
qga_dir="$cache/.qga.$$"
trap 'rm -rf "$qga_dir"' EXIT INT TERM
rm -rf "$qga_dir"
dpkg-deb -x "$qga_deb" "$qga_dir" || die "cannot unpack $qga_deb"
qga_bin="$qga_dir/usr/sbin/qemu-ga"
[ -x "$qga_bin" ] || die "$qga_deb has no usr/sbin/qemu-ga"
iperf3_bin=$(command -v iperf3)

# libs_of BIN: the shared libraries and the dynamic loader BIN needs, one
# path a line, or "MISSING lib" for one this machine lacks.
libs_of() {
	if ! ldd_out=$(ldd "$1"); then
		echo "MISSING (ldd $1 failed)"
		return
	fi
	echo "$ldd_out" | awk '
		/=> not found/ { print "MISSING " $1; next }
		$2 == "=>" && $3 ~ /^\// { print $3; next }
		$1 ~ /^\// { print $1 }'
}
nested_libs=$(for b in "$qga_bin" "$iperf3_bin"; do libs_of "$b"; done | sort -u)
missing=$(echo "$nested_libs" | sed -n 's/^MISSING //p' | tr '\n' ' ')
[ -z "$missing" ] ||
	die "qemu-ga ($qga_deb) or iperf3 needs $missing, not on this machine; install the packages that hold them (apt-get install libglib2.0-0 libudev1 liburing2 libnuma1 iperf3)"
# Program=place in the nested initramfs, then the libraries at their own
# paths, so the programs' loader and search path find them as here.
nested_files="$qga_bin=/usr/sbin/qemu-ga $iperf3_bin=/usr/bin/iperf3"
for l in $nested_libs; do
	nested_files="$nested_files $l=$l"
done

# Everything the images are built from; a change in any rebuilds them.
inputs_hash=$( {
	echo "$kabi"
	cat "$0" "$here/lab-init.sh" "$here/nested-init.sh"
	basename "$qga_deb"
	# shellcheck disable=SC2086
	ls -lL /bin/busybox "$iperf3_bin" $nested_libs
} | sha256sum | cut -d' ' -f1)

if [ -r "$cache/stamp" ] && grep -qx "hash=$inputs_hash" "$cache/stamp" &&
	[ -s "$cache/lab/vmlinuz" ] && [ -s "$cache/lab/initrd.img" ] &&
	[ -s "$cache/nested/vmlinux" ] && [ -s "$cache/nested/initrd.img" ]; then
	say "lab ready in $cache (kernel $kabi)"
	exit 0
fi

say "building the lab in $cache (kernel $kabi)"
generic_deb=$(fetch "linux-image-$kabi-amd64")

work="$cache/.build.$$"
rm -rf "$work"
trap 'rm -rf "$work" "$qga_dir"' EXIT INT TERM
mkdir -p "$work"

# build_initrd KVER INIT OUT LOAD EXTRA [FILES]: an uncompressed initramfs
# (faster to unpack under TCG than a compressed one) holding busybox, the
# init script, the modules LOAD and EXTRA of the kernel unpacked in $x with
# their dependencies, a list of the modules to insmod, in dependency order,
# and FILES (SRC=DEST pairs, copied from this machine).
build_initrd() {
	kver=$1 init=$2 out=$3 load=$4 extra=$5 files=${6:-}
	root="$work/root-${out##*/}"
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/lib/modules/$kver"
	cp /bin/busybox "$root/bin/busybox"
	cp "$init" "$root/init"
	chmod 755 "$root/init"
	mdir="$x/lib/modules/$kver"
	# LOAD on one line, spaces around each name, for the membership test.
	# shellcheck disable=SC2086,SC2116
	loadset=" $(echo $load) "
	cp "$mdir/modules.order" "$mdir/modules.builtin" "$mdir/modules.builtin.modinfo" \
		"$root/lib/modules/$kver/"
	: >"$root/lib/modules/$kver/lab-load.list"
	for m in $load $extra; do
		deps=$(modprobe -d "$x" -S "$kver" --show-depends "$m") ||
			die "module $m not in $generic_deb"
		# Built-in modules print "builtin NAME"; only insmod lines are files.
		echo "$deps" | sed -n 's/^insmod //p' | sed 's/ .*//' | while read -r ko; do
			rel=${ko#"$mdir"/}
			rel=${rel#./}
			mkdir -p "$root/lib/modules/$kver/$(dirname "$rel")"
			cp "$ko" "$root/lib/modules/$kver/$rel"
			case "$loadset" in
				*" $m "*) grep -qx "$rel" "$root/lib/modules/$kver/lab-load.list" ||
					echo "$rel" >>"$root/lib/modules/$kver/lab-load.list" ;;
			esac
		done
	done
	depmod -b "$root" "$kver"
	for f in $files; do
		mkdir -p "$root$(dirname "${f#*=}")"
		cp -L "${f%%=*}" "$root${f#*=}"
	done
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out/initrd.img"
}

# vmlinux_of BZIMAGE OUT: the ELF kernel inside a bzImage (Debian's is xz
# compressed).  QEMU boots it through its PVH entry point, so the nested
# VM skips decompressing the kernel: under TCG inside TCG that alone took
# about three minutes, more than all the rest of the boot.
vmlinux_of() {
	off=$(LC_ALL=C grep -obUaP -m1 '\xfd7zXZ\x00' "$1" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || die "no xz payload in $1"
	tail -c +"$((off + 1))" "$1" | xz -dc --single-stream >"$2" ||
		die "cannot unpack the kernel from $1"
	[ "$(head -c 4 "$2" | tail -c 3)" = ELF ] || die "$1 holds no ELF kernel"
}

for part in lab nested; do
	rm -rf "${work:?}/$part"
	mkdir -p "$work/$part"
done
x="$work/x"
dpkg-deb -x "$generic_deb" "$x"
depmod -b "$x" "$kabi-amd64"
build_initrd "$kabi-amd64" "$here/lab-init.sh" "$work/lab" "$lab_load" "$lab_extra"
cp "$x/boot/vmlinuz-$kabi-amd64" "$work/lab/vmlinuz"
build_initrd "$kabi-amd64" "$here/nested-init.sh" "$work/nested" "$nested_load" "" \
	"$nested_files"
vmlinux_of "$x/boot/vmlinuz-$kabi-amd64" "$work/nested/vmlinux"
rm -rf "$x"

# Swap the new images in only once both are complete.
for part in lab nested; do
	rm -rf "$cache/$part.old"
	[ -d "$cache/$part" ] && mv "$cache/$part" "$cache/$part.old"
	mv "$work/$part" "$cache/$part"
	rm -rf "$cache/$part.old"
done
# Keep only the debs in use.
for deb in "$cache"/debs/*.deb; do
	case "$deb" in
		"$generic_deb" | "$qga_deb") ;;
		*) rm -f "$deb" ;;
	esac
done
printf 'kabi=%s\nhash=%s\n' "$kabi" "$inputs_hash" >"$cache/stamp"
say "lab ready in $cache (kernel $kabi)"
