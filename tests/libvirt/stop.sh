#!/bin/bash
# Stop what start.sh DIR started: the QEMU processes of its domains (by the
# pid files libvirt wrote under DIR), then libvirtd and virtlogd (by their
# pid files), then remove DIR.  Only processes of this instance are touched.  Safe to run twice or after a failed start.
set -uo pipefail

dir=${1:?usage: stop.sh DIR}
[ -d "$dir" ] || exit 0

# TERM, then KILL after 2 s: a test instance has nothing worth a slow exit.
stop_pid() {
	local pid=$1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 20); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}

# QEMU first (driver.pid there is libvirtd's own), then the daemons.
for f in "$dir"/run/libvirt/qemu/*.pid; do
	[ "${f##*/}" = driver.pid ] && continue
	[ -f "$f" ] && stop_pid "$(cat "$f")"
done
# Both daemons take about 2 s to honour TERM; a throw-away instance whose
# domains are already gone has nothing to save, so KILL them.
for f in "$dir"/run/libvirtd.pid "$dir"/run/virtlogd.pid; do
	[ -f "$f" ] || continue
	pid=$(cat "$f")
	kill -KILL "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
done
rm -rf "$dir"
