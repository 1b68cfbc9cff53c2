# shellcheck shell=bash
# Sourced by the shell tests of tests/cli, tests/daemon and tests/libvirt:
#   . "$(dirname "$0")/../lib/testlib.sh"
# Check counting that goes on after a failure, waiting with a bound, a
# scratch directory removed at exit, and the fake igb host kvmnetd runs on.

t_fails=0
# fail MESSAGE...: record a failed check; the test goes on.
fail() {
	echo "FAIL: $*"
	t_fails=$((t_fails + 1))
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds, at most SECONDS.
wait_for() {
	local n=$(($1 * 10))
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# t_scratch NAME: $T, a new /tmp/kvmnet-NAME-XXXXXX, removed at exit after
# t_cleanup (a function the test may define, e.g. to stop its daemon).
t_scratch() {
	T=$(mktemp -d "/tmp/kvmnet-$1-XXXXXX") || exit 1
	_t_shell=$BASHPID
	trap _t_exit EXIT
}
# Only the test's own shell cleans up: a child that bash forked for a
# background command and that a signal ends before its exec (a daemon
# stopped at once) runs the inherited EXIT trap too, and used to remove
# $T under the running test.
_t_exit() {
	[ "$BASHPID" = "$_t_shell" ] || return 0
	if declare -F t_cleanup >/dev/null; then
		t_cleanup
	fi
	rm -rf "$T"
}

# t_done NAME: the verdict line, then exit 0 if no check failed, else 1.
t_done() {
	if [ "$t_fails" = 0 ]; then
		echo "$1: ok"
		exit 0
	fi
	echo "$1: $t_fails check(s) failed"
	exit 1
}

# status ARGS...: kvmnetctl ($ctl) status on $uri, through the daemon's
# socket $T/sock, on the tree copy $T/cli-root (kvmnetd_holding,
# fake_igb_seven_vfio).  view JQ: its --json through jq -c.
status() { KVMNET_SYSROOT=$T/cli-root KVMNET_CTL_SOCKET=$T/sock "$ctl" -c "$uri" status "$@"; }
view() { status --json 2>/dev/null | jq -c "$1" 2>/dev/null; }

# test_node DOMAIN...: a node for libvirt's test driver (one host of 4
# CPUs and 8 GiB) on stdout, with the running domains test_vm printed.
test_node() {
	echo "<node><cpu><mhz>2400</mhz><model>x86_64</model><active>4</active><nodes>1</nodes>"
	echo "<sockets>1</sockets><cores>4</cores><threads>1</threads></cpu><memory>8388608</memory>"
	printf '%s\n' "$@"
	echo "</node>"
}
# test_vm NAME UUID NN [SLOT FUNCTION]: a domain for test_node with a
# virtio NIC (MAC 52:54:00:00:NN:02) and, with SLOT and FUNCTION, a VF of
# bus 01 as an <interface type='hostdev'> (MAC 52:54:00:00:NN:01).
test_vm() {
	echo "<domain type='test'><name>$1</name><uuid>$2</uuid>"
	echo "<memory>1048576</memory><vcpu>2</vcpu><os><type>hvm</type></os><devices>"
	echo "<interface type='bridge'><mac address='52:54:00:00:$3:02'/><source bridge='br0'/><model type='virtio'/></interface>"
	[ $# -lt 5 ] || echo "<interface type='hostdev' managed='yes'><mac address='52:54:00:00:$3:01'/><source>" \
		"<address type='pci' domain='0x0000' bus='0x01' slot='$4' function='$5'/></source></interface>"
	echo "</devices></domain>"
}

# fake_igb_host SRC URI [CONF_LINE...]: kvmnetd's world for a --dry-run
# test in $T: a copy of tests/fixtures/sriov-igb-vfs (modelled on an
# 82576: VF 0 on vfio-pci, VF 1 on igbvf, VFs 2 and 3 free) as the
# sysroot, the control socket $T/sock, the state directory $T/state and
# $T/kvmnetd.conf naming that PF with threshold 2, libvirt URI and state
# directory; each CONF_LINE is added to the [sriov] section.
fake_igb_host() {
	local src=$1 uri=$2 line
	shift 2
	cp -a "$src/tests/fixtures/sriov-igb-vfs" "$T/root" || exit 1
	export KVMNET_SYSROOT=$T/root KVMNET_CTL_SOCKET=$T/sock
	mkdir "$T/state" || exit 1
	{
		printf '[libvirt]\nuri = %s\n' "$uri"
		printf '[sriov]\npf = 0000:01:00.0\nthreshold = 2\n'
		for line in "$@"; do
			printf '%s\n' "$line"
		done
		printf '[daemon]\nstate_dir = %s\n' "$T/state"
	} >"$T/kvmnetd.conf"
}

# kvmnetd_holding UUID_A UUID_B: after fake_igb_host, a kvmnetd's state
# on that host: it split the PF and gave VF 0 to the VM UUID_A and VF 2 to
# UUID_B (its journal), VFs 2 and 3 are on vfio-pci (VF 3 a spare); and
# $T/cli-root, a copy of the tree for kvmnetctl.
kvmnetd_holding() {
	local devs=$T/root/sys/devices/pci0000:00/0000:00:01.0 vf
	for vf in 0000:01:10.4 0000:01:10.6; do
		ln -sfn ../../../../bus/pci/drivers/vfio-pci "$devs/$vf/driver" || exit 1
		echo vfio-pci >"$devs/$vf/driver_override"
	done
	cat >"$T/state/journal.json" <<EOF
{ "version": 1, "active": true, "below_since_us": 0,
  "pfs": [ { "pf": "0000:01:00.0", "numvfs_changed": true, "numvfs": 0, "autoprobe": 1, "vfs": [] } ],
  "attached": [ { "vm": "$1", "pf": "0000:01:00.0", "vf": 0 },
                { "vm": "$2", "pf": "0000:01:00.0", "vf": 2 } ],
  "originals": {} }
EOF
	cp -a "$T/root" "$T/cli-root" || exit 1
}

# fake_igb_seven_vfio: after fake_igb_host, all 7 VFs made and on
# vfio-pci, and no PF netdev (so nothing over rtnetlink: libvirt sets the
# MAC from the interface XML); $T/cli-root, a copy of the tree for
# kvmnetctl.
fake_igb_seven_vfio() {
	local parent=$T/root/sys/devices/pci0000:00/0000:00:01.0 i vf d
	local pf=$parent/0000:01:00.0
	for i in 4 5 6; do
		vf=0000:01:11.$(((i - 4) * 2))
		mkdir "$parent/$vf"
		cp "$parent/0000:01:10.6/"{vendor,device,class} "$parent/$vf/"
		ln -s ../0000:01:00.0 "$parent/$vf/physfn"
		ln -s "../$vf" "$pf/virtfn$i"
		ln -s "../../../devices/pci0000:00/0000:00:01.0/$vf" "$T/root/sys/bus/pci/devices/$vf"
	done
	echo 7 >"$pf/sriov_numvfs"
	for d in "$parent"/0000:01:1*; do
		ln -sfn ../../../../bus/pci/drivers/vfio-pci "$d/driver"
		echo vfio-pci >"$d/driver_override"
	done
	rm -rf "$pf/net" "$T/root/sys/class/net/enp1s0"
	cp -a "$T/root" "$T/cli-root" || exit 1
}

# fault_preload SO: the LD_PRELOAD for tests/lib/fault-inject.c built as
# SO, after AddressSanitizer's runtime when it (built like kvmnetd) has one.
fault_preload() {
	local asan
	asan=$(ldd "$1" | awk '/libasan/ { print $3 }')
	echo "${asan:+$asan:}$1"
}

# libvirt_start_paused NET_XML DOMAIN_XML DOMAIN: create the transient
# network, define the domain and start it paused (no guest code runs), on
# $uri with virsh; a setup failure ends the test.
libvirt_start_paused() {
	virsh -q -c "$uri" net-create "$1" >/dev/null || { echo "cannot create the network"; exit 1; }
	virsh -q -c "$uri" define "$2" >/dev/null || { echo "cannot define $3"; exit 1; }
	virsh -q -c "$uri" start --paused "$3" >/dev/null || { echo "cannot start $3"; exit 1; }
}

# golden NAME WANT_RC RC OUT: a command's exit status RC must be WANT_RC
# and its output OUT the text of $gold/NAME; with KVMNET_UPDATE_GOLDEN set
# OUT is written there instead.
golden() {
	local name=$1 want_rc=$2 rc=$3 out=$4
	if [ "$rc" != "$want_rc" ]; then
		fail "$name: exit $rc, want $want_rc"
		echo "$out"
		return
	fi
	if [ -n "${KVMNET_UPDATE_GOLDEN:-}" ]; then
		printf '%s\n' "$out" >"$gold/$name"
	elif ! diff -u "$gold/$name" <(printf '%s\n' "$out"); then
		fail "$name: output differs from $gold/$name"
	fi
}

# Domains of libvirt's test driver (a node XML) on the fake igb host:
virtio() { # MAC [ALIAS]: a virtio NIC, the persistent member of a pair with ALIAS
	echo "<interface type='bridge'><mac address='$1'/><source bridge='br0'/><model type='virtio'/>"
	[ -z "${2:-}" ] || echo "<teaming type='persistent'/><alias name='$2'/>"
	echo "</interface>"
}
vf() { # MAC FUNCTION [PERSISTENT]: a hostdev interface on VF 0000:01:10.FUNCTION
	echo "<interface type='hostdev' managed='yes'><mac address='$1'/>"
	echo "<source><address type='pci' domain='0x0000' bus='0x01' slot='0x10' function='$2'/></source>"
	[ -z "${3:-}" ] || echo "<teaming type='transient' persistent='$3'/>"
	echo "</interface>"
}
domain() { # NAME UUID DEVICES
	echo "<domain type='test'><name>$1</name><uuid>$2</uuid><memory>1048576</memory><vcpu>2</vcpu>"
	echo "<os><type>hvm</type></os><devices>$3</devices></domain>"
}

# check_example_config KVMNETD CONF SOURCE_ROOT: the shipped example
# config.  It names a PF, and kvmnetd resolves every PF through sysfs, so
# on a host without that NIC --check-config must fail naming the file and
# the line; with the PF line pointed at a fake igb host's NIC
# (tests/fixtures/sriov-igb) the rest of the file must pass.  Both on
# fake trees, whatever NICs the machine running the test has.
check_example_config() {
	local kvmnetd=$1 conf=$2 src=$3 out pfline
	pfline=$(grep -n '^pf *=' "$conf" | head -n1)
	[ -n "$pfline" ] || { fail "$conf: no 'pf =' line"; return; }
	# A host without that NIC: tests/fixtures/check-intel-igb has enp3s0.
	out=$(KVMNET_SYSROOT=$src/tests/fixtures/check-intel-igb "$kvmnetd" --check-config -c "$conf" 2>&1) &&
		fail "--check-config passed a PF this host does not have: $out"
	grep -q "$conf:${pfline%%:*}: pf: .*no such interface" <<<"$out" ||
		fail "--check-config of a missing PF does not name $conf:${pfline%%:*}: $out"
	sed 's/^pf *=.*/pf = enp1s0/' "$conf" >"$T/example-here.conf"
	out=$(KVMNET_SYSROOT=$src/tests/fixtures/sriov-igb "$kvmnetd" --check-config -c "$T/example-here.conf" 2>&1) ||
		fail "the example config, with its PF pointed at a fake igb NIC, fails --check-config: $out"
	grep -q "configuration OK" <<<"$out" || fail "kvmnetd --check-config: $out"
}
