#!/usr/bin/env bash
# tests/docker/test_image.sh: build the CPU image with podman and use it the
# way a student would; test.sh's `docker` stage.
#
#   1. a Debian 12 base image from Debian's archive (docker/make-base.sh;
#      its tarball is cached in .cache/docker/, the image in podman's store);
#   2. `podman build` of docker/Dockerfile with VARIANT=cpu on that base
#      (podman's layer cache makes a rebuild with unchanged sources quick);
#   3. runs it with a token on a free port of 127.0.0.1, then checks: the
#      port is bound to 127.0.0.1 only; /api/kernelspecs lists diffuse (and
#      refuses a request without the token); the HEALTHCHECK passes; every
#      process in the container runs as uid 1000; A1.1 and a short Part B
#      training cell run in the container's kernel, driven through the
#      server's REST and websocket API from outside (tests/docker/
#      remote_run.py), and their images come back as PNGs; `device` says the
#      kernel fell back to the CPU; an interrupt stops a training cell and
#      the model still samples in the next;
#   4. stops and removes the container, and checks that nothing of it runs.
#
# One line per check ("ok   ..." / "FAIL ..."); the last line is
# "docker: N passed, M failed", and the exit status is non-zero on a failure.
# Needs root (podman's store), podman, runc, debootstrap (scripts/setup.sh).
# Images land in build/docker/.  Environment: DK_DOCKER_IMAGE (the tag to
# build, default localhost/diffuse:cpu-test).
set -uo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
export CONTAINERS_CONF="$root/tests/docker/containers.conf"
py="$root/.venv/bin/python"
image="${DK_DOCKER_IMAGE:-localhost/diffuse:cpu-test}"
name="diffuse-test-$$"
out="$root/build/docker"
pass=0 fail=0

check() {  # description command...
    local what="$1"
    shift
    if "$@"; then
        pass=$((pass + 1)); echo "ok   $what"
    else
        fail=$((fail + 1)); echo "FAIL $what"
    fi
}
finish() {
    echo "docker: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
}
cleanup() { podman rm --force --time 5 "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT

# --- 1, 2: base and image -------------------------------------------------------
t=$SECONDS
base="$(docker/make-base.sh | tail -1)"
check "base image $base ($((SECONDS - t)) s)" podman image exists "$base"
[ "$fail" -eq 0 ] || finish
# this machine's CA bundle, for a TLS-intercepting proxy (used, not stored)
secret=()
ca=/etc/ssl/certs/ca-certificates.crt
[ -s "$ca" ] && secret=(--secret "id=ca,src=$ca")
t=$SECONDS
podman build --isolation=chroot --format docker -f docker/Dockerfile \
    --build-arg BASE="$base" --build-arg VARIANT=cpu "${secret[@]}" -t "$image" . 2>&1 \
    | tail -n 40
check "podman build VARIANT=cpu ($((SECONDS - t)) s)" test "${PIPESTATUS[0]}" -eq 0
[ "$fail" -eq 0 ] || finish

# --- 3. run it -----------------------------------------------------------------
token="$("$py" -c 'import secrets; print(secrets.token_hex(16))')"
port="$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
check "podman run on 127.0.0.1:$port" \
    podman run --detach --name "$name" -p "127.0.0.1:$port:8888" \
        -e JUPYTER_TOKEN="$token" "$image"

get() {  # path [token]: the body of GET url/path, or fail
    "$py" - "$url/$1" "${2:-}" <<'EOF'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1])
if sys.argv[2]:
    req.add_header("Authorization", f"token {sys.argv[2]}")
print(urllib.request.urlopen(req, timeout=10).read().decode())
EOF
}
up=0
for _ in $(seq 120); do
    if get api >/dev/null 2>&1; then up=1; break; fi
    sleep 1
done
check "the server answers on $url/api" test "$up" = 1
if [ "$up" != 1 ]; then podman logs "$name" 2>&1 | tail -n 30; finish; fi

bound="$(podman port "$name" 8888)"
check "the port is published on 127.0.0.1 only ($bound)" test "$bound" = "127.0.0.1:$port"
specs="$(get api/kernelspecs "$token")"
check "/api/kernelspecs lists diffuse" \
    "$py" -c 'import json, sys; assert "diffuse" in json.loads(sys.argv[1])["kernelspecs"]' "$specs"
refused() { ! get api/kernelspecs >/dev/null 2>&1; }
check "/api/kernelspecs refuses a request without the token" refused
check "the HEALTHCHECK passes" podman healthcheck run "$name"
uids="$(podman exec "$name" sh -c 'cat /proc/[0-9]*/status' | awk '/^Uid:/ { print $2 }' | sort -u)"
check "every process runs as uid 1000 (uids: $(echo $uids))" test "$uids" = 1000

rm -rf "$out" && mkdir -p "$out"
t=$SECONDS
"$py" tests/docker/remote_run.py "$url" "$token" "$out/A1.1" \
    --notebook notebooks/A1.1-forward-process.ipynb
check "A1.1 runs in the container's kernel ($((SECONDS - t)) s)" test $? -eq 0
t=$SECONDS
"$py" tests/docker/remote_run.py "$url" "$token" "$out/B" \
    --code 'device' \
    --code $'seed 180\ntrain_set = mnist "train"\nmodel = unet "class" hidden=8\ntrain model train_set batch=32 steps=40 subset=2000' \
    --interrupt 'train model train_set batch=32 epochs=50' \
    --code 'generate model per_digit=1 steps=4' | tee "$out/B.log"
check "a Part B training cell runs in the container's kernel ($((SECONDS - t)) s)" \
    test "${PIPESTATUS[0]}" -eq 0
check "device says the kernel fell back to the CPU" \
    grep -Eq '^  \| device +cpu$' "$out/B.log"
check "an interrupt (message mode) stops training, and the kernel goes on" \
    grep -Eq '^cell 3 \(--interrupt: .*\): interrupted' "$out/B.log"
pngs() {  # dir: at least one file, and every file a PNG
    local f n=0
    for f in "$1"/*.png; do
        [ -f "$f" ] && [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] \
            || return 1
        n=$((n + 1))
    done
    echo "  $n PNG(s) in $1"
    [ "$n" -gt 0 ]
}
check "A1.1's images came back as PNGs" pngs "$out/A1.1"
check "Part B's images came back as PNGs" pngs "$out/B"

# --- 4. stop -------------------------------------------------------------------
check "podman stop" podman stop --time 20 "$name"
check "podman rm" podman rm "$name"
check "nothing of it is left" test -z "$(podman ps --all --quiet --filter "name=^$name\$")"
finish
