#!/bin/bash
# lab: nics=1 timeout=3600
#
# kvmnetd [balloon] for real: a nested VM running Linux with a virtio
# balloon (virtio_balloon in its initramfs, statistics every 2 s), kvmnetd
# (not a dry run) with [balloon], and a memory hog on the lab host (L1)
# that keeps MemAvailable low and churns the page cache until PSI shows
# pressure.  Checked, with the
# guest's own MemTotal (through the guest agent) and libvirt as oracles:
#   - kvmnetctl vm balloon shows the guest's statistics and its floor;
#   - under the hog the balloon inflates (MemTotal inside drops), never
#     below the floor, each change logged as host-pressure;
#   - the hog ends: it deflates back to the original size;
#   - the hog again, then the guest fills its own /tmp: it is short and
#     gets memory back while the host is still under pressure (guest-short);
#   - no OOM kill in the guest or on the lab host;
#   - kvmnetd stops with on_stop = revert: the guest has its original size.
# One guest, not two: each nested Linux boot costs minutes under TCG.
# A memory trace (host demand and the guest's, one line per second) is
# recorded to $LAB_OUT/recorded-lab.trace for bench/balloon-policy.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

B=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}
KVMNETD=$B/kvmnetd K=$B/src/cli/kvmnetctl
[ -x "$KVMNETD" ] && [ -x "$K" ] || lab_die "kvmnetd or kvmnetctl not built in $B"
pf=$(lab_pfs | head -n 1)
G=lab-bal
GMIB=512
T=$(mktemp -d /var/tmp/kvmnet-lab-balloon.XXXXXX)
kpid= hogpid= recpid=

lab_cleanup() {
	[ -z "$hogpid" ] || kill "$hogpid" 2>/dev/null
	[ -z "$recpid" ] || kill "$recpid" 2>/dev/null
	[ -z "$kpid" ] || kill "$kpid" 2>/dev/null
	virsh -q destroy $G >/dev/null 2>&1
	virsh -q undefine $G >/dev/null 2>&1
	[ ! -f "$T/kvmnetd.log" ] || cp "$T/kvmnetd.log" "$LAB_OUT/balloon-kvmnetd.log"
}

# The guest's MemTotal in KiB, as the guest itself sees it.
guest_memtotal() { lab_vm_exec $G 60 cat /proc/meminfo | awk '/^MemTotal:/ {print $2}'; }
# libvirt's current size of the guest, KiB.
current_kib() { virsh -q dominfo $G | awk '/^Used memory/ {print $3}'; }
avail_kib() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }

# The hog: allocates 8 MiB at a time, touching every page, while PSI some
# avg10 is under 8% and MemAvailable above 40 MiB, and keeps allocating as
# the balloon gives memory back.  At that floor without stall (the lab has
# no swap: nothing to reclaim but page cache) it reads libraries through,
# so that the page cache the running programs need is evicted and faulted
# back: the stall PSI counts.  It holds it all until $T/hog-run goes.
cat >"$T/hog.py" <<'PY'
import glob, os, sys, time
run = sys.argv[1]
chunks = []
libs = sorted(glob.glob('/usr/lib/x86_64-linux-gnu/*.so*'), key=lambda f: -os.path.getsize(f))[:40]
def avail():
    for l in open('/proc/meminfo'):
        if l.startswith('MemAvailable:'):
            return int(l.split()[1])
def some10():
    return float(open('/proc/pressure/memory').readline().split()[1].split('=')[1])
while os.path.exists(run):
    if some10() >= 8:
        time.sleep(0.5)
    elif avail() > 40 * 1024:
        chunks.append(b'\x01' * (8 << 20))
        time.sleep(0.05)
    else:
        for f in libs:
            with open(f, 'rb') as fh:
                fh.read()
        time.sleep(0.2)
PY
hog_start() {
	: >"$T/hog-run"
	python3 "$T/hog.py" "$T/hog-run" &
	hogpid=$!
}
hog_stop() {
	rm -f "$T/hog-run"
	wait "$hogpid" 2>/dev/null || true
	hogpid=
}

# One line per second: the lab host's own demand (used minus the guest's
# QEMU RSS) and the guest's (MemTotal - MemAvailable inside, from the
# balloon statistics), MiB; a slow sample repeats the last line.
record() {
	local t0 last=-1 now t total avail st gavail gusable grss host guest
	t0=$(lab_now)
	{
		echo "# recorded-lab: t-balloon.sh, one nested guest of $GMIB MiB, a hog on the lab host"
		echo "# host demand = lab host MemTotal - MemAvailable - the guest's QEMU RSS"
		echo "host_mib $(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024))"
		echo "guest $G $GMIB"
	} >"$LAB_OUT/recorded-lab.trace"
	while :; do
		total=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
		avail=$(avail_kib)
		st=$(virsh -q dommemstat $G 2>/dev/null) || { sleep 1; continue; }
		gavail=$(awk '$1 == "available" {print $2}' <<<"$st")
		gusable=$(awk '$1 == "usable" {print $2}' <<<"$st")
		grss=$(awk '$1 == "rss" {print $2}' <<<"$st")
		[ -n "$gavail" ] && [ -n "$gusable" ] && [ -n "$grss" ] || { sleep 1; continue; }
		host=$(((total - avail - grss) / 1024))
		guest=$(((gavail - gusable) / 1024))
		now=$(lab_now)
		t=$(awk -v a="$now" -v b="$t0" 'BEGIN { printf "%d", a - b }')
		while [ "$last" -lt "$t" ]; do
			last=$((last + 1))
			echo "$last $host | $guest" >>"$LAB_OUT/recorded-lab.trace"
		done
		sleep 1
	done
}

lab_step "libvirt and a nested Linux VM of $GMIB MiB with a virtio balloon"
lab_libvirt_start
LAB_VM_BALLOON=2 lab_vm_define $G $GMIB linux
virsh -q start $G >/dev/null || lab_die "virsh start $G failed"
lab_vm_wait_console $G '^KVMNET-NESTED-READY' 600 "VM $G booted"
lab_vm_wait_agent $G 300
lab_assert_match "memballoon model='virtio'" "$(virsh -q dumpxml $G)" "$G has a virtio balloon"
lab_assert_ok "virtio_balloon loaded in $G" lab_vm_exec $G 60 grep -q virtio_balloon /proc/modules
mt0=$(guest_memtotal)
lab_log "MemTotal inside $G: $mt0 KiB; libvirt: $(current_kib) KiB"
orig=$(current_kib)

lab_step "kvmnetd with [balloon]"
cat >"$T/kvmnetd.conf" <<CONF
[libvirt]
uri = qemu:///system
[sriov]
pf = $pf
threshold = 99
[daemon]
state_dir = $T/state
on_stop = revert
[balloon]
interval = 2s
stats_period = 2
pressure = 5
calm = 1
min_share = 25
margin = 64M
step = 25
hold = 20s
CONF
"$KVMNETD" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/kvmnetd.log" &
kpid=$!
lab_wait_for 60 "kvmnetd serves" test -S "$T/sock"
lab_wait_for 60 "kvmnetd waits on a PSI trigger" grep -q "waiting on the PSI trigger" "$T/kvmnetd.log"
out=$("$K" vm balloon $G)
echo "$out"
lab_assert_match "^  usable +[0-9.]+ MiB" "$out" "kvmnetctl vm balloon: the guest's MemAvailable"
lab_assert_match "floor [0-9.]+ MiB: used" "$out" "kvmnetctl vm balloon: a floor from the guest's use"
lab_log "kvmnetctl's floor (its defaults, not kvmnetd.conf's): $("$K" vm balloon $G --json | jq .floor_kib) KiB"
record &
recpid=$!

lab_step "a hog on the lab host: the balloon inflates"
t0=$(lab_now)
hog_start
inflated() { [ "$(current_kib)" -lt "$((orig - 64 * 1024))" ]; }
lab_wait_for 600 "libvirt shows $G below its size" inflated
lab_time inflate "$(lab_since "$t0")"
lab_assert_match "^balloon: $G [0-9.]+ MiB -> [0-9.]+ MiB \(host-pressure; host PSI some" "$(cat "$T/kvmnetd.log")" \
	"the change is logged with the numbers"
sleep 30
# kvmnetd's floor, as its last change logged it (min_share 25, margin 64M).
floor_mib=$(grep "^balloon: $G .*host-pressure" "$T/kvmnetd.log" | tail -n 1 | sed -n 's/.*floor \([0-9]*\)\..*/\1/p')
lab_log "kvmnetd's floor: $floor_mib MiB"
mt1=$(guest_memtotal)
lab_log "MemTotal inside $G under pressure: $mt1 KiB (was $mt0)"
lab_assert_eq 1 "$((mt1 < mt0 - 64 * 1024))" "MemTotal inside $G dropped by more than 64 MiB"
lab_assert_eq 1 "$(($(current_kib) >= floor_mib * 1024 - 1024))" "never below the floor ($floor_mib MiB)"
"$K" status | sed -n '/balloon:/,$p'

lab_step "the hog ends: the balloon deflates"
t0=$(lab_now)
hog_stop
back() { [ "$(current_kib)" -ge "$orig" ]; }
lab_wait_for 300 "$G back to $orig KiB" back
lab_time deflate "$(lab_since "$t0")"
lab_assert_match "host-recovered" "$(cat "$T/kvmnetd.log")" "the give-back is logged"
mt2=$(guest_memtotal)
lab_assert_eq 1 "$((mt2 >= mt0 - 8 * 1024))" "MemTotal inside $G back ($mt2 KiB, was $mt0)"

lab_step "the hog again, then $G itself needs memory: it gets it back under pressure"
recovered_before=$(grep -c "host-recovered" "$T/kvmnetd.log" || true)
hog_start
lab_wait_for 600 "libvirt shows $G below its size again" inflated
at_floor() { [ "$(current_kib)" -le "$(((floor_mib + 8) * 1024))" ]; }
lab_wait_for 120 "$G at its floor" at_floor || true
small=$(current_kib)
# Filling a guest that is not small would only starve it: fail instead.
[ "$small" -lt "$((orig - 64 * 1024))" ] || lab_die "$G is back at $small KiB before it could be filled"
usable=$("$K" vm balloon $G --json | jq '.usable_kib / 1024 | floor')
fill=$((usable > 16 ? usable - 8 : 8))
lab_log "$G at ${small:-?} KiB, usable $usable MiB: filling /tmp with $fill MiB"
lab_vm_exec $G 120 dd if=/dev/zero of=/tmp/fill bs=1M count=$fill >/dev/null 2>&1 || true
grown() { grep -q "^balloon: $G .*(guest-short" "$T/kvmnetd.log"; }
lab_wait_for 120 "kvmnetd grows $G (guest-short)" grown
lab_assert_eq "$recovered_before" "$(grep -c "host-recovered" "$T/kvmnetd.log" || true)" \
	"grown while the host had not recovered"
lab_vm_exec $G 60 rm -f /tmp/fill || true
hog_stop
lab_wait_for 300 "$G back to $orig KiB after the second hog" back

lab_step "no OOM kill, and on_stop = revert"
lab_assert_nomatch "Out of memory|oom-kill|Killed process" "$(tr -d '\r' <"$(lab_vm_console $G)")" "no OOM kill in $G"
lab_assert_nomatch "Out of memory|oom-kill|Killed process" "$(dmesg)" "no OOM kill on the lab host"
lab_assert_eq running "$(lab_vm_state $G)" "$G still running"
hog_start
lab_wait_for 600 "libvirt shows $G below its size a third time" inflated
hog_stop
kill -TERM "$kpid"
rc=0
wait "$kpid" || rc=$?
kpid=
lab_assert_eq 0 "$rc" "kvmnetd exit status"
lab_assert_eq "$orig" "$(current_kib)" "on_stop = revert gave $G its original size"
lab_assert_match "balloon: domain .* given back its original" "$(cat "$T/kvmnetd.log")" "the revert is logged"
kill "$recpid" 2>/dev/null || true
recpid=
lab_log "trace: $(grep -c '|' "$LAB_OUT/recorded-lab.trace") seconds in $LAB_OUT/recorded-lab.trace"
grep '^balloon:' "$T/kvmnetd.log" | head -n 40
