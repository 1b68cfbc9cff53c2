#!/bin/bash
# The README's first command: install every dependency, build kvmnet,
# install kvmnetd and kvmnetctl into /usr/local, report on this host, then
# show the main job: on a host with SR-IOV PFs how to turn the daemon on,
# on one without (most laptops, CI, VMs) the demo on the emulated host.
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

# The main job needs an SR-IOV NIC: a PF whose firmware offers VFs.
sriov_pfs() {
	for f in /sys/bus/pci/devices/*/sriov_totalvfs; do
		[ -r "$f" ] && [ "$(cat "$f")" -gt 0 ] 2>/dev/null && basename "$(dirname "$f")"
	done
	return 0
}
pfs=$(sriov_pfs)
if [ -n "$pfs" ] && [ -z "${KVMNET_SETUP_DEMO:-}" ]; then
	echo
	echo "== this host has SR-IOV PFs: $(echo $pfs)"
	/usr/local/sbin/kvmnetctl status || true
	cat <<EOT

To let kvmnetd give VFs to this host's VMs: name the PFs in
/etc/kvmnet/kvmnetd.conf ([sriov] pf = ...; see kvmnetd.conf(5)), check it
with 'kvmnetd --check-config', try 'kvmnetd --foreground --dry-run', then
'systemctl enable --now kvmnetd'.  (KVMNET_SETUP_DEMO=1 runs the demo on
the emulated host instead.)
EOT
	exit 0
fi
echo
if [ -n "$pfs" ]; then
	echo "== KVMNET_SETUP_DEMO is set: the demo on the emulated SR-IOV host"
else
	echo "== no SR-IOV NIC on this host (no sriov_totalvfs above 0 in /sys/bus/pci/devices):"
	echo "   kvmnet's main job is shown on the emulated SR-IOV host instead, the lab"
	echo "   (QEMU's igb, the Intel 82576, under Debian's kernel): kvmnetd splits its"
	echo "   two NICs into VFs when VMs start, gives each VM one, and takes them back."
fi
exec bash tools/demo.sh
