#!/bin/bash
# lab: nics=2 timeout=1200
# Chaos: a random sequence of events against a running kvmnetd (not in dry
# run) on the lab's two igb PFs, with kvmnet's invariants checked every
# second and after every event, the kernel (sysfs, `ip link` vf lines,
# dmesg) and libvirt (the live XML of every running domain) as the oracle.
#
# The sequence comes from a seed (printed; KVMNET_CHAOS_SEED replays it:
# bash's RANDOM seeded with it draws the whole event list before the run,
# from a model of what the test itself did, never from what it observed,
# so the same seed gives the same list, printed as CHAOS-PLAN lines to
# diff).  The run executes that list for KVMNET_CHAOS_SECONDS (default
# 180) of wall clock, then lets the system settle and checks that it
# converged, then drains and checks that on_stop = revert gave back every
# original the journal ever recorded.
#
# The world: PF A free for kvmnetd; PF B split by hand to 3 VFs, its VF 0
# given by hand (lab_vf_attach) to chaos-hand, which runs throughout;
# six OS-less VMs started paused: c1, c2 teamed (`kvmnetctl vm team`),
# c3, c4 plain, c5, c6 opted out through their metadata.  A paused bare VM
# never acknowledges an unplug: a detach stays pending until it stops.
# kvmnetd: threshold 2, vfs_per_vm 1, min_dwell 3 s, on_stop = revert,
# [irq] (the PFs' vectors placed every 2 s, irqbalance ignored) and [tune]
# sched = yes (the CFS knobs on debugfs); each start is, at random, under
# strace holding every write to PF A's sriov_numvfs for 1 s before the
# kernel runs it (so a SIGKILL lands there); every start runs with
# tests/lib/fault-inject.c preloaded (the build's kvmnet-fault.so).
#
# Events: VMs started and stopped, singly and in bursts; SIGKILL at random
# moments, and while the daemon is busy attaching, detaching or writing
# numvfs (seen on its control socket, and in /proc/PID/syscall); restarts;
# SIGHUP with another threshold, min_dwell or headroom; SIGTERM (revert)
# and restart; libvirtd restarted, and stopped (SIGSTOP) for a few seconds;
# faults (weight KVMNET_CHAOS_FAULT_WEIGHT, default 20 of about 100): a
# rule drawn in the plan (fault_rule: kvmnetd's listing of domains, a
# domain's XML or metadata failing, timing out or reading as garbage; an
# attach or detach failing or timing out; a PF's sriov_numvfs, virtfn
# links or a driver link unreadable or garbage) in effect for 3 to 30 s
# while the chaos goes on.  KVMNET_CHAOS_FAULT_HOOK (a program run as
# `HOOK EVENT-NUMBER DAEMON-PID` by each fault event) replaces the built-in
# rules; KVMNET_CHAOS_DAEMON_ENV ("VAR=VALUE ...") goes into kvmnetd's
# environment at each start.
#
# Invariants (chaos-check.awk over snapshots from chaos-snap.awk and
# chaos-sys.awk): no VF held by two domains; none held by a
# VM that opted out or that kvmnetd does not manage; the hand VF stays in
# chaos-hand with its MAC; PF B's numvfs never changes; numvfs never
# changes on a PF while a domain holds one of its VFs (same domain id at
# two checks), and vfio-pci never has to ask QEMU to give a device back
# (dmesg); no VF bound to a host driver; a teamed VM's VF carries its
# virtio MAC as the transient member; a held VF's MAC on the PF is the
# domain's; every running VM keeps a NIC that is not a hostdev; the
# journal always parses.  Then: every fault ends, converged within
# KVMNET_CHAOS_SETTLE (120 s) after that, and, after draining, every
# original the journal recorded back (PFs, VFs, IRQ affinities, tuned
# knobs).
#
# Env: KVMNET_BUILD_DIR; KVMNET_CHAOS_SEED, KVMNET_CHAOS_SECONDS,
# KVMNET_CHAOS_SETTLE.  Output: CHAOS-PLAN and CHAOS-EVENT lines, a
# summary (events by kind, checks, violations each with the events before
# it, time to converge); exit 1 on any violation.  Files in
# $KVMNET_LAB_OUT/chaos/.
set -u
. "$KVMNET_LAB_DIR/lib.sh"
. "$KVMNET_LAB_DIR/chaos-originals.sh"
B=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}
KVMNETD=$B/kvmnetd K=$B/src/cli/kvmnetctl
[ -x "$KVMNETD" ] && [ -x "$K" ] || lab_die "no kvmnetd or kvmnetctl in $B"
command -v strace >/dev/null || lab_die "strace is missing (tools/install-deps.sh)"
HERE=$KVMNET_LAB_DIR
SEED=${KVMNET_CHAOS_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
DURATION=${KVMNET_CHAOS_SECONDS:-180}
SETTLE=${KVMNET_CHAOS_SETTLE:-120}
FAULT_WEIGHT=${KVMNET_CHAOS_FAULT_WEIGHT:-20}
FAULT_SO=${KVMNET_CHAOS_FAULT_SO:-$B/tests/kvmnet-fault.so}
# the built-in faults (no hook given): kvmnetd runs with the interposer
if [ "$FAULT_WEIGHT" -gt 0 ] && [ -z "${KVMNET_CHAOS_FAULT_HOOK:-}" ]; then
	[ -e "$FAULT_SO" ] || lab_die "no $FAULT_SO (tests/lib/fault-inject.c; KVMNET_CHAOS_FAULT_WEIGHT=0 runs without faults)"
	FAULT_BUILTIN=1
else
	FAULT_BUILTIN=0
fi
echo "CHAOS-SEED $SEED (replay: KVMNET_CHAOS_SEED=$SEED), ${DURATION}s"

C=$LAB_OUT/chaos
T=$(mktemp -d /var/tmp/kvmnet-chaos.XXXXXX)
rm -rf "$C"
mkdir -p "$C" "$T/state"
SOCK=$T/sock J=$T/state/journal.json CONF=$T/kvmnetd.conf
MANAGED="c1 c2 c3 c4" OPTED="c5 c6" TEAMED="c1 c2" HAND=chaos-hand
CHAOS_VMS="$MANAGED $OPTED"
HAND_MAC=52:54:00:4b:ff:01
dpid='' spid='' checker=''

# --- the world ---------------------------------------------------------------

modprobe vfio-pci 2>/dev/null
lab_libvirt_start
mapfile -t PFS < <(lab_pfs)
[ "${#PFS[@]}" -ge 2 ] || lab_die "needs two igb SR-IOV PFs, found ${#PFS[@]}"
PA=${PFS[0]} PB=${PFS[1]}
NA=$(lab_pf_netdev "$PA") NB=$(lab_pf_netdev "$PB")
for pf in "$PA" "$PB"; do "$K" sriov reset "$pf" --force >/dev/null 2>&1; done
[ "$(cat "$LAB_PCI/$PA/sriov_numvfs")" = 0 ] || lab_die "cannot reset $PA"
# libvirt refuses a VF whose PF is down
ip link set "$NA" up
ip link set "$NB" up
PB_N=3
lab_sriov_set "$PB" $PB_N
HAND_VF=$(lab_vf "$PB" 0)
lab_bind_vfio "$HAND_VF"

# The state before kvmnetd: what revert must give back.
vf_override() { local o; o=$(cat "$LAB_PCI/$1/driver_override" 2>/dev/null) || o='?'; echo "${o:-(null)}"; }
# pf_vfmacs NETDEV: "INDEX MAC" per VF, from the PF (rtnetlink).
pf_vfmacs() {
	ip link show "$1" | awk '$1 == "vf" { for (i = 2; i <= NF; i++) if ($i == "link/ether" || $i == "MAC") { m = $(i + 1); sub(",", "", m); print $2, tolower(m) } }'
}
before() {
	echo "pf $PA numvfs $(cat "$LAB_PCI/$PA/sriov_numvfs") autoprobe $(cat "$LAB_PCI/$PA/sriov_drivers_autoprobe")"
	echo "pf $PB numvfs $(cat "$LAB_PCI/$PB/sriov_numvfs") autoprobe $(cat "$LAB_PCI/$PB/sriov_drivers_autoprobe")"
	local i
	for i in $(seq 1 $((PB_N - 1))); do
		echo "vf $PB $i override $(vf_override "$(lab_vf "$PB" "$i")")"
	done
	pf_vfmacs "$NB" | awk -v pf="$PB" '$1 != 0 { print "vf", pf, $1, "mac", $2 }'
	for i in $SCHED_KNOBS; do echo "sched $i $(cat "$i")"; done
}
# what [tune] sched = yes sets (6.1: debugfs)
SCHED_KNOBS=$(ls /sys/kernel/debug/sched/{min,wakeup}_granularity_ns /sys/kernel/debug/sched/latency_ns 2>/dev/null)
[ -n "$SCHED_KNOBS" ] || lab_die "no scheduler knobs in /sys/kernel/debug/sched"
before >"$C/before.txt"

teamed_macs=" "
for d in $CHAOS_VMS $HAND; do lab_vm_define "$d" 64; done
for d in $TEAMED; do
	lab_assert_ok "vm team $d" "$K" vm team "$d"
	teamed_macs="$teamed_macs$d=$(lab_vm_mac "$d") "
done
for d in $OPTED; do
	lab_assert_ok "$d opts out" virsh -q metadata "$d" http://kvmnet.org/xmlns/domain/1.0 \
		--key kvmnet --set '<domain manage="no"/>' --config
done
virsh -q start --paused "$HAND" >/dev/null || lab_die "cannot start $HAND"
lab_assert_ok "$HAND gets VF 0 of $PB ($HAND_VF) by hand" lab_vf_attach "$HAND" "$HAND_VF" "$HAND_MAC"

lab_cleanup() {
	[ -n "$checker" ] && kill "$checker" 2>/dev/null && wait "$checker" 2>/dev/null
	libvirtd_cont
	daemon_kill
	for d in $CHAOS_VMS $HAND; do
		virsh -q destroy "$d" >/dev/null 2>&1
		virsh -q undefine "$d" >/dev/null 2>&1
	done
	for pf in "${PA:-}" "${PB:-}"; do [ -n "$pf" ] && "$K" sriov reset "$pf" --force >/dev/null 2>&1; done
	cp "$T"/kvmnetd*.log "$C/" 2>/dev/null
	rm -rf "$T"
}

# --- kvmnetd -----------------------------------------------------------------

# config THRESHOLD DWELL_S HEADROOM(max|N)
cfg_t=2 cfg_d=3 cfg_h=max
config() {
	cfg_t=$1 cfg_d=$2 cfg_h=$3
	local h=
	[ "$3" = max ] || h="headroom = $3"
	cat >"$CONF.new" <<-CONF
		[libvirt]
		uri = qemu:///system
		[sriov]
		pf = $NA
		pf = $NB
		threshold = $1
		vfs_per_vm = 1
		min_dwell = ${2}s
		$h
		[daemon]
		state_dir = $T/state
		on_stop = revert
		log_level = debug
		[irq]
		interval = 2s
		irqbalance = ignore
		[tune]
		sched = yes
	CONF
	mv "$CONF.new" "$CONF"
}
config 2 3 max
NUMVFS_A=$(readlink -f "$LAB_PCI/$PA/sriov_numvfs")
FAULTS=$T/faults FAULTS_D=$T/faults.d
mkdir "$FAULTS_D"
: >"$FAULTS"
: >"$T/injected"
if [ "$FAULT_BUILTIN" = 1 ]; then
	FAULT_PRELOAD=$(ldd "$FAULT_SO" | awk '/libasan/ { print $3 }')
	FAULT_PRELOAD=${FAULT_PRELOAD:+$FAULT_PRELOAD:}$FAULT_SO
fi
daemon_n=0
# daemon_start plain|traced
daemon_start() {
	daemon_n=$((daemon_n + 1))
	local log=$T/kvmnetd-$daemon_n.log env=()
	# shellcheck disable=SC2206
	[ -n "${KVMNET_CHAOS_DAEMON_ENV:-}" ] && env=(env $KVMNET_CHAOS_DAEMON_ENV)
	# The interposer reads the rules at every call; a sysroot of / lets
	# it match the real /sys (kvmnetd's paths stay as they are).  It goes
	# on kvmnetd alone, after ASan's runtime (fault_preload of
	# tests/lib/testlib.sh), not on the bash and env before it.
	local pre=()
	[ "$FAULT_BUILTIN" = 1 ] &&
		pre=(env "LD_PRELOAD=$FAULT_PRELOAD" KVMNET_SYSROOT=/ "KVMNET_FAULT_FILE=$FAULTS" "KVMNET_FAULT_LOG=$T/injected")
	# (strace runs env, which runs bash, which execs kvmnetd)
	rm -f "$T/dpid"
	dmode=$1
	if [ "$1" = traced ]; then
		# LeakSanitizer cannot run under ptrace
		env+=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
		# shellcheck disable=SC2016
		strace -f --seccomp-bpf -qq -o "$log.strace" -e trace=write -P "$NUMVFS_A" \
			-e inject=write:delay_enter=1s:when=1+ \
			"${env[@]}" bash -c 'echo $$ >"$0"; exec "$@"' "$T/dpid" \
			"${pre[@]}" "$KVMNETD" --foreground -c "$CONF" -s "$SOCK" </dev/null 2>>"$log" &
		spid=$!
	else
		"${env[@]}" bash -c 'echo $$ >"$0"; exec "$@"' "$T/dpid" \
			"${pre[@]}" "$KVMNETD" --foreground -c "$CONF" -s "$SOCK" </dev/null 2>>"$log" &
		spid=$!
	fi
	local i
	for i in $(seq 100); do [ -s "$T/dpid" ] && break; sleep 0.1; done
	dpid=$(cat "$T/dpid" 2>/dev/null)
	echo "$dpid $log" >>"$T/daemons"
}
# the log of the newest kvmnetd
dlog() { tail -n 1 "$T/daemons" | cut -d' ' -f2; }
daemon_alive() { [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; }
daemon_kill() {
	[ -n "$dpid" ] && kill -KILL "$dpid" 2>/dev/null
	[ -n "$spid" ] && wait "$spid" 2>/dev/null
	dpid='' spid=''
}
# The daemon's view over its control socket (kvmnetctl status would also
# take the whole inventory each time).
view() {
	timeout 5 perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
		print $s "status\n"; local $/; print <$s>;' "$SOCK"
}
# Where the daemon is: "numvfs-write" inside write(2) (x86-64: 1) to PF
# A's sriov_numvfs, else its busy line, else "idle".  One process a call:
# this runs in a tight loop on a slow guest.
daemon_where() {
	local nr fd rest
	if read -r nr fd rest <"/proc/$dpid/syscall" 2>/dev/null && [ "$nr" = 1 ] &&
		[ "/proc/$dpid/fd/$((fd))" -ef "$NUMVFS_A" ]; then
		echo numvfs-write
		return
	fi
	# shellcheck disable=SC2016
	timeout 5 perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
		print $s "status\n"; local $/; my $r = <$s>;
		print $r =~ /"busy":\s*\{[^}]*"doing":\s*"([^"]*)"/ ? "$1\n" : "idle\n";' "$SOCK" 2>/dev/null ||
		echo unknown
}
# Milliseconds since the epoch in $REPLY, and as seconds, without a fork.
now_ms() { local t=${EPOCHREALTIME/./}; REPLY=$((t / 1000)); }
secs() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }

LV_PID=/run/libvirtd.pid
libvirtd_cont() { [ -s $LV_PID ] && kill -CONT "$(cat $LV_PID)" 2>/dev/null; }
libvirtd_up() {
	local i
	for i in $(seq 120); do timeout 5 virsh -q version >/dev/null 2>&1 && return 0; sleep 0.5; done
	return 1
}

# --- the checker ---------------------------------------------------------------

# snap FILE: one reading of the host (see chaos-check.awk for the lines).
snap() {
	local list names='' id n _ pf
	{
		if list=$(timeout 8 virsh -q list 2>/dev/null); then
			echo "libvirt ok"
			while read -r id n _; do
				[ -n "$n" ] || continue
				echo "dom $n $id"
				names="$names dumpxml $n;"
			done <<<"$list"
			[ -z "$names" ] || timeout 10 virsh -q "$names" 2>/dev/null | awk -f "$HERE/chaos-snap.awk"
		else
			echo "libvirt unknown"
		fi
		for pf in "$PA" "$PB"; do
			read -r n <"$LAB_PCI/$pf/sriov_numvfs"
			echo "pf $pf $n"
		done
		# every binding, the VF links, the PFs' vf lines and dmesg through
		# one awk: a check must stay cheap on a slow guest
		{
			printf '%s\n' /sys/bus/pci/drivers/*/0000:*
			ls -l "$LAB_PCI/$PA/" "$LAB_PCI/$PB/"
			echo @ip
			ip link show
			echo @dmesg
			dmesg
		} 2>/dev/null | awk -v pfa="$PA" -v pfb="$PB" -v na="$NA" -v nb="$NB" -f "$HERE/chaos-sys.awk"
	} >"$1"
}
# Every original the journal ever recorded, first value kept (the journal
# forgets a PF once it gave it back): chaos-originals.sh.
journal_originals() { chaos_journal_originals "$J"; }
check_once() {
	local seq now viol key rest n
	read -r seq <"$T/ev_seq"
	now_ms; now=$(secs $((REPLY - ${T0:-REPLY})))
	snap "$T/cur"
	viol=$(awk -v hand="$HAND" -v hvf="$HAND_VF" -v hmac="$HAND_MAC" -v opted=" $OPTED " \
		-v managed=" $MANAGED " -v teamed="$teamed_macs" -v pfb="$PB" -v pfbn=$PB_N \
		-f "$HERE/chaos-check.awk" "$T/prev" "$T/cur")
	if [ -e "$J" ]; then
		if ! jq . "$J" >/dev/null 2>"$T/jq.err"; then
			cp "$J" "$C/journal-bad-$seq.json"
			viol="$viol${viol:+$'\n'}journal-parse:$seq the journal does not parse: $(head -c 200 "$T/jq.err")"
		elif [ "$J" -nt "$T/journal.seen" ]; then
			touch -r "$J" "$T/journal.seen"
			journal_originals >>"$T/originals" 2>/dev/null
		fi
	fi
	# a snapshot that could not read libvirt is no base for the next one's
	# "held at both checks" rules
	cp "$T/cur" "$T/snap"
	grep -q '^libvirt ok' "$T/cur" && mv "$T/cur" "$T/prev"
	read -r n <"$T/checks"
	echo $((n + 1)) >"$T/checks"
	while read -r key rest; do
		[ -n "$key" ] && violation "$key" "$rest" "$now" "$seq"
	done <<<"$viol"
	echo "$seq" >"$T/checked_seq"
}
# violation KEY DETAIL [TIME SEQ]: recorded once per KEY, repeats counted.
violation() {
	local now=${3:-} seq=${4:-$(cat "$T/ev_seq")}
	[ -n "$now" ] || { now_ms; now=$(secs $((REPLY - ${T0:-REPLY}))); }
	if grep -qxF "$1" "$T/viol.keys"; then
		echo "$1" >>"$T/viol.repeats"
		return
	fi
	echo "$1" >>"$T/viol.keys"
	echo "$now $seq $1 $2" >>"$T/violations"
	# what the checker saw, to read the violation against
	[ -e "$T/snap" ] && cp "$T/snap" "$C/snap-violation-$(grep -c . "$T/violations").txt"
	echo "CHAOS-VIOLATION t=$now after event #$seq: $2"
}
checker_loop() {
	while [ ! -e "$T/stop-checker" ]; do
		check_once
		sleep 1
	done
}
: >"$T/prev"
: >"$T/viol.keys"
: >"$T/viol.repeats"
: >"$T/violations"
: >"$T/originals"
: >"$T/events"
touch -d @0 "$T/journal.seen"
echo 0 >"$T/checks"
echo 0 >"$T/ev_seq"
echo -1 >"$T/checked_seq"

# --- the plan: every event drawn from the seed, before the run -------------------

# Draws use bash's RANDOM in this shell only (a $(...) would not advance it).
RANDOM=$SEED
pick() { # pick WORD...: one of them, in $REPLY
	local a=("$@")
	REPLY=${a[RANDOM % ${#a[@]}]}
}
declare -A up=()
m_alive=1 m_dead=0 m_t=2
m1() { local n=1 v; for v in $MANAGED; do [ -n "${up[$v]:-}" ] && n=$((n + 1)); done; M1=$n; }
lst() { # lst up|down [managed]: the chaos VMs in that state, in $REPLY
	local v out='' set=$CHAOS_VMS
	[ -n "${2:-}" ] && set=$MANAGED
	for v in $set; do
		if [ "$1" = up ] && [ -n "${up[$v]:-}" ]; then out="$out $v"
		elif [ "$1" = down ] && [ -z "${up[$v]:-}" ]; then out="$out $v"; fi
	done
	REPLY=${out# }
}
some() { # some N WORD...: up to N distinct of them, in $REPLY
	local n=$1 a out=
	shift
	a=("$@")
	while [ "$n" -gt 0 ] && [ ${#a[@]} -gt 0 ]; do
		local i=$((RANDOM % ${#a[@]}))
		out="$out ${a[$i]}"
		a=("${a[@]:0:$i}" "${a[@]:$((i + 1))}")
		n=$((n - 1))
	done
	REPLY=${out# }
}
mode() { pick plain traced traced; }
# A rule for tests/lib/fault-inject.c, in $REPLY: what kvmnetd observes
# (the list of domains, a domain's XML or kvmnet metadata; a PF's
# sriov_numvfs, its virtfn links, a driver link) fails, times out or
# reads as garbage, or an attach or detach fails or times out.  "any"
# stands for the rule's "*" (no glob in the plan), PA and PB for the PFs.
fault_rule() {
	local vm pf ms
	pick c1 c2 c3 c4 c5 c6 any; vm=$REPLY
	pick PA PB; pf=$REPLY
	ms=$((500 + RANDOM % 1500))
	case $((RANDOM % 16)) in
	0) REPLY="virConnectListAllDomains any fail" ;;
	1) REPLY="virConnectListAllDomains any timeout ms=$ms" ;;
	2) REPLY="virDomainGetXMLDesc $vm fail" ;;
	3) REPLY="virDomainGetXMLDesc $vm timeout ms=$ms" ;;
	4) REPLY="virDomainGetXMLDesc $vm return text=<domain type='qemu'><name>$vm" ;;
	5) REPLY="virDomainGetMetadata $vm fail" ;;
	6) REPLY="virDomainGetMetadata $vm timeout ms=$ms" ;;
	7) REPLY="virDomainGetMetadata $vm return text=<domain manage='Yes'/>" ;;
	8) REPLY="virDomainAttachDeviceFlags $vm fail" ;;
	9) REPLY="virDomainAttachDeviceFlags $vm timeout ms=$ms" ;;
	10) REPLY="virDomainDetachDeviceFlags $vm fail" ;;
	11) REPLY="virDomainDetachDeviceFlags $vm timeout ms=$ms" ;;
	12) REPLY="open $pf/sriov_numvfs fail errno=5" ;;
	13) REPLY="readlink $pf/virtfn fail errno=13" ;;
	14) REPLY="readlink $pf/virtfn return text=../0000:zz:99.9" ;;
	15) REPLY="readlink /driver fail errno=13" ;;
	esac
}
plan_event() {
	local down upl downm upm kinds=() w k
	lst down; down=$REPLY
	lst up; upl=$REPLY
	lst down m; downm=$REPLY
	lst up m; upm=$REPLY
	if [ $m_alive = 0 ] && { [ $m_dead -ge 2 ] || [ $((RANDOM % 3)) = 0 ]; }; then
		mode; EV="restart $REPLY"; m_alive=1; m_dead=0; return
	fi
	[ $m_alive = 0 ] && m_dead=$((m_dead + 1))
	# kind:weight, given the model
	[ -n "$down" ] && kinds+=(start:18 burst-start:6)
	[ -n "$upl" ] && kinds+=(stop:14 burst-stop:6)
	if [ $m_alive = 1 ]; then
		kinds+=(kill:8 hup:5 term:1)
		[ -n "$downm" ] && kinds+=(kill-in-attach:5)
		kinds+=(kill-in-detach:3 kill-in-numvfs:5)
	else
		kinds+=(config:2)
	fi
	kinds+=(lv-restart:2 lv-pause:4)
	[ "$FAULT_WEIGHT" -gt 0 ] && kinds+=("fault:$FAULT_WEIGHT")
	local total=0
	for k in "${kinds[@]}"; do total=$((total + ${k#*:})); done
	w=$((RANDOM % total))
	for k in "${kinds[@]}"; do
		w=$((w - ${k#*:}))
		[ $w -lt 0 ] && break
	done
	k=${k%%:*}
	case $k in
	start) some 1 $down; EV="start $REPLY"; up[$REPLY]=1 ;;
	stop) some 1 $upl; EV="stop $REPLY"; unset "up[$REPLY]" ;;
	burst-start)
		some $((2 + RANDOM % 3)) $down; EV="burst-start $REPLY"
		for w in $REPLY; do up[$w]=1; done ;;
	burst-stop)
		# now and then everything, so that the split ends
		if [ $((RANDOM % 3)) = 0 ]; then REPLY=$upl; else some $((2 + RANDOM % 3)) $upl; fi
		EV="burst-stop $REPLY"
		for w in $REPLY; do unset "up[$w]"; done ;;
	kill) EV="kill"; m_alive=0; m_dead=0 ;;
	hup | config)
		pick 2 2 2 3 4; local t=$REPLY
		pick 2 3 5; local d=$REPLY
		pick max max 0 1 2; EV="$k $t $d $REPLY"; m_t=$t ;;
	term) mode; EV="term $REPLY" ;;
	kill-in-attach)
		m1; some $((M1 + 1 < m_t ? m_t - M1 : 1)) $downm
		local who=$REPLY; mode
		EV="kill-in-attach $((RANDOM % 30)) $REPLY $who"
		for w in $who; do up[$w]=1; done ;;
	kill-in-detach)
		# a threshold above every M1 ends the split: detach after
		# min_dwell; the restart after the kill has the config back
		mode; EV="kill-in-detach $((RANDOM % 30)) $REPLY" ;;
	kill-in-numvfs)
		m1
		mode; local md=$REPLY
		if [ $M1 -lt $m_t ]; then
			some $((m_t - M1)) $downm
			EV="kill-in-numvfs $((RANDOM % 30)) $md start $REPLY"
			for w in $REPLY; do up[$w]=1; done
		else
			EV="kill-in-numvfs $((RANDOM % 30)) $md stop $upm"
			for w in $upm; do unset "up[$w]"; done
		fi ;;
	lv-restart) EV=lv-restart ;;
	lv-pause)
		pick "" "" kill hup; EV="lv-pause $((1 + RANDOM % 6)) $REPLY"
		[ "$REPLY" = kill ] && { m_alive=0; m_dead=0; }
		[ "$REPLY" = hup ] && [ $m_alive = 0 ] && EV="lv-pause $((1 + RANDOM % 6))" ;;
	fault) fault_rule; EV="fault $((3 + RANDOM % 28)) $REPLY" ;;
	esac
	EV=${EV% }
}
# Enough events for twice the duration at an optimistic 3 s each; the run
# stops at the deadline wherever it is in the list.
N_PLAN=$((DURATION * 2 / 3 + 10))
: >"$C/plan.txt"
for i in $(seq "$N_PLAN"); do
	plan_event
	gap=$((RANDOM % 4 == 0 ? 0 : RANDOM % 30))
	echo "$i $gap $EV" >>"$C/plan.txt"
done
sed 's/^/CHAOS-PLAN /' "$C/plan.txt"

# --- running it --------------------------------------------------------------------

vstart() { timeout 60 virsh -q start --paused "$1" >/dev/null 2>>"$T/event.err"; }
vstop() { timeout 60 virsh -q destroy "$1" >/dev/null 2>>"$T/event.err"; }
# each VM at once, like a host booting or shutting down a group
burst() { # burst vstart|vstop VM...
	local f=$1 v pids=() rc=0
	shift
	for v in "$@"; do $f "$v" & pids+=($!); done
	for v in "${pids[@]}"; do wait "$v" || rc=1; done
	return $rc
}
# kill_when ERE SECONDS: SIGKILL the daemon as soon as daemon_where
# matches ERE, or after SECONDS; OUT says where it was.
kill_when() {
	local end where=''
	now_ms; end=$((REPLY + $2 * 1000))
	while now_ms; [ "$REPLY" -lt "$end" ]; do
		where=$(daemon_where)
		grep -Eq -- "$1" <<<"$where" && break
		where="missed (last: $where)"
		sleep 0.05
	done
	OUT="killed in: $where"
	daemon_kill
}
wait_socket() {
	local i
	for i in $(seq 60); do [ -S "$SOCK" ] && view >/dev/null 2>&1 && return 0; sleep 0.5; done
	return 1
}
restart() { daemon_start "$1"; wait_socket || OUT="$OUT; kvmnetd did not answer within 30s"; }
# The rules in effect: one file per fault in faults.d, gathered into the
# interposer's file (a rename: it reads the old rules or the new ones).
# Whoever changes faults.d writes the file after, under a lock, so the
# last write sees every change.
faults_write() {
	(
		flock 9
		cat "$FAULTS_D"/* 2>/dev/null >"$FAULTS.new"
		mv "$FAULTS.new" "$FAULTS"
	) 9>"$T/faults.lock"
}
faults_active() { [ -n "$(ls -A "$FAULTS_D")" ]; }
fault_pids=()
# fault_add SECONDS CALL MATCH ACTION [OPTION...]: in effect now, gone
# SECONDS later (the chaos goes on meanwhile).
fault_add() {
	local d=$1 call=$2 match=$3 rule
	shift 3
	case $match in
	any) match='*' ;;
	PA/*) match=$PA/${match#PA/} ;;
	PB/*) match=$PB/${match#PB/} ;;
	esac
	rule="$call $match $*"
	echo "$rule" >"$FAULTS_D/$SEQ"
	faults_write
	(
		sleep "$d"
		rm -f "$FAULTS_D/$SEQ"
		faults_write
	) &
	fault_pids+=($!)
	OUT="for ${d}s: $rule"
}
# every fault ends now
faults_clear() {
	local p
	for p in "${fault_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${fault_pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -f "$FAULTS_D"/*
	faults_write
}
declare -A count=()
OUT=''
run_event() { # KIND ARGS...
	local k=$1 d
	shift
	OUT=ok
	case $k in
	start) vstart "$1" || OUT="start failed" ;;
	stop) vstop "$1" || OUT="destroy failed" ;;
	burst-start) burst vstart "$@" || OUT="a start failed" ;;
	burst-stop) burst vstop "$@" || OUT="a destroy failed" ;;
	kill) OUT="killed in: $(daemon_where)"; daemon_kill ;;
	restart) restart "$1" ;;
	config) config "$@" ;;
	hup) config "$@"; kill -HUP "$dpid" ;;
	term)
		# (a fault may end during the revert, none starts)
		faulted=0
		faults_active && faulted=1
		kill -TERM "$dpid"
		now_ms; d=$REPLY
		wait "$spid" 2>/dev/null
		rc=$?
		now_ms; OUT="stopped (revert) in $(secs $((REPLY - d)))s, exit $rc"
		# exit 1 is kvmnetd(8)'s "a revert that could not finish": a
		# bare VM never lets go of a VF, and its PF must stay split;
		# or, while a fault is in effect, something it had to read was
		# unknown, so it gave nothing back
		if [ $rc != 0 ] && ! { [ $rc = 1 ] && grep -q "Some VMs did not release their VFs" "$(dlog)"; } &&
			! { [ $rc = 1 ] && [ $faulted = 1 ] &&
				grep -Eq "Not giving VFs back|Observing before revert|Cannot give VFs back" "$(dlog)"; }; then
			violation "term-exit:$SEQ" "kvmnetd exited $rc at SIGTERM (revert); log $(dlog)"
		fi
		dpid='' spid=''
		restart "$1" ;;
	kill-in-attach)
		d=$1 m=$2
		shift 2
		burst vstart "$@" || OUT="a start failed"
		kill_when '^attach ' 20
		sleep "$((d / 10)).$((d % 10))"
		restart "$m" ;;
	kill-in-detach)
		local t=$cfg_t dw=$cfg_d
		config 6 2 "$cfg_h"
		kill -HUP "$dpid"
		kill_when '^detach ' 10
		config "$t" "$dw" "$cfg_h"
		sleep "$(($1 / 10)).$(($1 % 10))"
		restart "$2" ;;
	kill-in-numvfs)
		d=$1 m=$2 f=v$3
		shift 3
		[ $# = 0 ] || burst "$f" "$@" || OUT="a $f failed"
		# traced: inside the write, before the kernel ran it
		if [ "$dmode" = traced ]; then ere='^numvfs-write$'; else ere='sriov_numvfs'; fi
		kill_when "$ere" $((cfg_d + 20))
		sleep "$((d / 10)).$((d % 10))"
		restart "$m" ;;
	lv-restart)
		d=$(cat $LV_PID)
		kill -TERM "$d"
		for _ in $(seq 60); do kill -0 "$d" 2>/dev/null || break; sleep 0.5; done
		libvirtd -d && libvirtd_up || OUT="libvirtd did not come back" ;;
	lv-pause)
		kill -STOP "$(cat $LV_PID)"
		case ${2:-} in
		kill) OUT="killed in: $(daemon_where)"; daemon_kill ;;
		hup) pick 2 3 4; config "$REPLY" "$cfg_d" "$cfg_h"; kill -HUP "$dpid" ;;
		esac
		sleep "$1"
		libvirtd_cont ;;
	fault)
		if [ "$FAULT_BUILTIN" = 1 ]; then
			fault_add "$@"
		else
			"$KVMNET_CHAOS_FAULT_HOOK" "$SEQ" "$dpid" >>"$T/event.err" 2>&1 || OUT="hook failed"
		fi ;;
	esac
}

# kvmnetd starts, the checker runs, and the plan is carried out until the
# deadline.
now_ms; T0=$REPLY
checker_loop &
checker=$!
restart plain
lab_assert_ok "kvmnetd answers on $SOCK" view
deadline=$((T0 + DURATION * 1000))
executed=0
last_event_end=$T0
while read -r -u 3 SEQ gap k args; do
	now_ms; [ "$REPLY" -lt "$deadline" ] || break
	sleep "$((gap / 10)).$((gap % 10))"
	now_ms; t=$((REPLY - T0))
	# shellcheck disable=SC2086
	run_event "$k" $args
	now_ms; last_event_end=$REPLY
	executed=$SEQ
	count[$k]=$((${count[$k]:-0} + 1))
	echo "$(secs "$t") $SEQ $k $args => $OUT ($(secs $((last_event_end - T0 - t)))s)" >>"$T/events"
	echo "CHAOS-EVENT #$SEQ t=$(secs "$t") $k $args => $OUT ($(secs $((last_event_end - T0 - t)))s)"
	# kvmnetd ending by itself is a violation (a crash, an exit on an error)
	if [ -n "$dpid" ] && ! daemon_alive; then
		violation "daemon-exit:$SEQ" "kvmnetd (pid $dpid) exited by itself; log $(tail -n 1 "$T/daemons" | cut -d' ' -f2)"
		daemon_kill
		restart plain
	fi
	echo "$SEQ" >"$T/ev_seq"
	# one check that began after this event, before the next one
	for _ in $(seq 50); do [ "$(cat "$T/checked_seq")" -ge "$SEQ" ] && break; sleep 0.2; done
done 3<"$C/plan.txt"
now_ms; echo "CHAOS executed $executed of $N_PLAN planned events in $(secs $((REPLY - T0)))s"

# --- settling: the state the plan wants for the VMs then running -----------------

libvirtd_cont
# the faults still in effect end with the chaos: convergence counts from
# then (kvmnetd looks again at what was unknown by itself)
faults_clear
now_ms; faults_end=$REPLY
libvirtd_up || violation libvirtd-down "libvirtd does not answer after the chaos"
daemon_alive || restart plain
echo "$((executed + 1))" >"$T/ev_seq"
now_ms; t_settle=$REPLY
# converged: sets WHY when not.
converged() {
	local v s name n w m1=0 held=0 pfa_held
	WHY=''
	v=$(view) || { WHY="no answer on the control socket"; return 1; }
	[ "$(jq -r '.libvirt.connected' <<<"$v")" = true ] || { WHY="kvmnetd is not connected to libvirt"; return 1; }
	snap "$T/conv"
	grep -q '^libvirt ok' "$T/conv" || { WHY="libvirt unreadable"; return 1; }
	grep -q "^dom $HAND " "$T/conv" && m1=1
	for name in $MANAGED; do grep -q "^dom $name " "$T/conv" && m1=$((m1 + 1)); done
	[ "$(jq -r .m1 <<<"$v")" = $m1 ] || { WHY="status says M1 $(jq -r .m1 <<<"$v"), the host $m1"; return 1; }
	pfa_held=0
	for name in $MANAGED; do
		grep -q "^dom $name " "$T/conv" || continue
		n=$(awk -v d="$name" '$1 == "if" && $2 == d && $4 == "hostdev"' "$T/conv" | grep -c .)
		held=$((held + n))
		awk -v d="$name" '$1 == "if" && $2 == d && $4 == "hostdev" { print $5 }' "$T/conv" |
			grep -qxF -f <(awk -v p="$PA" '$1 == "vfl" && $2 == p { print $4 }' "$T/conv") && pfa_held=1
		w=$(jq -r --arg n "$name" '.vms[] | select(.name == $n) | .waiting_for // ""' <<<"$v")
		if [ $m1 -ge "$cfg_t" ]; then
			[ "$n" = 1 ] || { [ "$n" = 0 ] && [ -n "$w" ]; } ||
				{ WHY="$name holds $n VF(s), status gives no reason ('$w')"; return 1; }
		elif [ "$n" != 0 ]; then
			grep -q "detach PF .* from VM $name\$" "$(dlog)" ||
				{ WHY="below the threshold, $name holds $n VF(s) and no detach was asked"; return 1; }
		fi
	done
	[ "$(jq '.attached | length' "$J")" = "$held" ] ||
		{ WHY="the journal lists $(jq '.attached | length' "$J") attachment(s), the VMs hold $held"; return 1; }
	s=$(jq -r '.pfs[] | select(.numvfs != .numvfs_wanted) | "\(.name) numvfs \(.numvfs), wanted \(.numvfs_wanted)"' <<<"$v")
	[ -z "$s" ] || { WHY="$s"; return 1; }
	if [ $m1 -lt "$cfg_t" ] && [ $pfa_held = 0 ] && [ "$(cat "$LAB_PCI/$PA/sriov_numvfs")" != 0 ]; then
		WHY="below the threshold and nothing held, but $PA still has $(cat "$LAB_PCI/$PA/sriov_numvfs") VFs"
		return 1
	fi
}
conv_s=''
while :; do
	if converged; then now_ms; conv_s=$(secs $((REPLY - faults_end))); break; fi
	now_ms; [ $((REPLY - t_settle)) -lt $((SETTLE * 1000)) ] || break
	sleep 1
done
if [ -n "$conv_s" ]; then
	echo "CHAOS converged ${conv_s}s after the last event and the end of the faults"
else
	violation not-converged "not converged ${SETTLE}s after the chaos: $WHY"
fi

# --- draining, then on_stop = revert gives back every original ---------------------

# the revert runs with LeakSanitizer, so not under strace
if [ "$dmode" = traced ]; then
	daemon_kill
	restart plain
fi
# shellcheck disable=SC2086
burst vstop $CHAOS_VMS 2>/dev/null
for d in $CHAOS_VMS; do virsh -q destroy "$d" >/dev/null 2>&1; done
drained() {
	[ "$(cat "$LAB_PCI/$PA/sriov_numvfs")" = 0 ] && [ "$(jq '.attached | length' "$J")" = 0 ] &&
		[ "$(view | jq -r .mode)" = inactive ]
}
lab_wait_for $((cfg_d + 90)) "all chaos VMs stopped: the split ends, nothing attached" drained ||
	violation not-drained "chaos VMs stopped, but: $PA numvfs $(cat "$LAB_PCI/$PA/sriov_numvfs"), journal attached $(jq -c .attached "$J"), mode $(view | jq -r .mode)"
[ -e "$J" ] && journal_originals >>"$T/originals"
cp "$J" "$C/journal-at-stop.json" 2>/dev/null
kill -TERM "$dpid"
wait "$spid" 2>/dev/null
rc=$?
[ $rc = 0 ] || violation final-exit "kvmnetd exited $rc at the final SIGTERM (revert); log $(dlog)"
dpid='' spid=''
touch "$T/stop-checker"
wait "$checker"
checker=''
chaos_originals_first "$T/originals" >"$C/originals.txt"
restored=0
while read -r kind a b c d e f g; do
	case $kind in
	pf)	# pf ADDR changed true|false numvfs N autoprobe A
		if [ "$c" = true ] && [ "$(cat "$LAB_PCI/$a/sriov_numvfs")" != "$e" ]; then
			violation "revert:$a:numvfs" "after revert $a has numvfs $(cat "$LAB_PCI/$a/sriov_numvfs"), the journal's original $e"
		fi
		if [ "$g" -ge 0 ] && [ "$(cat "$LAB_PCI/$a/sriov_drivers_autoprobe")" != "$g" ]; then
			violation "revert:$a:autoprobe" "after revert $a has autoprobe $(cat "$LAB_PCI/$a/sriov_drivers_autoprobe"), the original $g"
		fi ;;
	vf)	# vf PF INDEX override|mac VALUE
		[ "$a $b" = "$PB 0" ] && violation "hand-touched:$c" "kvmnetd recorded an original $c of the hand VF"
		[ -e "$LAB_PCI/$a/virtfn$b" ] || continue
		if [ "$c" = override ]; then
			[ "$(vf_override "$(lab_vf "$a" "$b")")" = "$d" ] ||
				violation "revert:$a:$b:override" "after revert VF $b of $a has driver_override $(vf_override "$(lab_vf "$a" "$b")"), the original $d"
		else
			[ "$(pf_vfmacs "$(lab_pf_netdev "$a")" | awk -v i="$b" '$1 == i { print $2 }')" = "$d" ] ||
				violation "revert:$a:$b:mac" "after revert VF $b of $a has MAC $(pf_vfmacs "$(lab_pf_netdev "$a")" | awk -v i="$b" '$1 == i { print $2 }'), the original $d"
		fi ;;
	esac
	restored=$((restored + 1))
done < <(grep -v '^orig ' "$C/originals.txt")
# [irq] and [tune]: each file holds its original again
chaos_originals_check "$C/originals.txt"
n_irq=$ORIG_IRQ n_tune=$ORIG_TUNE restored=$((restored + ORIG_IRQ + ORIG_TUNE))
echo "CHAOS revert: $restored original(s) recorded by the journal checked ($n_irq IRQ affinities, $n_tune tuned values)"
[ "$n_irq" -gt 0 ] || violation revert-no-irq "the journal never recorded an IRQ affinity: [irq] placed nothing"
[ "$n_tune" -gt 0 ] || violation revert-no-tune "the journal never recorded a tuned value: [tune] changed nothing"
before >"$C/after.txt"
diff "$C/before.txt" "$C/after.txt" >"$C/before-after.diff" ||
	violation revert-before "after revert the PFs differ from before kvmnetd: $(tr '\n' ' ' <"$C/before-after.diff")"
[ -e "$J" ] && [ "$(jq '[.pfs[], .attached[]] | length' "$J")" != 0 ] &&
	violation revert-journal "after revert the journal still holds $(jq -c '{pfs, attached}' "$J")"
lab_assert_ok "$HAND still holds its hand VF" sh -c "virsh -q dumpxml $HAND | grep -q \"address='$HAND_MAC'\""

# --- the report --------------------------------------------------------------------------

cp "$T/events" "$C/events.txt"
cp "$T/injected" "$C/faults.txt"
cp "$T"/kvmnetd-*.log "$C/" 2>/dev/null
nv=$(grep -c . "$T/violations")
echo
echo "=== CHAOS REPORT seed $SEED: ${DURATION}s, $executed of $N_PLAN planned events"
for k in $(printf '%s\n' "${!count[@]}" | sort); do printf '  %-16s %s\n' "$k" "${count[$k]}"; done
echo "  kills landed in: $(sed -n 's/.*=> killed in: //p' "$T/events" | awk '
	/^numvfs-write/ { k = "inside-numvfs-write" } /^set PF .*sriov_numvfs/ { k = "numvfs" }
	/^attach / { k = "attach" } /^detach / { k = "detach" } /^bind / { k = "bind" } /^set PF .*MAC/ { k = "vf-mac" }
	/^idle/ { k = "idle" } /^missed/ { k = "missed" } /^unknown/ { k = "unknown" }
	{ if (k == "") { k = $1 }; n[k]++; k = "" } END { for (k in n) printf "%s %d, ", k, n[k] }')"
echo "  invariant checks: $(cat "$T/checks")"
echo "  time to converge after the last event and the end of the faults: ${conv_s:-never (${SETTLE}s)}s"
echo "  faults: $(grep -c . "$C/faults.txt") calls failed, timed out or read garbage in kvmnetd ($(awk '{ n[$1 " " $3]++ } END { for (k in n) printf "%s %d, ", k, n[k] }' "$C/faults.txt"))"
echo "  violations: $nv (and $(grep -c . "$T/viol.repeats") repeats of them)"
while read -r vt vseq key detail; do
	echo "  VIOLATION at t=$vt after event #$vseq: $detail"
	echo "    events before it:"
	awk -v s="$vseq" '$2 <= s' "$T/events" | tail -n 12 | sed 's/^/      /'
done <"$T/violations"
echo "  files: $C (plan.txt, events.txt, kvmnetd-N.log, originals.txt)"
lab_assert_eq 0 "$nv" "chaos violations (seed $SEED)"
