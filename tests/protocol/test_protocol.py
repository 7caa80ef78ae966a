"""Protocol tests of the diffuse kernel beyond jupyter_kernel_test.

Driven with jupyter_client directly (KernelManager / BlockingKernelClient)
and, for malformed or high-volume traffic, with raw zmq sockets plus
jupyter_client.session.Session.  Rules checked are those of the Jupyter
messaging protocol, version 5.3 (jupyter_client's "Messaging in Jupyter").
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import time
import uuid
from queue import Empty

import psutil
import pytest
import zmq
from jupyter_client.manager import KernelManager
from jupyter_client.session import Session

from conftest import (KERNEL_NAME, TIMEOUT, RunningKernel, collect_iopub, execute, shell_reply,
                      text_of, wait_out_stop_on_error)

# --------------------------------------------------------------------------
# helpers


def assert_alive(k, timeout: float = 5.0) -> None:
    """The process runs and answers kernel_info_request on shell."""
    p = psutil.Process(k.pid)
    assert p.is_running() and p.status() != psutil.STATUS_ZOMBIE, "kernel died"
    msg_id = k.kc.kernel_info()
    reply = shell_reply(k.kc, msg_id, timeout)
    assert reply["msg_type"] == "kernel_info_reply"
    assert reply["content"]["status"] == "ok"


def vm_rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Raw:
    """A raw DEALER socket on one of the kernel's channels, with a Session
    that signs like the real client (or with a wrong key)."""

    def __init__(self, k, channel: str = "shell", key: bytes | None = None):
        info = k.km.get_connection_info(session=False)
        self.key = info["key"] if key is None else key
        self.scheme = info["signature_scheme"]
        self.session = Session(key=self.key, signature_scheme=self.scheme,
                               username="raw-test")
        self.ctx = zmq.Context.instance()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.linger = 0
        port = info[f"{channel}_port"]
        self.sock.connect(f"{info['transport']}://{info['ip']}:{port}")

    def send(self, msg_type: str, content: dict | None = None, **kw) -> str:
        msg = self.session.msg(msg_type, content or {}, **kw)
        self.session.send(self.sock, msg)
        return msg["header"]["msg_id"]

    def sign(self, parts: list[bytes]) -> bytes:
        if not self.key:
            return b""
        h = hmac.new(self.key, digestmod=getattr(hashlib, self.scheme.split("-", 1)[1]))
        for p in parts:
            h.update(p)
        return h.hexdigest().encode()

    def recv(self, timeout: float) -> dict | None:
        """The next message on the socket, or None after timeout seconds."""
        if not self.sock.poll(int(timeout * 1000)):
            return None
        frames = self.sock.recv_multipart()
        _idents, msg_list = self.session.feed_identities(frames)
        return self.session.deserialize(msg_list)

    def recv_reply(self, msg_id: str, timeout: float = TIMEOUT) -> dict | None:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            m = self.recv(left)
            if m is None:
                return None
            if m["parent_header"].get("msg_id") == msg_id:
                return m
        return None

    def close(self) -> None:
        self.sock.close(0)


@pytest.fixture
def raw_shell(kernel):
    r = Raw(kernel)
    yield r
    r.close()


def header_bytes(msg_type: str) -> bytes:
    return json.dumps({
        "msg_id": uuid.uuid4().hex, "session": uuid.uuid4().hex,
        "username": "raw-test", "date": "2024-01-01T00:00:00.000000Z",
        "msg_type": msg_type, "version": "5.3",
    }).encode()


# --------------------------------------------------------------------------
# status: busy / idle with the right parent around every request


@pytest.mark.parametrize("request_type", [
    "kernel_info", "execute", "complete", "inspect", "is_complete",
    "history", "comm_info",
])
def test_busy_idle_around_every_request(kernel, request_type):
    kc = kernel.kc
    kernel.flush()
    send = {
        "kernel_info": lambda: kc.kernel_info(),
        "execute": lambda: kc.execute('print "x"'),
        "complete": lambda: kc.complete("pri", 3),
        "inspect": lambda: kc.inspect("print", 5),
        "is_complete": lambda: kc.is_complete("xs = [1, 2"),
        "history": lambda: kc.history(hist_access_type="tail", n=3),
        "comm_info": lambda: kc.comm_info(),
    }[request_type]
    msg_id = send()
    reply = shell_reply(kc, msg_id)
    assert reply["msg_type"] == f"{request_type}_reply"
    assert reply["parent_header"]["msg_id"] == msg_id
    # is_complete_reply's status is the verdict, not ok/error
    assert reply["content"]["status"] == (
        "incomplete" if request_type == "is_complete" else "ok")
    msgs = collect_iopub(kc, msg_id)
    assert msgs[0]["msg_type"] == "status"
    assert msgs[0]["content"]["execution_state"] == "busy"
    assert msgs[-1]["content"]["execution_state"] == "idle"
    # nothing between them says "idle" early, and busy comes once
    states = [m["content"]["execution_state"] for m in msgs if m["msg_type"] == "status"]
    assert states == ["busy", "idle"]


def test_header_fields(kernel):
    kc = kernel.kc
    msg_id = kc.kernel_info()
    reply = shell_reply(kc, msg_id)
    h = reply["header"]
    for key in ("msg_id", "session", "username", "date", "msg_type", "version"):
        assert key in h, key
    assert h["version"].startswith("5.")
    assert int(h["version"].split(".")[1]) >= 3
    c = reply["content"]
    assert c["protocol_version"].startswith("5.")
    assert c["implementation"]
    assert c["language_info"]["name"] == "diffuse"
    assert c["language_info"]["file_extension"] == ".diffuse"
    assert "banner" in c


# --------------------------------------------------------------------------
# malformed traffic: dropped (and logged), never executed, never a crash


def test_bad_hmac_dropped_logged_not_executed(kernel):
    info = kernel.km.get_connection_info(session=False)
    if not info["key"]:
        pytest.skip("kernel started without a key")
    bad = Raw(kernel, key=b"not-the-real-key")
    try:
        mid = bad.send("execute_request", {
            "code": "bad_hmac_var = 99", "silent": False, "store_history": True,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True,
        })
        assert bad.recv_reply(mid, timeout=1.0) is None, "kernel answered a forged message"
    finally:
        bad.close()
    reply, outputs = execute(kernel.kc, "bad_hmac_var")
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "NameError"
    # a log line about the signature on the kernel's stderr
    deadline = time.monotonic() + 2
    while "signature" not in kernel.log_text().lower() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "signature" in kernel.log_text().lower(), (
        "no stderr log line mentions the bad signature; stderr was:\n" + kernel.log_text()[-2000:])
    assert_alive(kernel)


def test_malformed_json(kernel, raw_shell):
    parts = [b"{not json", b"{}", b"{}", b"{}"]
    raw_shell.sock.send_multipart([b"<IDS|MSG>", raw_shell.sign(parts), *parts])
    # a valid signature over invalid JSON in the content too
    parts = [header_bytes("execute_request"), b"{}", b"{}", b"[1, 2"]
    raw_shell.sock.send_multipart([b"<IDS|MSG>", raw_shell.sign(parts), *parts])
    # JSON that is not an object
    parts = [b"[]", b"null", b"3", b'"s"']
    raw_shell.sock.send_multipart([b"<IDS|MSG>", raw_shell.sign(parts), *parts])
    time.sleep(0.3)
    assert_alive(kernel)


def test_header_missing_fields(kernel, raw_shell):
    # a header object without msg_type / msg_id
    parts = [b'{"msg_id": "x"}', b"{}", b"{}", b"{}"]
    raw_shell.sock.send_multipart([b"<IDS|MSG>", raw_shell.sign(parts), *parts])
    parts = [b'{"msg_type": 5, "msg_id": []}', b"{}", b"{}", b'{"code": 7}']
    raw_shell.sock.send_multipart([b"<IDS|MSG>", raw_shell.sign(parts), *parts])
    time.sleep(0.3)
    assert_alive(kernel)


def test_execute_request_with_wrong_content_types(kernel, raw_shell):
    # signed and well-formed, but code is not a string
    mid = raw_shell.send("execute_request", {"code": 42, "silent": "yes"})
    raw_shell.recv_reply(mid, timeout=1.0)  # answered (error) or dropped
    assert_alive(kernel)


def test_unknown_msg_type_survives_with_busy_idle(kernel, raw_shell):
    kernel.flush()
    mid = raw_shell.send("no_such_request", {"a": 1})
    raw_shell.recv_reply(mid, timeout=0.5)  # no reply is required
    msgs = collect_iopub(kernel.kc, mid, timeout=5)
    assert [m["content"]["execution_state"] for m in msgs] == ["busy", "idle"]
    assert_alive(kernel)


def test_truncated_multipart(kernel, raw_shell):
    h = header_bytes("kernel_info_request")
    raw_shell.sock.send_multipart([b"<IDS|MSG>", raw_shell.sign([h]), h])
    raw_shell.sock.send_multipart([b"<IDS|MSG>"])
    raw_shell.sock.send_multipart([b"<IDS|MSG>", b"deadbeef"])
    raw_shell.sock.send_multipart([b"no delimiter at all"])
    raw_shell.sock.send_multipart([b""])
    time.sleep(0.3)
    assert_alive(kernel)


def test_fifty_megabyte_message(kernel, raw_shell):
    pad = "a" * (50 * 1024 * 1024)
    mid = raw_shell.send("kernel_info_request", {"padding": pad})
    reply = raw_shell.recv_reply(mid, timeout=20)  # answered or dropped
    if reply is not None:
        assert reply["msg_type"] == "kernel_info_reply"
    # an unsigned 50 MB frame as well
    raw_shell.sock.send_multipart([b"<IDS|MSG>", b"0" * 64, pad.encode(), b"{}", b"{}", b"{}"])
    del pad
    time.sleep(0.5)
    assert_alive(kernel, timeout=20)


def test_other_channels_tolerate_garbage(kernel):
    for ch in ("control", "stdin"):
        r = Raw(kernel, channel=ch)
        try:
            r.sock.send_multipart([b"garbage"])
            r.sock.send_multipart([b"<IDS|MSG>", b"", b"{", b"{}", b"{}", b"{}"])
        finally:
            r.close()
    time.sleep(0.3)
    assert_alive(kernel)


# --------------------------------------------------------------------------
# interrupts, control and heartbeat while a cell runs


def _interrupt_running_sleep(kernel, interrupt) -> None:
    kc = kernel.kc
    kernel.flush()
    reply, _ = execute(kc, "keep_me = 7")
    assert reply["content"]["status"] == "ok"
    msg_id = kc.execute("sleep 30")
    # wait until the cell has started (its execute_input is out)
    deadline = time.monotonic() + 5
    started = False
    while time.monotonic() < deadline and not started:
        try:
            m = kc.get_iopub_msg(timeout=0.5)
        except Empty:
            continue
        started = (m["parent_header"].get("msg_id") == msg_id
                   and m["msg_type"] == "execute_input")
    assert started, "no execute_input for sleep 30"
    time.sleep(0.3)
    t0 = time.monotonic()
    interrupt()
    reply = shell_reply(kc, msg_id, timeout=10)
    elapsed = time.monotonic() - t0
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    assert elapsed < 1.5, f"interrupt took {elapsed:.2f}s"
    msgs = collect_iopub(kc, msg_id)
    errors = [m for m in msgs if m["msg_type"] == "error"]
    assert len(errors) == 1 and errors[0]["content"]["ename"] == "KeyboardInterrupt"
    # alive, and state kept
    assert_alive(kernel)
    wait_out_stop_on_error()  # an interrupted cell failed: the window opened
    reply, outputs = execute(kc, "keep_me")
    assert reply["content"]["status"] == "ok"
    assert text_of(outputs) == "7"


def test_interrupt_by_message(kernel, kernel_spec):
    assert kernel_spec.interrupt_mode == "message"
    kernel.kc.control_channel  # noqa: B018 (started)

    def interrupt():
        # km.interrupt_kernel() sends interrupt_request on control (message mode)
        kernel.km.interrupt_kernel()

    _interrupt_running_sleep(kernel, interrupt)


def test_interrupt_by_sigint(kernel):
    _interrupt_running_sleep(kernel, lambda: os.kill(kernel.pid, signal.SIGINT))


def test_control_and_heartbeat_answer_during_long_cell(kernel):
    kc = kernel.kc
    kernel.flush()
    msg_id = kc.execute("sleep 30")
    time.sleep(0.5)
    info = kernel.km.get_connection_info(session=False)
    hb = zmq.Context.instance().socket(zmq.REQ)
    hb.linger = 0
    hb.connect(f"{info['transport']}://{info['ip']}:{info['hb_port']}")
    try:
        t0 = time.monotonic()
        hb.send(b"ping-123")
        assert hb.poll(1000), "heartbeat did not answer within 1 s during a long cell"
        assert hb.recv() == b"ping-123"
        assert time.monotonic() - t0 < 1.0
    finally:
        hb.close(0)
    # interrupt_request on control gets its interrupt_reply while shell is busy
    req = kc.session.msg("interrupt_request", {})
    kc.control_channel.send(req)
    t0 = time.monotonic()
    rep = kc.get_control_msg(timeout=2)
    assert rep["msg_type"] == "interrupt_reply"
    assert rep["parent_header"]["msg_id"] == req["header"]["msg_id"]
    assert rep["content"]["status"] == "ok"
    reply = shell_reply(kc, msg_id, timeout=5)
    assert time.monotonic() - t0 < 1.5
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    collect_iopub(kc, msg_id)
    # the interrupt_request on control had its own busy/idle
    msgs = collect_iopub(kc, req["header"]["msg_id"], timeout=5)
    assert [m["content"]["execution_state"] for m in msgs] == ["busy", "idle"]
    assert_alive(kernel)


# --------------------------------------------------------------------------
# shutdown and restart


def _wait_exit(pid: int, timeout: float) -> None:
    try:
        psutil.Process(pid).wait(timeout=timeout)
    except psutil.NoSuchProcess:
        pass


def test_shutdown_request_on_control(fresh_kernel):
    k = fresh_kernel
    pid = k.pid
    msg_id = k.kc.shutdown()  # on control in jupyter_client >= 7
    rep = k.kc.get_control_msg(timeout=5)
    assert rep["msg_type"] == "shutdown_reply"
    assert rep["parent_header"]["msg_id"] == msg_id
    assert rep["content"]["status"] == "ok"
    assert rep["content"]["restart"] is False
    _wait_exit(pid, 5)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_shutdown_request_on_shell(fresh_kernel):
    """Deprecated since 5.4 but still sent by old clients."""
    k = fresh_kernel
    pid = k.pid
    msg = k.kc.session.msg("shutdown_request", {"restart": False})
    k.kc.shell_channel.send(msg)
    rep = shell_reply(k.kc, msg["header"]["msg_id"], timeout=5)
    assert rep["msg_type"] == "shutdown_reply"
    _wait_exit(pid, 5)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_restart_gives_new_session_and_empty_variables(fresh_kernel):
    k = fresh_kernel
    reply, _ = execute(k.kc, "restart_var = 1")
    assert reply["content"]["status"] == "ok"
    session_before = reply["header"]["session"]
    pid_before = k.pid
    k.km.restart_kernel(now=False)
    k.kc.wait_for_ready(timeout=30)
    assert k.pid != pid_before
    k.flush()
    reply, _ = execute(k.kc, "restart_var")
    assert reply["header"]["session"] != session_before
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "NameError"
    reply, _ = execute(k.kc, "1 + 1")
    assert reply["content"]["execution_count"] in (1, 2)  # counter starts over


# --------------------------------------------------------------------------
# execute semantics


# What "Run All" does: every cell sent at once.  The cells after a failed
# one must be aborted even when they reach the kernel only after it has
# finished the failed cell; they may still be on their way then, which is
# what the kernel's window (DIFFUSE_STOP_ON_ERROR_TIMEOUT) is for.

SOE_TEST_WINDOW = 0.02  # short, so that 200 tries take a few seconds
SOE_TRIES = 200


def test_stop_on_error_aborts_queued(kernel):
    kc = kernel.kc
    kernel.flush()
    a = kc.execute("soe_a = 1")
    b = kc.execute("sleep 1\nsoe_undefined_name")  # errors after 1 s
    c = kc.execute("soe_c = 3")
    ra, rb, rc = shell_reply(kc, a), shell_reply(kc, b), shell_reply(kc, c)
    assert ra["content"]["status"] == "ok"
    assert rb["content"]["status"] == "error"
    # an aborted reply has no other field: JupyterLab would show an
    # execution_count as the cell's prompt number, as if the cell had run
    assert rc["content"] == {"status": "aborted"}
    # the aborted request still got busy/idle
    msgs = collect_iopub(kc, c)
    assert [m["content"]["execution_state"] for m in msgs if m["msg_type"] == "status"] == [
        "busy", "idle"]
    assert not [m for m in msgs if m["msg_type"] in ("execute_input", "execute_result", "error")]
    wait_out_stop_on_error()
    reply, _ = execute(kc, "soe_c")
    assert reply["content"]["ename"] == "NameError"
    # after the queue drained and the window passed (execute() waits it
    # out after an error), new requests run again
    reply, _ = execute(kc, "soe_a")
    assert reply["content"]["status"] == "ok"


def fail_then_execute(kc, name: str) -> tuple[dict, dict]:
    """A failing cell and, at once, a second cell that would define `name`;
    the two execute_replies, once both requests are idle."""
    a = kc.execute("soe_burst_undefined_name", stop_on_error=True)
    b = kc.execute(f"{name} = 1", stop_on_error=True)
    ra, rb = shell_reply(kc, a), shell_reply(kc, b)
    msgs = collect_iopub(kc, b)
    collect_iopub(kc, a)
    assert [m["content"]["execution_state"] for m in msgs if m["msg_type"] == "status"] == [
        "busy", "idle"], "the aborted request is framed by busy/idle"
    assert not [m for m in msgs if m["msg_type"] != "status"], "nothing ran"
    return ra, rb


def assert_aborted_burst(ra: dict, rb: dict) -> None:
    assert ra["content"]["status"] == "error"
    assert rb["content"] == {"status": "aborted"}


def test_stop_on_error_aborts_the_burst_on_a_fresh_kernel(fresh_kernel):
    """The very first try against a fresh kernel, default window: the
    second cell is aborted, kernel_info is still answered inside the
    window, and a cell sent after the window runs."""
    kc = fresh_kernel.kc
    fresh_kernel.flush()
    assert_aborted_burst(*fail_then_execute(kc, "soe_fresh"))
    wait_out_stop_on_error()
    # inside a new window: other requests are served, executes aborted
    a = kc.execute("soe_fresh_undefined", stop_on_error=True)
    info = kc.kernel_info()
    b = kc.execute("soe_fresh = 2", stop_on_error=True)
    ra, rinfo, rb = shell_reply(kc, a), shell_reply(kc, info), shell_reply(kc, b)
    assert ra["content"]["status"] == "error"
    assert rinfo["content"]["status"] == "ok"
    assert rb["content"]["status"] == "aborted"
    wait_out_stop_on_error()
    reply, _ = execute(kc, "soe_fresh")
    assert reply["content"]["status"] == "error", "neither aborted cell ran"
    assert reply["content"]["ename"] == "NameError"
    reply, outputs = execute(kc, "soe_fresh = 3\nsoe_fresh")
    assert reply["content"]["status"] == "ok"
    assert text_of(outputs) == "3"


def test_stop_on_error_aborts_the_burst_every_time(kernel_spec, tmp_path):
    """The race "Run All" used to lose about 1 time in 30: 200 tries
    against one kernel, each second cell aborted; after the window a cell
    runs again."""
    k = RunningKernel(tmp_path, env={"DIFFUSE_STOP_ON_ERROR_TIMEOUT": str(SOE_TEST_WINDOW)})
    try:
        kc = k.kc
        ran = []
        for i in range(SOE_TRIES):
            ra, rb = fail_then_execute(kc, f"soe_try_{i}")
            if rb["content"]["status"] != "aborted":
                ran.append(i)
            assert ra["content"]["status"] == "error"
            time.sleep(SOE_TEST_WINDOW + 0.005)  # so that the next failure runs
        assert not ran, f"{len(ran)} of {SOE_TRIES} second cells were not aborted: {ran}"
        reply, outputs = execute(kc, "soe_after = 5\nsoe_after")
        assert reply["content"]["status"] == "ok"
        assert text_of(outputs) == "5"
        # none of the aborted cells defined its variable
        reply, _ = execute(kc, "soe_try_0")
        assert reply["content"]["ename"] == "NameError"
        assert "warning" not in k.log_text()
    finally:
        k.stop()


def test_stop_on_error_window_setting(kernel_spec, tmp_path):
    """DIFFUSE_STOP_ON_ERROR_TIMEOUT=0 aborts only what is queued; a bad
    value is reported on stderr and the default is used."""
    k = RunningKernel(tmp_path, env={"DIFFUSE_STOP_ON_ERROR_TIMEOUT": "0"})
    try:
        reply, _ = execute(k.kc, "soe_zero_undefined")
        assert reply["content"]["status"] == "error"
        reply, _ = execute(k.kc, "1")  # sent after the error reply: runs
        assert reply["content"]["status"] == "ok"
    finally:
        k.stop()
    k = RunningKernel(tmp_path, env={"DIFFUSE_STOP_ON_ERROR_TIMEOUT": "soon"})
    try:
        assert_aborted_burst(*fail_then_execute(k.kc, "soe_bad"))
        assert "DIFFUSE_STOP_ON_ERROR_TIMEOUT='soon'" in k.log_text()
    finally:
        k.stop()


def test_stop_on_error_false_keeps_running(kernel):
    kc = kernel.kc
    kernel.flush()
    b = kc.execute("sleep 1\nsoe2_undefined_name", stop_on_error=False)
    c = kc.execute("soe2_c = 3")
    rb, rc = shell_reply(kc, b), shell_reply(kc, c)
    assert rb["content"]["status"] == "error"
    assert rc["content"]["status"] == "ok"
    reply, outputs = execute(kc, "soe2_c")
    assert reply["content"]["status"] == "ok"
    assert text_of(outputs) == "3"


def test_execution_count_semantics(kernel):
    kc = kernel.kc
    kernel.flush()
    r1, out1 = execute(kc, "1")
    n = r1["content"]["execution_count"]
    res = [m for m in out1 if m["msg_type"] == "execute_result"]
    assert res and res[0]["content"]["execution_count"] == n

    # silent: no execute_input, no execute_result, counter unchanged
    mid = kc.execute("2", silent=True)
    rs = shell_reply(kc, mid)
    msgs = collect_iopub(kc, mid)
    assert rs["content"]["status"] == "ok"
    assert "execution_count" in rs["content"]
    assert [m["msg_type"] for m in msgs] == ["status", "status"]

    # store_history False: runs and shows its result but does not count
    mid = kc.execute("3", store_history=False)
    rh = shell_reply(kc, mid)
    msgs = collect_iopub(kc, mid)
    assert "execution_count" in rh["content"]
    assert any(m["msg_type"] == "execute_result" for m in msgs)

    r4, out4 = execute(kc, "4")
    assert r4["content"]["execution_count"] == n + 1
    mid = kc.execute("5")
    shell_reply(kc, mid)
    msgs = collect_iopub(kc, mid)
    inputs = [m for m in msgs if m["msg_type"] == "execute_input"]
    assert inputs and inputs[0]["content"]["execution_count"] == n + 2
    assert inputs[0]["content"]["code"] == "5"


def test_error_reply_matches_error_output(kernel):
    reply, outputs = execute(kernel.kc, 'assert false "boom"')
    c = reply["content"]
    assert c["status"] == "error"
    assert c["ename"] == "AssertionError"
    assert "boom" in c["evalue"]
    assert isinstance(c["traceback"], list) and all(isinstance(t, str) for t in c["traceback"])
    assert "execution_count" in c
    assert [m["msg_type"] for m in outputs] == ["error"]
    e = outputs[0]["content"]
    assert (e["ename"], e["evalue"], e["traceback"]) == (c["ename"], c["evalue"], c["traceback"])


def test_outputs_of_language_draft(kernel):
    kc = kernel.kc
    reply, outputs = execute(kc, 'print "hello, world"')
    assert [(m["msg_type"], m["content"]["name"]) for m in outputs] == [("stream", "stdout")]
    assert "hello, world" in outputs[0]["content"]["text"]
    reply, outputs = execute(kc, 'warn "careful"')
    assert [(m["msg_type"], m["content"]["name"]) for m in outputs] == [("stream", "stderr")]
    reply, outputs = execute(kc, "x = 1 + 2")
    assert reply["content"]["status"] == "ok" and outputs == []
    reply, outputs = execute(kc, "x")
    assert [m["msg_type"] for m in outputs] == ["execute_result"]
    assert outputs[0]["content"]["data"]["text/plain"] == "3"
    reply, outputs = execute(kc, 'markdown "**hi**"')
    assert [m["msg_type"] for m in outputs] == ["display_data"]
    assert "**hi**" in outputs[0]["content"]["data"]["text/markdown"]
    assert "text/plain" in outputs[0]["content"]["data"]
    reply, outputs = execute(kc, "clear")
    assert [m["msg_type"] for m in outputs] == ["clear_output"]
    reply, outputs = execute(kc, "help print")
    assert [m["msg_type"] for m in outputs] == ["display_data"]
    reply, outputs = execute(kc, "undefined_name")
    assert reply["content"]["ename"] == "NameError"


def test_user_expressions(kernel):
    kc = kernel.kc
    reply, _ = execute(kc, "ue_x = 5", user_expressions={
        "good": "ue_x + 1", "bad": "ue_no_such_name"})
    ue = reply["content"]["user_expressions"]
    assert ue["good"]["status"] == "ok"
    assert ue["good"]["data"]["text/plain"] == "6"
    assert "metadata" in ue["good"]
    assert ue["bad"]["status"] == "error"
    assert ue["bad"]["ename"] == "NameError"
    assert "evalue" in ue["bad"] and "traceback" in ue["bad"]


def test_is_complete(kernel):
    kc = kernel.kc
    for code, want in [('print "hi"', "complete"), ("xs = [1, 2", "incomplete"),
                       ("print )", "invalid"), ("", "complete")]:
        mid = kc.is_complete(code)
        rep = shell_reply(kc, mid)
        collect_iopub(kc, mid)
        assert rep["content"]["status"] == want, code
        if want == "incomplete":
            assert isinstance(rep["content"]["indent"], str)


@pytest.mark.parametrize("prefix", ['s = "héllo"\n', 's = "😀é"\n', ""], ids=["latin", "astral", "ascii"])
def test_complete_counts_code_points(kernel, prefix):
    kc = kernel.kc
    code = prefix + "prin"
    mid = kc.complete(code, len(code))
    rep = shell_reply(kc, mid)
    collect_iopub(kc, mid)
    c = rep["content"]
    assert c["status"] == "ok"
    assert "print" in c["matches"]
    assert c["cursor_end"] == len(code), "cursor_end is not in code points"
    assert c["cursor_start"] == len(code) - 4, "cursor_start is not in code points"
    assert isinstance(c["metadata"], dict)


def test_complete_in_middle_of_non_ascii_cell(kernel):
    kc = kernel.kc
    code = 'é = 1\nprin "x"'
    cursor = code.index("prin") + 4
    mid = kc.complete(code, cursor)
    c = shell_reply(kc, mid)["content"]
    collect_iopub(kc, mid)
    assert "print" in c["matches"]
    assert (c["cursor_start"], c["cursor_end"]) == (cursor - 4, cursor)


def test_inspect(kernel):
    kc = kernel.kc
    mid = kc.inspect("print", 5, detail_level=0)
    c = shell_reply(kc, mid)["content"]
    collect_iopub(kc, mid)
    assert c["status"] == "ok" and c["found"] is True
    assert "text/plain" in c["data"] and "print" in c["data"]["text/plain"]
    code = 'é = "ü"\nprint é'
    mid = kc.inspect(code, code.index("print") + 2, detail_level=1)
    c = shell_reply(kc, mid)["content"]
    collect_iopub(kc, mid)
    assert c["found"] is True
    mid = kc.inspect("   ", 1)
    c = shell_reply(kc, mid)["content"]
    collect_iopub(kc, mid)
    assert c["status"] == "ok" and c["found"] is False


def test_history(kernel):
    kc = kernel.kc
    execute(kc, "hist_marker_one = 1")
    execute(kc, "hist_marker_two = 2")
    execute(kc, "hist_marker_two")
    execute(kc, "hist_not_stored = 3", store_history=False)

    def hist(**kw):
        mid = kc.history(raw=True, **kw)
        rep = shell_reply(kc, mid)
        collect_iopub(kc, mid)
        assert rep["content"]["status"] == "ok"
        return rep["content"]["history"]

    tail = hist(hist_access_type="tail", n=3, output=False)
    assert [h[2] for h in tail] == ["hist_marker_one = 1", "hist_marker_two = 2",
                                    "hist_marker_two"]
    session, first = tail[0][0], tail[0][1]
    assert [h[1] for h in tail] == [first, first + 1, first + 2]
    out = hist(hist_access_type="tail", n=1, output=True)
    assert out[0][2][0] == "hist_marker_two"
    assert "2" in str(out[0][2][1])
    rng = hist(hist_access_type="range", session=session, start=first, stop=first + 2,
               output=False)
    assert [h[2] for h in rng] == ["hist_marker_one = 1", "hist_marker_two = 2"]
    found = hist(hist_access_type="search", pattern="hist_marker_t*", output=False)
    assert [h[2] for h in found][-2:] == ["hist_marker_two = 2", "hist_marker_two"]
    assert not hist(hist_access_type="search", pattern="hist_not_stored*", output=False)


def test_comm_info_empty(kernel):
    kc = kernel.kc
    mid = kc.comm_info()
    rep = shell_reply(kc, mid)
    collect_iopub(kc, mid)
    assert rep["content"]["status"] == "ok"
    assert rep["content"]["comms"] == {}
    mid = kc.comm_info(target_name="jupyter.widget")
    rep = shell_reply(kc, mid)
    collect_iopub(kc, mid)
    assert rep["content"]["comms"] == {}


def test_comm_open_unknown_target_closed(kernel):
    kc = kernel.kc
    kernel.flush()
    comm_id = uuid.uuid4().hex
    msg = kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "no.such.target",
                                       "data": {}})
    kc.shell_channel.send(msg)
    msgs = collect_iopub(kc, msg["header"]["msg_id"])
    closes = [m for m in msgs if m["msg_type"] == "comm_close"]
    assert len(closes) == 1 and closes[0]["content"]["comm_id"] == comm_id
    assert msgs[0]["content"].get("execution_state") == "busy"
    # comm_msg / comm_close for unknown comms: tolerated, busy/idle
    for t in ("comm_msg", "comm_close"):
        m = kc.session.msg(t, {"comm_id": comm_id, "data": {"x": 1}})
        kc.shell_channel.send(m)
        msgs = collect_iopub(kc, m["header"]["msg_id"])
        assert msgs[0]["content"].get("execution_state") == "busy"
    assert_alive(kernel)


def test_stdin_input_request(kernel):
    kc = kernel.kc
    kernel.flush()
    mid = kc.execute('ask "name?"', allow_stdin=True)
    req = kc.get_stdin_msg(timeout=5)
    assert req["msg_type"] == "input_request"
    assert req["parent_header"]["msg_id"] == mid
    assert "name?" in req["content"]["prompt"]
    assert req["content"]["password"] in (False, 0)
    kc.input("Ada Lovelace")
    rep = shell_reply(kc, mid)
    assert rep["content"]["status"] == "ok"
    msgs = collect_iopub(kc, mid)
    results = [m for m in msgs if m["msg_type"] == "execute_result"]
    if results:
        assert "Ada Lovelace" in results[0]["content"]["data"]["text/plain"]


def test_stdin_not_allowed(kernel):
    kc = kernel.kc
    kernel.flush()
    t0 = time.monotonic()
    mid = kc.execute('ask "name?"', allow_stdin=False)
    rep = shell_reply(kc, mid, timeout=5)
    assert time.monotonic() - t0 < 2
    assert rep["content"]["status"] == "error"
    assert rep["content"]["ename"] == "StdinNotImplementedError"
    with pytest.raises(Empty):
        kc.get_stdin_msg(timeout=0.2)
    collect_iopub(kc, mid)
    assert_alive(kernel)


def test_interrupt_while_waiting_for_input(kernel):
    kc = kernel.kc
    kernel.flush()
    mid = kc.execute('ask "never answered?"', allow_stdin=True)
    kc.get_stdin_msg(timeout=5)
    kernel.km.interrupt_kernel()
    rep = shell_reply(kc, mid, timeout=3)
    assert rep["content"]["ename"] == "KeyboardInterrupt"
    collect_iopub(kc, mid)
    assert_alive(kernel)


# --------------------------------------------------------------------------
# memory: 10,000 executes, RSS growth under 1 MB


def test_rss_stable_over_10000_executes(kernel_spec, tmp_path):
    """A kernel with no iopub subscriber (so PUB drops, not queues), driven
    as fast as it answers over a raw DEALER socket.  store_history=False so
    that the (legitimately growing) history is not counted."""
    km = KernelManager(kernel_name=KERNEL_NAME)
    with open(tmp_path / "stderr", "wb") as log:
        km.start_kernel(stderr=log)
    try:
        info = km.get_connection_info(session=False)
        session = Session(key=info["key"], signature_scheme=info["signature_scheme"])
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.linger = 0
        sock.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")
        content = {"code": "y = 1 + 1", "silent": False, "store_history": False,
                   "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}

        def run(n):
            for _ in range(n):
                session.send(sock, "execute_request", content)
                assert sock.poll(10_000), "no execute_reply within 10 s"
                frames = sock.recv_multipart(copy=True)
                assert b"execute_reply" in b"".join(frames[:-1])

        # first contact may be lost until the sockets connect: kernel_info until answered
        deadline = time.monotonic() + 30
        while True:
            session.send(sock, "kernel_info_request", {})
            if sock.poll(1000):
                sock.recv_multipart()
                break
            assert time.monotonic() < deadline, "kernel never answered"
        pid = km.provisioner.process.pid
        run(1000)
        before = vm_rss_kb(pid)
        t0 = time.monotonic()
        run(10_000)
        took = time.monotonic() - t0
        after = vm_rss_kb(pid)
        sock.close(0)
        print(f"RSS {before} kB -> {after} kB over 10000 executes in {took:.1f}s")
        assert after - before < 1024, f"RSS grew {after - before} kB over 10000 executes"
    finally:
        km.shutdown_kernel(now=True)
