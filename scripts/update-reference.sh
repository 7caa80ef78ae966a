#!/bin/sh
# update-reference.sh: regenerate the command reference at the end of
# kernel/lang/REFERENCE.md from the command registry.
#
# Everything above the marker line is the hand-written guide and is kept;
# everything below it is replaced by the output of `diffuse --reference`.
# tests/unit/test_reference.c fails until this has been run after a
# command's documentation changed.
#
# Usage: scripts/update-reference.sh [path/to/diffuse]   (default: build/diffuse)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${DIFFUSE:-$root/build/diffuse}}
ref=$root/kernel/lang/REFERENCE.md
marker='<!-- Everything below is generated from the command registry by `diffuse --reference`. Do not edit by hand. -->'

if [ ! -x "$bin" ]; then
    echo "update-reference.sh: no diffuse binary at $bin" >&2
    echo "build it first: cmake -S . -B build && cmake --build build" >&2
    exit 1
fi
if ! grep -q -F -x -e "$marker" "$ref"; then
    echo "update-reference.sh: the marker line is missing from $ref" >&2
    exit 1
fi

tmp=$(mktemp "$ref.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# The guide up to and including the marker line, then the fresh reference.
awk -v m="$marker" '{ print } $0 == m { exit }' "$ref" > "$tmp"
"$bin" --reference >> "$tmp"
mv "$tmp" "$ref"
trap - EXIT
echo "updated $ref"
