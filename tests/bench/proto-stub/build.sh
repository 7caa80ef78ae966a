#!/bin/sh
# Build build/bench/diffuse-proto: kernel/main.c + kernel/proto + kernel/util
# with a no-op interpreter (stub_interp.c), to measure the protocol layer
# alone.  Uses its own CMake build tree (build/bench/dk) for the static
# libraries, so it never touches build/.
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
out="$root/build/bench"
mkdir -p "$out"
cmake -S "$root" -B "$out/dk" -DDK_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out/dk" -j"$(nproc)" --target dk_proto dk_util dk_render >/dev/null
# dk_render is listed last so that whatever util/proto pull from it resolves.
gcc -std=c11 -O2 -g -D_POSIX_C_SOURCE=200809L -DDK_VERSION='"proto-stub"' \
    -I"$root/kernel" -o "$out/diffuse-proto" \
    "$root/kernel/main.c" "$root/tests/bench/proto-stub/stub_interp.c" \
    "$out/dk/libdk_proto.a" "$out/dk/libdk_render.a" "$out/dk/libdk_util.a" \
    $(pkg-config --libs libzmq jansson libpng) -lcrypto -lpthread -lm
echo "built $out/diffuse-proto"

# Experiment: the same with hmac_nossl.c (built-in SHA-256) in place of
# kernel/proto/hmac.c, linked without libcrypto: what dropping OpenSSL buys.
objs="$out/dk/nossl-objs"
rm -rf "$objs" && mkdir -p "$objs"
(cd "$objs" && ar x "$out/dk/libdk_proto.a" && rm -f hmac.c.o)
gcc -std=c11 -O2 -g -D_POSIX_C_SOURCE=200809L -DDK_VERSION='"proto-stub-nossl"' \
    -I"$root/kernel" -o "$out/diffuse-proto-nossl" \
    "$root/kernel/main.c" "$root/tests/bench/proto-stub/stub_interp.c" \
    "$root/tests/bench/proto-stub/hmac_nossl.c" "$objs"/*.o \
    "$out/dk/libdk_render.a" "$out/dk/libdk_util.a" \
    $(pkg-config --libs libzmq jansson libpng) -lpthread -lm
echo "built $out/diffuse-proto-nossl"
