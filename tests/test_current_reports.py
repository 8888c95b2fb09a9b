"""Issue 21: the full reports of the Gloucester (IoD 2025) and Newport (WIMD 2019) studies.

Each report runs once per session (``gloucester_report``, ``newport_report`` in conftest.py):
every theme with data is written (the others are skipped, saying why), the outputs name the
index, year, geography and place actually used, never "IMD 2019" (the English 2019 index,
not the "IMD 2019" inside "WIMD 2019") nor "Leicester".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.config import load_config
from workbench.report import THEMES, skipped_themes

GLOUCESTER_CONFIG = Path(__file__).resolve().parents[1] / "data" / "sample" / "area_gloucester.toml"

#: Texts of the 2019 English index or of the Leicester sample that must not reach these reports.
FORBIDDEN = re.compile(
    r"(?<![A-Za-z])IMD 2019|Indices of Deprivation 2019|Leicester|E06000016", re.IGNORECASE
)
TEXT_SUFFIXES = {".html", ".md", ".csv", ".json", ".ipynb"}


def _texts(out: Path) -> dict[Path, str]:
    return {
        p: p.read_text(encoding="utf-8", errors="replace")
        for p in out.rglob("*")
        if p.is_file() and p.suffix in TEXT_SUFFIXES and p.name != "run.log"
    }


@pytest.fixture(params=["gloucester", "newport"])
def report(request, gloucester_report, newport_report):
    # both named (not looked up by name) so the module is scheduled with its studies
    # (tests/conftest.py groups modules by the study fixtures they use)
    runs = {"gloucester": gloucester_report, "newport": newport_report}
    return request.param, runs[request.param]


def test_every_theme_written_and_no_other_index_or_place(report):
    name, out = report
    htmls = {p.parent.name.split("_", 1)[1]: p for p in out.glob("*/*.html") if p.stem in THEMES}
    config = GLOUCESTER_CONFIG.with_name(f"area_{name}.toml")
    skipped = skipped_themes(load_config(config), list(THEMES))
    assert {"supply", "communities", "overview"} <= set(htmls)
    assert set(htmls) == set(THEMES) - set(skipped)
    assert "young_people" in skipped and "treatment" in skipped
    bad = {
        str(p.relative_to(out)): FORBIDDEN.findall(t)[:3]
        for p, t in _texts(out).items()
        if FORBIDDEN.search(t)
    }
    assert bad == {}
    label = {"gloucester": "IoD 2025", "newport": "WIMD 2019"}[name]
    place = {"gloucester": "Gloucester", "newport": "Newport"}[name]
    for theme, html in htmls.items():
        text = html.read_text(encoding="utf-8")
        assert f"Deprivation index:</strong> {label}" in text, theme
        assert place in text


def test_newport_not_compared_with_england_and_community_page_says_wales(newport_report):
    overview = next(newport_report.glob("*_overview/overview.html")).read_text(encoding="utf-8")
    assert "Not compared with England" in overview and "WIMD 2019" in overview
    page = next(newport_report.glob("*_pack/community_report.html")).read_text(encoding="utf-8")
    assert "neighbourhoods in Wales" in page and "Welsh Government" in page
    assert "neighbourhoods in England" not in page


def test_gloucester_community_page_names_iod2025(gloucester_report):
    page = next(gloucester_report.glob("*_pack/community_report.html")).read_text(encoding="utf-8")
    assert "English Indices of Deprivation 2025" in page
    assert "measured by the government in 2025" in page


def test_validate_prints_vintage_paths_by_month(capsys):
    assert main(["validate", str(GLOUCESTER_CONFIG)]) == 0
    out = capsys.readouterr().out
    assert "LSOA vintages: police rows kept per month by attribution path" in out
    assert "2011 LSOA code split (S) in 2021: placed by its point among its parts" in out
    assert "2023-03" in out and "2024-12" in out


def test_gloucester_police_indicators_compared_with_the_force_and_districts(gloucester_report):
    """Issue 22: every crime indicator of the Gloucester report has a comparator (the force area
    and its districts, funnel plots), and the national tables' age is flagged beside 2024 data."""
    folder = next(gloucester_report.glob("*_indicators"))
    comp = (folder / "indicators_vs_england.csv").read_text(encoding="utf-8")
    lines = [ln for ln in comp.splitlines() if ln.startswith(("drug_offences,", "asb,"))]
    assert len(lines) == 2
    assert all("compared with the force area (6 districts)" in ln for ln in lines)
    assert "drug_outcomes," not in comp
    funnels = {p.name for p in folder.glob("districts_funnel_*.png")}
    assert funnels == {
        f"districts_funnel_{k}.png" for k in ("drug_offences", "asb", "sac", "neighbourhood_crime")
    }
    html = (folder / "indicators.html").read_text(encoding="utf-8")
    assert "higher than the force area" in html and "Not in the comparison table" in html
    overview = next(gloucester_report.glob("*_overview/overview.html")).read_text(encoding="utf-8")
    assert "DATED" in overview
