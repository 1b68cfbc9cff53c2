#!/bin/bash
# lab: nics=1 timeout=900
#
# kvmnetd [balloon] for real: a nested VM running Linux with a virtio
# balloon (virtio_balloon in its initramfs, statistics every 2 s), kvmnetd
# (not a dry run) with [balloon], and a memory hog on the lab host (L1)
# that keeps MemAvailable low and churns the page cache until PSI shows
# pressure, and frees memory rather than be OOM-killed.  Checked, with the
# guest's own MemTotal (through the guest agent) and libvirt as oracles:
#   - kvmnetctl vm balloon shows the guest's statistics and its floor;
#   - under the hog the balloon inflates (MemTotal inside drops), no change
#     below its floor, each change logged as host-pressure with the numbers;
#   - the hog ends: it deflates back to the original size;
#   - the hog again, then the guest fills its own /tmp: it is short and
#     gets memory back while the host is still under pressure (guest-short);
#   - kvmnetd stops with on_stop = revert while the guest is small: the
#     guest has its original size again;
#   - no OOM kill in the guest or on the lab host.
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

# The hog, a python3 on the lab host; the kernel's first choice should it
# ever come to an OOM kill (oom_score_adj 1000), not a VM.  It takes memory in chunks (touched) while PSI some avg10 is under
# 8% and MemAvailable above floor + band, so it also takes what the balloon
# gives back; with MemAvailable in the band (the lab has no swap: nothing to
# reclaim but page cache) it reads libraries through, so the page cache the
# running programs need is evicted and faulted back: the stall PSI counts.
# Under the floor it frees chunks until it is above again: whatever else
# wants memory (the guest filling itself, libvirt, a shell) gets it from
# the hog, not from the OOM killer.  It never holds more than MemAvailable
# at its start plus the guest's size.  It holds it all until $T/hog-run goes.
cat >"$T/hog.py" <<'PY'
import glob, mmap, os, sys, time
run, floor, band, extra = sys.argv[1], int(sys.argv[2]) << 20, int(sys.argv[3]) << 20, int(sys.argv[4]) << 20
quiet = run + '-quiet'
with open('/proc/self/oom_score_adj', 'w') as f:
    f.write('1000')
libs = sorted(glob.glob('/usr/lib/x86_64-linux-gnu/*.so*'), key=lambda f: -os.path.getsize(f))[:40]
def avail():
    for l in open('/proc/meminfo'):
        if l.startswith('MemAvailable:'):
            return int(l.split()[1]) << 10
def some10():
    return float(open('/proc/pressure/memory').readline().split()[1].split('=')[1])
# Populated by the kernel in one call: a page fault per page costs much
# more under TCG.
flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | getattr(mmap, 'MAP_POPULATE', 0x8000)
cap, chunks, held, freed = avail() + extra, [], 0, 0
while os.path.exists(run):
    a = avail()
    if a < floor and chunks:
        c = chunks.pop()
        held -= len(c)
        c.close()
        freed += 1
    elif some10() >= 8:
        time.sleep(0.5)
    elif a > floor + band and held < cap:
        n = (32 << 20) if a > floor + band + (256 << 20) else (4 << 20)
        chunks.append(mmap.mmap(-1, n, flags=flags))
        held += n
    elif os.path.exists(quiet):
        time.sleep(0.5)
    else:
        # Checked between files: one pass is seconds on a stalling host,
        # too slow to make room for a guest that fills itself.
        for f in libs:
            if avail() < floor:
                break
            with open(f, 'rb') as fh:
                fh.read()
        time.sleep(0.2)
print('hog: held %d MiB at the end, freed %d chunks on the way' % (held >> 20, freed), flush=True)
PY
hog_start() {
	: >"$T/hog-run"
	python3 "$T/hog.py" "$T/hog-run" 64 32 "$GMIB" &
	hogpid=$!
}
# hog_quiet: it still holds MemAvailable in its band (takes what the
# balloon frees, frees under its floor) but stops churning, so that PSI
# decays and the lab is quick again; hog_churn: it churns again.
hog_quiet() { : >"$T/hog-run-quiet"; }
hog_churn() { rm -f "$T/hog-run-quiet"; }
hog_stop() {
	rm -f "$T/hog-run" "$T/hog-run-quiet"
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
# Only this test's own kernel messages count for the OOM check: run-all
# runs other tests in the same boot.
dmesg0=$(dmesg | wc -l)
ttest=$(lab_now)
lab_libvirt_start
LAB_VM_BALLOON=2 lab_vm_define $G $GMIB linux
virsh -q start $G >/dev/null || lab_die "virsh start $G failed"
lab_vm_wait_console $G '^KVMNET-NESTED-READY' 600 "VM $G booted"
lab_vm_wait_agent $G 300
lab_time boot "$(lab_since "$ttest")"
lab_assert_match "memballoon model='virtio'" "$(virsh -q dumpxml $G)" "$G has a virtio balloon"
lab_assert_ok "virtio_balloon loaded in $G" lab_vm_exec $G 60 grep -q virtio_balloon /proc/modules
mt0=$(guest_memtotal)
lab_log "MemTotal inside $G: $mt0 KiB; libvirt: $(current_kib) KiB"
orig=$(current_kib)

lab_step "kvmnetd with [balloon]"
# Short hold and sampling so that the whole test stays within minutes.
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
calm = 2
min_share = 25
margin = 64M
step = 25
hold = 5s
CONF
"$KVMNETD" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/kvmnetd.log" &
kpid=$!
lab_wait_for 60 "kvmnetd serves" test -S "$T/sock"
lab_wait_for 60 "kvmnetd waits on a PSI trigger" grep -q "waiting on the PSI trigger" "$T/kvmnetd.log"
out=$("$K" vm balloon $G)
echo "$out"
lab_assert_match "^  usable +[0-9.]+ MiB" "$out" "kvmnetctl vm balloon: the guest's MemAvailable"
lab_assert_match "floor [0-9.]+ MiB: used" "$out" "kvmnetctl vm balloon: a floor from the guest's use"
record &
recpid=$!

lab_step "a hog on the lab host: the balloon inflates"
t0=$(lab_now)
hog_start
inflated() { [ "$(current_kib)" -lt "$((orig - 64 * 1024))" ]; }
lab_wait_for 300 "libvirt shows $G below its size" inflated
lab_time inflate "$(lab_since "$t0")"
lab_assert_match "^balloon: $G [0-9.]+ MiB -> [0-9.]+ MiB \(host-pressure; host PSI some" "$(cat "$T/kvmnetd.log")" \
	"the change is logged with the numbers"
# kvmnetd's floor, as its last change logged it (min_share 25, margin 64M).
floor_mib=$(grep "^balloon: $G .*host-pressure" "$T/kvmnetd.log" | tail -n 1 | sed -n 's/.*floor \([0-9]*\)\..*/\1/p')
lab_log "kvmnetd's floor: $floor_mib MiB"
# The guest sees it: MemTotal drops once the driver has inflated.  The
# hog stops churning but keeps MemAvailable low: the guest agent and virsh
# are slow on a stalling host, and with MemAvailable under the 10% reserve
# kvmnetd gives nothing back.
hog_quiet
mt_dropped() { [ "$(guest_memtotal)" -lt "$((mt0 - 64 * 1024))" ]; }
lab_wait_for 180 "MemTotal inside $G dropped by more than 64 MiB" mt_dropped
lab_log "MemTotal inside $G under pressure: $(guest_memtotal) KiB (was $mt0)"
lab_assert_eq 1 "$(($(current_kib) >= floor_mib * 1024 - 1024))" "not below the floor ($floor_mib MiB)"
"$K" status | sed -n '/balloon:/,$p'

lab_step "the hog ends: the balloon deflates"
t0=$(lab_now)
hog_stop
back() { [ "$(current_kib)" -ge "$orig" ]; }
lab_wait_for 180 "$G back to $orig KiB" back
lab_time deflate "$(lab_since "$t0")"
lab_assert_match "host-recovered" "$(cat "$T/kvmnetd.log")" "the give-back is logged"
mt2=$(guest_memtotal)
lab_assert_eq 1 "$((mt2 >= mt0 - 8 * 1024))" "MemTotal inside $G back ($mt2 KiB, was $mt0)"

lab_step "the hog again, then $G itself needs memory: it gets it back under pressure"
t0=$(lab_now)
recovered_before=$(grep -c "host-recovered" "$T/kvmnetd.log" || true)
hog_start
lab_wait_for 300 "libvirt shows $G below its size again" inflated
# The guest gives its pages back at its own pace (minutes on a stalling
# TCG host): the hog is quiet until it is within 16 MiB of kvmnetd's last
# target, then churns again for the fill.
target_kib() {
	grep "^balloon: $G .*(host-pressure" "$T/kvmnetd.log" | tail -n 1 |
		sed -n 's/.* -> \([0-9]*\)\.[0-9] MiB .*/\1/p' | awk '{ print $1 * 1024 }'
}
at_target() { [ "$(current_kib)" -le "$(($(target_kib) + 16 * 1024))" ]; }
hog_quiet
lab_wait_for 240 "$G at kvmnetd's target" at_target
hog_churn
small=$(current_kib)
[ "$small" -lt "$((orig - 64 * 1024))" ] || lab_die "$G is back at $small KiB before it could be filled"
# The guest fills its /tmp (tmpfs) in 2 MiB files until its own
# MemAvailable is under 8% of kvmnetd's target: short for kvmnetd (under 10%),
# far from an OOM kill (the kernel's reserve is about 1%).
limit=$(($(target_kib) * 8 / 100))
lab_log "$G at $small KiB (floor $floor_mib MiB): filling /tmp until MemAvailable < $limit KiB"
fill='i=0; while [ "$(awk "/^MemAvailable:/ {print \$2}" /proc/meminfo)" -gt '$limit' ] && [ $i -lt 200 ]; do
	dd if=/dev/zero of=/tmp/fill.$i bs=1M count=2 2>/dev/null || break; i=$((i + 1)); done; echo $((i * 2))'
filled=$(lab_vm_exec $G 120 sh -c "$fill") || true
lab_log "$G filled ${filled:-?} MiB; MemAvailable inside now $(lab_vm_exec $G 60 cat /proc/meminfo | awk '/^MemAvailable:/ {print $2}') KiB"
grown() { grep -q "^balloon: $G .*(guest-short" "$T/kvmnetd.log"; }
lab_wait_for 120 "kvmnetd grows $G (guest-short)" grown
lab_time guest_short "$(lab_since "$t0")"
grep "(guest-short" "$T/kvmnetd.log" | head -n 3
# kvmnetd's own numbers at the grow: PSI some avg10 not calm (calm = 2).
some=$(grep "^balloon: $G .*(guest-short" "$T/kvmnetd.log" | head -n 1 | sed -n 's/.*PSI some \([0-9.]*\)%.*/\1/p')
lab_assert_eq 1 "$(awk -v s="${some:-0}" 'BEGIN { print (s >= 2) }')" "the host still under pressure at the grow (PSI some $some%)"
lab_assert_eq "$recovered_before" "$(grep -c "host-recovered" "$T/kvmnetd.log" || true)" \
	"grown while the host had not recovered"
lab_assert_eq 1 "$(($(current_kib) > small))" "$G bigger than its $small KiB under pressure"
lab_vm_exec $G 60 sh -c 'rm -f /tmp/fill.*' || true

lab_step "on_stop = revert while $G is still small, then no OOM kill"
now_kib=$(current_kib)
lab_assert_eq 1 "$((now_kib < orig))" "$G below its original size ($now_kib < $orig KiB) when kvmnetd stops"
kill -TERM "$kpid"
rc=0
wait "$kpid" || rc=$?
kpid=
lab_assert_eq 0 "$rc" "kvmnetd exit status"
lab_wait_for 60 "on_stop = revert gave $G its original size ($orig KiB)" back
lab_assert_match "balloon: domain .* given back its original" "$(cat "$T/kvmnetd.log")" "the revert is logged"
hog_stop
back_inside() { [ "$(guest_memtotal)" -ge "$((mt0 - 8 * 1024))" ]; }
lab_wait_for 60 "MemTotal inside $G back after the revert" back_inside
lab_assert_nomatch "Out of memory|oom-kill|Killed process" "$(tr -d '\r' <"$(lab_vm_console $G)")" "no OOM kill in $G"
lab_assert_nomatch "Out of memory|oom-kill|Killed process" "$(dmesg | tail -n +"$((dmesg0 + 1))")" \
	"no OOM kill on the lab host"
lab_assert_eq running "$(lab_vm_state $G)" "$G still running"
# Every shrink kvmnetd made, against the floor it logged with it.
below=$(grep "^balloon: $G .*(host-pressure" "$T/kvmnetd.log" |
	sed -n 's/.* -> \([0-9.]*\) MiB .*floor \([0-9.]*\) MiB.*/\1 \2/p' | awk '$1 < $2' | wc -l)
lab_assert_eq 0 "$below" "no shrink below the floor ($(grep -c "(host-pressure" "$T/kvmnetd.log") shrinks)"
kill "$recpid" 2>/dev/null || true
recpid=
lab_time total "$(lab_since "$ttest")"
lab_log "trace: $(grep -c '|' "$LAB_OUT/recorded-lab.trace") seconds in $LAB_OUT/recorded-lab.trace"
grep '^balloon:' "$T/kvmnetd.log" | head -n 40
