#!/usr/bin/env bash
# ./test.sh: set up, then run every test suite of the project, in order:
#   1. ctest on the Release build (build/)              C unit tests
#   2. ctest on an ASan+UBSan build (build-asan/)        the same, sanitized
#   3. each libFuzzer target (build-fuzz/fuzz_*) for DK_FUZZ_SECONDS (30) s
#      (built without the libtorch backend, which the fuzzers do not reach)
#   4. pytest on tests/ with the venv's python           protocol, front-ends,
#                                                        notebooks, bench
#   5. ext: the JupyterLab extension's node unit tests (ext/test/), and
#      browser: JupyterLab / Notebook 7 / classic notebook in headless
#      chromium (tests/browser/; screenshots in build/browser/)
#   6. docker: the CPU image (docker/Dockerfile) built and run with podman
#      on a debootstrap base (tests/docker/test_image.sh; README says how
#      long it takes)
# Each stage's own output is shown.  The last line is the total,
# "N passed, N failed", and the exit status is non-zero if anything failed.
#
# Knobs: DK_BUILD_DIR / DK_BUILD_TYPE (see scripts/setup.sh), DK_FUZZ_SECONDS
# (per fuzz target, default 30), DK_PYTEST_ARGS
# (extra pytest arguments, e.g. "-k protocol"), DK_SKIP=ctest,asan,fuzz,pytest,ext,browser,docker
# (stages to leave out, for quick local runs; CI runs everything).
set -uo pipefail
cd "$(dirname "$0")"
ROOT="$(pwd)"
JOBS="$(nproc)"
FUZZ_SECONDS="${DK_FUZZ_SECONDS:-30}"
SKIP=",${DK_SKIP:-},"
export JUPYTER_PLATFORM_DIRS=1 PYDEVD_DISABLE_FILE_VALIDATION=1
if [ "${CI:-}" = true ]; then
    export DEBIAN_FRONTEND=noninteractive
    exec </dev/null  # nothing may wait for a person
fi

TOTAL_PASS=0 TOTAL_FAIL=0
SUMMARY=()
T0=$(date +%s)

STAGE_T0=$SECONDS
banner() { printf '\n==== %s ====\n' "$*"; STAGE_T0=$SECONDS; }
record() {  # stage passed failed [note]
    TOTAL_PASS=$((TOTAL_PASS + $2)); TOTAL_FAIL=$((TOTAL_FAIL + $3))
    SUMMARY+=("$(printf '%-10s %4d passed, %4d failed  %5ss  %s' "$1" "$2" "$3" \
        $((SECONDS - STAGE_T0)) "${4:-}")")
}

# ctest in a build dir; counts from its "N tests failed out of M" line.
run_ctest() {  # stage builddir
    local log rc total failed
    log="$(mktemp)"
    ctest --test-dir "$2" --output-on-failure 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    if grep -q "No tests were found" "$log"; then
        record "$1" 0 0 "(no tests)"
    elif read -r failed total < <(sed -nE \
            's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1 \2/p' "$log" | tail -1) \
            && [ -n "$total" ]; then
        [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
        record "$1" $((total - failed)) "$failed"
    else
        record "$1" 0 1 "(ctest exit $rc, no summary)"
    fi
    rm -f "$log"
}

# --- 0. set-up (packages, venv, Release build, kernelspec) ---------------
banner "setup"
if ./scripts/setup.sh; then SETUP_OK=1; else SETUP_OK=0; record setup 0 1 "(setup/build failed)"; fi

# --- 1. ctest, Release ----------------------------------------------------
if [[ "$SKIP" != *,ctest,* ]]; then
    banner "ctest (${DK_BUILD_DIR:-build}/)"
    if [ "$SETUP_OK" = 1 ]; then run_ctest ctest "${DK_BUILD_DIR:-build}"; else echo "skipped: no build"; fi
fi

# --- 2. sanitizer build ---------------------------------------------------
if [[ "$SKIP" != *,asan,* ]]; then
    banner "ctest (build-asan/, ASan+UBSan)"
    # -O2 with debug info: ASan and UBSan check as well as at -O0, and the
    # tests that train small UNets run several times faster.
    if cmake -S . -B build-asan -DDK_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
             >/dev/null && cmake --build build-asan -j"$JOBS"; then
        # LeakSanitizer (GCC 12) crashes scanning the dynamic TLS of the
        # dlopen'd libtorch ("Tracer caught signal 11"): skip TLS, and ignore
        # what the loader and libtorch keep for the life of the process (the
        # same settings as tests/unit/test_shim.c; libgomp keeps its thread
        # pool), and libsrt's static
        # constructor (test_conv_transpose links libtorch, which pulls it
        # in).  Our own leaks still count.
        supp="$ROOT/build-asan/lsan.supp"
        printf 'leak:%s\n' _dl_ _dlerror_run __cxa_thread_atexit_impl \
            libglib-2.0.so libtorch_cpu.so libc10.so libsrt-gnutls.so libgomp.so >"$supp"
        ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
        LSAN_OPTIONS="${LSAN_OPTIONS:-use_tls=0:suppressions=$supp}" \
        UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
            run_ctest asan build-asan
    else
        record asan 0 1 "(sanitizer build failed)"
    fi
fi

# --- 3. fuzzing -------------------------------------------------------------
if [[ "$SKIP" != *,fuzz,* ]]; then
    banner "fuzz (build-fuzz/, ${FUZZ_SECONDS}s per target)"
    if { [ -f build-fuzz/Makefile ] || cmake -S . -B build-fuzz -DDK_FUZZ=ON \
             -DCMAKE_C_COMPILER=clang -DDK_TESTS=OFF -DDK_TORCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo; } \
            && cmake --build build-fuzz -j"$JOBS"; then
        fp=0 ff=0
        mkdir -p build-fuzz/artifacts
        shopt -s nullglob
        for bin in build-fuzz/fuzz_*; do
            [ -x "$bin" ] && [ -f "$bin" ] || continue
            name="$(basename "$bin")"
            work="build-fuzz/corpus/$name"  # new inputs land here, not in git
            mkdir -p "$work"
            seeds=()
            [ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
            echo "-- $name"
            flog="build-fuzz/$name.log"
            "$bin" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 \
                -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$name-" \
                "$work" "${seeds[@]}" >"$flog" 2>&1
            frc=$?
            tail -n 30 "$flog"
            if [ "$frc" -eq 0 ]; then
                fp=$((fp + 1)); echo "-- $name: ok"
            else
                ff=$((ff + 1))
                echo "-- $name: FAILED (exit $frc; log $flog, reproducer in build-fuzz/artifacts/)"
            fi
        done
        shopt -u nullglob
        record fuzz "$fp" "$ff" "$([ $((fp + ff)) -eq 0 ] && echo '(no fuzz targets)')"
    else
        record fuzz 0 1 "(fuzz build failed)"
    fi
fi

# --- 4. pytest ----------------------------------------------------------------
if [[ "$SKIP" == *,pytest,* ]]; then
    :
elif [ "$SETUP_OK" = 1 ]; then
    banner "pytest (tests/)"
    plog="$(mktemp)"
    # shellcheck disable=SC2086
    .venv/bin/python -m pytest tests -p no:cacheprovider --timeout=300 -ra --durations=30 \
        $([ "${CI:-}" = true ] && echo --color=no) ${DK_PYTEST_ARGS:-} 2>&1 | tee "$plog"
    rc=${PIPESTATUS[0]}
    # counts from pytest's closing line ("56 passed, 2 skipped, 16 subtests
    # passed in 33s"): tests, not subtests
    read -r pp pf ps < <(.venv/bin/python - "$plog" <<'EOF'
import re, sys
lines = [l for l in open(sys.argv[1], errors="replace") if re.search(r" in [0-9.]+s", l)]
n = {"passed": 0, "failed": 0, "skipped": 0}
for part in (lines[-1] if lines else "").strip(" =\n").split(", "):
    m = re.match(r"=*\s*(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)\b", part.strip())
    if m:
        k = {"errors": "failed", "error": "failed", "xfailed": "passed",
             "xpassed": "passed"}.get(m.group(2), m.group(2))
        n[k] += int(m.group(1))
print(n["passed"], n["failed"], n["skipped"])
EOF
)
    rm -f "$plog"
    # exit 5 = nothing collected; any other non-zero exit with no failure
    # counted (collection error, internal error, timeout) fails the run
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ] && [ "$pf" -eq 0 ]; then pf=1; fi
    record pytest "$pp" "$pf" "$([ "$ps" -gt 0 ] && echo "($ps skipped)") (exit $rc)"
else
    banner "pytest (tests/)"
    echo "skipped: setup failed"
fi

# --- 5. JupyterLab extension (ext/): node unit tests, browser tests ---------
# node:test suites; counts from the runner's closing "ℹ pass N" / "ℹ fail N".
# `browser` drives the venv's JupyterLab / Notebook 7 and Debian's classic
# notebook with headless /usr/bin/chromium (screenshots in build/browser/).
run_nodetest() {  # stage dir command...
    local stage="$1" dir="$2" log rc np nf
    shift 2
    log="$(mktemp)"
    (cd "$dir" && "$@") 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    np="$(sed -nE 's/^ℹ pass ([0-9]+)$/\1/p' "$log" | tail -1)"
    nf="$(sed -nE 's/^ℹ fail ([0-9]+)$/\1/p' "$log" | tail -1)"
    rm -f "$log"
    if [ -z "$np" ] || [ -z "$nf" ]; then
        record "$stage" 0 1 "(exit $rc, no summary)"
        return
    fi
    [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ] && nf=1
    record "$stage" "$np" "$nf" "(exit $rc)"
}
EXT_OK=0
[ "$SETUP_OK" = 1 ] && [ -f .venv/share/jupyter/labextensions/diffuse-jupyterlab/package.json ] \
    && [ -d ext/node_modules ] && EXT_OK=1
for stage in ext browser; do
    [[ "$SKIP" == *,$stage,* ]] && continue
    if [ "$stage" = ext ]; then
        banner "ext (JupyterLab extension: node unit tests)"
    else
        banner "browser (JupyterLab, Notebook 7, classic notebook; headless chromium)"
    fi
    if [ "$EXT_OK" != 1 ]; then
        echo "skipped: the extension is not built (see the setup output)"
        record "$stage" 0 1 "(extension not built)"
    elif [ "$stage" = ext ]; then
        run_nodetest ext ext npm test --silent
    else
        run_nodetest browser . node --test --test-reporter=spec tests/browser/frontends.test.mjs
    fi
done

# --- 6. Docker image (podman) -------------------------------------------------
# Counts from test_image.sh's closing "docker: N passed, M failed".
if [[ "$SKIP" != *,docker,* ]]; then
    banner "docker (CPU image, podman; tests/docker/test_image.sh)"
    if [ "$SETUP_OK" = 1 ]; then
        dlog="$(mktemp)"
        tests/docker/test_image.sh 2>&1 | tee "$dlog"
        rc=${PIPESTATUS[0]}
        if read -r dp df < <(sed -nE 's/^docker: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' \
                "$dlog" | tail -1) && [ -n "$dp" ]; then
            [ "$rc" -ne 0 ] && [ "$df" -eq 0 ] && df=1
            record docker "$dp" "$df" "(exit $rc)"
        else
            record docker 0 1 "(exit $rc, no summary)"
        fi
        rm -f "$dlog"
    else
        echo "skipped: setup failed"
        record docker 0 1 "(setup failed)"
    fi
fi

banner "summary ($(( $(date +%s) - T0 ))s)"
for line in "${SUMMARY[@]}"; do echo "$line"; done
echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
[ "$TOTAL_FAIL" -eq 0 ]
