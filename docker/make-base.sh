#!/usr/bin/env bash
# docker/make-base.sh: a Debian 12 base image for podman, made from Debian's
# own archive, for machines that cannot pull debian:bookworm-slim from a
# registry.  The Dockerfile builds on it with
#     --build-arg BASE=localhost/diffuse-base:bookworm
#
#   1. `debootstrap --variant=minbase bookworm` into a temporary folder
#      (about 200 MB, a minute or two);
#   2. its tarball is kept in .cache/docker/ (git-ignored), so a later run,
#      even after the podman store is wiped, only imports it again;
#   3. `podman import` of that tarball as the image named below.
#
# Idempotent: nothing is done when the image already exists.  Prints the
# image name on the last line.  Needs root (debootstrap, podman's store).
# Environment: DK_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
image="localhost/diffuse-base:bookworm"
cache="$root/.cache/docker"
tarball="$cache/debian-bookworm-minbase.tar"
mirror="${DK_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if podman image exists "$image"; then
    echo "$image"
    exit 0
fi
mkdir -p "$cache"
if [ ! -s "$tarball" ]; then
    rootfs="$(mktemp -d "$cache/rootfs.XXXXXX")"
    trap 'rm -rf "$rootfs"' EXIT
    echo "make-base: debootstrap bookworm (minbase) from $mirror" >&2
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >&2
    # The same sources as debian:bookworm-slim: updates and security too.
    cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    # atomically: a half-written tarball must never look like a cache hit
    tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
fi
echo "make-base: podman import $tarball as $image" >&2
podman import --change 'CMD ["/bin/bash"]' "$tarball" "$image" >&2
echo "$image"
