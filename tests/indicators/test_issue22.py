"""Issue 22: measures named as published, financial years, Fingertips fields, labels, currency.

Expected values are worked out here from the csv files with the csv module and arithmetic,
or from figures the publishers printed (NHS Digital's England totals for 2018/19).
"""

from __future__ import annotations

import csv
import shutil

import numpy as np
import pandas as pd
import pytest
from indicator_paths import NATIONAL, ROOT

FINGERTIPS = (
    ROOT / "data" / "sample" / "national" / "fingertips_93517_ocu_not_in_treatment_extract.csv"
)


def _wide(name: str) -> dict[str, dict[str, str]]:
    with (NATIONAL / name).open(newline="", encoding="utf-8") as fh:
        return {row["year"]: row for row in csv.DictReader(fh)}


def _area_sum(name: str, year: str) -> float:
    return sum(float(v) for k, v in _wide(name)[year].items() if k != "year" and v)


# England totals of 2018/19 ("2019" in the repackager's admissions_England.csv) and the
# England rates per 100,000 of the repackager's admissions_100k_England.csv for "2019"
# (LeonardoCastro/BritishDrugDynamics 5f4876429a5b, national_resolution/), which divide
# those totals by England's mid-2019 population.
ENGLAND_2018_19 = {"misuse": 18_053, "primary": 7_376, "secondary": 96_705}
ENGLAND_RATE_FILE_2019 = {"misuse": 32.07, "primary": 13.10, "secondary": 171.81}
FILES = {
    "misuse": "la_admissions_drug_misuse_2009_2020.csv",
    "primary": "la_admissions_drug_primary_diag_2009_2020.csv",
    "secondary": "la_admissions_drug_secondary_diag_2009_2020.csv",
}


def test_england_totals_pin_which_file_is_which_measure() -> None:
    eng_pop_2019 = float(_wide("england_regions_population_2009_2019.csv")["2019"]["England"])
    for key, total in ENGLAND_2018_19.items():
        # the published totals reproduce the repackager's England rates (2 decimals)
        assert round(total / eng_pop_2019 * 100_000, 2) == ENGLAND_RATE_FILE_2019[key]
        # each local file's areas sum to 95-98% of its own England total, and to no other
        share = _area_sum(FILES[key], "2019") / total
        assert 0.95 <= share <= 0.98, (key, share)
        others = [t for k, t in ENGLAND_2018_19.items() if k != key]
        assert all(not 0.9 <= _area_sum(FILES[key], "2019") / t <= 1.1 for t in others)
    assert _area_sum(FILES["misuse"], "2019") == 17_535


def test_catalogue_names_the_published_measures() -> None:
    from workbench.config import INDICATOR_FILE_KEYS
    from workbench.indicators.catalogue import indicator

    assert indicator("admissions_poisoning").name.startswith(
        "Hospital admissions for poisoning by drugs"
    )
    assert "mental and behavioural" in indicator("admissions_mbd_primary").name
    assert "primary or secondary" in indicator("admissions_mbd_any").name
    for key in ("admissions_misuse", "admissions_poisoning_primary"):
        assert key not in INDICATOR_FILE_KEYS
    assert indicator("admissions_poisoning").measure == "crude rate"
    assert indicator("drug_outcomes").measure == "proportion"


def test_financial_years_and_mid_year_population() -> None:
    from workbench.indicators.national import financial_year

    assert financial_year("2019") == ("2018/19", 2018)
    assert financial_year("2020") == ("2019/20", 2019)


def test_leicester_against_england_from_plain_csv(sample_indicators) -> None:
    pop = _wide("la_population_2009_2019.csv")
    comp = sample_indicators.comparison.set_index("indicator")
    # poisoning: Leicester 70 / mid-2018; England = the areas with a value over their mid-2018
    # population (the SUSPECT 2019/20 row is not used)
    adm = _wide(FILES["misuse"])["2019"]
    have = [k for k, v in adm.items() if k != "year" and v]
    eng = sum(float(adm[k]) for k in have) / sum(float(pop["2018"][k]) for k in have) * 1e5
    p = comp.loc["admissions_poisoning"]
    assert p["period"] == "2018/19"
    assert p["value"] == pytest.approx(70 / 355218 * 1e5, rel=1e-12)
    assert p["england"] == pytest.approx(eng, rel=1e-12)
    assert round(p["value"], 1) == 19.7 and round(p["england"], 1) == 31.3
    assert p["rating"] == "better" and "2019/20 not used: SUSPECT (r = 0.09" in p["note"]
    # mental and behavioural disorders: worse than England
    for key, ind in (("primary", "admissions_mbd_primary"), ("secondary", "admissions_mbd_any")):
        rows = _wide(FILES[key])
        latest = max(y for y in rows if rows[y]["Leicester"] and str(int(y) - 1) in pop)
        c = comp.loc[ind]
        yr = str(int(latest) - 1)
        assert c["period"] == f"{yr}/{int(latest) % 100:02d}"
        assert c["value"] == pytest.approx(
            float(rows[latest]["Leicester"]) / float(pop[yr]["Leicester"]) * 1e5, rel=1e-12
        )
        assert c["rating"] == "worse"
    for col in ("definition", "source", "measure", "latest_period", "shown"):
        assert comp[col].astype(str).str.len().gt(0).all(), col


def test_priorities_name_no_harm_the_data_do_not_show(sample_study, sample_indicators) -> None:
    from workbench.indicators.assessment import strategic_assessment

    a = strategic_assessment(
        sample_study, comparison=sample_indicators.comparison, treatment=sample_indicators.treatment
    )
    text = " ".join(a.priorities["priority"].astype(str)).lower()
    assert "poisoning" not in text
    assert "mental and behavioural" in text
    # national figures end 2019/20, police data 2022-10: flagged and listed after current ones
    mbd = a.priorities.loc[a.priorities["priority"].str.contains("mental and behavioural")]
    assert (mbd["currency"] == "DATED").all()
    assert mbd["evidence"].str.contains("DATED").all()
    cur = a.priorities["currency"].tolist()
    assert cur == sorted(cur, key=lambda c: c == "DATED")
    flags = a.flag_table().set_index("name")
    assert (flags["currency"] == "DATED").all() and (flags["measure"] == "crude rate").all()
    assert any("DATED" in n for n in a.notes)


def test_period_end_and_currency() -> None:
    from workbench.indicators.assessment import data_currency, period_end

    assert str(period_end("2019/20")) == "2020-03"
    assert str(period_end("2016-2018")) == "2018-12"
    comp = pd.DataFrame({"latest_period": ["2019/20", "2021-11 to 2022-10"]})
    out = data_currency(comp, pd.Period("2022-10", "M"))
    assert out["months_before_police"].tolist() == [31, 0]
    assert out["dated"].tolist() == [True, False]


def test_fingertips_keeps_polarity_rating_and_trend(tmp_path) -> None:
    from workbench.indicators import compare_with_england
    from workbench.indicators.national import (
        fingertips_polarity,
        fingertips_published,
        long_values,
    )
    from workbench.ledger import Ledger
    from workbench.loaders.areas import read_fingertips

    path = tmp_path / "ft.csv"
    shutil.copy(FINGERTIPS, path)
    long = read_fingertips(path, Ledger())
    # Middlesbrough 41.08 rated "Better" against England 52.15 in 2019/20: low is good
    assert fingertips_polarity(long) == "low is good"
    pub = fingertips_published(long, ["E06000002"], "Middlesbrough")
    values = long_values(long, ["E06000002"], "Middlesbrough")
    c = compare_with_england(values, "Middlesbrough", published=pub).iloc[0]
    assert c["period"] == "2020/21" and c["value"] == pytest.approx(41.7377242)
    assert c["rating"] == "better"  # published, not "lower"
    assert c["polarity"] == "low is good" and "published" in c["shown"]
    assert c["measure"] == "as published" and c["indicator"] == "unmet_need_ocu"
    assert "not the workbench's own computation" in c["shown"]
    # a file of an indicator the catalogue does not know: polarity from its ratings
    v1, p1 = values.assign(indicator="fingertips_1"), pub.assign(indicator="fingertips_1")
    c1 = compare_with_england(v1, "Middlesbrough", published=p1).iloc[0]
    assert c1["rating"] == "better" and c1["polarity"] == "low is good"


def test_fingertips_api_layout_keeps_breakdowns_apart(tmp_path) -> None:
    from workbench.indicators.national import long_values
    from workbench.ledger import Ledger
    from workbench.loaders.areas import read_fingertips

    head = (
        "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,"
        "Age,Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,"
        "Lower CI 99.8 limit,Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,"
        "Compared to England value or percentiles,Compared to percentiles,Time period Sortable,"
        "New data,Compared to goal,Time period range\n"
    )
    rows = [
        "1,X,,,E92000001,England,England,Persons,All ages,,,2021,10,9,11,8,12,100,1000,,,"
        "Not compared,Not compared,20210000,,,1y",
        "1,X,E92000001,England,E06000016,Leicester,UA,Persons,All ages,,,2021,20,15,25,13,27,"
        "40,200,,Increasing and getting worse,Worse,Not compared,20210000,,,1y",
        "1,X,E92000001,England,E06000016,Leicester,UA,Male,All ages,,,2021,30,20,40,18,45,"
        "30,100,,,Worse,Not compared,20210000,,,1y",
    ]
    path = tmp_path / "api.csv"
    path.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    ledger = Ledger()
    long = read_fingertips(path, ledger)
    assert len(long) == 3  # the Male row is not a duplicate of the Persons row
    assert np.allclose(long["lower_998"], [8, 13, 18])
    v = long_values(long, ["E06000016"], "Leicester")
    assert v["value"].tolist() == [10.0, 20.0]


def test_synthetic_rows_labelled_and_not_counted_as_areas(sample_indicators) -> None:
    comp = sample_indicators.comparison
    synth = comp.loc[comp["synthetic"]]
    assert len(synth) >= 3
    assert synth["name"].str.startswith("SYNTHETIC").all()
    assert (synth["n_areas"] == 0).all()
    real = comp.loc[~comp["synthetic"]]
    assert not real["name"].str.contains("SYNTHETIC").any()


def test_charge_share_leaves_out_offences_under_investigation() -> None:
    from workbench.indicators.local import drug_outcomes

    months = pd.period_range("2021-01", "2021-12", freq="M")
    outcomes = ["Offender charged"] * 3 + ["Under investigation"] * 5 + ["No further action"] * 2
    crimes = pd.DataFrame(
        {
            "crime_type": "Drugs",
            "month": [months[i % 12] for i in range(len(outcomes))],
            "outcome": outcomes,
        }
    )
    _, charged = drug_outcomes(crimes, start=months[0], end=months[-1])
    assert (charged["numerator"], charged["denominator"]) == (3, 5)  # 3 of 5 with an outcome


def test_spine_chart_caps_an_extreme_area_and_names_it() -> None:
    from workbench.indicators.compare import spine_chart

    row = {
        "indicator": "seizures_all",
        "name": "Seizures",
        "unit": "per 10,000",
        "polarity": "no judgement",
        "area": "Leicestershire",
        "period": "2018-19",
        "count": 2749.0,
        "value": 25.1,
        "lower": 24.2,
        "upper": 26.1,
        "england": 24.3,
        "rating": "similar",
        "area_min": 10.0,
        "area_q25": 20.0,
        "area_q75": 30.0,
        "area_max": 368.7,
        "area_max_name": "City of London",
        "area_min_name": "Dyfed-Powys",
        "region_value": np.nan,
    }
    fig = spine_chart(pd.DataFrame([row]))
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "City of London 368.7" in texts
    bars = [p for ax in fig.axes for p in ax.patches]
    assert max(p.get_x() + p.get_width() for p in bars) <= 1.0 + 1e-9


def test_stop_search_disparity_counts_drug_searches_only(tmp_path) -> None:
    from workbench.indicators import search_disparity
    from workbench.loaders.police import read_stop_search

    head = (
        "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,"
        "Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,"
        "Outcome,Outcome linked to object of search,Removal of more than just outer clothing"
    )
    white = "White - English/Welsh/Scottish/Northern Irish/British"
    black = "Black/African/Caribbean/Black British - African"
    rows = []
    # drug searches: White 20 (6 found), Black 10 (2 found); weapons: Black 30 (not counted)
    for eth, obj, n, found in (
        (white, "Controlled drugs", 20, 6),
        (black, "Controlled drugs", 10, 2),
        (black, "Offensive weapons", 30, 0),
    ):
        for i in range(n):
            rows.append(
                f"Person search,2022-03-05T10:00:00+00:00,False,,52.6369,-1.1398,Male,18-24,"
                f"{eth},,Act,{obj},A no further action disposal,{i < found},False"
            )
    path = tmp_path / "2022-03-leicestershire-stop-and-search.csv"
    path.write_text(head + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    s = read_stop_search([path])
    pop = {"White": 10_000, "Black": 2_500, "Asian": 5_000, "Mixed": 1_000, "Other": 500}
    t = search_disparity(s, pop).frame.set_index("group")
    assert t.loc["Black", "searches"] == 10 and t.loc["White", "searches"] == 20
    # rate ratio by hand: (10 / 2,500) / (20 / 10,000) = 2.0
    assert t.loc["Black", "ratio"] == pytest.approx(2.0)
    assert t.loc["White", "linked_rate"] == pytest.approx(30.0)  # find rate 6 of 20
    allx = search_disparity(s, pop, object_of_search=None).frame.set_index("group")
    assert allx.loc["Black", "searches"] == 40


def test_force_districts_compared_on_rates() -> None:
    import math

    from workbench.indicators.force import (
        FORCE_AREA,
        against_force,
        district_funnel,
        district_rates,
    )

    m = pd.Period("2022-01", "M")
    rows = (
        [("Leicester 001A", "Drugs")] * 300
        + [("Blaby 003B", "Drugs")] * 20
        + [("Charnwood 010C", "Drugs")] * 60
        + [("Charnwood 010C", "Burglary")] * 50
        + [("", "Drugs")] * 7  # no location: left out
    )
    crimes = pd.DataFrame(
        {"lsoa_name": [r[0] for r in rows], "crime_type": [r[1] for r in rows], "month": m}
    )
    pop = {"Leicester": 368_600, "Blaby": 102_900, "Charnwood": 183_900}
    v = district_rates(
        crimes, pop, crime_types=("Drugs",), start=m, end=m, indicator="drug_offences"
    ).set_index("area_name")
    assert v.loc["Leicester", "value"] == pytest.approx(300 / 368_600 * 10_000)
    assert v.loc[FORCE_AREA, "count"] == 380
    assert v.loc[FORCE_AREA, "value"] == pytest.approx(380 / 655_400 * 10_000)
    # Leicester 8.14 (Byar 95% 7.24-9.11) against the force 5.80: higher
    o = 300.0
    lo = o * (1 - 1 / (9 * o) - 1.959964 / (3 * math.sqrt(o))) ** 3 / 368_600 * 10_000
    assert v.loc["Leicester", "lower"] == pytest.approx(lo, rel=1e-6)
    assert against_force(v.reset_index(), "Leicester") == "higher"
    fig = district_funnel(v.reset_index(), "Leicester")
    assert fig.axes[0].get_xlabel() == "district resident population"


def test_similar_group_has_no_merged_area(sample_indicators) -> None:
    from workbench.indicators.compare import merged_areas

    merged = set(merged_areas(sample_indicators.tables))
    assert {"City of London and Hackney", "Leicestershire and Rutland", "Cheshire"} <= merged
    assert "Kent" not in merged and "Leicester" not in merged
    assert not merged & set(sample_indicators.similar["area_name"])
    assert f"{len(merged)} merged area(s)" in sample_indicators.similar_method
