"""bench_mnist.py: the Part B speed benchmark, the diffuse kernel against PyTorch.

Runs with the project venv's python (.venv/bin/python, for jupyter_client).
For each model of --models, in one run on one machine, it measures the
kernel and then PyTorch (tests/bench/bench_mnist_torch.py under Debian's
/usr/bin/python3, whose python3-torch is the libtorch 1.13 build the
kernel's backend links), with the same threads, batch sizes, step counts
and widths:

  denoiser  unconditional UNet, D = 128, batch 256 (training only)
  time      time-conditioned UNet, D = 64, batch 64; sampling: 40 images,
            one pass per Euler step
  class     class-conditioned UNet, D = 64, batch 64; sampling: 4 of each
            digit (40 images) with classifier-free guidance 5, the
            conditional and unconditional halves as one pass over 80

The kernel side starts the kernel through jupyter_client (the installed
`diffuse` kernelspec, or --diffuse-bin), sets `device "cpu" threads=T`,
builds the model, runs an untimed warm-up cell (`train ... steps=W`), then
times the cell `train model train_set batch=B steps=N` from execute_request
to execute_reply; likewise one untimed `generate ... steps=1` and a timed
`generate ... steps=S`.  Its CPU time is utime+stime of the kernel process
(/proc/PID/stat, all threads) before and after each timed cell.  The BLAS
each side loaded is read from its /proc/PID/maps; the two must match.

Prints a Markdown report (rates, diffuse / PyTorch ratios against the
1.2x target, per-CPU-second rates, load averages) and writes it to
tests/bench/RESULTS-mnist.md with the raw JSON at its end (not with
--quick unless --out is given); stdout's last line is the JSON.

Usage: .venv/bin/python tests/bench/bench_mnist.py [--models denoiser,time,class]
       [--threads N] [--steps N] [--warmup N] [--sample-steps N] [--quick]
       [--diffuse-bin PATH] [--out FILE]
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time

from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

from blas_probe import blas_report  # this folder is on sys.path when run as a script

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TORCH_PYTHON = "/usr/bin/python3"
TORCH_SCRIPT = os.path.join(HERE, "bench_mnist_torch.py")
DEFAULT_OUT = os.path.join(HERE, "RESULTS-mnist.md")

MODELS = ("denoiser", "time", "class")
BATCH = {"denoiser": 256, "time": 64, "class": 64}
# Per-model defaults: a D=128 denoiser step takes ~14 s on 2 cores, a D=64
# step about a second, so a full run stays near 5-10 minutes.
STEPS = {"denoiser": 4, "time": 20, "class": 20}
WARMUP = {"denoiser": 1, "time": 2, "class": 2}
SAMPLE_BATCH = 40
SAMPLE_CELL = {"time": "s = generate model count=40 steps={steps}",
               "class": "s = generate model per_digit=4 guidance=5 steps={steps}"}
TARGET = 1.2
CLK_TCK = os.sysconf("SC_CLK_TCK")
CELL_TIMEOUT = 3600


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def loadavg():
    return round(os.getloadavg()[0], 2)


def cpu_seconds(pid):
    """utime + stime of a process, all threads (dead ones included)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def blas_libs(report):
    """The mapped libraries that do the matrix products (for the match check)."""
    return sorted(p for p in report["mapped"] if "blas" in os.path.basename(p))


class Kernel:
    """A diffuse kernel started by jupyter_client, run from the repo root;
    a context manager that shuts it down, and shows its stderr when
    something failed."""

    def __init__(self, binary):
        self.log = tempfile.TemporaryFile("w+")
        if binary:
            self._specdir = tempfile.TemporaryDirectory()
            spec = os.path.join(self._specdir.name, "diffuse")
            os.mkdir(spec)
            with open(os.path.join(spec, "kernel.json"), "w") as f:
                json.dump({"argv": [os.path.abspath(binary), "-f", "{connection_file}"],
                           "display_name": "diffuse", "language": "diffuse"}, f)
            ksm = KernelSpecManager(kernel_dirs=[self._specdir.name])
            self.km = KernelManager(kernel_name="diffuse", kernel_spec_manager=ksm)
        else:
            self.km = KernelManager(kernel_name="diffuse")
        self.argv = self.km.kernel_spec.argv
        self.km.start_kernel(cwd=ROOT, stdout=self.log, stderr=self.log)
        self.pid = self.km.provisioner.process.pid
        self.kc = self.km.blocking_client()
        self.kc.start_channels()

    def __enter__(self):
        try:
            self.kc.wait_for_ready(timeout=60)
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def run(self, code):
        """Execute one cell; returns (wall s, kernel CPU s, its text output).
        Raises RuntimeError when the cell fails."""
        texts = []

        def hook(msg):
            c = msg["content"]
            if msg["msg_type"] == "stream":
                texts.append(c["text"])
            elif msg["msg_type"] in ("execute_result", "display_data"):
                texts.append(c.get("data", {}).get("text/plain", ""))

        cpu0, t0 = cpu_seconds(self.pid), time.perf_counter()
        reply = self.kc.execute_interactive(code, output_hook=hook,
                                            timeout=CELL_TIMEOUT)
        secs = time.perf_counter() - t0
        cpu = cpu_seconds(self.pid) - cpu0
        c = reply["content"]
        if c["status"] != "ok":
            raise RuntimeError(f"cell {code!r} failed: {c.get('ename')}: "
                               f"{c.get('evalue')}")
        return secs, cpu, "".join(texts)

    def __exit__(self, exc_type, exc, tb):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=exc_type is not None)
        if exc_type is not None:
            self.log.seek(0)
            log(f"kernel stderr:\n{self.log.read()[-4000:]}")
        self.log.close()


def kernel_side(name, a, steps, warmup):
    """Train and sample one model in a fresh kernel; the same fields as the
    PyTorch side's JSON."""
    with Kernel(a.diffuse_bin) as k:
        r = {"argv": k.argv, "pid": k.pid, "loadavg_start": loadavg()}
        _, _, r["device"] = k.run(f'device "cpu" threads={a.threads}')
        k.run(f'seed 180\ntrain_set = mnist "train"\nmodel = unet "{name}"')
        r["params"] = int(float(k.run("print model.params")[2].strip()))
        batch = BATCH[name]
        if warmup:
            log(f"  diffuse {name}: {warmup} warm-up training step(s)")
            k.run(f"train model train_set batch={batch} steps={warmup}")
        log(f"  diffuse {name}: {steps} timed training step(s)")
        secs, cpu, _ = k.run(f"train model train_set batch={batch} steps={steps}")
        r["train"] = {"batch": batch, "steps": steps, "seconds": round(secs, 3),
                      "images_per_s": round(steps * batch / secs, 2),
                      "cpu_seconds": round(cpu, 3),
                      "images_per_cpu_s": round(steps * batch / cpu, 2)}
        if name in SAMPLE_CELL:
            k.run(SAMPLE_CELL[name].format(steps=1))
            log(f"  diffuse {name}: {a.sample_steps} timed sampling step(s)")
            secs, cpu, _ = k.run(SAMPLE_CELL[name].format(steps=a.sample_steps))
            n = SAMPLE_BATCH * a.sample_steps
            r["sample"] = {"batch": SAMPLE_BATCH, "steps": a.sample_steps,
                           "seconds": round(secs, 3),
                           "image_steps_per_s": round(n / secs, 2),
                           "cpu_seconds": round(cpu, 3),
                           "image_steps_per_cpu_s": round(n / cpu, 2)}
        r["blas"] = blas_report(k.pid)
        r["loadavg_end"] = loadavg()
    return r


def torch_side(name, a, steps, warmup):
    """bench_mnist_torch.py for one model: its figures for that model, with
    the run's torch version, threads, BLAS and load averages."""
    cmd = [TORCH_PYTHON, TORCH_SCRIPT, "--models", name, "--threads", str(a.threads),
           "--steps", str(steps), "--warmup", str(warmup),
           "--sample-steps", str(a.sample_steps)]
    log(f"  {shlex.join(cmd)}")
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != 0 or not p.stdout.strip():
        log(p.stderr[-4000:])
        raise RuntimeError(f"bench_mnist_torch.py exited {p.returncode}")
    t = json.loads(p.stdout.strip().splitlines()[-1])
    return dict(t["models"][name], command=shlex.join(cmd),
                **{k: t[k] for k in ("torch", "threads", "blas", "params_ok",
                                     "loadavg_start", "loadavg_end")})


def ratio(x, y):
    return round(x / y, 3) if y else None


def compare(name, d, tm):
    """The diffuse / PyTorch ratios of one model."""
    out = {"train": {"images_per_s": ratio(d["train"]["images_per_s"],
                                           tm["train"]["images_per_s"]),
                     "images_per_cpu_s": ratio(d["train"]["images_per_cpu_s"],
                                               tm["train"]["images_per_cpu_s"])}}
    if "sample" in d:
        ts = tm["sample" if name == "time" else "sample_cfg_combined"]
        out["sample"] = {"image_steps_per_s": ratio(d["sample"]["image_steps_per_s"],
                                                    ts["image_steps_per_s"]),
                         "image_steps_per_cpu_s": ratio(
                             d["sample"]["image_steps_per_cpu_s"],
                             ts["image_steps_per_cpu_s"])}
    return out


def mark(r):
    return "—" if r is None else f"{r:.2f}× {'PASS' if r >= TARGET else 'MISS'}"


def markdown(res):
    """The report: environment, training and sampling tables, BLAS, load."""
    L = [f"# Part B speed: diffuse vs PyTorch ({res['date']})", ""]
    if res["quick"]:
        L += ["**Smoke run (`--quick`): too few steps to be a measurement.**", ""]
    if res["loadavg_start"] > 0.5:
        L += [f"**Load average {res['loadavg_start']:.2f} at the start: other work "
              "shared the cores, so these figures are contended.**", ""]
    L += ["```sh", res["command"], "```", "",
          f"Machine: nproc {res['nproc']} ({res['cpu']}), {res['threads']} threads "
          f"on both sides; run took {res['wall_s']:.0f} s.", "",
          "## Training (images/s; one step = forward, MSE, backward, Adam)", "",
          "| model | batch | steps (+warm-up) | diffuse | PyTorch | diffuse ÷ PyTorch "
          "| diffuse / CPU-s | PyTorch / CPU-s | ratio / CPU-s |",
          "|---|---|---|---|---|---|---|---|---|"]
    for name, m in res["models"].items():
        d, t, q = m["diffuse"]["train"], m["torch"]["train"], m["ratio"]["train"]
        L.append(f"| {name} | {d['batch']} | {d['steps']} (+{m['warmup']}) "
                 f"| {d['images_per_s']} | {t['images_per_s']} | {mark(q['images_per_s'])} "
                 f"| {d['images_per_cpu_s']} | {t['images_per_cpu_s']} "
                 f"| {q['images_per_cpu_s']:.2f}× |")
    sampled = {n: m for n, m in res["models"].items() if "sample" in m["diffuse"]}
    if sampled:
        L += ["", f"## Sampling (image-steps/s, batch {SAMPLE_BATCH}, Euler)", "",
              "| model | pass per step | steps | diffuse | PyTorch | diffuse ÷ PyTorch "
              "| diffuse / CPU-s | PyTorch / CPU-s | ratio / CPU-s |",
              "|---|---|---|---|---|---|---|---|---|"]
        for name, m in sampled.items():
            d, q = m["diffuse"]["sample"], m["ratio"]["sample"]
            tm = m["torch"]
            t = tm["sample"] if name == "time" else tm["sample_cfg_combined"]
            how = "40 images" if name == "time" else "CFG 5, 80 images (combined)"
            L.append(f"| {name} | {how} | {d['steps']} | {d['image_steps_per_s']} "
                     f"| {t['image_steps_per_s']} | {mark(q['image_steps_per_s'])} "
                     f"| {d['image_steps_per_cpu_s']} | {t['image_steps_per_cpu_s']} "
                     f"| {q['image_steps_per_cpu_s']:.2f}× |")
        if "class" in sampled:
            two = sampled["class"]["torch"]["sample_cfg_two_pass"]
            L += ["", f"PyTorch with CFG as two passes of 40 per step: "
                  f"{two['image_steps_per_s']} image-steps/s "
                  f"({two['image_steps_per_cpu_s']} per CPU-s); the kernel always "
                  "uses the combined pass."]
    L += ["", f"Target: diffuse ≥ {TARGET}× PyTorch (wall clock, same threads).", "",
          "## Conditions", "",
          "| model | side | load avg before → after | CPU s / wall s (timed train) "
          "| BLAS mapped |", "|---|---|---|---|---|"]
    for name, m in res["models"].items():
        for side in ("diffuse", "torch"):
            s = m[side]
            tr = s["train"]
            libs = ", ".join(blas_libs(s["blas"])) or "none"
            L.append(f"| {name} | {'PyTorch' if side == 'torch' else side} "
                     f"| {s['loadavg_start']:.2f} → {s['loadavg_end']:.2f} "
                     f"| {tr['cpu_seconds'] / tr['seconds']:.2f} | {libs} |")
    L += ["", f"Same BLAS on both sides: **{'yes' if res['same_blas'] else 'NO'}** "
          f"(libblas.so.3 → {res['libblas']}).", "",
          f"Kernel: `{shlex.join(res['kernel_argv'])}`; PyTorch: torch "
          f"{res['torch_version']} under {TORCH_PYTHON}.", "",
          "Kernel `device` output:", "", "```",
          res["device"].rstrip(), "```", "",
          "## Raw data", "", "```json", json.dumps(res, indent=1), "```", ""]
    return "\n".join(L)


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="CPU threads for both sides (default: every core)")
    ap.add_argument("--steps", type=int, default=None,
                    help="timed training steps (default 4 for the denoiser, 20 "
                    "for the D=64 models)")
    ap.add_argument("--warmup", type=int, default=None,
                    help="untimed training steps first (default 1 for the "
                    "denoiser, 2 for the D=64 models)")
    ap.add_argument("--sample-steps", type=int, default=None,
                    help="timed Euler steps (default 20)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: 2 steps, 1 warm-up, 2 sampling steps "
                    "(same widths); writes no file unless --out")
    ap.add_argument("--diffuse-bin",
                    help="run this binary instead of the installed kernelspec's")
    ap.add_argument("--out", help=f"report file (default {DEFAULT_OUT})")
    a = ap.parse_args(argv)
    names = a.models.split(",")
    if any(n not in MODELS for n in names):
        ap.error(f"--models: choose from {','.join(MODELS)}")
    if a.quick:
        a.steps = a.steps or 2
        a.warmup = 1 if a.warmup is None else a.warmup
        a.sample_steps = a.sample_steps or 2
    a.sample_steps = a.sample_steps or 20

    start = time.perf_counter()
    res = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "command": shlex.join([".venv/bin/python", "tests/bench/bench_mnist.py"]
                                 + (argv if argv is not None else sys.argv[1:])),
           "quick": a.quick, "nproc": os.cpu_count(), "cpu": cpu_name(),
           "threads": a.threads, "loadavg_start": loadavg(), "models": {}}
    same_blas = True
    for name in names:
        steps = a.steps or STEPS[name]
        warmup = WARMUP[name] if a.warmup is None else a.warmup
        log(f"{name}: diffuse kernel")
        d = kernel_side(name, a, steps, warmup)
        log(f"{name}: PyTorch")
        t = torch_side(name, a, steps, warmup)
        if d["params"] != t["params"]:
            raise RuntimeError(f"{name}: the kernel's model has {d['params']} "
                               f"parameters, PyTorch's {t['params']}")
        same_blas &= blas_libs(d["blas"]) == blas_libs(t["blas"])
        res["models"][name] = {"warmup": warmup, "diffuse": d, "torch": t,
                               "ratio": compare(name, d, t)}
        res.update(kernel_argv=d["argv"], device=d["device"],
                   torch_version=t["torch"], libblas=t["blas"]["libblas.so.3"])
    res["same_blas"] = same_blas
    res["loadavg_end"] = loadavg()
    res["wall_s"] = round(time.perf_counter() - start, 1)

    report = markdown(res)
    print(report)
    out = a.out or (None if a.quick else DEFAULT_OUT)
    if out:
        with open(out, "w") as f:
            f.write(report)
        log(f"wrote {out}")
    print(json.dumps(res))
    return 0 if same_blas else 1


if __name__ == "__main__":
    sys.exit(main())
