"""The catalogue covers both frameworks; [indicators] config; treatment indicators by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from indicator_paths import SAMPLE

from workbench.config import load_config
from workbench.errors import ConfigError, WorkbenchError
from workbench.indicators import catalogue, indicator, treatment_indicators
from workbench.indicators.catalogue import NOT, OPEN, TEMPLATE


def test_catalogue_frameworks() -> None:
    cat = catalogue()
    assert cat["id"].is_unique
    frameworks = " | ".join(cat["framework"])
    for name in ("NI 38", "NI 16", "NI 42", "NI 40", "CDOF headline", "CDOF intermediate"):
        assert name in frameworks
    for headline in ("reduce drug use", "reduce drug-related crime", "drug-related deaths"):
        assert headline in frameworks
    assert set(cat["computed"]) == {OPEN, TEMPLATE, NOT}
    assert set(cat["polarity"]) <= {"low is good", "high is good", "no judgement"}
    for col in ("definition", "source", "period", "unit", "how"):
        assert cat[col].str.len().gt(0).all()
    with pytest.raises(WorkbenchError, match="indicator must be one of"):
        indicator("nope")
    assert indicator("deaths_misuse").per == 100_000


def test_every_computable_indicator_is_computed(sample_indicators) -> None:
    cat = catalogue()
    have = set(sample_indicators.values["indicator"])
    elsewhere = {"unmet_need_ocu"}  # computed by workbench.need (04_treatment)
    for _, r in cat.loc[cat["computed"] != NOT].iterrows():
        if r["id"] not in elsewhere:
            assert r["id"] in have, r["id"]
    assert not (set(cat.loc[cat["computed"] == NOT, "id"]) & have)


def test_indicators_config(tmp_path) -> None:
    cfg = load_config(SAMPLE / "area.toml")
    assert cfg.indicators["police_force"] == "Leicestershire"
    assert cfg.indicators["similar_areas"] == 10
    assert cfg.indicators["deaths_misuse"].is_file()
    assert "indicators" in cfg.summary()
    text = (SAMPLE / "area.toml").read_text(encoding="utf-8")
    bad = tmp_path / "area.toml"
    bad.write_text(text.replace("similar_areas = 10", "similar_areas = 0"), encoding="utf-8")
    with pytest.raises(ConfigError, match="similar_areas"):
        load_config(bad, check_files=False)
    bad.write_text(text.replace("police_force =", "polise_force ="), encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(bad, check_files=False)


def _wilson(x: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    a, b = 2 * x + z * z, z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return 100 * (a - b) / (2 * (n + z * z)), 100 * (a + b) / (2 * (n + z * z))


def test_treatment_indicators_hand_made() -> None:
    outcomes = pd.DataFrame(
        {
            "financial_year": ["2021-22", "2021-22"],
            "substance_group": ["opiate", "alcohol"],
            "in_treatment": [100, 50],
            "successful_completions": [10, 20],
            "completions_not_representing": [8, 17],
            "new_presentations": [20, pd.NA],
            "retained_12_weeks": [15, pd.NA],
        }
    ).astype({"new_presentations": "Int64", "retained_12_weeks": "Int64"})
    waits = pd.DataFrame(
        {
            "financial_year": ["2021-22"] * 3,
            "quarter": ["Q1", "Q2", "Q1"],
            "service_id": ["S1", "S1", "S2"],
            "modality": ["pharmacological", "pharmacological", "psychosocial"],
            "cohort": ["adult"] * 3,
            "started": [10, 30, 5],
            "within_target": [9, 27, 5],
        }
    )
    t = treatment_indicators(outcomes, waits, area_name="X")
    get = t.set_index(["indicator", "area_name"])
    assert get.loc[("in_treatment", "X"), "value"] == 150
    sc = get.loc[("successful_completions", "X")]
    assert sc["value"] == pytest.approx(25 / 150 * 100)
    assert (sc["lower"], sc["upper"]) == pytest.approx(_wilson(25, 150))
    assert get.loc[("successful_completions", "X: opiate"), "value"] == pytest.approx(8.0)
    # the blank (not recorded) alcohol retention is left out, not read as zero
    assert get.loc[("ni40_effective", "X"), "value"] == pytest.approx(75.0)
    w = get.loc[("waits_within_target", "X: adult, pharmacological")]
    assert (w["count"], w["denominator"]) == (36, 40)
    assert (w["lower"], w["upper"]) == pytest.approx(_wilson(36, 40))


def test_unknown_force_or_area_name_is_a_config_error(tmp_path) -> None:
    from study_copy import relocated_config

    from workbench.indicators import study_indicators
    from workbench.study import Study

    text = (SAMPLE / "area.toml").read_text(encoding="utf-8")
    bad = relocated_config(
        SAMPLE / "area.toml",
        tmp_path / "force",
        text.replace('"Leicestershire"', '"Leicestershir"'),
    )
    with pytest.raises(ConfigError, match="police_force 'Leicestershir'"):
        study_indicators(Study.from_toml(bad))
    bad = relocated_config(
        SAMPLE / "area.toml",
        tmp_path / "area",
        text.replace("[indicators]\n", '[indicators]\ntable_area_name = "Leics"\n'),
    )
    with pytest.raises(ConfigError, match="table_area_name 'Leics'"):
        study_indicators(Study.from_toml(bad))
