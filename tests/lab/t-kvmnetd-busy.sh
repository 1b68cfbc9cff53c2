#!/bin/bash
# lab: nics=1
# kvmnetd's control socket while its loop waits for a guest to release a
# VF: the lab demo's case, where `kvmnetctl status` used to time out.
#
# threshold 2, two nested VMs of kind bare (no OS), so the split starts and
# each gets a VF of the one igb PF.  vm-2 stops: below the threshold, and
# after min_dwell kvmnetd detaches vm-1's VF.  vm-1 has no OS to
# acknowledge the unplug, and libvirt waits for it (some seconds) inside
# virDomainDetachDeviceFlags(): kvmnetd's main loop is blocked there, for
# real.  Meanwhile a client asks the socket every 0.2 s (python, the raw
# round trip with the client's 1 s timeout) and `kvmnetctl status` runs
# in a loop; every answer must come, and one must say
# "busy: detach PF ... VF ... from VM vm-1".
# Env: KVMNET_BUILD_DIR = the meson build dir.
set -eu
. "$KVMNET_LAB_DIR/lib.sh"

B=${KVMNET_BUILD_DIR:?KVMNET_BUILD_DIR not set}
K=$B/src/cli/kvmnetctl
modprobe vfio-pci
pf=$(lab_pfs | head -n 1)
[ -n "$pf" ] || lab_die "no igb PF"
ip link set "$(lab_pf_netdev "$pf")" up
T=$(mktemp -d /var/tmp/kvmnet-lab-busy.XXXXXX)

lab_libvirt_start
lab_vm_define vm-1
lab_vm_define vm-2
mkdir "$T/state"
cat >"$T/kvmnetd.conf" <<CONF
[libvirt]
uri = qemu:///system
[sriov]
pf = $pf
threshold = 2
vfs_per_vm = 1
min_dwell = 3s
[daemon]
state_dir = $T/state
log_level = debug
CONF
"$B/kvmnetd" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log" &
dpid=$!
# lib.sh's exit handler counts the checks and then calls this: the VMs go,
# so that the next test of the boot finds none of them.
lab_cleanup() {
	kill "$dpid" 2>/dev/null || true
	cp "$T/log" "$LAB_OUT/kvmnetd-busy.log" 2>/dev/null || true
	for vm in vm-1 vm-2; do
		lab_vm_destroy "$vm" 2>/dev/null || true
		lab_vm_undefine "$vm" 2>/dev/null || true
	done
}
lab_wait_for 30 "kvmnetd is up" grep -q "kvmnetd running" "$T/log"

lab_vm_start vm-1
lab_vm_start vm-2
lab_wait_for 120 "both VMs got a VF" sh -c "[ \$(grep -c 'attach PF .* to VM vm-[12] with MAC' '$T/log') = 2 ]"

# The asker: the socket's raw round trip every 0.2 s, one line each:
# "<ms> <busy.for_ms> <busy.doing>" ("- idle" when not busy) or
# "TIMEOUT <error>".
python3 -u - "$T/sock" >"$T/asked" <<'PY' &
import json, socket, sys, time
end = time.monotonic() + 40
while time.monotonic() < end:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(1.0)
    t = time.monotonic()
    try:
        s.connect(sys.argv[1])
        s.sendall(b"status\n")
        d = b""
        while True:
            c = s.recv(65536)
            if not c:
                break
            d += c
        busy = json.loads(d).get("busy")
        print("%.2f %s" % ((time.monotonic() - t) * 1000,
                           "%d %s" % (busy["for_ms"], busy["doing"]) if busy else "- idle"))
    except Exception as e:
        print("TIMEOUT %s" % e)
    s.close()
    time.sleep(0.2)
PY
asker=$!
# kvmnetctl status in a loop beside it (its own work, sysfs and libvirt,
# is slow under TCG; the daemon section must never say "not running").
(
	end=$((SECONDS + 40))
	while [ $SECONDS -lt $end ]; do
		KVMNET_CTL_SOCKET=$T/sock "$K" status 2>&1 | sed -n '/^kvmnetd/,/^    busy/p' | grep -E "^kvmnetd|busy:" | tr '\n' '|'
		echo
	done
) >"$T/status-loop" &
sloop=$!

t_stop=$(lab_now)
lab_vm_destroy vm-2
lab_wait_for 60 "kvmnetd asks vm-1 to release its VF" grep -q "^detach PF $pf VF [0-9]* (.*) from VM vm-1" "$T/log"
lab_log "the first detach returned $(lab_since "$t_stop")s after virsh destroy vm-2 began (min_dwell 3 s)"
wait "$asker" || true
wait "$sloop" || true
cp "$T/asked" "$LAB_OUT/kvmnetd-busy.asked"

answered=$(grep -vc '^TIMEOUT' "$T/asked" || true)
lab_assert_eq "0" "$(grep -c '^TIMEOUT' "$T/asked" || true)" "every raw request answered within 1 s ($answered asked)"
lab_log "raw round trip: max $(awk '$1 != "TIMEOUT" { if ($1 > m) m = $1 } END { print m }' "$T/asked") ms, median $(awk '$1 != "TIMEOUT" { print $1 }' "$T/asked" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') ms"
busy_n=$(grep -c " detach PF $pf VF [0-9]* (.*) from VM vm-1$" "$T/asked" || true)
lab_log "answers while the detach was pending: $busy_n (0.2 s apart); the longest one call held the loop: $(awk '/ detach PF / { if ($2 > m) m = $2 } END { print m + 0 }' "$T/asked") ms or more"
lab_assert_ok "an answer said the loop was detaching vm-1's VF" test "$busy_n" -ge 1
lab_assert_nomatch "not running" "$(cat "$T/status-loop")" "kvmnetctl status always reached the daemon"
lab_assert_match "busy: detach PF $pf VF [0-9]+ \(.*\) from VM vm-1 \(for [0-9.]+ s\)" "$(cat "$T/status-loop")" \
	"kvmnetctl status showed the busy line"
grep "busy:" "$T/status-loop" | head -n 3 | sed 's/^/  /'

lab_vm_destroy vm-1
kill -TERM "$dpid"
wait "$dpid" && rc=0 || rc=$?
lab_assert_eq 0 "$rc" "kvmnetd stopped cleanly"
lab_assert_ok "control socket removed" test ! -e "$T/sock"
