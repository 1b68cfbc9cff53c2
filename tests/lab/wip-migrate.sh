#!/bin/bash
# lab: nics=2 timeout=1800
#
# Live migration of a teamed Linux guest holding a kvmnet VF between two
# kvmnet hosts (issue 13, "Live migration between two kvmnet hosts").
# NOT PASSING YET, hence wip- (run-all.sh leaves it out): libvirt sends
# the transient hostdev along in the migration XML with A's VF address,
# so kvmnetd B sees the failover pair taken and gives no teamed VF (see
# tests/lab/README.md).  Rename it t-migrate.sh once it passes.
#
# Two libvirt hosts in one lab boot:
#   A  the lab's own libvirtd (qemu:///system); kvmnetd A manages PF 1;
#   B  a second libvirtd and virtlogd in a mount and UTS namespace of their
#      own (unshare): their own /run/libvirt, /var/lib/libvirt,
#      /etc/libvirt (libvirtd.conf with a distinct host_uuid, so libvirt
#      does not refuse a "migration to the same host"), /var/log/libvirt
#      and /var/cache/libvirt, hostname kvmnet-lab-b; kvmnetd B manages
#      PF 2 and talks to B through B's socket
#      (qemu+unix:///system?socket=...).
# Both stay in the lab's network namespace: the guest's virtio NIC is on
# the one bridge kvmlab0 on either host (as two hosts' taps on one L2
# segment), and the migration stream goes over tcp to 127.0.0.1
# (--migrateuri).  The bridge holds PF 1 and takes its MAC (as in
# t-failover-guest.sh); PF 2 is not in the bridge: the lab's igb NICs share
# one QEMU hub, so a frame from a VF of PF 2 reaches PF 1 over that "wire"
# (and two PFs in the bridge would make a loop through the hub).
#
# The guest G: a `linux` VM (kernel and initramfs from the lab cache, no
# disk, so no shared storage is needed), 192 MiB, teamed with `kvmnetctl
# vm team` (net_failover inside), its serial console in append mode so
# that B's QEMU does not truncate A's lines.  threshold 1: G alone makes
# each kvmnetd split its PF.
# Checks: G holds a VF of PF 1 (kvmnetd A); `virsh migrate --live` to B
# while a flow (ICMP at 10/s, one TCP connection, from lib-flow.sh) runs
# through G's failover master: QEMU unplugs the transient VF first (the
# guest says so on its console), kvmnetd A says "migrating" and attaches
# nothing to G (one attach in its log for the whole run), A's VF goes back
# to its spares; once G runs on B, kvmnetd B gives it a VF of PF 2 with
# G's MAC (transient member); the TCP connection survives.  Prints the
# packets lost, the longest gap, the time on virtio (from the guest's
# "VF removed" line to its "VF joined" line on B, as stamped on arrival)
# and the migration's own time: LAB-MIGRATE lines.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

B=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}
K=$B/src/cli/kvmnetctl
D=$B/kvmnetd
[ -x "$K" ] && [ -x "$D" ] || lab_die "$K or $D not found: build kvmnet first"
command -v iperf3 >/dev/null || lab_die "iperf3 missing (tools/install-deps.sh)"
t_scenario=$(lab_now)
[ "$(lab_pfs | wc -l)" -ge 2 ] || lab_die "two igb PFs needed (run with --nics 2)"
pf_a=$(lab_pfs | sed -n 1p)
pf_b=$(lab_pfs | sed -n 2p)
dev_a=$(lab_pf_netdev "$pf_a")
dev_b=$(lab_pf_netdev "$pf_b")
G=lab-mig
HOST_V=198.51.100.1 G_ADDR=198.51.100.31
G_MAC=$(lab_vm_mac $G)
W=$(mktemp -d /var/tmp/kvmnet-migrate.XXXXXX)
FLOWS=$LAB_OUT/migrate
mkdir -p "$FLOWS"
PING_INTERVAL=0.1
HB=$W/host-b
URI_A=qemu:///system
URI_B="qemu+unix:///system?socket=$HB/run/libvirt-sock"
MIG_PORT=49400
dpid_a= dpid_b= stamp_pid=
CON=$(lab_vm_console $G)

. "$KVMNET_LAB_DIR/lib-flow.sh"

lab_cleanup() {
	local f p
	for f in "$FLOWS"/*.pid; do
		[ -e "$f" ] && kill -INT "$(cat "$f")" 2>/dev/null
	done
	[ -z "$stamp_pid" ] || kill "$stamp_pid" 2>/dev/null
	for p in $dpid_a $dpid_b; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	virsh -c "$URI_B" -q dumpxml $G >"$FLOWS/g-on-b-end.xml" 2>&1
	virsh -c "$URI_B" -q destroy $G >/dev/null 2>&1
	virsh -q destroy $G >/dev/null 2>&1
	virsh -q undefine $G >/dev/null 2>&1
	for p in "$HB"/run/libvirtd.pid "$HB"/run/virtlogd.pid; do
		[ -e "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	cp "$HB"/log/qemu/*.log "$LAB_OUT/" 2>/dev/null
	ip link set "$dev_a" nomaster 2>/dev/null
	ip addr flush dev "$LAB_BRIDGE" 2>/dev/null
	lab_sriov_set "$pf_a" 0
	lab_sriov_set "$pf_b" 0
	sleep 1
	rm -rf "$W"
}

# host_b_start: libvirtd and virtlogd of host B, in their own mount and
# UTS namespaces; the directories they see as /run/libvirt ... are under
# $HB, so its socket is $HB/run/libvirt-sock from here.
host_b_start() {
	local t0
	t0=$(lab_now)
	mkdir -p "$HB"/run "$HB"/lib/qemu "$HB"/log/qemu "$HB"/cache/qemu "$HB"/etc
	cp -a /etc/libvirt/. "$HB"/etc/
	rm -f "$HB"/etc/qemu/*.xml
	cat >"$HB"/etc/libvirtd.conf <<-EOF
		log_outputs = "3:file:$LAB_OUT/libvirtd-b.log"
		host_uuid = "6b766e65-742d-4c61-8262-000000000002"
	EOF
	unshare --mount --uts --propagation private sh -ec "
		mount --bind '$HB/run' /run/libvirt
		mount --bind '$HB/lib' /var/lib/libvirt
		mount --bind '$HB/etc' /etc/libvirt
		mount --bind '$HB/log' /var/log/libvirt
		mount --bind '$HB/cache' /var/cache/libvirt
		hostname kvmnet-lab-b
		virtlogd -d -p /run/libvirt/virtlogd.pid
		libvirtd -d -p /run/libvirt/libvirtd.pid
	" || lab_die "starting host B's libvirtd failed"
	lab_wait_for 120 "host B's libvirtd answers" virsh -c "$URI_B" -q version
	virsh -c "$URI_B" -q capabilities >/dev/null || lab_die "virsh capabilities on B failed"
	lab_assert_ne "$(virsh -q capabilities | grep -o '<uuid>.*</uuid>' | head -n 1)" \
		"$(virsh -c "$URI_B" -q capabilities | grep -o '<uuid>.*</uuid>' | head -n 1)" "host B's host UUID (not A's)"
	virsh -c "$URI_B" -q domcapabilities --virttype qemu >/dev/null 2>&1 || true
	lab_time libvirt_b_start "$(lab_since "$t0")"
}

# daemon_start NAME PF URI: kvmnetd NAME (a or b) managing PF, talking to
# URI; its pid in dpid_NAME, its socket $W/NAME/sock, its log
# $FLOWS/kvmnetd-NAME.log.
daemon_start() {
	local d=$W/$1
	mkdir -p "$d/state"
	cat >"$d/kvmnetd.conf" <<-CONF
		[libvirt]
		uri = $3
		[sriov]
		pf = $2
		threshold = 1
		vfs_per_vm = 1
		min_dwell = 1h
		headroom = 0
		[daemon]
		state_dir = $d/state
		on_stop = keep
		log_level = debug
	CONF
	"$D" --foreground -c "$d/kvmnetd.conf" -s "$d/sock" 2>>"$FLOWS/kvmnetd-$1.log" &
	eval "dpid_$1=$!"
	lab_wait_for 60 "kvmnetd $1 answers" test -S "$d/sock"
}
# view NAME JQ: kvmnetd NAME's status, through jq.
view() { KVMNET_CTL_SOCKET=$W/$1/sock "$K" status --json | jq -r ".daemon.view | $2"; }
g_path() { view "$1" "(.vms // [])[] | select(.name == \"$G\") | .path" 2>/dev/null; }
# members N: G's console has more than N failover members (the standby
# came at boot, each VF adds one).
members() { tr -d '\r' <"$CON" | grep -Eac "^KVMNET-NESTED-MEMBER eth[0-9]+ of "; }
g_vf_up() { [ "$(members)" -gt "$1" ]; }
# removed: how many times a NIC with G's MAC (a VF) left G.
removed() { tr -d '\r' <"$CON" | grep -Eac "^KVMNET-NESTED-NET remove eth[0-9]+ $G_MAC"; }
test_removed() { [ "$(removed)" -ge "$1" ]; }
# hostdev_of URI: the PCI addresses (0000:bb:ss.f) of G's hostdev
# interfaces in the live XML there, one a line, none when none.
hostdev_of() {
	virsh -c "$1" -q dumpxml $G 2>/dev/null | awk -F"'" '
		/<interface type=.hostdev./ { h = 1 }
		h && /<source>/ { s = 1 }
		h && s && /<address type=.pci./ {
			for (i = 2; i < NF; i += 2) v[$(i - 1)] = $i
			printf "%s:%s:%s.%s\n", substr(v[" domain="], 3), substr(v[" bus="], 3),
				substr(v[" slot="], 3), substr(v[" function="], 3)
			h = s = 0 }
		/<\/interface>/ { h = s = 0 }'
}
# b_vf: G's hostdev on B that is a VF of PF 2.
b_vf() { hostdev_of "$URI_B" | grep -Fx -f <(lab_vfs "$pf_b"); }
b_has_vf() { [ -n "$(b_vf)" ]; }
# stamp_at ERE N: arrival time of the Nth console line matching ERE.
stamp_at() { tr -d '\r' <"$FLOWS/console.stamped" | grep -Ea -- "^[0-9.]+ $1" | sed -n "${2}p" | cut -d' ' -f1; }

lab_step "host A: libvirt, the bridge with PF 1; host B: a second libvirtd; PF 2 up"
lab_libvirt_start
lab_bridge_ensure
ip link set "$dev_a" up
ip link set "$dev_b" up
ip link set "$LAB_BRIDGE" address "$(cat "/sys/class/net/$dev_a/address")"
ip link set "$dev_a" master "$LAB_BRIDGE"
ip addr add "$HOST_V/24" dev "$LAB_BRIDGE"
host_b_start

lab_step "G (teamed, 192 MiB, console appended) boots on A; kvmnetd A and B start"
LAB_VM_CMDLINE="kvmnet.ip=$G_MAC=$G_ADDR/24" lab_vm_define $G 192 linux
virsh -q dumpxml --inactive $G | sed "s|<source path='$CON'/>|<source path='$CON' append='on'/>|" >"$W/g.xml"
grep -q "append='on'" "$W/g.xml" || lab_die "no serial <source path> to put in append mode"
virsh -q define "$W/g.xml" >/dev/null || lab_die "redefining $G failed"
lab_assert_ok "kvmnetctl vm team $G" "$K" vm team $G
daemon_start a "$dev_a" "$URI_A"
daemon_start b "$dev_b" "$URI_B"
(tail -n +1 -s 0.2 -F "$CON" 2>/dev/null | stamp >"$FLOWS/console.stamped") &
stamp_pid=$!
t_vm=$(lab_now)
virsh -q start $G >/dev/null || lab_die "virsh start $G failed"
lab_vm_wait_console $G '^KVMNET-NESTED-READY' 1200 "VM $G booted"
lab_time vm_boot_linux "$(lab_since "$t_vm")"
MASTER=$(console_field $G "^KVMNET-NESTED-IP eth[0-9]+ $G_ADDR/" 2)
STANDBY=$(console_field $G "^KVMNET-NESTED-MEMBER eth[0-9]+ of $MASTER" 2)
lab_assert_ne "" "$STANDBY" "$G's standby member (virtio) of its failover master $MASTER"
lab_wait_for 300 "kvmnetd A's VF joins $G's failover master" g_vf_up 1
VF_A=$(hostdev_of "$URI_A")
lab_assert_match "^$(lab_vfs "$pf_a" | paste -sd'|' | sed 's/\./\\./g')\$" "$VF_A" "$G's VF on A, a VF of PF 1"
lab_assert_match "<teaming type='transient' persistent='ua-" "$(virsh -q dumpxml $G)" "$G's VF on A, transient member"
spare_a0=$(view a ".pfs[0].spare")
lab_vm_wait_agent $G 300
lab_assert_ok "iperf3 server in $G" lab_vm_exec $G 120 iperf3 -s -D
lab_wait_for 60 "the lab host reaches $G at $G_ADDR" busybox ping -c 1 -W 5 $G_ADDR

lab_step "G migrates live from A to B while the flow runs"
flow_start mig $G_ADDR
lab_wait_for 300 "flow to $G running" flow_running mig
sleep 3
# kvmnetd A's view of G while it migrates, sampled twice a second.
(while :; do echo "$(lab_now) $(g_path a)"; sleep 0.5; done >"$FLOWS/a-paths.txt") &
sampler=$!
n_members=$(members)
t0=$(lab_now)
mrc=0
virsh -q migrate --live --verbose --timeout 240 $G "$URI_B" --migrateuri "tcp://127.0.0.1:$MIG_PORT" \
	>"$FLOWS/migrate.out" 2>&1 || mrc=$?
t_mig=$(lab_since "$t0")
lab_time migrate "$t_mig"
lab_assert_eq 0 "$mrc" "virsh migrate --live $G to B ($(tr '\r\n' '  ' <"$FLOWS/migrate.out" | tail -c 300))"
lab_assert_eq running "$(virsh -c "$URI_B" -q domstate $G 2>/dev/null | head -n 1)" "$G's state on B"
lab_assert_ne running "$(lab_vm_state $G)" "$G's state on A"
virsh -c "$URI_B" -q dumpxml $G >"$FLOWS/g-on-b-migrated.xml" 2>&1 || true
lab_wait_for 300 "kvmnetd B attaches a VF of PF 2 to $G" b_has_vf || true
virsh -c "$URI_B" -q dumpxml $G >"$FLOWS/g-on-b-attached.xml" 2>&1 || true
# Not fatal: the flow's figures are printed either way.
lab_wait_for 300 "kvmnetd B's VF joins $G's failover master" g_vf_up "$n_members" || true
lab_time migrate_to_vf_on_b "$(lab_since "$t0")"
sleep 3
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
flow_settle mig
flow_stop mig
flow_report mig "live migration A -> B (teamed)"
lab_assert_eq yes "$(cat "$FLOWS/mig.survived")" "$G's TCP connection survived the migration"

lab_step "what each host did"
lab_assert_match "^KVMNET-NESTED-NET remove eth[0-9]+ $G_MAC" "$(tr -d '\r' <"$CON")" \
	"the VF left $G before it ran on B (unplugged by QEMU/libvirt)"
lab_log "kvmnetd A's path for $G while it migrated: $(awk '{ print $2 }' "$FLOWS/a-paths.txt" | uniq | paste -sd' ')"
# Not asserted: kvmnetd A takes a turn on libvirt's events, and the
# outgoing job's start brings none (the first is "paused for migration",
# at the switch-over), so its status may say vf until then.
grep -q " migrating\$" "$FLOWS/a-paths.txt" || lab_log "kvmnetd A's status never said migrating while sampled"
lab_assert_eq 1 "$(grep -Ec "^attach PF .* to VM $G " "$FLOWS/kvmnetd-a.log")" \
	"kvmnetd A's attaches to $G, whole run (the one before the migration; 'Requesting: attach' lines not counted)"
lab_wait_for 60 "A's VF back in its spares" test "$(view a ".pfs[0].spare")" -gt "$spare_a0"
lab_log "kvmnetd A: numvfs $(view a ".pfs[0].numvfs"), spare $spare_a0 -> $(view a ".pfs[0].spare")"
lab_assert_eq "" "$(hostdev_of "$URI_A")" "hostdev of $G left on A"
lab_assert_eq "" "$(hostdev_of "$URI_B" | grep -Fxv -f <(lab_vfs "$pf_b"))" \
	"hostdevs of $G on B that are not VFs of PF 2 (the migration XML carries A's VF)"
VF_B=$(b_vf)
lab_assert_match "^$(lab_vfs "$pf_b" | paste -sd'|' | sed 's/\./\\./g')\$" "$VF_B" "$G's VF on B, a VF of PF 2"
lab_assert_match "attach PF [0-9a-f:.]+ VF [0-9]+ .* to VM $G with MAC $G_MAC" "$(cat "$FLOWS/kvmnetd-b.log")" \
	"kvmnetd B gave $G a VF with its pair's MAC"
lab_assert_eq vf "$(g_path b)" "kvmnetd B's path for $G"
t_off=$(stamp_at "KVMNET-NESTED-NET remove eth[0-9]+ $G_MAC" 1)
t_on=$(stamp_at "KVMNET-NESTED-MEMBER eth[0-9]+ of " $((n_members + 1)))
on_virtio=$(awk -v a="$t_on" -v b="$t_off" 'BEGIN { if (a == "" || b == "") print "?"; else printf "%.1f", a - b }')
lab_time on_virtio "$on_virtio"
for n in a b; do
	lab_assert_nomatch "^(Failed to|Observing|Deciding)" "$(cat "$FLOWS/kvmnetd-$n.log")" "kvmnetd $n log"
done

lab_step "figures (TCG inside TCG)"
while read -r name sent lost gap rtt surv stall what; do
	case $name in
		mig) extra="on_virtio_s=$on_virtio migrate_s=$t_mig" ;;
		*) extra= ;;
	esac
	echo "LAB-MIGRATE $name sent=$sent lost=$lost longest_gap_ms=$gap rtt_ms=$rtt tcp_survived=$surv tcp_stall_s=$stall $extra ($what)"
done <"$RESULTS"
cp "$RESULTS" "$FLOWS/results.txt"

lab_step "clean up"
lab_cleanup || true
unset -f lab_cleanup
lab_time scenario "$(lab_since "$t_scenario")"
