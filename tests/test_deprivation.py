"""Deprivation profiles against hand calculations."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from workbench.deprivation import (
    concentration_curve,
    concentration_index,
    decile_profile,
    join_counts,
    most_deprived_share,
    unmatched_count,
)
from workbench.errors import WorkbenchError

Z95 = 1.959963984540054


@pytest.fixture()
def lsoas() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lsoa_code": ["A", "B", "C", "D", "E"],
            "imd_decile": [1, 1, 2, 5, 10],
            "imd_rank": [100, 300, 4000, 14000, 32000],
            "population": [1500, 1600, 1400, 1500, 2000],
        }
    )


@pytest.fixture()
def counts() -> pd.Series:
    # "Z" is not a study LSOA: 2 events left out and reported
    return pd.Series({"A": 30, "B": 10, "C": 5, "D": 3, "Z": 2})


def test_join_counts_from_events_and_series(lsoas: pd.DataFrame, counts: pd.Series) -> None:
    events = pd.DataFrame(
        {"lsoa_code": ["A"] * 30 + ["B"] * 10 + ["C"] * 5 + ["D"] * 3 + ["Z", None]}
    )
    a = join_counts(events, lsoas)
    b = join_counts(counts, lsoas)
    assert a["count"].tolist() == [30, 10, 5, 3, 0] == b["count"].tolist()
    assert unmatched_count(events, lsoas) == 2 and unmatched_count(counts, lsoas) == 2
    assert a["imd_quintile"].tolist() == [1, 1, 1, 3, 5]


def test_decile_profile_hand_values(lsoas: pd.DataFrame, counts: pd.Series) -> None:
    prof = decile_profile(counts, lsoas).set_index("imd_decile")
    assert list(prof.index) == list(range(1, 11))
    # decile 1: 40 events, population 3,100 -> 129.0323 per 10,000; Byar (O >= 10)
    o = 40
    lo = o * (1 - 1 / (9 * o) - Z95 / (3 * math.sqrt(o))) ** 3 / 3100 * 1e4
    hi = (o + 1) * (1 - 1 / (9 * (o + 1)) + Z95 / (3 * math.sqrt(o + 1))) ** 3 / 3100 * 1e4
    assert_allclose(prof.loc[1, ["count", "population"]].to_numpy(float), [40, 3100])
    assert_allclose(
        prof.loc[1, ["rate", "lower", "upper"]].to_numpy(float),
        [40 / 3100 * 1e4, lo, hi],
        rtol=1e-10,
    )
    # decile 5: 3 events, exact Poisson
    assert_allclose(prof.loc[5, "lower"], stats.chi2.ppf(0.025, 6) / 2 / 1500 * 1e4, rtol=1e-10)
    assert_allclose(prof.loc[5, "upper"], stats.chi2.ppf(0.975, 8) / 2 / 1500 * 1e4, rtol=1e-10)
    # shares: 40/48 of events, 3100/8000 of population; ratio = (40/48) / (3100/8000)
    assert_allclose(prof.loc[1, "share_of_events"], 40 / 48, rtol=1e-12)
    assert_allclose(prof.loc[1, "share_of_population"], 3100 / 8000, rtol=1e-12)
    assert_allclose(prof.loc[1, "ratio"], (40 / 48) / (3100 / 8000), rtol=1e-12)
    assert prof.loc[3, "population"] == 0 and np.isnan(prof.loc[3, "rate"])
    assert_allclose(prof["share_of_events"].sum(), 1.0)
    assert unmatched_count(counts, lsoas) == 2  # "Z": not a study LSOA


def test_quintile_profile(lsoas: pd.DataFrame, counts: pd.Series) -> None:
    prof = decile_profile(counts, lsoas, by="quintile").set_index("imd_quintile")
    assert list(prof.index) == [1, 2, 3, 4, 5]
    assert prof.loc[1, "count"] == 45 and prof.loc[1, "population"] == 4500
    assert_allclose(prof.loc[1, "rate"], 100.0, rtol=1e-12)


def test_most_deprived_share_wilson(lsoas: pd.DataFrame, counts: pd.Series) -> None:
    out = most_deprived_share(counts, lsoas).set_index("group")
    assert out["deciles"].tolist() == ["1", "1-2", "1-3"]
    x, n = 40, 48
    root = Z95 * math.sqrt(Z95**2 + 4 * x * (1 - x / n))
    lo = (2 * x + Z95**2 - root) / (2 * (n + Z95**2))
    hi = (2 * x + Z95**2 + root) / (2 * (n + Z95**2))
    row = out.loc["10% most deprived"]
    assert_allclose(
        [row["share_of_events"], row["lower"], row["upper"]], [40 / 48, lo, hi], rtol=1e-10
    )
    assert_allclose(row["share_of_population"], 3100 / 8000, rtol=1e-12)
    assert out.loc["20% most deprived", "count"] == 45
    assert out.loc["30% most deprived", "lsoas"] == 3


def test_concentration_index_hand_trapezoid(lsoas: pd.DataFrame, counts: pd.Series) -> None:
    # Most deprived first (imd_rank ascending). Population shares p and event shares (of 48):
    p = [
        Fraction(1500, 8000),
        Fraction(1600, 8000),
        Fraction(1400, 8000),
        Fraction(1500, 8000),
        Fraction(2000, 8000),
    ]
    e = [Fraction(30, 48), Fraction(10, 48), Fraction(5, 48), Fraction(3, 48), Fraction(0, 48)]
    area, cum = Fraction(0), Fraction(0)
    for pi, ei in zip(p, e, strict=True):
        area += pi * (cum + cum + ei) / 2
        cum += ei
    expected = 1 - 2 * area  # = -149/256 = -0.58203125
    assert expected == Fraction(-149, 256)
    curve = concentration_curve(counts, lsoas)
    x, y = curve["cum_population_share"].to_numpy(), curve["cum_event_share"].to_numpy()
    assert_allclose(1 - 2 * np.trapezoid(y, x), float(expected), rtol=1e-12)
    assert_allclose(concentration_index(counts, lsoas), float(expected), rtol=1e-12)
    assert curve[["cum_population_share", "cum_event_share"]].iloc[0].tolist() == [0.0, 0.0]
    assert curve["cum_event_share"].iloc[-1] == pytest.approx(1.0)


def test_concentration_index_equals_covariance_form(lsoas: pd.DataFrame) -> None:
    rng = np.random.default_rng(7)
    counts = pd.Series(rng.integers(0, 50, size=5), index=list("ABCDE"))
    pop = lsoas["population"].to_numpy(float)
    w = pop / pop.sum()
    y = counts.to_numpy(float) / pop  # rate per person, already in deprivation order
    r = np.cumsum(w) - w / 2  # fractional rank at each LSOA's midpoint
    mu = np.sum(w * y)
    cov = np.sum(w * (y - mu) * (r - np.sum(w * r)))
    assert_allclose(concentration_index(counts, lsoas), 2 * cov / mu, rtol=1e-10)


def test_equal_rates_give_zero_and_ties_are_pooled(lsoas: pd.DataFrame) -> None:
    counts = pd.Series(lsoas["population"].to_numpy() / 100, index=lsoas["lsoa_code"])
    assert abs(concentration_index(counts, lsoas)) < 1e-12
    # ranking by decile pools A and B (both decile 1): order within the tie cannot matter
    c1 = concentration_index(pd.Series({"A": 9, "B": 1}), lsoas, rank_by="imd_decile")
    c2 = concentration_index(pd.Series({"A": 1, "B": 9}), lsoas, rank_by="imd_decile")
    assert_allclose(c1, c2, rtol=1e-12)


def test_errors(lsoas: pd.DataFrame, counts: pd.Series) -> None:
    with pytest.raises(WorkbenchError, match="missing \\['imd_decile'\\]"):
        decile_profile(counts, lsoas.drop(columns="imd_decile"))
    with pytest.raises(WorkbenchError, match="'A' more than once"):
        decile_profile(counts, pd.concat([lsoas, lsoas.iloc[:1]]))
    bad = lsoas.assign(imd_decile=[1, 1, 2, 5, 11])
    with pytest.raises(WorkbenchError, match="1 to 10"):
        decile_profile(counts, bad)
    with pytest.raises(WorkbenchError, match="by must be"):
        decile_profile(counts, lsoas, by="tercile")
    with pytest.raises(WorkbenchError, match="no events"):
        most_deprived_share(pd.Series(dtype=float), lsoas)
    with pytest.raises(WorkbenchError, match="found -1 for 'B'"):
        join_counts(pd.Series({"A": 3, "B": -1}), lsoas)
    with pytest.raises(WorkbenchError, match="found 'x' for 'A'"):
        join_counts(pd.Series({"A": "x"}), lsoas)
    rows = pd.DataFrame({"lsoa_code": ["A", "B"], "count": [3, "n/a"]})
    with pytest.raises(WorkbenchError, match=r"column 'count': .* found 'n/a' \(row label 1\)"):
        join_counts(rows, lsoas)
