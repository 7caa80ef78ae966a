"""blas_probe.py: which BLAS, oneDNN and OpenMP libraries a process has
mapped, and what Debian's libblas.so.3 alternative points at.  Shared by
both sides of the Part B benchmark (no torch import, so the venv's python
can use it for the kernel and Debian's for PyTorch)."""
import os

LIBBLAS = "/usr/lib/x86_64-linux-gnu/libblas.so.3"


def blas_report(pid="self"):
    """{"libblas.so.3": target, "kind": openblas|reference|unknown,
    "mapped": [paths]} for process pid (default: this one)."""
    libs = set()
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split()
            path = parts[5] if len(parts) >= 6 else ""
            if any(k in os.path.basename(path)
                   for k in ("blas", "lapack", "mkl", "dnnl", "gomp")):
                libs.add(path)
    target = os.path.realpath(LIBBLAS) if os.path.exists(LIBBLAS) else None
    kind = ("openblas" if target and "openblas" in target else
            "reference" if target and "/blas/" in target else "unknown")
    return {"libblas.so.3": target, "kind": kind, "mapped": sorted(libs)}
