#!/bin/bash
# lab: nics=2 timeout=2400
#
# Live migration of a teamed Linux guest holding a kvmnet VF between two
# kvmnet hosts (issue 13, "Live migration between two kvmnet hosts").
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
# Each host has kvmnet's qemu hook (libvirt/qemu-hook.in, running this
# build's kvmnetctl) in its /etc/libvirt/hooks/qemu.d, as the package
# installs it: it refuses an incoming migration that carries the source's
# VF as a transient failover member.
#
# The guest G: a `linux` VM (kernel and initramfs from the lab cache, no
# disk, so no shared storage is needed), 192 MiB on the lab host's huge
# pages (tests/lab/README.md says why), teamed with `kvmnetctl
# vm team` (net_failover inside), its serial console in append mode so
# that B's QEMU does not truncate A's lines.  threshold 1: G alone makes
# each kvmnetd split its PF.  A flow (ICMP at 10/s, one TCP connection,
# from lib-flow.sh) runs through G's failover master in each step:
#   0. plain `virsh migrate --live`: libvirt sends A's VF along in the
#      XML; B's hook refuses it, G runs on on A with its VF;
#   1. `kvmnetctl vm migrate` to B, aborted (domjobabort) once the
#      migration job runs: kvmnetctl had opted G out (kvmnetd A took the
#      VF back, G went on over virtio), restores its metadata, and kvmnetd
#      A gives it a VF again;
#   2. A -> B with `kvmnetctl vm migrate`, while B's only VF is held by a
#      paused OS-less VM (which `kvmnetctl vm migrate` refuses to move: its
#      VF is its only NIC): kvmnetd A takes G's VF back and attaches
#      nothing while it migrates; G runs on B on its virtio member with
#      its metadata restored, and kvmnetd B's status says why it waits
#      (resize = never); once the paused VM stops, kvmnetd B gives G that
#      VF with G's MAC (transient member).
# The TCP connection survives every step.  Prints, per step, the packets
# lost, the longest gap, the time on virtio (from the guest's "VF removed"
# line to its next "member joined" line, as stamped on arrival) and the
# migration's own time: LAB-MIGRATE lines.
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
VF_ID=8086:10ca # an 82576 VF, as the guest's PCI lines name it
KVMNET_NS=http://kvmnet.org/xmlns/domain/1.0
TAKER=lab-mig-taker
HOST_V=198.51.100.1 G_ADDR=198.51.100.31
G_MAC=$(lab_vm_mac $G)
W=$(mktemp -d /var/tmp/kvmnet-migrate.XXXXXX)
FLOWS=$LAB_OUT/migrate
FLOW_GUEST_MAC=$G_MAC
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
	# tail -F and stamp are the subshell's children: they outlive it.
	[ -z "$stamp_pid" ] || { pkill -P "$stamp_pid" 2>/dev/null; kill "$stamp_pid" 2>/dev/null; }
	for p in $dpid_a $dpid_b; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	virsh -c "$URI_B" -q dumpxml $G >"$FLOWS/g-on-b-end.xml" 2>&1
	for p in $G $TAKER; do
		virsh -c "$URI_B" -q destroy $p >/dev/null 2>&1
		virsh -q destroy $p >/dev/null 2>&1
		virsh -q undefine $p >/dev/null 2>&1
	done
	# The other tests of this boot run without kvmnet's hook.
	rm -f /etc/libvirt/hooks/qemu.d/kvmnet
	kill -HUP "$(cat /run/libvirtd.pid)" 2>/dev/null
	for p in "$HB"/run/libvirtd.pid "$HB"/run/virtlogd.pid; do
		[ -e "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	cp "$HB"/log/qemu/*.log "$LAB_OUT/" 2>/dev/null
	lab_hugepages_release
	# Whatever this test still runs in the background goes with it.
	jobs -p | xargs -r kill 2>/dev/null
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
	hook_install "$HB/etc"
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
	" </dev/null >/dev/null 2>>"$LAB_OUT/host-b.err" || lab_die "starting host B's libvirtd failed: $(tail -c 300 "$LAB_OUT/host-b.err")"
	lab_wait_for 120 "host B's libvirtd answers" virsh -c "$URI_B" -q version
	virsh -c "$URI_B" -q capabilities >/dev/null || lab_die "virsh capabilities on B failed"
	lab_assert_ne "$(virsh -q capabilities | grep -o '<uuid>.*</uuid>' | head -n 1)" \
		"$(virsh -c "$URI_B" -q capabilities | grep -o '<uuid>.*</uuid>' | head -n 1)" "host B's host UUID (not A's)"
	virsh -c "$URI_B" -q domcapabilities --virttype qemu >/dev/null 2>&1 || true
	lab_time libvirt_b_start "$(lab_since "$t0")"
}

# hook_install ETC: kvmnet's qemu hook into ETC/hooks/qemu.d, as the
# package installs it, running this build's kvmnetctl.
hook_install() {
	mkdir -p "$1/hooks/qemu.d"
	sed "s|^exec [^ ]*/kvmnetctl |exec $K |" "$B/libvirt/kvmnet" >"$1/hooks/qemu.d/kvmnet"
	chmod 755 "$1/hooks/qemu.d/kvmnet"
	grep -q "^exec $K hook qemu" "$1/hooks/qemu.d/kvmnet" || lab_die "the built hook $B/libvirt/kvmnet has no exec line"
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
	"$D" --foreground -c "$d/kvmnetd.conf" -s "$d/sock" </dev/null >/dev/null 2>>"$FLOWS/kvmnetd-$1.log" &
	eval "dpid_$1=$!"
	lab_wait_for 60 "kvmnetd $1 answers" test -S "$d/sock"
}
# view NAME JQ: kvmnetd NAME's status, through jq.
view() { KVMNET_CTL_SOCKET=$W/$1/sock "$K" status --json | jq -r ".daemon.view | $2"; }
g_path() { view "$1" "(.vms // [])[] | select(.name == \"$G\") | .path" 2>/dev/null; }
# members N: G's console has more than N failover members (the standby
# came at boot, each VF adds one).
members() { tr -d '\r' <"$CON" | grep -Eac "^KVMNET-NESTED-MEMBER eth[0-9]+ of " || true; }
g_vf_up() { [ "$(members)" -gt "$1" ]; }
# removed: how many times a NIC with G's MAC (a VF) left G.
removed() { tr -d '\r' <"$CON" | grep -Eac "^KVMNET-NESTED-PCI remove [0-9a-f:.]+ $VF_ID" || true; }
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
taker_has_vf() { virsh -c "$URI_B" -q dumpxml $TAKER | grep -q "<interface type='hostdev'"; }
# stamp_at ERE N: arrival time of the Nth console line matching ERE.
stamp_at() { tr -d '\r' <"$FLOWS/console.stamped" | grep -Ea -- "^[0-9.]+ $1" | sed -n "${2}p" | cut -d' ' -f1; }

lab_step "host A: libvirt (with kvmnet's hook), the bridge with PF 1; host B: a second libvirtd; PF 2 up"
lab_libvirt_start
# libvirtd looks for hooks when it starts and on SIGHUP (what the package's
# postinst does with `systemctl reload`); this boot's libvirtd may be
# running already.
hook_install /etc/libvirt
kill -HUP "$(cat /run/libvirtd.pid)"
lab_wait_for 60 "libvirtd answers after its reload" virsh -q version
lab_bridge_ensure
ip link set "$dev_a" up
ip link set "$dev_b" up
ip link set "$LAB_BRIDGE" address "$(cat "/sys/class/net/$dev_a/address")"
ip link set "$dev_a" master "$LAB_BRIDGE"
ip addr add "$HOST_V/24" dev "$LAB_BRIDGE"
host_b_start

lab_step "G (teamed, 192 MiB, console appended) boots on A; kvmnetd A and B start"
# On huge pages (lib.sh, LAB_VM_HUGEPAGES): on 4 KiB pages that the lab
# host had scattered, B's QEMU left some of the guest's TX buffers
# unmappable by QEMU's igb behind the lab's IOMMU, and the connection
# died.  Both ends of the migration hold G's RAM at once.
lab_hugepages_reserve $((2 * 192))
LAB_VM_HUGEPAGES=1 LAB_VM_CMDLINE="kvmnet.ip=$G_MAC=$G_ADDR/24 sysrq_always_enabled" lab_vm_define $G 192 linux
virsh -q dumpxml --inactive $G | sed "s|<source path='$CON'/>|<source path='$CON' append='on'/>|" >"$W/g.xml"
grep -q "append='on'" "$W/g.xml" || lab_die "no serial <source path> to put in append mode"
virsh -q define "$W/g.xml" >/dev/null || lab_die "redefining $G failed"
lab_assert_ok "kvmnetctl vm team $G" "$K" vm team $G
daemon_start a "$dev_a" "$URI_A"
daemon_start b "$dev_b" "$URI_B"
# B's one VM for now: a paused OS-less VM, given the one VF B splits
# (threshold 1, headroom 0, resize = never): G finds none free there.
LIBVIRT_DEFAULT_URI=$URI_B lab_vm_define $TAKER 64 bare
# Without its virtio NIC: its VF will be its only NIC.
virsh -c "$URI_B" -q dumpxml --inactive $TAKER | sed '/<interface /,/<\/interface>/d' >"$W/taker.xml"
virsh -c "$URI_B" -q define "$W/taker.xml" >/dev/null || lab_die "redefining $TAKER without a NIC failed"
lab_assert_ok "$TAKER starts paused on B" virsh -c "$URI_B" -q start --paused $TAKER
lab_wait_for 300 "kvmnetd B gives $TAKER a VF" taker_has_vf
# A VF that is its only NIC: kvmnetctl vm migrate refuses, says what to
# do, and changes nothing.
out=$("$K" -c "$URI_B" vm migrate $TAKER "$URI_A" 2>&1) && lab_die "kvmnetctl vm migrate $TAKER (unteamed VF) succeeded: $out"
lab_assert_match "$TAKER has no NIC but its VF [0-9a-f:.]+ \(MAC [0-9a-f:]+\)" "$out" "kvmnetctl vm migrate's refusal"
lab_assert_match "Nothing was changed" "$out" "the refusal says nothing changed"
lab_assert_eq paused "$(virsh -c "$URI_B" -q domstate $TAKER | head -n 1)" "$TAKER's state on B after the refusal"
lab_assert_ok "$TAKER still holds its VF" taker_has_vf
# Every descriptor away from the test's output: under suite.sh that is a
# pipe to tee, and a helper left holding it keeps the suite waiting.
(tail -n +1 -s 0.2 -F "$CON" | stamp >"$FLOWS/console.stamped") </dev/null >/dev/null 2>&1 &
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
flow_servers_start $G
# The guest's kernel messages on its console from here on (informational
# ones too: igbvf and net_failover say what they do with each VF).
lab_vm_exec $G 60 dmesg -n 7 || lab_log "dmesg -n 7 in $G failed"
lab_wait_for 60 "the lab host reaches $G at $G_ADDR" busybox ping -c 1 -W 5 $G_ADDR

# migrate NAME FROM TO: virsh migrate --live of G from URI FROM to URI TO,
# in the background; its pid in mpid, its output in $FLOWS/NAME.out.
migrate() {
	virsh -c "$2" -q migrate --live --verbose --timeout 600 $G "$3" --migrateuri "tcp://127.0.0.1:$MIG_PORT" \
		>"$FLOWS/$1.out" 2>&1 &
	mpid=$!
}
# kvm_migrate NAME FROM TO: the same through `kvmnetctl vm migrate`.
kvm_migrate() {
	"$K" -c "$2" vm migrate $G "$3" --migrate-uri "tcp://127.0.0.1:$MIG_PORT" >"$FLOWS/$1.out" 2>&1 &
	mpid=$!
}
# migrate_wait NAME: its exit status in mrc, its time in t_mig.
migrate_wait() {
	mrc=0
	wait "$mpid" || mrc=$?
	t_mig=$(lab_since "$t0")
	lab_time "migrate_$1" "$t_mig"
}
# on_virtio_since N: seconds from the guest's (N+1)th "VF removed" line to
# the next "member joined" line after it (? when either is missing).
on_virtio_since() {
	local off on
	off=$(stamp_at "KVMNET-NESTED-PCI remove [0-9a-f:.]+ $VF_ID" $(($1 + 1)))
	on=$(tr -d '\r' <"$FLOWS/console.stamped" | awk -v t="$off" '
		$1 > t && $2 == "KVMNET-NESTED-MEMBER" { print $1; exit }')
	awk -v a="$on" -v b="$off" 'BEGIN { if (a == "" || b == "") print "?"; else printf "%.1f", a - b }'
}
migration_running() { virsh -q domjobinfo $G 2>/dev/null | grep -Eq "^Job type: +(Unbounded|Bounded)"; }
g_waiting() { [ -n "$(view "$1" "(.vms // [])[] | select(.name == \"$G\") | .waiting_for // empty")" ]; }
a_vfs_without_g_mac() { ! ip link show "$dev_a" | grep -qi "vf [0-9].*$G_MAC"; }
attaches_a() { grep -Ec "^attach PF .* to VM $G " "$FLOWS/kvmnetd-a.log"; }
sample_paths() {
	(while :; do echo "$(lab_now) $(g_path "$1")"; sleep 0.5; done >>"$FLOWS/$1-paths.txt") </dev/null 2>/dev/null &
	sampler=$!
}
sampler_stop() { kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; }

lab_step "0. plain virsh migrate --live: B's hook refuses the source's VF; G runs on on A with it"
n_removed=$(removed)
rc=0
virsh -q migrate --live $G "$URI_B" --migrateuri "tcp://127.0.0.1:$MIG_PORT" >"$FLOWS/plain.out" 2>&1 || rc=$?
lab_log "virsh migrate: $(tr '\r\n' '  ' <"$FLOWS/plain.out" | tail -c 400)"
lab_assert_ne 0 "$rc" "virsh migrate --live of $G, carrying A's VF"
lab_assert_match "kvmnetctl vm migrate" "$(cat "$FLOWS/plain.out")" "the refusal names the way to go"
lab_assert_eq running "$(lab_vm_state $G)" "$G's state on A after the refusal"
lab_assert_eq "$VF_A" "$(hostdev_of "$URI_A")" "$G's VF on A after the refusal"
lab_assert_eq "$n_removed" "$(removed)" "VFs that left $G"

lab_step "1. kvmnetctl vm migrate to B, cancelled: G gets its VF back on A"
flow_start cancel $G_ADDR $G
lab_wait_for 300 "flow to $G running" flow_running cancel
sleep 3
n_members=$(members) n_removed=$(removed)
# 1 MiB/s: 192 MiB take minutes, time enough to cancel (unthrottled it
# took 20 s in the lab).
lab_assert_ok "virsh migrate-setspeed $G 1" virsh -q migrate-setspeed $G 1
t0=$(lab_now)
kvm_migrate cancel "$URI_A" "$URI_B"
lab_wait_for 180 "kvmnetd A takes the VF back, the migration job runs" migration_running
sleep 2
lab_assert_ok "virsh domjobabort $G" virsh -q domjobabort $G
migrate_wait cancel
lab_assert_ok "virsh migrate-setspeed $G 100000" virsh -q migrate-setspeed $G 100000
lab_wait_for 120 "$G saw its VF go (its PCI remove line)" test_removed $((n_removed + 1))
lab_assert_ne 0 "$mrc" "kvmnetctl vm migrate after domjobabort"
lab_assert_match "metadata is restored; kvmnetd gives its VFs back" "$(cat "$FLOWS/cancel.out")" "kvmnetctl vm migrate's report"
lab_assert_eq running "$(lab_vm_state $G)" "$G's state on A after the cancel"
lab_assert_ne running "$(virsh -c "$URI_B" -q domstate $G 2>/dev/null | head -n 1)" "$G's state on B after the cancel"
lab_wait_for 300 "kvmnetd A's VF joins $G's failover master again" g_vf_up "$n_members"
lab_assert_match "^$(lab_vfs "$pf_a" | paste -sd'|' | sed 's/\./\\./g')\$" "$(hostdev_of "$URI_A")" "$G's VF on A after the cancel"
lab_assert_nomatch 'manage="no"' "$(virsh -q metadata $G "$KVMNET_NS" 2>&1)" "$G's kvmnet metadata on A after the cancel"
flow_mark cancel
flow_settle cancel $G "$URI_A"
flow_stop cancel
flow_report cancel "kvmnetctl vm migrate to B cancelled (teamed)"
on_virtio_cancel=$(on_virtio_since "$n_removed")
lab_time on_virtio_cancel "$on_virtio_cancel"
lab_assert_eq yes "$(cat "$FLOWS/cancel.survived")" "$G's TCP connection survived the cancelled migration"
lab_assert_eq 2 "$(attaches_a)" "kvmnetd A's attaches to $G (the first, and the one after the cancel)"
lab_assert_eq vf "$(g_path a)" "kvmnetd A's path for $G after the cancel"
spare_a0=$(view a ".pfs[0].spare")

lab_step "2. G migrates live from A to B (kvmnetctl vm migrate), where a paused VM holds the only VF"
flow_start mig $G_ADDR $G
lab_wait_for 300 "flow to $G running" flow_running mig
sleep 3
sample_paths a
n_members=$(members) n_removed=$(removed)
t0=$(lab_now)
kvm_migrate mig "$URI_A" "$URI_B"
migrate_wait mig
lab_assert_eq 0 "$mrc" "kvmnetctl vm migrate $G to B ($(tr '\r\n' '  ' <"$FLOWS/mig.out" | tail -c 300))"
lab_assert_match "^Migrated $G to " "$(cat "$FLOWS/mig.out")" "kvmnetctl vm migrate's report"
lab_assert_eq running "$(virsh -c "$URI_B" -q domstate $G 2>/dev/null | head -n 1)" "$G's state on B"
lab_assert_ne running "$(lab_vm_state $G)" "$G's state on A"
virsh -c "$URI_B" -q dumpxml $G >"$FLOWS/g-on-b-migrated.xml" 2>&1 || true
lab_assert_eq "" "$(hostdev_of "$URI_B")" "hostdevs of $G on B (B's hook left A's VF behind; B has none free)"
lab_wait_for 60 "kvmnetd B sees $G, waiting" g_waiting b
why=$(view b "(.vms // [])[] | select(.name == \"$G\") | \"\\(.path) \\(.waiting_for) \\(.waiting_on_pf)\"")
lab_log "kvmnetd B on $G: $why"
lab_assert_match "^virtio (pf-busy|no-capacity) $pf_b\$" "$why" "kvmnetd B's path for $G, what it waits for, on which PF"
lab_assert_match "$G" "$(KVMNET_CTL_SOCKET=$W/b/sock "$K" status 2>&1)" "kvmnetctl status on B names $G"
lab_assert_eq 2 "$(attaches_a)" "kvmnetd A's attaches to $G, whole run so far"
lab_wait_for 60 "A's VF back in its spares" test "$(view a ".pfs[0].spare")" -gt "$spare_a0"
lab_log "kvmnetd A: numvfs $(view a ".pfs[0].numvfs"), spare $spare_a0 -> $(view a ".pfs[0].spare")"
# Its old VF keeps no MAC of G's: the PF's switch would deliver the lab
# host's frames for G (through PF 1 in the bridge) to that idle VF.
lab_wait_for 60 "A's spare VF has $G's MAC no more" a_vfs_without_g_mac
sampler_stop
lab_log "kvmnetd A's path for $G while it migrated: $(awk '{ print $2 }' "$FLOWS/a-paths.txt" | uniq | paste -sd' ')"
t_free=$(lab_now)
lab_assert_ok "$TAKER stops on B, freeing B's VF" virsh -c "$URI_B" -q destroy $TAKER
lab_wait_for 300 "kvmnetd B attaches a VF of PF 2 to $G" b_has_vf
lab_wait_for 300 "kvmnetd B's VF joins $G's failover master" g_vf_up "$n_members"
lab_time vf_on_b_after_free "$(lab_since "$t_free")"
flow_mark mig
flow_settle mig $G "$URI_B"
flow_stop mig
flow_report mig "live migration A -> B (teamed), B's VF given once one is free"
# The path through B's VF, whatever the flow did: small and large segments.
flow_path_probe $G_ADDR
on_virtio=$(on_virtio_since "$n_removed")
lab_time on_virtio_mig "$on_virtio"
lab_assert_eq yes "$(cat "$FLOWS/mig.survived")" "$G's TCP connection survived the migration"
VF_B=$(b_vf)
lab_assert_match "^$(lab_vfs "$pf_b" | paste -sd'|' | sed 's/\./\\./g')\$" "$VF_B" "$G's VF on B, a VF of PF 2"
lab_assert_match "<teaming type='transient' persistent='ua-" "$(virsh -c "$URI_B" -q dumpxml $G)" "$G's VF on B, transient member"
lab_assert_match "attach PF [0-9a-f:.]+ VF [0-9]+ .* to VM $G with MAC $G_MAC" "$(cat "$FLOWS/kvmnetd-b.log")" \
	"kvmnetd B gave $G a VF with its pair's MAC"
lab_wait_for 60 "kvmnetd B's path for $G is vf" test "$(g_path b)" = vf

lab_step "what each host did"
# What the PFs' driver said of their VFs (the VF mailbox: an igbvf whose
# requests the PF refuses), for a flow that stalls.
dmesg | grep -E "igb [0-9a-f:.]+: VF [0-9]+ (attempted|requested)|igb [0-9a-f:.]+: .*VF [0-9]+ .*(MAC|reset)" |
	sed 's/^/LAB-PF-VF /' || true
for n in a b; do
	lab_assert_nomatch "^(Failed to|Observing|Deciding)" "$(cat "$FLOWS/kvmnetd-$n.log")" "kvmnetd $n log"
done

lab_step "figures (TCG inside TCG)"
while read -r name sent lost gap rtt surv stall what; do
	case $name in
		cancel) extra="on_virtio_s=$on_virtio_cancel" ;;
		mig) extra="on_virtio_s=$on_virtio" ;;
		*) extra= ;;
	esac
	echo "LAB-MIGRATE $name sent=$sent lost=$lost longest_gap_ms=$gap rtt_ms=$rtt tcp_survived=$surv tcp_stall_s=$stall $extra ($what)"
done <"$RESULTS"
cp "$RESULTS" "$FLOWS/results.txt"

lab_step "clean up"
lab_cleanup || true
unset -f lab_cleanup
lab_time scenario "$(lab_since "$t_scenario")"
