"""JupyterLab 4 extension for the diffuse kernel (prebuilt).

The labextension itself is installed as data files into
<prefix>/share/jupyter/labextensions/diffuse-jupyterlab.
"""

__version__ = "0.1.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "diffuse-jupyterlab"}]
