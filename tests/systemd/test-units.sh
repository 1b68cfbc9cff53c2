#!/bin/bash
# The systemd units kvmnet installs, through `systemd-analyze verify`:
# kvmnetd.service as meson configured it (ExecStart= in the install's
# sbindir, no @placeholder@ left) and the kvmnet-sriov.service that
# `kvmnetctl sriov persist` writes.  verify wants the binaries and man
# pages the units name, so the copies verified point at this build and
# this tree's man pages.  Skipped (77) without systemd-analyze.
#   test-units.sh KVMNETD_SERVICE KVMNETD KVMNETCTL SBINDIR SOURCE_ROOT
set -u
unit=$1 kvmnetd=$(realpath "$2") ctl=$(realpath "$3") sbindir=$4 src=$5
. "$(dirname "$0")/../lib/testlib.sh"
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
t_scratch units

grep -q '@[a-z_]*@' "$unit" && fail "$unit: a placeholder is left: $(grep '@[a-z_]*@' "$unit")"
grep -qx "ExecStart=$sbindir/kvmnetd --foreground" "$unit" ||
	fail "ExecStart= does not name $sbindir/kvmnetd: $(grep ExecStart= "$unit")"

mkdir -p "$T/units" "$T/man/man8" "$T/man/man5"
ln -s "$src/man/kvmnetd.8" "$src/man/kvmnetctl.8" "$T/man/man8/"
ln -s "$src/man/kvmnetd.conf.5" "$T/man/man5/"
sed "s|^ExecStart=$sbindir/kvmnetd |ExecStart=$kvmnetd |" "$unit" >"$T/units/kvmnetd.service"

# The unit `sriov persist` writes, on a fake host: it runs the installed
# kvmnetctl (SBINDIR), which must be there and root's alone, so needs root.
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$T/root/etc/systemd/system" "$T/root$sbindir"
	cp -a "$src/tests/fixtures/sriov-igb-vfs/sys" "$T/root/"
	install -m 755 "$ctl" "$T/root$sbindir/kvmnetctl"
	chmod -R go-w "$T/root"
	KVMNET_SYSROOT=$T/root "$ctl" sriov persist >"$T/persist.out" 2>&1 || fail "sriov persist: $(cat "$T/persist.out")"
	persisted=$T/root/etc/systemd/system/kvmnet-sriov.service
	grep -qx "ExecStart=$sbindir/kvmnetctl sriov restore" "$persisted" ||
		fail "kvmnet-sriov.service does not run $sbindir/kvmnetctl: $(grep ExecStart= "$persisted")"
	sed "s|^ExecStart=$sbindir/kvmnetctl |ExecStart=$ctl |" "$persisted" >"$T/units/kvmnet-sriov.service"
else
	echo "not root: kvmnet-sriov.service (sriov persist wants a root-owned kvmnetctl) not verified"
fi

for u in "$T"/units/*.service; do
	# Warnings (an unknown key, a bad value) go to stderr with exit 0:
	# any output is a failure.
	out=$(cd "$T/units" && MANPATH=$T/man systemd-analyze verify "$u" 2>&1)
	rc=$?
	[ "$rc" = 0 ] && [ -z "$out" ] || fail "systemd-analyze verify $(basename "$u"): exit $rc: $out"
done

t_done "systemd units"
