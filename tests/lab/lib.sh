# Helpers for lab test scripts (bash), sourced inside the lab guest:
#
#   . "$KVMNET_LAB_DIR/lib.sh"
#
# Assertions record a failure and carry on, so one run reports every broken
# fact; lab_die stops at once.  At exit, the script's status becomes 1 if
# any assertion failed, and diagnostics (dmesg, libvirt and nested VM logs)
# are printed on failure and copied to $KVMNET_LAB_OUT, a directory kept on
# the host (tests/lab/run.sh prints its path).  Then a function lab_cleanup,
# if the test defined one, runs however the test ended.
#
# Outside the lab these helpers refuse to run: they write to sysfs and
# start daemons, which must never happen on a developer's machine.

if [ "${KVMNET_LAB:-}" != 1 ] || [ "$(hostname)" != kvmnet-lab ]; then
	echo "lib.sh: not inside the kvmnet lab; run this test with tests/lab/run.sh" >&2
	exit 125
fi

LAB_OUT=${KVMNET_LAB_OUT:-/tmp}
LAB_CACHE=${KVMNET_LAB_CACHE:-/var/cache/kvmnet-lab}
export LIBVIRT_DEFAULT_URI=qemu:///system
lab_checks=0
lab_failures=0

# --- reporting --------------------------------------------------------------

# Seconds since the lab booted, e.g. 12.34.
lab_now() { local t _; read -r t _ </proc/uptime; echo "$t"; }
# Seconds between two lab_now values, one decimal.
lab_since() { awk -v a="$(lab_now)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }

lab_log() { echo "[lab $(lab_now)s] $*"; }
lab_step() { echo; echo "=== [lab $(lab_now)s] $*"; }
# A measured time, in a line run-all.sh and humans can grep: LAB-TIME name=Ns
lab_time() { echo "LAB-TIME $1=$2s"; }

lab__fail() {
	lab_failures=$((lab_failures + 1))
	echo "FAIL: $*"
}
lab__pass() { echo "ok: $*"; }

lab_die() {
	echo "FATAL: $*"
	lab_failures=$((lab_failures + 1))
	exit 1
}

# lab_assert_eq EXPECTED ACTUAL WHAT
lab_assert_eq() {
	lab_checks=$((lab_checks + 1))
	if [ "$1" = "$2" ]; then
		lab__pass "$3 = '$2'"
	else
		lab__fail "$3: expected '$1', got '$2'"
	fi
}
# lab_assert_ne UNEXPECTED ACTUAL WHAT
lab_assert_ne() {
	lab_checks=$((lab_checks + 1))
	if [ "$1" != "$2" ]; then
		lab__pass "$3 = '$2' (not '$1')"
	else
		lab__fail "$3: must not be '$1'"
	fi
}
# lab_assert_match ERE TEXT WHAT: TEXT (any number of lines) matches ERE.
lab_assert_match() {
	lab_checks=$((lab_checks + 1))
	if printf '%s\n' "$2" | grep -Eq -- "$1"; then
		lab__pass "$3 matches /$1/"
	else
		lab__fail "$3: /$1/ not found in:"
		printf '%s\n' "$2" | sed 's/^/    | /'
	fi
}
# lab_assert_nomatch ERE TEXT WHAT
lab_assert_nomatch() {
	lab_checks=$((lab_checks + 1))
	if printf '%s\n' "$2" | grep -Eq -- "$1"; then
		lab__fail "$3: /$1/ unexpectedly found in:"
		printf '%s\n' "$2" | sed 's/^/    | /'
	else
		lab__pass "$3 does not match /$1/"
	fi
}
# lab_assert_ok WHAT CMD...: CMD succeeds.
lab_assert_ok() {
	local what=$1 out rc=0
	shift
	lab_checks=$((lab_checks + 1))
	out=$("$@" 2>&1) || rc=$?
	if [ $rc = 0 ]; then
		lab__pass "$what"
	else
		lab__fail "$what: '$*' exited $rc:"
		printf '%s\n' "$out" | sed 's/^/    | /'
	fi
}
# lab_assert_fails ERE WHAT CMD...: CMD fails and its stderr/stdout
# matches ERE (e.g. the errno text), so an unrelated failure does not pass.
lab_assert_fails() {
	local ere=$1 what=$2 out rc=0
	shift 2
	lab_checks=$((lab_checks + 1))
	out=$("$@" 2>&1) || rc=$?
	if [ $rc = 0 ]; then
		lab__fail "$what: '$*' succeeded, expected a failure /$ere/"
	elif printf '%s\n' "$out" | grep -Eq -- "$ere"; then
		lab__pass "$what (failed: $(printf '%s' "$out" | tail -n 1))"
	else
		lab__fail "$what: '$*' failed, but not with /$ere/:"
		printf '%s\n' "$out" | sed 's/^/    | /'
	fi
}

# lab_wait_for TIMEOUT WHAT CMD...: poll CMD until it succeeds.  Records a
# failure and returns 1 on timeout (under set -e that ends the test).
lab_wait_for() {
	local timeout=$1 what=$2 t0
	shift 2
	t0=$(lab_now)
	lab_checks=$((lab_checks + 1))
	while ! "$@" >/dev/null 2>&1; do
		if awk -v a="$(lab_now)" -v b="$t0" -v t="$timeout" 'BEGIN { exit !(a - b > t) }'; then
			lab__fail "$what: not true after ${timeout}s ($*)"
			return 1
		fi
		sleep 0.5
	done
	lab__pass "$what (after $(lab_since "$t0")s)"
}

# Diagnostics for a failed run; also saved under $LAB_OUT.
lab__diagnose() {
	echo "--- lab diagnostics (also in $LAB_OUT) ---"
	dmesg >"$LAB_OUT/dmesg.txt" 2>&1 || true
	echo "--- dmesg (last 40 lines)"
	tail -n 40 "$LAB_OUT/dmesg.txt"
	if [ -s "$LAB_OUT/libvirtd.log" ]; then
		echo "--- libvirtd.log (last 30 lines)"
		tail -n 30 "$LAB_OUT/libvirtd.log"
	fi
	local f
	for f in /var/log/libvirt/qemu/*.log; do
		[ -e "$f" ] || continue
		echo "--- $f (last 15 lines)"
		tail -n 15 "$f"
	done
	for f in "$LAB_OUT"/vm-*.console; do
		[ -e "$f" ] || continue
		echo "--- $f (last 15 lines)"
		tail -n 15 "$f"
	done
}

lab__on_exit() {
	local rc=$?
	set +e
	# Nested QEMU logs live in the guest's tmpfs; keep them.
	cp /var/log/libvirt/qemu/*.log "$LAB_OUT/" 2>/dev/null
	if [ $rc = 0 ] && [ $lab_failures -gt 0 ]; then
		rc=1
	fi
	[ $rc = 0 ] || lab__diagnose
	# A test's own clean-up (VMs, VFs, addresses), after the diagnostics
	# have seen them.
	if declare -F lab_cleanup >/dev/null; then
		lab_cleanup
	fi
	echo
	echo "lab: $lab_checks checks, $lab_failures failed, exit $rc, at $(lab_now)s"
	exit $rc
}
trap lab__on_exit EXIT

# --- PCI and SR-IOV -----------------------------------------------------------

LAB_PCI=/sys/bus/pci/devices

# The igb physical functions, one PCI address a line, in bus order.
lab_pfs() {
	local d
	for d in /sys/bus/pci/drivers/igb/0000:*; do
		[ -e "$d/sriov_totalvfs" ] && basename "$d"
	done | sort
}
# lab_pf_netdev PFADDR: its network interface, e.g. eth0.
lab_pf_netdev() { ls "$LAB_PCI/$1/net" 2>/dev/null | head -n 1; }
# lab_vfs PFADDR: its VFs' PCI addresses, in VF index order.
lab_vfs() {
	local i=0
	while [ -e "$LAB_PCI/$1/virtfn$i" ]; do
		basename "$(readlink -f "$LAB_PCI/$1/virtfn$i")"
		i=$((i + 1))
	done
}
# lab_vf PFADDR INDEX: the PCI address of VF INDEX.
lab_vf() { basename "$(readlink -f "$LAB_PCI/$1/virtfn$2")"; }
# lab_driver ADDR: the bound driver's name, or "none".
lab_driver() {
	if [ -e "$LAB_PCI/$1/driver" ]; then
		basename "$(readlink -f "$LAB_PCI/$1/driver")"
	else
		echo none
	fi
}
# lab_iommu_group ADDR: the IOMMU group number, or "none".
lab_iommu_group() {
	if [ -e "$LAB_PCI/$1/iommu_group" ]; then
		basename "$(readlink -f "$LAB_PCI/$1/iommu_group")"
	else
		echo none
	fi
}
# lab_sriov_set PFADDR N: make N VFs (through 0, as the kernel demands),
# leaving them without a driver.
lab_sriov_set() {
	echo 0 >"$LAB_PCI/$1/sriov_drivers_autoprobe"
	if [ "$(cat "$LAB_PCI/$1/sriov_numvfs")" != 0 ]; then
		echo 0 >"$LAB_PCI/$1/sriov_numvfs"
	fi
	[ "$2" = 0 ] || echo "$2" >"$LAB_PCI/$1/sriov_numvfs"
}
# lab_bind_vfio ADDR: bind a (driverless) device to vfio-pci.
lab_bind_vfio() {
	echo vfio-pci >"$LAB_PCI/$1/driver_override"
	echo "$1" >/sys/bus/pci/drivers_probe
}
# lab__pci_xml_addr 0000:01:10.2: that address as a libvirt <address>.
lab__pci_xml_addr() {
	local a=$1 dom bus slot fn
	dom=${a%%:*}
	a=${a#*:}
	bus=${a%%:*}
	a=${a#*:}
	slot=${a%%.*}
	fn=${a#*.}
	printf "<address type='pci' domain='0x%s' bus='0x%s' slot='0x%s' function='0x%s'/>" \
		"$dom" "$bus" "$slot" "$fn"
}

# --- libvirt and nested VMs ---------------------------------------------------

LAB_BRIDGE=kvmlab0

# lab_libvirt_start [cgroups]: start virtlogd and libvirtd (system
# instance) in the lab, configured for a chroot without systemd or
# namespaces.  By default QEMU gets no cgroups (cgroup_controllers = []).
# With "cgroups", libvirt puts each VM in a cgroup of its own under
# /sys/fs/cgroup/machine (cgroup2, mounted by lab-init.sh; libvirt itself
# enables memory and io in the root's cgroup.subtree_control) with the
# memory and blkio (io) controllers, so a VM's <memtune> and <blkiotune>
# become real memory.max, memory.high and io.max limits.  A libvirtd that
# runs in the other mode is restarted.  Idempotent.
lab_libvirt_start() {
	local mode=${1:-plain} t0 controllers='[]' pid
	t0=$(lab_now)
	case "$mode" in
		plain) ;;
		cgroups) controllers='[ "memory", "blkio" ]' ;;
		*) lab_die "lab_libvirt_start: mode $mode is neither plain nor cgroups" ;;
	esac
	if virsh -q version >/dev/null 2>&1; then
		[ "$(cat /run/kvmnet-lab-libvirt.mode 2>/dev/null || echo plain)" != "$mode" ] || return 0
		pid=$(cat /run/libvirtd.pid)
		kill "$pid"
		lab_wait_for 60 "libvirtd (pid $pid) stops to change mode" sh -c "! kill -0 $pid 2>/dev/null"
	fi
	# Written into the overlay's tmpfs upper layer; the host's files are
	# untouched.
	cat >/etc/libvirt/qemu.conf <<-EOF
		# kvmnet lab: no mount namespaces in the chroot, cgroups only when
		# a test asks; QEMU runs as root so it can read the cache and
		# write \$KVMNET_LAB_OUT.
		namespaces = []
		cgroup_controllers = $controllers
		user = "root"
		group = "root"
		dynamic_ownership = 0
		remember_owner = 0
		security_driver = "none"
	EOF
	echo "$mode" >/run/kvmnet-lab-libvirt.mode
	cat >/etc/libvirt/libvirtd.conf <<-EOF
		log_outputs = "3:file:$LAB_OUT/libvirtd.log"
	EOF
	# The lab starts with no VMs: the host's persistent domains would show
	# up in every listing, and its autostarted networks would need dnsmasq
	# and a firewall.  (Deleted in the overlay only.)
	rm -f /etc/libvirt/qemu/*.xml /etc/libvirt/qemu/autostart/*.xml \
		/etc/libvirt/qemu/networks/autostart/*.xml
	mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/cache/libvirt/qemu /run/libvirt
	virtlogd -d 2>/dev/null || pidof virtlogd >/dev/null || lab_die "virtlogd -d failed"
	libvirtd -d || lab_die "libvirtd -d failed"
	local i=0
	until virsh -q version >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 240 ] || lab_die "libvirtd did not answer within 120s"
		sleep 0.5
	done
	# The first domain operation probes QEMU's capabilities (slow under
	# TCG); do it now so that step timings are about the step.
	virsh -q capabilities >/dev/null || lab_die "virsh capabilities failed"
	virsh -q domcapabilities --virttype qemu >/dev/null 2>&1 || true
	lab_time libvirt_start "$(lab_since "$t0")"
}

# lab_disk: the /sys/block name of the disk run.sh --disk gave the lab
# (virtio-blk, serial kvmnet-lab-disk), e.g. vda; fails without one.
lab_disk() {
	local d
	for d in /sys/block/*; do
		[ "$(cat "$d/serial" 2>/dev/null)" = kvmnet-lab-disk ] && { basename "$d"; return 0; }
	done
	return 1
}

# A bridge for the nested VMs' virtio NICs (no DHCP, no firewall).
lab_bridge_ensure() {
	[ -e "/sys/class/net/$LAB_BRIDGE" ] && return 0
	ip link add "$LAB_BRIDGE" type bridge
	ip link set "$LAB_BRIDGE" up
}

# lab_vm_console NAME: the file the VM's serial console goes to.
lab_vm_console() { echo "$LAB_OUT/vm-$1.console"; }

# lab_vm_mac NAME: the MAC of the VM's virtio NIC, stable and distinct per
# name, in the locally administered range.
lab_vm_mac() {
	printf '%s' "$1" | md5sum | sed 's/^\(..\)\(..\)\(..\).*/52:54:01:\1:\2:\3/'
}

# lab_vm_define NAME [MEM_MIB] [bare|linux]: define a small nested VM (TCG,
# q35, one virtio NIC on $LAB_BRIDGE with the MAC of lab_vm_mac, spare PCIe
# root ports for hot-plug, serial console to a file).
#
#   bare   (default) no operating system: the firmware finds nothing to boot
#          and idles.  It starts at once and costs no CPU, and QEMU unplugs
#          a hot-plugged device at once because no guest has powered its
#          slot on.  Enough for everything libvirt and the host see.
#   linux  Debian's generic kernel with the busybox init of nested-init.sh,
#          which reports PCI devices and NICs coming and going on its
#          console, drives a VF with igbvf, and runs the QEMU guest agent
#          (on the channel org.qemu.guest_agent.0 this adds) and has iperf3.
#          Booting it under TCG inside TCG takes two to three minutes,
#          longer for two at once; the agent answers some 20 s after.
#
# LAB_VM_HUGEPAGES=1 backs the VM's RAM with 2 MiB huge pages of the lab
# host (reserve them first: lab_hugepages_reserve).  A VF's DMA goes
# through the lab's emulated IOMMU, and QEMU's igb maps each TX buffer
# only as far as the lab host's pages behind it are contiguous: a frame
# whose buffer crosses a 4 KiB boundary between two pages that are not
# neighbours is dropped, every time it is sent again, silently.  Huge
# pages keep every buffer the guest's kernel sends (inside one 32 KiB
# page fragment) in one contiguous piece.  Real NICs have no such limit.
#
# LAB_VM_CMDLINE is appended to a linux VM's kernel command line, e.g.
# "kvmnet.ip=$(lab_vm_mac NAME)=198.51.100.11/24" (repeatable, also for the
# MAC of a VF attached later): nested-init.sh puts that address on the NIC
# with that MAC, at boot or when it appears.
lab_vm_define() {
	local name=$1 mem=${2:-128} kind=${3:-bare} xml mac os ports agent= balloon="<memballoon model='none'/>" backing=
	lab_bridge_ensure
	# LAB_VM_BALLOON=PERIOD: a virtio balloon whose guest statistics come
	# every PERIOD seconds (linux VMs load virtio_balloon).
	[ -z "${LAB_VM_BALLOON:-}" ] ||
		balloon="<memballoon model='virtio'><stats period='$LAB_VM_BALLOON'/></memballoon>"
	[ -z "${LAB_VM_HUGEPAGES:-}" ] || backing="<memoryBacking><hugepages/></memoryBacking>"
	mac=$(lab_vm_mac "$name")
	case "$kind" in
		bare) os="" ;;
		linux)
			# The uncompressed kernel, booted through its PVH entry
			# (see prepare.sh).  The options only shorten a TCG boot:
			# no crypto self-tests, no IO-APIC timer check, expedited
			# RCU grace periods; together some 10 to 15% of it.
			os="<kernel>$LAB_CACHE/nested/vmlinux</kernel>
		    <initrd>$LAB_CACHE/nested/initrd.img</initrd>
		    <cmdline>console=ttyS0 loglevel=4 panic=-1 cryptomgr.notests no_timer_check rcupdate.rcu_expedited=1 ${LAB_VM_CMDLINE:-}</cmdline>"
			agent="<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>" ;;
		*) lab_die "lab_vm_define: kind $kind is neither bare nor linux" ;;
	esac
	# q35 hot-plugs only into empty root ports; four leave room for VFs.
	ports="<controller type='pci' index='0' model='pcie-root'/>"
	for _ in 1 2 3 4; do
		ports="$ports<controller type='pci' model='pcie-root-port'/>"
	done
	xml=$(mktemp /tmp/lab-vm-XXXXXX.xml)
	cat >"$xml" <<-EOF
		<domain type='qemu'>
		  <name>$name</name>
		  <description>kvmnet lab VM, kind $kind</description>
		  <memory unit='MiB'>$mem</memory>
		  $backing
		  <vcpu>1</vcpu>
		  <os>
		    <type arch='x86_64' machine='q35'>hvm</type>
		    $os
		  </os>
		  <features><acpi/></features>
		  <on_poweroff>destroy</on_poweroff>
		  <on_reboot>destroy</on_reboot>
		  <on_crash>destroy</on_crash>
		  <devices>
		    <interface type='bridge'>
		      <source bridge='$LAB_BRIDGE'/>
		      <mac address='$mac'/>
		      <model type='virtio'/>
		    </interface>
		    <serial type='file'>
		      <source path='$(lab_vm_console "$name")'/>
		      <target port='0'/>
		    </serial>
		    $agent
		    $ports
		    <controller type='usb' model='none'/>
		    $balloon
		  </devices>
		</domain>
	EOF
	: >"$(lab_vm_console "$name")"
	virsh -q define "$xml" >/dev/null || lab_die "virsh define $name failed"
	rm -f "$xml"
}

# lab_hugepages_reserve MIB: MIB more of 2 MiB huge pages in the lab
# host's pool, for VMs defined with LAB_VM_HUGEPAGES=1 (dies when the
# kernel cannot find them: memory too fragmented; reserve early).
# lab_hugepages_release gives the pool back to the kernel.
lab_hugepages_reserve() {
	local want have try
	# Checked first: without the mount the pages would be held for nothing.
	grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts || lab_die "no hugetlbfs on /dev/hugepages (lab-init.sh mounts it)"
	want=$(($(cat /proc/sys/vm/nr_hugepages) + ($1 + 1) / 2))
	# Late in a boot free memory is in pieces: compact it, and ask again
	# (each write compacts what it can).
	for try in 1 2 3; do
		echo 1 >/proc/sys/vm/compact_memory
		echo "$want" >/proc/sys/vm/nr_hugepages
		have=$(cat /proc/sys/vm/nr_hugepages)
		[ "$have" -lt "$want" ] || return 0
	done
	lab_die "the lab host found $have of $want huge pages after $try tries"
}
lab_hugepages_release() { echo 0 >/proc/sys/vm/nr_hugepages; }

# lab_vm_kind NAME: bare or linux, as defined.
lab_vm_kind() {
	virsh -q dumpxml --inactive "$1" | sed -n 's/.*<description>kvmnet lab VM, kind \(.*\)<\/description>.*/\1/p'
}

# lab_vm_start NAME [TIMEOUT]: start it; for a linux VM, wait until its
# init reports in.  To boot several linux VMs at once, virsh start them and
# wait with lab_vm_wait_console.
lab_vm_start() {
	local name=$1 timeout=${2:-300} t0
	t0=$(lab_now)
	: >"$(lab_vm_console "$name")"
	virsh -q start "$name" >/dev/null || lab_die "virsh start $name failed"
	if [ "$(lab_vm_kind "$name")" = linux ]; then
		lab_vm_wait_console "$name" '^KVMNET-NESTED-READY' "$timeout" "VM $name booted"
	fi
	lab_time "vm_start_$name" "$(lab_since "$t0")"
}
# lab_vm_wait_console NAME ERE TIMEOUT WHAT: wait for a console line.
lab_vm_wait_console() {
	lab_wait_for "$3" "$4" grep -Eaq -- "$2" "$(lab_vm_console "$1")"
}
# lab_vm_destroy NAME / lab_vm_undefine NAME: stop (pull the plug) / forget.
lab_vm_destroy() { virsh -q destroy "$1" >/dev/null; }
lab_vm_undefine() { virsh -q undefine "$1" >/dev/null; }
# lab_vm_state NAME: running, shut off, ...
lab_vm_state() { virsh -q domstate "$1" 2>/dev/null | head -n 1; }

# lab_vf_xml VFADDR MAC [VLAN]: an <interface type='hostdev'> for a VF.
lab_vf_xml() {
	echo "<interface type='hostdev' managed='yes'>"
	echo "  <mac address='$2'/>"
	echo "  <source>$(lab__pci_xml_addr "$1")</source>"
	[ -z "${3:-}" ] || echo "  <vlan><tag id='$3'/></vlan>"
	echo "</interface>"
}
# lab_vf_attach DOMAIN VFADDR MAC [VLAN]: hot-plug a VF into a running VM.
lab_vf_attach() {
	local xml rc=0
	xml=$(mktemp /tmp/lab-vf-XXXXXX.xml)
	lab_vf_xml "$2" "$3" "${4:-}" >"$xml"
	virsh -q attach-device "$1" "$xml" --live || rc=$?
	rm -f "$xml"
	return $rc
}
# lab_vf_detach DOMAIN VFADDR MAC [VLAN]: unplug it.  A linux VM must
# agree (PCIe hotplug); libvirt waits a few seconds for that, then returns
# while the unplug may still be pending.
lab_vf_detach() {
	local xml rc=0
	xml=$(mktemp /tmp/lab-vf-XXXXXX.xml)
	lab_vf_xml "$2" "$3" "${4:-}" >"$xml"
	virsh -q detach-device "$1" "$xml" --live || rc=$?
	rm -f "$xml"
	return $rc
}

# --- the guest agent of linux VMs -------------------------------------------

# lab_vm_agent DOMAIN JSON: one guest agent command; its JSON answer.
lab_vm_agent() { virsh -q qemu-agent-command --timeout 60 "$1" "$2"; }
# lab_vm_wait_agent DOMAIN TIMEOUT: wait until the agent answers a ping.
lab_vm_wait_agent() {
	lab_wait_for "$2" "guest agent of $1 answers" \
		lab_vm_agent "$1" '{"execute":"guest-ping"}'
}
# lab_vm_exec DOMAIN TIMEOUT PROGRAM [ARG...]: run PROGRAM in the guest
# through the agent (guest-exec, PATH searched), wait up to TIMEOUT
# seconds for it to end, print its stdout (and its stderr on ours) and
# return its exit code; 124 on timeout, 125 when the agent failed.
lab_vm_exec() {
	local dom=$1 timeout=$2 prog=$3 a args=() cmd pid st t0
	shift 3
	# Each argument as a JSON string (jq's --args would take "-c" as its
	# own option).
	for a in "$@"; do
		args+=("$(printf '%s' "$a" | jq -Rs .)")
	done
	cmd=$(IFS=,; printf '{"execute":"guest-exec","arguments":{"path":%s,"arg":[%s],"capture-output":true}}' \
		"$(printf '%s' "$prog" | jq -Rs .)" "${args[*]}")
	pid=$(lab_vm_agent "$dom" "$cmd" | jq -er .return.pid) || return 125
	t0=$(lab_now)
	while :; do
		st=$(lab_vm_agent "$dom" "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}") ||
			return 125
		[ "$(jq -r .return.exited <<<"$st")" != true ] || break
		if awk -v a="$(lab_now)" -v b="$t0" -v t="$timeout" 'BEGIN { exit !(a - b > t) }'; then
			return 124
		fi
		sleep 0.5
	done
	jq -r '.return["out-data"] // empty' <<<"$st" | base64 -d
	jq -r '.return["err-data"] // empty' <<<"$st" | base64 -d >&2
	return "$(jq -r '.return.exitcode // 125' <<<"$st")"
}
