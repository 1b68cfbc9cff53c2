# Flow helpers for lab tests that watch a nested Linux guest's traffic
# while its VF comes and goes (t-failover-guest.sh, wip-migrate.sh), sourced
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
# flow_start NAME ADDR: ICMP at a fixed rate and one TCP connection to ADDR.
flow_start() {
	local f=$FLOWS/$1
	(busybox ping -i "$PING_INTERVAL" "$2" 2>&1 & echo $! >"$f.ping.pid"; wait) | stamp >"$f.ping" &
	iperf3 -c "$2" -R -b 64K -l 800 -t 3600 -i 1 --forceflush --connect-timeout 60000 \
		>"$f.tcp" 2>&1 &
	echo $! >"$f.tcp.pid"
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
	# iperf3 says goodbye to a server that may be gone: bounded.
	for _ in $(seq 20); do kill -0 "$tpid" 2>/dev/null || break; sleep 0.5; done
	kill -KILL "$tpid" 2>/dev/null || true
	wait "$tpid" 2>/dev/null || true
	sleep 0.5
	rm -f "$f.ping.pid" "$f.tcp.pid"
	[ -e "$f.mark" ] || echo 0 >"$f.mark"
	if [ "$(tcp_intervals "$f.tcp" | awk '$1 > 0' | wc -l)" = 0 ]; then
		echo never-ran >"$f.survived"
	elif [ $alive = yes ] && ! grep -Eqi 'error|reset|refused' "$f.tcp" && flow_data_after_mark "$1"; then
		echo yes >"$f.survived"
	else
		echo no >"$f.survived"
	fi
}
# flow_settle NAME: after the mark, wait (bounded) for TCP data; a
# connection that is gone gets 30 s.
flow_settle() {
	local t0
	flow_mark "$1"
	t0=$(lab_now)
	while ! flow_data_after_mark "$1" && awk -v a="$(lab_now)" -v b="$t0" 'BEGIN { exit !(a - b < 30) }'; do
		sleep 1
	done
	sleep 2
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
