#!/bin/sh
# Build build/bench/diffuse-proto: kernel/main.c + kernel/proto + kernel/util
# with a no-op interpreter (stub_interp.c), to measure the protocol layer
# alone.  Compiles those sources directly (no CMake), so work in progress in
# the other layers cannot break it; never touches build/ outside build/bench.
# OpenSSL's SHA-256 is linked statically, as CMake does for the kernel.
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
out="$root/build/bench"
objs="$out/proto-objs"
rm -rf "$objs" && mkdir -p "$objs"
CFLAGS="-std=c11 -O2 -g -D_POSIX_C_SOURCE=200809L -I$root/kernel $(pkg-config --cflags libzmq jansson)"
for src in "$root"/kernel/proto/*.c "$root"/kernel/util/*.c; do
  # shellcheck disable=SC2086
  gcc $CFLAGS -c "$src" -o "$objs/$(basename "$(dirname "$src")")_$(basename "$src" .c).o"
done
LIBS="$(pkg-config --libs libzmq jansson) -lpthread -lm"
crypto="$(pkg-config --variable=libdir libcrypto)/libcrypto.a"
[ -f "$crypto" ] && crypto="$crypto -ldl" || crypto=-lcrypto
# shellcheck disable=SC2086
gcc $CFLAGS -DDK_VERSION='"proto-stub"' -o "$out/diffuse-proto.tmp" \
    "$root/kernel/main.c" "$root/tests/bench/proto-stub/stub_interp.c" \
    "$objs"/*.o $LIBS $crypto
mv "$out/diffuse-proto.tmp" "$out/diffuse-proto"
echo "built $out/diffuse-proto"
