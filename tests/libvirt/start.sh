#!/bin/bash
# Start a private libvirtd + virtlogd for tests:  start.sh DIR
#
# The daemons run in their own mount and network namespaces.  DIR is bound
# over /run, /etc/libvirt, /var/lib/libvirt, /var/log/libvirt and
# /var/cache/libvirt inside, so the instance shares no state, socket, pid
# file or network with a system libvirtd on this machine, and the bridges,
# veths and taps its domains use vanish with it.  QEMU runs as root without
# cgroups, namespaces or a security driver (no systemd, no AppArmor here).
#
# $KVMNET_LIBVIRT_CACHE, if set, is a directory kept between runs for
# /var/cache/libvirt: libvirt then probes QEMU's capabilities (about 6 s)
# only once; it re-probes by itself when QEMU or libvirt change.
#
# Prints the URI to connect with on stdout; exits 1 (with libvirtd's log on
# stderr) if the daemon does not come up within 20 s.  Needs root.
set -euo pipefail

dir=${1:?usage: start.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
mkdir -p "$dir"/{run,etc,lib,log,cache}
cache=$dir/cache
if [ -n "${KVMNET_LIBVIRT_CACHE:-}" ]; then
	mkdir -p "$KVMNET_LIBVIRT_CACHE"
	cache=$(cd "$KVMNET_LIBVIRT_CACHE" && pwd)
fi

cat >"$dir/etc/qemu.conf" <<'CONF'
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
namespaces = []
cgroup_controllers = []
CONF
cat >"$dir/etc/libvirtd.conf" <<CONF
log_outputs = "3:file:$dir/libvirtd.log"
CONF
: >"$dir/etc/virtlogd.conf"

unshare --mount --net --propagation private -- /bin/sh -ec '
	d=$1
	mount --bind "$d/run" /run
	mount --bind "$d/etc" /etc/libvirt
	mount --bind "$d/lib" /var/lib/libvirt
	mount --bind "$d/log" /var/log/libvirt
	mount --bind "$2" /var/cache/libvirt
	ip link set lo up
	virtlogd -d -f /etc/libvirt/virtlogd.conf
	libvirtd -d -f /etc/libvirt/libvirtd.conf
' sh "$dir" "$cache"

sock="$dir/run/libvirt/libvirt-sock"
for _ in $(seq 200); do
	[ -S "$sock" ] && break
	sleep 0.1
done
if [ ! -S "$sock" ]; then
	echo "start.sh: libvirtd did not create $sock within 20 s" >&2
	cat "$dir/libvirtd.log" >&2 2>/dev/null || true
	exit 1
fi
echo "qemu+unix:///system?socket=$sock"
