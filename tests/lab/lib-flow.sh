# Flow helpers for lab tests that watch a nested Linux guest's traffic
# while its VF comes and goes (t-failover-guest.sh, t-migrate.sh), sourced
# after lib.sh:
#
#   . "$KVMNET_LAB_DIR/lib-flow.sh"
#
# The test sets, before sourcing: W (a scratch directory), FLOWS (where
# the flows' records go, kept under $LAB_OUT) and PING_INTERVAL (seconds
# between echo requests).  lab_vm_exec (counters) talks to the libvirt of
# LIBVIRT_DEFAULT_URI.

# --- the flows -----------------------------------------------------------------

# stamp: each line prefixed with the arrival time (s.us).
stamp() { while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done; }
# flow_start NAME ADDR [DOMAIN]: ICMP at a fixed rate and one TCP
# connection to ADDR; with DOMAIN (the guest that has ADDR), once its
# iperf3 servers listen (flow_servers_ready).
flow_start() {
	local f=$FLOWS/$1
	[ $# -lt 3 ] || flow_servers_ready "$3"
	echo "$2" >"$f.addr"
	(busybox ping -i "$PING_INTERVAL" "$2" 2>&1 & echo $! >"$f.ping.pid"; wait) | stamp >"$f.ping" &
	# iperf3 3.12 drops a connection that carried nothing for 120 s (its
	# --rcv-timeout): the test, not iperf3, says when a flow is dead.
	iperf3 -c "$2" -R -b 64K -l 800 -t 3600 -i 1 --forceflush --connect-timeout 60000 --rcv-timeout 900000 \
		>"$f.tcp" 2>&1 &
	echo $! >"$f.tcp.pid"
	# Every packet to or from ADDR on every interface (which port of the
	# bridge, which way), headers only: what a stalled flow looked like.
	tcpdump -i any -nn -s 160 -U -w "$f.pcap" host "$2" 2>"$f.pcap.err" &
	echo $! >"$f.pcap.pid"
}
# flow_packets NAME [N]: the last N (40) packets of the flow's TCP
# connections as tcpdump saw them, one line each, with the interface.
flow_packets() {
	tcpdump -r "$FLOWS/$1.pcap" -nn -tt -v 'tcp port 5201' 2>/dev/null | paste -d' ' - - |
		tail -n "${2:-40}" | tr -s ' '
}
# flow_running NAME: replies arrive and two seconds of TCP data came in.
flow_running() {
	grep -q 'seq=' "$FLOWS/$1.ping" &&
		[ "$(tcp_intervals "$FLOWS/$1.tcp" | awk '$1 > 0' | wc -l)" -ge 2 ]
}
# flow_wait NAME: wait (up to 300 s: iperf3 alone takes a starved guest
# some 10 s to load) until the flow runs; quietly, for the flows whose
# figures are documentation, not checks.
flow_wait() {
	local i
	for i in $(seq 300); do flow_running "$1" && return 0; sleep 1; done
	lab_log "flow $1 never ran"
	return 1
}
# tcp_intervals FILE: the bytes of each 1 s interval iperf3 reported.
tcp_intervals() {
	awk '/sec/ && !/sender|receiver/ {
		for (i = 2; i < NF; i++) if ($i == "sec" && $(i - 1) ~ /^[0-9.]+-[0-9.]+$/) break
		if (i >= NF) next
		v = $(i + 1); u = $(i + 2)
		m = u ~ /^K/ ? 1024 : u ~ /^M/ ? 1048576 : u ~ /^G/ ? 1073741824 : 1
		print v * m }' "$1"
}
# flow_mark NAME: the transition is over (as the guest saw it); the TCP
# connection must carry data after this.
flow_mark() { tcp_intervals "$FLOWS/$1.tcp" | wc -l >"$FLOWS/$1.mark"; }
# flow_data_after_mark NAME: it did.  Under TCG inside TCG a loaded guest
# leaves seconds without data even with no transition (the baseline), so
# the test waits for data rather than looking at a fixed window.
flow_data_after_mark() {
	tcp_intervals "$FLOWS/$1.tcp" | tail -n +$(($(cat "$FLOWS/$1.mark") + 1)) | awk '$1 > 0 { f = 1 } END { exit !f }'
}
# flow_stop NAME: stop both; the TCP connection survived if iperf3 was
# still running (no reset, no error) and data came after the mark.
flow_stop() {
	local f=$FLOWS/$1 tpid alive=no
	tpid=$(cat "$f.tcp.pid")
	kill -0 "$tpid" 2>/dev/null && alive=yes
	kill -INT "$(cat "$f.ping.pid")" "$tpid" 2>/dev/null || true
	[ -e "$f.pcap.pid" ] && kill -INT "$(cat "$f.pcap.pid")" 2>/dev/null
	# iperf3 says goodbye to a server that may be gone: bounded.
	for _ in $(seq 20); do kill -0 "$tpid" 2>/dev/null || break; sleep 0.5; done
	kill -KILL "$tpid" 2>/dev/null || true
	wait "$tpid" 2>/dev/null || true
	sleep 0.5
	rm -f "$f.ping.pid" "$f.tcp.pid" "$f.pcap.pid"
	[ -e "$f.mark" ] || echo 0 >"$f.mark"
	if [ "$(tcp_intervals "$f.tcp" | awk '$1 > 0' | wc -l)" = 0 ]; then
		echo never-ran >"$f.survived"
	elif [ $alive = yes ] && ! grep -Eqi 'error|reset|refused' "$f.tcp" && flow_data_after_mark "$1"; then
		echo yes >"$f.survived"
	else
		echo no >"$f.survived"
		flow_packets "$1" 60 | while IFS= read -r l; do lab_log "flow $1 packet: $l"; done
	fi
}
# flow_settle NAME [DOMAIN URI]: after the mark, wait (bounded) for TCP
# data.  A connection that lost segments while its guest was starved
# retransmits on TCP's backed-off timer, and the RTT samples TCG gives
# (seconds, 14 s under a migration) push that timer far out: Linux caps
# it at TCP_RTO_MAX, 120 s, so a connection gets 150 s to carry data
# again before it counts as dead (FLOW_DEAD_AFTER seconds: a flow the
# test expects to die, over a VF that leaves with the address, waits
# less).  After 15 s of silence the guest's side of the connection
# (DOMAIN, through the agent at URI) is logged once: its retransmissions
# and its timer tell a backed-off sender from a dead one.
flow_settle() {
	local t0 told=
	flow_mark "$1"
	t0=$(lab_now)
	while ! flow_data_after_mark "$1" && lab_within "$t0" "${FLOW_DEAD_AFTER:-150}"; do
		if [ -z "$told" ] && [ $# -ge 3 ] && ! lab_within "$t0" 15; then
			told=1
			lab_log "flow $1: no TCP data for 15 s after the mark; $2's sender: $(flow_sender "$2" "$3")"
			lab_log "flow $1: $2's queues: $(flow_guest_queues "$2" "$3")"
			lab_log "flow $1: $2's neighbours: $(flow_guest_neigh "$2" "$3")"
			flow_host_report
			flow_guest_dump "$2" "$3"
			flow_path_probe "$(cat "$FLOWS/$1.addr")"
		fi
		sleep 1
	done
	[ -z "$told" ] || lab_log "flow $1: TCP data again after $(lab_since "$t0") s: $(flow_data_after_mark "$1" && echo yes || echo no)"
	sleep 2
}
# lab_within T0 S: less than S seconds passed since T0 (lab_now).
lab_within() { awk -v a="$(lab_now)" -v b="$1" -v s="$2" 'BEGIN { exit !(a - b < s) }'; }
# host_tcp_counters: segments that arrive and are dropped (bad checksum)
# against none arriving at all.
host_tcp_counters() {
	nstat -az TcpInSegs TcpInCsumErrors TcpExtTCPOFOQueue IpInHdrErrors 2>&1 | awk 'NR > 1 { printf "%s=%s ", $1, $2 }'
}
# vfio_interrupts: "NAME COUNT" of each vfio vector, summed over the CPUs.
vfio_interrupts() {
	grep vfio /proc/interrupts | awk '{ n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print $NF, n }'
}
# nic_counters: "NIC.COUNTER VALUE" of every NIC's driver counters of
# packets, drops, misses and errors (ethtool -S), those above 0.
nic_counters() {
	local n
	for n in /sys/class/net/*/device; do
		n=${n%/device}
		n=${n##*/}
		ethtool -S "$n" 2>/dev/null | awk -v n="$n" '
			$1 ~ /packets|drop|miss|no_buffer|err|fail/ && $2 > 0 { sub(":", "", $1); print n "." $1, $2 }' || true
	done | sort
}
# flow_host_report: what the lab host sees of a stalled flow: its end of
# the connection (iperf3's client), and over 5 s the interrupts of the
# VFs it passes through (vfio), what its NICs counted (a frame the
# emulated NIC took and dropped, against one that never came), where its
# bridge puts the guest's MAC ($FLOW_GUEST_MAC, when set) and the busiest
# processes.
flow_host_report() {
	local a b c d
	lab_log "flow: the lab host's end: $(ss -tin dport = :5201 2>&1 | tr -s ' \n' ' ')"
	lab_log "flow: the lab host's TCP counters: $(host_tcp_counters)"
	lab_log "flow: the lab host's neighbours: $(ip neigh show 2>&1 | tr '\n' ';')"
	lab_log "flow: its NICs' checksum errors: $(for n in /sys/class/net/*/device; do n=${n%/device}; n=${n##*/}; printf '%s: %s; ' "$n" "$(ethtool -S "$n" 2>/dev/null | grep -iE 'csum|checksum' | tr -s ' \n' ' ')"; done)"
	[ -z "${FLOW_GUEST_MAC:-}" ] ||
		lab_log "flow: the bridges' entries for $FLOW_GUEST_MAC: $(bridge fdb show 2>&1 | grep -i "$FLOW_GUEST_MAC" | tr '\n' ';')"
	a=$(vfio_interrupts)
	c=$(nic_counters)
	sleep 5
	b=$(vfio_interrupts)
	d=$(nic_counters)
	lab_log "flow: vfio interrupts in 5 s: $(join <(sort <<<"$a") <(sort <<<"$b") | awk '{ printf "%s=%d ", $1, $3 - $2 }')"
	lab_log "flow: its NICs' counters (ethtool -S, above 0): $(tr '\n' ' ' <<<"$d")"
	lab_log "flow: what they counted in those 5 s: $(join -a 2 -e 0 -o 0,1.2,2.2 <(echo "$c") <(echo "$d") | awk '$3 != $2 { printf "%s+%d ", $1, $3 - $2 }')"
	lab_log "flow: the lab host's TCP counters 5 s later: $(host_tcp_counters)"
	lab_log "flow: busiest: $(top -b -n 1 -o %CPU 2>/dev/null | sed -n '8,11p' | awk '{ printf "%s %s%%; ", $12, $9 }')"
}
# flow_path_probe ADDR: whether the path still carries big frames and a
# new TCP connection (a dead connection, or a path that drops them).
flow_path_probe() {
	local size
	# Up to a full 1500-byte IP packet each way (1472 bytes of ICMP data).
	for size in 1400 1450 1472; do
		lab_log "flow: $size-byte pings to $1: $(busybox ping -c 3 -W 3 -s $size "$1" 2>&1 | grep -o '[0-9]* packets received')"
	done
	lab_log "flow: a new TCP connection to $1 for 3 s: $(flow_probe_tcp "$1" -b 64K -l 800)"
	lab_log "flow: a new TCP connection to $1 for 3 s, unpaced: $(flow_probe_tcp "$1")"
	lab_log "flow: a new TCP connection to $1 for 3 s, unpaced, to it: $(flow_probe_tcp "$1" --forward)"
}
# flow_probe_tcp ADDR [--forward] [IPERF3-OPTION...]: what a new 3 s
# connection from ADDR (iperf3 -R; to it with --forward) carried, to the
# guest's second iperf3 server (port FLOW_PROBE_PORT: the first one is
# busy with the flow for as long as the flow lives).  Paced (64 Kbit/s in 800-byte writes) the
# guest sends small segments; unpaced, segments of many MSS that its NIC
# (or the VF's emulation) cuts up (TSO): one can pass where the other dies.
flow_probe_tcp() {
	local a=$1 rev=-R
	shift
	[ "${1:-}" != --forward ] || { rev=; shift; }
	timeout 40 iperf3 -c "$a" -p "$FLOW_PROBE_PORT" $rev -t 3 --connect-timeout 10000 "$@" 2>&1 | grep -E 'receiver|error' |
		tr -s ' ' | head -n 2 | tr '\n' ' '
	# The server listens again only some time after a test ends.
	sleep 3
}
# flow_guest_dump DOMAIN URI: the guest's kernel dumps its blocked tasks,
# its CPUs' backtraces and its memory to its console (magic SysRq keys,
# for a guest booted with sysrq_always_enabled): what a stalled sender
# waits on, when the agent cannot say.
flow_guest_dump() {
	local k
	for k in KEY_W KEY_L KEY_M; do
		virsh -c "$2" -q send-key "$1" KEY_LEFTALT KEY_SYSRQ $k >/dev/null 2>&1 || true
		sleep 1
	done
	lab_log "flow: asked $1 for SysRq w, l and m (its console has them)"
}
# tcp_state HEX: the name of a state in /proc/net/tcp.
tcp_state() {
	case $1 in
	01) echo ESTABLISHED ;; 02) echo SYN_SENT ;; 03) echo SYN_RECV ;; 04) echo FIN_WAIT1 ;;
	05) echo FIN_WAIT2 ;; 06) echo TIME_WAIT ;; 07) echo CLOSE ;; 08) echo CLOSE_WAIT ;;
	09) echo LAST_ACK ;; 0B) echo CLOSING ;; *) echo "$1" ;;
	esac
}
FLOW_PROBE_PORT=5202

# --- the guest's iperf3 servers -------------------------------------------------

# flow_servers_start DOMAIN: the guest's two iperf3 servers: the flows'
# on 5201 and flow_probe_tcp's on FLOW_PROBE_PORT (a server runs one test
# at a time).  Each logs to /run/iperf3-PORT.log in the guest, flushed
# line by line, so a server that ends has said why.
flow_servers_start() {
	local p
	for p in 5201 $FLOW_PROBE_PORT; do
		lab_assert_ok "iperf3 server on port $p in $1" flow__server "$1" $p
	done
}
flow__server() { lab_vm_exec "$1" 120 iperf3 -s -D -p "$2" --forceflush --logfile "/run/iperf3-$2.log"; }
# flow__missing DOMAIN: the ports of its two servers it does not listen
# on, from its /proc/net/tcp and tcp6 (iperf3 listens on :: for IPv4
# too, and the kernel prints ports in hex); fails if they cannot be read.
flow__missing() {
	local out p hex
	out=$(lab_vm_exec "$1" 30 cat /proc/net/tcp /proc/net/tcp6 2>/dev/null) || return 1
	for p in 5201 $FLOW_PROBE_PORT; do
		printf -v hex %04X "$p"
		awk -v h="$hex" '$4 == "0A" && $2 ~ ":" h "$" { f = 1 } END { exit !f }' <<<"$out" || printf '%s ' "$p"
	done
}
# flow_servers_ready DOMAIN: before a flow, both servers listen.  After a
# test ends iperf3 may take a while to listen again, longer in a starved
# guest (CI once saw a flow's connection refused 12 s after the previous
# flow ended: whether that server was slow or gone is unknown), so each
# gets 60 s.  One that never does has ended: its log and the guest's
# kernel lines about it are shown and it is started again, so a fault of
# the test's tool never reads as one of the guest's network (the flows
# that follow still judge that).  Sockets that cannot be read are
# unknown: nothing is started on an earlier reading, the flow will tell.
flow_servers_ready() {
	local t0 missing p tries=0
	t0=$(lab_now)
	while :; do
		missing=$(flow__missing "$1") || { lab_log "flow: $1's listening sockets could not be read"; return 0; }
		[ -n "$missing" ] && lab_within "$t0" 60 || break
		tries=$((tries + 1))
		sleep 2
	done
	[ $tries = 0 ] || [ -n "$missing" ] || lab_log "flow: $1's iperf3 servers listen after $(lab_since "$t0") s"
	for p in $missing; do
		lab_log "flow: $1's iperf3 server on port $p ended; its log: $(lab_vm_exec "$1" 30 tail -n 4 "/run/iperf3-$p.log" 2>&1 | tr '\n' '|')"
		lab_log "flow: $1's kernel on iperf3: $(lab_vm_exec "$1" 30 /bin/sh -c 'dmesg | grep -i iperf3 | tail -n 3' 2>&1 | tr '\n' '|')"
		lab_assert_ok "iperf3 server on port $p in $1, started again" flow__server "$1" $p
	done
}
# flow_guest_queues DOMAIN URI: where the guest's packets wait: each
# netdev's sent and dropped packets and the bytes its driver holds (BQL
# inflight), and the TCP counters of segments not sent again because the
# first copy is still queued in a device (TCPSpuriousRtxHostQueues).
# flow_guest_neigh DOMAIN URI: the guest's neighbours (states: one
# FAILED drops what is sent to it before any device sees it) and its ARP
# cache's counters (unresolved_discards: packets so dropped).
flow_guest_neigh() {
	LIBVIRT_DEFAULT_URI=$2 lab_vm_exec "$1" 30 /bin/sh -c 'ip neigh show; cat /proc/net/stat/arp_cache' 2>/dev/null |
		tr -s ' \n' ' ' || printf 'its neighbours could not be read'
}
flow_guest_queues() {
	local out
	out=$(LIBVIRT_DEFAULT_URI=$2 lab_vm_exec "$1" 30 /bin/sh -c \
		'grep -H . /sys/class/net/*/statistics/tx_packets /sys/class/net/*/statistics/tx_dropped /sys/class/net/*/queues/tx-*/byte_queue_limits/inflight /sys/class/net/*/operstate; cat /proc/net/netstat' 2>/dev/null) ||
		{ printf 'its counters could not be read'; return; }
	grep '^/sys' <<<"$out" | sed 's|^/sys/class/net/||; s|/statistics/|.|; s|/queues/|.|; s|/byte_queue_limits/|.|' | tr '\n' ' '
	awk '$1 == "TcpExt:" { if (!h) { for (i = 2; i <= NF; i++) k[i] = $i; h = 1; next }
		for (i = 2; i <= NF; i++) if (k[i] ~ /^(TCPSpuriousRtxHostQueues|TCPTimeouts|TCPLossProbes|TCPLostRetransmit|TCPRetransFail)$/) printf "%s=%s ", k[i], $i }' <<<"$out"
}
# flow_sender DOMAIN URI: the guest's iperf3 server connections (local
# port 5201, not the listener), from /proc/net/tcp and tcp6 (iperf3
# listens on :: and takes IPv4 as mapped addresses): their state, the
# retransmissions of the oldest unacknowledged segment, the retransmission
# timer (the kernel prints it in USER_HZ ticks, 10 ms), the send queue.
flow_sender() {
	local out sl loc rem st q tr rt uid to ino ref ptr rto rest n=0 try
	# One agent call for the sockets and the counters.  After a migration
	# libvirt may take a while to see the agent again.
	for try in 1 2 3 4; do
		out=$(LIBVIRT_DEFAULT_URI=$2 lab_vm_exec "$1" 30 cat /proc/net/tcp /proc/net/tcp6 /proc/net/snmp 2>/dev/null) &&
			break
		[ $try = 4 ] && { printf 'its /proc/net/tcp could not be read; '; return; }
		sleep 10
	done
	while read -r sl loc rem st q tr rt uid to ino ref ptr rto rest; do
		[ "${loc##*:}" = 1451 ] && [ "$st" != 0A ] || continue
		printf 'state=%s retransmits=%d rto_ms=%d send_queue=%d; ' "$(tcp_state "$st")" "0x$rt" $((rto * 10)) "0x${q%%:*}"
		n=$((n + 1))
	done < <(grep -E '^ *[0-9]+: ' <<<"$out")
	[ $n -gt 0 ] || printf 'no connection on port 5201; '
	printf 'iperf3 pid %s; ' "$(LIBVIRT_DEFAULT_URI=$2 lab_vm_exec "$1" 30 pidof iperf3 2>/dev/null || echo none)"
	# How connections ended there: reset, or segments dropped as bad.
	awk '$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) k[i] = $i; h = 1; next }
		for (i = 2; i <= NF; i++) if (k[i] ~ /^(EstabResets|OutRsts|InErrs|InCsumErrors|RetransSegs|AttemptFails)$/) printf "%s=%s ", k[i], $i }' <<<"$out"
}
# flow_figures NAME: "sent lost longest_gap_ms rtt_avg_ms tcp_survived
# tcp_stall_s" (the stall: the longest run of 1 s intervals with no data).
flow_figures() {
	local f=$FLOWS/$1 sent recv gap stall rtt
	sent=$(sed -n 's/.* \([0-9]*\) packets transmitted.*/\1/p' "$f.ping")
	recv=$(sed -n 's/.* packets transmitted, \([0-9]*\) packets received.*/\1/p' "$f.ping")
	rtt=$(sed -n 's|.*round-trip min/avg/max = [0-9.]*/\([0-9.]*\)/.*|\1|p' "$f.ping")
	# From the first reply to the end of the flow: replies that stop for
	# good (a VF that leaves with the address) count up to the end too.
	gap=$(awk '/ seq=/ { if (n++) { d = ($1 - t) * 1000; if (d > g) g = d } t = $1 }
		/packets transmitted/ && n { d = ($1 - t) * 1000; if (d > g) g = d }
		END { printf "%.0f", g }' "$f.ping")
	stall=$(tcp_intervals "$f.tcp" | awk '$1 == 0 { z++; if (z > m) m = z; next } { z = 0 } END { print m + 0 }')
	echo "${sent:-?} $((${sent:-0} - ${recv:-0})) $gap ${rtt:-?} $(cat "$f.survived") $stall"
}
RESULTS=$W/results
# flow_report NAME WHAT: one line of figures, kept for the table.
flow_report() {
	local fig
	fig=$(flow_figures "$1")
	echo "$1 $fig $2" >>"$RESULTS"
	set -- "$1" $fig "$2"
	lab_log "flow $1 ($8): ICMP sent $2, lost $3, longest gap $4 ms, mean RTT $5 ms; TCP survived $6, longest stall $7 s"
}

# --- inside the guests ---------------------------------------------------------

# console_field DOMAIN ERE FIELD: that field of the last console line matching.
console_field() {
	tr -d '\r' <"$(lab_vm_console "$1")" | grep -Ea -- "$2" | tail -n 1 | awk -v f="$3" '{ print $f }'
}
# counters DOMAIN IF...: "tx rx" packets of each interface, from sysfs inside.
counters() {
	local dom=$1 i args=()
	shift
	for i in "$@"; do
		args+=("/sys/class/net/$i/statistics/tx_packets" "/sys/class/net/$i/statistics/rx_packets")
	done
	lab_vm_exec "$dom" 60 cat "${args[@]}" | paste -sd' '
}
