"""Tests of workbench.report: config checks, period parsing, offline HTML, full runs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from workbench.cli import main
from workbench.errors import ConfigError
from workbench.report import export_html, external_loads, parse_period, run_report

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
