#!/bin/bash
# lab: nics=2
# kvmnetd end to end in the lab guest (two QEMU igb PFs, 7 VFs each), as
# root, not in dry run: threshold 2, nested TCG domains (paused: no guest
# code is needed to hold a VF), with virsh, sysfs and the journal as the
# oracle.  Two rounds, so that a SIGKILL lands on each side of the kernel's
# sriov_numvfs write, deterministically: the daemon runs under strace, which
# holds it inside that write(2) (`inject=write:delay_enter` before the kernel
# runs it, `delay_exit` after), /proc/PID/syscall shows it is there, and the
# test kills it then.  No hook in the daemon.
#   - PF B is split by hand (2 VFs) and its VF 0 given by hand to vm-h:
#     vm-h keeps it, counts in M1, and PF B's numvfs is never changed;
# Round 1, default headroom (max):
#   - vm-1 starts: M1 2, the split starts; vm-1 gets PF B's free VF 1;
#   - vm-2 starts: kvmnetd must split PF A (to its 7 VFs); SIGKILL inside
#     the write, BEFORE the kernel runs it; restarted, it converges: PF A
#     at 7, vm-2 on it, 6 spares bound to vfio-pci, originals kept;
#   - vm-3 starts after the split: it takes a spare with no numvfs change
#     (vm-2 keeps its VF: nothing went through 0);
#   - libvirtd restarts: the daemon reconnects, resyncs, changes nothing;
#   - vm-2, vm-3, vm-1 stop: M1 1 (vm-h), the split ends after min_dwell
#     (PF A back to 0 VFs and its autoprobe as found), not before.
# Round 2, headroom = 0 (exact, the behaviour before the key):
#   - vm-1, then vm-2 start: PF A is split to 1; SIGKILL inside the write,
#     AFTER the kernel ran it (numvfs 1, nothing bound or attached); vm-3
#     starts while it is dead; restarted, it resizes PF A through 0 to 2
#     (nothing held) and keeps the originals; vm-4 then waits (pf-busy);
#   - all stop: the split ends, PF A at 0, autoprobe as found.
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
NUMVFS_A=$(readlink -f "$DA/sriov_numvfs")
TOTAL_A=$(cat "$DA/sriov_totalvfs")
command -v strace >/dev/null || { echo "# strace is missing (tools/install-deps.sh)"; exit 1; }
modprobe vfio-pci 2>/dev/null
modprobe bridge 2>/dev/null

T=$(mktemp -d /var/tmp/kvmnet-lab-kvmnetd.XXXXXX)
dpid='' spid=''
# A traced daemon (spid: its strace) is not this shell's child: kill it and
# reap strace.
stop_daemon() {
	if [ -n "$spid" ]; then
		kill -KILL "$dpid" 2>/dev/null
		wait "$spid" 2>/dev/null
	elif [ -n "$dpid" ]; then
		kill -TERM "$dpid" 2>/dev/null
		wait "$dpid" 2>/dev/null
	fi
	dpid='' spid=''
}
VMS="vm-1 vm-2 vm-3 vm-4 vm-h"
cleanup() {
	stop_daemon
	for d in $VMS; do
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
for d in vm-1 vm-2 vm-3 vm-4; do check "define $d" dom "$d"; done
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
# daemon_traced LOGFILE delay_enter|delay_exit: under strace, which holds
# the daemon for a minute in its first write(2) to PF A's sriov_numvfs,
# before or after the kernel runs it.  --seccomp-bpf: only writes stop it.
daemon_traced() {
	rm -f "$T/dpid" "$T/sock"
	# shellcheck disable=SC2016
	strace -f --seccomp-bpf -qq -o "$1.strace" -e trace=write -P "$NUMVFS_A" \
		-e inject=write:"$2"=60s:when=1 \
		bash -c 'echo $$ >"$0"; exec "$@"' "$T/dpid" \
		"$KVMNETD" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>>"$1" &
	spid=$!
	wait_for 30 test -s "$T/dpid" || return 1
	dpid=$(cat "$T/dpid")
	wait_for 30 test -S "$T/sock"
}
# The daemon is stopped inside write(2) (x86-64: 1) on PF A's sriov_numvfs.
in_numvfs_write() {
	local nr fd rest
	read -r nr fd rest <"/proc/$dpid/syscall" 2>/dev/null || return 1
	[ "$nr" = 1 ] && [ "$(readlink "/proc/$dpid/fd/$((fd))")" = "$NUMVFS_A" ]
}
# wait_fast SECONDS COMMAND...: wait_for, polling every 20 ms.
wait_fast() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.02
	done
}
kill_traced() {
	kill -KILL "$dpid"
	wait "$spid" 2>/dev/null
	dpid='' spid=''
}
mkdir "$T/state"
# config [HEADROOM-LINE]: without one, the default (max).
config() {
	cat >"$T/kvmnetd.conf" <<CONF
[libvirt]
uri = $URI
[sriov]
pf = $PA
pf = $PB
threshold = 2
vfs_per_vm = 1
min_dwell = ${DWELL_S}s
${1:-}
[daemon]
state_dir = $T/state
log_level = debug
CONF
}
config

check "vm-h starts with its hand VF" v start --paused vm-h
echo "# round 1 at ${SECONDS}s: headroom max (the default); SIGKILL before the kernel's numvfs write"
check "kvmnetd starts (under strace)" daemon_traced "$T/log1" delay_enter
view_is() { [ "$(view "$1")" = "$2" ]; }
check "M1 1: no split" wait_for 20 view_is .mode inactive
check "vm-h is on the hand path" test "$(view '.vms[] | select(.name == "vm-h") | .path')" = vf-by-hand

check "vm-1 starts" v start --paused vm-1
has_vfs() { [ "$(n_vfs_of "$1")" = "$2" ]; }
check "vm-1 gets $PB's free VF 1" wait_for 60 has_vfs vm-1 1
check "vm-1's VF is $PB VF 1" test "$(vfs_of vm-1)" = "$(basename "$(readlink "$DB/virtfn1")")"
check "$PB not resized (hand split)" test "$(cat "$DB/sriov_numvfs")" = 2
check "$PA not split yet" test "$(cat "$DA/sriov_numvfs")" = 0

# vm-2 needs PF A split: its numvfs write is held before the kernel runs it.
J=$T/state/journal.json
journal_pa() { jq -r --arg a "$PA_ADDR" ".pfs[] | select(.pf == \$a) | $1" "$J" 2>/dev/null; }
check "vm-2 starts" v start --paused vm-2
check "kvmnetd stops in its write to $PA's sriov_numvfs" wait_fast 120 in_numvfs_write
check "SIGKILL before the write: $PA numvfs still 0" test "$(cat "$DA/sriov_numvfs")" = 0
kill_traced
check "journal recorded $PA's numvfs before the write (intent, original 0)" \
	test "$(journal_pa '[.numvfs_changed, .numvfs] | join(",")')" = true,0
check "vm-2 holds no VF" test "$(n_vfs_of vm-2)" = 0

check "kvmnetd restarts" daemon "$T/log2"
# Converged: every managed VM served or told why, nothing given twice, and
# PF A at its totalvfs: the VMs' VFs plus the spares.
spare_a() { view ".pfs[] | select(.address == \"$PA_ADDR\") | .spare"; }
converged1() {
	[ "$(n_vfs_of vm-1)" = 1 ] && [ "$(n_vfs_of vm-2)" = 1 ] || return 1
	[ "$(cat "$DA/sriov_numvfs")" = "$TOTAL_A" ] && [ "$(spare_a)" = $((TOTAL_A - 1)) ]
}
check "converges after SIGKILL: $PA at $TOTAL_A VFs, $((TOTAL_A - 1)) spare" wait_for 120 converged1
dups=$(all_held | sort | uniq -d)
check "no VF given twice${dups:+: $dups}" test -z "$dups"
on_vfio() { for l in "$1"/virtfn*; do [ "$(basename "$(readlink "$l/driver")")" = vfio-pci ] || return 1; done; }
check "every VF of $PA is on vfio-pci, the spares too" wait_for 60 on_vfio "$DA"
check "vm-h keeps its hand VF" test "$(vfs_of vm-h)" = "$HAND_VF"
check "$PB still the hand split (2)" test "$(cat "$DB/sriov_numvfs")" = 2
check "journal keeps $PA's original numvfs 0" test "$(journal_pa .numvfs)" = 0

# Headroom: a VM that starts after the split takes a spare; numvfs is not
# touched (it would go through 0 and destroy vm-2's VF).
vm2_vf=$(vfs_of vm-2)
numvfs_writes() { grep -c "sriov_numvfs to" "$T/log2"; }
writes_before=$(numvfs_writes)
check "vm-3 starts after the split" v start --paused vm-3
check "vm-3 gets a spare VF of $PA" wait_for 60 has_vfs vm-3 1
check "vm-3's VF is on $PA" test -n "$(vfs_of vm-3 | grep -xF -f <(for l in "$DA"/virtfn*; do basename "$(readlink "$l")"; done))"
check "no numvfs change for vm-3 (log)" test "$(numvfs_writes)" = "$writes_before"
check "$PA still at $TOTAL_A VFs" test "$(cat "$DA/sriov_numvfs")" = "$TOTAL_A"
check "vm-2 still holds its VF ($vm2_vf)" test "$(vfs_of vm-2)" = "$vm2_vf"
spare_is() { [ "$(spare_a)" = "$1" ]; }
check "status: $((TOTAL_A - 2)) spare on $PA" wait_for 20 spare_is $((TOTAL_A - 2))
check "journal: one attachment per VM it served" test "$(jq '.attached | length' "$J")" = 3
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

# Below the threshold: the split ends after min_dwell, not before.  M1
# drops below 2 when vm-1 stops, so the dwell cannot start before t0: the
# split must not end within DWELL_S of it (measured, not slept: a fixed
# sleep read the dwell as over on a loaded machine).
for d in vm-2 vm-3; do check "$d stops" v destroy "$d"; done
t0=$(date +%s.%N)
check "vm-1 stops" v destroy vm-1
check "M1 1" wait_for 20 view_is .m1 1
check "split ends after min_dwell: $PA numvfs 0" wait_for $((DWELL_S + 30)) grep -qx 0 "$DA/sriov_numvfs"
dwelt=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
echo "# the split ended ${dwelt}s after vm-1's stop (min_dwell ${DWELL_S}s)"
check "$PA still split for min_dwell (${dwelt}s)" awk -v d="$dwelt" -v m="$DWELL_S" 'BEGIN { exit !(d >= m) }'
autoprobe_is() { [ "$(cat "$DA/sriov_drivers_autoprobe")" = "$1" ]; }
pa_forgotten() { [ -z "$(journal_pa .pf)" ]; }
check "$PA autoprobe back to $autoprobe_a" wait_for 10 autoprobe_is "$autoprobe_a"
check "$PB untouched (2 VFs)" test "$(cat "$DB/sriov_numvfs")" = 2
check "vm-h still has its hand VF" test "$(vfs_of vm-h)" = "$HAND_VF"
check "status: mode inactive" test "$(view .mode)" = inactive
check "journal forgot $PA" wait_for 10 pa_forgotten
stop_daemon

echo "# round 2 at ${SECONDS}s: headroom 0; SIGKILL after the kernel's numvfs write"
config "headroom = 0"
check "kvmnetd starts (under strace, headroom 0)" daemon_traced "$T/log3" delay_exit
check "vm-1 starts" v start --paused vm-1
check "vm-1 gets $PB's free VF 1 again" wait_for 60 has_vfs vm-1 1
check "vm-2 starts" v start --paused vm-2
after_write() { [ "$(cat "$DA/sriov_numvfs")" = 1 ] && in_numvfs_write; }
check "kvmnetd stops in its write to $PA's sriov_numvfs, after the kernel ran it" wait_fast 120 after_write
kill_traced
check "SIGKILL after the write: $PA numvfs 1" test "$(cat "$DA/sriov_numvfs")" = 1
check "vm-2 holds no VF" test "$(n_vfs_of vm-2)" = 0
check "journal recorded $PA (original 0), no attachment for vm-2" \
	test "$(journal_pa .numvfs),$(jq '.attached | length' "$J")" = 0,1
check "vm-3 starts while kvmnetd is dead" v start --paused vm-3

check "kvmnetd restarts" daemon "$T/log4"
converged2() {
	[ "$(n_vfs_of vm-1)" = 1 ] && [ "$(n_vfs_of vm-2)" = 1 ] && [ "$(n_vfs_of vm-3)" = 1 ] || return 1
	[ "$(cat "$DA/sriov_numvfs")" = 2 ] && [ "$(held_on "$DA")" = 2 ]
}
check "converges: $PA resized to 2, vm-2 and vm-3 on it, no spare" wait_for 120 converged2
# The log names a PF by its PCI address (every PF name is resolved to one).
pa_writes() { grep -E "^set PF ($PA|$PA_ADDR) sriov_numvfs to [0-9]+$" "$1" | awk '{ print $NF }' | paste -sd,; }
check "the restart resized $PA 1 -> 0 -> 2 (nothing held)" test "$(pa_writes "$T/log4")" = 0,2
dups=$(all_held | sort | uniq -d)
check "no VF given twice${dups:+: $dups}" test -z "$dups"
check "every VF of $PA is on vfio-pci" on_vfio "$DA"
check "journal still keeps $PA's original numvfs 0" test "$(journal_pa .numvfs)" = 0
check "status: headroom 0, no spare" test "$(view '[.headroom, .spare] | join(",")')" = 0,0
check "vm-4 starts" v start --paused vm-4
vm_waits() { [ "$(view ".vms[] | select(.name == \"$1\") | .waiting_for")" = "$2" ]; }
check "vm-4 waits: $PA has no spare and VFs in use (pf-busy)" wait_for 30 vm_waits vm-4 pf-busy
check "$PA still at 2 VFs" test "$(cat "$DA/sriov_numvfs")" = 2
for d in vm-4 vm-3 vm-2 vm-1; do check "$d stops" v destroy "$d"; done
check "split ends: $PA numvfs 0" wait_for $((DWELL_S + 60)) grep -qx 0 "$DA/sriov_numvfs"
check "$PA autoprobe back to $autoprobe_a" wait_for 10 autoprobe_is "$autoprobe_a"
check "journal forgot $PA" wait_for 10 pa_forgotten
check "vm-h still has its hand VF" test "$(vfs_of vm-h)" = "$HAND_VF"

stop_daemon
check "no failed action in the logs" sh -c "! grep -h -E '^(Failed to|Observing|Deciding)' $T/log1 $T/log2 $T/log3 $T/log4"
if [ "$failed" != 0 ]; then
	for l in log1 log2 log3 log4; do
		echo "# --- $l"; sed 's/^/#   /' "$T/$l"
	done
fi
echo "# $failed of $n failed, ${SECONDS}s"
[ "$failed" = 0 ]
