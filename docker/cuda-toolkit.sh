#!/bin/bash
# cuda-toolkit DIR: lay out a CUDA toolkit folder at DIR from PyPI's nvidia
# wheels, for the GPU image's build stage only, and print DIR.
#
# libtorch's CMake config (TorchConfig -> Caffe2Config) insists on finding
# the CUDA toolkit (nvcc, headers, libraries) although our shim has no CUDA
# code.  The torch wheel already pulls in the CUDA runtime wheels; nvcc is
# added at torch's CUDA version:
#   CUDA 13 (torch 2.10 on): the cuda-toolkit[nvcc] metapackage, at the
#     version torch itself requires; all its wheels share nvidia/cu13/;
#   CUDA 12: nvidia-cuda-nvcc-cu12; each wheel has its own nvidia/<part>/.
# CMake's FindCUDAToolkit wants one root with bin/, include/, lib64/ (and
# nvcc wants nvvm/ beside bin/), so DIR holds links into every nvidia/*/
# folder, plus the unversioned .so names only a toolkit install has.
# libcuda (the driver) comes from the host at run time; a stub with its
# soname lets CMake's CUDA::cuda_driver resolve here.
set -euo pipefail
dir="$1"
read -r cuda toolkit_pin < <(python - <<'PY'
import importlib.metadata as md, re, torch
pin = next((r.split(";")[0].split("==")[1] for r in md.requires("torch") or []
            if re.match(r"cuda-toolkit\b", r)), "")
print(torch.version.cuda or "-", pin or "-")
PY
)
case "$cuda" in
    -) echo "cuda-toolkit: this torch is not a CUDA build" >&2; exit 1 ;;
    12.*) pip install --quiet "nvidia-cuda-nvcc-cu12==${cuda}.*" >&2 ;;
    *) if [ "$toolkit_pin" = - ]; then
           echo "cuda-toolkit: torch (CUDA $cuda) does not pin cuda-toolkit" >&2; exit 1
       fi
       pip install --quiet "cuda-toolkit[nvcc]==$toolkit_pin" >&2 ;;
esac
nv="$(python -c 'import nvidia; print(list(nvidia.__path__)[0])')"
mkdir -p "$dir/bin" "$dir/include" "$dir/lib64/stubs"
for part in "$nv"/*/; do
    [ -d "$part/bin" ] && cp -rs "$part/bin/." "$dir/bin/"
    [ -d "$part/include" ] && cp -rs "$part/include/." "$dir/include/"
    [ -d "$part/nvvm" ] && ln -sfn "$part/nvvm" "$dir/nvvm"
    for lib in "$part"/lib/*.so*; do
        [ -e "$lib" ] || continue
        ln -sfn "$lib" "$dir/lib64/$(basename "$lib")"
        ln -sfn "$lib" "$dir/lib64/$(basename "$lib" | sed -E 's/\.so(\..*)?$/.so/')"
    done
done
printf 'void cuInit(void) {}\n' | gcc -shared -x c -o "$dir/lib64/stubs/libcuda.so" \
    -Wl,-soname,libcuda.so.1 -
"$dir/bin/nvcc" --version >&2
echo "$dir"
