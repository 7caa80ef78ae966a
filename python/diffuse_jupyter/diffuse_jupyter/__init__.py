"""Jupyter glue for the diffuse kernel: Pygments lexer, papermill translator,
classic Notebook CodeMirror mode.  See the package's pyproject.toml."""
__version__ = "0.1.0"
