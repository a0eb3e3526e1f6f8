#!/bin/sh
# man-synopsis.sh BINARY: each command's `--help` usage line must equal its
# entry in the SYNOPSIS of man/teamsprov.1, and the SYNOPSIS must list no
# command the program lacks (after git's t0450). Run by `make lint`.
set -eu
bin=$1
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The SYNOPSIS as plain text, one "teamsprov ..." entry per line.
mandoc -T ascii man/teamsprov.1 | sed 's/.\x08//g' |
	awk '/^SYNOPSIS/ {on = 1; next} /^[A-Z]/ {on = 0} on' |
	tr -s ' \n' '  ' | sed 's/teamsprov /\nteamsprov /g' |
	sed 's/ *$//' | grep '^teamsprov ' |
	grep -v '^teamsprov \[global options\]' | sort >"$tmp/man"

# The commands the program lists, and each one's usage line.
"$bin" --help | awk '/^Commands:/ {on = 1; next} /^$/ {on = 0}
	on {print $1}' >"$tmp/cmds"
[ -s "$tmp/cmds" ] || { echo "man-synopsis: no commands listed" >&2; exit 1; }
while read -r c; do
	"$bin" "$c" --help | head -n 1 | sed 's/^usage: //'
done <"$tmp/cmds" | sort >"$tmp/help"

if ! diff -u "$tmp/man" "$tmp/help" >"$tmp/diff"; then
	echo "man-synopsis: man/teamsprov.1 SYNOPSIS (-) differs from" \
		"--help (+):" >&2
	cat "$tmp/diff" >&2
	exit 1
fi
