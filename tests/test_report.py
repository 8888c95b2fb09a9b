"""Tests of workbench.report: config checks, period parsing, offline HTML, full runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from workbench.cli import main
from workbench.errors import ConfigError
from workbench.report import export_html, external_loads, parse_period, run_report
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
    assert external_loads('<iframe srcdoc="&lt;script src=&quot;https://cdn.x.org/l.js">')
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


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    code = main(
        ["report", str(SAMPLE), "--theme", "supply", "--theme", "treatment", "--out", str(out)]
    )
    assert code == 0
    return out


def test_report_on_sample(sample_run):
    folders = {p.name.split("_", 1)[1]: p for p in sample_run.iterdir()}
    assert set(folders) == {"supply", "treatment", "pack"}  # pack: meeting pack, issue 15
    supply = _check_run(folders["supply"], "supply")
    treatment = _check_run(folders["treatment"], "treatment")
    names = {r["name"] for r in supply["outputs"]}
    assert {"year_on_year", "quarterly", "pai_by_method", "top_lsoas", "kde", "gistar"} <= names
    # maps: offline HTML and a PNG each (Chromium is part of the set-up)
    maps = [r for r in supply["outputs"] if r["kind"] == "map"]
    assert maps and all(len(r["files"]) == 2 for r in maps)
    # the sample's partnership tables are synthetic and labelled so
    assert all(r["synthetic"] for r in treatment["outputs"] if r["kind"] == "table")
    # the kernel ran in this environment's Python
    assert (
        supply["python_executable"] == sys.executable
        or Path(supply["python_executable"]).resolve() == Path(sys.executable).resolve()
    )


def test_report_on_second_study_degrades_gracefully(tmp_path):
    code = main(
        [
            "report",
            str(SECOND),
            "--theme",
            "overview",
            "--theme",
            "treatment",
            "--theme",
            "young_people",
            "--period",
            "2022-01:2022-10",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    folders = {p.name.split("_", 1)[1]: p for p in tmp_path.iterdir()}
    overview = _check_run(folders["overview"], "overview")
    assert overview["config"]["area_codes"] == ["E07000135", "E07000129"]
    # the --period override reached the notebook
    assert overview["config"]["period_start"] == "2022-01"
    assert overview["config"]["period_end"] == "2022-10"
    treatment = _check_run(folders["treatment"], "treatment")
    assert [r["kind"] for r in treatment["outputs"]] == ["note"]  # nothing but assumptions
    page = (folders["treatment"] / "treatment.html").read_text(encoding="utf-8")
    assert "Not configured" in page
    _check_run(folders["young_people"], "young_people")
