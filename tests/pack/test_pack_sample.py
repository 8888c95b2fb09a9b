"""On the sample study: `workbench report` writes the meeting pack and the community page;
the pack has the slides listed in docs/pack.md with alt text on every picture; slides render
with LibreOffice; axe-core finds no serious or critical WCAG 2.1 AA violation on the community
page or on any theme report."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from pptx import Presentation
from test_pack import jargon_in, visible_text

from workbench.maps.browser import find_chromium, wait_until_drawn
from workbench.report import THEMES

ROOT = Path(__file__).resolve().parents[2]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def sample_run(sample_report):
    """The session's sample report (tests/conftest.py) and its pack folder."""
    out = sample_report
    (pack,) = out.glob("*_pack")
    return out, pack


def test_pack_on_sample(sample_run):
    out, pack = sample_run
    log = json.loads((pack / "run_log.json").read_text())
    prs = Presentation(str(pack / "meeting_pack.pptx"))
    assert len(prs.slides) == len(log["slides"])
    kinds = [s["kind"] for s in log["slides"]]
    assert kinds[0] == "title" and kinds[-1] == "closing"
    assert kinds.count("chart") == 1  # the SPC chart of the headline series
    assert kinds.count("map") >= 5  # key maps of the five themes
    titles = [s["title"] for s in log["slides"]]
    for theme_title in ("Summary", "Supply", "Communities", "Young people", "Treatment"):
        assert any(
            t.startswith(theme_title) and k == "figures" for t, k in zip(titles, kinds, strict=True)
        )
    # every picture has alt text
    n_pictures = 0
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.shape_type == 13:
                n_pictures += 1
                assert len(shape._element.nvPicPr.cNvPr.get("descr", "")) > 40
    assert n_pictures == kinds.count("map") + kinds.count("chart")
    # the slides carry the published figures: the overview's drug offences as in its CSV
    text = (next(out.glob("*_overview")) / "key_crime_figures.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    count = float(next(r for r in rows if r["crime_type"] == "Drugs")["count"])
    table_text = " ".join(
        c.text
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_table
        for row in shape.table.rows
        for c in row.cells
    )
    assert f"n = {count:,.0f}" in table_text
    # readability of the community page in the run log
    r = log["readability"]
    assert 30 < r["flesch_reading_ease"] <= 100 and r["library"].startswith("textstat")


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice (soffice) or pdftoppm not installed: apt-get install "
    "libreoffice-impress poppler-utils to render the slides",
)
def test_slides_rendered(sample_run):
    _, pack = sample_run
    log = json.loads((pack / "run_log.json").read_text())
    pngs = sorted(pack.glob("slide_*.png"))
    assert len(pngs) == len(log["slides"]) and log["files"]["slide_png"]
    from PIL import Image

    with Image.open(pngs[0]) as img:
        w, h = img.size
    assert abs(w / h - 16 / 9) < 0.01


def test_community_page_on_sample(sample_run):
    _, pack = sample_run
    page = (pack / "community_report.html").read_text(encoding="utf-8")
    assert jargon_in(visible_text(page)) == []
    assert "<script" not in page and 'lang="en-GB"' in page
    assert page.count("<img ") in (1, 2)
    assert "Example text, not real" in page  # the sample's commentary, marked as an example


def _axe(pages: list[Path]) -> dict[str, list[tuple[str, str, int]]]:
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("Chromium not found: install Debian's chromium to run the axe-core checks")
    axe_mod = pytest.importorskip(
        "axe_playwright_python.sync_playwright", reason="axe-playwright-python not installed"
    )
    from playwright.sync_api import sync_playwright

    axe = axe_mod.Axe()
    found = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            for path in pages:
                wait_until_drawn(page, path.as_uri())  # loaded and drawn, no fixed time
                result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
                found[path.name] = [
                    (v["id"], v["impact"], len(v["nodes"])) for v in result.response["violations"]
                ]
        finally:
            browser.close()
    return found


def test_axe_no_serious_violation(sample_run):
    out, pack = sample_run
    pages = [pack / "community_report.html"]
    pages += [next(out.glob(f"*_{theme}")) / f"{theme}.html" for theme in THEMES]
    found = _axe(pages)
    assert len(found) == 1 + len(THEMES)
    serious = {
        name: [v for v in violations if v[1] in ("serious", "critical")]
        for name, violations in found.items()
    }
    assert serious == {name: [] for name in found}, serious
    # the community page meets every WCAG 2.1 A/AA rule axe checks, not only the serious ones
    assert found["community_report.html"] == []
