"""The headless report, reduced to two notebooks so that it runs in the
suite: A1.1 (grids, a progression, a plot) as it is, and B1 (math, wide
grids, loss curves) at a tiny budget through papermill, the way
./run.sh --headless builds the full one (execute into the report folder,
then python -m diffuse_jupyter.report).  Checks what a reader of
build/report/index.html would notice:
  - every deliverable of a notebook that ran links to a figure anchor that
    exists on its page; the others say missing, and none links anywhere;
  - no `$...$` left unrendered: MathJax (served from the report folder,
    with every network request refused) rendered the formulas, without
    errors (headless chromium);
  - no grid or image wider than an 800 px page (chromium's layout);
    screenshots are kept in build/report-check/;
  - every image has alt text; the diffuse cells carry Pygments classes;
  - a deliverable links the figure of its notebook's DeepFloyd IF section
    when a run with the weights drew it, and says the weights were missing
    when `needs deepfloyd` skipped it (no kernel: the index's matching).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import KERNEL_NAME, ROOT, VENV, jupyter_bin

ARTIFACTS = ROOT / "build" / "report-check"
NOTEBOOKS = ROOT / "notebooks"


class Page(HTMLParser):
    """ids, links and images of one HTML page."""

    def __init__(self, text):
        super().__init__()
        self.ids, self.links, self.imgs, self.spans = set(), [], [], set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "figure-link" in (a.get("class") or ""):
            self.links.append(a["href"])
        if tag == "img":
            self.imgs.append(a)
        if tag == "span" and a.get("class"):
            self.spans.add(a["class"])


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run([jupyter_bin(), "nbconvert", "--execute", "--to", "notebook",
                    f"--ExecutePreprocessor.kernel_name={KERNEL_NAME}",
                    "--ExecutePreprocessor.timeout=600", "--output-dir", str(out),
                    "--output", "A1.1-forward-process",
                    str(NOTEBOOKS / "A1.1-forward-process.ipynb")],
                   check=True, capture_output=True, timeout=900)
    # papermill runs in the notebook's folder, as nbconvert does (data/).
    subprocess.run([str(VENV / "bin" / "papermill"), "--cwd", str(NOTEBOOKS),
                    "-p", "hidden", "8", "-p", "subset", "256",
                    str(NOTEBOOKS / "B1-single-step-denoiser.ipynb"),
                    str(out / "B1-single-step-denoiser.ipynb")],
                   check=True, capture_output=True, timeout=900)
    run = subprocess.run([str(VENV / "bin" / "python"), "-m", "diffuse_jupyter.report", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Alternative text is missing" not in run.stderr, run.stderr[-2000:]
    return out


def test_index_lists_sections_in_order_and_links_notebooks_that_ran(report):
    html = (report / "index.html").read_text()
    order = ["Part 0", "A1.1", "A1.2", "A1.3", "A1.4", "A1.5", "A1.6", "A1.7", "A1.8",
             "A1.9", "B1", "B2"]
    at = [html.index(f"<li>{s}") if f"<li>{s}" in html else html.index(f'">{s}') for s in order]
    assert at == sorted(at)
    assert 'href="A1.1-forward-process.html"' in html
    assert 'href="B1-single-step-denoiser.html"' in html
    assert 'href="B2-flow-matching.html"' not in html  # not run here


def test_every_deliverable_links_to_an_existing_figure_or_says_missing(report):
    html = (report / "index.html").read_text()
    rows = re.findall(r'<tr class="deliverable (ok|missing)" data-item="([^"]+)">(.*?)</tr>', html, re.S)
    items = {item for _, item, _ in rows}
    assert {"A0", "A1.1", "A1.9", "B1.2", "B1.2.3b", "B2.2", "B2.6b"} <= items
    pages = {}
    checked = 0
    for status, item, body in rows:
        links = re.findall(r'class="figure-link" href="([^"]+)"', body)
        if item.startswith("A1.1") or item.startswith("B1"):
            assert status == "ok", (item, body)
        if not (item.startswith("A1.1") or item.startswith("B1")):
            assert status == "missing" and not links, (item, body)
        if item == "A0":
            assert "A0-deepfloyd-sampling did not run" in body
        for href in links:
            page, anchor = href.split("#")
            if page not in pages:
                pages[page] = Page((report / page).read_text())
            assert anchor in pages[page].ids, (item, href)
            checked += 1
    assert checked >= 8


def test_images_carry_alt_text_and_cells_are_highlighted(report):
    for name in ("A1.1-forward-process.html", "B1-single-step-denoiser.html"):
        page = Page((report / name).read_text())
        assert page.imgs
        bad = [i.get("src", "")[:40] for i in page.imgs
               if not i.get("alt") or i["alt"].startswith("No description")]
        assert not bad, (name, bad)
        assert {"nb", "mi"} <= page.spans, (name, sorted(page.spans)[:20])


def test_math_renders_offline_and_grids_fit_the_page(report):
    node = shutil.which("node")
    assert node, "node is missing (scripts/setup.sh installs it)"
    run = subprocess.run([node, str(ROOT / "tests" / "report" / "check_report.mjs"), str(report),
                          str(ARTIFACTS), "800"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    pages = result["pages"]
    b1 = pages["B1-single-step-denoiser.html"]
    assert b1["mathjax"] and b1["rendered"] >= 5, b1
    for name, p in pages.items():
        assert p["rawMath"] == [], (name, p["rawMath"][:5])
        assert p["errors"] == 0, name
        assert p["wide"] == [] and not p["scrollsSideways"], (name, p["wide"][:5])
        assert not [u for u in p["failedRequests"] if not u.startswith("file:")], (name, p["failedRequests"])
        assert Path(p["screenshot"]).stat().st_size > 0
    # the grids are there (and were measured): B1's are 7 and 8 columns wide
    assert b1["grids"] >= 4


def test_if_figures_are_linked_when_drawn_and_explained_when_skipped():
    from diffuse_jupyter.report import load_plan, match_deliverables
    plan = load_plan()
    mnist = ("fig-5-samples", "5 samples from pure noise, no guidance (seed 180)")
    on_if = ("fig-if-5-samples", "IF: 5 samples of a high quality photo, no guidance (seed 180)")
    stage1 = [(f"fig-s{n}", f"Stage I, {n} steps (seed 100)") for n in (10, 20, 40)]

    # A run with IF's weights: both figures linked, A0 answered.
    rows = {r["item"]: r for r in match_deliverables(
        plan, {"A1.5-sampling": [mnist, on_if], "A0-deepfloyd-sampling": stage1})}
    assert rows["A1.5"]["missing"] is None and rows["A1.5"]["if_note"] is None
    assert [h for h, _ in rows["A1.5"]["links"]] == ["A1.5-sampling.html#fig-5-samples",
                                                    "A1.5-sampling.html#fig-if-5-samples"]
    assert rows["A0"]["missing"] is None and len(rows["A0"]["links"]) == 3

    # Without them: the section is still answered by the CPU model; the IF
    # figure and Part 0 are explained, not silently absent.
    skipped = {"A1.5-sampling": {"deepfloyd"}, "A0-deepfloyd-sampling": {"deepfloyd"}}
    rows = {r["item"]: r for r in match_deliverables(
        plan, {"A1.5-sampling": [mnist], "A0-deepfloyd-sampling": []}, skipped)}
    assert rows["A1.5"]["missing"] is None and len(rows["A1.5"]["links"]) == 1
    assert "needs DeepFloyd IF's weights" in rows["A1.5"]["if_note"]
    assert "needs DeepFloyd IF's weights" in rows["A0"]["missing"]

    # A run with the weights that lost a figure still says which.
    rows = {r["item"]: r for r in match_deliverables(plan, {"A1.5-sampling": [mnist]})}
    assert "no figure titled like" in rows["A1.5"]["if_note"]
