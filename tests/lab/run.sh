#!/bin/bash
# Boot the lab (an emulated SR-IOV host: QEMU TCG, q35 with an Intel IOMMU
# and N igb NICs, Debian's 6.1 kernel) and run one test script inside it,
# as root, in a chroot of this machine's root.  Exits with the script's
# exit status, or 125 when the lab itself failed (did not boot, crashed,
# timed out): that is never a silent skip.
#
#   tests/lab/run.sh [--nics N] [--numa NODES] [--mem MIB] [--disk SIZE]
#                    [--log FILE] [--quiet] TEST_SCRIPT [ARGS...]
#
# --numa NODES (2 or more; default 0, no NUMA) gives the lab NODES NUMA
# nodes, the vCPUs and memory split evenly between them, and one pxb-pcie
# expander bus per node with numa_node= set; NIC i sits behind a root port
# on node i mod NODES's bus, so each PF's sysfs numa_node is its node.
#
# --disk SIZE gives the lab a virtio-blk disk (serial kvmnet-lab-disk) of
# SIZE (truncate's sizes: 64M), backed by a sparse raw image in the run
# directory; lib.sh's lab_disk names it.
#
# Environment:
#   KVMNET_LAB_CACHE    cache dir of prepare.sh (default /var/cache/kvmnet-lab)
#   KVMNET_LAB_TIMEOUT  seconds before the lab is killed (default 900)
#   KVMNET_LAB_SMP      vCPUs of the lab (default 2)
#   KVMNET_*            every such variable is passed into the test, e.g.
#                       KVMNET_BUILD_DIR (the meson build directory)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
cache=${KVMNET_LAB_CACHE:-/var/cache/kvmnet-lab}
timeout=${KVMNET_LAB_TIMEOUT:-900}
smp=${KVMNET_LAB_SMP:-2}
nics=2
numa=0
mem=2048
disk=
log=
quiet=0

# Exit status for "the lab did not deliver a test result".
LAB_FAILED=125

usage() {
	sed -n '8,9p' "$0" | sed 's/^# *//' >&2
	exit 2
}
lab_fail() {
	echo "" >&2
	echo "run.sh: LAB FAILED: $*" >&2
	echo "run.sh: console log: $log" >&2
	exit $LAB_FAILED
}

while [ $# -gt 0 ]; do
	case "$1" in
		--nics) nics=$2; shift 2 ;;
		--numa) numa=$2; shift 2 ;;
		--mem) mem=$2; shift 2 ;;
		--disk) disk=$2; shift 2 ;;
		--log) log=$2; shift 2 ;;
		--quiet) quiet=1; shift ;;
		-h | --help) usage ;;
		--) shift; break ;;
		-*) echo "run.sh: unknown option $1" >&2; usage ;;
		*) break ;;
	esac
done
[ $# -ge 1 ] || usage
case "$nics" in '' | *[!0-9]*) echo "run.sh: --nics wants a number" >&2; exit 2 ;; esac
case "$mem" in '' | *[!0-9]*) echo "run.sh: --mem wants MiB" >&2; exit 2 ;; esac
[ "$nics" -le 16 ] || { echo "run.sh: at most 16 NICs" >&2; exit 2; }
case "$numa" in '' | *[!0-9]*) echo "run.sh: --numa wants a number of nodes" >&2; exit 2 ;; esac
if [ "$numa" -gt 0 ]; then
	[ "$numa" -ge 2 ] || { echo "run.sh: --numa wants 2 nodes or more (0: none)" >&2; exit 2; }
	[ $((smp % numa)) = 0 ] && [ $((mem % numa)) = 0 ] ||
		{ echo "run.sh: --numa $numa must divide the vCPUs ($smp) and the MiB ($mem)" >&2; exit 2; }
fi
case "$disk" in '' | [1-9]*[0-9KMG]) ;; *) echo "run.sh: --disk wants a size like 64M" >&2; exit 2 ;; esac

test_script=$(realpath -e "$1") || { echo "run.sh: $1 not found" >&2; exit 2; }
shift

"$here/prepare.sh" || { echo "run.sh: prepare.sh failed" >&2; exit $LAB_FAILED; }

# One directory per run, on the host, shared read-write with the guest at
# the same path: the job script, the exit status and whatever the test
# leaves in $KVMNET_LAB_OUT (libvirtd log, nested VM consoles) land there.
mkdir -p "$cache/runs"
rundir=$(mktemp -d "$cache/runs/$(date +%Y%m%d-%H%M%S)-XXXX")
chmod 755 "$rundir"
ln -sfn "$rundir" "$cache/runs/last"
# Keep the 20 newest runs (and run-all.sh console logs).
ls -1dt "$cache"/runs/2* 2>/dev/null | tail -n +21 | xargs -r rm -rf
ls -1t "$cache"/runs/run-all-*.log 2>/dev/null | tail -n +21 | xargs -r rm -f
[ -n "$log" ] || log=$rundir/console.log
mkdir -p "$(dirname "$log")"
log=$(realpath "$(dirname "$log")")/$(basename "$log")
: >"$log"

# The job runs in the chroot under bash.  Values are quoted with %q so that
# any path or argument survives.
{
	echo "#!/bin/bash"
	echo "# Written by tests/lab/run.sh; run by the lab's init in the chroot."
	echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	echo "export HOME=/root LANG=C.UTF-8 TERM=dumb"
	# A meson build dir next to the sources is the usual layout; a caller
	# can point elsewhere with KVMNET_BUILD_DIR.
	if [ -z "${KVMNET_BUILD_DIR:-}" ] && [ -e "$src/build/build.ninja" ]; then
		printf 'export KVMNET_BUILD_DIR=%q\n' "$src/build"
	fi
	for v in $(compgen -e); do
		case "$v" in KVMNET_*) printf 'export %s=%q\n' "$v" "${!v}" ;; esac
	done
	printf 'export KVMNET_LAB=1 KVMNET_LAB_NICS=%q KVMNET_LAB_NUMA=%q KVMNET_LAB_CACHE=%q\n' "$nics" "$numa" "$cache"
	printf 'export KVMNET_LAB_OUT=%q KVMNET_LAB_DIR=%q KVMNET_SRC_DIR=%q\n' "$rundir" "$here" "$src"
	printf 'cd %q || exit 125\n' "$PWD"
	printf 'echo "KVMNET-LAB-TEST-BEGIN "%q\n' "$test_script"
	printf 'if [ -x %q ]; then exec %q' "$test_script" "$test_script"
	printf ' %q' "$@"
	printf '; else exec /bin/bash %q' "$test_script"
	printf ' %q' "$@"
	printf '; fi\n'
} >"$rundir/job.sh"

qemu=(qemu-system-x86_64 -nodefaults -no-user-config -display none
	-machine q35,kernel-irqchip=split -accel tcg,thread=multi
	-cpu max -smp "$smp" -m "$mem"
	# The IOMMU must come before the devices it translates for.
	-device intel-iommu,intremap=on,caching-mode=on
	-kernel "$cache/lab/vmlinuz" -initrd "$cache/lab/initrd.img"
	# no_timer_check: under TCG on a loaded host the IO-APIC timer test
	# can miss its ticks and panic the boot ("timer doesn't work through
	# Interrupt-remapped IO-APIC"); the nested VMs skip it too.
	-append "console=ttyS0 loglevel=4 intel_iommu=on iommu=pt panic=-1 no_timer_check kvmnet.run=$rundir"
	-no-reboot
	-chardev "file,id=con,path=$log,append=on" -serial chardev:con
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$rundir,mount_tag=labrun,security_model=none"
)
# A disk whose queue is the kernel's own (io_scheduler, io.max): a sparse
# image in the run directory, gone with the run.
if [ -n "$disk" ]; then
	truncate -s "$disk" "$rundir/disk.img" || lab_fail "cannot make a $disk disk image in $rundir"
	qemu+=(-drive "file=$rundir/disk.img,format=raw,if=none,id=disk0,cache=unsafe"
		-device "virtio-blk-pci,drive=disk0,serial=kvmnet-lab-disk")
fi
# One igb per PCIe root port: two igb on one bus collide on their VF
# routing IDs.  All NICs sit on one QEMU hub, so the PFs (and their VFs)
# can reach each other.
# With NUMA: memory and vCPUs split evenly, and per node a pxb-pcie
# expander bus (its own bus numbers, 32 apart) whose ACPI _PXM is the node.
for ((n = 0; n < numa; n++)); do
	per=$((smp / numa))
	qemu+=(-object "memory-backend-ram,id=mem$n,size=$((mem / numa))M"
		-numa "node,nodeid=$n,cpus=$((n * per))-$((n * per + per - 1)),memdev=mem$n"
		-device "pxb-pcie,id=pxb$n,bus_nr=$((32 * (n + 1))),numa_node=$n,bus=pcie.0")
done
for ((i = 0; i < nics; i++)); do
	bus=pcie.0
	[ "$numa" = 0 ] || bus=pxb$((i % numa))
	qemu+=(-device "pcie-root-port,id=rp$i,bus=$bus,chassis=$((i + 1)),slot=$((i + 1))"
		-netdev "hubport,id=net$i,hubid=0"
		-device "igb,bus=rp$i,netdev=net$i,mac=52:54:00:4b:00:$(printf %02x "$i")")
done

nodes=
[ "$numa" = 0 ] || nodes=" on $numa NUMA nodes"
echo "run.sh: lab with $nics igb NIC(s)$nodes, ${mem} MiB, $smp vCPU(s)${disk:+, a $disk disk}; test $test_script" >&2
echo "run.sh: console log $log" >&2
t0=$(date +%s.%N)
"${qemu[@]}" </dev/null >"$rundir/qemu.out" 2>&1 &
qpid=$!
tpid=
# Never leave a QEMU behind, whatever ends this script.
trap 'kill $qpid 2>/dev/null; [ -z "$tpid" ] || kill $tpid 2>/dev/null' EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM HUP
if [ "$quiet" = 0 ]; then
	tail -n +1 -f --pid=$qpid "$log" &
	tpid=$!
fi

timed_out=0
t_ready=
while kill -0 $qpid 2>/dev/null; do
	now=$(date +%s.%N)
	if [ -z "$t_ready" ] && grep -aq '^KVMNET-LAB-READY' "$log"; then
		t_ready=$now
	fi
	if awk -v a="$now" -v b="$t0" -v t="$timeout" 'BEGIN { exit !(a - b > t) }'; then
		timed_out=1
		kill $qpid 2>/dev/null || true
		break
	fi
	sleep 1
done
wait $qpid && qrc=0 || qrc=$?
t_end=$(date +%s.%N)
if [ -n "$tpid" ]; then
	wait $tpid 2>/dev/null || true
	tpid=
fi
trap - EXIT

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a - b }'; }
total=$(secs "$t_end" "$t0")
[ "$timed_out" = 0 ] || lab_fail "timed out after ${timeout}s (KVMNET_LAB_TIMEOUT)"

status=$(grep -ao 'KVMNET-LAB-EXIT=[0-9]*' "$log" | tail -n 1 | cut -d= -f2)
if [ -z "$status" ]; then
	sed 's/^/run.sh: qemu: /' "$rundir/qemu.out" >&2
	if [ -n "$t_ready" ]; then
		lab_fail "the lab booted but died before the test ended (QEMU exit $qrc)"
	fi
	lab_fail "the lab did not boot (QEMU exit $qrc)"
fi
grep -ao '^KVMNET-LAB-ERROR.*' "$log" >&2 || true

if [ -n "$t_ready" ]; then
	echo "run.sh: timings: boot $(secs "$t_ready" "$t0")s, test $(secs "$t_end" "$t_ready")s, total ${total}s" >&2
else
	echo "run.sh: timings: total ${total}s" >&2
fi
echo "run.sh: exit status $status; console log $log" >&2
exit "$status"
