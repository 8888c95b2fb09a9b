"""Comparison with England, trends, similar areas and the spine chart."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from workbench.indicators import (
    local_trend,
    pooled_rates,
    rate_against,
    similar_areas,
    spine_chart,
)


def test_rating_fingertips_method() -> None:
    assert rate_against(5.0, 7.0, 4.0, "low is good") == "worse"
    assert rate_against(1.0, 3.0, 4.0, "low is good") == "better"
    assert rate_against(1.0, 3.0, 4.0, "high is good") == "worse"
    assert rate_against(5.0, 7.0, 4.0, "no judgement") == "higher"
    assert rate_against(1.0, 3.0, 4.0, "no judgement") == "lower"
    assert rate_against(3.0, 4.0, 4.0, "low is good") == "similar"  # touching = similar
    assert rate_against(np.nan, 4.0, 4.0, "low is good") == "not compared"


def _long(rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    out = [
        {"period": str(y), "area_name": a, "area_code": pd.NA, "match": "", "value": v}
        for y, areas in rows.items()
        for a, v in areas.items()
    ]
    return pd.DataFrame(out)


def test_pooled_rates_hand_made() -> None:
    deaths = _long({2018: {"A": 30, "B": 6}})
    pop = _long({y: {"A": 100_000, "B": 50_000} for y in (2016, 2017, 2018)})
    eng = _long({y: {"England": 150_000} for y in (2016, 2017, 2018)})
    r = pooled_rates(deaths, pop, eng, indicator="deaths_misuse").set_index("area_name")
    assert set(r["period"]) == {"2016-2018"}
    assert r.loc["A", "value"] == pytest.approx(30 / 300_000 * 1e5)  # 10.0
    assert r.loc["A", "denominator"] == 300_000
    assert r.loc["B", "value"] == pytest.approx(4.0)
    # B has 6 deaths: exact Poisson limits
    assert r.loc["B", "lower"] == pytest.approx(chi2.ppf(0.025, 12) / 2 / 150_000 * 1e5)
    assert r.loc["B", "upper"] == pytest.approx(chi2.ppf(0.975, 14) / 2 / 150_000 * 1e5)
    assert r.loc["England", "value"] == pytest.approx(36 / 450_000 * 1e5)
    # a label whose three years of population are not all there is skipped
    short = pooled_rates(_long({2017: {"A": 3}}), pop, eng, indicator="deaths_misuse")
    assert short.empty


def test_trend_uses_non_overlapping_pooled_periods() -> None:
    rows = pd.DataFrame({"period": [f"{y - 2}-{y}" for y in range(2009, 2019)]})
    rows["value"] = np.arange(10, dtype=float)
    t = local_trend(rows, "deaths_misuse")
    assert t["trend_n"] == 4  # 2016-2018, 2013-2015, 2010-2012, and 2007-2009
    a = local_trend(rows.assign(period=[str(y) for y in range(2009, 2019)]), "admissions_poisoning")
    assert a["trend_n"] == 10 and a["trend"] == "worsening"


def test_similar_areas_hand_made() -> None:
    f = pd.DataFrame(
        {
            "imd_score": [30.0, 31.0, 20.0, 29.0, 10.0],
            "population": [300_000, 280_000, 310_000, 100_000, 1_000_000],
        },
        index=["T", "A", "B", "C", "D"],
    )
    imd = list(f["imd_score"])
    size = [math.log10(p) for p in f["population"]]
    s_imd, s_size = statistics.stdev(imd), statistics.stdev(size)
    expect = {
        name: math.hypot((imd[i] - imd[0]) / s_imd, (size[i] - size[0]) / s_size)
        for i, name in enumerate(f.index)
        if name != "T"
    }
    g = similar_areas(f, "T", k=2)
    order = sorted(expect, key=expect.get)
    assert g["area_name"].tolist() == order[:2]
    for _, r in g.iterrows():
        assert r["distance"] == pytest.approx(expect[r["area_name"]])
        assert "IMD average score" in r["reason"] and "population" in r["reason"]
        assert f"rank {r['rank']}" in r["reason"]
    user = similar_areas(f, "T", k=["D"])
    assert user["area_name"].tolist() == ["D"]
    assert "named in [indicators] similar_areas" in user["reason"].iloc[0]


def test_sample_spine_chart(sample_indicators) -> None:
    comp = sample_indicators.comparison
    with_england = comp.loc[comp["england"].notna()]
    assert len(with_england) >= 8
    assert set(with_england["rating"]) <= {"better", "similar", "worse", "higher", "lower"}
    fig = spine_chart(comp)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    for _, r in with_england.iterrows():
        assert f"{r['england']:.1f}" in texts
    assert sum(t in {"better", "similar", "worse", "higher", "lower"} for t in texts) == len(
        with_england
    )
    # the Leicester figures the spine shows
    deaths = comp.set_index("indicator").loc["deaths_misuse"]
    assert deaths["period"] == "2016-2018" and deaths["rating"] == "similar"
    adm = comp.set_index("indicator").loc["admissions_poisoning"]
    assert adm["rating"] == "better"  # 2018/19: 19.7 (15.4-24.9) against England 31.3


def test_sample_similar_group(sample_indicators) -> None:
    g = sample_indicators.similar
    assert len(g) == 10
    assert "Leicester" not in set(g["area_name"])
    assert g["reason"].str.contains("IMD average score").all()
    assert g["distance"].is_monotonic_increasing


def test_fingertips_long_file_compared_with_published_limits(tmp_path) -> None:
    from workbench.indicators import compare_with_england
    from workbench.indicators.national import long_values
    from workbench.ledger import Ledger
    from workbench.loaders.areas import read_area_long

    p = tmp_path / "ft.csv"
    p.write_text(
        "Indicator ID,Indicator Name,Area Code,Area Name,Time period,Value,"
        "Lower CI 95.0 limit,Upper CI 95.0 limit,Count,Denominator\n"
        "93517,OCU not in treatment (%),E92000001,England,2019/20,52.1,51.6,53.8,159112,305118\n"
        "93517,OCU not in treatment (%),E06000016,Leicester,2019/20,40.0,35.0,45.0,800,2000\n"
        "93517,OCU not in treatment (%),E06000018,Nottingham,2019/20,60.0,50.0,70.0,900,1500\n",
        encoding="utf-8",
    )
    v = long_values(read_area_long(p, Ledger(), kind="ft"), ["E06000016"], "Leicester")
    assert set(v["indicator"]) == {"fingertips_93517"}
    c = compare_with_england(v, "Leicester").iloc[0]
    assert (c["value"], c["lower"], c["upper"], c["england"]) == (40.0, 35.0, 45.0, 52.1)
    # 93517 publishes the catalogue's unmet_need_ocu (low is good): its value is shown
    assert c["indicator"] == "unmet_need_ocu" and c["rating"] == "better"
    assert c["measure"] == "as published" and "Fingertips 93517" in c["source"]
    assert c["n_areas"] == 1
    # an indicator the catalogue does not know keeps the file's name and no good direction
    other = compare_with_england(v.assign(indicator="fingertips_1"), "Leicester").iloc[0]
    assert other["rating"] == "lower" and other["name"] == "OCU not in treatment (%)"


def test_trend_chart_panels(sample_indicators) -> None:
    from workbench.indicators import trend_chart

    fig = trend_chart(
        sample_indicators.values, sample_indicators.comparison, region=sample_indicators.region
    )
    titled = [ax for ax in fig.axes if ax.get_title()]
    comp = sample_indicators.comparison
    v = sample_indicators.values
    expected = [
        r["indicator"]
        for _, r in comp.iterrows()
        if ((v["indicator"] == r["indicator"]) & (v["area_name"] == r["area"])).sum() >= 2
    ]
    assert len(titled) == len(expected) >= 8
    deaths = titled[0]  # deaths_misuse: 8 pooled periods 2009-2011 .. 2016-2018
    local = np.asarray(deaths.containers[0].lines[0].get_ydata(), dtype=float)
    want = v.loc[(v["indicator"] == "deaths_misuse") & (v["area_name"] == "Leicester")]
    np.testing.assert_allclose(local, want.sort_values("period")["value"].to_numpy())
    assert [t.get_text() for t in deaths.get_legend().get_texts()] == [
        "England",
        "Region: East Midlands",
        "Leicester",
    ]
