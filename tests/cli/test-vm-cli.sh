#!/bin/bash
# kvmnetctl vm show/advise against libvirt's in-process test driver (no
# daemon) and fake host roots, compared with golden files.
#   test-vm-cli.sh KVMNETCTL SOURCE_DIR
# KVMNET_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
set -uo pipefail

ctl=$1
src=$2
fix=$src/tests/fixtures
gold=$src/tests/golden
uri="test://$fix/libvirt-test/node.xml"
. "$(dirname "$0")/../lib/testlib.sh"

check() {
	local name=$1 want_rc=$2 root=$3
	shift 3
	local out rc
	out=$(KVMNET_SYSROOT=$fix/$root "$ctl" -c "${URI:-$uri}" "$@" 2>&1)
	rc=$?
	golden "$name" "$want_rc" "$rc" "$out"
}

check vm-show-vm-b.txt 0 host-vhost vm show vm-b
check vm-show-vm-b-plain.txt 0 host-plain vm show vm-b
check vm-show-vm-b.json 0 host-vhost vm show --json vm-b
check vm-advise-all.txt 0 host-vhost vm advise --all
check vm-advise-vm-b-udp.json 0 host-vhost vm advise vm-b --workload udp-to-guest --json
check vm-advise-vm-b-vf.txt 0 host-plain vm advise vm-b --vf --workload latency
check vm-advise-nope.txt 1 host-vhost vm advise nope
check vm-advise-bad-workload.txt 2 host-vhost vm advise vm-b --workload fast
check vm-advise-no-domain.txt 2 host-vhost vm advise
check vm-bad-command.txt 2 host-vhost vm frobnicate x
check vm-apply-dry-vm-b.txt 0 host-vhost vm apply --dry-run vm-b
check vm-apply-dry-vm-b-udp.txt 0 host-vhost vm apply -n vm-b --workload udp-to-guest
# The test driver keeps the new definition in this process only.
check vm-apply-vm-b.txt 0 host-plain vm apply vm-b
check vm-apply-vm-a.txt 0 host-plain vm apply vm-a
check vm-apply-two-domains.txt 2 host-plain vm apply vm-a vm-b
# vm migrate refuses, changing nothing, what libvirt cannot take along: a
# PCI hostdev (vm-b), a VF without teaming as the only NIC (vm-a); a
# domain that is not running; a missing DEST-URI.
check vm-migrate-vm-b.txt 1 host-plain vm migrate vm-b qemu+ssh://b.example/system
check vm-migrate-vm-a.txt 1 host-plain vm migrate vm-a qemu+ssh://b.example/system
check vm-migrate-vm-off.txt 1 host-plain vm migrate --dry-run vm-off qemu+ssh://b.example/system
check vm-migrate-no-dest.txt 2 host-plain vm migrate vm-b
# A teamed guest: --dry-run says its VF goes back first; with no kvmnetd to
# take it back, the opt-out is undone after --handback-timeout and nothing
# is migrated.
URI="test://$fix/libvirt-test/migrate.xml" check vm-migrate-dry-web1.txt 0 host-plain vm migrate -n web1 qemu:///b
URI="test://$fix/libvirt-test/migrate.xml" check vm-migrate-handback-timeout.txt 1 host-plain \
	vm migrate --handback-timeout 1s web1 qemu:///b
check vm-migrate-bad-timeout.txt 2 host-plain vm migrate --handback-timeout 0 vm-b qemu:///b

# vm team: the test driver's node.xml has vm-b teamed with a VF paired.
check vm-team-vm-b.txt 0 host-vhost vm team vm-b
check vm-team-vm-b-remove.txt 1 host-vhost vm team vm-b --remove
check vm-team-bad-iface.txt 2 host-vhost vm team vm-b --iface 52:54:00:99:99:99
check vm-team-no-domain.txt 2 host-vhost vm team
team="test://$fix/libvirt-test/team.xml"
URI=$team check vm-team-web-dry.txt 0 host-vhost vm team --dry-run web
URI=$team check vm-team-web.txt 0 host-vhost vm team web
URI=$team check vm-team-web-e1000.txt 1 host-vhost vm team web --iface 52:54:00:7e:00:02
URI=$team check vm-team-legacy.txt 1 host-vhost vm team legacy
URI=$team check vm-team-teamed-remove.txt 0 host-vhost vm team teamed --remove
URI=$team check vm-team-teamed-other.txt 1 host-vhost vm team teamed -i 52:54:00:7e:02:02
URI=$team check vm-team-shared.txt 0 host-vhost vm team shared -n
URI=$team check vm-team-shared-remove.txt 0 host-vhost vm team shared --remove

# vm advise on a host with an SR-IOV PF (sriov-igb-vfs: 7 VFs, 4 made, one
# on igbvf): capacity and free VFs in the hint; kvmnetd is not asked on a
# fake tree, --vf overrides.
URI=$team check vm-advise-web-sriov.txt 0 sriov-igb-vfs vm advise web --workload latency
URI=$team check vm-advise-web-sriov-vf.txt 0 sriov-igb-vfs vm advise web --workload latency --vf
URI=$team check vm-advise-teamed-vf.json 0 sriov-igb-vfs vm advise teamed --vf --json

# --timeout and $KVMNET_LIBVIRT_TIMEOUT: a libvirt that answers in time
# gives the same output with a limit (steps in a thread) and without one
# (steps inline); a bad value is a usage error naming where it came from;
# --timeout wins over the variable.  (A libvirtd that does not answer:
# tests/libvirt/test-cli-timeout.sh.)
check vm-show-vm-b.txt 0 host-vhost --timeout 500ms vm show vm-b
check vm-show-vm-b.txt 0 host-vhost --timeout 0 vm show vm-b
KVMNET_LIBVIRT_TIMEOUT=3 check vm-advise-all.txt 0 host-vhost vm advise --all
KVMNET_LIBVIRT_TIMEOUT=never check vm-show-vm-b.txt 0 host-vhost --timeout 5 vm show vm-b
check timeout-bad.txt 2 host-vhost --timeout 1.5 vm show vm-b
KVMNET_LIBVIRT_TIMEOUT=never check timeout-env-bad.txt 2 host-vhost vm show vm-b

# vm balloon against the test driver (its guest statistics follow the
# balloon; their last_update is from 1989, so they are stale: no floor, and
# shrinking is refused).  Each kvmnetctl is a new test driver: a set does
# not carry over.
bal="test://$fix/libvirt-test/balloon.xml"
URI=$bal check vm-balloon-web.txt 0 host-vhost vm balloon web
URI=$bal check vm-balloon-web.json 0 host-vhost vm balloon web --json
URI=$bal check vm-balloon-nobal.txt 0 host-vhost vm balloon nobal
URI=$bal check vm-balloon-grow.txt 0 host-vhost vm balloon web 3670016
URI=$bal check vm-balloon-grow-suffix.txt 0 host-vhost vm balloon web 4GiB
URI=$bal check vm-balloon-stale-shrink.txt 1 host-vhost vm balloon web 2G
URI=$bal check vm-balloon-above-max.txt 1 host-vhost vm balloon web 5G
URI=$bal check vm-balloon-none.txt 1 host-vhost vm balloon nobal 1G
URI=$bal check vm-balloon-bad-size.txt 2 host-vhost vm balloon web 3.5G
URI=$bal check vm-balloon-json-set.txt 2 host-vhost vm balloon web 3G --json
URI=$bal check vm-balloon-nope.txt 1 host-vhost vm balloon nope
URI=$bal check vm-advise-nobal.txt 0 host-vhost vm advise nobal

# JSON output must parse.
for f in "$gold"/*.json; do
	jq -e . "$f" >/dev/null || fail "$f: not JSON"
done
t_done "vm CLI"
