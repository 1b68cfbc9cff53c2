# shellcheck shell=bash
# Sourced by t-chaos.sh (and tests/lab/selftest/test-chaos-originals.sh):
# the originals kvmnetd's journal records, and after on_stop = revert,
# each original of its generic store back in the file its key names.

# chaos_journal_originals JOURNAL: one line per original, "pf ADDR changed
# BOOL numvfs N autoprobe A", "vf PF INDEX override|mac VALUE", and the
# generic store ([irq] affinities, [tune] knobs) as "orig KEY<TAB>VALUE"
# (VALUE as JSON: a knob's text may hold anything).
chaos_journal_originals() {
	jq -r '(.pfs[] | "pf \(.pf) changed \(.numvfs_changed) numvfs \(.numvfs) autoprobe \(.autoprobe)",
		(.pf as $p | .vfs[] | "vf \($p) \(.index) override \(.driver_override // "(null)")",
			(select(.mac != null) | "vf \($p) \(.index) mac \(.mac | ascii_downcase)"))),
		(.originals // {} | to_entries[] | "orig \(.key)\t\(.value | @json)")' "$1"
}

# chaos_originals_first FILE: of the lines of FILE (many readings of the
# journal), the first per thing: the value before kvmnetd first changed
# it, though a later kvmnetd recorded the value it found then.
chaos_originals_first() {
	awk '{ k = $1 == "orig" ? substr($0, 1, index($0, "\t")) : $1 " " $2 " " $3 " " ($1 == "vf" ? $4 : "")
		if (!(k in s)) { s[k] = 1; print } }' "$1"
}

#
# chaos_originals_check FILE [ROOT]: FILE holds "orig KEY<TAB>VALUE"
# lines (VALUE a JSON string, as journal_originals prints them); KEY is
# /proc/irq/N/smp_affinity_list ([irq]) or tune:PATH ([tune]); other keys
# (irqbalance's note) are no file.  The files are read below ROOT (the
# fakes of the selftest).  A file that is gone (a vector freed with its
# /proc/irq entry) is left out.  Calls `violation KEY DETAIL` for each
# file that does not hold its original; sets ORIG_IRQ and ORIG_TUNE to the
# number checked of each.
chaos_originals_check() {
	local root=${2:-} key val f now
	ORIG_IRQ=0 ORIG_TUNE=0
	while IFS=$'\t' read -r key val; do
		key=${key#orig }
		case $key in
		/proc/irq/*/smp_affinity_list) f=$key ;;
		tune:/*) f=${key#tune:} ;;
		*) continue ;;
		esac
		[ -e "$root$f" ] || continue
		val=$(jq -r . <<<"$val")
		now=$(cat "$root$f")
		[ "$now" = "$val" ] ||
			violation "revert:$f" "after revert $f holds '$now', the journal's original '$val'"
		case $key in /proc/irq/*) ORIG_IRQ=$((ORIG_IRQ + 1)) ;; *) ORIG_TUNE=$((ORIG_TUNE + 1)) ;; esac
	done < <(grep '^orig ' "$1")
}
