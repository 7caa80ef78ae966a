#!/bin/bash
# diffuse-start: the image's entry point (under tini, as uid 1000).
#
# Gives the student a work folder laid out like the repository (notebooks/
# next to models/, as the notebooks' relative paths expect), copying the
# image's copies in only where the student has none: their own edits on the
# work volume are never overwritten.  Then starts
#   - jupyterhub-singleuser when a JupyterHub spawned us (it sets
#     JUPYTERHUB_API_TOKEN), else
#   - JupyterLab on port 8888; the token comes from $JUPYTER_TOKEN (Jupyter
#     reads it itself), or Jupyter makes one and prints it in the log.
# Arguments go to the server (e.g. --ServerApp.base_url=/lab/).
set -euo pipefail
work="${DIFFUSE_WORK:-$HOME/work}"
mkdir -p "$work"
for d in notebooks models; do
    [ -e "$work/$d" ] || cp -r "/opt/diffuse/$d" "$work/$d"
done
common=(--ServerApp.root_dir="$work" --MultiKernelManager.default_kernel_name=diffuse)
if [ -n "${JUPYTERHUB_API_TOKEN:-}" ]; then
    exec jupyterhub-singleuser "${common[@]}" "$@"
fi
exec jupyter lab --ip=0.0.0.0 --port=8888 --no-browser "${common[@]}" "$@"
