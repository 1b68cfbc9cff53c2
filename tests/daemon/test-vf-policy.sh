#!/bin/bash
# Per-VM VF policy (issue 14) in kvmnetd, for real (not --dry-run), on a
# fake igb host with 7 VFs on vfio-pci and libvirt's test driver, whose
# domains carry kvmnet metadata.  The fake PF has no netdev, so nothing can
# be set over rtnetlink: for a VM with a policy that is a refusal, which
# is what is checked here (the lab's t-vf-policy.sh sets policies on a
# real igb).  tests/lib/fault-inject.c makes every attach succeed.
#   - vm-1, no policy: gets its VF as ever;
#   - vm-2, <vf vlan="4095">: unknown this turn, the domain and the
#     attribute named in the log and in status; no VF asked for it;
#   - vm-3, <vf vlan="100">: waits on virtio (waiting_for vf-policy) with
#     the reason in status, text and --json; no attach for it, and the
#     refusal is not tried again turn after turn (the fake attach never
#     shows in the domain, so vm-1 is given its VF again every turn: the
#     turns are counted by those) but after 2 s, 4 s...
#   test-vf-policy.sh KVMNETD KVMNETCTL FAULT_SO SOURCE_ROOT
set -u
kvmnetd=$1 ctl=$2 fault_so=$3 src=$4
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch vfpolicy
pid=
t_cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
}

meta() {
	[ -z "$1" ] || echo "<metadata><kvmnet:domain xmlns:kvmnet='http://kvmnet.org/xmlns/domain/1.0'>$1</kvmnet:domain></metadata>"
}
{
	echo "<node><cpu><mhz>2400</mhz><model>x86_64</model><active>4</active><nodes>1</nodes>"
	echo "<sockets>1</sockets><cores>4</cores><threads>1</threads></cpu><memory>8388608</memory>"
	i=0
	for policy in "" "<kvmnet:vf vlan='4095'/>" "<kvmnet:vf vlan='100'/>"; do
		i=$((i + 1))
		echo "<domain type='test'><name>vm-$i</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e19$i$i</uuid>"
		meta "$policy"
		echo "<memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices>"
		echo "<interface type='bridge'><mac address='52:54:00:00:0$i:02'/><source bridge='br0'/><model type='virtio'/></interface>"
		echo "</devices></domain>"
	done
	echo "</node>"
} >"$T/node.xml"
uri="test://$T/node.xml"
fake_igb_host "$src" "$uri" "headroom = 0"
# All 7 VFs made and on vfio-pci; no PF netdev.
fake_igb_seven_vfio

preload=$(fault_preload "$fault_so")
export KVMNET_FAULT_FILE=$T/faults KVMNET_FAULT_LOG=$T/injected
echo "virDomainAttachDeviceFlags * return ms=10" >"$T/faults"
vm() { status --json 2>/dev/null | jq -r ".daemon.view.vms[] | select(.name == \"$1\") | $2" 2>/dev/null; }

LD_PRELOAD=$preload "$kvmnetd" --foreground -c "$T/kvmnetd.conf" -s "$T/sock" 2>"$T/log" &
pid=$!
wait_for 30 grep -q "^attach PF 0000:01:00.0 VF [0-9] (.*) to VM vm-1 with MAC" "$T/log" ||
	fail "vm-1 (no policy) got no VF"
wait_for 10 test "$(vm vm-3 .waiting_for)" = vf-policy ||
	fail "vm-3 does not wait for vf-policy: $(status --json | jq -c '.daemon.view.vms')"
# a few turns more: the refusal is remembered, not tried every turn
kill -HUP "$pid"
sleep 3
grep "^attach PF .* to VM vm-[23] " "$T/log" && fail "a VF was attached to vm-2 or vm-3"
turns=$(grep -c "^attach PF .* to VM vm-1 with MAC" "$T/log")
tries=$(grep -c "for VM vm-3 with VF policy vlan 100 qos 0" "$T/log")
[ "$turns" -ge 6 ] && [ "$tries" -ge 1 ] && [ "$tries" -le 2 ] ||
	fail "vm-3's policy tried $tries times in $turns turns, not once or twice (2 s apart)"
grep -q "VM vm-3: its VF policy is tried again in 2 s (refusal 1 in a row)" "$T/log" ||
	fail "the log does not say when vm-3's policy is tried again"
grep -q "Failed to set PF 0000:01:00.0 VF [0-9] (.*) MAC to .* for VM vm-3 with VF policy vlan 100 qos 0: PF 0000:01:00.0 has no netdev" "$T/log" ||
	fail "the refusal of vm-3's policy is not logged with its reason"
case "$(vm vm-3 .vf_policy_refused)" in
*"has no netdev: its VFs' policy cannot be set"*) ;;
*) fail "status --json: vm-3's vf_policy_refused: $(vm vm-3 .vf_policy_refused)" ;;
esac
[ "$(vm vm-3 .vf_policy)" = "vlan 100 qos 0" ] || fail "status --json: vm-3's vf_policy: $(vm vm-3 .vf_policy)"
[ "$(vm vm-3 .vfs)" = 0 ] || fail "vm-3 holds $(vm vm-3 .vfs) VF(s)"
status | grep -A2 "VM vm-3 " | grep -q "VF policy refused: PF 0000:01:00.0 has no netdev" ||
	fail "kvmnetctl status does not say why vm-3 waits: $(status | grep -A2 'VM vm-3')"
case "$(vm vm-2 .unknown)" in
*"VF policy does not parse: <vf vlan=\"4095\">: expected a decimal number from 0 to 4094"*) ;;
*) fail "status --json: vm-2 not unknown with the attribute named: $(vm vm-2 .unknown)" ;;
esac
[ "$(vm vm-2 .path)" = unknown ] || fail "vm-2's path is $(vm vm-2 .path), not unknown"
grep -q "Unknown this turn: VM vm-2: its kvmnet metadata's VF policy does not parse: <vf vlan=\"4095\">" "$T/log" ||
	fail "the log does not name vm-2 and its vlan"
grep -q "^set PF .* for VM vm-2" "$T/log" && fail "a MAC was set for vm-2"
kill "$pid"
wait "$pid"
pid=
[ "$t_fails" = 0 ] && [ -z "${KVMNET_TEST_SHOW_LOG:-}" ] || { echo "--- kvmnetd's log"; cat "$T/log"; }
t_done "kvmnetd VF policy"
