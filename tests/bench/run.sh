#!/bin/sh
# Prepare and run the kernel benchmark (on demand; not part of the test suite).
#
#   tests/bench/run.sh [bench_kernels.py options]      e.g. --quick, --kernels xeus,ipykernel
#
# Python: $BENCH_PYTHON if set; else the checkout's .venv (the project venv made by
# scripts/setup.sh) when it has pyzmq + ipykernel; else a bench-only venv at
# build/bench/venv created from tests/bench/requirements.txt.
# xeus reference kernel: built into build/bench/xminimal when xeus-dev is installed
# (apt-get install xeus-dev nlohmann-json3-dev xtl-dev cppzmq-dev); skipped otherwise.
# diffuse: measured when its kernelspec is installed in .venv/share/jupyter/kernels/diffuse
# (scripts/setup.sh, or: cmake --install build --prefix .venv).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

py=${BENCH_PYTHON:-}
if [ -z "$py" ] && [ -x .venv/bin/python ] \
   && .venv/bin/python -c 'import zmq, ipykernel' 2>/dev/null; then
  py=.venv/bin/python
fi
if [ -z "$py" ]; then
  if ! build/bench/venv/bin/python -c 'import zmq, ipykernel' 2>/dev/null; then
    echo "run.sh: creating build/bench/venv" >&2
    mkdir -p build/bench
    python3 -m venv build/bench/venv
    build/bench/venv/bin/pip install -q -r tests/bench/requirements.txt
  fi
  py=build/bench/venv/bin/python
fi

if [ -f /usr/include/xeus/xkernel.hpp ]; then
  if [ ! -x build/bench/xminimal ] || [ tests/bench/xeus-minimal/main.cpp -nt build/bench/xminimal ]; then
    tests/bench/xeus-minimal/build.sh >&2
  fi
else
  echo "run.sh: xeus-dev not installed; the xeus reference is skipped" >&2
fi

# Protocol layer alone (our kernel/proto with a no-op interpreter): optional,
# built from the working tree; a failing build only drops that row.
if [ "${BENCH_NO_PROTO_STUB:-}" = "" ]; then
  tests/bench/proto-stub/build.sh >&2 \
    || echo "run.sh: proto-stub build failed (work in progress?); an older build/bench/diffuse-proto, if any, is used" >&2
fi

echo "run.sh: python $py" >&2
exec "$py" tests/bench/bench_kernels.py "$@"
