#!/bin/bash
# lab: nics=2
#
# The scenario of t-kernel-sriov.sh with a nested VM that boots Linux (the
# cloud kernel and nested-init.sh), so that the hot-plugged VF is also seen
# from inside the VM and the live unplug completes.  Slow: the nested VM
# boots under TCG inside TCG, 2 to 3 minutes.
set -eu
KVMNET_LAB_NESTED=linux exec bash "$(dirname "$0")/t-kernel-sriov.sh"
