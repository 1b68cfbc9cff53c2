#!/bin/bash
# kvmnetd's /metrics scraped by a real Prometheus server.
#
# kvmnetd runs (--dry-run) on the fake igb host of testlib.sh with
# libvirt's test driver (vm-a and vm-b run), with [metrics] listen on a
# free loopback port.  Checked:
#   - `promtool check metrics` passes on what /metrics serves, and the
#     server answers 404 and 405 outside GET /metrics;
#   - a second kvmnetd on the same port stops with an error naming it;
#   - Prometheus (Debian's prometheus, started here on another loopback
#     port with a scrape interval of 1 s and a data dir in $T) scrapes it,
#     and PromQL over its HTTP API returns the values `kvmnetctl status
#     --json` shows, compared both ways;
#   - with the main loop blocked (sriov_numvfs replaced by a FIFO, as in
#     test-kvmnetd-busy.sh), /metrics still answers at once, and
#     Prometheus' scrapes keep succeeding.
#   test-kvmnetd-metrics.sh KVMNETD KVMNETCTL SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 src=$3
. "$(dirname "$0")/../lib/testlib.sh"
for p in prometheus promtool curl jq; do
	command -v "$p" >/dev/null || { echo "SKIP: $p is not installed (tools/install-deps.sh installs it)"; exit 77; }
done
t_scratch metrics
pid= ppid=
t_cleanup() {
	if [ -n "$pid" ]; then
		[ -p "$T/wedge" ] && timeout 2 sh -c "echo 4 >'$T/wedge'" 2>/dev/null
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	if [ -n "$ppid" ]; then
		kill "$ppid" 2>/dev/null
		wait "$ppid" 2>/dev/null
	fi
}
# Two free loopback ports, from the kernel.
read -r port pport < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

uri="test://$src/tests/fixtures/libvirt-test/node.xml"
fake_igb_host "$src" "$uri" "[metrics]" "listen = 127.0.0.1:$port"
cp -a "$src/tests/fixtures/sriov-igb-vfs" "$T/cli-root"
"$kvmnetd" --check-config -c "$T/kvmnetd.conf" >/dev/null || fail "config with [metrics] refused"
"$kvmnetd" --foreground --dry-run -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log" &
pid=$!
url=http://127.0.0.1:$port/metrics
wait_for 10 sh -c "curl -sf '$url' | grep -q '^kvmnet_managed_vms '" || fail "no metrics: $(cat "$T/log")"
grep -q "Serving metrics at $url" "$T/log" || fail "no 'Serving metrics' line"

curl -sf -D "$T/headers" "$url" >"$T/metrics.txt" || fail "GET /metrics"
grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$T/headers" || fail "content type: $(cat "$T/headers")"
echo "promtool check metrics:"
promtool check metrics <"$T/metrics.txt"
rc=$?
echo "promtool exit status: $rc"
[ "$rc" = 0 ] || fail "promtool check metrics: exit $rc"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" = 404 ] || fail "GET / not 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url")" = 405 ] || fail "POST /metrics not 405"
[ "$(curl -s -o /dev/null -w '%{http_code}' -I "$url")" = 200 ] || fail "HEAD /metrics not 200"

# The port taken: a clear error and exit 1, the first daemon unharmed.
KVMNET_CTL_SOCKET=$T/sock2 "$kvmnetd" --foreground --dry-run -c "$T/kvmnetd.conf" -s "$T/sock2" 2>"$T/log2"
rc=$?
[ "$rc" = 1 ] || fail "second daemon on the same port: exit $rc, expected 1"
grep -q "\[metrics\] listen = 127.0.0.1:$port: cannot listen there: Address already in use (another program has that port; pick another)" "$T/log2" ||
	fail "port taken: $(cat "$T/log2")"
curl -sf "$url" >/dev/null || fail "first daemon stopped answering"

# Prometheus, scraping every second.
mkdir "$T/prom"
cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: kvmnet
    static_configs:
      - targets: ['127.0.0.1:$port']
YML
promtool check config "$T/prometheus.yml" >/dev/null || fail "promtool check config"
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/prom" \
	--web.listen-address="127.0.0.1:$pport" >"$T/prom.log" 2>&1 &
ppid=$!
api=http://127.0.0.1:$pport/api/v1
# query PROMQL: the single value, or "none".
query() {
	curl -sf --get "$api/query" --data-urlencode "query=$1" |
		jq -r 'if .status == "success" and (.data.result | length) == 1 then .data.result[0].value[1] else "none" end'
}
scraped() { [ "$(query 'up{job="kvmnet"}')" = 1 ] && [ "$(query kvmnet_managed_vms)" != none ]; }
wait_for 60 scraped || fail "Prometheus did not scrape kvmnetd: $(tail -5 "$T/prom.log")"

status() { KVMNET_SYSROOT=$T/cli-root KVMNET_CTL_SOCKET=$T/sock "$ctl" -c "$uri" status --json; }
status >"$T/status.json" || fail "kvmnetctl status --json"
# PROMQL  JQ (on .daemon.view): the same number both ways.
agree() {
	local got want
	got=$(query "$1")
	want=$(jq -r ".daemon.view | $2" "$T/status.json")
	printf '  %-62s = %-4s  status --json %s = %s\n' "$1" "$got" "$2" "$want"
	[ "$got" = "$want" ] && [ "$want" != null ] && [ "$want" != none ] || fail "$1 is $got, status --json $2 is $want"
}
echo "PromQL over Prometheus' HTTP API, against kvmnetctl status --json:"
agree 'kvmnet_managed_vms' '.m1'
agree 'kvmnet_wanted_vfs' '.n1'
agree 'kvmnet_spare_vfs' '.spare'
agree 'kvmnet_threshold_vms' '.threshold'
agree 'kvmnet_vfs_per_vm' '.vfs_per_vm'
agree 'kvmnet_dry_run' 'if .dry_run then 1 else 0 end'
agree 'kvmnet_split_state{state="active"}' 'if .mode == "active" then 1 else 0 end'
agree 'kvmnet_libvirt_connected' 'if .libvirt.connected then 1 else 0 end'
agree 'kvmnet_pf_numvfs{address="0000:01:00.0"}' '.pfs[0].numvfs'
agree 'kvmnet_pf_totalvfs{address="0000:01:00.0"}' '.pfs[0].totalvfs'
agree 'kvmnet_pf_numvfs_wanted{address="0000:01:00.0"}' '.pfs[0].numvfs_wanted'
agree 'sum by (pf) (kvmnet_pf_vfs)' '.pfs[0].numvfs'
agree 'count(kvmnet_vf_info)' '.pfs[0].numvfs'
agree 'sum(kvmnet_waiting_vms)' '[.vms[] | select(.waiting_for != null)] | length'
# And from the metrics' side, what the fixture holds: VF 1 is on igbvf.
echo "PromQL, the fixture's facts:"
for q in 'kvmnet_vf_info{vf="1",holder="host",address="0000:01:10.2"}' 'kvmnet_pf_vfs{holder="host"}' \
	'kvmnet_pf_vfs{holder="free"}' "kvmnet_build_info{version=\"$("$kvmnetd" --version | cut -d' ' -f2)\"}"; do
	printf '  %-62s = %s\n' "$q" "$(query "$q")"
done
[ "$(query 'kvmnet_vf_info{vf="1",holder="host",address="0000:01:10.2"}')" = 1 ] || fail "VF 1 not shown on a host driver"
[ "$(query 'kvmnet_pf_vfs{holder="host"}')" = 1 ] || fail "host-held VFs not 1"
[ "$(query 'kvmnet_pf_vfs{holder="free"}')" = 3 ] || fail "free VFs not 3"
[ "$(query "kvmnet_build_info{version=\"$("$kvmnetd" --version | cut -d' ' -f2)\"}")" = 1 ] || fail "build_info"

# A turn more (SIGHUP reloads and decides again): the histogram counts it.
turns=$(query 'kvmnet_turn_duration_seconds_count')
kill -HUP "$pid"
more() { [ "$(query 'kvmnet_turn_duration_seconds_count')" -gt "$turns" ] 2>/dev/null; }
wait_for 15 more || fail "turn count stayed $turns after SIGHUP"
printf '  %-62s = %s (was %s before SIGHUP)\n' kvmnet_turn_duration_seconds_count \
	"$(query kvmnet_turn_duration_seconds_count)" "$turns"

# The loop blocked in open(2) of a FIFO: /metrics answers regardless.
numvfs=$T/root/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/sriov_numvfs
mkfifo "$T/wedge"
ln -f "$T/wedge" "$numvfs"
kill -HUP "$pid"
sleep 1.5
state=$(awk '{ print $3 }' "/proc/$pid/stat")
[ "$state" = S ] || fail "the daemon's main thread is not asleep (state $state)"
status | jq -e '.daemon.view.busy.doing | startswith("observing")' >/dev/null || fail "the loop is not shown busy"
worst=0
for i in 1 2 3 4 5; do
	t=$(curl -s -o "$T/blocked.$i" -w '%{http_code} %{time_total}' --max-time 1 "$url")
	ms=$(awk '{ printf "%d", $2 * 1000 }' <<<"$t")
	[ "$ms" -gt "$worst" ] && worst=$ms
	[ "${t%% *}" = 200 ] || fail "scrape $i while the loop is blocked: $t"
	grep -q '^kvmnet_managed_vms 2$' "$T/blocked.$i" || fail "scrape $i while blocked: no M1"
done
echo "GET /metrics while the loop is blocked: slowest of 5: $worst ms"
up_before=$(query 'count_over_time(up{job="kvmnet"}[3s])')
sleep 3
[ "$(query 'min_over_time(up{job="kvmnet"}[3s])')" = 1 ] || fail "Prometheus' scrapes failed while the loop was blocked"
echo "  min_over_time(up{job=\"kvmnet\"}[3s]) while blocked = $(query 'min_over_time(up{job="kvmnet"}[3s])') ($up_before scrapes in 3 s before)"
cp "$src/tests/fixtures/sriov-igb-vfs/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/sriov_numvfs" "$T/numvfs"
mv -f "$T/numvfs" "$numvfs"
timeout 5 sh -c "echo 4 >'$T/wedge'" || fail "the daemon was not waiting on the pipe"
rm -f "$T/wedge"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" = 0 ] || fail "SIGTERM: exit $rc"
curl -s --max-time 1 "$url" >/dev/null && fail "still serving after the stop"
grep -E "ERROR|LeakSanitizer|runtime error" "$T/log" && fail "sanitizer report in the log"
[ "$t_fails" = 0 ] || { cat "$T/log"; tail -20 "$T/prom.log"; }
t_done "kvmnetd metrics"
