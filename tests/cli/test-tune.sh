#!/bin/bash
# kvmnetctl tune on writable copies of tests/fixtures/tune-{sysctl,debugfs,
# eevdf} (the three places kernels keep the scheduler knobs), outputs
# compared with golden/tune-*.  Usage:
#   test-tune.sh KVMNETCTL FIXTURES GOLDEN [--update]
set -u
ctl=$1 fixtures=$2 golden=$3 update=${4:-}
tmp=$(mktemp -d /tmp/kvmnet-test-tune-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0

run() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$ctl" "$@" 2>&1)
	rc=$?
	out=${out//$tmp/TMP}
	out+=$'\n'"exit $rc"
	if [ "$update" = --update ]; then
		printf '%s\n' "$out" >"$golden/tune-$name"
	elif ! diff -u "$golden/tune-$name" <(printf '%s\n' "$out"); then
		echo "FAIL: $name differs from golden/tune-$name"
		fail=1
	fi
	[ "$rc" = "$want" ] || { echo "FAIL: $name: exit $rc, expected $want"; fail=1; }
}

# The value a file holds as the kernel would show it: the number, or the
# scheduler in use (bracketed, or the only name after our own write).
value() {
	local v
	v=$(cat "$1")
	if [[ $1 == */scheduler ]]; then
		if [[ $v =~ \[([a-z-]+)\] ]]; then v=${BASH_REMATCH[1]}; else v=$(echo $v); fi
	fi
	echo "$v"
}

# Every file of a fixture holds the same value as in the original.
same_values() {
	local orig=$1 copy=$2 f
	while IFS= read -r f; do
		[ "$(value "$orig/$f")" = "$(value "$copy/$f")" ] ||
			{ echo "FAIL: $f is $(value "$copy/$f"), was $(value "$orig/$f")"; fail=1; }
	done < <(cd "$orig" && find . -type f ! -name README)
}

for flavor in sysctl debugfs eevdf; do
	root=$tmp/$flavor
	cp -a "$fixtures/tune-$flavor" "$root"
	export KVMNET_SYSROOT=$root
	state=$tmp/$flavor-state/tune-state.json
	disks=()
	for d in "$root"/sys/block/*; do disks+=(--disk "${d##*/}"); done
	run "$flavor-show" 0 tune show --state "$state" "${disks[@]}"
	run "$flavor-apply" 0 tune apply --state "$state" "${disks[@]}"
	cp "$state" "$tmp/$flavor-first.json"
	run "$flavor-show-applied" 0 tune show --state "$state" "${disks[@]}"
	# Someone changes a knob between two applies: the state keeps the
	# value from before kvmnet's first change, and revert restores that.
	for first in "$root"/sys/kernel/debug/sched/{min_granularity,base_slice}_ns \
		"$root"/proc/sys/kernel/sched_min_granularity_ns; do
		[ -e "$first" ] && echo 1234567 >"$first"
	done
	run "$flavor-apply-again" 0 tune apply --state "$state" "${disks[@]}"
	cmp -s "$state" "$tmp/$flavor-first.json" || { echo "FAIL: $flavor: second apply changed the saved originals"; fail=1; }
	run "$flavor-revert" 0 tune revert --state "$state"
	[ ! -e "$state" ] || { echo "FAIL: $flavor: state file left after a full revert"; fail=1; }
	same_values "$fixtures/tune-$flavor" "$root"
	run "$flavor-revert-nothing" 0 tune revert --state "$state"
done

# The VMs' cgroups (tests/fixtures/cgroup-v{1,2}) beside the sysctl knobs:
# listed, lifted and given back.  The fake files keep the last write, so
# only single-value files are compared after revert (io.max and blkio
# lines are checked write by write in tests/unit/test-cgroup.c).
for v in 2 1; do
	root=$tmp/cgroup-v$v
	cp -a "$fixtures/tune-sysctl" "$root"
	cp -a "$fixtures/cgroup-v$v/." "$root/"
	export KVMNET_SYSROOT=$root
	state=$tmp/cg$v.json
	run "cgroup-v$v-show" 0 tune show --state "$state"
	run "cgroup-v$v-apply" 0 tune apply --state "$state"
	run "cgroup-v$v-show-applied" 0 tune show --state "$state"
	run "cgroup-v$v-revert" 0 tune revert --state "$state"
	while IFS= read -r f; do
		[ "$(cat "$fixtures/cgroup-v$v/$f")" = "$(cat "$root/$f")" ] ||
			{ echo "FAIL: cgroup-v$v: $f is $(cat "$root/$f")"; fail=1; }
	done < <(cd "$fixtures/cgroup-v$v" && find . -name 'memory.*')
done
run cgroup-none 0 tune show --state "$tmp/cg1.json" --no-cgroups

# A knob the kernel lets us read but not write, as lockdown does to debugfs
# (EPERM): a link to a read-only sysctl of the real /proc stands in
# (EACCES even for root).  Reported, the other knobs still applied, exit 1,
# the refused knob not kept in the state, and revert restores the rest.
root=$tmp/refuse
cp -a "$fixtures/tune-debugfs" "$root"
export KVMNET_SYSROOT=$root
rm "$root/sys/kernel/debug/sched/latency_ns"
ln -s /proc/sys/kernel/osrelease "$root/sys/kernel/debug/sched/latency_ns"
run refuse-apply 1 tune apply --state "$tmp/refuse.json" --disk sda
grep -q latency_ns "$tmp/refuse.json" && { echo "FAIL: refuse: refused knob kept in the state"; fail=1; }
run refuse-revert 0 tune revert --state "$tmp/refuse.json"
[ "$(value "$root/sys/block/sda/queue/scheduler")" = none ] || { echo "FAIL: refuse: sda not restored"; fail=1; }
# A knob that cannot even be read: reported, nothing saved for it.
rm "$root/sys/kernel/debug/sched/latency_ns"
mkdir "$root/sys/kernel/debug/sched/latency_ns"
run unreadable-apply 1 tune apply --state "$tmp/refuse.json"
run unreadable-revert 0 tune revert --state "$tmp/refuse.json"

# The state file cannot be written: nothing is changed.
root=$tmp/nostate
cp -a "$fixtures/tune-eevdf" "$root"
export KVMNET_SYSROOT=$root
touch "$tmp/afile"
run nostate-apply 1 tune apply --state "$tmp/afile/sub/state.json"
[ "$(value "$root/sys/kernel/debug/sched/base_slice_ns")" = 3000000 ] || { echo "FAIL: nostate: knob changed"; fail=1; }

# A crafted state file: paths that are not knobs kvmnet writes ('..'
# out of the tree, another file, a symlink out of /sys) are refused by
# revert and flagged by show, naming the file and the entry; nothing is
# written there, they stay in the file, and the real knob is restored.
root=$tmp/crafted
cp -a "$fixtures/tune-debugfs" "$root"
export KVMNET_SYSROOT=$root
mkdir -p "$root/etc/queue"
echo 'root:secret' >"$root/etc/shadow"
echo keep >"$root/etc/queue/scheduler"
ln -s ../../etc "$root/sys/block/evil"
crafted=$tmp/crafted.json
cat >"$crafted" <<EOS
{"version": 1, "entries": [
 {"path": "/sys/kernel/debug/sched/../../../../etc/shadow", "original": "pwned", "applied": "x"},
 {"path": "/etc/shadow", "original": "pwned", "applied": "x"},
 {"path": "/sys/block/evil/queue/scheduler", "original": "pwned", "applied": "x"},
 {"path": "/sys/kernel/debug/sched/latency_ns", "original": "1000000", "applied": "32000000"}]}
EOS
out=$("$ctl" tune show --state "$crafted" 2>&1)
rc=$?
[ "$rc" = 1 ] || { echo "FAIL: crafted show: exit $rc, expected 1"; fail=1; }
for e in /sys/kernel/debug/sched/../../../../etc/shadow /etc/shadow /sys/block/evil/queue/scheduler; do
	grep -qF "$crafted: entry '$e': " <<<"$out" || { echo "FAIL: crafted show: $e not reported: $out"; fail=1; }
	grep -qF "(refused)" <<<"$out" || { echo "FAIL: crafted show: no (refused) row: $out"; fail=1; }
done
out=$("$ctl" tune revert --state "$crafted" 2>&1)
rc=$?
[ "$rc" = 1 ] || { echo "FAIL: crafted revert: exit $rc, expected 1"; fail=1; }
grep -qF "$crafted: entry '/etc/shadow': not a file kvmnet writes; refused" <<<"$out" ||
	{ echo "FAIL: crafted revert message: $out"; fail=1; }
grep -qF "$crafted: entry '/sys/block/evil/queue/scheduler': resolves outside its tree" <<<"$out" ||
	{ echo "FAIL: crafted revert symlink message: $out"; fail=1; }
[ "$(cat "$root/etc/shadow")" = root:secret ] || { echo "FAIL: crafted revert wrote $root/etc/shadow"; fail=1; }
[ "$(cat "$root/etc/queue/scheduler")" = keep ] || { echo "FAIL: crafted revert followed the symlink"; fail=1; }
[ "$(value "$root/sys/kernel/debug/sched/latency_ns")" = 1000000 ] ||
	{ echo "FAIL: crafted revert: the real knob not restored"; fail=1; }
[ "$(jq '.entries | length' "$crafted")" = 3 ] || { echo "FAIL: crafted revert: refused entries not kept"; fail=1; }

# A state file that is not ours, usage errors, and a kernel with no knobs.
echo '{"version": 2}' >"$tmp/bad.json"
run badstate 1 tune revert --state "$tmp/bad.json"
run usage-none 2 tune
run usage-verb 2 tune frob
run usage-disk 2 tune show --disk ../sda
run usage-revert-disk 2 tune revert --disk sda
mkdir -p "$tmp/empty"
export KVMNET_SYSROOT=$tmp/empty
run none-show 1 tune show --state "$tmp/none.json"
run nodisk 1 tune show --state "$tmp/none.json" --disk sdz

[ "$fail" = 0 ] && echo "tune cli: all outputs match"
exit "$fail"
