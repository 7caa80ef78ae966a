#!/usr/bin/env bash
# ./run.sh [args...]     set up, then JupyterLab on notebooks/ (args go to jupyter lab)
# ./run.sh --headless    set up, then execute every notebooks/*.ipynb with the
#                        diffuse kernel into build/report/ (the executed .ipynb
#                        and its HTML), and write build/report/index.html: the
#                        sections in order and the deliverables, each linked
#                        to its figure (python -m diffuse_jupyter.report);
#                        non-zero exit if any notebook fails
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$(pwd)"

./scripts/setup.sh

export JUPYTER_PLATFORM_DIRS=1
export PYDEVD_DISABLE_FILE_VALIDATION=1

if [ "${1:-}" != "--headless" ]; then
    mkdir -p notebooks
    extra=()
    [ "$(id -u)" -eq 0 ] && extra+=(--allow-root)
    # diffuse is the default kernel for new notebooks
    exec .venv/bin/jupyter lab --notebook-dir=notebooks \
        --MultiKernelManager.default_kernel_name=diffuse "${extra[@]}" "$@"
fi
shift

report="$ROOT/build/report"
mkdir -p "$report"
shopt -s nullglob
notebooks=(notebooks/*.ipynb)
if [ ${#notebooks[@]} -eq 0 ]; then
    echo "run.sh --headless: no notebooks in notebooks/, nothing to run"
    exit 0
fi

passed=() failed=()
for nb in "${notebooks[@]}"; do
    name="$(basename "$nb" .ipynb)"
    echo "== $nb"
    start=$(date +%s)
    rm -f "$report/$name.ipynb" "$report/$name.html"
    if .venv/bin/jupyter nbconvert --execute --to notebook \
            --ExecutePreprocessor.kernel_name=diffuse \
            --ExecutePreprocessor.timeout=1800 \
            --output-dir "$report" --output "$name" "$@" "$nb"; then
        passed+=("$name ($(( $(date +%s) - start ))s)")
    else
        failed+=("$name")
    fi
done

# The pages (with figure anchors, alt text, MathJax served from the report
# folder) and the index, from the notebooks that ran.
report_ok=1
.venv/bin/python -m diffuse_jupyter.report "$report" || report_ok=0

echo
echo "Notebooks: ${#passed[@]} passed, ${#failed[@]} failed (build/report/index.html)"
for n in "${passed[@]}"; do echo "  ok    $n"; done
for n in "${failed[@]}"; do echo "  FAIL  $n"; done
[ "$report_ok" = 1 ] || echo "  FAIL  the report's pages and index (above)"
[ ${#failed[@]} -eq 0 ] && [ "$report_ok" = 1 ]
