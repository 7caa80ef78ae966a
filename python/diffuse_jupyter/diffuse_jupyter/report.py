"""The headless report: executed notebooks to HTML pages and one index.

    python -m diffuse_jupyter.report REPORT_DIR

reads the executed notebooks REPORT_DIR/*.ipynb (./run.sh --headless puts
them there) and writes, next to them:
  - NAME.html for each: nbconvert's lab template (templates/diffuse_report)
    with an anchor id on every figure and alt text on every image;
  - mathjax/: MathJax from Debian's libjs-mathjax, which the pages load, so
    the math renders with no network;
  - index.html: the sections in the report's order, each linking to its
    page, and the course's deliverables (deliverables.json), each linking
    to the figures that answer it, or marked missing.  A deliverable's
    "on_if" figures (the notebooks' DeepFloyd IF sections) are linked too
    when a run with IF's weights drew them; without the weights the cells
    that draw them were skipped by `needs deepfloyd`, and the index says so
    instead of marking anything missing.

A figure is a display with a title: a grid ("TITLE: N images (WxH)"), a
progression ("TITLE: N frames ...") or a plot ("TITLE (N series ...)"), as
the kernel's text/plain says.  Its anchor is "fig-" and the title's slug.
"""
import argparse
import html
import json
import os
import re
import shutil
import sys

import nbformat
from nbconvert import HTMLExporter

HERE = os.path.dirname(os.path.abspath(__file__))
MATHJAX_SRC = "/usr/share/javascript/mathjax"
# What the pages need of MathJax 2 for TeX-AMS_CHTML-full (about 10 MB of 54).
MATHJAX_PARTS = ["MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js",
                 "extensions", "jax/input/TeX", "jax/output/CommonHTML",
                 "jax/element", "fonts/HTML-CSS/TeX/woff", "localization/en"]
MATHJAX_URL = "mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"

TITLE = re.compile(r"^(?P<t>.+?)(?:: \d+ (?:images?|frames?)\b.*| \(\d+ series\b.*\))$")


def text_of(value):
    return "".join(value) if isinstance(value, list) else (value or "")


def figure_title(output):
    """The figure's title from its text/plain, or None for other outputs."""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return None
    data = output.get("data", {})
    if not any(k.startswith("image/") for k in data):
        return None
    first = text_of(data.get("text/plain")).split("\n", 1)[0].strip()
    m = TITLE.match(first)
    return m.group("t").strip() if m else None


def slug(title):
    s = re.sub(r"[^0-9a-z]+", "-", title.lower()).strip("-")
    return "fig-" + (s[:60].rstrip("-") or "figure")


def annotate(nb):
    """Give every figure an anchor and every image alt text (in the outputs'
    metadata, where the template reads them).  Returns [(anchor, title)]."""
    figures, seen = [], {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue
            title = figure_title(output)
            plain = text_of(output.get("data", {}).get("text/plain")).split("\n", 1)[0]
            meta = output.setdefault("metadata", {})
            info = {"alt": title or plain.strip() or "output image"}
            if title:
                base = slug(title)
                seen[base] = seen.get(base, 0) + 1
                anchor = base if seen[base] == 1 else f"{base}-{seen[base]}"
                info["anchor"] = anchor
                figures.append((anchor, title))
            meta["diffuse_report"] = info
    return figures


def skipped_needs(nb):
    """What the notebook's `needs` guards found missing: the requirement of
    every output the guard showed in place of a skipped cell."""
    found = set()
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            what = output.get("metadata", {}).get("diffuse", {}).get("needs")
            if what:
                found.add(what)
    return found


def exporter():
    return HTMLExporter(template_name="diffuse_report",
                        extra_template_basedirs=[os.path.join(HERE, "templates")],
                        mathjax_url=MATHJAX_URL)


def copy_mathjax(out_dir, src=MATHJAX_SRC):
    dest = os.path.join(out_dir, "mathjax")
    if os.path.isfile(os.path.join(dest, "MathJax.js")):
        return
    if not os.path.isfile(os.path.join(src, "MathJax.js")):
        raise SystemExit(f"report: no MathJax at {src}; install Debian's libjs-mathjax "
                         "(scripts/setup.sh does)")
    tmp = dest + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for part in MATHJAX_PARTS:
        s, d = os.path.join(src, part), os.path.join(tmp, part)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        if os.path.isdir(s):
            shutil.copytree(s, d, symlinks=False)
        else:
            shutil.copy(s, d)
    os.replace(tmp, dest)


def write_atomic(path, text):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def render_notebook(path, out_dir):
    """NAME.html next to the report; returns its figures [(anchor, title)]
    and what its skipped cells needed (skipped_needs)."""
    nb = nbformat.read(path, as_version=4)
    figures = annotate(nb)
    body, _ = exporter().from_notebook_node(nb, resources={"metadata": {
        "name": os.path.splitext(os.path.basename(path))[0]}})
    name = os.path.splitext(os.path.basename(path))[0]
    write_atomic(os.path.join(out_dir, name + ".html"), body)
    return figures, skipped_needs(nb)


def load_plan():
    with open(os.path.join(HERE, "deliverables.json"), encoding="utf-8") as f:
        return json.load(f)


NO_IF = "needs DeepFloyd IF's weights, which this run did not have (docs/deepfloyd.md)"


def match_deliverables(plan, pages, skipped=None):
    """For each deliverable: the links [(href, title)] answering it, and
    why not when there are none; and a note on its IF figures when there
    are none.  pages: notebook -> [(anchor, title)]; skipped: notebook ->
    what its `needs` guards found missing."""
    sections = {s["key"]: s for s in plan["sections"]}
    skipped = skipped or {}
    rows = []
    for d in plan["deliverables"]:
        nb = sections[d["section"]]["notebook"]
        links, missing, if_note = [], None, None
        if nb is None:
            missing = "no notebook for this section yet"
        elif nb not in pages:
            missing = f"{nb} did not run (no page)"
        else:
            no_if = "deepfloyd" in skipped.get(nb, ())
            if_only = sections[d["section"]].get("needs") == "deepfloyd"
            for pattern in d["figures"]:
                found = [(f"{nb}.html#{a}", t) for a, t in pages[nb]
                         if re.match(pattern, t)]
                if not found:
                    missing = (NO_IF if no_if and if_only else
                               f"no figure titled like “{pattern}” in {nb}")
                links += found
            for pattern in d.get("on_if", []):
                found = [(f"{nb}.html#{a}", t) for a, t in pages[nb]
                         if re.match(pattern, t)]
                if not found:
                    if_note = (f"on DeepFloyd IF: {NO_IF}" if no_if else
                               f"on DeepFloyd IF: no figure titled like “{pattern}” in {nb}")
                links += found
        rows.append({**d, "links": links, "missing": missing, "if_note": if_note})
    return rows


STYLE = """body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.4}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
.missing{color:#a00}.note{color:#666}code{font-size:90%}"""


def index_html(plan, pages, rows):
    e = html.escape
    out = ["<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
           "<title>diffuse: the report</title>", f"<style>{STYLE}</style></head><body>",
           "<h1>The report</h1>", "<h2>Sections</h2>", "<ol id=\"sections\">"]
    for s in plan["sections"]:
        nb = s["notebook"]
        if nb and nb in pages:
            out.append(f"<li><a href=\"{e(nb)}.html\">{e(s['label'])}</a></li>")
        else:
            why = "no notebook yet" if not nb else "did not run"
            out.append(f"<li>{e(s['label'])} <span class=\"missing\">({why})</span></li>")
    out += ["</ol>", "<h2>Deliverables</h2>",
            "<table id=\"deliverables\"><tr><th>item</th><th>what the course asks for</th>"
            "<th>figure</th></tr>"]
    for r in rows:
        cells = [f"<a class=\"figure-link\" href=\"{e(h)}\">{e(t)}</a>" for h, t in r["links"]]
        if r["missing"]:
            cells.append(f"<span class=\"missing\">missing: {e(r['missing'])}</span>")
        if r.get("if_note"):
            cells.append(f"<span class=\"note\">{e(r['if_note'])}</span>")
        status = "missing" if r["missing"] else "ok"
        out.append(f"<tr class=\"deliverable {status}\" data-item=\"{e(r['item'])}\">"
                   f"<td>{e(r['item'])}</td><td>{e(r['what'])}</td>"
                   f"<td>{'<br>'.join(cells)}</td></tr>")
    out += ["</table>", "</body></html>\n"]
    return "\n".join(out)


def build(out_dir):
    plan = load_plan()
    copy_mathjax(out_dir)
    pages, skipped = {}, {}
    for s in plan["sections"]:
        nb = s["notebook"]
        path = nb and os.path.join(out_dir, nb + ".ipynb")
        if path and os.path.isfile(path):
            pages[nb], skipped[nb] = render_notebook(path, out_dir)
    rows = match_deliverables(plan, pages, skipped)
    write_atomic(os.path.join(out_dir, "index.html"), index_html(plan, pages, rows))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m diffuse_jupyter.report")
    ap.add_argument("report_dir")
    args = ap.parse_args(argv)
    rows = build(args.report_dir)
    missing = [r["item"] for r in rows if r["missing"]]
    print(f"report: {args.report_dir}/index.html, {len(rows) - len(missing)} of "
          f"{len(rows)} deliverables with figures"
          + (f"; missing: {', '.join(missing)}" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
