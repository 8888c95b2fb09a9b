"""Reports that fit (issue 25 item 8): the area-name matching in one line, wide tables inside
the page, no absolute path of the analyst's machine, section references from the headings."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from workbench.display import SCROLL_CLASS, people_table
from workbench.report import NOTEBOOKS, export_html, heading_id, section_references

ROOT = Path(__file__).resolve().parents[1]
#: Readers' files of a run: reports, run logs, tables, the pack, notes and the notebooks.
#: ``run.log`` is the analyst's own log of the run (it names the files read, as messages do).
READERS_FILES = (".html", ".json", ".csv", ".xlsx", ".pptx", ".md", ".ipynb")


# ----------------------------------------------------------------- 1. the name-matching table
def test_a_long_table_is_collapsed_behind_one_line():
    long = pd.DataFrame({"area_name": [f"Area {i}" for i in range(900)], "n": range(900)})
    shown = people_table(long, "Area name matches", source="area_name_matches.csv")
    html = shown._repr_html_()
    soup = BeautifulSoup(html, "lxml")
    details = soup.find("details")
    assert details is not None and details.find("table") is not None
    summary = details.find("summary").get_text(" ", strip=True)
    assert "900 rows" in summary and "area_name_matches.csv" in summary
    short = people_table(long.head(20), "Twenty")._repr_html_()
    assert "<details" not in short and SCROLL_CLASS in short


def test_indicators_report_summarises_the_name_matching(sample_report):
    folder = next(sample_report.glob("*_indicators"))
    html = (folder / "indicators.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "lxml")
    # the numbers of the one-line summary, counted independently from the written CSV
    csv = pd.read_csv(folder / "area_name_matches.csv", dtype=str)
    names = csv.drop_duplicates("area_name")
    unmatched = names["area_code"].isna().sum()
    line = f"{len(names) - unmatched:,} of {len(names):,} area names"
    text = soup.get_text(" ")
    assert line in text, line
    assert f"{unmatched:,} not matched" in text
    # the full table is there, but collapsed: no row of it is shown before the catalogue
    tables = [t for t in soup.find_all("table") if "Area name matches" in t.get_text(" ")[:200]]
    assert tables and all(t.find_parent("details") is not None for t in tables)
    assert len(tables[0].find_all("tr")) - 1 == len(csv)


# ------------------------------------------------------------------- 2. wide tables fit
_MEASURE = """() => {
  const out = {page: [document.documentElement.scrollWidth, window.innerWidth],
               clipped: [], scrolling: 0, tables: 0};
  for (const t of document.querySelectorAll('table')) {
    const r = t.getBoundingClientRect();
    if (r.width === 0) continue;  // inside a closed <details>
    out.tables += 1;
    let box = t.parentElement;
    while (box && getComputedStyle(box).overflowX === 'visible') box = box.parentElement;
    if (!box) continue;
    const b = box.getBoundingClientRect();
    const own = box.classList.contains('wb-table-scroll')
      && ['auto', 'scroll'].includes(getComputedStyle(box).overflowX);
    const wider = r.right > b.right + 1 || box.scrollWidth > box.clientWidth + 1;
    if (b.right > window.innerWidth + 1 || (wider && !own))
      out.clipped.push([(t.caption || {}).textContent || t.textContent.slice(0, 60),
                        Math.round(r.width), box.clientWidth, box.className.toString()]);
    else if (wider) out.scrolling += 1;
  }
  return out;
}"""


def _measure(browser, path: Path, width: int) -> dict:
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
        )
        page.goto(path.resolve().as_uri(), wait_until="load")
        # ready when the document and its fonts are: no fixed sleep
        page.wait_for_function(
            "document.readyState === 'complete' && document.fonts.status === 'loaded'"
        )
        return page.evaluate(_MEASURE)
    finally:
        page.close()


def test_no_table_is_clipped_at_1400_px(sample_report, capsys):
    """At 1,400 px no table is cut off: the page never scrolls sideways, and a table wider than
    the page scrolls inside its own box (a visible scroll bar under the table), never inside
    the whole output area or not at all."""
    from workbench.maps.browser import INSTALL_HINT, find_chromium, shared_browser

    if find_chromium() is None:
        pytest.skip(INSTALL_HINT)
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    reports = sorted(p for p in sample_report.glob("*_*/*.html") if p.stem in p.parent.name)
    reports.append(next(sample_report.glob("*_pack/community_report.html")))
    assert len(reports) >= 7
    clipped, tables, scrolling = {}, 0, 0
    for path in reports:
        found = shared_browser(_measure, path, 1400)
        scroll_width, width = found["page"]
        assert scroll_width <= width, f"{path.name} scrolls sideways: {scroll_width} px"
        tables += found["tables"]
        scrolling += found["scrolling"]
        if found["clipped"]:
            clipped[path.name] = found["clipped"]
    with capsys.disabled():
        print(
            f"\n{len(reports)} page(s) at 1,400 px: {tables} table(s) shown, {scrolling} "
            f"scroll in their own box, clipped: {clipped}"
        )
    assert tables > 50
    assert clipped == {}


# --------------------------------------------------------------------------- 3. no paths
def _readers_text(path: Path) -> str:
    if path.suffix in (".xlsx", ".pptx"):
        with zipfile.ZipFile(path) as z:
            return "\n".join(
                z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
            )
    return path.read_text(encoding="utf-8", errors="replace")


def test_no_absolute_path_in_what_readers_get(sample_report, capsys):
    needles = {
        "the run's output folder": str(sample_report),
        "the repository": str(ROOT),
        "the home folder": str(Path.home()),
        "a temporary pickle": "study.pickle",
        "the run's temporary folder": "workbench-run-",
    }
    files = [
        p
        for p in sample_report.rglob("*")
        if p.is_file() and p.suffix in READERS_FILES and not p.name.startswith(".")
    ]
    kinds = {p.suffix for p in files}
    assert {".html", ".json", ".xlsx", ".pptx", ".ipynb"} <= kinds
    found = []
    for path in files:
        text = _readers_text(path)
        found += [
            f"{path.relative_to(sample_report)}: {what}"
            for what, needle in needles.items()
            if needle in text
        ]
    with capsys.disabled():
        print(f"\npaths: {len(files)} file(s) scanned, {len(found)} with an absolute path")
    assert found == [], found[:10]
    # the run log still says which files were read, relative to the study folder
    log = json.loads(next(sample_report.glob("*_supply/run_log.json")).read_text("utf-8"))
    study = ROOT / "data" / "sample"
    police = log["config"]["files"]["police_street"]
    assert police and all((study / p).exists() for p in police)
    assert log["config"]["config"] == "area.toml"


# -------------------------------------------------------------- 4. section references
_TYPED = re.compile(r"\b[Ss]ections?\s+\d")


@pytest.mark.parametrize("notebook", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_section_references_come_from_the_headings(notebook):
    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    typed = [
        line
        for cell in nb.cells
        for line in cell.source.splitlines()
        if _TYPED.search(line) and "GUIDE" not in line
    ]
    assert typed == [], f"a section number typed by hand: {typed}"
    assert section_references(nb) == []  # every link names a heading of the notebook


def test_section_links_are_numbered_and_land_on_their_heading(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Title\n\n**How to use.** Run all. [Explore](#Explore) has controls; see also "
            "[the maps](#Hot-spots-district-by-district)."
        ),
        nbformat.v4.new_markdown_cell("## 1. The study"),
        nbformat.v4.new_markdown_cell("## 5b. Hot spots district by district"),
        nbformat.v4.new_markdown_cell("## 9. Explore"),
    ]
    src = tmp_path / "nb.ipynb"
    nbformat.write(nb, src)
    html = export_html(src, tmp_path / "nb.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "lxml")
    links = {a.get_text(): a["href"] for a in soup.find_all("a") if "ection" in a.get_text()}
    assert links == {
        "Section 9": "#9.-Explore",
        "the maps (section 5b)": "#5b.-Hot-spots-district-by-district",
    }
    for href in links.values():  # each lands on its heading
        target = soup.find(id=href[1:])
        assert target is not None and target.name.startswith("h")
    assert heading_id("9. Explore") == "9.-Explore"


def test_sample_reports_link_their_sections(sample_report):
    supply = next(sample_report.glob("*_supply/supply.html")).read_text(encoding="utf-8")
    soup = BeautifulSoup(supply, "lxml")
    explore = soup.find(id=re.compile(r"^\d+\.-Explore$"))
    assert explore is not None
    number = explore["id"].split(".")[0]
    link = soup.find("a", href=f"#{explore['id']}")
    assert link is not None and link.get_text() in (f"Section {number}", f"section {number}")
