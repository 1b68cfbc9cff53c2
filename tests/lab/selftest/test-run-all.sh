#!/bin/bash
# run-all.sh's bookkeeping, on a fake run.sh (no QEMU): a result per test,
# one more boot only when QEMU aborted on its own assertion, and a test the
# lab died under fails.  Runs on fakes; the real boots are the lab's.
set -u
top=${1:?usage: test-run-all.sh SRCROOT}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
mkdir -p "$T/lab" "$T/cache/runs"
cp "$top/tests/lab/run-all.sh" "$T/lab/"
printf '#!/bin/sh\n' >"$T/lab/prepare.sh"
for t in a b c; do printf '#!/bin/sh\n# lab: nics=1\n' >"$T/lab/t-$t.sh"; done
# The fake lab: each boot N reads $T/script line N, "TEST=RC ... [abort]":
# prints a result for each TEST=RC listed, and with "abort" writes QEMU's
# assertion into qemu.out and fails as run.sh does.
cat >"$T/lab/run.sh" <<'FAKE'
#!/bin/bash
opts="$*"
while [ "$1" != "--log" ]; do shift; done
log=$2; shift 3
n=$(( $(cat "$T/boots" 2>/dev/null || echo 0) + 1 )); echo $n >"$T/boots"
echo "boot $n: $*" >>"$T/booted"
echo "boot $n: ${opts%% --log *}" >>"$T/options"
run=$T/cache/runs/r$n; mkdir -p "$run"; ln -sfn "$run" "$T/cache/runs/last"
: >"$run/qemu.out"; : >"$log"
for w in $(sed -n "${n}p" "$T/script"); do
	case $w in
	abort) echo "qemu: system/physmem.c:2678: iotlb_to_section: Assertion \`x' failed." >"$run/qemu.out"; exit 125 ;;
	die) exit 125 ;;
	*) printf 'KVMNET-LAB-RESULT rc=%s secs=1 test=%s\r\n' "${w#*=}" "$T/lab/${w%=*}" >>"$log" ;;
	esac
done
FAKE
chmod +x "$T/lab/"*.sh
export T KVMNET_LAB_CACHE=$T/cache

# case NAME SCRIPT EXPECTED-LAST-LINE BOOTS: run-all over t-a t-b t-c.
case_() {
	rm -f "$T/boots" "$T/booted"; printf '%b' "$2" >"$T/script"
	"$T/lab/run-all.sh" >"$T/out" 2>"$T/err"
	local last boots
	last=$(tail -n 1 "$T/out"); boots=$(cat "$T/boots")
	if [ "$last" != "$3" ] || [ "$boots" != "$4" ]; then
		echo "FAIL: $1: '$last' in $boots boot(s), wanted '$3' in $4"
		cat "$T/out" "$T/err" "$T/booted"; fails=$((fails + 1))
	else
		echo "ok: $1: $last in $boots boot(s)"
	fi
}
case_ "all pass" 't-a.sh=0 t-b.sh=0 t-c.sh=0\n' "3 passed, 0 failed" 1
case_ "a test fails" 't-a.sh=0 t-b.sh=1 t-c.sh=0\n' "2 passed, 1 failed" 1
case_ "QEMU asserts, the rest pass on a second boot" \
	't-a.sh=0 abort\nt-b.sh=0 t-c.sh=0\n' "3 passed, 0 failed" 2
grep -q "boot 2: .*t-b.sh .*t-c.sh$" "$T/booted" && ! grep -q "boot 2: .*t-a.sh" "$T/booted" ||
	{ echo "FAIL: the second boot reran other tests than those cut short:"; cat "$T/booted"; fails=$((fails + 1)); }
grep -q "QEMU aborted on its own assertion" "$T/err" ||
	{ echo "FAIL: the retry was not said"; cat "$T/err"; fails=$((fails + 1)); }
case_ "QEMU asserts twice: no third boot" 't-a.sh=0 abort\nabort\n' "1 passed, 2 failed" 2
case_ "the lab dies otherwise: no second boot" 't-a.sh=0 die\n' "1 passed, 2 failed" 1
case_ "a failure after a retry still fails" 'abort\nt-a.sh=0 t-b.sh=1 t-c.sh=0\n' "2 passed, 1 failed" 2

# A test that wants NUMA nodes gets a boot of its own, with run.sh --numa;
# the others share theirs, without.
printf '#!/bin/sh\n# lab: nics=1 numa=2\n' >"$T/lab/t-d.sh"
rm -f "$T/options"
case_ "NUMA tests boot apart" 't-a.sh=0 t-b.sh=0 t-c.sh=0\nt-d.sh=0\n' "4 passed, 0 failed" 2
grep -qx "boot 1: --quiet --nics 1" "$T/options" && grep -qx "boot 2: --quiet --nics 1 --numa 2" "$T/options" &&
	grep -q "boot 2: .*/t-d.sh$" "$T/booted" && ! grep -q "boot 1: .*t-d.sh" "$T/booted" ||
	{ echo "FAIL: the NUMA test did not get a boot of its own with --numa 2:"; cat "$T/options" "$T/booted"; fails=$((fails + 1)); }
rm -f "$T/lab/t-d.sh"

echo "$fails failed"
[ "$fails" = 0 ]
