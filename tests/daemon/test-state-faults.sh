#!/bin/bash
# Fault injection into every file kvmnet reads back (issue 19): the
# daemon's configuration and journal, `kvmnetctl tune`'s tune-state.json,
# and `kvmnetctl sriov persist`'s manifest and sriov.d/*.conf, each made
# truncated, garbage, of wrong types, huge, a symlink (to garbage), a FIFO,
# a directory and (where the format has versions) of a newer version.
# For each: the command ends (a FIFO is never waited on) with the right
# exit status, its message names the file, the original bytes still exist
# under a name, and nothing changed on the fake host.
#   test-state-faults.sh KVMNETD KVMNETCTL SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 src=$3
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch faults
pid=
t_cleanup() { [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null; }
uri="test://$src/tests/fixtures/libvirt-test/node.xml"
export KVMNET_LIBVIRT_URI=$uri KVMNET_CTL_SOCKET=$T/no.sock
KINDS="truncated garbage types huge symlink fifo directory newer"

# A copy of the fake host and its state as a list of names, modes and
# contents; the caller's own state files are left out (EXCLUDE).
snapshot() { # ROOT EXCLUDE_REGEX
	(cd "$1" && find . -path "./$2" -prune -o -printf '%p %y %m\n' | sort &&
		find . -path "./$2" -prune -o -type f -print0 | sort -z | xargs -0 -r sha1sum)
}
# fault KIND FILE GOOD NEWER TYPES SIZE: put a faulty FILE in place; GOOD
# is a valid content (cut for "truncated"), NEWER one of a newer version
# (empty: the format has none), TYPES one with values of the wrong type.
fault() {
	local kind=$1 f=$2 good=$3 newer=$4 types=$5 size=$6
	rm -rf "$f" "$T/elsewhere"
	case $kind in
	truncated) printf '%s' "${good:0:$((${#good} / 2))}" >"$f" ;;
	garbage) printf '\x89PNG\r\n\x1a\nnot text\n\0\x01\x02 at all\n' >"$f" ;;
	types) printf '%s' "$types" >"$f" ;;
	huge) head -c 4096 /dev/zero | tr '\0' ' ' >"$f" && truncate -s "$size" "$f" ;;
	symlink) printf 'garbage behind a symlink\n' >"$T/elsewhere" && ln -s "$T/elsewhere" "$f" ;;
	fifo) mkfifo "$f" ;;
	directory) mkdir "$f" && echo keep >"$f/inside" ;;
	newer) [ -n "$newer" ] || return 1; printf '%s' "$newer" >"$f" ;;
	esac
}
# The bytes of FILE (or of what it points to), to find them again later.
bytes() { # FILE
	if [ -L "$1" ]; then echo "link:$(readlink "$1"):$(sha1sum <"$1" | cut -d' ' -f1)"
	elif [ -p "$1" ]; then echo fifo
	elif [ -d "$1" ]; then echo "dir:$(cat "$1/inside")"
	else sha1sum <"$1" | cut -d' ' -f1; fi
}
# ends NAME WANT_RC FILE CMD...: CMD ends within 10 s with WANT_RC, its
# stderr names FILE.
ends() {
	local name=$1 want=$2 file=$3 rc
	shift 3
	timeout 10 "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = 124 ] && { fail "$name: still running after 10 s (waiting on a FIFO?)"; return; }
	[ "$rc" = "$want" ] || fail "$name: exit $rc, expected $want: $(head -c 300 "$T/err")"
	grep -qF "$file" "$T/err" || fail "$name: message does not name $file: $(head -c 300 "$T/err")"
}

# ---- kvmnetd's configuration: exit 2 (kvmnetd(8)); nothing else read.
cp -a "$src/tests/fixtures/sriov-igb-vfs" "$T/root"
export KVMNET_SYSROOT=$T/root
mkdir "$T/state"
good_conf=$(printf '[libvirt]\nuri = %s\n[sriov]\npf = 0000:01:00.0\nthreshold = 10\n[daemon]\nstate_dir = %s\n' "$uri" "$T/state")
printf '%s\n' "$good_conf" >"$T/good.conf"
snapshot "$T/root" none >"$T/host.before"
for kind in $KINDS; do
	c=$T/kvmnetd.conf
	fault "$kind" "$c" "$good_conf" "" "$(printf '[sriov]\npf = 0000:01:00.0\nthreshold = yes\n')" 2M || continue
	b=$(bytes "$c")
	ends "config $kind: --check-config" 2 "$c" "$kvmnetd" --check-config -c "$c"
	ends "config $kind: --dry-run" 2 "$c" "$kvmnetd" --foreground --dry-run -c "$c" -s "$T/sock"
	ends "config $kind: start" 2 "$c" "$kvmnetd" --foreground -c "$c" -s "$T/sock"
	[ "$(bytes "$c")" = "$b" ] || fail "config $kind: the file changed"
	[ -e "$T/sock" ] && fail "config $kind: a socket was made"
done
[ -z "$(ls -A "$T/state")" ] || fail "config faults: the state directory was touched: $(ls -A "$T/state")"

# ---- the journal: every start refuses (exit 2), live or dry run, and
# keeps the file; --discard-journal sets it aside under a new name (a
# newer version excepted) and the daemon starts.
j=$T/state/journal.json
good_j='{"version": 1, "active": false, "below_since_us": 0, "pfs": [], "attached": [], "originals": {"/proc/irq/1/smp_affinity_list": "0-3"}}'
for kind in $KINDS; do
	fault "$kind" "$j" "$good_j" '{"version": 3, "originals": {"/proc/irq/1/smp_affinity_list": "0-3"}}' \
		'{"version": 1, "active": "no", "below_since_us": 0, "pfs": [], "attached": [], "originals": {}}' 17M
	b=$(bytes "$j")
	ends "journal $kind: start" 2 "$j" "$kvmnetd" --foreground -c "$T/good.conf" -s "$T/sock"
	ends "journal $kind: start again" 2 "$j" "$kvmnetd" --foreground -c "$T/good.conf" -s "$T/sock"
	ends "journal $kind: dry run" 2 "$j" "$kvmnetd" --foreground --dry-run -c "$T/good.conf" -s "$T/sock"
	[ "$(bytes "$j")" = "$b" ] || fail "journal $kind: moved or changed by a refused start"
	[ "$kind" = newer ] && { grep -q "journal version 3 is newer than this kvmnetd understands (1)" "$T/err" ||
		fail "journal newer: not refused by name: $(cat "$T/err")"; }
	grep -q "kvmnetd --discard-journal" "$T/err" || [ "$kind" = newer ] ||
		fail "journal $kind: the message does not say how to go on: $(cat "$T/err")"
	if [ "$kind" = newer ]; then
		ends "journal newer: --discard-journal" 2 "$j" "$kvmnetd" --foreground --discard-journal \
			-c "$T/good.conf" -s "$T/sock"
		[ "$(bytes "$j")" = "$b" ] || fail "journal newer: discarded"
		rm -f "$j"
		continue
	fi
	# A new log each time: the last one already says "kvmnetd running".
	rm -f "$T/discard.log"
	"$kvmnetd" --foreground --discard-journal -c "$T/good.conf" -s "$T/sock" 2>"$T/discard.log" &
	pid=$!
	wait_for 10 grep -q "kvmnetd running" "$T/discard.log" ||
		fail "journal $kind: --discard-journal did not start: $(cat "$T/discard.log")"
	kill -TERM "$pid"
	wait "$pid"
	pid=
	moved=$(sed -n "s|.*set aside as $T/state/\(journal.json.corrupt-[0-9TZ.]*\).*|\1|p" "$T/discard.log")
	[ -n "$moved" ] && [ "$(bytes "$T/state/$moved")" = "$b" ] ||
		fail "journal $kind: original bytes not found set aside ('$moved'): $(cat "$T/discard.log")"
	rm -rf "$j"
done
n=$(ls "$T/state" | grep -c '^journal.json.corrupt-')
[ "$n" = 7 ] || fail "journal: $n copies set aside, expected 7 (one per fault but newer)"
"$kvmnetd" --foreground -c "$T/good.conf" -s "$T/sock" 2>"$T/again.log" &
pid=$!
wait_for 10 grep -q "kvmnetd running" "$T/again.log" || fail "start after the faults: $(cat "$T/again.log")"
kill -TERM "$pid"
wait "$pid"
pid=
grep -q "7 journal(s) set aside earlier" "$T/again.log" || fail "a start does not name the set-aside journals"
snapshot "$T/root" none >"$T/host.after"
diff "$T/host.before" "$T/host.after" >/dev/null || fail "the daemon changed the fake host: $(diff "$T/host.before" "$T/host.after" | head -5)"

# ---- kvmnetctl tune's state file: exit 1 (the command failed), nothing
# tuned, the file kept.
rm -rf "$T/root"
cp -a "$src/tests/fixtures/tune-eevdf" "$T/root"
snapshot "$T/root" none >"$T/host.before"
s=$T/tune/tune-state.json
mkdir -p "$T/tune"
good_s='{"version": 1, "entries": [{"path": "/sys/kernel/debug/sched/base_slice_ns", "original": "3000000", "applied": "4000000"}]}'
for kind in $KINDS; do
	fault "$kind" "$s" "$good_s" '{"version": 3, "entries": []}' \
		'{"version": 1, "entries": [{"path": 7, "original": "1", "applied": "2"}]}' 17M
	b=$(bytes "$s")
	for verb in show apply revert; do
		ends "tune state $kind: $verb" 1 "$s" "$ctl" tune "$verb" --state "$s"
	done
	[ "$(bytes "$s")" = "$b" ] || fail "tune state $kind: the file changed"
done
snapshot "$T/root" none >"$T/host.after"
diff "$T/host.before" "$T/host.after" >/dev/null || fail "tune changed the fake host: $(diff "$T/host.before" "$T/host.after" | head -5)"

# ---- sriov persist: the manifest (persist and unpersist write nothing),
# and a sriov.d state file (restore changes no count).
rm -rf "$T/root"
cp -a "$src/tests/fixtures/sriov-igb-vfs" "$T/root"
mkdir -p "$T/root/etc/kvmnet/sriov.d" "$T/root/etc/systemd/system" "$T/root/etc/modprobe.d"
snapshot "$T/root" etc/kvmnet >"$T/host.before"
m=$T/root/etc/kvmnet/sriov.manifest
for kind in $KINDS; do
	# (cut in half, the line loses its path)
	fault "$kind" "$m" "f 0123456789abcdef0123456789abcdef0123456789abcdef /etc/kvmnet/x.conf" "" "f" 2M || continue
	b=$(bytes "$m")
	ends "manifest $kind: persist" 1 /etc/kvmnet/sriov.manifest "$ctl" sriov persist enp1s0
	ends "manifest $kind: unpersist" 1 /etc/kvmnet/sriov.manifest "$ctl" sriov unpersist
	[ "$(bytes "$m")" = "$b" ] || fail "manifest $kind: the file changed"
	[ -z "$(ls -A "$T/root/etc/kvmnet/sriov.d")" ] || fail "manifest $kind: a state file was written"
done
rm -rf "$m"
p=$T/root/etc/kvmnet/sriov.d/0000:01:00.0.conf
for kind in $KINDS; do
	fault "$kind" "$p" "$(printf 'pf 0000:01:00.0\nnumvfs 2\nvf 0 trust on\n')" "" \
		"$(printf 'pf 0000:01:00.0\nnumvfs many\n')" 2M || continue
	b=$(bytes "$p")
	ends "sriov.d $kind: restore" 1 /etc/kvmnet/sriov.d/0000:01:00.0.conf "$ctl" sriov restore
	[ "$(bytes "$p")" = "$b" ] || fail "sriov.d $kind: the file changed"
done
snapshot "$T/root" etc/kvmnet >"$T/host.after"
diff "$T/host.before" "$T/host.after" >/dev/null || fail "sriov changed the fake host: $(diff "$T/host.before" "$T/host.after" | head -5)"

t_done "faults in config, journal and state files"
