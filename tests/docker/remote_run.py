"""Run code in a diffuse kernel started by a Jupyter server over its REST and
websocket API, as JupyterLab in a browser does; used by tests/docker/test_image.sh
to drive the kernel inside the container from outside it.

    python remote_run.py URL TOKEN OUTDIR (--notebook NB | --code TEXT)...

Starts one kernel (POST /api/kernels, name diffuse), runs every code cell of
each notebook and each --code text in order (showing what the --code ones print), and writes each image/png
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


def api(base, token, method, path, body=None):
    req = urllib.request.Request(
        f"{base}/api/{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}",
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        text = r.read()
    return json.loads(text) if text else None


def message(code, session):
    return {
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": "execute_request",
                   "session": session, "username": "test", "version": "5.3",
                   "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False,
                    "stop_on_error": True},
    }


async def run_cell(ws, code, session):
    """(status, [png bytes], error text, text output) for one execute_request."""
    msg = message(code, session)
    await ws.write_message(json.dumps(msg))
    pngs, error, status, idle, text = [], "", None, False, []
    while status is None or not idle:
        raw = await asyncio.wait_for(ws.read_message(), CELL_TIMEOUT)
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
        elif kind == "execute_reply":
            status = content["status"]
        elif kind == "status" and content["execution_state"] == "idle":
            idle = True
    return status, pngs, error, "\n".join(text)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("token")
    ap.add_argument("outdir")
    ap.add_argument("--notebook", action="append", default=[])
    ap.add_argument("--code", action="append", default=[])
    a = ap.parse_args()
    base = a.url.rstrip("/")
    cells = []
    for nb in a.notebook:
        with open(nb) as f:
            for c in json.load(f)["cells"]:
                if c["cell_type"] == "code":
                    cells.append((os.path.basename(nb), "".join(c["source"])))
    cells += [("--code", c) for c in a.code]
    os.makedirs(a.outdir, exist_ok=True)

    kernel = api(base, a.token, "POST", "kernels", {"name": "diffuse"})
    session, n_png, failed = uuid.uuid4().hex, 0, False
    try:
        ws_url = base.replace("http", "ws", 1) + f"/api/kernels/{kernel['id']}/channels"
        ws = await websocket_connect(HTTPRequest(
            ws_url, headers={"Authorization": f"token {a.token}"}))
        for i, (where, code) in enumerate(cells, 1):
            status, pngs, error, text = await run_cell(ws, code, session)
            for png in pngs:
                n_png += 1
                with open(os.path.join(a.outdir, f"{n_png:03d}.png"), "wb") as f:
                    f.write(png)
            first = code.strip().splitlines()[0] if code.strip() else ""
            print(f"cell {i} ({where}: {first[:50]}): {status}, {len(pngs)} image(s)"
                  + (f"  {error}" if error else ""), flush=True)
            if where == "--code":  # the test looks at what these print
                for line in text.splitlines():
                    print(f"  | {line}")
            if status != "ok":
                failed = True
                break
        ws.close()
    finally:
        api(base, a.token, "DELETE", f"kernels/{kernel['id']}")
    if n_png == 0:
        print("no image came back", file=sys.stderr)
        failed = True
    print(f"{n_png} image(s) in {a.outdir}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
