#!/bin/bash
# kvmnetctl tune iommu on writable copies of tests/fixtures/iommu-{intel,
# amd,odd}, outputs compared with golden/iommu-*, the edited grub files
# with golden/iommu-*-grub.  Usage:
#   test-tune-iommu.sh KVMNETCTL FIXTURES GOLDEN [--update]
set -u
ctl=$1 fixtures=$2 golden=$3 update=${4:-}
tmp=$(mktemp -d /tmp/kvmnet-test-iommu-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0

check() {
	local name=$1 got=$2
	if [ "$update" = --update ]; then
		printf '%s\n' "$got" >"$golden/iommu-$name"
	elif ! diff -u "$golden/iommu-$name" <(printf '%s\n' "$got"); then
		echo "FAIL: $name differs from golden/iommu-$name"
		fail=1
	fi
}

run() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$ctl" "$@" 2>&1)
	rc=$?
	check "$name" "$out"$'\n'"exit $rc"
	[ "$rc" = "$want" ] || { echo "FAIL: $name: exit $rc, expected $want"; fail=1; }
}

for host in intel amd; do
	root=$tmp/$host
	cp -a "$fixtures/iommu-$host" "$root"
	export KVMNET_SYSROOT=$root
	run "$host-show" 0 tune iommu
	cmp -s "$root/etc/default/grub" "$fixtures/iommu-$host/etc/default/grub" ||
		{ echo "FAIL: $host: show changed the grub file"; fail=1; }
	run "$host-apply" 0 tune iommu --apply
	check "$host-grub" "$(cat "$root/etc/default/grub")"
	cmp -s "$root/etc/default/grub.kvmnet.bak" "$fixtures/iommu-$host/etc/default/grub" ||
		{ echo "FAIL: $host: the backup is not the original"; fail=1; }
	# Idempotent: nothing written the second time, the backup kept.
	cp "$root/etc/default/grub" "$tmp/$host-first"
	run "$host-apply-again" 0 tune iommu --apply
	cmp -s "$root/etc/default/grub" "$tmp/$host-first" || { echo "FAIL: $host: second apply changed grub"; fail=1; }
	cmp -s "$root/etc/default/grub.kvmnet.bak" "$fixtures/iommu-$host/etc/default/grub" ||
		{ echo "FAIL: $host: second apply changed the backup"; fail=1; }
	[ -z "$(ls "$root/etc/default" | grep kvmnet-tmp)" ] || { echo "FAIL: $host: temporary file left"; fail=1; }
done

# The running kernel already has it: nothing to change.
root=$tmp/done
cp -a "$fixtures/iommu-intel" "$root"
echo "ro quiet intel_iommu=on iommu=pt" >"$root/proc/cmdline"
KVMNET_SYSROOT=$root run done-show 0 tune iommu

# A GRUB_CMDLINE_LINUX the edit cannot keep intact: refused, untouched.
root=$tmp/odd
cp -a "$fixtures/iommu-odd" "$root"
KVMNET_SYSROOT=$root run odd-apply 1 tune iommu --apply
cmp -s "$root/etc/default/grub" "$fixtures/iommu-odd/etc/default/grub" || { echo "FAIL: odd: grub changed"; fail=1; }
[ ! -e "$root/etc/default/grub.kvmnet.bak" ] || { echo "FAIL: odd: backup written"; fail=1; }

# The edit keeps the file's owner and mode (0640: it may hold a grub
# password), and the backup gets them too; a symlink is not replaced.
root=$tmp/mode
cp -a "$fixtures/iommu-intel" "$root"
chmod 0640 "$root/etc/default/grub"
chown 1234:5678 "$root/etc/default/grub"
KVMNET_SYSROOT=$root "$ctl" tune iommu --apply >/dev/null 2>&1 || { echo "FAIL: mode: apply failed"; fail=1; }
for f in grub grub.kvmnet.bak; do
	got=$(stat -c '%a %u %g' "$root/etc/default/$f")
	[ "$got" = "640 1234 5678" ] || { echo "FAIL: mode: $f is $got, expected 640 1234 5678"; fail=1; }
done
root=$tmp/link
cp -a "$fixtures/iommu-intel" "$root"
mv "$root/etc/default/grub" "$root/etc/grub.real"
ln -s ../grub.real "$root/etc/default/grub"
out=$(KVMNET_SYSROOT=$root "$ctl" tune iommu --apply 2>&1)
rc=$?
[ "$rc" = 1 ] || { echo "FAIL: link: exit $rc, expected 1"; fail=1; }
grep -q "/etc/default/grub: a symlink" <<<"$out" || { echo "FAIL: link: $out"; fail=1; }
[ -L "$root/etc/default/grub" ] || { echo "FAIL: link: the symlink was replaced"; fail=1; }
cmp -s "$root/etc/grub.real" "$fixtures/iommu-intel/etc/default/grub" || { echo "FAIL: link: target changed"; fail=1; }

# No grub file, and usage errors.
mkdir -p "$tmp/nogrub"
cp -a "$fixtures/iommu-intel/proc" "$tmp/nogrub/"
KVMNET_SYSROOT=$tmp/nogrub run nogrub-apply 1 tune iommu --apply
run usage-disk 2 tune iommu --disk sda
run usage-apply 2 tune show --apply

[ "$fail" = 0 ] && echo "tune iommu cli: all outputs match"
exit "$fail"
