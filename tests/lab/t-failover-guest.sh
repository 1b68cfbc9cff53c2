#!/bin/bash
# lab: nics=1 timeout=3300
#
# kvmnetd's VF comes and goes without the guest noticing, seen from inside
# nested Linux guests while traffic flows (issue 13, the guest's side).
#
# Two `linux` VMs boot at once, their virtio NICs on the lab bridge, which
# also holds the igb PF (as a host's uplink would), so that the lab host
# reaches a guest's MAC both through its tap (virtio) and through the PF
# (the NIC switches between the PF and its VFs):
#   G  made the persistent member of a failover pair with `kvmnetctl vm
#      team` before it starts: net_failover in the guest, its address on
#      the failover master; kvmnetd's VF joins as the primary, same MAC;
#   U  not teamed: kvmnetd's VF is a NIC of its own, with an address of
#      its own (203.0.113.22), as an operator gets without teaming;
#   P  a bare VM, started and stopped to move M1 across the threshold (3).
# A flow from the lab host runs through every transition: ICMP echo at a
# fixed rate (busybox ping, each reply stamped on arrival) and one
# long-lived TCP connection (iperf3 -R at 64 kbit/s in 800-byte writes: the
# guest sends, about 10 segments a second).  The rate is 10/s, not 100/s:
# a guest under TCG inside TCG on a loaded 2-core machine answered some 26
# echoes a second, and at 100/s requests queued until replies took 49 s
# (at 20/s and load 20, 9 s).  KVMNET_FAILOVER_PING_INTERVAL (seconds,
# default 0.1) changes it.
# Transitions, with kvmnetd in the lab (threshold 3, headroom 0):
#   1. P starts, M1 3: kvmnetd splits the PF and attaches the VFs; G's
#      traffic moves to its VF (the VF's counters inside G rise);
#   2. P stops: after min_dwell (5 s) kvmnetd detaches the VFs from the
#      running guests and sets numvfs 0; G's traffic is back on virtio;
#   3. a second kvmnetd (on_stop = revert, a long min_dwell) splits again;
#      P stops, the split holds; SIGTERM: it detaches and reverts;
#   4. U through 2 and 3: its VF and the address on it vanish;
#   5. [sriov] resize = drain (a third kvmnetd, threshold 2, SIGHUP): with
#      U holding a VF the PF is not drained (status and log say why);
#      once U is gone, G's VF is detached, numvfs goes through 0 to the
#      new count and G gets its VF back (issue 14); G's connection must
#      survive, and its time on virtio is printed.
# The TCP connection of G must survive 1 to 3; U's losses are printed,
# not asserted.  A flow to G over virtio with no transition, in the same
# run, is the baseline.  TCG numbers (TCG inside TCG for the guests): what
# must hold is that the connection survives and that the gap is the
# guest's failover, not kvmnet.  Prints LAB-FAILOVER lines, a table.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

B=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}
K=$B/src/cli/kvmnetctl
D=$B/kvmnetd
[ -x "$K" ] && [ -x "$D" ] || lab_die "$K or $D not found: build kvmnet first"
command -v iperf3 >/dev/null || lab_die "iperf3 missing (tools/install-deps.sh)"
t_scenario=$(lab_now)
pf=$(lab_pfs | head -n 1)
[ -n "$pf" ] || lab_die "no igb PF"
dev=$(lab_pf_netdev "$pf")
G=lab-fo-team U=lab-fo-solo P=lab-fo-push Q=lab-fo-push2
HOST_V=198.51.100.1 G_ADDR=198.51.100.21 U_VIRTIO=198.51.100.22
HOST_VF=203.0.113.1 U_VF=203.0.113.22
G_MAC=$(lab_vm_mac $G)
W=$(mktemp -d /var/tmp/kvmnet-failover.XXXXXX)
FLOWS=$LAB_OUT/failover
mkdir -p "$FLOWS"
dpid=
DWELL_S=5
PING_INTERVAL=${KVMNET_FAILOVER_PING_INTERVAL:-0.1}

lab_cleanup() {
	local f vm
	for f in "$FLOWS"/*.pid; do
		[ -e "$f" ] && kill -INT "$(cat "$f")" 2>/dev/null
	done
	[ -z "$dpid" ] || { kill -TERM "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null; }
	for vm in $G $U $P $Q; do
		virsh -q destroy "$vm" >/dev/null 2>&1
		virsh -q undefine "$vm" >/dev/null 2>&1
	done
	ip link set "$dev" nomaster 2>/dev/null
	ip addr flush dev "$LAB_BRIDGE" 2>/dev/null
	lab_sriov_set "$pf" 0
	rm -rf "$W"
}

# vf_mac_of DOMAIN: the MAC kvmnetd gives the first VF of a VM that is not
# teamed: core/plan.c's plan_vm_mac, FNV-1a 64 over the UUID's 16 bytes
# and the slot (0, 4 bytes), low byte first, locally administered.  The
# test checks it against the live XML once the VF is there.
vf_mac_of() {
	local uuid h=0xcbf29ce484222325 i b mac=
	uuid=$(virsh -q domuuid "$1" | tr -d '-')
	for i in $(seq 0 2 30); do
		h=$(((h ^ 16#${uuid:i:2}) * 0x100000001b3))
	done
	for i in 1 2 3 4; do h=$((h * 0x100000001b3)); done
	for i in 0 1 2 3 4 5; do
		b=$(((h >> (8 * i)) & 255))
		[ $i != 0 ] || b=$(((b & 252) | 2))
		mac=$mac${mac:+:}$(printf '%02x' $b)
	done
	echo "$mac"
}

. "$KVMNET_LAB_DIR/lib-flow.sh"

# g_vf_up: G has a VF member (hot-plugged; the standby came at boot).
g_vf_up() { [ "$(tr -d '\r' <"$(lab_vm_console $G)" | grep -Eac "^KVMNET-NESTED-MEMBER eth[0-9]+ of ")" -gt "$1" ]; }
# u_vf_up N: U's VF has its address for the Nth time.
u_vf_up() { [ "$(tr -d '\r' <"$(lab_vm_console $U)" | grep -Eac "^KVMNET-NESTED-IP eth[0-9]+ $U_VF/24")" -ge "$1" ]; }
nested_removed() { [ "$(tr -d '\r' <"$(lab_vm_console "$1")" | grep -Eac "^KVMNET-NESTED-NET remove eth[0-9]+ $2")" -ge "$3" ]; }
numvfs_is() { [ "$(cat "$LAB_PCI/$pf/sriov_numvfs")" = "$1" ]; }

# --- kvmnetd -------------------------------------------------------------------

# daemon_conf DWELL ON_STOP [THRESHOLD [RESIZE]]: kvmnetd.conf, rewritten
# for a SIGHUP too.
daemon_conf() {
	cat >"$W/kvmnetd.conf" <<-CONF
		[libvirt]
		uri = qemu:///system
		[sriov]
		pf = $dev
		threshold = ${3:-3}
		vfs_per_vm = 1
		min_dwell = $1
		headroom = 0
		resize = ${4:-never}
		[daemon]
		state_dir = $W/state
		on_stop = $2
		log_level = debug
	CONF
}
# daemon_start DWELL ON_STOP LOG [THRESHOLD]
daemon_start() {
	daemon_conf "$1" "$2" "${4:-3}"
	mkdir -p "$W/state"
	rm -f "$W/sock"
	"$D" --foreground -c "$W/kvmnetd.conf" -s "$W/sock" 2>>"$3" &
	dpid=$!
	lab_wait_for 60 "kvmnetd answers (min_dwell $1, on_stop $2)" test -S "$W/sock"
}
view() { KVMNET_CTL_SOCKET=$W/sock "$K" status --json | jq -r ".daemon.view | $1"; }
mode_is() { [ "$(view .mode 2>/dev/null)" = "$1" ]; }

lab_step "libvirt; the PF in the bridge; G (teamed) and U (not) boot at once"
ip link set "$dev" up
lab_libvirt_start
lab_bridge_ensure
# The bridge takes the PF's MAC: frames from a VF to the lab host then
# reach the PF by its own address, with no promiscuous receive.
ip link set "$LAB_BRIDGE" address "$(cat "/sys/class/net/$dev/address")"
ip link set "$dev" master "$LAB_BRIDGE"
ip addr add "$HOST_V/24" dev "$LAB_BRIDGE"
ip addr add "$HOST_VF/24" dev "$LAB_BRIDGE"
LAB_VM_CMDLINE="kvmnet.ip=$G_MAC=$G_ADDR/24" lab_vm_define $G 192 linux
lab_assert_ok "kvmnetctl vm team $G" "$K" vm team $G
lab_assert_match "<teaming type='persistent'/>" "$(virsh -q dumpxml --inactive $G)" "$G's definition"
# U answers ARP for its VF's address on the VF only (arp_ignore=1), or the
# lab host would reach that address through U's virtio NIC.
LAB_VM_CMDLINE="kvmnet.ip=$(lab_vm_mac $U)=$U_VIRTIO/24 sysctl.net.ipv4.conf.all.arp_ignore=1" \
	lab_vm_define $U 192 linux
U_VF_MAC=$(vf_mac_of $U)
virsh -q dumpxml --inactive $U | sed "s|</cmdline>| kvmnet.ip=$U_VF_MAC=$U_VF/24</cmdline>|" >"$W/u.xml"
virsh -q define "$W/u.xml" >/dev/null || lab_die "redefining $U with its VF address failed"
lab_vm_define $P 64 bare
t_vm=$(lab_now)
virsh -q start $G >/dev/null || lab_die "virsh start $G failed"
virsh -q start $U >/dev/null || lab_die "virsh start $U failed"
lab_vm_wait_console $G '^KVMNET-NESTED-READY' 1200 "VM $G booted"
lab_vm_wait_console $U '^KVMNET-NESTED-READY' 1200 "VM $U booted"
lab_time vm_boot_two_linux "$(lab_since "$t_vm")"
console_g=$(tr -d '\r' <"$(lab_vm_console $G)")
MASTER=$(console_field $G "^KVMNET-NESTED-IP eth[0-9]+ $G_ADDR/" 2)
STANDBY=$(console_field $G "^KVMNET-NESTED-MEMBER eth[0-9]+ of $MASTER" 2)
lab_assert_match "^KVMNET-NESTED-IP eth[0-9]+ $G_ADDR/24" "$console_g" "$G's address, on one interface"
lab_assert_match "^KVMNET-NESTED-MEMBER $STANDBY of $MASTER\$" "$console_g" \
	"$G: the virtio NIC ($STANDBY) is the standby member of the failover master ($MASTER)"
lab_assert_ne "" "$STANDBY" "$G's standby member"
lab_assert_nomatch "^KVMNET-NESTED-MEMBER" "$(tr -d '\r' <"$(lab_vm_console $U)")" "$U has no failover member"
lab_vm_wait_agent $G 300
lab_vm_wait_agent $U 300
lab_time vm_agents_two_linux "$(lab_since "$t_vm")"
# The standby is virtio_net's (phys_port_name "sby"), the master lists it
# as its lower device.
fo=$(lab_vm_exec $G 60 sh -c "cat /sys/class/net/$STANDBY/phys_port_name; ls /sys/class/net/$MASTER/" 2>&1) || true
lab_assert_match "^sby\$" "$fo" "$STANDBY is virtio_net's standby"
lab_assert_match "^lower_$STANDBY\$" "$fo" "$MASTER is the failover master of $STANDBY"
flow_servers_start $G
flow_servers_start $U
lab_wait_for 60 "the lab host reaches $G at $G_ADDR" busybox ping -c 1 -W 5 $G_ADDR

lab_step "baseline: the flow to $G over virtio, no transition"
flow_start base $G_ADDR
lab_wait_for 300 "flow to $G running" flow_running base
sleep 8
flow_settle base $G qemu:///system
flow_stop base
flow_report base "virtio, no transition"

lab_step "1. M1 reaches the threshold: kvmnetd attaches the VFs, $G's traffic moves to its VF"
daemon_start ${DWELL_S}s keep "$FLOWS/kvmnetd-1.log"
lab_wait_for 30 "M1 2 < 3: no split" mode_is inactive
flow_start t1 $G_ADDR $G
lab_wait_for 300 "flow to $G running" flow_running t1
t0=$(lab_now)
lab_assert_ok "$P starts (M1 3)" virsh -q start --paused $P
lab_wait_for 300 "a VF joins $G's failover master" g_vf_up 1
lab_time attach_to_member "$(lab_since "$t0")"
VF=$(console_field $G "^KVMNET-NESTED-MEMBER eth[0-9]+ of $MASTER" 2)
lab_assert_ne "$STANDBY" "$VF" "$G's primary member (the VF)"
lab_assert_match "<teaming type='transient' persistent='ua-" "$(virsh -q dumpxml $G)" "$G's VF, transient member (live XML)"
lab_assert_match "^KVMNET-NESTED-NET add $VF $G_MAC" "$(tr -d '\r' <"$(lab_vm_console $G)")" "$G's VF carries the pair's MAC"
sleep 2
c0=$(counters $G "$VF" "$STANDBY") || true
sleep 4
c1=$(counters $G "$VF" "$STANDBY") || true
flow_settle t1 $G qemu:///system
flow_stop t1
flow_report t1 "VF attached (teamed)"
read -r vtx0 vrx0 stx0 srx0 <<<"$c0"
read -r vtx1 vrx1 stx1 srx1 <<<"$c1"
lab_log "$G counters over 4 s: VF $VF tx +$((vtx1 - vtx0)) rx +$((vrx1 - vrx0)); standby $STANDBY tx +$((stx1 - stx0)) rx +$((srx1 - srx0))"
lab_assert_eq yes "$([ $((vtx1 - vtx0)) -ge 40 ] && [ $((vrx1 - vrx0)) -ge 40 ] && echo yes)" \
	"$G's VF sent and received the flow (>= 40 packets each way in 4 s)"
lab_assert_eq yes "$([ $((stx1 - stx0)) -lt $(((vtx1 - vtx0) / 10)) ] && echo yes)" \
	"$G's standby sent under a tenth of what the VF sent"
lab_assert_eq yes "$(cat "$FLOWS/t1.survived")" "transition 1: $G's TCP connection survived"
lab_wait_for 180 "$U's VF up with $U_VF" u_vf_up 1
lab_assert_match "<mac address='$U_VF_MAC'/>" "$(virsh -q dumpxml $U)" "$U's VF MAC (the test's copy of plan_vm_mac)"
lab_wait_for 60 "the lab host reaches $U's VF at $U_VF" busybox ping -c 1 -W 5 $U_VF

lab_step "2. the split ends after min_dwell: the VFs leave the running guests, numvfs 0"
flow_start t2 $G_ADDR $G
flow_start t4-dwell $U_VF $U
lab_wait_for 300 "flow to $G running" flow_running t2
flow_wait t4-dwell || true
t0=$(lab_now)
lab_assert_ok "$P stops (M1 2)" virsh -q destroy $P
lab_wait_for $((DWELL_S + 240)) "split over: $dev numvfs 0" numvfs_is 0
lab_time detach_to_numvfs0 "$(lab_since "$t0")"
# (The guest's watcher reports what its kernel has already done; with
# three guests under TCG inside TCG its line has come over 60 s late.)
lab_wait_for 180 "$G's VF gone inside $G" nested_removed $G "$G_MAC" 1
lab_wait_for 180 "$U's VF gone inside $U" nested_removed $U "$U_VF_MAC" 1
flow_settle t2 $G qemu:///system
FLOW_DEAD_AFTER=30 flow_settle t4-dwell
flow_stop t2
flow_stop t4-dwell
flow_report t2 "split ends, VF detached (teamed)"
flow_report t4-dwell "split ends, VF detached (not teamed, VF address)"
lab_assert_eq yes "$(cat "$FLOWS/t2.survived")" "transition 2: $G's TCP connection survived"
lab_assert_eq running "$(lab_vm_state $G)" "$G after the detach"
c2=$(counters $G "$STANDBY") || true
sleep 3
c3=$(counters $G "$STANDBY") || true
lab_log "$G's standby after the detach, 3 s idle flow-less: tx $c2 -> $c3"
kill -TERM "$dpid"
wait "$dpid" || true
dpid=
lab_assert_nomatch "^(Failed to|Observing|Deciding)" "$(cat "$FLOWS/kvmnetd-1.log")" "kvmnetd (run 1) log"

lab_step "3. on_stop = revert with the VFs attached"
daemon_start 1h revert "$FLOWS/kvmnetd-2.log"
lab_assert_ok "$P starts (M1 3)" virsh -q start --paused $P
lab_wait_for 300 "a VF joins $G's failover master again" g_vf_up 2
lab_wait_for 180 "$U's VF up with $U_VF again" u_vf_up 2
lab_assert_ok "$P stops (M1 2, min_dwell 1h holds the split)" virsh -q destroy $P
sleep 3
lab_assert_eq active "$(view .mode)" "kvmnetd's mode below the threshold within min_dwell"
flow_start t3 $G_ADDR $G
flow_start t4-revert $U_VF $U
lab_wait_for 300 "flow to $G running" flow_running t3
flow_wait t4-revert || true
t0=$(lab_now)
kill -TERM "$dpid"
drc=0
lab_wait_for 240 "kvmnetd reverts and exits" bash -c "! kill -0 $dpid"
wait "$dpid" || drc=$?
dpid=
lab_time revert "$(lab_since "$t0")"
lab_assert_eq 0 "$drc" "kvmnetd's exit status after the revert"
lab_assert_ok "numvfs 0 after the revert" numvfs_is 0
lab_wait_for 180 "$G's VF gone inside $G" nested_removed $G "$G_MAC" 2
lab_wait_for 180 "$U's VF gone inside $U" nested_removed $U "$U_VF_MAC" 2
flow_settle t3 $G qemu:///system
FLOW_DEAD_AFTER=30 flow_settle t4-revert
flow_stop t3
flow_stop t4-revert
flow_report t3 "on_stop = revert (teamed)"
flow_report t4-revert "on_stop = revert (not teamed, VF address)"
lab_assert_eq yes "$(cat "$FLOWS/t3.survived")" "transition 3: $G's TCP connection survived"
lab_assert_match "Gave $pf back: numvfs 0" "$(cat "$FLOWS/kvmnetd-2.log")" "kvmnetd (run 2) gave the PF back"
lab_assert_nomatch "^(Failed to|Observing|Deciding)" "$(cat "$FLOWS/kvmnetd-2.log")" "kvmnetd (run 2) log"

lab_step "5. resize = drain: the PF grows while $G keeps its connection, never under $U"
# threshold 2: G and U split the PF into 2 VFs (headroom 0), one each.
# P and Q (bare, paused) then want 2 more: the PF must grow, through 0.
# With U holding a VF (not teamed) kvmnetd refuses and says why; once U
# is gone it drains: G's VF leaves (G on virtio), numvfs 2 -> 0 -> 3 (G, P
# and Q), and
# G gets a VF again with its pair's MAC.
lab_vm_define $Q 64 bare
daemon_start 1h keep "$FLOWS/kvmnetd-3.log" 2
lab_wait_for 300 "a VF joins $G's failover master (third split)" g_vf_up 3
lab_wait_for 180 "$U's VF up with $U_VF (third split)" u_vf_up 3
lab_assert_eq 2 "$(cat "$LAB_PCI/$pf/sriov_numvfs")" "numvfs: one VF each for $G and $U"
daemon_conf 1h keep 2 drain
kill -HUP "$dpid"
lab_wait_for 30 "kvmnetd reloaded resize = drain" grep -q "Reloaded $W/kvmnetd.conf" "$FLOWS/kvmnetd-3.log"
removed0=$(tr -d '\r' <"$(lab_vm_console $G)" | grep -Eac "^KVMNET-NESTED-NET remove eth[0-9]+ $G_MAC")
lab_assert_ok "$P starts" virsh -q start --paused $P
lab_assert_ok "$Q starts (M1 4, 4 VFs wanted, 2 exist)" virsh -q start --paused $Q
pf_drain() { view '.pfs[0].drain // ""'; }
drain_refused() { [[ "$(pf_drain)" =~ ^pf-busy:\ VF\ [0-9]+\ held\ by\ unteamed\ $U$ ]]; }
lab_wait_for 60 "status says why the PF is not drained (VF held by unteamed $U)" drain_refused
lab_log "status while refused: $(pf_drain)"
sleep 3
lab_assert_eq "pf-busy pf-busy" "$(view '[.vms[] | select(.name == "'$P'" or .name == "'$Q'") | .waiting_for] | join(" ")')" \
	"$P and $Q wait (pf-busy)"
lab_assert_eq 2 "$(cat "$LAB_PCI/$pf/sriov_numvfs")" "refused: numvfs unchanged"
lab_assert_eq "$removed0" "$(tr -d '\r' <"$(lab_vm_console $G)" | grep -Eac "^KVMNET-NESTED-NET remove eth[0-9]+ $G_MAC")" \
	"refused: $G kept its VF"
lab_assert_match "not drained: pf-busy: VF [0-9]+ held by unteamed $U" "$(cat "$FLOWS/kvmnetd-3.log")" \
	"kvmnetd's log says why it does not drain"
flow_start t5 $G_ADDR $G
lab_wait_for 300 "flow to $G running" flow_running t5
# Watch G's console closely (0.1 s) for the VF leaving and coming back:
# the time on virtio as the guest saw it.
members0=$(tr -d '\r' <"$(lab_vm_console $G)" | grep -Eac "^KVMNET-NESTED-MEMBER eth[0-9]+ of ")
t0=$(lab_now)
lab_assert_ok "$U stops (no VF held by an unteamed VM any more)" virsh -q destroy $U
t_gone= t_back=
while awk -v a="$(lab_now)" -v b="$t0" 'BEGIN { exit !(a - b < 300) }'; do
	c=$(tr -d '\r' <"$(lab_vm_console $G)")
	[ -n "$t_gone" ] || [ "$(grep -Eac "^KVMNET-NESTED-NET remove eth[0-9]+ $G_MAC" <<<"$c")" -le "$removed0" ] ||
		t_gone=$EPOCHREALTIME
	[ -z "$t_gone" ] || [ "$(grep -Eac "^KVMNET-NESTED-MEMBER eth[0-9]+ of " <<<"$c")" -le "$members0" ] || {
		t_back=$EPOCHREALTIME
		break
	}
	sleep 0.1
done
lab_assert_ne "" "$t_gone" "drain: $G's VF left (its console)"
lab_assert_ne "" "$t_back" "drain: a VF joined $G's failover master again"
lab_time drain_to_member_back "$(lab_since "$t0")"
ON_VIRTIO_MS=$(awk -v a="${t_back:-0}" -v b="${t_gone:-0}" 'BEGIN { printf "%.0f", (a - b) * 1000 }')
lab_wait_for 60 "numvfs 3 after the drain" numvfs_is 3
log3=$(cat "$FLOWS/kvmnetd-3.log")
lab_assert_match "drain: draining PF $pf for 3 VFs" "$log3" "kvmnetd's log: draining PF for 3 VFs"
lab_assert_eq yes "$(awk '/draining PF/ { d = 1 } d && /sriov_numvfs to 0/ { z = 1 } z && /sriov_numvfs to 3/ { f = 1 } END { print f ? "yes" : "no" }' <<<"$log3")" \
	"kvmnetd's log: after the drain, numvfs through 0 to 3"
lab_assert_match "<mac address='$G_MAC'/>" "$(virsh -q dumpxml $G | grep -A3 "<interface type='hostdev'")" \
	"$G's VF given back with the pair's MAC"
for vm in $P $Q; do
	lab_wait_for 120 "$vm got a VF after the drain" bash -c "virsh -q dumpxml $vm | grep -q \"<interface type='hostdev'\""
done
flow_settle t5 $G qemu:///system
flow_stop t5
flow_report t5 "resize = drain (teamed): VF detached, numvfs via 0, VF back; ${ON_VIRTIO_MS} ms on virtio"
lab_log "drain: $G on virtio for $ON_VIRTIO_MS ms (its console: VF removed -> VF member again)"
lab_assert_eq yes "$(cat "$FLOWS/t5.survived")" "transition 5 (drain): $G's TCP connection survived"
kill -TERM "$dpid"
wait "$dpid" || true
dpid=
lab_assert_nomatch "^(Failed to|Observing|Deciding)" "$log3" "kvmnetd (run 3) log"

lab_step "figures (TCG inside TCG: compare with the baseline, not with hardware)"
printf 'LAB-FAILOVER %-11s %6s %6s %8s %8s %4s %6s  %s\n' flow sent lost gap_ms rtt_ms tcp stall what
while read -r name sent lost gap rtt surv stall what; do
	printf 'LAB-FAILOVER %-11s %6s %6s %8s %8s %4s %5ss  %s\n' "$name" "$sent" "$lost" "$gap" "$rtt" "$surv" "$stall" "$what"
done <"$RESULTS"
cp "$RESULTS" "$FLOWS/results.txt"

lab_step "clean up"
# Called in a list, so that set -e does not end the test on a flow that
# had already stopped (kill of a stale pid) or a link already gone: the
# CI run passed all 53 checks and exited 1 here.
lab_cleanup || true
unset -f lab_cleanup
lab_time scenario "$(lab_since "$t_scenario")"
