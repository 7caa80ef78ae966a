#!/bin/sh
# Build the minimal xeus reference kernel from Debian's packages.
#   apt-get install xeus-dev nlohmann-json3-dev xtl-dev cppzmq-dev libzmq3-dev uuid-dev
# Output: build/bench/xminimal (relative to the repository root).
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
out="$root/build/bench"
mkdir -p "$out"
# -O2, like Debian's libxeus.so itself (built RelWithDebInfo/Release).
g++ -std=c++17 -O2 -o "$out/xminimal" "$root/tests/bench/xeus-minimal/main.cpp" \
    -lxeus -lzmq -lpthread
echo "built $out/xminimal"
