"""Tests of workbench.report: config checks, period parsing, offline HTML, full runs."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from workbench.cli import main
from workbench.config import load_config
from workbench.errors import ConfigError
from workbench.maps.browser import (
    INSTALL_HINT,
    RENDERER_BROWSER,
    RENDERER_STATIC,
    find_chromium,
    page_screenshot,
)
from workbench.report import THEMES, export_html, external_loads, parse_period, run_report
from workbench.stats import check_suppressed

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "area.toml"
SECOND = ROOT / "data" / "sample" / "area_oadby_wigston.toml"


def test_parse_period():
    assert parse_period("2021-04:2022-03") == ("2021-04", "2022-03")
    assert parse_period(" 2021-04 : 2022-03 ") == ("2021-04", "2022-03")
    assert parse_period(None) == (None, None)
    with pytest.raises(ConfigError, match="two months"):
        parse_period("2021-04")


def test_external_loads_finds_loads_not_mentions():
    assert external_loads('<script src="https://cdn.example.org/x.js"></script>')
    assert external_loads("<link href='//cdn.example.org/x.css'>")
    assert external_loads("<style>a{background:url(https://x.org/a.png)}</style>")
    # escaped inside an iframe srcdoc: a browser still loads it
    assert external_loads(
        '<iframe srcdoc="&lt;script src=&quot;https://cdn.x.org/l.js&quot;&gt;&lt;/script&gt;">'
    )
    # parsed as a browser parses: a load in an attribute, not in text, and any element
    assert external_loads('<video poster="//x.org/p.png"></video>')
    assert external_loads('<div style="background: url(https://x.org/a.png)"></div>')
    assert not external_loads("<p>&lt;img src=https://x.org/a.png&gt; (text)</p>")
    assert not external_loads("<p>Licence: https://www.nationalarchives.gov.uk/ogl</p>")
    assert not external_loads('<img src="data:image/png;base64,AAAA">')
    assert not external_loads('<a href="#section-1">1</a>')
    assert not external_loads('<a href="https://leafletjs.com">Leaflet</a>')
    assert external_loads("<img src=https://x.org/a.png>")


def test_bad_config_is_one_clear_error(tmp_path, capsys):
    bad = tmp_path / "area.toml"
    bad.write_text('[study]\nname = "x"\n', encoding="utf-8")
    assert main(["report", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "area_codes" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_bad_period_and_theme(tmp_path):
    with pytest.raises(ConfigError, match="period"):
        run_report(SAMPLE, out=tmp_path, period="2022-10:2021-01")
    with pytest.raises(ConfigError, match="--theme"):
        run_report(SAMPLE, themes=["nonsense"], out=tmp_path)
    assert not any(tmp_path.iterdir())


def test_export_html_has_no_external_loads(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nSome $x^2$ maths."),
        nbformat.v4.new_code_cell("1 + 1"),
    ]
    nb.cells[1].outputs = [
        nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)
    ]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    src = tmp_path / "nb.ipynb"
    nbformat.write(nb, src)
    html = export_html(src, tmp_path / "nb.html").read_text(encoding="utf-8")
    assert "Title" in html
    assert external_loads(html) == []
    assert "<details" in html


def _check_run(folder: Path, theme: str) -> dict:
    """Every exported table suppressed, every HTML free of external loads; returns the log."""
    log = json.loads((folder / "run_log.json").read_text(encoding="utf-8"))
    threshold = log["config"]["suppression_threshold"]
    assert log["theme"] == theme
    assert log["packages"]["pandas"] == pd.__version__
    # the run-level disclosure audit read the files back and found nothing recoverable
    assert log["disclosure_audit"]["leaks_found"] == 0
    assert log["run_disclosure_audit"]["leaks_found"] == 0
    for record in log["outputs"]:
        for name in record["files"]:
            assert (folder / name).is_file(), name
        if record["kind"] == "table":
            csv = folder / next(f for f in record["files"] if f.endswith(".csv"))
            table = pd.read_csv(csv, dtype=str)
            # raises WorkbenchError naming the cells if a count 1..threshold-1 is shown
            # (open data shown in full when the study says so: docs/disclosure.md)
            if record["protected"]:
                check_suppressed(table, threshold, count_columns=record["count_columns"])
            if record["synthetic"]:
                assert csv.name.startswith("SYNTHETIC_")
                assert (table["data"] == "SYNTHETIC").all()
    html_files = list(folder.glob("*.html"))
    assert folder / f"{theme}.html" in html_files
    for page in html_files:
        text = page.read_text(encoding="utf-8")
        assert external_loads(text) == [], page.name
    return log


#: Names of each study's area that must never appear in the other study's outputs
#: (case-sensitive whole words: "Leicestershire Police" and lower-case file names such as
#: ``lsoa_pop_mid2019_total_leicester.csv`` are sources, not the area named in prose).
OTHER_AREA = {
    "sample": ["Oadby and Wigston", "Blaby"],
    "second": ["Leicester"],
}
STUDIES = {"sample": SAMPLE, "second": SECOND}
#: Full-page screenshots of every report, for people to look at (kept after the tests).
SCREENSHOTS = ROOT / "output" / "report_screenshots"

_LOG_RECORD = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)[\s:]", re.MULTILINE)
_MAP_CALL = re.compile(r"""out\.map\(\s*(?:f?["']([^"']+)["'])""")


@pytest.fixture(scope="module")
def full_runs(sample_report, oadby_report):
    """Every theme on both studies (about a minute each on 2 cores); both runs are the
    session's (tests/conftest.py: each study runs once per session)."""
    outs = {"sample": sample_report, "second": oadby_report}
    return {
        key: {p.name.split("_", 1)[1]: p for p in out.iterdir() if p.is_dir()}
        for key, out in outs.items()
    }


def _themes(run: dict) -> dict:
    """The theme folders of a run (without the meeting pack folder, issue 15)."""
    return {theme: folder for theme, folder in run.items() if theme in THEMES}


def test_report_on_sample(full_runs):
    folders = full_runs["sample"]
    assert set(folders) == {*THEMES, "pack"}  # pack: meeting pack, issue 15
    supply = _check_run(folders["supply"], "supply")
    treatment = _check_run(folders["treatment"], "treatment")
    names = {r["name"] for r in supply["outputs"]}
    assert {"year_on_year", "quarterly", "pai_by_method", "top_lsoas", "kde", "gistar"} <= names
    # maps: offline HTML and a PNG each, from the browser or, without one, from matplotlib
    maps = [r for r in supply["outputs"] if r["kind"] == "map"]
    assert maps and all(len(r["files"]) == 2 for r in maps)
    assert all(r["png_renderer"] in (RENDERER_BROWSER, RENDERER_STATIC) for r in maps)
    # the sample's partnership tables are synthetic and labelled so
    assert all(r["synthetic"] for r in treatment["outputs"] if r["kind"] == "table")
    # the kernel ran in this environment's Python (named relative to the study folder: no
    # absolute path of the analyst's machine in the run log, issue 25 item 8)
    python = Path(supply["python_executable"])
    assert not python.is_absolute()
    assert (SAMPLE.parent / python).resolve() == Path(sys.executable).resolve()


@pytest.mark.parametrize("study", sorted(STUDIES))
def test_reports_name_their_study(full_runs, study):
    """Title and first heading of every report name the study; the header names its sources."""
    cfg = load_config(STUDIES[study])
    for theme, folder in _themes(full_runs[study]).items():
        page = (folder / f"{theme}.html").read_text(encoding="utf-8")
        soup = BeautifulSoup(page, "lxml")
        title, heading = soup.title.get_text(), soup.find("h1").get_text()
        assert cfg.area_name in title, (theme, title)
        assert cfg.area_name in heading, (theme, heading)
        assert "Data used:" in page and "data.police.uk" in page
        for code in cfg.area_codes:
            assert code in page
        # the synthetic note appears exactly when the study uses a synthetic table
        uses_synthetic = any("synthetic" in str(p).lower() for p in cfg.files.values() if p)
        assert ("SYNTHETIC data:" in page) == uses_synthetic, theme
        log = json.loads((folder / "run_log.json").read_text(encoding="utf-8"))
        if any(r["kind"] == "map" for r in log["outputs"]):  # the renderer of its map PNGs
            assert "drawn by:" in page, theme


def _outputs_text(output: dict) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    data = output.get("data", {})
    return "\n".join(str(v) for k, v in data.items() if k.startswith("text/"))


@pytest.mark.parametrize("study", sorted(STUDIES))
def test_notebook_cells_show_what_they_promise(full_runs, study):
    """Cell by cell: every map cell shows a map; no bare path, traceback or log record."""
    for theme, folder in _themes(full_runs[study]).items():
        log = json.loads((folder / "run_log.json").read_text(encoding="utf-8"))
        written = {r["name"] for r in log["outputs"] if r["kind"] == "map"}
        nb = nbformat.read(folder / f"{theme}.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            where = f"{study} {theme}: {cell.source[:70]!r}"
            texts = [_outputs_text(o) for o in cell.outputs]
            for output, text in zip(cell.outputs, texts, strict=True):
                assert output.get("output_type") != "error", where
                assert output.get("name") != "stderr", f"{where}: {text[:200]}"
                assert "PosixPath(" not in text and "WindowsPath(" not in text, where
                assert "Traceback" not in text, where
                assert not _LOG_RECORD.search(text), f"{where}: {text[:200]}"
            maps = [m for m in _MAP_CALL.findall(cell.source) if m in written]
            if maps:
                frames = sum(t.count("<iframe srcdoc=") for t in texts)
                assert frames >= len(maps), f"{where}: {len(maps)} map(s) saved, {frames} shown"


@pytest.mark.parametrize("study", sorted(STUDIES))
def test_no_output_names_the_other_study(full_runs, study):
    """grep every output file of the run for the other study's area names."""
    names = OTHER_AREA[study]
    pattern = re.compile("|".join(rf"\b{re.escape(n)}\b" for n in names))
    checked = 0
    for folder in full_runs[study].values():
        for path in folder.iterdir():
            if path.suffix == ".xlsx":
                sheets = pd.read_excel(path, sheet_name=None, dtype=str)
                text = "\n".join(df.to_csv() for df in sheets.values())
            elif path.suffix in (".html", ".md", ".csv", ".json", ".ipynb", ".log"):
                text = path.read_text(encoding="utf-8")
            else:
                continue
            checked += 1
            found = pattern.search(text)
            assert found is None, (
                f"{path.name} names {found.group(0)!r}: "
                f"{text[max(0, found.start() - 80) : found.end() + 80]!r}"
            )
    assert checked > 40


def test_report_screenshots(full_runs):
    """Full-page screenshots of every report of both studies, kept under output/."""
    if find_chromium() is None:
        pytest.skip(f"report screenshots need a browser: {INSTALL_HINT}")
    for study, folders in full_runs.items():
        for theme, folder in _themes(folders).items():
            png = page_screenshot(folder / f"{theme}.html", SCREENSHOTS / study / f"{theme}.png")
            assert png is not None and png.stat().st_size > 10_000


def test_report_without_a_browser_and_with_a_period(tmp_path, monkeypatch):
    """Chromium hidden: every map still gets a PNG, drawn by matplotlib, and the report says
    so; the --period override reaches the notebook; a missing table is a note."""
    monkeypatch.setenv("WORKBENCH_CHROMIUM", "none")
    code = main(
        ["report", str(SECOND), "--theme", "overview", "--period", "2022-01:2022-10"]
        + ["--out", str(tmp_path)]
    )
    assert code == 0
    folder = next(p for p in tmp_path.iterdir() if p.name.endswith("_overview"))
    log = _check_run(folder, "overview")
    assert log["config"]["area_codes"] == ["E07000135", "E07000129"]
    assert log["config"]["period_start"] == "2022-01"
    assert log["config"]["period_end"] == "2022-10"
    maps = [r for r in log["outputs"] if r["kind"] == "map"]
    assert maps
    for record in maps:
        assert record["png_renderer"] == RENDERER_STATIC
        png = next(f for f in record["files"] if f.endswith(".png"))
        assert (folder / png).stat().st_size > 10_000
    page = (folder / "overview.html").read_text(encoding="utf-8")
    assert "matplotlib static renderer" in page
    assert "January 2022 to October 2022" in page
    assert "Not configured" in page


def test_second_study_without_partnership_tables(full_runs):
    folders = full_runs["second"]
    # a theme without any of its tables is not run: the CLI says so in one line
    from workbench.config import load_config
    from workbench.report import skipped_themes

    assert not {"treatment", "young_people", "indicators"} & set(folders)
    skipped = skipped_themes(load_config(SECOND), list(THEMES))
    assert set(skipped) == {"treatment", "young_people", "indicators"}
    assert skipped["young_people"] == "no young_people table"
    # a study of two districts has a hot spot map framed on each
    supply = json.loads((folders["supply"] / "run_log.json").read_text(encoding="utf-8"))
    names = {r["name"] for r in supply["outputs"]}
    assert {"gistar_oadby_and_wigston", "gistar_blaby"} <= names
    overview = json.loads((folders["overview"] / "run_log.json").read_text(encoding="utf-8"))
    assert "key_figures_by_district" in {r["name"] for r in overview["outputs"]}


def test_assumptions_apply_to_the_study():
    """Entries about synthetic tables or about a data file the study does not use are left
    out of its reports."""
    from workbench.report import assumptions_for
    from workbench.study import Study

    second = [
        e.row() for e in assumptions_for(Study.from_toml(SECOND), "synthetic", "ethnicity").entries
    ]
    sample = [
        e.row() for e in assumptions_for(Study.from_toml(SAMPLE), "synthetic", "ethnicity").entries
    ]
    assert not any("synthetic" in t.lower() for t in second)
    # the ethnicity denominator caveat needs treatment tables (applies_when), not a file name
    assert not any(t.startswith("| N06 ") for t in second)
    assert any(t.startswith("| N06 ") for t in sample)
    assert any(t.startswith("| A08 ") for t in sample)  # the sample's synthetic tables


@pytest.mark.parametrize("study", sorted(STUDIES))
def test_one_figure_has_one_value_across_the_reports(full_runs, study):
    """A figure two themes publish reads the same in both: the share in the most deprived
    areas (overview and communities) and the latest 12 months against the 12 before
    (overview key figures and supply's year on year). The first release showed a number in
    one report and "*" or another number in the other."""
    folders = full_runs[study]

    def read(theme: str, name: str) -> pd.DataFrame:
        return pd.read_csv(folders[theme] / f"{name}.csv", dtype=str, keep_default_na=False)

    shares = read("overview", "most_deprived_share").merge(
        read("communities", "most_deprived_shares"),
        left_on=["crime_type", "group"],
        right_on=["layer", "group"],
    )
    assert len(shares) >= 3
    for col in ("count", "total_count", "share_of_events", "lower", "upper"):
        assert shares[f"{col}_x"].tolist() == shares[f"{col}_y"].tolist(), col
    years = read("overview", "key_crime_figures").merge(
        read("supply", "year_on_year"), on=["crime_type", "period"]
    )
    assert len(years) >= 2
    for col in ("count", "previous_count", "compared_count", "rate"):
        assert years[f"{col}_x"].tolist() == years[f"{col}_y"].tolist(), col
