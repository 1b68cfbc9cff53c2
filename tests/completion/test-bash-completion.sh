#!/bin/bash
# The bash completion of kvmnetctl against kvmnetctl itself: the commands
# of `kvmnetctl --help`, each command's verbs and long options from its
# own --help, so that a command, verb or option added to kvmnetctl but
# not to the completion fails here; PFs and VF indexes on a fake host
# (KVMNET_SYSROOT), domains from libvirt's test driver through virsh.
# Driven as bash does: COMP_WORDS, COMP_CWORD, then the -F function of
# `complete -p kvmnetctl`.  Skipped (77) without bash-completion.
#   test-bash-completion.sh KVMNETCTL COMPLETION SOURCE_ROOT
set -u
ctl=$(realpath "$1") completion=$2 src=$3
. "$(dirname "$0")/../lib/testlib.sh"
bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || { echo "SKIP: no $bc (bash-completion)"; exit 77; }
# bash_completion returns early outside an interactive shell without it.
BASH_COMPLETION_VERSINFO=${BASH_COMPLETION_VERSINFO:-}
. "$bc"
. "$completion"

spec=$(complete -p kvmnetctl 2>/dev/null) || fail "no completion for kvmnetctl"
func=$(sed -n 's/.*-F \([^ ]*\) .*/\1/p' <<<"$spec")
[ -n "$func" ] || { fail "complete -p kvmnetctl: no -F function: $spec"; t_done "bash completion"; }

# comp WORD...: what completing the last word offers, sorted, one a line.
comp() {
	local COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMP_LINE="$*" COMP_POINT COMPREPLY=()
	COMP_POINT=${#COMP_LINE}
	"$func" kvmnetctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort -u
}
# same WHAT EXPECTED ACTUAL
same() {
	[ "$2" = "$3" ] || fail "$1: completion offers [$(echo $3)], kvmnetctl has [$(echo $2)]"
}
# The long options a --help text names, and --help.
long_opts() { { grep -oE -- '--[a-z][a-z-]*' | grep -v -- '--timeout SECONDS' ; echo --help; } | sort -u; }
offered_long() { grep -- '^--' | sort -u; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
help=$("$ctl" --help)
cmds=$(sed -n '/^Commands:/,/^$/p' <<<"$help" | awk 'NR > 1 && NF { print $1 }' | sort)
[ -n "$cmds" ] || fail "no commands in kvmnetctl --help"
same "commands" "$cmds" "$(comp kvmnetctl '')"
same "global options" "$(sed -n '/^Options:/,/^$/p' <<<"$help" | long_opts)" "$(comp kvmnetctl - | offered_long)"

for c in $cmds; do
	h=$("$ctl" "$c" --help 2>&1)
	# Verbs: the lower-case word after "kvmnetctl CMD" in the usage lines,
	# or the "Commands:" list of vm.
	verbs=$( { grep -oE "kvmnetctl $c [a-z][a-z|]*( |$)" <<<"$h" | awk '{ print $3 }' | tr '|' '\n'
		sed -n '/^Commands:/,/^$/p' <<<"$h" | awk 'NR > 1 && /^  [a-z]/ { print $1 }'; } | sort -u)
	same "$c verbs" "$verbs" "$(comp kvmnetctl "$c" '' | grep -v '^-')"
	if [ "$c" = vm ]; then
		for v in $verbs; do
			opts=$(sed -n '/^Commands:/,/^$/p' <<<"$h" | grep -E "^  $v " | long_opts)
			same "vm $v options" "$opts" "$(comp kvmnetctl vm "$v" web1 - | offered_long)"
		done
	else
		same "$c options" "$(sed -n '/^Options:/,/^$/p' <<<"$h" | long_opts)" "$(comp kvmnetctl "$c" - | offered_long)"
	fi
done

# PFs, netdev and address; VF indexes from the PF's virtfn links.
export KVMNET_SYSROOT=$src/tests/fixtures/sriov-igb-vfs
pf_dir=$KVMNET_SYSROOT/sys/bus/pci/devices/0000:01:00.0
same "vf set PFs" "$(printf '0000:01:00.0\nenp1s0')" "$(comp kvmnetctl vf set '')"
same "sriov show PFs" "enp1s0" "$(comp kvmnetctl sriov show enp)"
numvfs=$(cat "$pf_dir/sriov_numvfs")
[ "$numvfs" -gt 0 ] || fail "fixture has no VFs"
same "vf set PF indexes" "$(seq 0 $((numvfs - 1)) | sort)" "$(comp kvmnetctl vf set enp1s0 '')"
same "vf bind ADDR indexes" "$(seq 0 $((numvfs - 1)) | sort)" "$(comp kvmnetctl -v vf bind 0000:01:00.0 '')"
same "vf bind drivers" "$(printf 'host\nnone\nvfio-pci')" "$(comp kvmnetctl vf bind enp1s0 1 '')"
same "vf set spoofchk" "$(printf 'off\non')" "$(comp kvmnetctl vf set enp1s0 1 mac 02:00:00:00:00:01 spoofchk '')"
same "vf set attributes" "$(printf 'max-rate\nmin-rate')" "$(comp kvmnetctl vf set enp1s0 1 mac 02:00:00:00:00:01 m)"
same "vf set attributes left" "$(printf 'qos\nspoofchk\nstate\nvlan')" "$(comp kvmnetctl vf set enp1s0 1 trust on max-rate 5 min-rate 1 mac 1 '')"
same "bench --path" "$(printf 'bridge\nmacvlan\nveth')" "$(comp kvmnetctl bench --path '')"
unset KVMNET_SYSROOT

# Domains through virsh, with the URI of -c.
if command -v virsh >/dev/null; then
	same "vm show domains" "test" "$(comp kvmnetctl -c test:///default vm show '')"
	same "bench --from" "$(printf 'host\nvm:test')" "$(comp kvmnetctl --connect test:///default bench --from '')"
else
	echo "no virsh: domain names not checked"
fi

t_done "bash completion"
