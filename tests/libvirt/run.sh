#!/bin/bash
# meson test suite 'libvirt':  run.sh PROGRAM [ARGS...]
# Starts a private libvirtd (start.sh), gives it a veth pair kvv0/kvv1 in
# its network namespace for macvtap, runs PROGRAM with $KVMNET_TEST_URI
# set, and stops everything (stop.sh) however PROGRAM ends.
# Exit 77 (skip) only when not root; a libvirtd that cannot start fails.
set -uo pipefail

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: needs root to start libvirtd; skipping" >&2
	exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/kvmnet-libvirt.XXXXXX) || exit 1
trap '"$here/stop.sh" "$dir"' EXIT
trap 'exit 130' INT TERM

uri=$("$here/start.sh" "$dir") || { echo "run.sh: libvirtd did not start" >&2; exit 1; }
nsenter --net="/proc/$(cat "$dir/run/libvirtd.pid")/ns/net" sh -ec '
	ip link add kvv0 type veth peer name kvv1
	ip link set kvv0 up
	ip link set kvv1 up
' || { echo "run.sh: cannot create the veth pair in libvirtd's namespace" >&2; exit 1; }
export KVMNET_TEST_URI=$uri KVMNET_TEST_DIR=$dir
"$@"
