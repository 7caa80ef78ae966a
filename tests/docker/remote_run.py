"""Run code in a diffuse kernel started by a Jupyter server over its REST and
websocket API, as JupyterLab in a browser does; used by tests/docker/test_image.sh
to drive the kernel inside the container from outside it.

    python remote_run.py URL TOKEN OUTDIR (--notebook NB | --code TEXT)...

Starts one kernel in a session (POST /api/sessions, kernel diffuse, --path
under the server's root; its folder is the kernel's), runs every code cell of
each notebook and each --code and --interrupt text in order (showing what they print), and writes each image/png
output it gets back to OUTDIR/<n>.png.  Prints one line per cell.  Exits 1
(after shutting the kernel down) on an error reply, a cell that times out,
or when no image came back at all."""
import argparse
import asyncio
import base64
import json
import os
import sys
import uuid
import urllib.request

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

CELL_TIMEOUT = 900  # s: Part B training on a shared 2-core machine
INTERRUPT_AFTER = 4.0  # s into an --interrupt cell


def api(base, token, method, path, body=None):
    req = urllib.request.Request(
        f"{base}/api/{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}",
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        text = r.read()
    return json.loads(text) if text else None


def message(code, session, stop_on_error=True):
    return {
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": "execute_request",
                   "session": session, "username": "test", "version": "5.3",
                   "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False,
                    "stop_on_error": stop_on_error},
    }


async def run_cell(ws, code, session, interrupt=None):
    """(status, [png bytes], error text, text output) for one execute_request;
    interrupt(), when given, is called INTERRUPT_AFTER s after sending it."""
    msg = message(code, session, stop_on_error=interrupt is None)
    await ws.write_message(json.dumps(msg))
    if interrupt:
        await asyncio.sleep(INTERRUPT_AFTER)
        interrupt()
    pngs, error, status, idle, text, ename = [], "", None, False, [], ""
    # an interrupt that does not work must not cost the whole CELL_TIMEOUT
    timeout = 60 if interrupt else CELL_TIMEOUT
    while status is None or not idle:
        raw = await asyncio.wait_for(ws.read_message(), timeout)
        if raw is None:
            raise RuntimeError("the server closed the websocket")
        m = json.loads(raw)
        if m.get("parent_header", {}).get("msg_id") != msg["header"]["msg_id"]:
            continue
        kind, content = m["msg_type"], m["content"]
        if kind in ("display_data", "execute_result", "update_display_data"):
            png = content.get("data", {}).get("image/png")
            if png:
                pngs.append(base64.b64decode(png))
            text.append(content.get("data", {}).get("text/plain", ""))
        elif kind == "stream":
            text.append(content["text"])
        elif kind == "error":
            error = f"{content['ename']}: {content['evalue']}"
            ename = content["ename"]
        elif kind == "execute_reply":
            status = content["status"]
        elif kind == "status" and content["execution_state"] == "idle":
            idle = True
    return status, pngs, error, "\n".join(text), ename


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("token")
    ap.add_argument("outdir")
    ap.add_argument("--notebook", action="append", default=[])
    ap.add_argument("--code", action="append", dest="cells", default=[],
                    type=lambda c: ("--code", c))
    ap.add_argument("--interrupt", action="append", dest="cells",
                    type=lambda c: ("--interrupt", c),
                    help="code to interrupt (POST /api/kernels/ID/interrupt) "
                         f"{INTERRUPT_AFTER} s in: it must end in a "
                         "KeyboardInterrupt error, and the kernel go on")
    ap.add_argument("--path", default="notebooks/remote.ipynb",
                    help="the session's notebook path, under the server's root")
    a = ap.parse_args()
    base = a.url.rstrip("/")
    cells = []
    for nb in a.notebook:
        with open(nb) as f:
            for c in json.load(f)["cells"]:
                if c["cell_type"] == "code":
                    cells.append((os.path.basename(nb), "".join(c["source"])))
    cells += a.cells
    os.makedirs(a.outdir, exist_ok=True)

    # a session, as JupyterLab opens one: the kernel starts in the folder of
    # its notebook path, so the notebooks' relative paths (data/...) resolve
    sess = api(base, a.token, "POST", "sessions",
               {"path": a.path, "type": "notebook", "name": os.path.basename(a.path),
                "kernel": {"name": "diffuse"}})
    kernel = sess["kernel"]
    session, n_png, failed = uuid.uuid4().hex, 0, False
    try:
        ws_url = base.replace("http", "ws", 1) + f"/api/kernels/{kernel['id']}/channels"
        ws = await websocket_connect(HTTPRequest(
            ws_url, headers={"Authorization": f"token {a.token}"}))
        for i, (where, code) in enumerate(cells, 1):
            interrupt = None
            if where == "--interrupt":
                def interrupt():
                    api(base, a.token, "POST", f"kernels/{kernel['id']}/interrupt")
            status, pngs, error, text, ename = await run_cell(ws, code, session, interrupt)
            if where == "--interrupt":  # the error is the point; say so
                status = ("interrupted" if status == "error" and
                          ename in ("KeyboardInterrupt", "Interrupted") else
                          f"not interrupted ({status})")
            for png in pngs:
                n_png += 1
                with open(os.path.join(a.outdir, f"{n_png:03d}.png"), "wb") as f:
                    f.write(png)
            first = code.strip().splitlines()[0] if code.strip() else ""
            print(f"cell {i} ({where}: {first[:50]}): {status}, {len(pngs)} image(s)"
                  + (f"  {error}" if error else ""), flush=True)
            if where.startswith("--"):  # the test reads what these print
                for line in text.splitlines():
                    print(f"  | {line}")
            if status not in ("ok", "interrupted"):
                failed = True
                break
        ws.close()
    finally:
        api(base, a.token, "DELETE", f"sessions/{sess['id']}")
    if n_png == 0:
        print("no image came back", file=sys.stderr)
        failed = True
    print(f"{n_png} image(s) in {a.outdir}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
