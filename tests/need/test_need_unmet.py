"""unmet_need: hand-worked answers (written out below) for a small made-up partnership."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from workbench.errors import WorkbenchError
from workbench.need import unmet_need


def _prev(crack=(600, 500, 750)) -> pd.DataFrame:
    rows = [
        ("2019-20", "opiate_and_or_crack", "15-64", 1000, 900, 1100),
        ("2019-20", "opiate", "15-64", 800, 700, 900),
        ("2019-20", "crack", "15-64", *crack),
        ("2018-19", "alcohol", "18+", 2000, 1800, 2300),
        # An older estimate, ignored by default (the latest year is used).
        ("2016-17", "opiate_and_or_crack", "15-64", 5000, 4000, 6000),
    ]
    return pd.DataFrame(
        [(y, "E1", "Town", g, a, e, lo, hi) for y, g, a, e, lo, hi in rows],
        columns=["year", "area_code", "area_name", "substance_group", "age_band", "estimate",
                 "lower_95", "upper_95"],
    )  # fmt: skip


def _treat() -> pd.DataFrame:
    rows = [
        ("opiate", "18-24", 100),
        ("opiate", "65+", 50),  # 65+: outside the 15-64 estimate, left out of OCU groups
        ("crack", "25-29", 60),
        ("opiate_and_crack", "40-49", 240),
        ("alcohol", "50-64", 300),
        ("alcohol", "65+", 100),  # the alcohol estimate is 18+: counted
        ("non_opiate", "30-34", 70),  # no prevalence group
    ]
    df = pd.DataFrame(rows, columns=["substance_group", "age_band", "in_treatment"])
    df.insert(0, "financial_year", "2021-22")
    old = df.assign(financial_year="2020-21", in_treatment=1)
    return pd.concat([old, df], ignore_index=True)


def test_hand_worked_table() -> None:
    out = unmet_need(_prev(), _treat()).frame.set_index("substance_group")
    # OCU: 100 + 60 + 240 = 400 (18-64 only); unmet (1000-400)/1000 = 60%;
    # at lower (900-400)/900 = 55.5556%; at upper (1100-400)/1100 = 63.6364%.
    # Opiate (any) = opiate + opiate_and_crack = 100 + 240 = 340: (800-340)/800 = 57.5%,
    # (700-340)/700 = 51.428571%, (900-340)/900 = 62.2222%.
    # Crack (any) = 60 + 240 = 300: 50%, (500-300)/500 = 40%, (750-300)/750 = 60%.
    # Alcohol (18+, all bands) = 300 + 100 = 400: 80%, 1400/1800 = 77.7778%, 1900/2300.
    exp = {
        "opiate_and_or_crack": (400, 60.0, 50000 / 900, 70000 / 1100),
        "opiate": (340, 57.5, 36000 / 700, 56000 / 900),
        "crack": (300, 50.0, 40.0, 60.0),
        "alcohol": (400, 80.0, 140000 / 1800, 190000 / 2300),
    }
    for group, (n, unmet, at_lo, at_hi) in exp.items():
        row = out.loc[group]
        assert row["in_treatment"] == n
        assert_allclose(row["unmet_pct"], unmet, rtol=1e-12)
        assert_allclose(row["met_pct"], 100 - unmet, rtol=1e-12)
        assert_allclose(row["unmet_pct_at_lower"], at_lo, rtol=1e-12)
        assert_allclose(row["unmet_pct_at_upper"], at_hi, rtol=1e-12)
        assert not row["over_estimate"]
    assert out.loc["opiate_and_or_crack", "prevalence_year"] == "2019-20"
    assert out.loc["alcohol", "prevalence_year"] == "2018-19"
    assert set(out["treatment_year"]) == {"2021-22"}
    assert out.loc["crack", "treatment_ages"] == "18-64"
    assert out.loc["crack", "treatment_groups"] == "crack + opiate_and_crack"
    assert out.loc["alcohol", "treatment_ages"].startswith("18+")


def test_years_can_be_chosen() -> None:
    out = unmet_need(
        _prev(), _treat(), prevalence_year="2016-17", treatment_year="2020-21"
    ).frame.set_index("substance_group")
    # Only the OCU group has a 2016-17 estimate; 2020-21 counts are 1 per row: 18-64 rows of
    # opiate, crack, opiate_and_crack = 3 -> (5000 - 3) / 5000 = 99.94%.
    assert list(out.index) == ["opiate_and_or_crack"]
    assert out.loc["opiate_and_or_crack", "in_treatment"] == 3
    assert_allclose(out.loc["opiate_and_or_crack", "unmet_pct"], 99.94, rtol=1e-12)
    assert out.loc["opiate_and_or_crack", "treatment_year"] == "2020-21"
    with pytest.raises(WorkbenchError, match="treatment_year"):
        unmet_need(_prev(), _treat(), treatment_year="2030-31")


def test_count_above_estimate_is_flagged_not_hidden() -> None:
    out = unmet_need(_prev(crack=(250, 200, 280)), _treat()).frame.set_index("substance_group")
    row = out.loc["crack"]
    # 300 in treatment against 250 estimated: unmet (250-300)/250 = -20%, above 280 too.
    assert_allclose(row["unmet_pct"], -20.0, rtol=1e-12)
    assert row["over_estimate"] and row["over_upper"]
    assert "exceeds" in row["note"]


def test_blank_count_makes_total_unknown() -> None:
    tr = _treat()
    tr.loc[(tr["financial_year"] == "2021-22") & (tr["substance_group"] == "crack"),
           "in_treatment"] = np.nan  # fmt: skip
    out = unmet_need(_prev(), tr).frame.set_index("substance_group")
    assert np.isnan(out.loc["crack", "in_treatment"])
    assert np.isnan(out.loc["crack", "unmet_pct"])
    assert out.loc["crack", "blank_rows"] == 1
    assert out.loc["opiate", "in_treatment"] == 340  # other groups unaffected


def test_without_age_band_uses_all_rows() -> None:
    tr = _treat().drop(columns="age_band")
    out = unmet_need(_prev(), tr).frame.set_index("substance_group")
    assert out.loc["opiate_and_or_crack", "in_treatment"] == 450  # 65+ included now
    assert "all ages" in out.loc["opiate_and_or_crack", "treatment_ages"]


def test_errors_name_the_problem() -> None:
    with pytest.raises(WorkbenchError, match="lower_95 <= estimate <= upper_95"):
        unmet_need(_prev(crack=(600, 700, 750)), _treat())
    with pytest.raises(WorkbenchError, match="missing"):
        unmet_need(_prev().drop(columns="upper_95"), _treat())
    two_areas = pd.concat([_prev(), _prev().assign(area_code="E2")])
    with pytest.raises(WorkbenchError, match="area_code"):
        unmet_need(two_areas, _treat())
    bad = _treat().assign(in_treatment="lots")
    with pytest.raises(WorkbenchError, match="in_treatment"):
        unmet_need(_prev(), bad)
    only_ocu = _prev()[_prev()["substance_group"] == "opiate_and_or_crack"]
    with pytest.raises(WorkbenchError, match=r"no prevalence estimate for \['alcohol'\]"):
        unmet_need(only_ocu, _treat(), groups=["alcohol"])


def test_several_areas_matched_by_area_code() -> None:
    prev = pd.concat([_prev(), _prev().assign(area_code="E2", area_name="Other")])
    tr = pd.concat([_treat().assign(area_code="E1"), _treat().assign(area_code="E2")])
    tr.loc[(tr["area_code"] == "E2") & (tr["substance_group"] == "crack"), "in_treatment"] = 0
    out = unmet_need(prev, tr).frame.set_index(["area_code", "substance_group"])
    # E1 as in the hand-worked table; E2 has no crack-only clients: crack = 0 + 240.
    assert out.loc[("E1", "crack"), "in_treatment"] == 300
    assert out.loc[("E2", "crack"), "in_treatment"] == 240
    assert_allclose(out.loc[("E2", "crack"), "unmet_pct"], (600 - 240) / 600 * 100, rtol=1e-12)
    assert out.loc[("E2", "crack"), "area_name"] == "Other"
