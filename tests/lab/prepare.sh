#!/bin/sh
# Prepare the lab: Debian's generic kernel (the emulated SR-IOV host) and
# cloud kernel (the nested VMs), each with a busybox initramfs, in a cache
# directory.  Idempotent: when the cache already matches the newest kernel
# ABI and these scripts, it returns in well under a second.
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

for tool in apt-get apt-cache dpkg-deb depmod modprobe cpio qemu-system-x86_64; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool not found; run tools/install-deps.sh"
done
[ -x /bin/busybox ] || die "/bin/busybox missing; run tools/install-deps.sh"
# A dynamic busybox would not run in an initramfs that has no libc.
if ldd /bin/busybox >/dev/null 2>&1; then
	die "/bin/busybox is dynamically linked; install busybox-static"
fi

# Modules the lab host loads at boot (the host side of SR-IOV, VFIO and
# libvirt networking, plus what mounting this machine's root needs), and
# modules the lab carries but does not load (a test may load them).
lab_load="virtio_pci 9pnet_virtio 9p overlay igb vfio-pci vfio_iommu_type1
	tun vhost_net macvtap bridge"
lab_extra="igbvf"
# The nested VMs only need their virtio NIC.  The cloud kernel has no igbvf
# (CONFIG_IGBVF is off in Debian's cloud flavour), so a VF shows up in a
# nested VM as a PCI device without a driver; see README.md.
nested_load="virtio_pci virtio_net"

mkdir -p "$cache/debs"

# Newest ABI that has both flavours, unless pinned.  apt-cache reads the
# local lists only; tools/install-deps.sh keeps them fresh.
kabi=${KVMNET_LAB_KABI:-}
if [ -z "$kabi" ]; then
	names=$(apt-cache pkgnames linux-image-6.1.0- 2>/dev/null || true)
	kabi=$(echo "$names" |
		sed -n 's/^linux-image-\(6\.1\.0-[0-9]*\)-cloud-amd64$/\1/p' |
		while read -r k; do
			echo "$names" | grep -qx "linux-image-$k-amd64" && echo "$k"
		done | sort -V | tail -n 1)
fi
if [ -z "$kabi" ]; then
	# Offline and no apt lists: fall back to whatever the cache holds.
	kabi=$(sed -n 's/^kabi=//p' "$cache/stamp" 2>/dev/null || true)
	[ -n "$kabi" ] || die "no linux-image-6.1.0-NN-amd64 in apt's lists; run tools/install-deps.sh"
	say "apt knows no 6.1 kernel; reusing cached $kabi"
fi

# Everything the images are built from; a change in any rebuilds them.
inputs_hash=$( {
	echo "$kabi"
	cat "$0" "$here/lab-init.sh" "$here/nested-init.sh"
	ls -l /bin/busybox
} | sha256sum | cut -d' ' -f1)

if [ -r "$cache/stamp" ] && grep -qx "hash=$inputs_hash" "$cache/stamp" &&
	[ -s "$cache/lab/vmlinuz" ] && [ -s "$cache/lab/initrd.img" ] &&
	[ -s "$cache/nested/vmlinuz" ] && [ -s "$cache/nested/initrd.img" ]; then
	say "lab ready in $cache (kernel $kabi)"
	exit 0
fi

say "building the lab in $cache (kernel $kabi)"

# apt-get download drops privileges to _apt, which cannot write the cache
# directory; the files come from Debian's signed archive either way.
fetch() { # package
	if ! ls "$cache/debs/$1"_*.deb >/dev/null 2>&1; then
		say "downloading $1"
		(cd "$cache/debs" && apt-get download -q -o APT::Sandbox::User=root "$1") ||
			die "apt-get download $1 failed"
	fi
	ls "$cache/debs/$1"_*.deb | sort -V | tail -n 1
}
generic_deb=$(fetch "linux-image-$kabi-amd64")
cloud_deb=$(fetch "linux-image-$kabi-cloud-amd64")

work="$cache/.build.$$"
rm -rf "$work"
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work"

# build_initrd DEB KVER INIT OUT LOAD EXTRA: an uncompressed initramfs
# (faster to unpack under TCG than a compressed one) holding busybox, the
# init script, the modules LOAD and EXTRA with their dependencies, and a
# list of the modules to insmod, in dependency order.
build_initrd() {
	deb=$1 kver=$2 init=$3 out=$4 load=$5 extra=$6
	x="$work/x-$kver"
	root="$work/root-$kver"
	dpkg-deb -x "$deb" "$x"
	depmod -b "$x" "$kver"
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
			die "module $m not in $deb"
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
	cp "$x/boot/vmlinuz-$kver" "$out/vmlinuz"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out/initrd.img"
	rm -rf "$x"
}

for part in lab nested; do
	rm -rf "${work:?}/$part"
	mkdir -p "$work/$part"
done
build_initrd "$generic_deb" "$kabi-amd64" "$here/lab-init.sh" "$work/lab" \
	"$lab_load" "$lab_extra"
build_initrd "$cloud_deb" "$kabi-cloud-amd64" "$here/nested-init.sh" "$work/nested" \
	"$nested_load" ""

# Swap the new images in only once both are complete.
for part in lab nested; do
	rm -rf "$cache/$part.old"
	[ -d "$cache/$part" ] && mv "$cache/$part" "$cache/$part.old"
	mv "$work/$part" "$cache/$part"
	rm -rf "$cache/$part.old"
done
# Keep only the debs of the ABI in use.
for deb in "$cache"/debs/*.deb; do
	case "$deb" in
		"$generic_deb" | "$cloud_deb") ;;
		*) rm -f "$deb" ;;
	esac
done
printf 'kabi=%s\nhash=%s\n' "$kabi" "$inputs_hash" >"$cache/stamp"
say "lab ready in $cache (kernel $kabi)"
