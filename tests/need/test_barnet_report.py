"""The real treatment study (issue 23): `workbench report` on data/sample/area_barnet.toml.

One report run per test session (session-scoped fixture: the treatment and indicators themes);
every figure checked here is recomputed from the ViewIt CSVs with plain pandas.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from numpy.testing import assert_allclose

from workbench.config import load_config
from workbench.report import run_report, run_report_cli, skipped_themes

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
CONFIG = SAMPLE / "area_barnet.toml"
BARNET = SAMPLE / "barnet" / "ndtms_viewit_adult_la_barnet_2009_10_to_2021_22.csv"
ENGLAND = SAMPLE / "barnet" / "ndtms_viewit_adult_england_ethnicity_2009_10_to_2021_22.csv"


def _barnet_report(out: Path) -> dict[str, Path]:
    return run_report(CONFIG, themes=["treatment", "indicators"], out=out, run_date="2026-01-01")


@pytest.fixture(scope="session")
def barnet_run(study_once) -> dict[str, Path]:
    """The Barnet report, once per session (tests/conftest.py)."""
    return study_once("barnet", _barnet_report)


def _totals(path: Path, year: str, prefix: str = "") -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    cols = {c: c.lower().removesuffix("_data") for c in raw.columns}
    raw = raw.rename(columns=cols).rename(
        columns={"gender": "sex", "agegroup": "age_group", "druggroup": "drug_group"}
    )
    keep = (
        raw["reportingperiod"].eq(year)
        & raw["sex"].str.upper().eq("TOTAL")
        & raw["age_group"].str.upper().eq("TOTAL")
    )
    return raw[keep].set_index(raw.loc[keep, "drug_group"].str.upper())


def test_barnet_treatment_report_shows_the_export(barnet_run):
    folder = barnet_run["treatment"]
    numbers = pd.read_csv(folder / "viewit_numbers.csv")
    latest = numbers[numbers["financial_year"] == "2021-22"].set_index("drug_group")
    plain = _totals(BARNET, "2021/22")
    pairs = {"Opiate": "OPIATE", "Non-opiate only": "NON-OPIATE ONLY",
             "Non-opiate and alcohol": "NON-OPIATE & ALCOHOL", "Alcohol only": "ALCOHOL ONLY",
             "All drug groups": "TOTAL"}  # fmt: skip
    for ours, theirs in pairs.items():
        assert latest.loc[ours, "in_treatment"] == int(plain.loc[theirs, "intreatment_allintx"])
    # successful completions as a share of everyone in treatment, 2021-22
    done = pd.read_csv(folder / "viewit_completions.csv")
    row = done[(done["financial_year"] == "2021-22") & (done["drug_group"] == "All drug groups")]
    expected = int(plain.loc["TOTAL", "exits_successfulcompletion_allintx"]) / int(
        plain.loc["TOTAL", "intreatment_allintx"]
    )
    assert_allclose(row["completion_share"].iloc[0], expected, atol=5e-5)  # shown to 4 dp
    # ethnic group shares against England's treatment population
    rep = pd.read_csv(folder / "viewit_representation_ethnicity.csv").set_index("ethnicity")
    groups = ["White", "Mixed", "Asian", "Black", "Other"]
    local = plain.loc["TOTAL", [f"eth_{g.lower()}_allintx" for g in groups]].astype(float)
    eng_rows = _totals(ENGLAND, "2021/22")
    eng = eng_rows.loc["TOTAL", [f"eth_{g.lower()}_allintx" for g in groups]].astype(float)
    assert_allclose(rep.loc[groups, "share_treatment"], (local / local.sum()).to_numpy(), atol=5e-4)
    assert_allclose(rep.loc[groups, "share_england"], (eng / eng.sum()).to_numpy(), atol=5e-4)
    # the page shows them, is not labelled synthetic, and says where rounding matters
    page = (folder / "treatment.html").read_text(encoding="utf-8")
    assert "1,465" in page and "Not configured" in page
    assert "rounded to the nearest 5" in page
    assert "SYNTHETIC_" not in " ".join(p.name for p in folder.iterdir())
    log = json.loads((folder / "run_log.json").read_text(encoding="utf-8"))
    tables = [r for r in log["outputs"] if r["kind"] == "table"]
    assert tables and not any(r["synthetic"] for r in tables)


def test_barnet_study_runs_its_themes_and_skips_the_rest(barnet_run, capsys):
    assert set(barnet_run) == {"treatment", "indicators"}
    assert (barnet_run["indicators"] / "indicators.html").exists()
    cfg = load_config(CONFIG)
    skipped = skipped_themes(cfg, ["supply", "communities", "young_people", "treatment",
                                   "indicators", "overview"])  # fmt: skip
    assert skipped == {
        "supply": "no police street files",
        "communities": "no police street files",
        "young_people": "no young_people table",
        "overview": "no police street files",
    }


def test_cli_says_one_line_per_skipped_theme(capsys, monkeypatch, tmp_path):
    import workbench.report as report

    monkeypatch.setattr(report, "run_report", lambda *a, **k: {})  # no second Barnet run
    assert run_report_cli(CONFIG, themes=["supply", "treatment"], out=tmp_path) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "skipped" in ln]
    assert lines == ["       supply: skipped, the study has no police street files"]
