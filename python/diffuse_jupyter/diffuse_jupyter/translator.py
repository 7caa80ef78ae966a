"""papermill parameters as a diffuse cell.

`papermill -p hidden 64 -p name "a b" nb.ipynb out.ipynb` injects

    # Parameters
    hidden = 64
    name = "a b"

after the cell tagged `parameters`.  Values map to the language's literals:
int and float as numbers, str as a string with the kernel's escapes
(\\n \\t \\" \\\\), bool as true/false, None as none, list as [a, b].  The
language has no dictionaries, no infinities and no other escapes, so those
are refused with an error naming the parameter's value, not sent as a cell
that would fail later.
"""
import math
import re

from papermill.engines import NBClientEngine
from papermill.models import Parameter
from papermill.translators import Translator, papermill_translators

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# `name = value  # help` in a parameters cell (strings hold no `#` here)
ASSIGNMENT = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)\s*([^#]*?)\s*(?:#\s*(.*))?$')
ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}


class DiffuseTranslator(Translator):
    @classmethod
    def translate_none(cls, val):
        return "none"

    @classmethod
    def translate_bool(cls, val):
        return "true" if val else "false"

    @classmethod
    def translate_int(cls, val):
        return str(val)

    @classmethod
    def translate_float(cls, val):
        if not math.isfinite(val):
            raise ValueError(f"diffuse has no literal for {val!r}; pass a finite number")
        return repr(val)  # shortest round-trip form: 0.1, 1e-05, 3.0

    @classmethod
    def translate_str(cls, val):
        out = []
        for ch in val:
            if ch in ESCAPES:
                out.append(ESCAPES[ch])
            elif ord(ch) < 0x20 or ord(ch) == 0x7F:
                raise ValueError(
                    f"diffuse strings have no escape for {ch!r} (in {val!r}); "
                    "the escapes are \\n \\t \\\" and \\\\")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'

    @classmethod
    def translate_escaped_str(cls, val):
        # papermill's last resort for other types (a date, ...): their text
        return cls.translate_str(str(val))

    translate_raw_str = translate_escaped_str

    @classmethod
    def translate_list(cls, val):
        return "[" + ", ".join(cls.translate(v) for v in val) + "]"

    @classmethod
    def translate_dict(cls, val):
        raise ValueError(f"diffuse has no dictionaries ({val!r}); pass each entry "
                         "as a parameter of its own")

    @classmethod
    def inspect(cls, parameters_cell):
        """The parameters a cell tagged `parameters` assigns, for
        `papermill --help-notebook` and its unknown-parameter check."""
        found = []
        for line in parameters_cell.source.splitlines():
            m = ASSIGNMENT.match(line.strip())
            if m:
                name, value, help_text = m.groups()
                found.append(Parameter(name=name, inferred_type_name=cls.type_of(value),
                                       default=value, help=help_text or ""))
        return found

    @staticmethod
    def type_of(value):
        if value in ("true", "false"):
            return "bool"
        if value == "none":
            return "None"
        if value.startswith('"'):
            return "str"
        if value.startswith("["):
            return "list"
        if re.fullmatch(r"-?\d+", value):
            return "int"
        if re.fullmatch(r"-?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", value):
            return "float"
        return "None"  # an expression: papermill's "unknown"

    @classmethod
    def comment(cls, cmt_str):
        return f"# {cmt_str}".strip()

    @classmethod
    def assign(cls, name, str_val):
        if not NAME.match(name):
            raise ValueError(f"{name!r} is not a diffuse variable name "
                             "(letters, digits and _, not starting with a digit)")
        return f"{name} = {str_val}"


papermill_translators.register("diffuse", DiffuseTranslator)


class DiffuseEngine(NBClientEngine):
    """papermill's nbclient engine, unchanged: its entry point is how the
    plain papermill command imports this module (see pyproject.toml)."""
