#!/bin/bash
# The newcomer's demo: boot the emulated SR-IOV host (two igb NICs), run
# kvmnetd in it with a threshold of 2, start three nested VMs and stop two,
# and watch what happens (VFs created, attached, detached, the split ended).
# As root; builds kvmnet first if needed.  About 5 minutes on 2 cores.
set -eu
cd "$(dirname "$0")/.."
bash tools/install-deps.sh >/dev/null
[ -d build/meson-info ] || meson setup build --sysconfdir=/etc --localstatedir=/var >/dev/null
ninja -C build >/dev/null
KVMNET_BUILD_DIR=$PWD/build exec tests/lab/run.sh --nics 2 tests/lab/demo.sh
