"""On the sample study: `workbench report` writes the meeting pack and the community page;
the pack has the slides listed in docs/pack.md with alt text on every picture; slides render
with LibreOffice; axe-core finds no serious or critical WCAG 2.1 AA violation on the community
page or on any theme report."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
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
    # jargon only with its meaning: the maps' technical words are explained in the glossary
    soup = BeautifulSoup(page, "lxml")
    maps = soup.find("dt", string="Words on the maps")
    assert maps is not None and "Mann-Kendall" in maps.find_next_sibling("dd").get_text()
    maps.find_next_sibling("dd").decompose()
    assert jargon_in(visible_text(str(soup))) == []
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


def _slide_texts(prs) -> list[str]:
    """All text of each slide: title, text boxes and table cells."""
    found = []
    for slide in prs.slides:
        parts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [c.text for row in shape.table.rows for c in row.cells]
        found.append("\n".join(parts))
    return found


def test_sample_pack_has_no_empty_slide_and_no_district_code(sample_run):
    out, pack = sample_run
    prs = Presentation(str(pack / "meeting_pack.pptx"))
    log = json.loads((pack / "run_log.json").read_text())
    texts = _slide_texts(prs)
    for info, slide, text in zip(log["slides"], prs.slides, texts, strict=True):
        assert "No headline table was written" not in text, info["title"]
        if info["kind"] == "figures":  # a figures slide has a table with at least one figure
            tables = [s for s in slide.shapes if s.has_table]
            assert tables and len(tables[0].table.rows) >= 2, info["title"]
        else:  # every other slide holds a picture or text beyond its title
            body = [s for s in slide.shapes if s != slide.shapes.title]
            assert body, info["title"]
        assert "…" not in info["title"]  # titles are never cut
    codes = re.compile(r"\b(?:E0[6-9]|W06)\d{6}\b")  # district codes (LAD, UA, MD, LB)
    assert not [t for t in texts if codes.search(t)]
    run_log = json.loads((next(out.glob("*_overview")) / "run_log.json").read_text())
    for code in run_log["config"]["area_codes"]:
        assert run_log["districts"].get(code), code  # named in the run log ...
        assert run_log["districts"][code] in texts[0]  # ... and on the title slide


def _wilson(k: float, n: float, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval by hand (Newcombe 1998, method 3)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def _csv(folder: Path, stem: str) -> list[dict[str, str]]:
    path = next(p for p in folder.glob(f"*{stem}.csv") if p.stem.endswith(stem))
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_sample_records_equal_an_independent_recomputation(sample_run):
    """Three records against their published CSV rows, recomputed by hand here."""
    from workbench.headlines import read_headlines

    out, _ = sample_run
    overview = next(out.glob("*_overview"))
    records = {(h.table, h.name): h for h in read_headlines(overview / "headlines.json")}
    # 1. drug offences: the change and last year's rate from the counts compared
    row = next(r for r in _csv(overview, "key_crime_figures") if r["crime_type"] == "Drugs")
    h = records[("key_crime_figures", "Drugs")]
    count, before = float(row["compared_count"]), float(row["compared_previous_count"])
    assert h.base == float(row["count"])
    last = h.comparison("last year")
    assert last.change_pct == pytest.approx((count - before) / before * 100, abs=0.05)
    assert last.reference == pytest.approx(float(row["rate"]) * before / count, rel=1e-9)
    # 2. share of drug offences in the 20% most deprived neighbourhoods: k / n, Wilson
    row = next(
        r
        for r in _csv(overview, "most_deprived_share")
        if r["crime_type"] == "Drugs" and r["group"].startswith("20%")
    )
    k, n = float(row["count"]), float(row["total_count"])
    h = next(
        v for (t, name), v in records.items() if t == "most_deprived_share" and "Drugs" in name
    )
    assert (h.base, h.denominator) == (k, n)
    assert h.value == pytest.approx(k / n, abs=0.0005)
    lo, hi = _wilson(k, n)
    assert (h.interval.lower, h.interval.upper) == (
        pytest.approx(lo, abs=0.0005),
        pytest.approx(hi, abs=0.0005),
    )
    # 3. adults starting treatment within 3 weeks, latest year: within target / started
    rows = [r for r in _csv(overview, "waiting_times") if r["cohort"] == "adult"]
    row = max(rows, key=lambda r: r["financial_year"])
    h = next(v for (t, name), v in records.items() if t == "waiting_times" and "adult" in name)
    k, n = float(row["within_target"]), float(row["started"])
    assert h.period.label == row["financial_year"] and h.synthetic
    assert h.value == pytest.approx(k / n, abs=0.0005)
    lo, hi = _wilson(k, n)
    assert h.interval.lower == pytest.approx(lo, abs=0.0005)
    assert h.interval.upper == pytest.approx(hi, abs=0.0005)
