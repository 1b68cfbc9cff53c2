#!/bin/bash
# lab: nics=1 timeout=300
#
# kvmnetd's [irq] irqbalance = ban | stop against Debian's real irqbalance
# (1.9, this machine's /usr/sbin/irqbalance), run in the lab with --debug,
# with a decoy beside it: a copy of sleep named irqbalance, started first
# (so it has the lower pid) as the unprivileged user nobody, as any local
# user could.  Oracles: irqbalance's own socket (/run/irqbalance/
# irqbalance<pid>.sock; "setup" answers "SLEEP n IRQ a ... IRQ b ...
# BANNED <cpumask>", one IRQ entry per banned irq) and its --debug output
# ("IRQ n was BANNED.", and the tree of balanced irqs it prints after each
# rescan: "Interrupt n node_num ...").
#   ban:  every vector of the PF banned, through the real daemon's socket,
#         and again in an irqbalance started anew while kvmnetd runs;
#         at on_stop = revert the ban list is empty again and irqbalance
#         balances the vectors again; the decoy is told nothing.
#   stop: the real irqbalance gets SIGTERM and exits (status 0: it catches
#         the signal and ends cleanly), the journal says it
#         ran; at revert kvmnetd starts it again (irqbalance from PATH: no
#         systemd in the lab) and a new one answers on its socket.  The
#         decoy is never signalled.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

B=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}
KVMNETD=$B/kvmnetd
[ -x "$KVMNETD" ] || lab_die "$KVMNETD is missing: build kvmnet first"
command -v irqbalance >/dev/null || lab_die "irqbalance is not installed (tools/install-deps.sh)"
T=$(mktemp -d /var/tmp/kvmnet-lab-irqbalance.XXXXXX)
chmod 755 "$T"
dpid='' ib='' decoy=''
lab_cleanup() {
	[ -z "$dpid" ] || { kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null; }
	[ -z "$ib" ] || kill "$ib" 2>/dev/null
	[ -z "$decoy" ] || kill "$decoy" 2>/dev/null
	# The irqbalance kvmnetd started at revert (not our child).
	[ ! -s "$T/restarted" ] || kill "$(cat "$T/restarted")" 2>/dev/null
	rm -rf "$T"
}

pf=$(lab_pfs | head -n 1)
dev=$(lab_pf_netdev "$pf")
# igb requests its queue vectors when the interface comes up.
ip link set "$dev" up
vectors=$(ls "$LAB_PCI/$pf/msi_irqs" | sort -n | tr '\n' ' ')
vectors=${vectors% }
lab_log "$dev ($pf) vectors: $vectors"

# ibq COMMAND [PID]: one command over irqbalance's socket, with root's
# credentials as irqbalance demands (SCM_CREDENTIALS); prints the answer.
ibq() {
	python3 - "$1" "/run/irqbalance/irqbalance${2:-$ib}.sock" <<-'PY'
		import os, socket, struct, sys
		s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		s.connect(sys.argv[2])
		cred = struct.pack("iII", os.getpid(), os.getuid(), os.getgid())
		s.sendmsg([sys.argv[1].encode()], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, cred)])
		out = b""
		while True:
		    d = s.recv(65536)
		    if not d:
		        break
		    out += d
		print(out.decode(errors="replace"))
	PY
}
# The banned irqs as irqbalance's "setup" lists them, sorted, one line.
banned() { ibq setup "$@" | grep -o 'IRQ [0-9]*' | awk '{ print $2 }' | sort -n | tr '\n' ' ' | sed 's/ $//'; }
banned_is() { [ "$(banned)" = "$1" ]; }
# Each vector in the --debug log after byte offset $1 matching "$2 N$3".
all_logged() {
	local v
	for v in $vectors; do
		tail -c +"$(($1 + 1))" "$T/irqbalance.log" | grep -q "$2$v$3" || return 1
	done
}
start_irqbalance() {
	mkdir -p /run/irqbalance
	irqbalance --debug >>"$T/irqbalance.log" 2>&1 &
	ib=$!
	lab_wait_for 60 "irqbalance (pid $ib) listens on its socket" test -S "/run/irqbalance/irqbalance$ib.sock"
}
run_kvmnetd() { # irqbalance mode
	cat >"$T/kvmnetd-$1.conf" <<-CONF
		[libvirt]
		uri = test:///default
		[sriov]
		pf = $dev
		threshold = 16
		[daemon]
		state_dir = $T/state-$1
		on_stop = revert
		[irq]
		irqbalance = $1
		interval = 1s
	CONF
	mkdir -p "$T/state-$1"
	"$KVMNETD" --foreground -c "$T/kvmnetd-$1.conf" -s "$T/sock-$1" 2>"$LAB_OUT/irqbalance-kvmnetd-$1.log" &
	dpid=$!
}
stop_kvmnetd() {
	local rc=0
	kill -TERM "$dpid"
	wait "$dpid" || rc=$?
	dpid=
	lab_assert_eq 0 "$rc" "kvmnetd exit status after SIGTERM"
}

lab_step "a decoy named irqbalance, run by nobody, before the real one"
cp /bin/sleep "$T/irqbalance"
setpriv --reuid=65534 --regid=65534 --clear-groups "$T/irqbalance" 600 &
decoy=$!
lab_wait_for 10 "decoy (pid $decoy) is named irqbalance" grep -qx irqbalance "/proc/$decoy/comm"
start_irqbalance
lab_assert_ok "the decoy's pid ($decoy) is lower than irqbalance's ($ib)" test "$decoy" -lt "$ib"
lab_assert_eq "" "$(banned)" "nothing banned before kvmnetd"

lab_step "irqbalance = ban"
off=$(stat -c %s "$T/irqbalance.log")
run_kvmnetd ban
lab_wait_for 60 "irqbalance's setup lists exactly $dev's vectors as banned" banned_is "$vectors" || true
lab_wait_for 60 "irqbalance --debug: 'IRQ n was BANNED.' for each vector" all_logged "$off" "IRQ " " was BANNED" || true
lab_assert_match "irqbalance \(pid $ib\) told: settings ban irqs $vectors\$" "$(cat "$LAB_OUT/irqbalance-kvmnetd-ban.log")" "kvmnetd logged the ban to pid $ib"
lab_assert_ok "the decoy still runs" kill -0 "$decoy"
# irqbalance forgets its ban list when it restarts: kvmnetd tells the new
# one (it looks for irqbalance every 10 samples).
kill "$ib"
wait "$ib" || true
start_irqbalance
lab_wait_for 60 "a restarted irqbalance (pid $ib) gets the ban list too" banned_is "$vectors" || true
off=$(stat -c %s "$T/irqbalance.log")
stop_kvmnetd
lab_assert_eq "" "$(banned)" "at revert irqbalance's ban list is empty"
# After a rescan, the vectors are in the tree of balanced irqs again.
lab_wait_for 60 "irqbalance --debug: every vector balanced again" all_logged "$off" "Interrupt " " node_num" || true
lab_assert_ok "irqbalance (pid $ib) still runs" kill -0 "$ib"

lab_step "irqbalance = stop"
run_kvmnetd stop
rc=0
lab_wait_for 60 "irqbalance (pid $ib) is stopped" sh -c "! kill -0 $ib 2>/dev/null" || true
wait "$ib" || rc=$?
ib=
# irqbalance catches SIGTERM and exits cleanly (1.9: status 0).
lab_assert_eq 0 "$rc" "irqbalance's exit status after kvmnetd's SIGTERM"
lab_assert_eq running "$(jq -r '.originals.irqbalance' "$T/state-stop/journal.json")" "journal: irqbalance ran"
lab_assert_ok "the decoy still runs" kill -0 "$decoy"
lab_assert_match "stopped irqbalance \(pid [0-9]+\)" "$(cat "$LAB_OUT/irqbalance-kvmnetd-stop.log")" "kvmnetd logged the stop"
stop_kvmnetd
# The new one forks into the background: find it by its socket.
new_sock() { ls /run/irqbalance/ | grep -v "irqbalance$decoy.sock" | grep -q '^irqbalance[0-9]*\.sock$'; }
lab_wait_for 60 "irqbalance started again at revert, its socket appears" new_sock || true
newpid=$(ls /run/irqbalance/ | sed -n 's/^irqbalance\([0-9]*\)\.sock$/\1/p' | head -n 1)
echo "${newpid:-}" >"$T/restarted"
lab_assert_match '^[0-9]+$' "${newpid:-}" "the new irqbalance's pid"
lab_assert_eq irqbalance "$(cat "/proc/${newpid:-0}/comm" 2>/dev/null)" "pid $newpid is irqbalance"
lab_assert_match '^SLEEP [0-9]+ .*BANNED' "$(ibq setup "${newpid:-0}")" "the new irqbalance answers on its socket"
lab_assert_eq null "$(jq -r '.originals.irqbalance' "$T/state-stop/journal.json")" "journal: irqbalance no longer noted"
lab_assert_ok "the decoy still runs" kill -0 "$decoy"
