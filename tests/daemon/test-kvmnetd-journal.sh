#!/bin/bash
# kvmnetd's structured journal entries, read back by journalctl from a
# real systemd-journald.
#
# systemd is not PID 1 here, so the test makes its own journal: in a
# private mount namespace (root only) tmpfs hides /run/systemd and
# /run/log, and /lib/systemd/systemd-journald started by hand binds
# /run/systemd/journal/socket, where libsystemd's sd_journal_sendv()
# sends.  kvmnetd (--dry-run, the fake igb host and libvirt's test
# driver of testlib.sh) runs as under systemd: --foreground with
# $JOURNAL_STREAM naming its stderr.  Checked with journalctl on that
# journal: MESSAGE_ID= and KVMNET_DOMAIN= find the entries of a VM
# waiting and of the split starting (a reload from threshold 3 to 2 with
# 2 VFs per VM, one VF short) and of a refused action (a run without --dry-run, whose
# vfio-pci bind fails on the fake tree), with their fields; plain lines
# carry PRIORITY and SYSLOG_IDENTIFIER; nothing went to stderr; a
# detached kvmnetd logs there too.  The catalog is installed over
# /usr/lib/systemd/catalog in the namespace and `journalctl -x` shows its
# text with the fields filled in.  Not checked: journald as systemd starts
# it (socket activation, the unit's own stream), which needs systemd as
# PID 1.
#   test-kvmnetd-journal.sh KVMNETD KVMNETCTL SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 src=$3
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (a private mount namespace for a journald of its own)"
	exit 77
fi
if [ -z "${KVMNET_JOURNAL_NS:-}" ]; then
	[ -x /lib/systemd/systemd-journald ] || { echo "SKIP: no /lib/systemd/systemd-journald"; exit 77; }
	KVMNET_JOURNAL_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch journal
jpid= pid=
t_cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
	[ -z "$jpid" ] || { kill "$jpid" 2>/dev/null; wait "$jpid" 2>/dev/null; }
}
mount -t tmpfs tmpfs /run/systemd || exit 1
mkdir -p /run/systemd/journal /run/log /var/lib/systemd/catalog
mount -t tmpfs tmpfs /run/log || exit 1
mount -t tmpfs tmpfs /var/lib/systemd/catalog || exit 1
mkdir "$T/catalog"
cp "$src/catalog/kvmnet.catalog" "$T/catalog/"
mount --bind "$T/catalog" /usr/lib/systemd/catalog || exit 1
journalctl --update-catalog || fail "journalctl --update-catalog"
/lib/systemd/systemd-journald >"$T/journald.log" 2>&1 &
jpid=$!
wait_for 10 test -S /run/systemd/journal/socket || { echo "journald did not start: $(cat "$T/journald.log")"; exit 1; }
J=(journalctl -D /run/log/journal --no-pager)

ids=$src/src/daemon/log-ids.h
id() { sed -n "s/^#define LOG_ID_$1 \"\([0-9a-f]*\)\"$/\1/p" "$ids"; }
for k in $(sed -n 's/^#define LOG_ID_\([A-Z_]*\) .*/\1/p' "$ids"); do
	journalctl --list-catalog | grep -q "^$(id "$k") kvmnet: " || fail "catalog: no entry for LOG_ID_$k"
done

uri="test://$src/tests/fixtures/libvirt-test/node.xml"
fake_igb_host "$src" "$uri"
sed 's/^threshold = 2$/threshold = 3/' "$T/kvmnetd.conf" >"$T/k3.conf"
# entries QUERY...: the matching entries as JSON lines.
entries() { "${J[@]}" -o json "$@" 2>/dev/null; }
# Like systemd: stderr is a stream whose device and inode $JOURNAL_STREAM names.
service() {
	local log=$1
	shift
	: >"$log"
	JOURNAL_STREAM=$(stat -c '%d:%i' "$log") "$kvmnetd" --foreground -s "$T/sock" "$@" 2>>"$log" &
	pid=$!
}
stop() { kill -TERM "$pid"; wait "$pid"; pid=; }

service "$T/s1.log" --dry-run -c "$T/k3.conf"
running() { "${J[@]}" -t kvmnetd -o cat | grep -q "^dry run: no split: M1 2 (threshold 3)"; }
wait_for 10 running || fail "no 'no split' line in the journal"

# A reload to threshold 2 with 2 VFs per VM: the split starts, and with
# 3 VFs free on a PF someone else split one VM waits (pf-not-ours).
sed 's/^threshold = 2$/threshold = 2\nvfs_per_vm = 2/' "$T/kvmnetd.conf" >"$T/k3.conf"
kill -HUP "$pid"
started() { [ -n "$(entries MESSAGE_ID="$(id SPLIT_STARTED)")" ] && [ -n "$(entries MESSAGE_ID="$(id VM_WAITING)")" ]; }
wait_for 10 started || fail "no split-started or VM-waiting entry"
entries MESSAGE_ID="$(id SPLIT_STARTED)" | jq -r '"  " + .MESSAGE + "  KVMNET_SPLIT=" + .KVMNET_SPLIT'
[ "$(entries MESSAGE_ID="$(id SPLIT_STARTED)" | jq -r .KVMNET_SPLIT)" = active ] || fail "KVMNET_SPLIT"
dom=$(entries MESSAGE_ID="$(id VM_WAITING)" | head -1 | jq -r .KVMNET_DOMAIN)
entries MESSAGE_ID="$(id VM_WAITING)" KVMNET_DOMAIN="$dom" >"$T/wait.json"
[ "$(wc -l <"$T/wait.json")" = 1 ] || fail "journalctl MESSAGE_ID=... KVMNET_DOMAIN=$dom: $(wc -l <"$T/wait.json") entries"
[ "$(jq -r '[.KVMNET_WAIT, .KVMNET_PF, .PRIORITY, .SYSLOG_IDENTIFIER, ._TRANSPORT] | join(" ")' "$T/wait.json")" = \
	"pf-not-ours 0000:01:00.0 6 kvmnetd journal" ] || fail "VM-waiting fields: $(cat "$T/wait.json")"
echo "journalctl MESSAGE_ID=$(id VM_WAITING) KVMNET_DOMAIN=$dom:"
"${J[@]}" -o short-monotonic MESSAGE_ID="$(id VM_WAITING)" KVMNET_DOMAIN="$dom"
"${J[@]}" -x MESSAGE_ID="$(id VM_WAITING)" KVMNET_DOMAIN="$dom" >"$T/x.txt"
sed 's/^/  /' "$T/x.txt" | head -8
grep -q "Subject: VM $dom waits for a VF: pf-not-ours" "$T/x.txt" || fail "journalctl -x: $(cat "$T/x.txt")"
"${J[@]}" -t kvmnetd -o cat | grep -q "^kvmnetd running: 1 PF(s), threshold 3" || fail "plain lines not in the journal"
stop
[ -s "$T/s1.log" ] && fail "lines on stderr while the journal took them: $(head -3 "$T/s1.log")"

# Not a dry run: binding VF 2 to vfio-pci fails on the fake tree.
service "$T/s2.log" -c "$T/kvmnetd.conf"
failed() { [ -n "$(entries MESSAGE_ID="$(id ACTION_FAILED)")" ]; }
wait_for 30 failed || fail "no action-failed entry: $("${J[@]}" -t kvmnetd -o cat | tail -5)"
entries MESSAGE_ID="$(id ACTION_FAILED)" | head -1 >"$T/failed.json"
jq -r '"  PRIORITY=\(.PRIORITY) ERRNO=\(.ERRNO) KVMNET_ACTION=\(.KVMNET_ACTION) KVMNET_PF=\(.KVMNET_PF) KVMNET_VF=\(.KVMNET_VF) KVMNET_VF_ADDRESS=\(.KVMNET_VF_ADDRESS)\n  \(.MESSAGE)"' "$T/failed.json"
[ "$(jq -r '[.PRIORITY, .KVMNET_ACTION, .KVMNET_PF, .KVMNET_VF, .KVMNET_VF_ADDRESS] | join(" ")' "$T/failed.json")" = \
	"3 bind-vfio 0000:01:00.0 2 0000:01:10.4" ] || fail "action-failed fields: $(cat "$T/failed.json")"
[ "$(jq -r .ERRNO "$T/failed.json")" -gt 0 ] 2>/dev/null || fail "no ERRNO"
stop

# Detached (no --foreground): to the journal, stdio closed.
before=$(entries -t kvmnetd | wc -l)
"$kvmnetd" --dry-run -c "$T/kvmnetd.conf" -s "$T/sock" || fail "detached start"
more() { [ "$(entries -t kvmnetd | wc -l)" -gt $((before + 2)) ]; }
wait_for 10 more || fail "a detached kvmnetd did not log to the journal"
dpid=$(entries -t kvmnetd | tail -1 | jq -r ._PID)
[ -n "$dpid" ] && [ "$(cat "/proc/$dpid/comm" 2>/dev/null)" = kvmnetd ] && kill -TERM "$dpid"
wait_for 10 sh -c "! kill -0 $dpid 2>/dev/null" || fail "detached kvmnetd $dpid did not stop"

t_done "kvmnetd journal"
