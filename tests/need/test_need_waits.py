"""waiting_times and young_people_access on small hand-made tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from workbench.errors import WorkbenchError
from workbench.need import waiting_times, young_people_access

Z = 1.959964


def _wilson(x: float, n: float) -> tuple[float, float]:
    r = Z * math.sqrt(Z * Z + 4 * x * (1 - x / n))
    return (2 * x + Z * Z - r) / (2 * (n + Z * Z)), (2 * x + Z * Z + r) / (2 * (n + Z * Z))


def _waits() -> pd.DataFrame:
    rows = [
        ("2021-22", "Q1", "S1", "pharmacological", "adult", 40, 36),
        ("2021-22", "Q2", "S1", "pharmacological", "adult", 10, 9),
        ("2021-22", "Q1", "S2", "psychosocial", "adult", 40, 30),
        ("2021-22", "Q1", "Y1", "psychosocial", "young_people", 4, 3),
    ]
    return pd.DataFrame(
        rows,
        columns=["financial_year", "quarter", "service_id", "modality", "cohort", "started",
                 "within_target"],
    )  # fmt: skip


def test_waiting_times_by_modality() -> None:
    out = waiting_times(_waits(), "modality").frame.set_index(["cohort", "modality"])
    # Adult pharmacological: (36 + 9) / (40 + 10) = 45/50 = 0.9, Wilson 0.786398 - 0.956524.
    row = out.loc[("adult", "pharmacological")]
    assert (row["started"], row["within_target"]) == (50, 45)
    assert_allclose(row["share"], 0.9, rtol=1e-12)
    assert_allclose([row["lower"], row["upper"]], [0.7863976845, 0.9565242353], rtol=1e-8)
    row = out.loc[("adult", "psychosocial")]
    assert_allclose([row["share"], row["lower"], row["upper"]], [0.75, *_wilson(30, 40)],
                    rtol=1e-6)  # fmt: skip
    assert out.loc[("adult", "psychosocial"), "target"] == "3 weeks"
    assert out.loc[("young_people", "psychosocial"), "target"].startswith("10 days")


def test_waiting_times_standard_and_suppression() -> None:
    out = waiting_times(_waits(), [], standard=0.9).frame.set_index("cohort")
    # Adults overall: 75 / 90 = 0.8333, upper limit below 0.9 -> below standard.
    assert_allclose(out.loc["adult", "share"], 75 / 90, rtol=1e-12)
    assert out.loc["adult", "upper"] == pytest.approx(_wilson(75, 90)[1], rel=1e-6)
    assert bool(out.loc["adult", "below_standard"])
    # Young people: 3 of 4 -> not below (interval 0.30-0.95 covers 0.9), and suppressed.
    assert not bool(out.loc["young_people", "below_standard"])
    shown = waiting_times(_waits(), [], suppressed=True).frame.set_index("cohort")
    assert shown.loc["young_people", "started"] == "*"
    assert shown.loc["young_people", "share"] == "*"
    assert shown.loc["adult", "started"] == 90


def test_waiting_times_display_hides_small_complements() -> None:
    # By quarter: S1 Q1 40 started, 36 in time -> 4 not in time; S1 Q2 10 and 9 -> 1 not in
    # time; S2 Q1 40 and 30 -> 10. Showing 36 of 40 or 9 of 10 would reveal the 4 and the 1.
    result = waiting_times(_waits(), ["quarter", "service_id"], suppressed=True)
    shown = result.frame.set_index(["quarter", "service_id"])
    assert shown.loc[("Q1", "S1"), "within_target"] == "*"
    assert shown.loc[("Q2", "S1"), "within_target"] == "*"
    assert shown.loc[("Q2", "S1"), "share"] == "*"
    assert shown.loc[("Q2", "S1"), "started"] == 10
    assert shown.loc[("Q1", "S2"), "within_target"] == 30
    assert result.suppression["complement"] == 2


def test_waiting_times_checks() -> None:
    bad = _waits()
    bad.loc[0, "within_target"] = 41
    with pytest.raises(WorkbenchError, match="within_target .* more than started"):
        waiting_times(bad)
    blank = _waits()
    blank.loc[1, "started"] = np.nan
    out = waiting_times(blank).frame.set_index(["cohort", "modality"])
    assert np.isnan(out.loc[("adult", "pharmacological"), "share"])
    assert out.loc[("adult", "pharmacological"), "blank_rows"] == 1
    with pytest.raises(WorkbenchError, match="by"):
        waiting_times(_waits(), "team")


def _yp() -> pd.DataFrame:
    rows = [
        # ward, name, group, cohort, tier2, t3 referred, t3 within 10 days, population 10-17
        ("W1", "One", "YOT", 12, 7, 4, 3, 2000),
        ("W1", "One", "LAC", 20, 6, 0, 0, 2000),
        ("W2", "Two", "YOT", 3, 1, 1, 1, 1000),
        ("W2", "Two", "LAC", 30, 15, 8, 6, 1000),
    ]
    df = pd.DataFrame(
        rows,
        columns=["ward_code", "ward_name", "group", "cohort", "tier2_reached",
                 "tier3_referred", "tier3_within_10_days", "population_10_17"],
    )  # fmt: skip
    df.insert(0, "financial_year", "2021-22")
    return df


def test_young_people_by_ward() -> None:
    out = young_people_access(_yp(), "ward").frame.set_index("ward_code")
    # W1: cohort 32, tier 2 13 -> 0.40625; tier 3 3/4 = 0.75; population counted once: 2000,
    #     rate 32 / 2000 x 10,000 = 160.  W2: cohort 33, tier 2 16; tier 3 7/9; rate 330.
    assert list(out["cohort"]) == [32, 33]
    assert list(out["population_10_17"]) == [2000, 1000]
    assert_allclose(out["tier2_share"], [13 / 32, 16 / 33], rtol=1e-12)
    assert_allclose(out.loc["W1", ["tier3_10d_lower", "tier3_10d_upper"]], _wilson(3, 4),
                    rtol=1e-6)  # fmt: skip
    assert_allclose(out.loc["W1", "tier3_10d_lower"], 0.3006418401, rtol=1e-8)
    assert_allclose(out["tier3_10d_share"], [0.75, 7 / 9], rtol=1e-12)
    assert_allclose(out["cohort_rate"], [160, 330], rtol=1e-12)
    z = Z
    o = 32
    byar_lo = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3 / 2000 * 1e4
    assert_allclose(out.loc["W1", "cohort_rate_lower"], byar_lo, rtol=1e-6)


def test_young_people_by_group_and_suppression() -> None:
    out = young_people_access(_yp(), "group").frame.set_index("group")
    # LAC: cohort 50, tier 2 21; tier 3 6/8. YOT: 15, 8; 4/5. City population 3000.
    assert_allclose(out.loc[["LAC", "YOT"], "cohort"], [50, 15])
    assert_allclose(out["population_10_17"], [3000, 3000])
    assert_allclose(out.loc["YOT", "tier3_10d_share"], 0.8, rtol=1e-12)
    both = young_people_access(_yp(), ["ward", "group"]).frame.set_index(["ward_code", "group"])
    # W1 LAC: nobody referred to tier 3 -> share unknown (NaN), not 0.
    assert np.isnan(both.loc[("W1", "LAC"), "tier3_10d_share"])
    result = young_people_access(_yp(), ["ward", "group"], suppressed=True)
    shown = result.frame.set_index(["ward_code", "group"])
    # W2 YOT: cohort 3 -> "*", and its tier 2 share and rate hidden with it.
    assert shown.loc[("W2", "YOT"), "cohort"] == "*"
    assert shown.loc[("W2", "YOT"), "tier2_share"] == "*"
    assert shown.loc[("W2", "YOT"), "cohort_rate"] == "*"
    # W1 YOT: referred 4 -> hidden, and the tier 3 share (3 of 4) with it.
    assert shown.loc[("W1", "YOT"), "tier3_referred"] == "*"
    assert shown.loc[("W1", "YOT"), "tier3_10d_share"] == "*"
    assert shown.loc[("W1", "LAC"), "cohort"] == 20
    # W2 LAC: 8 referred, 6 seen within 10 days -> 2 not seen in time: the 6 is hidden (and
    # its share), the 8 stays.
    assert shown.loc[("W2", "LAC"), "tier3_referred"] == 8
    assert shown.loc[("W2", "LAC"), "tier3_within_10_days"] == "*"
    assert shown.loc[("W2", "LAC"), "tier3_10d_share"] == "*"
    assert result.suppression["complement"] == 1


def test_young_people_checks() -> None:
    bad = _yp()
    bad.loc[0, "tier3_within_10_days"] = 5
    with pytest.raises(WorkbenchError, match="tier3_within_10_days"):
        young_people_access(bad)
    bad = _yp()
    bad.loc[1, "population_10_17"] = 1999
    with pytest.raises(WorkbenchError, match="population_10_17"):
        young_people_access(bad)
    with pytest.raises(WorkbenchError, match="by must be"):
        young_people_access(_yp(), "school")
