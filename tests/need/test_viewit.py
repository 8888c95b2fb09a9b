"""Treatment on the real ViewIt exports (issue 23): every figure recomputed independently, with
plain pandas from the CSV, by hand, or with a reference library (pymannkendall)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pymannkendall
import pytest
from numpy.testing import assert_allclose

from workbench import need
from workbench.ledger import Ledger
from workbench.loaders.areas import read_area_long
from workbench.loaders.ndtms import read_viewit

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
BARNET = SAMPLE / "barnet" / "ndtms_viewit_adult_la_barnet_2009_10_to_2021_22.csv"
ENGLAND = SAMPLE / "barnet" / "ndtms_viewit_adult_england_ethnicity_2009_10_to_2021_22.csv"
CENSUS_LSOA = SAMPLE / "barnet" / "census2021_usual_residents_ethnicity_lsoa21_barnet.csv"
CENSUS = SAMPLE / "barnet" / "census2021_barnet_ethnicity.csv"
Z = 1.959963984540054  # the 97.5% normal quantile


def wilson(x: float, n: float) -> tuple[float, float]:
    """GUIDE section 3, written out."""
    root = Z * math.sqrt(Z**2 + 4 * x * (1 - x / n))
    return (2 * x + Z**2 - root) / (2 * (n + Z**2)), (2 * x + Z**2 + root) / (2 * (n + Z**2))


@pytest.fixture(scope="module")
def barnet():
    return read_viewit(BARNET)


@pytest.fixture(scope="module")
def england():
    return read_viewit(ENGLAND)


def plain_totals(path: Path, year: str) -> pd.DataFrame:
    """The tool's Total x Total rows of one year, read with plain pandas (no workbench)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw.columns = [c.lower().removesuffix("_data") for c in raw.columns]
    raw = raw.rename(columns={"gender": "sex", "agegroup": "age_group", "druggroup": "drug_group"})
    raw = raw.rename(columns={"num_intreatment_allintx": "intreatment_allintx"})
    keep = (
        raw["reportingperiod"].eq(year)
        & raw["sex"].str.upper().eq("TOTAL")
        & raw["age_group"].str.upper().eq("TOTAL")
    )
    return raw[keep].set_index(raw.loc[keep, "drug_group"].str.upper())


def test_numbers_in_treatment_2021_22_by_drug_group(barnet):
    got = need.treatment_numbers(barnet, "2021-22").frame.set_index("drug_group")
    plain = plain_totals(BARNET, "2021/22")
    expected = {
        "Opiate": "OPIATE",
        "Non-opiate only": "NON-OPIATE ONLY",
        "Non-opiate and alcohol": "NON-OPIATE & ALCOHOL",
        "Alcohol only": "ALCOHOL ONLY",
        "All drug groups": "TOTAL",
    }
    for ours, theirs in expected.items():
        assert got.loc[ours, "in_treatment"] == int(plain.loc[theirs, "intreatment_allintx"])
        assert got.loc[ours, "new_presentations"] == int(plain.loc[theirs, "newpresentation_newtx"])
    # the figures themselves, read off the export by eye: 605 + 195 + 230 + 440 = 1,470, and
    # the tool's own total is 1,465 (it sums unrounded numbers): the total is taken, not added
    assert got["in_treatment"].tolist() == [605, 195, 230, 440, 1465]


def test_trend_matches_pymannkendall(barnet):
    got = need.treatment_trend(barnet).frame.set_index(["measure", "drug_group"])
    series = need.treatment_numbers(barnet).frame
    columns = {"Adults in treatment": "in_treatment", "New presentations": "new_presentations"}
    assert len(got) == 10
    for measure, group in got.index:
        values = series.loc[series["drug_group"] == group, columns[measure]].astype(float)
        ref = pymannkendall.original_test(values.to_numpy())
        assert_allclose(got.loc[(measure, group), "p"], ref.p, rtol=1e-9)
        assert_allclose(got.loc[(measure, group), "tau"], ref.Tau, rtol=1e-9)
        assert got.loc[(measure, group), "trend"] == ref.trend
    assert got.loc[("Adults in treatment", "Non-opiate only"), "trend"] == "increasing"


def test_successful_completion_share(barnet):
    got = need.completions(barnet, "2021-22").frame.set_index("drug_group")
    plain = plain_totals(BARNET, "2021/22")
    for ours, theirs in (("All drug groups", "TOTAL"), ("Opiate", "OPIATE")):
        x = float(plain.loc[theirs, "exits_successfulcompletion_allintx"])
        n = float(plain.loc[theirs, "intreatment_allintx"])
        lo, hi = wilson(x, n)
        assert_allclose(got.loc[ours, ["completion_share", "completion_lower", "completion_upper"]],
                        [x / n, lo, hi], rtol=1e-9)  # fmt: skip
    assert_allclose(got.loc["All drug groups", "completion_share"], 290 / 1465)
    # scnr_ figures are NULL in 2021/22: missing, not zero
    assert got["re_presentation_share"].isna().all()
    earlier = need.completions(barnet, "2020-21").frame.set_index("drug_group")
    assert_allclose(earlier.loc["All drug groups", "re_presentation_share"], 15 / 195)


def test_waits_within_three_weeks(barnet):
    got = need.waits_within_target(barnet, "2017-18", standard=0.9).frame.set_index("drug_group")
    plain = plain_totals(BARNET, "2017/18")
    bands = ["waitsfirst_3weeksandunder_newtx", "waitsfirst_3to6weeks_newtx",
             "waitsfirst_over6weeks_newtx"]  # fmt: skip
    n = plain.loc["OPIATE", bands].astype(float).sum()
    x = float(plain.loc["OPIATE", bands[0]])
    assert (x, n) == (250.0, 265.0)
    assert_allclose(got.loc["Opiate", ["share", "lower", "upper"]], [x / n, *wilson(x, n)])
    assert not got.loc["Opiate", "below_standard"]  # 94.3% (90.9%-96.5%): above 0.9


def test_exits_by_reason(barnet):
    got = need.exits_by_reason(barnet, "2021-22").frame.set_index("reason")
    plain = plain_totals(BARNET, "2021/22")
    assert got.loc["Dropped out", "All drug groups"] == float(
        plain.loc["TOTAL", "exits_droppedout_allintx"]
    )
    assert got.loc["Successful completion", "Opiate"] == 30


def test_ethnicity_shares_against_census_and_england(barnet, england):
    population = pd.read_csv(CENSUS)
    got = need.viewit_representation(barnet, population, england, "2021-22").frame
    got = got.set_index("ethnicity")
    # plain pandas: Barnet's recorded groups, England's, and the census LSOA file summed
    groups = ["white", "mixed", "asian", "black", "other"]
    local = plain_totals(BARNET, "2021/22").loc["TOTAL", [f"eth_{g}_allintx" for g in groups]]
    local = local.astype(float).set_axis([g.title() for g in groups])
    eng = plain_totals(ENGLAND, "2021/22").loc["TOTAL", [f"eth_{g}_allintx" for g in groups]]
    eng = eng.astype(float).set_axis([g.title() for g in groups])
    lsoa = pd.read_csv(CENSUS_LSOA)
    census = {
        "White": lsoa["Census 2021 ethnic group: White"].sum(),
        "Asian": lsoa["Census 2021 ethnic group: Asian, Asian British or Asian Welsh"].sum(),
    }
    assert sum(lsoa["Census 2021: All usual residents"]) == 389365  # current/SOURCES.md
    share = local / local.sum()
    assert_allclose(got.loc[share.index, "share_treatment"], share, rtol=1e-12)
    assert_allclose(got.loc[eng.index, "share_england"], eng / eng.sum(), rtol=1e-12)
    assert_allclose(got.loc["White", "share_population"], census["White"] / 389365)
    assert_allclose(got.loc["Asian", "ratio"], (150 / 1395) / (census["Asian"] / 389365))
    lo, hi = wilson(150, 1395)
    assert_allclose(got.loc["Asian", ["ratio_lower", "ratio_upper"]],
                    np.array([lo, hi]) / (census["Asian"] / 389365))  # fmt: skip
    assert got.loc["Asian", "flag"] == "under-represented"
    assert_allclose(got.loc["White", "ratio_england"], (955 / 1395) / (eng["White"] / eng.sum()))
    assert got.loc["White", "flag_england"] == "under-represented"


def test_sex_and_age_against_england(barnet, england):
    got = need.profile_vs_england(barnet, england, "sex", "2021-22").frame.set_index("sex")
    raw = pd.read_csv(ENGLAND, dtype=str)
    year, drugs = raw["ReportingPeriod_Data"].eq("2021/22"), raw["DrugGroup_Data"].eq("TOTAL")
    ages, sexes = raw["AgeGroup_Data"].eq("TOTAL"), raw["Gender_Data"].isin(["F", "M"])
    rows = raw[year & drugs & ages & sexes]
    female = int(rows.loc[rows["Gender_Data"].eq("F"), "Num_InTreatment_AllInTx"].iloc[0])
    total = rows["Num_InTreatment_AllInTx"].astype(int).sum()
    assert_allclose(got.loc["Female", "share_england"], female / total)
    assert_allclose(got.loc["Female", "share_treatment"], 455 / 1465)
    ages = need.profile_vs_england(barnet, england, "age_group", "2021-22").frame
    assert ages["age_group"].tolist() == ["18-29", "30-49", "50+", "Total"]


def test_disability_and_sexuality_where_recorded(barnet):
    got = need.new_presentation_profile(barnet, "disability").frame
    assert got["financial_year"].min() == "2016-17"  # NULL years left out, not shown as 0
    row = got[(got["financial_year"] == "2021-22") & (got["disability"] == "Any disability")]
    assert_allclose(row[["share", "lower", "upper"]].iloc[0], [215 / 650, *wilson(215, 650)])
    sex = need.new_presentation_profile(barnet, "sexuality", "2021-22").frame
    assert sex.loc[sex["sexuality"] == "Gay or lesbian", "count"].iloc[0] == 15


def test_published_unmet_need_is_the_published_value():
    path = SAMPLE / "national" / "fingertips_93517_ocu_not_in_treatment_extract.csv"
    tables = [read_area_long(path, Ledger(), kind="fingertips")]
    assert need.published_unmet_need(tables, ["E09000003"]) is None  # Barnet: no row
    got = need.published_unmet_need(tables, ["E06000001"]).frame  # Hartlepool
    first = got[(got["area_code"] == "E06000001") & (got["period"] == "2019/20")].iloc[0]
    # the file's row, as published (value and 95% limits not recomputed)
    assert_allclose(first[["value", "lower_95", "upper_95"]].astype(float),
                    [48.77014419, 40.39473682, 59.05084746])  # fmt: skip
    assert first["compared_to_england"] == "Similar"
    assert set(got["area_code"]) == {"E06000001", "E92000001"}


def test_rounding_is_said(barnet, england):
    assert "rounded to the nearest 5" in need.rounding_note(barnet)
    assert "exact" in need.rounding_note(england)
