#!/bin/bash
# `meson install` of this build into a scratch DESTDIR, as tools/setup.sh
# does into /: the config lands at the very path kvmnetd reads by default
# (it landed in PREFIX/etc/kvmnet while kvmnetd read /etc/kvmnet), the
# unit's ExecStart= names the installed kvmnetd, and a second install
# keeps an edited config.
#   test-install.sh BUILD_DIR SOURCE_ROOT
set -u
build=$(realpath "$1") src=$(realpath "$2")
. "$(dirname "$0")/../lib/testlib.sh"
t_scratch install
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

meson install -C "$build" --no-rebuild --destdir "$T/root" >"$T/install.log" 2>&1 ||
	{ fail "meson install: $(tail -n 5 "$T/install.log")"; t_done "install"; }
kvmnetd=$(find "$T/root" -path '*/sbin/kvmnetd' -type f)
[ -n "$kvmnetd" ] || { fail "no sbin/kvmnetd installed"; t_done "install"; }
conf=$("$kvmnetd" --help | sed -n 's/.*--config FILE.*(default \(.*\))$/\1/p')
[ -n "$conf" ] || fail "kvmnetd --help names no default config"
[ -f "$T/root$conf" ] || fail "kvmnetd reads $conf, but the install put it at: $(cd "$T/root" && find . -name kvmnetd.conf)"
check_example_config "$kvmnetd" "$T/root$conf" "$src"

unit=$(find "$T/root" -name kvmnetd.service)
exec=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[ -x "$T/root$exec" ] || fail "$unit: ExecStart=$exec is not the installed kvmnetd (${kvmnetd#"$T/root"})"

# libvirt's qemu hook: where libvirtd looks, executable, running the
# installed kvmnetctl.
hook=$T/root/etc/libvirt/hooks/qemu.d/kvmnet
[ -x "$hook" ] || fail "no executable /etc/libvirt/hooks/qemu.d/kvmnet: $(cd "$T/root" && find . -path '*hooks*')"
hexec=$(sed -n 's/^exec \([^ ]*\) hook qemu.*/\1/p' "$hook" 2>/dev/null)
[ -x "$T/root$hexec" ] || fail "the qemu hook runs $hexec, not the installed kvmnetctl"

echo "# an operator's edit" >>"$T/root$conf"
meson install -C "$build" --no-rebuild --destdir "$T/root" >"$T/install2.log" 2>&1 || fail "second meson install"
grep -q "an operator's edit" "$T/root$conf" || fail "a reinstall replaced the operator's $conf"

t_done "install"
