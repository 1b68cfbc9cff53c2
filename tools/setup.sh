#!/bin/bash
# The README's first command: install every dependency, build kvmnet,
# install kvmnetd and kvmnetctl into /usr/local, and report on this host.
# The config goes to /etc/kvmnet/kvmnetd.conf, where kvmnetd reads it (an
# existing one is kept), and the unit to /usr/local/lib/systemd/system.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
# Named, not left to meson.build's defaults: --reconfigure keeps the
# directories a build dir was first set up with (an older checkout's
# /usr/local/etc).
opts=(--prefix=/usr/local --sysconfdir=/etc --localstatedir=/var --buildtype=release -Dtests=false)
if [ -d build/meson-info ]; then
	meson setup --reconfigure build "${opts[@]}"
else
	meson setup build "${opts[@]}"
fi
ninja -C build
ninja -C build install

echo
echo "== kvmnetctl check on $(hostname)"
# A host that is not ready (no IOMMU, no SR-IOV NIC) is what check is for:
# its FAILs are the report, not a failure of the setup.
if /usr/local/sbin/kvmnetctl check; then
	echo "kvmnetctl check: nothing failed"
else
	rc=$?
	[ "$rc" = 1 ] || exit "$rc"
	echo "kvmnetctl check: the FAIL lines above say what to fix on this host"
fi
