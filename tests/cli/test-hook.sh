#!/bin/bash
# kvmnetctl hook qemu as libvirtd runs it (libvirt/qemu-hook.in): the XML
# of an incoming migration on stdin; exit 1 refuses it.  No libvirt, no
# root.
#   test-hook.sh KVMNETCTL SOURCE_DIR BUILT_HOOK
set -uo pipefail
ctl=$1 src=$2 hook=$3
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch hook
in=$src/tests/fixtures/domain-xml/migrate-in.xml
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

# The destination's copy of a teamed guest's migration XML, as libvirt 9.0
# sent it in the lab: refused (exit 1), naming the VF and the way to go.
"$ctl" hook qemu lab-mig migrate begin - <"$in" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 1 ] || fail "migrate begin with the source's VF: exit $rc, want 1: $(cat "$T/err")"
[ -s "$T/out" ] && fail "migrate begin wrote XML: $(head -c 200 "$T/out")"
grep -q "52:54:01:19:bc:d6 at 0000:01:10.0" "$T/err" || fail "the refusal does not name the VF: $(cat "$T/err")"
grep -q "kvmnetctl vm migrate" "$T/err" || fail "the refusal does not say what to do: $(cat "$T/err")"
# Without the transient member (what kvmnetctl vm migrate sends): let through.
sed '/<interface type=.hostdev./,/<\/interface>/d' "$in" >"$T/novf.xml"
grep -q "teaming type='persistent'" "$T/novf.xml" || fail "test setup: the virtio member went too"
out=$("$ctl" hook qemu lab-mig migrate begin - <"$T/novf.xml" 2>&1) || fail "migrate begin without a VF: exit $?: $out"
[ -z "$out" ] || fail "migrate begin without a VF printed: $out"

# Through the installed script's own filter: the same for migrate begin,
# nothing (not even kvmnetctl) for the other operations.
sed "s|^exec [^ ]*/kvmnetctl |exec $ctl |" "$hook" >"$T/kvmnet"
chmod +x "$T/kvmnet"
"$T/kvmnet" lab-mig migrate begin - <"$in" >/dev/null 2>&1
[ $? = 1 ] || fail "the hook script let the source's VF through"
"$T/kvmnet" lab-mig migrate begin - <"$T/novf.xml" >/dev/null 2>&1 || fail "the hook script refused a domain without a VF"
for op in "prepare begin" "start begin" "started begin" "stopped end" "release end" "reconnect begin" "restore begin"; do
	# shellcheck disable=SC2086
	out=$("$T/kvmnet" lab-mig $op - <"$in" 2>&1) || fail "$op: exit $?"
	[ -z "$out" ] || fail "$op: printed $(head -c 200 <<<"$out")"
done

# Opted out: not kvmnet's to judge, let through as it came.
sed "s|<description>|<metadata><kvmnet:domain xmlns:kvmnet='http://kvmnet.org/xmlns/domain/1.0' manage='no'/></metadata><description>|" \
	"$in" >"$T/optout.xml"
out=$("$ctl" hook qemu lab-mig migrate begin - <"$T/optout.xml" 2>/dev/null) || fail "opted out: exit $?"
[ -z "$out" ] || fail "opted out: the hook wrote XML"
# Unknown manage=: whether it opted out is unknown, and an unknown never
# lets the carried VF through: refused, saying why.
sed "s/manage='no'/manage='No'/" "$T/optout.xml" >"$T/unknown.xml"
out=$("$ctl" hook qemu lab-mig migrate begin - <"$T/unknown.xml" 2>"$T/err")
[ $? = 1 ] || fail "unknown manage: want exit 1"
[ -z "$out" ] || fail "unknown manage: the hook wrote XML"
grep -q "carries the source host's VF" "$T/err" || fail "unknown manage: the VF not named: $(cat "$T/err")"
grep -q "neither manage=.*refused as kvmnet's" "$T/err" || fail "unknown manage: the cause not said: $(cat "$T/err")"
# Not a domain: exit 1 (libvirt refuses the migration; it stays on the source).
echo "<domain" | "$ctl" hook qemu x migrate begin - >"$T/out" 2>"$T/err"
[ $? = 1 ] || fail "broken XML: want exit 1"
grep -q "does not parse" "$T/err" || fail "broken XML: $(cat "$T/err")"
# Usage.
"$ctl" hook >/dev/null 2>&1
[ $? = 2 ] || fail "no arguments: want exit 2"
"$ctl" hook lxc a b c >/dev/null 2>&1
[ $? = 2 ] || fail "another driver: want exit 2"
t_done "kvmnetctl hook"
