#!/bin/bash
# Run several lab tests one after the other inside one lab boot (run-all.sh
# groups the tests that want the same NICs).  For each test it prints
#   KVMNET-LAB-RESULT rc=N secs=S test=PATH
# on the console, for run-all.sh to read, and keeps the test's output in
# $KVMNET_LAB_OUT/<test name>.log.  Exits 1 if any test failed.
#
#   tests/lab/run.sh tests/lab/suite.sh TEST...
set -u

failed=0
for t in "$@"; do
	name=$(basename "$t" .sh)
	# A test may ask for more time in its header ("# lab: ... timeout=S").
	per_test=$(sed -n '1,20s/^# lab:.*timeout=\([0-9]*\).*/\1/p' "$t" | head -n 1)
	per_test=${per_test:-${KVMNET_LAB_TEST_TIMEOUT:-600}}
	echo "KVMNET-LAB-SUITE-BEGIN test=$t"
	start=$(date +%s)
	# A fresh bash per test; the helpers in lib.sh expect to own the EXIT
	# trap and the failure count.  A test that hangs is killed, not waited
	# for, so the others still run.
	timeout --kill-after=10 "$per_test" bash "$t" 2>&1 | tee "${KVMNET_LAB_OUT:-/tmp}/$name.log"
	rc=${PIPESTATUS[0]}
	[ "$rc" != 124 ] || echo "suite.sh: $t timed out after ${per_test}s (its timeout= or KVMNET_LAB_TEST_TIMEOUT)"
	echo "KVMNET-LAB-RESULT rc=$rc secs=$(($(date +%s) - start)) test=$t"
	[ "$rc" = 0 ] || failed=1
done
exit $failed
