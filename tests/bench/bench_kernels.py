#!/usr/bin/env python3
"""Benchmark Jupyter kernels: diffuse (ours), ipykernel, and a minimal xeus kernel.

For each kernel, in one run:
  * cold start: spawn -> first kernel_info_reply on shell (median of N spawns),
    plus the kernel's own CPU time spent until that reply;
  * round trip of a trivial execute on a warm kernel: execute_request sent ->
    execute_reply on shell AND status idle on iopub received (median, p99);
  * kernel CPU time per execute, read from the kernel's process CPU clock
    (clock_getcpuclockid: all threads, ns resolution), cross-checked with
    /proc/<pid>/task/*/schedstat and /proc/<pid>/stat utime+stime;
  * idle RSS: VmRSS from /proc/<pid>/status after the warm loop and an idle wait.

Optionally (--backend-cmd CODE): on fresh kernels, the round trip of the first
execute of CODE (e.g. the first command that loads the libtorch backend) versus
a trivial execute.

Prints a markdown report with PASS/MISS against the targets and writes it to
tests/bench/RESULTS-kernel.md (not with --quick unless --out is given).
Exit status is non-zero only when the harness could not measure a kernel it was
asked for; missed targets never fail the run.

Usage: python tests/bench/bench_kernels.py [--kernels diffuse,ipykernel,xeus] [--quick]
       [--backend-cmd 'device'] [--out FILE]
"""
from __future__ import annotations

import argparse
import ctypes
import datetime as _dt
import hashlib
import hmac
import json
import os
import platform
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DELIM = b"<IDS|MSG>"

# Targets for diffuse (from the issue). MiB = 1024*1024 bytes.
TARGET_START_MS = 8.0
TARGET_CPU_US = 100.0
TARGET_RSS_MIB = 8.0

CLK_TCK = os.sysconf("SC_CLK_TCK")
_libc = ctypes.CDLL(None, use_errno=True)


class HarnessError(RuntimeError):
    pass


# --------------------------------------------------------------------------
# /proc readers
# --------------------------------------------------------------------------

def cpu_clock_ns(pid: int) -> int | None:
    """Process CPU time (all threads, dead ones included) in ns, or None."""
    cid = ctypes.c_int()
    if _libc.clock_getcpuclockid(pid, ctypes.byref(cid)) != 0:
        return None
    try:
        return time.clock_gettime_ns(cid.value)
    except OSError:
        return None


def schedstat_ns(pid: int) -> int:
    """Sum of on-CPU ns over the live threads (/proc/<pid>/task/*/schedstat)."""
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return 0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            pass
    return total


def stat_ticks_s(pid: int) -> float:
    """utime+stime from /proc/<pid>/stat, in seconds (CLK_TCK resolution)."""
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    fields = data[data.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime = field 14, stime = field 15
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_status(pid: int) -> dict:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem", "Threads", "VmSize"):
                out[k] = int(v.split()[0])  # kB, or a count for Threads
    return out


def smaps_by_file(pid: int, top: int = 8) -> list[tuple[str, int]]:
    """Rss (kB) per mapped file (or [heap]/[stack]/anon), largest first."""
    per: dict[str, int] = {}
    cur = None
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                first = line.split(None, 1)[0]
                if "-" in first and not first.endswith(":"):
                    parts = line.split()
                    cur = os.path.basename(parts[5]) if len(parts) > 5 else "[anon]"
                elif first == "Rss:" and cur is not None:
                    per[cur] = per.get(cur, 0) + int(line.split()[1])
    except OSError:
        return []
    return sorted(per.items(), key=lambda kv: -kv[1])[:top]


def kernel_cpu_ns(pid: int) -> int:
    v = cpu_clock_ns(pid)
    return v if v is not None else schedstat_ns(pid)


# --------------------------------------------------------------------------
# Minimal Jupyter client (hand-rolled signing: the client's own cost is small
# and identical for every kernel)
# --------------------------------------------------------------------------

def free_ports(n: int) -> list[int]:
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class Conn:
    """Connection info + sockets + message helpers for one kernel process."""

    def __init__(self, ctx: zmq.Context, tmpdir: str, name: str):
        ports = free_ports(5)
        self.key = uuid.uuid4().hex.encode()
        self.info = {
            "transport": "tcp", "ip": "127.0.0.1",
            "shell_port": ports[0], "iopub_port": ports[1], "stdin_port": ports[2],
            "control_port": ports[3], "hb_port": ports[4],
            "key": self.key.decode(), "signature_scheme": "hmac-sha256",
            "kernel_name": name,
        }
        self.path = os.path.join(tmpdir, f"kernel-{name}-{uuid.uuid4().hex[:8]}.json")
        with open(self.path, "w") as f:
            json.dump(self.info, f)
        self.session = uuid.uuid4().hex
        self.ctx = ctx
        self.shell = self._sock(zmq.DEALER, "shell_port")
        self.iopub = None
        self.control = None
        self.bad_sigs = 0

    def _sock(self, kind, port_key):
        s = self.ctx.socket(kind)
        s.linger = 0
        # Reconnect fast: the socket connects before the kernel has bound.
        s.setsockopt(zmq.RECONNECT_IVL, 1)
        s.setsockopt(zmq.RECONNECT_IVL_MAX, 0)  # no backoff: retry every 1 ms
        if kind == zmq.DEALER:
            s.setsockopt(zmq.IDENTITY, uuid.uuid4().hex.encode())
        if kind == zmq.SUB:
            s.setsockopt(zmq.SUBSCRIBE, b"")
        s.connect(f"tcp://127.0.0.1:{self.info[port_key]}")
        return s

    def open_iopub(self):
        if self.iopub is None:
            self.iopub = self._sock(zmq.SUB, "iopub_port")
        return self.iopub

    def open_control(self):
        if self.control is None:
            self.control = self._sock(zmq.DEALER, "control_port")
        return self.control

    def sign(self, parts):
        h = hmac.new(self.key, digestmod=hashlib.sha256)
        for p in parts:
            h.update(p)
        return h.hexdigest().encode()

    def send(self, sock, msg_type: str, content: dict) -> str:
        msg_id = uuid.uuid4().hex
        header = json.dumps({
            "msg_id": msg_id, "session": self.session, "username": "bench",
            "date": _dt.datetime.now(_dt.timezone.utc).isoformat(),
            "msg_type": msg_type, "version": "5.3",
        }).encode()
        parts = [header, b"{}", b"{}", json.dumps(content).encode()]
        sock.send_multipart([DELIM, self.sign(parts)] + parts)
        return msg_id

    def recv(self, sock) -> dict:
        frames = sock.recv_multipart()
        try:
            i = frames.index(DELIM)
        except ValueError:
            raise HarnessError(f"message without {DELIM!r}: {frames[:3]!r}")
        sig, parts = frames[i + 1], frames[i + 2:i + 6]
        if len(parts) < 4:
            raise HarnessError(f"short message: {len(parts)} parts after signature")
        if not hmac.compare_digest(sig, self.sign(parts)):
            self.bad_sigs += 1
        header = json.loads(parts[0])
        parent = json.loads(parts[1])
        return {
            "msg_type": header.get("msg_type"),
            "header": header,
            "parent_id": parent.get("msg_id") if isinstance(parent, dict) else None,
            "raw_content": parts[3],
        }

    @staticmethod
    def content(m) -> dict:
        c = m.get("content")
        if c is None:
            c = m["content"] = json.loads(m["raw_content"])
        return c

    def close(self):
        for s in (self.shell, self.iopub, self.control):
            if s is not None:
                s.close(linger=0)
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


# --------------------------------------------------------------------------
# Kernel process management
# --------------------------------------------------------------------------

class Kernel:
    def __init__(self, name, argv_template, trivial_code, env=None):
        self.name = name
        self.argv_template = argv_template
        self.trivial_code = trivial_code
        self.env = env

    def argv(self, conn_path):
        return [a.replace("{connection_file}", conn_path) for a in self.argv_template]


class Running:
    """One spawned kernel process with its connection."""

    def __init__(self, kernel: Kernel, ctx, tmpdir, timeout_s: float):
        self.kernel = kernel
        self.conn = Conn(ctx, tmpdir, kernel.name)
        self.timeout_s = timeout_s
        self.log_path = os.path.join(tmpdir, f"{kernel.name}-{uuid.uuid4().hex[:6]}.log")
        self.proc = None
        self.kernel_info = None
        self.poller = None

    def spawn_and_wait_info(self):
        """Spawn and send kernel_info_request until the reply arrives.
        Returns (seconds from spawn to reply, kernel CPU ns until reply)."""
        conn = self.conn
        env = None
        if self.kernel.env:
            env = dict(os.environ)
            env.update(self.kernel.env)
        log = open(self.log_path, "wb")
        argv = self.kernel.argv(conn.path)
        poller = zmq.Poller()
        poller.register(conn.shell, zmq.POLLIN)
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, env=env)
        log.close()
        sent = set()
        deadline = t0 + self.timeout_s
        resend_at = 0.0
        while True:
            now = time.perf_counter()
            if now >= resend_at:
                sent.add(conn.send(conn.shell, "kernel_info_request", {}))
                # Shell is reliable once connected; resends only cover a kernel
                # that dropped what arrived before it was ready.
                resend_at = now + 0.010
            if now > deadline:
                raise HarnessError(f"{self.kernel.name}: no kernel_info_reply within "
                                   f"{self.timeout_s}s; log: {self.tail_log()}")
            if self.proc.poll() is not None:
                raise HarnessError(f"{self.kernel.name}: exited with {self.proc.returncode} "
                                   f"before kernel_info_reply; log: {self.tail_log()}")
            if poller.poll(timeout=2):
                t1 = time.perf_counter()
                cpu = kernel_cpu_ns(self.proc.pid)
                m = conn.recv(conn.shell)
                if m["msg_type"] == "kernel_info_reply" and m["parent_id"] in sent:
                    self.kernel_info = conn.content(m)
                    return t1 - t0, cpu

    def wait_iopub(self):
        """Frontend-style: kernel_info_request until something arrives on iopub."""
        conn = self.conn
        iopub = conn.open_iopub()
        deadline = time.perf_counter() + self.timeout_s
        while time.perf_counter() < deadline:
            conn.send(conn.shell, "kernel_info_request", {})
            if iopub.poll(timeout=50):
                break
        else:
            raise HarnessError(f"{self.kernel.name}: iopub never delivered a message")
        # drain both channels
        time.sleep(0.05)
        self.drain()

    def drain(self):
        for s in (self.conn.shell, self.conn.iopub):
            if s is None:
                continue
            while s.poll(timeout=0):
                s.recv_multipart()

    def execute(self, code: str, timeout_s: float | None = None, collect=False):
        """One round trip: send execute_request, wait for execute_reply and idle.
        Returns (seconds, reply content, [iopub outputs] if collect)."""
        conn = self.conn
        shell, iopub = conn.shell, conn.iopub
        poller = self.poller
        if poller is None:
            poller = self.poller = zmq.Poller()
            poller.register(shell, zmq.POLLIN)
            poller.register(iopub, zmq.POLLIN)
        content = {"code": code, "silent": False, "store_history": True,
                   "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}
        timeout_ms = int(1000 * (timeout_s or self.timeout_s))
        t0 = time.perf_counter()
        msg_id = conn.send(shell, "execute_request", content)
        reply = None
        idle = False
        outputs = []
        while reply is None or not idle:
            ev = dict(poller.poll(timeout=timeout_ms))
            if not ev:
                raise HarnessError(f"{self.kernel.name}: execute of {code!r} timed out "
                                   f"(reply={reply is not None}, idle={idle})")
            if shell in ev:
                m = conn.recv(shell)
                if m["msg_type"] == "execute_reply" and m["parent_id"] == msg_id:
                    reply = conn.content(m)
            if iopub in ev:
                m = conn.recv(iopub)
                if m["parent_id"] == msg_id:
                    if m["msg_type"] == "status":
                        if conn.content(m).get("execution_state") == "idle":
                            idle = True
                    elif collect:
                        outputs.append((m["msg_type"], conn.content(m)))
        return time.perf_counter() - t0, reply, outputs

    def tail_log(self, n=600):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
            return data[-n:].decode("utf-8", "replace").strip() or "(empty)"
        except OSError:
            return "(no log)"

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                ctl = self.conn.open_control()
                self.conn.send(ctl, "shutdown_request", {"restart": False})
                self.proc.wait(timeout=1.0)
            except (subprocess.TimeoutExpired, zmq.ZMQError):
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=1.0)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        self.conn.close()
        try:
            os.unlink(self.log_path)
        except OSError:
            pass

    def kill_fast(self):
        """Cold-start runs: SIGKILL, we only wanted the first reply."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.conn.close()
        try:
            os.unlink(self.log_path)
        except OSError:
            pass


# --------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------

def pct(values, p):
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))  # nearest-rank
    return s[k]


def measure_cold(kernel, ctx, tmpdir, n, timeout_s):
    times, cpus, info = [], [], None
    for _ in range(n):
        r = Running(kernel, ctx, tmpdir, timeout_s)
        try:
            dt, cpu = r.spawn_and_wait_info()
            times.append(dt)
            cpus.append(cpu)
            info = r.kernel_info
            bad = r.conn.bad_sigs
        finally:
            r.kill_fast()
        if bad:
            raise HarnessError(f"{kernel.name}: {bad} message(s) with a bad HMAC signature")
        time.sleep(0.05)  # let the previous process' sockets go
    return {"start_s": times, "start_cpu_ns": cpus, "kernel_info": info}


def perf_start(pid: int, path: str):
    """Attach `perf record` to a running kernel (steady-state profile)."""
    p = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-F", "4000",
                          "--call-graph", "dwarf,16384", "-p", str(pid), "-o", path],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return p


def perf_stop(p, path: str):
    p.send_signal(signal.SIGINT)
    p.wait(timeout=60)
    report = path[:-len(".data")] + ".txt" if path.endswith(".data") else path + ".txt"
    with open(report, "w") as out:
        for title, extra in (("by thread", ["--sort", "comm", "-g", "none"]),
                             ("by library", ["--sort", "comm,dso", "-g", "none"]),
                             ("self time by symbol", ["--sort", "comm,dso,sym", "-g", "none"]),
                             ("inclusive time by symbol", ["--children", "--sort", "sym", "-g", "none"])):
            out.write(f"===== {title} =====\n")
            out.flush()
            args = ["perf", "report", "-i", path, "--stdio", "--percent-limit", "0.5"] + extra
            if "--children" not in extra:
                args.append("--no-children")
            txt = subprocess.run(args, capture_output=True, text=True).stdout
            out.write("\n".join(l for l in txt.splitlines() if l.strip() and not l.startswith("#")) + "\n")
    return report


def measure_warm(kernel, ctx, tmpdir, n, warmup, idle_s, timeout_s, perf_dir=None):
    r = Running(kernel, ctx, tmpdir, timeout_s)
    try:
        r.spawn_and_wait_info()
        r.wait_iopub()
        pid = r.proc.pid
        code = kernel.trivial_code
        for _ in range(warmup):
            _, reply, _ = r.execute(code)
        if reply.get("status") != "ok":
            raise HarnessError(f"{kernel.name}: trivial execute {code!r} -> {reply}")
        time.sleep(0.1)
        c0, s0, k0 = kernel_cpu_ns(pid), schedstat_ns(pid), stat_ticks_s(pid)
        prof = None
        if perf_dir:
            perf_path = os.path.join(perf_dir, f"{kernel.name}.perf.data")
            prof = perf_start(pid, perf_path)
        p0 = time.process_time_ns()
        rtts = []
        for _ in range(n):
            dt, _, _ = r.execute(code)
            rtts.append(dt)
        p1 = time.process_time_ns()
        if prof is not None:
            print(f"[{kernel.name}] perf profile: {perf_stop(prof, perf_path)}", file=sys.stderr)
        c1, s1, k1 = kernel_cpu_ns(pid), schedstat_ns(pid), stat_ticks_s(pid)
        # idle: CPU burned while nothing is asked, then RSS
        ci0 = kernel_cpu_ns(pid)
        time.sleep(idle_s)
        ci1 = kernel_cpu_ns(pid)
        st = proc_status(pid)
        smaps = smaps_by_file(pid)
        if r.conn.bad_sigs:
            raise HarnessError(f"{kernel.name}: {r.conn.bad_sigs} message(s) with a bad HMAC signature")
        return {
            "rtt_s": rtts,
            "cpu_per_exec_ns": (c1 - c0) / n,
            "schedstat_per_exec_ns": (s1 - s0) / n,
            "stat_per_exec_ns": (k1 - k0) * 1e9 / n,
            "idle_cpu_ns_per_s": (ci1 - ci0) / idle_s,
            "client_cpu_per_exec_ns": (p1 - p0) / n,
            "status": st,
            "smaps": smaps,
        }
    finally:
        r.stop()


def measure_backend(kernel, ctx, tmpdir, code, repeats, trivial_n, timeout_s, cmd_timeout_s):
    runs = []
    for _ in range(repeats):
        r = Running(kernel, ctx, tmpdir, timeout_s)
        try:
            r.spawn_and_wait_info()
            r.wait_iopub()
            pid = r.proc.pid
            rss0 = proc_status(pid)["VmRSS"]
            c0 = kernel_cpu_ns(pid)
            first, reply, outs = r.execute(code, timeout_s=cmd_timeout_s, collect=True)
            c1 = kernel_cpu_ns(pid)
            rss1 = proc_status(pid)["VmRSS"]
            second, _, _ = r.execute(code, timeout_s=cmd_timeout_s)
            triv = [r.execute(kernel.trivial_code)[0] for _ in range(trivial_n)]
            runs.append({"first_s": first, "first_cpu_ns": c1 - c0, "second_s": second,
                         "trivial_s": statistics.median(triv), "rss0_kb": rss0,
                         "rss1_kb": rss1, "status": reply.get("status"),
                         "error": reply.get("evalue") if reply.get("status") != "ok" else None,
                         "outputs": [t for t, _ in outs]})
        finally:
            r.stop()
    return runs


# --------------------------------------------------------------------------
# Kernel discovery
# --------------------------------------------------------------------------

def find_diffuse(spec_dir: str | None, binary: str | None = None):
    if binary:
        if not os.access(binary, os.X_OK):
            return None, f"{binary} is not an executable"
        return Kernel("diffuse", [binary, "-f", "{connection_file}"], "x = 1"), binary
    cands = [spec_dir] if spec_dir else [
        os.path.join(ROOT, ".venv", "share", "jupyter", "kernels", "diffuse"),
    ]
    for d in cands:
        p = os.path.join(d, "kernel.json")
        if os.path.isfile(p):
            with open(p) as f:
                spec = json.load(f)
            return Kernel("diffuse", spec["argv"], "x = 1", spec.get("env")), p
    return None, f"no kernelspec at {', '.join(cands)}"


def find_ipykernel(python: str | None):
    py = python or sys.executable
    ok = subprocess.run([py, "-c", "import ipykernel"], capture_output=True).returncode == 0
    if not ok:
        return None, f"{py} cannot import ipykernel"
    return Kernel("ipykernel", [py, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                  "x = 1"), py


def find_xeus(binary: str | None):
    b = binary or os.path.join(ROOT, "build", "bench", "xminimal")
    if not os.access(b, os.X_OK):
        return None, f"{b} not built (tests/bench/xeus-minimal/build.sh)"
    return Kernel("xeus", [b, "-f", "{connection_file}"], "x = 1"), b


def find_proto(name: str):
    b = os.path.join(ROOT, "build", "bench", name)
    if not os.access(b, os.X_OK):
        return None, f"{b} not built (tests/bench/proto-stub/build.sh)"
    return Kernel(name, [b, "-f", "{connection_file}"], "x = 1"), b


def version_of(kernel_name, info, where):
    if info:
        impl = info.get("implementation", "?")
        ver = info.get("implementation_version", "?")
        s = f"{impl} {ver}"
    else:
        s = "?"
    if kernel_name == "ipykernel":
        v = subprocess.run([where, "-c", "import ipykernel; print(ipykernel.__version__)"],
                           capture_output=True, text=True).stdout.strip()
        s = f"ipykernel {v} ({s})"
    if kernel_name == "xeus":
        try:
            v = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "xeus-dev"],
                               capture_output=True, text=True).stdout.strip()
            s += f" on Debian xeus {v}"
        except OSError:
            pass
    return s


def machine_line():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} CPUs ({model}), load average {load} at the end (other work on the "
            f"machine skews every figure), Linux {platform.release()}, "
            f"Python {platform.python_version()}, pyzmq {zmq.__version__}, libzmq {zmq.zmq_version()}")


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def fmt_ms(s):
    return f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s"


def fmt_us(s):
    return f"{s * 1e6:.0f} µs"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.1f}×"


def build_report(results, order, args, elapsed, backend):
    lines = []
    now = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    lines.append(f"# Kernel benchmark — {now}")
    lines.append("")
    lines.append(f"Machine: {machine_line()}.  ")
    cmd = "python tests/bench/bench_kernels.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    lines.append(f"Command: `{cmd.strip()}` ({elapsed:.0f} s{', QUICK' if args.quick else ''}).  ")
    lines.append(f"Iterations: cold start {args.cold_n} spawns (ipykernel {args.cold_n_py}); "
                 f"round trip {args.rtt_n} executes (ipykernel {args.rtt_n_py}) after "
                 f"{args.warmup} warm-up; idle wait {args.idle_s} s.")
    lines.append("")
    lines.append("| kernel | version | cold start (median) | start-up CPU | execute RTT median | RTT p99 "
                 "| kernel CPU / execute | idle RSS | idle CPU |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for k in order:
        r = results.get(k)
        if r is None or "error" in r:
            lines.append(f"| {k} | not measured: {(r or {}).get('error', 'skipped')} |||||||")
            continue
        lines.append(
            f"| {k} | {r['version']} | {fmt_ms(r['start'])} | {r['start_cpu_ns'] / 1e6:.1f} ms "
            f"| {fmt_us(r['rtt_med'])} | {fmt_us(r['rtt_p99'])} | {r['cpu_ns'] / 1e3:.0f} µs "
            f"| {r['rss_kb'] / 1024:.1f} MiB | {r['idle_cpu'] / 1e6 * 100:.2f} % |")
    lines.append("")

    d = results.get("diffuse")
    if d and "error" not in d:
        lines.append("Ratios (other kernel ÷ diffuse; >1 means diffuse is better):")
        lines.append("")
        lines.append("| metric | ipykernel / diffuse | xeus / diffuse |")
        lines.append("|---|---|---|")
        for label, key in (("cold start", "start"), ("execute RTT median", "rtt_med"),
                           ("execute RTT p99", "rtt_p99"), ("kernel CPU / execute", "cpu_ns"),
                           ("idle RSS", "rss_kb")):
            cells = []
            for other in ("ipykernel", "xeus"):
                o = results.get(other)
                cells.append(ratio(o[key], d[key]) if o and "error" not in o else "–")
            lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
        lines.append("")
        lines.append("Targets for diffuse:")
        lines.append("")
        checks = (
            ("start-up ≤ 8 ms", d["start"] * 1e3 <= TARGET_START_MS, fmt_ms(d["start"])),
            ("kernel CPU per trivial execute ≤ 100 µs", d["cpu_ns"] / 1e3 <= TARGET_CPU_US,
             f"{d['cpu_ns'] / 1e3:.0f} µs"),
            ("idle RSS ≤ 8 MiB", d["rss_kb"] / 1024 <= TARGET_RSS_MIB, f"{d['rss_kb'] / 1024:.1f} MiB"),
        )
        x = results.get("xeus")
        if x and "error" not in x:
            checks += (
                ("start-up ahead of xeus", d["start"] < x["start"], f"{fmt_ms(d['start'])} vs {fmt_ms(x['start'])}"),
                ("CPU / execute ahead of xeus", d["cpu_ns"] < x["cpu_ns"],
                 f"{d['cpu_ns'] / 1e3:.0f} vs {x['cpu_ns'] / 1e3:.0f} µs"),
                ("idle RSS ahead of xeus", d["rss_kb"] < x["rss_kb"],
                 f"{d['rss_kb'] / 1024:.1f} vs {x['rss_kb'] / 1024:.1f} MiB"),
            )
        for label, ok, val in checks:
            lines.append(f"- **{'PASS' if ok else 'MISS'}** {label}: {val}")
        lines.append("")

    lines.append("Details (cross-checks):")
    lines.append("")
    lines.append("| kernel | cold start min / max | CPU/exec: cpu clock / schedstat (live threads) / stat ticks "
                 "| client CPU / execute | RSS anon / file | VmHWM | threads |")
    lines.append("|---|---|---|---|---|---|---|")
    for k in order:
        r = results.get(k)
        if r is None or "error" in r:
            continue
        st = r["status"]
        lines.append(
            f"| {k} | {fmt_ms(min(r['start_all']))} / {fmt_ms(max(r['start_all']))} "
            f"| {r['cpu_ns'] / 1e3:.0f} / {r['sched_ns'] / 1e3:.0f} / {r['stat_ns'] / 1e3:.0f} µs "
            f"| {r['client_ns'] / 1e3:.0f} µs "
            f"| {st.get('RssAnon', 0) / 1024:.1f} / {st.get('RssFile', 0) / 1024:.1f} MiB "
            f"| {st.get('VmHWM', 0) / 1024:.1f} MiB | {st.get('Threads', '?')} |")
    lines.append("")

    lines.append("Where the idle RSS is (largest mappings, kB):")
    lines.append("")
    for k in order:
        r = results.get(k)
        if r is None or "error" in r or not r.get("smaps"):
            continue
        lines.append(f"- {k}: " + ", ".join(f"{n} {kb}" for n, kb in r["smaps"]))
    lines.append("")

    if backend:
        lines.append(f"First command that loads the backend: `{args.backend_cmd}` "
                     f"({args.backend_repeats} fresh kernel(s), medians):")
        lines.append("")
        lines.append("| kernel | first execute | kernel CPU (first) | second execute | trivial execute "
                     "| first ÷ trivial | RSS before → after | reply |")
        lines.append("|---|---|---|---|---|---|---|---|")
        for k, runs in backend.items():
            if isinstance(runs, str):
                lines.append(f"| {k} | not measured: {runs} |||||||")
                continue
            med = lambda key: statistics.median(x[key] for x in runs)  # noqa: E731
            last = runs[-1]
            rep = last["status"] + (f" ({last['error']})" if last["error"] else "")
            if last["outputs"]:
                rep += "; outputs: " + ", ".join(last["outputs"])
            lines.append(
                f"| {k} | {fmt_ms(med('first_s'))} | {med('first_cpu_ns') / 1e6:.1f} ms "
                f"| {fmt_ms(med('second_s'))} | {fmt_us(med('trivial_s'))} "
                f"| {med('first_s') / med('trivial_s'):.0f}× "
                f"| {med('rss0_kb') / 1024:.1f} → {med('rss1_kb') / 1024:.1f} MiB | {rep} |")
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernels", default=None,
                    help="comma list of diffuse,diffuse-proto,ipykernel,xeus (default: all that are "
                         "available; diffuse-proto is our protocol layer with a no-op interpreter)")
    ap.add_argument("--quick", action="store_true", help="few iterations; does not write RESULTS unless --out")
    ap.add_argument("--out", default=None, help="report file (default tests/bench/RESULTS-kernel.md)")
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--diffuse-spec", default=None, help="kernelspec dir of diffuse (default .venv/share/jupyter/kernels/diffuse)")
    ap.add_argument("--diffuse-bin", default=None,
                    help="run this diffuse binary directly instead of the kernelspec's argv")
    ap.add_argument("--ipykernel-python", default=None, help="python that runs ipykernel (default: this one)")
    ap.add_argument("--xeus-bin", default=None, help="minimal xeus kernel (default build/bench/xminimal)")
    ap.add_argument("--cold-n", type=int, default=None)
    ap.add_argument("--cold-n-py", type=int, default=None)
    ap.add_argument("--rtt-n", type=int, default=None)
    ap.add_argument("--rtt-n-py", type=int, default=None)
    ap.add_argument("--warmup", type=int, default=None)
    ap.add_argument("--idle-s", type=float, default=1.0)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a kernel")
    ap.add_argument("--wrap", default=None,
                    help="prefix every kernel's argv with this command, e.g. "
                         "'strace -f -tt -o /tmp/k.strace' or 'perf record -g -o /tmp/k.perf' "
                         "(for profiling; the figures then include the tool's cost)")
    ap.add_argument("--perf", default=None, metavar="DIR",
                    help="attach `perf record` (cpu-clock, dwarf call graphs) to each kernel during "
                         "its warm execute loop; writes DIR/<kernel>.perf.data and a text summary "
                         "DIR/<kernel>.perf.txt (the CPU figures of such a run include perf's cost)")
    ap.add_argument("--backend-cmd", default=None,
                    help="code whose FIRST execute on a fresh kernel is timed vs a trivial execute "
                         "(e.g. 'device', the first command that loads libtorch)")
    ap.add_argument("--backend-kernels", default="diffuse",
                    help="kernels to run --backend-cmd on (default diffuse)")
    ap.add_argument("--backend-repeats", type=int, default=3)
    ap.add_argument("--backend-timeout", type=float, default=300.0)
    args = ap.parse_args(argv)

    q = args.quick
    args.cold_n = args.cold_n or (5 if q else 20)
    args.cold_n_py = args.cold_n_py or (2 if q else 5)
    args.rtt_n = args.rtt_n or (300 if q else 2000)
    args.rtt_n_py = args.rtt_n_py or (100 if q else 500)
    args.warmup = args.warmup if args.warmup is not None else (20 if q else 100)

    finders = {"diffuse": lambda: find_diffuse(args.diffuse_spec, args.diffuse_bin),
               "ipykernel": lambda: find_ipykernel(args.ipykernel_python),
               "xeus": lambda: find_xeus(args.xeus_bin),
               "diffuse-proto": lambda: find_proto("diffuse-proto")}
    explicit = args.kernels is not None
    order = (args.kernels.split(",") if explicit
             else ["diffuse", "diffuse-proto", "ipykernel", "xeus"])
    for k in order:
        if k not in finders:
            ap.error(f"unknown kernel {k!r}")

    if args.perf:
        os.makedirs(args.perf, exist_ok=True)
    ctx = zmq.Context()
    tmpdir = tempfile.mkdtemp(prefix="dk-bench-")
    results, failed = {}, []
    backend = {}
    t_start = time.perf_counter()
    for name in order:
        kernel, where = finders[name]()
        if kernel is None:
            results[name] = {"error": where}
            print(f"[{name}] not available: {where}", file=sys.stderr)
            if explicit:
                failed.append(name)
            continue
        py = name == "ipykernel"
        if args.wrap:
            kernel.argv_template = shlex.split(args.wrap) + kernel.argv_template
        print(f"[{name}] {shlex.join(kernel.argv_template)}", file=sys.stderr)
        try:
            cold = measure_cold(kernel, ctx, tmpdir, args.cold_n_py if py else args.cold_n, args.timeout)
            print(f"[{name}] cold start median {fmt_ms(statistics.median(cold['start_s']))}", file=sys.stderr)
            warm = measure_warm(kernel, ctx, tmpdir, args.rtt_n_py if py else args.rtt_n,
                                args.warmup, args.idle_s, args.timeout, args.perf)
            rt = warm["rtt_s"]
            results[name] = {
                "version": version_of(name, cold["kernel_info"], where),
                "start": statistics.median(cold["start_s"]),
                "start_all": cold["start_s"],
                "start_cpu_ns": statistics.median(cold["start_cpu_ns"]),
                "rtt_med": statistics.median(rt), "rtt_p99": pct(rt, 99),
                "cpu_ns": warm["cpu_per_exec_ns"], "sched_ns": warm["schedstat_per_exec_ns"],
                "stat_ns": warm["stat_per_exec_ns"],
                "client_ns": warm["client_cpu_per_exec_ns"], "idle_cpu": warm["idle_cpu_ns_per_s"],
                "rss_kb": warm["status"]["VmRSS"], "status": warm["status"],
                "smaps": warm["smaps"],
            }
            print(f"[{name}] RTT median {fmt_us(results[name]['rtt_med'])}, "
                  f"CPU/exec {warm['cpu_per_exec_ns'] / 1e3:.0f} µs, "
                  f"RSS {warm['status']['VmRSS'] / 1024:.1f} MiB", file=sys.stderr)
        except (HarnessError, OSError, zmq.ZMQError) as e:
            results[name] = {"error": str(e).replace("|", "/").replace("\n", " ")}
            failed.append(name)
            print(f"[{name}] FAILED: {e}", file=sys.stderr)
            continue
        if args.backend_cmd and name in args.backend_kernels.split(","):
            try:
                backend[name] = measure_backend(kernel, ctx, tmpdir, args.backend_cmd,
                                                args.backend_repeats, 20, args.timeout,
                                                args.backend_timeout)
            except (HarnessError, OSError, zmq.ZMQError) as e:
                backend[name] = str(e).replace("|", "/").replace("\n", " ")
                failed.append(f"{name} (backend-cmd)")
    ctx.term()
    try:
        os.rmdir(tmpdir)
    except OSError:
        pass

    report = build_report(results, order, args, time.perf_counter() - t_start, backend)
    print(report)
    out = args.out or (None if q else os.path.join(HERE, "RESULTS-kernel.md"))
    if out and not args.no_write:
        with open(out, "w") as f:
            f.write(report + "\n")
        print(f"(written to {os.path.relpath(out)})", file=sys.stderr)
    if failed:
        print(f"harness failure for: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
