#!/bin/bash
# kvmnetd [balloon] in --dry-run on the fake igb host, its VMs from
# libvirt's test driver (tests/fixtures/libvirt-test/balloon.xml: web has
# a virtio balloon whose statistics are from 1989, nobal has model none),
# and a fake /proc/pressure/memory saying the host is under pressure:
# no PSI trigger can be made on a fake file, so it samples on its timer;
# both guests are left alone and named with why in status, nothing is
# set and no journal written.  Without [balloon]: no balloon in status.
# The real changes are tests/lab/t-balloon.sh's.
#   test-kvmnetd-balloon.sh KVMNETD KVMNETCTL SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 src=$3
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch balloon
pid=
t_cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null; }
uri="test://$src/tests/fixtures/libvirt-test/balloon.xml"
fake_igb_host "$src" "$uri"
mkdir -p "$T/root/proc/pressure"
printf 'some avg10=35.00 avg60=10.00 avg300=2.00 total=9000000\nfull avg10=8.00 avg60=2.00 avg300=0.50 total=2000000\n' \
	>"$T/root/proc/pressure/memory"
printf 'MemTotal:       16384000 kB\nMemFree:          100000 kB\nMemAvailable:     500000 kB\n' >"$T/root/proc/meminfo"
cp "$T/kvmnetd.conf" "$T/plain.conf"
printf '[balloon]\ninterval = 1s\n' >>"$T/kvmnetd.conf"
"$kvmnetd" --check-config -c "$T/kvmnetd.conf" >/dev/null || fail "[balloon] config refused"

start() {
	"$kvmnetd" --foreground --dry-run -c "$1" -s "$T/sock" 2>"$T/log" &
	pid=$!
}
stop() {
	kill -TERM "$pid"
	wait "$pid" || fail "kvmnetd exit $?"
	pid=
}
status() { "$ctl" -c "$uri" status --json >"$T/status.json" && jq -c "$1" "$T/status.json"; }

start "$T/kvmnetd.conf"
left_alone() { [ "$(status '.daemon.view.balloon.guests | map(.left_alone) | length')" = 2 ]; }
wait_for 10 left_alone || fail "no balloon status: $(cat "$T/status.json")"
cat "$T/log"
grep -q "balloon: no PSI trigger on /proc/pressure/memory (Operation not supported); sampling every 1 s" "$T/log" ||
	fail "no note on the missing trigger"
[ "$(status '.daemon.view.balloon.guests | map([.name, .left_alone])')" = \
	'[["nobal","no balloon driver: its statistics never arrived"],["web","no recent statistics"]]' ] ||
	fail "status guests: $(status .daemon.view.balloon.guests)"
[ "$(status '.daemon.view.balloon.host | [.psi, .trigger, .pressure, .some_avg10]')" = '[true,false,true,35]' ] ||
	fail "status host: $(status .daemon.view.balloon.host)"
grep -q "balloon: leaving nobal alone (no balloon driver: its statistics never arrived)" "$T/log" ||
	fail "nobal not named in the log"
[ "$(grep -c 'leaving web alone' "$T/log")" = 1 ] || fail "web's note not logged exactly once"
"$ctl" -c "$uri" status | grep -q "balloon: host under pressure (PSI some 35.00%, full 8.00%, sampled), 0 change(s)" ||
	fail "status text: $("$ctl" -c "$uri" status)"
"$ctl" -c "$uri" status | grep -qE "^ +nobal +left alone: no balloon driver" || fail "status text: nobal"
grep -q "^balloon: .* -> " "$T/log" && fail "a balloon was changed"
stop
[ -e "$T/state/journal.json" ] && fail "dry run wrote a journal"

start "$T/plain.conf"
wait_for 5 test -S "$T/sock"
served() { [ "$(status '.daemon.view.mode')" = '"active"' ]; }
wait_for 10 served || fail "daemon without [balloon] did not serve"
[ "$(status '.daemon.view.balloon')" = null ] || fail "balloon status without [balloon]"
grep -q "^balloon:" "$T/log" && fail "balloon log lines without [balloon]: $(grep "^balloon:" "$T/log")"
stop
t_done "kvmnetd balloon"
