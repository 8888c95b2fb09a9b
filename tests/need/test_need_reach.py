"""deprivation_reach on four hand-made LSOAs."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.stats import chi2

from workbench.errors import WorkbenchError
from workbench.need import deprivation_reach

Z = 1.959964

LSOAS = pd.DataFrame(
    {
        "lsoa_code": ["L1", "L2", "L3", "L4"],
        "imd_decile": [1, 2, 3, 5],
        "population": [1000, 1000, 2000, 1000],
    }
)


def _treatment() -> pd.DataFrame:
    rows = [
        ("L1", "opiate", 15), ("L1", "alcohol", 5),
        ("L2", "opiate", 10),
        ("L3", "opiate", 5),
        ("L4", "alcohol", 5),
        ("X9", "opiate", 7),  # not a study LSOA
    ]  # fmt: skip
    df = pd.DataFrame(rows, columns=["lsoa_code", "substance_group", "in_treatment"])
    df.insert(0, "financial_year", "2021-22")
    return df


def _wilson(x: float, n: float) -> tuple[float, float]:
    r = Z * math.sqrt(Z * Z + 4 * x * (1 - x / n))
    return (2 * x + Z * Z - r) / (2 * (n + Z * Z)), (2 * x + Z * Z + r) / (2 * (n + Z * Z))


def test_shares_of_most_deprived() -> None:
    res = deprivation_reach(_treatment(), LSOAS)
    s = res.shares.frame
    # In study LSOAs: 20 + 10 + 5 + 5 = 40. Deciles 1-2: 30 -> 0.75 of treatment, population
    # 2000 / 5000 = 0.4, ratio 1.875. Deciles 1-3: 35 -> 0.875, population 0.8, ratio 1.09375.
    top20 = "20% most deprived"
    assert_allclose(s.loc[top20, ["count", "total_count"]], [30, 40])
    assert_allclose(s.loc[top20, "share_of_events"], 0.75, rtol=1e-12)
    assert_allclose(s.loc[top20, "share_of_population"], 0.4, rtol=1e-12)
    assert_allclose(s.loc[top20, "ratio"], 1.875, rtol=1e-12)
    assert_allclose(s.loc["30% most deprived", "ratio"], 0.875 / 0.8, rtol=1e-12)
    # 10% most deprived (decile 1 only): 20 / 40 against 1000 / 5000.
    assert_allclose(s.loc["10% most deprived", "ratio"], 0.5 / 0.2, rtol=1e-12)
    lo, hi = _wilson(30, 40)
    assert_allclose(s.loc[top20, ["lower", "upper"]], [lo, hi], rtol=1e-6)
    assert_allclose(s.loc[top20, ["ratio_lower", "ratio_upper"]], [lo / 0.4, hi / 0.4], rtol=1e-6)
    assert list(res.unmatched["lsoa_code"]) == ["X9"]
    assert res.unmatched["in_treatment"].iloc[0] == 7


def test_rates_by_decile() -> None:
    d = deprivation_reach(_treatment(), LSOAS).by_decile.frame
    d = d[d["population"] > 0]  # every decile is listed; 4 and 6-10 have no LSOAs here
    assert list(d.index) == [1, 2, 3, 5]
    assert_allclose(d["rate"], [200, 100, 25, 50], rtol=1e-12)
    # Decile 1: 20 events, Byar: lower 20(1 - 1/180 - z/(3 sqrt 20))^3 = 12.2114288 per 1000.
    lo = 20 * (1 - 1 / 180 - Z / (3 * math.sqrt(20))) ** 3
    hi = 21 * (1 - 1 / 189 + Z / (3 * math.sqrt(21))) ** 3
    assert_allclose(d.loc[1, ["lower", "upper"]], [lo * 10, hi * 10], rtol=1e-6)
    # Decile 3: 5 events, exact Poisson (chi-square) limits, per 2000 x 10,000.
    assert_allclose(
        d.loc[3, ["lower", "upper"]],
        [chi2.ppf(0.025, 10) / 2 / 2000 * 1e4, chi2.ppf(0.975, 12) / 2 / 2000 * 1e4],
        rtol=1e-6,
    )
    assert_allclose(d["share_of_population"], [0.2, 0.2, 0.4, 0.2], rtol=1e-12)


def test_display_hides_small_counts() -> None:
    tr = _treatment()
    tr.loc[tr["lsoa_code"] == "L4", "in_treatment"] = 3
    shown = deprivation_reach(tr, LSOAS).display(5)
    by_decile, shares = shown["by_decile"].frame, shown["shares"].frame
    assert by_decile.loc[5, "count"] == "*" and by_decile.loc[5, "rate"] == "*"
    assert by_decile.loc[1, "count"] == 20
    # Deciles 1, 2, 3, 5 hold 20, 10, 5, 3: total 38. The shares table shows the total (38)
    # and the sums of deciles 1, 1-2 and 1-3, so showing 35 would give decile 5 = 38 - 35 = 3,
    # and with decile 5 hidden alone the decile table would give it as 38 - 20 - 10 - 5. The
    # disclosure policy (Policy.protect, the tables published together) hides decile 3 as
    # well and every group sum that holds a hidden decile; decile 1's 20 and the total stay.
    # (Its secondary heuristic is not minimum-loss: here it also withholds decile 2 and the
    # 1-2 sum, which the hand argument above does not need.)
    assert by_decile.loc[3, "count"] == "*"
    assert shares["total_count"].tolist() == [38, 38, 38]
    assert shares["count"].tolist()[0] == 20
    assert shares["count"].tolist()[2] == "*"
    assert shares.loc["30% most deprived", "share_of_events"] == "*"
    shown_counts = {d: by_decile.loc[d, "count"] for d in range(1, 11)}
    hidden = [d for d, v in shown_counts.items() if v == "*"]
    assert {3, 5} <= set(hidden) and 1 not in hidden
    # every group sum shown covers shown deciles only (it adds no equation on hidden ones) ...
    for g, top in enumerate((1, 2, 3)):
        if shares["count"].iloc[g] != "*":
            assert not any(d in hidden for d in range(1, top + 1))
            assert shares["count"].iloc[g] == sum(shown_counts[d] for d in range(1, top + 1))
    # ... so the only equation is the total: the hidden deciles sum to 38 - the shown ones,
    # each at least 1; with two or more unknowns none is pinned, and each can be 1 to
    # (sum - the others' minimum), at least 5 values.
    rest = 38 - sum(v for v in shown_counts.values() if v != "*")
    assert len(hidden) >= 2 and rest - (len(hidden) - 1) >= 5
    for part in shown.values():  # the summary travels on the result, for the pair
        assert part.suppression["hidden_deciles"] == len(hidden)
        assert part.suppression["total_hidden"] is False
    assert shown["by_decile"].suppression["primary"] == 1


def test_substance_filter_and_errors() -> None:
    res = deprivation_reach(_treatment(), LSOAS, substance_groups=["alcohol"])
    assert res.shares.frame.loc["20% most deprived", "count"] == 5
    with pytest.raises(WorkbenchError, match="imd_decile"):
        deprivation_reach(_treatment(), LSOAS.drop(columns="imd_decile"))
    with pytest.raises(WorkbenchError, match="2030-31"):
        deprivation_reach(_treatment(), LSOAS, year="2030-31")
