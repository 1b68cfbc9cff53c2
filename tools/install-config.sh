#!/bin/sh
# A meson install step (man/meson.build): put the example kvmnetd.conf at
# the path kvmnetd reads, unless something is there already, so that
# reinstalling or upgrading from source keeps an operator's configuration.
#   install-config.sh EXAMPLE TARGET     (TARGET absolute; under $DESTDIR)
set -eu
example=$1
target=${DESTDIR:-}$2

if [ -e "$target" ] || [ -L "$target" ]; then
	echo "Keeping $target (the example is $example)"
	exit 0
fi
mkdir -p "$(dirname "$target")"
install -m 0644 "$example" "$target"
echo "Installing $example to $target"
