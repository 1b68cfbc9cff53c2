# The kernel's side of a t-chaos.sh snapshot, from one stream: the bound
# PCI functions (/sys/bus/pci/drivers/DRIVER/ADDR, one a line), `ls -l` of
# both PF directories, "@ip" then `ip link show`, "@dmesg" then dmesg.
#   drv ADDR DRIVER / vfl PFADDR INDEX VFADDR / vfmac PFADDR INDEX MAC /
#   relay N (vfio-pci asked a user to give a device back)
# -v pfa, pfb: the PFs' addresses; na, nb: their netdevs.
/^@ip$/ { part = "ip"; next }
/^@dmesg$/ { part = "dmesg"; next }
part == "" && /^\/sys\/bus\/pci\/drivers\/[^\/]*\/0000:/ { n = split($0, w, "/"); print "drv", w[n], w[n - 1]; next }
part == "" && /^\/.*:$/ { dir = $0; sub(":$", "", dir); sub("/$", "", dir); sub(".*/", "", dir); next }
part == "" && $9 ~ /^virtfn[0-9]+$/ && dir != "" {
	a = $NF
	sub(".*/", "", a)
	print "vfl", dir, substr($9, 7), a
	next
}
part == "ip" && /^[0-9]+: / {
	dev = $2
	sub(":$", "", dev)
	sub("@.*", "", dev)
	pf = dev == na ? pfa : dev == nb ? pfb : ""
	next
}
part == "ip" && pf != "" && $1 == "vf" {
	for (i = 2; i <= NF; i++)
		if ($i == "link/ether" || $i == "MAC") {
			m = $(i + 1)
			sub(",", "", m)
			print "vfmac", pf, $2, tolower(m)
		}
}
part == "dmesg" && /Relaying device request/ { relay++ }
END { print "relay", relay + 0 }
