#!/bin/sh
# lab: nics=1
# The SR-IOV engine against the real igb driver, in the lab guest (QEMU igb,
# 82576 with 7 VFs), as root.  `ip link` and sysfs are the oracle.
# Env: KVMNET_BUILD_DIR = the meson build dir.  Prints "ok N - ..." /
# "not ok N - ..." lines and exits 1 if any check failed, 77 if there is no
# igb SR-IOV PF here.
set -u
K="${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}/src/cli/kvmnetctl"
BENCH="$KVMNET_BUILD_DIR/bench/vf-config"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; [ -s /tmp/t.out ] && sed 's/^/#   /' /tmp/t.out; }
# check DESC CMD...: CMD's output goes to /tmp/t.out (shown on failure), so a
# check that greps a command's output reads it from /tmp/t.cmd.
check() { desc=$1; shift; if "$@" > /tmp/t.out 2>&1; then ok "$desc"; else nok "$desc"; fi; }
check_fails() { desc=$1; shift; if "$@" > /tmp/t.out 2>&1; then nok "$desc (succeeded)"; else ok "$desc"; fi; }

PF=
for d in /sys/class/net/*; do
	[ -e "$d/device/sriov_totalvfs" ] || continue
	[ "$(basename "$(readlink "$d/device/driver")")" = igb ] || continue
	PF=$(basename "$d")
	break
done
[ -n "$PF" ] || { echo "# no igb SR-IOV PF"; exit 77; }
DEV=/sys/class/net/$PF/device
modprobe vfio-pci 2>/dev/null
modprobe igbvf 2>/dev/null
vf_addr() { basename "$(readlink "$DEV/virtfn$1")"; }
vf_driver() { d=$(readlink "$DEV/virtfn$1/driver" 2>/dev/null) && basename "$d"; }
iplink_vf() { ip link show "$PF" | grep -E "^ +vf $1 "; }

# kvmnetctl asks libvirt which VMs hold VFs before changing any, and
# refuses to change them blind: run libvirtd, as on a real host.
bash -c '. "$KVMNET_LAB_DIR/lib.sh" && lab_libvirt_start' > /dev/null || { echo "# libvirtd did not start"; exit 1; }

"$K" sriov reset "$PF" --force > /dev/null 2>&1
ip link set "$PF" down

# Creation: autoprobe off first, the PF up, 7 VFs, none with a driver.
check "sriov set $PF 7" "$K" sriov set "$PF" 7
check "numvfs is 7" test "$(cat "$DEV/sriov_numvfs")" = 7
check "autoprobe is 0" test "$(cat "$DEV/sriov_drivers_autoprobe")" = 0
check "PF is up" sh -c "ip link show $PF | grep -q '[<,]UP[,>]'"
drv=0
for i in 0 1 2 3 4 5 6; do [ -n "$(vf_driver $i)" ] && drv=1; done
check "new VFs are driverless" test $drv = 0
"$K" sriov set "$PF" 7 > /tmp/t.cmd 2>&1
check "same count again does nothing" grep -q "nothing to do" /tmp/t.cmd

# The kernel's own rule, which the engine works around.
check_fails "kernel: 7 -> 3 directly is EBUSY" sh -c "echo 3 > $DEV/sriov_numvfs"

# Bind and unbind.
check "vf bind 0 vfio-pci" "$K" vf bind "$PF" 0 vfio-pci
check "VF 0 on vfio-pci" test "$(vf_driver 0)" = vfio-pci
check "vf bind 0 none" "$K" vf bind "$PF" 0 none
check "VF 0 driverless" test -z "$(vf_driver 0)"
if [ -d /sys/bus/pci/drivers/igbvf ]; then
	check "vf bind 1 host" "$K" vf bind "$PF" 1 host
	check "VF 1 on igbvf" test "$(vf_driver 1)" = igbvf
	"$K" sriov set "$PF" 3 > /tmp/t.cmd 2>&1
	rc=$?
	check "set 3 refused while igbvf holds VF 1 (exit 1)" test $rc = 1
	check "refusal names VF 1 and igbvf" grep -q "VF 1 (.*): bound to host driver igbvf" /tmp/t.cmd
	check "numvfs still 7 after refusal" test "$(cat "$DEV/sriov_numvfs")" = 7
	check "vf bind 1 vfio-pci from igbvf" "$K" vf bind "$PF" 1 vfio-pci
	check "VF 1 on vfio-pci" test "$(vf_driver 1)" = vfio-pci
fi
check "set 3 with only vfio-pci/none VFs" "$K" sriov set "$PF" 3
check "numvfs is 3" test "$(cat "$DEV/sriov_numvfs")" = 3

# VF attributes, set by kvmnet, read back by ip(8); a refusal must be
# reported per attribute and match what ip shows.
"$K" vf set "$PF" 1 mac 02:11:22:33:44:55 vlan 100 qos 2 spoofchk off trust on state disable max-rate 100 > /tmp/vfset.out 2>&1
iplink_vf 1 > /tmp/iplink.out
cp /tmp/vfset.out /tmp/t.out; cat /tmp/iplink.out >> /tmp/t.out
attr() { # ATTR IP-PATTERN
	if grep -q "^vf 1 $1:" /tmp/vfset.out; then
		check "vf 1 $1 set, ip agrees" grep -q "$2" /tmp/iplink.out
	elif grep -q "vf 1 $1 .*refused" /tmp/vfset.out; then
		check "vf 1 $1 refused by igb, ip agrees" sh -c "! grep -q '$2' /tmp/iplink.out"
	else
		nok "vf 1 $1: neither set nor refused"
	fi
}
attr mac "02:11:22:33:44:55"
attr vlan "vlan 100, qos 2"
attr spoofchk "spoof checking off"
attr trust "trust on"
attr state "link-state disable"
attr max-rate "max_tx_rate 100Mbps"
"$K" vf set "$PF" 1 min-rate 10 > /tmp/t.cmd 2>&1
rc=$?
check "min-rate refused by igb, named, exit 1" sh -c "[ $rc = 1 ] && grep -q 'vf 1 min-rate .*refused' /tmp/t.cmd"
"$K" vf set "$PF" 1 mac 02:11:22:33:44:55 vlan 100 qos 2 > /tmp/t.cmd 2>&1
check "same attributes again: already so" sh -c "[ \$(grep -c 'already so' /tmp/t.cmd) = 2 ]"
"$K" sriov show "$PF" > /tmp/t.cmd 2>&1
check "sriov show lists VF 1's MAC and VLAN" grep -q "^  1 .*02:11:22:33:44:55 *100 *2" /tmp/t.cmd

# Persistence in the guest's /etc, then restore after a reset.
# set 3 went through 0 and made VF 1 anew, driverless: bind it again so
# that persist records a binding for restore to redo.
check "vf bind 1 vfio-pci before persist" "$K" vf bind "$PF" 1 vfio-pci
# The boot unit runs the installed kvmnetctl (the build's sbindir), and
# persist refuses one that is missing or that a user could replace: put
# this build's there, in the lab's overlay, as meson install would.
installed=$(meson introspect "$KVMNET_BUILD_DIR" --buildoptions |
	jq -r '[.[] | select(.name == "prefix" or .name == "sbindir")] | map({(.name): .value}) | add |
		if (.sbindir | startswith("/")) then .sbindir else .prefix + "/" + .sbindir end')/kvmnetctl
check "kvmnetctl installed at $installed" install -D -o root -g root -m 0755 "$K" "$installed"
check "sriov persist" "$K" sriov persist "$PF"
check "state file written" sh -c "grep -q 'numvfs 3' /etc/kvmnet/sriov.d/*.conf"
check "unit enabled" test -L /etc/systemd/system/multi-user.target.wants/kvmnet-sriov.service
check "sriov reset" "$K" sriov reset "$PF"
check "numvfs 0 and autoprobe 1 after reset" sh -c "[ \$(cat $DEV/sriov_numvfs) = 0 ] && [ \$(cat $DEV/sriov_drivers_autoprobe) = 1 ]"
"$K" sriov restore > /tmp/t.cmd 2>&1
rc=$?
sed "s/^/#   restore: /" /tmp/t.cmd
# Rates too: restore waits for the PF's carrier (igb refuses them before).
check "sriov restore exits 0" test $rc = 0
check "sriov restore: 3 VFs again" test "$(cat "$DEV/sriov_numvfs")" = 3
check "restore: VF 1 MAC back" sh -c "ip link show $PF | grep -E '^ +vf 1 ' | grep -q 02:11:22:33:44:55"
check "restore: VF 1 back on vfio-pci" test "$(vf_driver 1)" = vfio-pci
check "sriov unpersist" "$K" sriov unpersist
check "nothing of it left" sh -c "! ls /etc/kvmnet /etc/systemd/system/kvmnet-sriov.service 2>/dev/null"

# The benchmark, where the VFs are.
if [ -x "$BENCH" ]; then
	"$K" sriov set "$PF" 7 --force > /dev/null 2>&1
	"$BENCH" "$PF" > /tmp/t.out 2>&1
	rc=$?
	sed 's/^/# /' /tmp/t.out
	check "bench/vf-config ran" test $rc = 0
fi

"$K" sriov reset "$PF" --force > /dev/null 2>&1
echo "# $n checks, $failed failed"
[ $failed = 0 ]
