#!/bin/bash
# kvmnetctl sriov unpersist on a fake tree (tests/fixtures/sriov-igb-vfs):
# it removes only what persist itself writes, whatever the manifest says
# ('..', another file with the same content, a symlinked directory), and a
# file that cannot be unlinked (a read-only bind mount, needs root and
# unshare) is reported and stays listed while the rest goes -- this used
# to free the removed entries twice (ASan).
#   test-sriov-unpersist.sh KVMNETCTL SOURCE_ROOT
set -u
ctl=$1 src=$2
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch unpersist
export KVMNET_LIBVIRT_URI="test://$src/tests/fixtures/sriov-igb-vfs-libvirt.xml"

fresh() {
	rm -rf "$T/root"
	cp -a "$src/tests/fixtures/sriov-igb-vfs" "$T/root" || exit 1
	export KVMNET_SYSROOT=$T/root
	mkdir -p "$T/root/etc/systemd/system" "$T/root/etc/modprobe.d"
	# persist writes a unit that runs the installed kvmnetctl, and only
	# one that no user but root can replace (test-sriov-cli.sh tests that).
	exe="$T/root$KVMNETCTL_INSTALLED"
	mkdir -p "$(dirname "$exe")" && cp "$ctl" "$exe" && chmod 755 "$exe"
	d=$exe; while [ "$d" != "$T" ]; do chmod go-w "$d"; d=$(dirname "$d"); done
	"$ctl" sriov persist enp1s0 >/dev/null 2>&1 || fail "persist failed"
}
man=etc/kvmnet/sriov.manifest
conf=etc/kvmnet/sriov.d/0000:01:00.0.conf

# A crafted manifest: the hash of kvmnet's own file, given for others.
fresh
hash=$(awk -v p="/$conf" '$3 == p { print $2 }' "$T/root/$man")
[ -n "$hash" ] || fail "no hash for /$conf in the manifest"
mkdir -p "$T/root/etc/elsewhere/sriov.d"
cp "$T/root/$conf" "$T/root/etc/victim.conf"
cp "$T/root/$conf" "$T/root/etc/elsewhere/victim.conf"
ln -s ../usr/share/zoneinfo/UTC "$T/root/etc/localtime"
{
	echo "f $hash /etc/victim.conf"
	echo "f $hash /etc/kvmnet/../victim.conf"
	echo "f $hash /etc/kvmnet/sriov.d/../../elsewhere/victim.conf"
	echo "l ../usr/share/zoneinfo/UTC /etc/localtime"
} >>"$T/root/$man"
out=$("$ctl" sriov unpersist 2>&1)
rc=$?
[ "$rc" = 1 ] || fail "crafted manifest: exit $rc, expected 1: $out"
for f in etc/victim.conf etc/elsewhere/victim.conf etc/localtime; do
	[ -e "$T/root/$f" ] || [ -L "$T/root/$f" ] || fail "crafted manifest: /$f removed"
done
for p in /etc/victim.conf /etc/kvmnet/../victim.conf /etc/localtime; do
	grep -qF "$p: not a file kvmnet sriov persist writes; refused" <<<"$out" || fail "not reported: $p: $out"
done
[ -e "$T/root/$conf" ] && fail "crafted manifest: kvmnet's own file left"
grep -qF "/etc/victim.conf" "$T/root/$man" || fail "crafted manifest: refused entries not kept"

# A symlinked directory: persist's own path, leading elsewhere.
fresh
mv "$T/root/etc/kvmnet/sriov.d" "$T/root/etc/elsewhere"
ln -s ../elsewhere "$T/root/etc/kvmnet/sriov.d"
out=$("$ctl" sriov unpersist 2>&1)
rc=$?
[ "$rc" = 1 ] || fail "symlinked directory: exit $rc, expected 1: $out"
[ -e "$T/root/etc/elsewhere/0000:01:00.0.conf" ] || fail "symlinked directory: the file behind it removed"
grep -qF "/$conf: its directory is a symlink; refused" <<<"$out" || fail "symlinked directory: $out"

# A file that cannot be unlinked after others were removed.
fresh
if unshare -m true 2>/dev/null; then
	dir=$T/root/etc/kvmnet/sriov.d
	out=$(unshare -m bash -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$2" sriov unpersist' \
		_ "$dir" "$ctl" 2>&1)
	rc=$?
	[ "$rc" = 1 ] || fail "read-only file: exit $rc, expected 1: $out"
	grep -qF "/$conf: Read-only file system" <<<"$out" || fail "read-only file: not reported: $out"
	grep -qF "removed /etc/systemd/system/kvmnet-sriov.service" <<<"$out" || fail "read-only file: unit left: $out"
	[ -e "$T/root/etc/systemd/system/kvmnet-sriov.service" ] && fail "read-only file: the unit not removed"
	grep -qF "/$conf" "$T/root/$man" || fail "read-only file: its entry dropped from the manifest"
	grep -qF "kvmnet-sriov.service" "$T/root/$man" && fail "read-only file: removed entries still listed"
	out=$("$ctl" sriov unpersist 2>&1) || fail "second unpersist: $out"
	[ -e "$T/root/$conf" ] && fail "second unpersist: /$conf left"
else
	echo "SKIP: read-only bind mount (needs root and unshare -m)"
fi

t_done "sriov unpersist"
