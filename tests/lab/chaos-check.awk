# t-chaos.sh's invariants over two snapshots of the host (the previous one,
# possibly empty, and the current one), with the kernel and libvirt as the
# oracle.  One line per violation: "KEY DETAIL" (KEY identifies the fact,
# so that a lasting violation is counted once).
#   -v hand=DOM -v hvf=ADDR -v hmac=MAC   the VM holding a VF given by hand
#   -v opted=" A B "                      the VMs that opted out
#   -v managed=" A B "                    the VMs kvmnetd manages
#   -v teamed=" A=MAC B=MAC "             teamed VMs and their virtio MAC
#   -v pfb=ADDR -v pfbn=N                 the PF split by hand, and its numvfs
# Snapshot lines (t-chaos.sh snap): "libvirt ok|unknown", "dom NAME ID",
# chaos-snap.awk's "xmldom"/"if" lines, "pf ADDR NUMVFS",
# "vfl PFADDR INDEX ADDR", "drv ADDR DRIVER" (every bound PCI device),
# "vfmac PFADDR INDEX MAC", "relay N".
FNR == 1 { f = (FILENAME == ARGV[1]) ? "p" : "c" }
$1 == "libvirt" { lib[f] = $2 }
$1 == "dom" { ndom[f]++ }
$1 == "xmldom" { nxml[f]++; domid[f, $2] = $3 }
$1 == "if" {
	nif[f]++
	I[f, nif[f]] = $0
	if ($4 == "hostdev") {
		holders[f, $5] = holders[f, $5] " " $2 "#" $3
		nhold[f, $5]++
	} else
		other[f, $2] = 1
}
$1 == "pf" { numvfs[f, $2] = $3; pfs[$2] = 1 }
$1 == "vfl" { vfpf[f, $4] = $2; vfidx[f, $4] = $3; if (f == "c") cvfs[$4] = 1 }
$1 == "drv" { drv[f, $2] = $3 }
$1 == "vfmac" { vfmac[f, $2, $3] = tolower($4) }
$1 == "relay" { relay[f] = $2 }
function bad(key, detail) { print key, detail }
function kmac(s, a) { return vfmac[s, vfpf[s, a], vfidx[s, a]] }
END {
	# The kernel alone.
	if (numvfs["c", pfb] != pfbn)
		bad("numvfs-hand-pf:" pfb, "PF " pfb " was split by hand to " pfbn " VFs; now " numvfs["c", pfb])
	for (a in cvfs)
		if ((("c", a) in drv) && drv["c", a] != "vfio-pci")
			bad("host-driver:" a, "VF " a " of " vfpf["c", a] " is bound to " drv["c", a] " on the host")
	if (relay["p"] != "" && relay["c"] > relay["p"])
		bad("vfio-relay:" relay["c"], "dmesg: vfio-pci asked a user to release a device (a held VF unbound or destroyed)")
	# libvirt, when every running domain could be read.
	if (lib["c"] != "ok" || ndom["c"] != nxml["c"])
		exit 0
	hand_ok = 0
	for (i = 1; i <= nif["c"]; i++) {
		split(I["c", i], w, " ")
		dom = w[2]; id = w[3]; kind = w[4]; a = w[5]; mac = w[6]; team = w[7]
		if (kind != "hostdev")
			continue
		if (nhold["c", a] > 1)
			bad("double:" a, "VF " a " is held by more than one domain:" holders["c", a])
		if (dom == hand) {
			if (a == hvf && mac == hmac)
				hand_ok = 1
			else
				bad("hand-extra:" a, "the hand VM " hand " holds " a " (MAC " mac "), not only its hand VF " hvf)
			continue
		}
		if (a == hvf)
			bad("hand-vf-taken:" dom, "the hand VF " hvf " is held by " dom)
		if (index(opted, " " dom " "))
			bad("opted-out:" dom ":" a, "VM " dom " opted out but holds VF " a)
		else if (!index(managed, " " dom " "))
			bad("unmanaged:" dom ":" a, "domain " dom " is not kvmnetd's but holds VF " a)
		if (!((("c", a) in vfpf)))
			bad("gone:" dom ":" a, "VM " dom " holds " a ", which is no VF of the PFs")
		if (match(teamed, " " dom "=[^ ]*")) {
			tm = substr(teamed, RSTART + length(dom) + 2, RLENGTH - length(dom) - 2)
			if (mac != tm || team != "transient")
				bad("team:" dom ":" a, "teamed VM " dom "'s VF " a " has MAC " mac " teaming " team ", expected " tm " transient")
		}
		# Held by the same domain (same id) at both snapshots.
		if (!index(holders["p", a], " " dom "#" id))
			continue
		pf = vfpf["p", a]
		if (pf != "" && numvfs["p", pf] != numvfs["c", pf])
			bad("numvfs-held:" pf ":" a, "PF " pf " numvfs " numvfs["p", pf] " -> " numvfs["c", pf] " while " dom " held its VF " a)
		if (kmac("c", a) != "" && kmac("c", a) != mac && kmac("p", a) != "" && kmac("p", a) != mac)
			bad("mac:" dom ":" a, "VF " a " of " dom ": the PF says MAC " kmac("c", a) ", the domain " mac)
	}
	if (("c", hand) in domid && !hand_ok)
		bad("hand-lost", "the hand VM " hand " no longer holds its VF " hvf " with MAC " hmac)
	if (!(("c", hand) in domid))
		bad("hand-down", "the hand VM " hand " is not running")
	for (k in domid) {
		split(k, w, SUBSEP)
		if (w[1] == "c" && !((("c", w[2]) in other)))
			bad("only-nic:" w[2], "VM " w[2] " has no NIC besides hostdevs")
	}
}
