"""Shared fixtures for the Python-side test suites of the diffuse kernel.

The kernel is found through its installed kernelspec (`diffuse`), which
scripts/setup.sh installs into .venv/share/jupyter/kernels/diffuse.  When the
tests run with the venv's python, Jupyter finds it through sys.prefix; for any
other python we add .venv/share/jupyter to JUPYTER_PATH.

Fixtures:
  kernel_spec  the installed KernelSpec (fails, not skips, when missing)
  kernel       one running kernel per test module: .km, .kc, .log_path, .pid
  fresh_kernel one running kernel for a single test (for tests that kill,
               shut down or restart it)
Helpers (importable: `from conftest import ...`):
  collect_iopub(kc, msg_id)  iopub messages of one request, busy..idle
  execute(kc, code, **kw)    (reply, outputs) of one execute_request
  ok(kc, code)               outputs of a cell that must succeed
  value(kc, expr)            text/plain of an expression's result
  error(kc, code)            (ename, evalue, traceback) of a cell that must
                             fail with exactly one error
  wait_out_stop_on_error()   sleep past the kernel's stop_on_error window
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from queue import Empty

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
KERNEL_NAME = "diffuse"
STARTUP_TIMEOUT = 30
TIMEOUT = 15
# After a cell fails with stop_on_error (the default), the kernel answers
# "aborted" to every execute_request that arrives within this many seconds
# (DIFFUSE_STOP_ON_ERROR_TIMEOUT, default 0.1), since the rest of a
# "Run All" may still be on its way.  A client that runs one cell at a time
# and means to go on after an error waits it out, as execute() does.
STOP_ON_ERROR_WINDOW = 0.1
# A cell that computes (training, sampling, DeepFloyd IF on the CPU): the
# bound on waiting for it, generous for a busy machine.
CELL_TIMEOUT = 300

# Jupyter state isolated from the user's home (runtime files, config).
_STATE = Path(tempfile.mkdtemp(prefix="diffuse-tests-"))
os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
os.environ["JUPYTER_RUNTIME_DIR"] = str(_STATE / "runtime")
os.environ["JUPYTER_CONFIG_DIR"] = str(_STATE / "config")
os.environ["JUPYTER_DATA_DIR"] = str(_STATE / "data")
os.environ["IPYTHONDIR"] = str(_STATE / "ipython")
os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
_venv_share = VENV / "share" / "jupyter"
if Path(sys.prefix).resolve() != VENV.resolve() and _venv_share.is_dir():
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(_venv_share), os.environ.get("JUPYTER_PATH", "")) if p
    )
# The venv's bin first, so subprocesses (`jupyter nbconvert`) are the venv's.
if (VENV / "bin").is_dir():
    os.environ["PATH"] = str(VENV / "bin") + os.pathsep + os.environ.get("PATH", "")

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402


def jupyter_bin(name: str = "jupyter") -> str:
    """Path of a Jupyter command, preferring the venv's."""
    p = VENV / "bin" / name
    return str(p) if p.exists() else name


@pytest.fixture(scope="session")
def kernel_spec():
    try:
        return KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        pytest.fail(
            f"kernelspec '{KERNEL_NAME}' is not installed; run ./scripts/setup.sh "
            f"(looked in {KernelSpecManager().kernel_dirs})"
        )


class RunningKernel:
    """A kernel process plus a started blocking client."""

    def __init__(self, log_dir: Path, env: dict | None = None):
        self.log_path = log_dir / f"kernel-{os.getpid()}-{time.monotonic_ns()}.stderr"
        self._log = open(self.log_path, "wb")
        self.km = KernelManager(kernel_name=KERNEL_NAME)
        kw = {"stderr": self._log}
        if env:
            kw["env"] = {**os.environ, **env}
        self.km.start_kernel(**kw)
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
        except Exception:
            self.stop()
            raise

    @property
    def pid(self) -> int:
        return self.km.provisioner.process.pid

    def log_text(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def flush(self) -> None:
        """Drop whatever is waiting on shell, iopub and stdin."""
        _iopub_stash(self.kc).clear()
        for ch in (self.kc.shell_channel, self.kc.iopub_channel, self.kc.stdin_channel):
            while True:
                try:
                    ch.get_msg(timeout=0.05)
                except Empty:
                    break

    def stop(self) -> None:
        try:
            self.kc.stop_channels()
        finally:
            try:
                if self.km.has_kernel:
                    self.km.shutdown_kernel(now=False)
            except Exception:
                self.km.shutdown_kernel(now=True)
            self._log.close()


@pytest.fixture(scope="module")
def kernel(kernel_spec, tmp_path_factory):
    k = RunningKernel(tmp_path_factory.mktemp("kernel"))
    yield k
    k.stop()


@pytest.fixture
def fresh_kernel(kernel_spec, tmp_path):
    k = RunningKernel(tmp_path)
    yield k
    k.stop()


def _iopub_stash(kc) -> list:
    """iopub messages read while looking for another request's, kept on the
    client so that a later collect_iopub for their parent still sees them."""
    if not hasattr(kc, "_dk_iopub_stash"):
        kc._dk_iopub_stash = []
    return kc._dk_iopub_stash


def collect_iopub(kc, msg_id: str, timeout: float = TIMEOUT) -> list[dict]:
    """iopub messages whose parent is msg_id, from its busy to its idle
    (both included).  Messages of other requests are set aside for their
    own collect_iopub.  Raises TimeoutError when the idle does not come
    within `timeout` seconds."""
    stash = _iopub_stash(kc)
    out = [m for m in stash if m["parent_header"].get("msg_id") == msg_id]
    stash[:] = [m for m in stash if m["parent_header"].get("msg_id") != msg_id]

    def done() -> bool:
        return bool(out) and out[-1]["msg_type"] == "status" and \
            out[-1]["content"]["execution_state"] == "idle"

    deadline = time.monotonic() + timeout
    while not done():
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(
                f"no idle for {msg_id} within {timeout}s; got "
                f"{[m['msg_type'] for m in out]}"
            )
        try:
            msg = kc.get_iopub_msg(timeout=left)
        except Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            stash.append(msg)
            del stash[:-1000]  # bounded
            continue
        out.append(msg)
    return out


def shell_reply(kc, msg_id: str, timeout: float = TIMEOUT) -> dict:
    """The shell reply to msg_id (other replies are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no shell reply to {msg_id} within {timeout}s")
        try:
            msg = kc.get_shell_msg(timeout=left)
        except Empty:
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def wait_out_stop_on_error(window: float = STOP_ON_ERROR_WINDOW) -> None:
    """Sleep past the window a failed cell opened, so the next cell runs."""
    time.sleep(window + 0.05)


def execute(kc, code: str, timeout: float = TIMEOUT, **kw) -> tuple[dict, list[dict]]:
    """Run one cell; return (execute_reply, outputs) where outputs are the
    iopub messages between busy and idle, without status and execute_input.
    After an error with stop_on_error it waits out the kernel's window, so
    that the caller's next cell runs."""
    msg_id = kc.execute(code, **kw)
    reply = shell_reply(kc, msg_id, timeout)
    if reply["content"]["status"] == "error" and kw.get("stop_on_error", True):
        wait_out_stop_on_error()
    msgs = collect_iopub(kc, msg_id, timeout)
    outputs = [m for m in msgs if m["msg_type"] not in ("status", "execute_input")]
    return reply, outputs


def ok(kc, code: str, timeout: float = CELL_TIMEOUT) -> list[dict]:
    """The outputs of a cell that must succeed (the errors, if it fails)."""
    reply, outputs = execute(kc, code, timeout=timeout)
    errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
    assert reply["content"]["status"] == "ok", (code, errors)
    return outputs


def value(kc, expr: str, timeout: float = CELL_TIMEOUT) -> str:
    """The text/plain of an expression's result."""
    outs = ok(kc, expr, timeout)
    return [m for m in outs if m["msg_type"] == "execute_result"][0]["content"]["data"]["text/plain"]


def error(kc, code: str, timeout: float = CELL_TIMEOUT) -> tuple[str, str, str]:
    """(ename, evalue, traceback) of a cell that must fail with one error."""
    reply, outputs = execute(kc, code, timeout=timeout)
    assert reply["content"]["status"] == "error", code
    errs = [m["content"] for m in outputs if m["msg_type"] == "error"]
    assert len(errs) == 1, errs
    return errs[0]["ename"], errs[0]["evalue"], "\n".join(errs[0]["traceback"])


def text_of(outputs: list[dict], mime: str = "text/plain") -> str:
    """All the text in a list of outputs: streams and `mime` of bundles."""
    parts = []
    for m in outputs:
        c = m["content"]
        if m["msg_type"] == "stream":
            parts.append(c["text"])
        elif "data" in c and mime in c["data"]:
            parts.append(str(c["data"][mime]))
    return "".join(parts)


def budget_index(nb) -> int:
    """Index of a notebook's budget cell: the one cell tagged parameters
    (papermill's mark).  AssertionError when there is none or several."""
    found = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(found) == 1, f"{len(found)} cells tagged parameters"
    return found[0]
