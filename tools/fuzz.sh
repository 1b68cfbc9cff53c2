#!/bin/bash
# Fuzz every libFuzzer harness (tests/fuzz/fuzz-*.c) for SECONDS each
# (default 60), in a clang build with -Dfuzz=true and ASan+UBSan.
#   tools/fuzz.sh [--merge] [--builddir DIR] [--jobs N] [SECONDS]
# One line per harness: executions, new inputs, and whether it crashed
# (crash, leak, UB, timeout or out of memory) with the input that did it;
# then a summary.  Exits 1 if any harness crashed.  New inputs go into a
# scratch directory (printed), not the repository; --merge adds those that
# cover something new to tests/fuzz/corpus/NAME (libFuzzer -merge=1).
# --jobs N fuzzes N harnesses at a time (default 1), for long runs.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
merge=0
builddir=${KVMNET_FUZZ_BUILDDIR:-$top/build-fuzz}
seconds=60
jobs=1
while [ $# -gt 0 ]; do
	case $1 in
	--merge) merge=1 ;;
	--builddir) builddir=$2; shift ;;
	--jobs)
		case ${2:-} in ''|*[!0-9]*|0) echo "tools/fuzz.sh: --jobs '${2:-}': expected a whole number of 1 or more" >&2; exit 2 ;; esac
		jobs=$2; shift ;;
	-h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*[!0-9]*|'') echo "tools/fuzz.sh: '$1': expected SECONDS (a whole number), --merge, --builddir DIR or --jobs N" >&2; exit 2 ;;
	*) seconds=$1 ;;
	esac
	shift
done
command -v clang >/dev/null || { echo "tools/fuzz.sh: clang is not installed (tools/install-deps.sh)" >&2; exit 1; }

if [ ! -d "$builddir/meson-info" ]; then
	CC=clang meson setup "$builddir" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null ||
		{ echo "tools/fuzz.sh: meson setup $builddir failed" >&2; exit 1; }
fi
names=()
for src in tests/fuzz/fuzz-*.c; do names+=("$(basename "$src" .c)"); done
# The harnesses only: the rest of the clang build is never run here.
ninja -C "$builddir" "${names[@]/#/tests/fuzz/}" >/dev/null ||
	{ echo "tools/fuzz.sh: building $builddir failed" >&2; exit 1; }

scratch=$(mktemp -d /tmp/kvmnet-fuzz.XXXXXX)
# UB stops the harness as a crash does; leaks are reported at each input.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# fuzz_one NAME: one harness; its line goes to $scratch/NAME/line, and
# $scratch/NAME/crashed exists when it crashed.
fuzz_one() {
	local name=$1 bin=$builddir/tests/fuzz/$1 rc execs new artifact
	mkdir -p "$scratch/$name/new" "$scratch/$name/crash"
	if [ ! -x "$bin" ]; then
		echo "$name: not built ($bin); crash: yes (no binary)" >"$scratch/$name/line"
		: >"$scratch/$name/crashed"
		return
	fi
	# The scratch directory first: libFuzzer writes new inputs there and
	# only reads the repository's corpus.
	nice "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$scratch/$name/crash/" \
		"$scratch/$name/new" "tests/fuzz/corpus/$name" >"$scratch/$name/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$name/log" | tail -n1)
	new=$(find "$scratch/$name/new" -type f | wc -l)
	artifact=$(find "$scratch/$name/crash" -type f | head -n1)
	if [ "$rc" != 0 ] || [ -n "$artifact" ]; then
		: >"$scratch/$name/crashed"
		echo "$name: ${execs:-?} execs, $new new inputs, crash: yes (${artifact:-exit $rc, no input saved}; log $scratch/$name/log)" >"$scratch/$name/line"
	else
		echo "$name: ${execs:-?} execs, $new new inputs, crash: no" >"$scratch/$name/line"
	fi
	if [ "$merge" = 1 ] && [ "$new" -gt 0 ]; then
		"$bin" -merge=1 "tests/fuzz/corpus/$name" "$scratch/$name/new" >"$scratch/$name/merge.log" 2>&1 ||
			echo "$name: merging into tests/fuzz/corpus/$name failed: $scratch/$name/merge.log" >>"$scratch/$name/line"
	fi
}

running=0
for name in "${names[@]}"; do
	if [ "$jobs" = 1 ]; then
		fuzz_one "$name"
		cat "$scratch/$name/line"
		continue
	fi
	[ "$running" -ge "$jobs" ] && { wait -n; running=$((running - 1)); }
	fuzz_one "$name" &
	running=$((running + 1))
done
wait
[ "$jobs" = 1 ] || for name in "${names[@]}"; do cat "$scratch/$name/line"; done
total=${#names[@]}
crashed=$(find "$scratch" -maxdepth 2 -name crashed | wc -l)
echo "fuzz: $total harnesses, ${seconds} s each, $crashed crashed; new inputs in $scratch" \
	"$([ "$merge" = 1 ] && echo "(merged into tests/fuzz/corpus)" || echo "(tools/fuzz.sh --merge adds them)")"
[ "$crashed" = 0 ]
