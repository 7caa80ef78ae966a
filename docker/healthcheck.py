"""diffuse-healthcheck: the image's HEALTHCHECK; exit 0 when the Jupyter
server in this container answers GET <base>/api with its version.

/api needs no token.  Under JupyterHub the server listens where
JUPYTERHUB_SERVICE_URL says (e.g. http://0.0.0.0:8888/user/ana/)."""
import json
import os
import sys
import urllib.parse
import urllib.request

url = urllib.parse.urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL")
                            or "http://127.0.0.1:8888/")
port = url.port or 8888
path = url.path if url.path.endswith("/") else url.path + "/"
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}api", timeout=5) as r:
        version = json.load(r)["version"]
except Exception as e:  # any failure is "unhealthy"; say which
    print(f"unhealthy: {e}", file=sys.stderr)
    sys.exit(1)
print(f"jupyter_server {version}")
