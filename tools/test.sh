#!/bin/bash
# The README's second command, and what .ci/run runs: every test of kvmnet.
#   - unit, fixture and fuzz-corpus tests (meson, under ASan and UBSan)
#   - every fuzz harness for 3 s (tools/fuzz.sh; $KVMNET_FUZZ_SECONDS)
#   - the lab: real kernel SR-IOV under QEMU (tests/lab/run-all.sh)
# Ends with one line "N passed, N failed"; exits 1 if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
builddir=${KVMNET_TEST_BUILDDIR:-$top/build-test}

bash tools/install-deps.sh || { echo "install-deps.sh failed"; echo "0 passed, 1 failed"; exit 1; }

if [ -d "$builddir/meson-info" ]; then
	meson setup --reconfigure "$builddir" -Db_sanitize=address,undefined -Dwerror=true >/dev/null
else
	meson setup "$builddir" -Db_sanitize=address,undefined -Dwerror=true
fi || { echo "meson setup failed"; echo "0 passed, 1 failed"; exit 1; }
if ! ninja -C "$builddir"; then
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

# Leaks are bugs here too; abort on the first UBSan report.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
meson test -C "$builddir" --no-rebuild --print-errorlogs
log="$builddir/meson-logs/testlog.json"
passed=$(jq -s '[.[] | select(.result == "OK" or .result == "EXPECTEDFAIL")] | length' "$log")
failed=$(jq -s '[.[] | select(.result != "OK" and .result != "EXPECTEDFAIL" and .result != "SKIP")] | length' "$log")
skipped=$(jq -s '[.[] | select(.result == "SKIP")] | length' "$log")
echo "meson tests: $passed passed, $failed failed, $skipped skipped"

# Fuzzing for real, briefly (every libFuzzer harness for 3 s, two at a
# time: about a minute), so new code is fuzzed in every run: one test,
# failed when any harness crashed (its line names the harness and the
# input).  The corpora themselves are replayed per harness by meson's
# fuzz suite above.
if bash tools/fuzz.sh --builddir "$builddir-fuzz" --jobs 2 "${KVMNET_FUZZ_SECONDS:-3}"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

if [ -x tests/lab/run-all.sh ]; then
	labout=$(mktemp)
	KVMNET_BUILD_DIR="$builddir" tests/lab/run-all.sh 2>&1 | tee "$labout"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$labout" | tail -n1)
	rm -f "$labout"
	if [ -z "$line" ]; then
		echo "lab: run-all.sh printed no summary"
		failed=$((failed + 1))
	else
		lp=${line%% passed*}
		lf=${line#*, }
		lf=${lf%% failed*}
		passed=$((passed + lp))
		failed=$((failed + lf))
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
