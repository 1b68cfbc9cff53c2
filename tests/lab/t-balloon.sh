#!/bin/bash
# lab: nics=1 timeout=900
#
# kvmnetd [balloon] for real: a nested VM running Linux with a virtio
# balloon (virtio_balloon in its initramfs, statistics every 2 s), kvmnetd
# (not a dry run) with [balloon], and a memory hog on the lab host (L1)
# that holds most of the host's free memory and wants more than its
# cgroup's memory.high allows: the kernel throttles it, a memory stall
# that PSI counts, while the host keeps room for the guest to grow (so
# nothing here waits on a race with the OOM killer).  Checked, with the
# guest's own MemTotal (through the guest agent) and libvirt as oracles:
#   - kvmnetctl vm balloon shows the guest's statistics and its floor;
#   - under the hog the balloon inflates (MemTotal inside drops), no change
#     below its floor, each change logged as host-pressure with the numbers;
#   - still under the hog, the guest fills its own /tmp: it is short and
#     gets memory back while the host is under pressure (guest-short);
#   - the hog ends: it deflates back to the original size;
#   - the hog again: kvmnetd stops with on_stop = revert while the guest is
#     small: the guest has its original size again;
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
	[ -z "$hogpid" ] || { kill -KILL "$hogpid" 2>/dev/null; wait "$hogpid" 2>/dev/null; }
	[ -z "$recpid" ] || kill "$recpid" 2>/dev/null
	[ -z "$kpid" ] || kill "$kpid" 2>/dev/null
	virsh -q destroy $G >/dev/null 2>&1
	virsh -q undefine $G >/dev/null 2>&1
	hog_cgroup_remove
	[ ! -f "$T/kvmnetd.log" ] || cp "$T/kvmnetd.log" "$LAB_OUT/balloon-kvmnetd.log"
}

# The guest's MemTotal in KiB, as the guest itself sees it.
guest_memtotal() { lab_vm_exec $G 60 cat /proc/meminfo | awk '/^MemTotal:/ {print $2}'; }
# libvirt's current size of the guest, KiB.
current_kib() { virsh -q dominfo $G | awk '/^Used memory/ {print $3}'; }
avail_kib() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
# kvmnetd's log lines of one kind ("host-pressure", "guest-short",
# "host-recovered") about the guest, and how many there are.
klog() { grep "^balloon: $G .*($1" "$T/kvmnetd.log" || true; }
kcount() { klog "$1" | wc -l; }

# The hog: a python3 on the lab host in a cgroup of its own.  The lab has
# no swap, so a hog that fills the host makes PSI show a stall only by
# churning the page cache at the edge of the OOM killer: the last such
# hog was OOM-killed while the guest filled itself, and the host
# recovered before the guest was seen short.  This one takes MemAvailable
# at its start minus room for the guest's whole size and 256 MiB more
# (never less than 128 MiB), then its memory.high is set to 90% of what it
# holds: each 256 KiB it then touches (and frees again) costs it about
# 0.8 s in the kernel's memory.high throttle, a memory stall PSI counts
# (psi_memstall_enter in mem_cgroup_handle_over_high), and
# /proc/pressure/memory is the whole host's.  It touches more only while
# PSI some avg10 is under 12%, so the host stays at 12 to 30% "some":
# pressure for kvmnetd (5), and calm (under 2, "full" under 0.5) some 35 s
# after it ends.  The host's free memory does not move while it runs:
# whatever the guest wants is there, and nothing is OOM-killed.  It ends
# with SIGKILL (the throttle sleeps killable).  python3 is loaded once
# outside the cgroup first, so that its pages are charged to the root and
# the cgroup's reclaim has nothing of the interpreter's to evict.
HOGCG=/sys/fs/cgroup/kvmnet-lab-balloon-hog
hog_added_memory=
cat >"$T/hog.py" <<'PY'
import mmap, os, sys, time
cg, room, target = sys.argv[1], int(sys.argv[2]) << 20, float(sys.argv[3])
with open(cg + '/cgroup.procs', 'w') as f:
    f.write(str(os.getpid()))
def avail():
    for l in open('/proc/meminfo'):
        if l.startswith('MemAvailable:'):
            return int(l.split()[1]) << 10
def some10():
    with open('/proc/pressure/memory') as f:
        return float(f.readline().split()[1].split('=')[1])
# Populated by the kernel in one call: a page fault per page costs much
# more under TCG.
flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | getattr(mmap, 'MAP_POPULATE', 0x8000)
held = [mmap.mmap(-1, 32 << 20, flags=flags) for _ in range(max(4, (avail() - room) >> 25))]
with open(cg + '/memory.current') as f:
    cur = int(f.read())
with open(cg + '/memory.high', 'w') as f:
    f.write(str(cur * 9 // 10))
print('hog: holding %d MiB, memory.high %d MiB, MemAvailable %d MiB' %
      (cur >> 20, (cur * 9 // 10) >> 20, avail() >> 20), flush=True)
while True:
    if some10() < target:
        mmap.mmap(-1, 256 << 10, flags=flags).close()
    else:
        time.sleep(0.5)
PY
# The hog's cgroup, with the memory controller enabled in the root (put
# back as it was at the end: other tests run in the same boot).
hog_cgroup_add() {
	grep -qw memory /sys/fs/cgroup/cgroup.controllers || lab_die "no memory controller in /sys/fs/cgroup"
	if ! grep -qw memory /sys/fs/cgroup/cgroup.subtree_control; then
		echo +memory >/sys/fs/cgroup/cgroup.subtree_control || lab_die "cannot enable the memory controller"
		hog_added_memory=1
	fi
	mkdir -p "$HOGCG"
}
hog_cgroup_remove() {
	[ ! -d "$HOGCG" ] || rmdir "$HOGCG" 2>/dev/null || lab_log "cannot remove $HOGCG"
	[ -z "$hog_added_memory" ] || echo -memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
	hog_added_memory=
}
hog_start() {
	echo max >"$HOGCG/memory.high"
	python3 "$T/hog.py" "$HOGCG" $((GMIB + 256)) 12 &
	hogpid=$!
}
hog_stop() {
	kill -KILL "$hogpid" 2>/dev/null || true
	wait "$hogpid" 2>/dev/null || true
	hogpid=
	lab_log "hog: memory.events $(tr '\n' ' ' <"$HOGCG/memory.events")"
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
# Short sampling so that the whole test stays within minutes; a hold of
# 20 s so that the guest grown for being short keeps what it was given
# while the test looks (under pressure, 5 s after the grow kvmnetd took it
# back to its floor, used + margin, and a guest still filling itself was
# short again: grown and shrunk every 10 s).
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
record &
recpid=$!

lab_step "a hog on the lab host, held at its memory.high: the balloon inflates"
hog_cgroup_add
# The interpreter's pages charged to the root cgroup, not the hog's.
python3 -c 'import mmap, os, sys, time'
t0=$(lab_now)
hog_start
inflated() { [ "$(current_kib)" -lt "$((orig - 64 * 1024))" ]; }
lab_wait_for 300 "libvirt shows $G below its size" inflated
lab_time inflate "$(lab_since "$t0")"
lab_assert_match "^balloon: $G [0-9.]+ MiB -> [0-9.]+ MiB \(host-pressure; host PSI some" "$(cat "$T/kvmnetd.log")" \
	"the change is logged with the numbers"
# kvmnetd's last target and the floor it logged with it, whole MiB.
target_mib() { klog host-pressure | tail -n 1 | sed -n 's/.* -> \([0-9]*\)\.[0-9] MiB .*/\1/p'; }
floor_mib() { klog host-pressure | tail -n 1 | sed -n 's/.*floor \([0-9]*\)\.[0-9] MiB.*/\1/p'; }
# kvmnetd takes up to four steps a change, a change per 10 s at most, and
# the guest gives its pages back at its own pace: the fill below is small
# only once the guest is at its floor.
at_floor() {
	local t
	t=$(target_mib)
	[ -n "$t" ] && [ "$t" -le "$(floor_mib)" ] && [ "$(current_kib)" -le "$(((t + 16) * 1024))" ]
}
lab_wait_for 240 "$G at kvmnetd's floor" at_floor
lab_time floor "$(lab_since "$t0")"
fl=$(floor_mib)
lab_log "kvmnetd's floor: $fl MiB; $G at $(current_kib) KiB"
mt_dropped() { [ "$(guest_memtotal)" -lt "$((mt0 - 64 * 1024))" ]; }
lab_wait_for 120 "MemTotal inside $G dropped by more than 64 MiB" mt_dropped
lab_log "MemTotal inside $G under pressure: $(guest_memtotal) KiB (was $mt0)"
lab_assert_eq 1 "$(($(current_kib) >= fl * 1024 - 1024))" "not below the floor ($fl MiB)"
"$K" status | sed -n '/balloon:/,$p'

lab_step "still under the hog, $G itself needs memory: it gets it back under pressure"
t0=$(lab_now)
recovered_before=$(kcount host-recovered)
small=$(current_kib)
# The guest fills its /tmp (tmpfs) in 2 MiB files until its own
# MemAvailable is under 8% of its size (short for kvmnetd: under 10%; far
# from an OOM kill, the kernel's reserve is about 1%), or until its
# MemTotal grew by 8 MiB: kvmnetd saw it short first (its statistics come
# every 2 s) and gave it memory, which a fill that went on would only
# chase.  The host keeps its free memory for it: the hog takes no more.
limit=$((small * 8 / 100))
lab_log "$G at $small KiB: filling /tmp until MemAvailable < $limit KiB; host MemAvailable $(avail_kib) KiB"
fill='i=0 t0=
while :; do
	set -- $(awk "/^MemTotal:/ {t = \$2} /^MemAvailable:/ {a = \$2} END {print t, a}" /proc/meminfo)
	[ -n "$t0" ] || t0=$1
	[ "$2" -gt '$limit' ] && [ "$1" -lt $((t0 + 8192)) ] && [ $i -lt 100 ] || break
	dd if=/dev/zero of=/tmp/fill.$i bs=1M count=2 2>/dev/null || break
	i=$((i + 1))
done
echo "$((i * 2)) MiB, MemTotal $t0 -> $1 KiB, MemAvailable $2 KiB"'
filled=$(lab_vm_exec $G 180 sh -c "$fill") || true
lab_log "$G filled ${filled:-?}"
grown() { [ "$(kcount guest-short)" -gt 0 ]; }
lab_wait_for 120 "kvmnetd grows $G (guest-short)" grown
lab_time guest_short "$(lab_since "$t0")"
klog guest-short | head -n 3
# kvmnetd's own numbers at the grow: PSI some avg10 not calm (calm = 2).
some=$(klog guest-short | head -n 1 | sed -n 's/.*PSI some \([0-9.]*\)%.*/\1/p')
lab_assert_eq 1 "$(awk -v s="${some:-0}" 'BEGIN { print (s >= 2) }')" "the host still under pressure at the grow (PSI some $some%)"
lab_assert_eq "$recovered_before" "$(kcount host-recovered)" "grown while the host had not recovered"
bigger() { [ "$(current_kib)" -gt "$((small + 16 * 1024))" ]; }
lab_wait_for 60 "$G bigger than its $small KiB under pressure" bigger
lab_vm_exec $G 60 sh -c 'rm -f /tmp/fill.*' || true
# One fill, one grow: not grown again while its balloon was on its way up
# and its statistics were still the small guest's.
lab_assert_eq 1 "$(kcount guest-short)" "$G grown once for its one shortage"

lab_step "the hog ends: the balloon deflates"
t0=$(lab_now)
hog_stop
back() { [ "$(current_kib)" -ge "$orig" ]; }
lab_wait_for 180 "$G back to $orig KiB" back
lab_time deflate "$(lab_since "$t0")"
lab_assert_eq 1 "$(($(kcount host-recovered) > recovered_before))" "the give-back is logged (host-recovered)"
back_inside() { [ "$(guest_memtotal)" -ge "$((mt0 - 8 * 1024))" ]; }
lab_wait_for 60 "MemTotal inside $G back" back_inside

lab_step "the hog again: on_stop = revert while $G is small"
t0=$(lab_now)
pressure_before=$(kcount host-pressure)
hog_start
shrunk_again() { [ "$(kcount host-pressure)" -gt "$pressure_before" ] && inflated; }
lab_wait_for 300 "kvmnetd shrinks $G again and libvirt shows it" shrunk_again
now_kib=$(current_kib)
lab_assert_eq 1 "$((now_kib < orig))" "$G below its original size ($now_kib < $orig KiB) when kvmnetd stops"
kill -TERM "$kpid"
rc=0
wait "$kpid" || rc=$?
kpid=
lab_assert_eq 0 "$rc" "kvmnetd exit status"
lab_wait_for 120 "on_stop = revert gave $G its original size ($orig KiB)" back
lab_time revert "$(lab_since "$t0")"
lab_assert_match "balloon: domain .* given back its original" "$(cat "$T/kvmnetd.log")" "the revert is logged"
hog_stop
lab_wait_for 60 "MemTotal inside $G back after the revert" back_inside

lab_step "no OOM kill, nothing below the floor"
lab_assert_nomatch "Out of memory|oom-kill|Killed process" "$(tr -d '\r' <"$(lab_vm_console $G)")" "no OOM kill in $G"
lab_assert_nomatch "Out of memory|oom-kill|Killed process" "$(dmesg | tail -n +"$((dmesg0 + 1))")" \
	"no OOM kill on the lab host"
lab_assert_eq running "$(lab_vm_state $G)" "$G still running"
# Every shrink kvmnetd made, against the floor it logged with it.
below=$(klog host-pressure | sed -n 's/.* -> \([0-9.]*\) MiB .*floor \([0-9.]*\) MiB.*/\1 \2/p' | awk '$1 < $2' | wc -l)
lab_assert_eq 0 "$below" "no shrink below the floor ($(kcount host-pressure) shrinks)"
kill "$recpid" 2>/dev/null || true
recpid=
lab_time total "$(lab_since "$ttest")"
lab_log "trace: $(grep -c '|' "$LAB_OUT/recorded-lab.trace") seconds in $LAB_OUT/recorded-lab.trace"
grep '^balloon:' "$T/kvmnetd.log" | head -n 40
