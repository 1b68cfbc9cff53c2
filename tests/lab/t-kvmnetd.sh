#!/bin/bash
# lab: nics=2
# kvmnetd end to end in the lab guest (two QEMU igb PFs, 7 VFs each), as
# root, not in dry run: threshold 2, nested TCG domains (paused: no guest
# code is needed to hold a VF), with virsh, sysfs and the journal as the
# oracle.
#   - PF B is split by hand (2 VFs) and its VF 0 given by hand to vm-h:
#     vm-h keeps it, counts in M1, and PF B's numvfs is never changed;
#   - vm-1 starts: M1 2, the split starts; vm-1 gets PF B's free VF 1;
#   - vm-2 starts: kvmnetd must split PF A; it is SIGKILLed as soon as its
#     journal records PF A's numvfs (before the attach, normally); vm-3
#     starts while it is dead; restarted, it converges: no VF leaked, none
#     given twice, PF A's original numvfs (0) still in the journal;
#   - libvirtd restarts: the daemon reconnects, resyncs, changes nothing;
#   - vm-2, vm-3, vm-1 stop: M1 1 (vm-h), the split ends after min_dwell
#     (PF A back to 0 VFs and its autoprobe as found), not before; vm-h
#     still has its VF.
# Env: KVMNET_BUILD_DIR = the meson build dir.  Prints "ok N - ..." /
# "not ok N - ..." lines; exits 1 if any check failed, 77 without two igb
# SR-IOV PFs.
set -u
B=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}
KVMNETD=$B/kvmnetd K=$B/src/cli/kvmnetctl
URI=qemu:///system
DWELL_S=6
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { local d=$1; shift; if "$@" >/tmp/tk.out 2>&1; then ok "$d"; else nok "$d"; sed 's/^/#   /' /tmp/tk.out; fi; }
v() { virsh -q -c "$URI" "$@"; }
# wait_for SECONDS COMMAND...
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.5
	done
}

PFS=()
for d in /sys/class/net/*; do
	[ -e "$d/device/sriov_totalvfs" ] || continue
	[ "$(basename "$(readlink "$d/device/driver")")" = igb ] || continue
	PFS+=("$(basename "$d")")
done
[ "${#PFS[@]}" -ge 2 ] || { echo "# needs two igb SR-IOV PFs, found ${#PFS[@]}"; exit 77; }
PA=${PFS[0]} PB=${PFS[1]}
DA=/sys/class/net/$PA/device DB=/sys/class/net/$PB/device
PA_ADDR=$(basename "$(readlink -f "$DA")")
modprobe vfio-pci 2>/dev/null
modprobe bridge 2>/dev/null

T=$(mktemp -d /var/tmp/kvmnet-lab-kvmnetd.XXXXXX)
dpid=
stop_daemon() { [ -z "$dpid" ] || { kill -TERM "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null; }; dpid=; }
cleanup() {
	stop_daemon
	for d in vm-1 vm-2 vm-3 vm-h; do
		v destroy "$d" >/dev/null 2>&1
		v undefine "$d" >/dev/null 2>&1
	done
	"$K" sriov reset "$PA" --force >/dev/null 2>&1
	"$K" sriov reset "$PB" --force >/dev/null 2>&1
	ip link del kvlabbr0 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# libvirtd: the lab's, or one of our own (QEMU as root, no cgroups or
# namespaces in the guest).  Its pid file is how it is restarted below.
start_libvirtd() {
	virtlogd -d 2>/dev/null
	libvirtd -d
	wait_for 30 v version
}
if ! v version >/dev/null 2>&1; then
	mkdir -p /etc/libvirt
	cat >/etc/libvirt/qemu.conf <<'CONF'
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
namespaces = []
cgroup_controllers = []
CONF
	start_libvirtd || { echo "# cannot start libvirtd"; exit 1; }
fi

# Start from nothing; PF B split by hand, its VF 0 for vm-h.
"$K" sriov reset "$PA" --force >/dev/null 2>&1
"$K" sriov reset "$PB" --force >/dev/null 2>&1
autoprobe_a=$(cat "$DA/sriov_drivers_autoprobe")
check "hand split of $PB: 2 VFs" "$K" sriov set "$PB" 2
HAND_VF=$(basename "$(readlink "$DB/virtfn0")")
ip link add kvlabbr0 type bridge 2>/dev/null
ip link set kvlabbr0 up

# dom NAME [HOSTDEV-ADDR]: q35, TCG, a virtio NIC on the bridge, spare
# root ports for the hot-plugged VF.
dom() {
	local hostdev=
	if [ -n "${2:-}" ]; then
		IFS=':.' read -r dd bb ss ff <<<"$2"
		hostdev="<interface type='hostdev' managed='yes'><mac address='52:54:00:4b:ff:01'/>
<source><address type='pci' domain='0x$dd' bus='0x$bb' slot='0x$ss' function='0x$ff'/></source></interface>"
	fi
	cat >"$T/$1.xml" <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <features><acpi/></features>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/>
    <interface type='bridge'><source bridge='kvlabbr0'/><model type='virtio'/></interface>
    $hostdev
    <serial type='file'><source path='$T/$1.console'/></serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
XML
	v define "$T/$1.xml" >/dev/null
}
for d in vm-1 vm-2 vm-3; do check "define $d" dom "$d"; done
check "define vm-h with $PB VF 0 ($HAND_VF) by hand" dom vm-h "$HAND_VF"

# The PCI addresses of a domain's hostdev interfaces (the host side).
vfs_of() {
	v dumpxml "$1" | awk '
		/<interface type=.hostdev./ { inif = 1 }
		inif && /<source>/ { insrc = 1 }
		inif && insrc && /<address / {
			n = split("domain bus slot function", k, " ")
			for (i = 1; i <= n; i++) { s = $0; sub(".*" k[i] "=.0x", "", s); sub("[^0-9a-fA-F].*", "", s); a[i] = tolower(s) }
			printf "%s:%s:%s.%s\n", a[1], a[2], a[3], a[4]
		}
		/<\/source>/ { insrc = 0 }
		/<\/interface>/ { inif = 0 }'
}
running() { v list --name | grep -v '^$'; }
all_held() { for d in $(running); do vfs_of "$d"; done; }
n_vfs_of() { vfs_of "$1" | grep -c .; }
held_on() { # PF-DEVICE-DIR: how many of its VFs a running domain holds
	local c=0 h
	h=$(all_held)
	for l in "$1"/virtfn*; do
		[ -e "$l" ] && grep -qx "$(basename "$(readlink "$l")")" <<<"$h" && c=$((c + 1))
	done
	echo "$c"
}
view() { KVMNET_CTL_SOCKET=$T/sock "$K" status --json | jq -r ".daemon.view | $1"; }
daemon() { # LOGFILE
	"$KVMNETD" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>>"$1" &
	dpid=$!
	wait_for 30 test -S "$T/sock"
}
mkdir "$T/state"
cat >"$T/kvmnetd.conf" <<CONF
[libvirt]
uri = $URI
[sriov]
pf = $PA
pf = $PB
threshold = 2
vfs_per_vm = 1
min_dwell = ${DWELL_S}s
[daemon]
state_dir = $T/state
log_level = debug
CONF

check "vm-h starts with its hand VF" v start --paused vm-h
check "kvmnetd starts" daemon "$T/log1"
view_is() { [ "$(view "$1")" = "$2" ]; }
check "M1 1: no split" wait_for 20 view_is .mode inactive
check "vm-h is on the hand path" test "$(view '.vms[] | select(.name == "vm-h") | .path')" = vf-by-hand

check "vm-1 starts" v start --paused vm-1
has_vfs() { [ "$(n_vfs_of "$1")" = "$2" ]; }
check "vm-1 gets $PB's free VF 1" wait_for 60 has_vfs vm-1 1
check "vm-1's VF is $PB VF 1" test "$(vfs_of vm-1)" = "$(basename "$(readlink "$DB/virtfn1")")"
check "$PB not resized (hand split)" test "$(cat "$DB/sriov_numvfs")" = 2
check "$PA not split yet" test "$(cat "$DA/sriov_numvfs")" = 0

# vm-2 needs PF A split: kill the daemon as soon as its journal has PF A.
J=$T/state/journal.json
journal_has_pa() { jq -e --arg a "$PA_ADDR" '.pfs[] | select(.pf == $a and .numvfs_changed)' "$J" >/dev/null 2>&1; }
v start --paused vm-2 >/dev/null || nok "vm-2 starts"
end=$((SECONDS + 60))
until journal_has_pa || [ "$SECONDS" -ge "$end" ]; do sleep 0.02; done
kill -KILL "$dpid"
wait "$dpid" 2>/dev/null
dpid=
check "journal recorded $PA's numvfs before the change" journal_has_pa
before=$(n_vfs_of vm-2)
echo "# SIGKILL with $PA numvfs $(cat "$DA/sriov_numvfs"), vm-2 holding $before VF(s)"
check "vm-3 starts while kvmnetd is dead" v start --paused vm-3

check "kvmnetd restarts" daemon "$T/log2"
# Converged: every managed VM served or told why, nothing leaked or shared.
converged() {
	[ "$(n_vfs_of vm-1)" = 1 ] && [ "$(n_vfs_of vm-2)" = 1 ] || return 1
	[ "$(cat "$DA/sriov_numvfs")" = "$(held_on "$DA")" ] || return 1
	[ "$(n_vfs_of vm-3)" = 1 ] || [ "$(view '.vms[] | select(.name == "vm-3") | .waiting_for')" = pf-busy ]
}
check "converges after SIGKILL" wait_for 120 converged
dups=$(all_held | sort | uniq -d)
check "no VF given twice${dups:+: $dups}" test -z "$dups"
check "no VF leaked on $PA (numvfs = VFs held)" test "$(cat "$DA/sriov_numvfs")" = "$(held_on "$DA")"
on_vfio() { for l in "$1"/virtfn*; do [ "$(basename "$(readlink "$l/driver")")" = vfio-pci ] || return 1; done; }
check "every VF of $PA is on vfio-pci" on_vfio "$DA"
if [ "$before" = 0 ]; then
	check "vm-3 got a VF too ($PA resized through 0, nothing held)" test "$(n_vfs_of vm-3)" = 1
else
	echo "# the kill came after vm-2's attach: vm-3 waits for $PA (pf-busy)"
fi
check "vm-h keeps its hand VF" test "$(vfs_of vm-h)" = "$HAND_VF"
check "$PB still the hand split (2)" test "$(cat "$DB/sriov_numvfs")" = 2
check "journal keeps $PA's original numvfs 0" test "$(jq --arg a "$PA_ADDR" '.pfs[] | select(.pf == $a) | .numvfs' "$J")" = 0
check "journal: one attachment per VM it served" test "$(jq '.attached | length' "$J")" = "$(( $(n_vfs_of vm-1) + $(n_vfs_of vm-2) + $(n_vfs_of vm-3) ))"
check "status: M1 4, active" test "$(view '.m1,.mode' | tr '\n' ' ')" = "4 active "

# libvirtd restarts under the daemon.
state_before=$(for d in vm-1 vm-2 vm-3 vm-h; do echo "$d $(vfs_of "$d" | tr '\n' ' ')"; done)
lpid=$(cat /run/libvirtd.pid)
kill -TERM "$lpid"
wait_for 30 sh -c "! kill -0 $lpid"
check "disconnect logged" wait_for 20 grep -q "Lost the connection to $URI" "$T/log2"
sleep 2
check "libvirtd starts again" start_libvirtd
connects() { [ "$(grep -c -F "Connected to $URI; resynchronising" "$T/log2")" -ge 2 ]; }
check "kvmnetd reconnects and resyncs" wait_for 60 connects
sleep 3
state_after=$(for d in vm-1 vm-2 vm-3 vm-h; do echo "$d $(vfs_of "$d" | tr '\n' ' ')"; done)
check "the VMs hold the same VFs after the restart" test "$state_before" = "$state_after"
check "no change made after the resync" sh -c "! sed -n '/Lost the connection/,\$p' $T/log2 | grep -E '^(set PF|bind|attach|detach) '"
check "status: M1 4 after the resync" test "$(view .m1)" = 4

# Below the threshold: the split ends after min_dwell, not before.
for d in vm-2 vm-3 vm-1; do check "$d stops" v destroy "$d"; done
check "M1 1" wait_for 20 view_is .m1 1
sleep $((DWELL_S / 2))
check "$PA still split within min_dwell" test "$(cat "$DA/sriov_numvfs")" != 0
check "split ends after min_dwell: $PA numvfs 0" wait_for $((DWELL_S + 30)) grep -qx 0 "$DA/sriov_numvfs"
check "$PA autoprobe back to $autoprobe_a" test "$(cat "$DA/sriov_drivers_autoprobe")" = "$autoprobe_a"
check "$PB untouched (2 VFs)" test "$(cat "$DB/sriov_numvfs")" = 2
check "vm-h still has its hand VF" test "$(vfs_of vm-h)" = "$HAND_VF"
check "status: mode inactive" test "$(view .mode)" = inactive

stop_daemon
check "no failed action in the logs" sh -c "! grep -h -E '^(Failed to|Observing|Deciding)' $T/log1 $T/log2"
if [ "$failed" != 0 ]; then
	echo "# --- log1"; sed 's/^/#   /' "$T/log1"
	echo "# --- log2"; sed 's/^/#   /' "$T/log2"
fi
echo "# $failed of $n failed"
[ "$failed" = 0 ]
