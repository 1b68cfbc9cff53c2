#!/bin/bash
# kvmnetctl irq on this machine's real /proc/irq: pin the vectors of the
# first NIC that has MSI/MSI-X vectors to one CPU, check that
# smp_affinity_list reads back and that every vector that fires afterwards
# fires there, then restore every original affinity.  Skips (77) when not
# root or no NIC has vectors.  Usage: test-irq-real.sh KVMNETCTL
set -u
ctl=$1
unset KVMNET_SYSROOT
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
nic=
for d in /sys/class/net/*; do
	n=${d##*/}
	if [ -n "$("$ctl" irq show "$n" --json 2>/dev/null | jq -r '.nics[0].vectors[0].irq // empty')" ]; then
		nic=$n
		break
	fi
done
[ -n "$nic" ] || { echo "SKIP: no NIC with MSI vectors"; exit 77; }
irqs=$("$ctl" irq show "$nic" --json | jq -r '.nics[0].vectors[].irq')
declare -A saved
for i in $irqs; do saved[$i]=$(cat /proc/irq/$i/smp_affinity_list); done
restore() { for i in "${!saved[@]}"; do echo "${saved[$i]}" >/proc/irq/$i/smp_affinity_list 2>/dev/null; done; }
trap restore EXIT

fail=0
# Pin to the first online CPU, then to the last, so each vector has to
# move at least once whichever CPU it fired on before.
online=$(cat /sys/devices/system/cpu/online)
first=${online%%[-,]*}
last=${online##*[-,]}
traffic() {
	for _ in $(seq 50); do echo kvmnet >/dev/udp/"$gw"/9; done 2>/dev/null
	sleep 0.3
}
pin_and_check() {
	local target=$1 rc b a bt at eff sel pinned allowed
	echo "pinning $nic vectors ($(echo $irqs)) to CPU $target"
	"$ctl" irq pin "$nic" "$target"
	rc=$?
	for i in $irqs; do
		got=$(cat /proc/irq/$i/smp_affinity_list)
		[ "$got" = "$target" ] || { echo "FAIL: irq $i smp_affinity_list is $got, not $target"; fail=1; }
	done
	[ "$rc" = 0 ] || { echo "FAIL: pin exited $rc"; fail=1; }
	# Make the NIC's queues fire (UDP to the gateway, if any) twice: the
	# first round lets x86 finish the deferred moves (the interrupt that
	# triggers a move still lands on the old CPU); in the second, every
	# vector that fires must fire on the target CPU.
	gw=$(ip route show default dev "$nic" 2>/dev/null | awk '{print $3; exit}')
	[ -n "$gw" ] || return 0
	pinned=$("$ctl" irq show "$nic" --json)
	traffic
	before=$("$ctl" irq show "$nic" --json)
	traffic
	after=$("$ctl" irq show "$nic" --json)
	for i in $irqs; do
		sel=".nics[0].vectors[] | select(.irq == $i)"
		b=$(jq "$sel | .total" <<<"$before")
		a=$(jq "$sel | .total" <<<"$after")
		bt=$(jq "$sel | .counts[\"$target\"] // 0" <<<"$before")
		at=$(jq "$sel | .counts[\"$target\"] // 0" <<<"$after")
		eff=$(jq -r "$sel | .effective_affinity" <<<"$after")
		[ "$a" -gt "$b" ] || continue
		echo "irq $i fired $((a - b)) times, $((at - bt)) on CPU $target; effective $eff"
		[ "$eff" = "$target" ] || { echo "FAIL: irq $i effective is $eff, not $target"; fail=1; }
		# The deferred move is taken within a vector's first two
		# interrupts after the pin (seen on 6.18: one, sometimes two,
		# still land on the old CPU); a vector quiet in the first round
		# may spend them in the second.
		allowed=$((2 - (b - $(jq "$sel | .total" <<<"$pinned"))))
		[ "$allowed" -ge 0 ] || allowed=0
		[ $((a - b - at + bt)) -le $allowed ] || { echo "FAIL: irq $i fired outside CPU $target"; fail=1; }
	done
}
pin_and_check "$first"
[ "$last" != "$first" ] && pin_and_check "$last"
restore
for i in $irqs; do
	[ "$(cat /proc/irq/$i/smp_affinity_list)" = "${saved[$i]}" ] || { echo "FAIL: irq $i not restored"; fail=1; }
done
trap - EXIT
[ "$fail" = 0 ] && echo "real irq pin: ok"
exit "$fail"
