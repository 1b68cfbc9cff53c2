# The interfaces of running domains, from `virsh dumpxml A; dumpxml B...`
# (one element a line, as libvirt formats it), for t-chaos.sh:
#   xmldom NAME ID
#   if NAME ID hostdev|other SOURCE-PCI-ADDR|- MAC|- TEAMING|-
# A <hostdev mode='subsystem' type='pci'> counts as a hostdev "interface"
# too: a VF given that way is held all the same.
function attr(line, name,    s) {
	if (line !~ name "='")
		return "-"
	s = line
	sub(".*" name "='", "", s)
	sub("'.*", "", s)
	return s
}
function pci(line,    d, b, s, f) {
	d = attr(line, "domain"); b = attr(line, "bus"); s = attr(line, "slot"); f = attr(line, "function")
	sub("^0x", "", d); sub("^0x", "", b); sub("^0x", "", s); sub("^0x", "", f)
	return sprintf("%04s:%02s:%02s.%s", tolower(d), tolower(b), tolower(s), tolower(f))
}
/^<domain / { id = attr($0, "id"); name = ""; next }
/^ *<name>/ && name == "" {
	name = $0
	sub(".*<name>", "", name); sub("</name>.*", "", name)
	print "xmldom", name, id
	next
}
/<interface type=/ || /<hostdev mode='subsystem' type='pci'/ {
	inif = 1
	kind = ($0 ~ /<hostdev/ || attr($0, "type") == "hostdev") ? "hostdev" : "other"
	closer = ($0 ~ /<hostdev/) ? "</hostdev>" : "</interface>"
	mac = "-"; src = "-"; team = "-"; insrc = 0
	next
}
inif && /<mac address=/ && mac == "-" { mac = tolower(attr($0, "address")) }
inif && /<source>/ { insrc = 1 }
inif && insrc && /<address / && src == "-" { src = pci($0) }
inif && /<\/source>/ { insrc = 0 }
inif && /<teaming / { team = attr($0, "type") }
inif && index($0, closer) {
	print "if", name, id, kind, src, mac, team
	inif = 0
}
