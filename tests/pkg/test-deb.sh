#!/bin/bash
# The Debian package: built from a copy of the tree (the checkout is never
# written), installed with its maintainer scripts into a throw-away root
# (dpkg --root, scripts run with DPKG_ROOT), its programs run from there,
# removed and purged; lintian on the .deb, failing on any error.
# A release build without the unit tests (nocheck): about a minute.
#   test-deb.sh SOURCE_ROOT
# Skipped (77) when not root or without dpkg-buildpackage (not Debian).
set -u
src=$(realpath "$1")
. "$(dirname "$0")/../lib/testlib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (dpkg --root with maintainer scripts)"; exit 77; }
command -v dpkg-buildpackage >/dev/null || { echo "SKIP: no dpkg-buildpackage: not a Debian system"; exit 77; }
for t in dh lintian; do
	command -v "$t" >/dev/null || { fail "no $t: run tools/install-deps.sh"; t_done "Debian package"; }
done
t_scratch pkg
start=$(date +%s)

# The copy: what git tracks or would track (uncommitted changes too), or
# without git everything but build directories.
mkdir -p "$T/src/kvmnet"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -C "$T/src/kvmnet" -xf -
else
	tar -C "$src" --exclude='./build*' --exclude=./.lab -cf - . | tar -C "$T/src/kvmnet" -xf -
fi
[ -x "$T/src/kvmnet/debian/rules" ] || { fail "no debian/rules in the copy"; t_done "Debian package"; }

(cd "$T/src/kvmnet" && dpkg-checkbuilddeps) >"$T/builddeps.log" 2>&1 ||
	{ fail "Build-Depends not installed (tools/install-deps.sh?): $(cat "$T/builddeps.log")"; t_done "Debian package"; }
if ! (cd "$T/src/kvmnet" &&
	DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1; then
	tail -n 40 "$T/build.log"
	fail "dpkg-buildpackage failed (log above)"
	t_done "Debian package"
fi
version=$(cd "$T/src/kvmnet" && dpkg-parsechangelog -S Version)
deb=$(ls "$T"/src/kvmnet_"$version"_*.deb 2>/dev/null)
[ -f "$deb" ] || { fail "no kvmnet_${version}_*.deb: $(ls "$T/src")"; t_done "Debian package"; }
echo "built $(basename "$deb") in $(($(date +%s) - start)) s"

# What is in it.
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$T/files"
for f in /usr/sbin/kvmnetd /usr/sbin/kvmnetctl /etc/kvmnet/kvmnetd.conf /lib/systemd/system/kvmnetd.service \
	/usr/share/man/man8/kvmnetd.8.gz /usr/share/man/man8/kvmnetctl.8.gz /usr/share/man/man5/kvmnetd.conf.5.gz \
	/usr/share/bash-completion/completions/kvmnetctl /usr/share/doc/kvmnet/README.Debian /usr/share/doc/kvmnet/copyright \
	/etc/libvirt/hooks/qemu.d/kvmnet; do
	grep -qx "$f" "$T/files" || fail "$f is not in the package"
done
grep -q '^/usr/local' "$T/files" && fail "files under /usr/local: $(grep '^/usr/local' "$T/files")"
dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles | grep -qx /etc/kvmnet/kvmnetd.conf ||
	fail "/etc/kvmnet/kvmnetd.conf is not a conffile"

# Installed with its maintainer scripts into a root of its own.
R=$T/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
: >"$R/var/lib/dpkg/status"
dpkg_r() { dpkg --root="$R" --force-script-chrootless --force-depends --force-unsafe-io "$@" >>"$T/dpkg.log" 2>&1; }
dpkg_r -i "$deb" || fail "dpkg -i into $R: $(tail -n 5 "$T/dpkg.log")"
grep -qx 'ExecStart=/usr/sbin/kvmnetd --foreground' "$R/lib/systemd/system/kvmnetd.service" ||
	fail "the unit does not run /usr/sbin/kvmnetd: $(grep ExecStart= "$R/lib/systemd/system/kvmnetd.service")"
# Not enabled on install: no PF is configured yet (README.Debian).
[ -e "$R/etc/systemd/system/multi-user.target.wants/kvmnetd.service" ] && fail "kvmnetd.service enabled on install"

out=$("$R/usr/sbin/kvmnetctl" --version 2>&1)
[ "$out" = "kvmnetctl $version" ] || fail "kvmnetctl --version: '$out', want 'kvmnetctl $version'"
out=$("$R/usr/sbin/kvmnetd" --version 2>&1)
[ "$out" = "kvmnetd $version" ] || fail "kvmnetd --version: '$out'"
check_example_config "$R/usr/sbin/kvmnetd" "$R/etc/kvmnet/kvmnetd.conf" "$src"
# The compiled-in default is the packaged conffile's path.
"$R/usr/sbin/kvmnetd" --help | grep -q "default /etc/kvmnet/kvmnetd.conf)" ||
	fail "kvmnetd's default config is not /etc/kvmnet/kvmnetd.conf: $("$R/usr/sbin/kvmnetd" --help | grep config)"

# Remove keeps the conffile and the state; purge removes both.
mkdir -p "$R/var/lib/kvmnet" && echo '{}' >"$R/var/lib/kvmnet/journal.json"
echo "# an operator's edit" >>"$R/etc/kvmnet/kvmnetd.conf"
dpkg_r -r kvmnet || fail "dpkg -r: $(tail -n 5 "$T/dpkg.log")"
[ -e "$R/usr/sbin/kvmnetd" ] && fail "remove left /usr/sbin/kvmnetd"
[ -f "$R/var/lib/kvmnet/journal.json" ] || fail "remove deleted the state"
grep -q "an operator's edit" "$R/etc/kvmnet/kvmnetd.conf" || fail "remove deleted the edited config"
dpkg_r -P kvmnet || fail "dpkg -P: $(tail -n 5 "$T/dpkg.log")"
[ -e "$R/var/lib/kvmnet" ] && fail "purge left /var/lib/kvmnet"
[ -e "$R/etc/kvmnet/kvmnetd.conf" ] && fail "purge left /etc/kvmnet/kvmnetd.conf"

# lintian: errors fail; the rest is printed (each kept tag is explained
# in debian/README.Debian or debian/kvmnet.lintian-overrides).
lintian --fail-on error --display-level '>=info' --show-overrides "$deb" >"$T/lintian.log" 2>&1
rc=$?
grep -v 'running with root privileges' "$T/lintian.log"
[ "$rc" = 0 ] || fail "lintian: exit $rc (errors above)"
grep -q '^E: ' "$T/lintian.log" && fail "lintian errors"
echo "lintian: $(grep -c '^E: ' "$T/lintian.log") errors, $(grep -c '^W: ' "$T/lintian.log") warnings," \
	"$(grep -c '^[IP]: ' "$T/lintian.log") info/pedantic, $(grep -c '^O: ' "$T/lintian.log") overridden"
echo "package test: $(($(date +%s) - start)) s in all"

t_done "Debian package"
