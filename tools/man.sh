#!/bin/sh
# man.sh SCDOC IN.scd OUT — one man page from its scdoc source. Written
# under a temporary name and moved into place only when scdoc made it, so a
# missing or failing scdoc never leaves an empty page for `make install`.
set -u
scdoc=$1 in=$2 out=$3
if ! command -v "$scdoc" >/dev/null 2>&1; then
	echo "make man: '$scdoc' is not installed (apt-get install scdoc)" >&2
	exit 1
fi
mkdir -p "$(dirname "$out")"
if "$scdoc" <"$in" >"$out.tmp" && [ -s "$out.tmp" ]; then
	mv "$out.tmp" "$out"
else
	rm -f "$out.tmp"
	echo "make man: $scdoc could not make $out from $in" >&2
	exit 1
fi
