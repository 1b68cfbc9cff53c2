#!/bin/sh
# Install every Debian package kvmnet needs to build, test and run its lab.
# Idempotent: a second run only confirms what is there.  Needs root.
set -eu

if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: must run as root (it calls apt-get)" >&2
	exit 2
fi

export DEBIAN_FRONTEND=noninteractive

# QEMU 10 (its igb device emulates SR-IOV) only exists in bookworm-backports.
bp=/etc/apt/sources.list.d/kvmnet-bookworm-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	cat >"$bp" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	rm -f /var/lib/kvmnet/apt-updated
fi

# apt-get update once per boot of this script's knowledge; it is slow.
stamp=/var/lib/kvmnet/apt-updated
mkdir -p /var/lib/kvmnet
if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440)" ]; then
	apt-get update -q
	touch "$stamp"
fi

build="meson ninja-build pkg-config gcc clang libclang-rt-14-dev
	libvirt-dev libxml2-dev libnl-3-dev libnl-route-3-dev libjson-c-dev
	libinih-dev libcmocka-dev libmicrohttpd-dev libsystemd-dev"
run="libvirt-daemon-system libvirt-clients iproute2 ethtool kmod pciutils
	iperf3 irqbalance jq python3 time"
# strace: t-kvmnetd holds kvmnetd inside its sriov_numvfs write to SIGKILL it
# exactly before or after the kernel sees it.
# tcpdump: the lab's flows (tests/lab/lib-flow.sh) record their packets on
# every interface, so a stalled connection shows which way it broke.
lab="busybox-static cpio zstd xz-utils e2fsprogs strace tcpdump"
# The Debian package (debian/, tests/pkg): build it, check it with lintian,
# install bash completion where pkg-config says, verify the units.
pkg="debhelper dpkg-dev fakeroot lintian bash-completion systemd"

# tests/daemon/test-kvmnetd-metrics.sh: a real Prometheus scrapes kvmnetd
# and promtool checks what it serves.  The package's own service is not
# used (it does not start here: no systemd as PID 1 in CI).
metrics="prometheus curl"

# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $build $run $lab $pkg $metrics
# qemu-ga: tests/agent/test-qemu-ga.c runs it on this machine; the lab's
# guests, which share this root, run it for `kvmnetctl bench --from vm:`.
apt-get install -y -q --no-install-recommends -t bookworm-backports \
	qemu-system-x86 qemu-system-common qemu-system-data qemu-utils qemu-guest-agent
