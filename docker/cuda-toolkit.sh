#!/bin/bash
# cuda-toolkit DIR: lay out a CUDA toolkit folder at DIR from PyPI's nvidia-*
# wheels, for the GPU image's build stage only, and print DIR.
#
# libtorch's CMake config (TorchConfig -> Caffe2Config) insists on finding
# the CUDA toolkit (nvcc, headers, libraries) even though our shim has no
# CUDA code.  The torch wheel already depends on the nvidia-*-cu12 runtime
# wheels; nvcc comes from nvidia-cuda-nvcc-cu12 at torch's CUDA version.
# Each wheel is its own folder (site-packages/nvidia/<part>/{bin,include,
# lib}); CMake's FindCUDAToolkit wants one root with bin/, include/, lib64/,
# so DIR holds links into them, plus the unversioned .so names that only a
# toolkit install has.  libcuda (the driver) comes from the host at run
# time; a stub with its soname lets CMake's CUDA::cuda_driver resolve here.
set -euo pipefail
dir="$1"
cuda="$(python -c 'import torch; print(torch.version.cuda or "")')"
if [ -z "$cuda" ]; then
    echo "cuda-toolkit: this torch is not a CUDA build" >&2; exit 1
fi
pip install --quiet "nvidia-cuda-nvcc-cu12==${cuda}.*" >&2
nv="$(python -c 'import nvidia, os; print(os.path.dirname(nvidia.__path__[0] + "/x"))')"
mkdir -p "$dir/include" "$dir/lib64/stubs"
ln -sfn "$nv/cuda_nvcc/bin" "$dir/bin"
ln -sfn "$nv/cuda_nvcc/nvvm" "$dir/nvvm"
for part in "$nv"/*/; do
    [ -d "$part/include" ] && cp -rs "$part/include/." "$dir/include/"
    for lib in "$part"/lib/*.so.*; do
        [ -e "$lib" ] || continue
        ln -sfn "$lib" "$dir/lib64/$(basename "$lib")"
        ln -sfn "$lib" "$dir/lib64/$(basename "$lib" | sed -E 's/\.so\..*/.so/')"
    done
done
printf 'void cuInit(void) {}\n' | gcc -shared -x c -o "$dir/lib64/stubs/libcuda.so" \
    -Wl,-soname,libcuda.so.1 -
"$dir/bin/nvcc" --version >&2
echo "$dir"
