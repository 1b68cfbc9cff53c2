#!/bin/bash
# The README's first command: install every dependency, build kvmnet,
# install kvmnetd and kvmnetctl into /usr/local, and report on this host.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
if [ -d build/meson-info ]; then
	meson setup --reconfigure build --prefix=/usr/local --buildtype=release -Dtests=false
else
	meson setup build --prefix=/usr/local --buildtype=release -Dtests=false
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
