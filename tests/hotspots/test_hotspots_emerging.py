"""Tests for workbench.hotspots.emerging: each of the 17 categories from constructed series."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from numpy.testing import assert_allclose

from workbench.errors import WorkbenchError
from workbench.hotspots import CATEGORIES, count, emerging, emerging_categories, gistar
from workbench.stats import mann_kendall_many

BNG = "EPSG:27700"
T = 10
up = 2.0 + 0.3 * np.arange(T)  # always significant, rising
down = 6.0 - 0.3 * np.arange(T)  # always significant, falling
flat = np.array([3.0, 2.5] * (T // 2))  # always significant, no trend

SERIES = {
    "new hot spot": [0] * 9 + [3],
    "consecutive hot spot": [0] * 7 + [3, 3, 3],
    "intensifying hot spot": up,
    "persistent hot spot": flat,
    "diminishing hot spot": down,
    "sporadic hot spot": [3, 0, 0, 3, 0, 0, 0, 3, 0, 3],
    "oscillating hot spot": [-3, 0, 3, 0, -3, 0, 0, 0, 0, 3],
    "historical hot spot": [3] * 9 + [0],
    "no pattern": [0.5, -0.2, 1.0, 0.1, -1.0, 0.3, 0.0, 1.2, -0.4, 0.2],
}
for name in list(SERIES):
    if name.endswith("hot spot"):
        SERIES[name.replace("hot", "cold")] = -np.asarray(SERIES[name], dtype=float)


def test_each_category_from_a_constructed_series():
    names = list(SERIES)
    z = np.array([np.asarray(SERIES[n], dtype=float) for n in names])
    hot, cold = z > 1.96, z < -1.96  # "significant" at 95% for the construction
    mk = mann_kendall_many(z)
    got = emerging_categories(hot, cold, mk["z"].to_numpy(), mk["p"].to_numpy())
    assert dict(zip(names, got, strict=True)) == {n: n for n in names}
    assert set(names) == set(CATEGORIES) and len(CATEGORIES) == 17


SIG_UP = (3.0, 0.003)  # significant increasing trend of z
SIG_DOWN = (-3.0, 0.003)  # significant decreasing trend of z
NO_TREND = (1.5, 0.13)  # a rise that is not significant counts as no trend

# (pattern, trend, expected): "H" hot, "C" cold, "." neither; periods left to right, the
# last one is the final period. Each group sits next to the neighbours it must not be
# confused with, and the 90% edge is tried at exactly 9 of 10 and at 10 and 11 of 12.
RULE_CASES = [
    # new: hot only in the final period
    (".........H", NO_TREND, "new hot spot"),
    ("...H.....H", NO_TREND, "sporadic hot spot"),  # hot before -> not new
    ("C........H", NO_TREND, "oscillating hot spot"),  # cold before -> not new
    # consecutive: one final run of >= 2, never significant before, < 90%
    ("......HHHH", NO_TREND, "consecutive hot spot"),
    ("........HH", SIG_UP, "consecutive hot spot"),  # a trend does not matter
    ("..HHHHHHHH", NO_TREND, "consecutive hot spot"),  # 8 of 10 = 80% < 90%
    (".HHHHHHHHH", NO_TREND, "persistent hot spot"),  # 9 of 10 = exactly 90%
    ("H.......HH", NO_TREND, "sporadic hot spot"),  # hot before the run
    ("C.......HH", NO_TREND, "oscillating hot spot"),  # cold before the run
    # intensifying / persistent / diminishing: >= 90% including the final period
    ("HHHHHHHHHH", SIG_UP, "intensifying hot spot"),
    ("HHHHHHHHHH", NO_TREND, "persistent hot spot"),
    ("HHHHHHHHHH", SIG_DOWN, "diminishing hot spot"),
    (".HHHHHHHHH", SIG_UP, "intensifying hot spot"),  # exactly 90%
    ("HHHH.HHHHH", SIG_DOWN, "diminishing hot spot"),  # exactly 90%, gap in the middle
    ("HHH.HHH.HH", SIG_UP, "sporadic hot spot"),  # 8 of 10 < 90%: not intensifying
    ("HHHHHHHHHH.H", NO_TREND, "persistent hot spot"),  # 11 of 12 = 91.7%
    ("HHHHHHHHH..H", NO_TREND, "sporadic hot spot"),  # 10 of 12 = 83% < 90%
    # sporadic: on-again off-again, final hot, never cold
    ("H..H...H.H", NO_TREND, "sporadic hot spot"),
    ("H.CH...H.H", NO_TREND, "oscillating hot spot"),  # one cold period -> oscillating
    # oscillating: final hot, cold in an earlier period, < 90% hot
    ("C.H.C....H", NO_TREND, "oscillating hot spot"),
    ("CHHHHHHHHH", SIG_UP, "intensifying hot spot"),  # 90% hot wins over the cold start
    # historical: final not hot, >= 90% hot
    ("HHHHHHHHH.", SIG_UP, "historical hot spot"),  # exactly 90%, trend irrelevant
    ("HHHHHHHH..", NO_TREND, "no pattern"),  # 80%, final not hot
    ("HHHHHHHHHC", NO_TREND, "oscillating cold spot"),  # final cold beats historical hot
    # no pattern
    ("..........", NO_TREND, "no pattern"),
    ("..H.H.....", SIG_UP, "no pattern"),
]


def _flags(pattern):
    arr = np.array(list(pattern))
    return arr == "H", arr == "C"


def _swap(pattern):
    return pattern.translate(str.maketrans("HC", "CH"))


@pytest.mark.parametrize(("pattern", "trend", "expected"), RULE_CASES)
def test_rules_on_constructed_flags(pattern, trend, expected):
    hot, cold = _flags(pattern)
    got = emerging_categories(hot[None, :], cold[None, :], [trend[0]], [trend[1]])[0]
    assert got == expected
    # The mirror image: hot <-> cold, and the trend reversed (intensifying cold = falling z).
    hot_m, cold_m = _flags(_swap(pattern))
    mirror = emerging_categories(hot_m[None, :], cold_m[None, :], [-trend[0]], [trend[1]])[0]
    swapped = expected.replace("hot", "HOT").replace("cold", "hot").replace("HOT", "cold")
    assert mirror == swapped


def test_every_category_is_reached_by_the_rule_cases():
    reached = {e for _, _, e in RULE_CASES}
    reached |= {e.replace("hot", "HOT").replace("cold", "hot").replace("HOT", "cold")
                for e in reached}  # fmt: skip
    assert reached == set(CATEGORIES)


def test_trend_significance_uses_alpha_and_share_is_configurable():
    hot, cold = _flags("HHHHHHHHHH")
    args = (hot[None, :], cold[None, :], [2.2], [0.028])
    assert emerging_categories(*args)[0] == "intensifying hot spot"
    assert emerging_categories(*args, alpha=0.01)[0] == "persistent hot spot"
    hot, cold = _flags("..HHHHHHHH")  # 80%
    assert emerging_categories(hot[None, :], cold[None, :], [0.0], [1.0], share=0.8)[0] == (
        "persistent hot spot"
    )


def test_rule_guardrails():
    hot, cold = _flags("HHH")
    with pytest.raises(WorkbenchError, match="both a hot and a cold"):
        emerging_categories(hot[None, :], hot[None, :], [0.0], [1.0])
    with pytest.raises(WorkbenchError, match="one trend z and p per zone"):
        emerging_categories(hot[None, :], cold[None, :], [0.0, 1.0], [1.0, 1.0])
    with pytest.raises(WorkbenchError, match="share must be above 0.5"):
        emerging_categories(hot[None, :], cold[None, :], [0.0], [1.0], share=0.4)


def _grid(side=10, size=100.0):
    x, y = np.meshgrid(np.arange(side), np.arange(side))
    x, y = x.ravel() * size, y.ravel() * size
    return gpd.GeoDataFrame(geometry=shapely.box(x, y, x + size, y + size), crs=BNG)


def _clustered_points():
    rng = np.random.default_rng(5)
    months = pd.period_range("2021-01", periods=12, freq="M")
    rows = []
    for i, m in enumerate(months):
        n = 150
        rows.append(pd.DataFrame({"x": rng.uniform(0, 1000, n), "y": rng.uniform(0, 1000, n),
                                  "month": m}))  # fmt: skip
        # persistent cluster over cells rows 0-2, cols 0-2 every month
        rows.append(pd.DataFrame({"x": rng.uniform(0, 300, 150), "y": rng.uniform(0, 300, 150),
                                  "month": m}))  # fmt: skip
        if i == len(months) - 1:  # new cluster over rows 6-8, cols 6-8, final month only
            rows.append(pd.DataFrame({"x": rng.uniform(600, 900, 150),
                                      "y": rng.uniform(600, 900, 150), "month": m}))  # fmt: skip
    df = pd.concat(rows, ignore_index=True)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.x, df.y), crs=BNG), months


def test_emerging_end_to_end_new_and_persistent():
    pts, months = _clustered_points()
    r, cube = emerging(pts, "month", _grid(), return_cube=True)
    assert r["category"].iloc[77] == "new hot spot"
    assert r["category"].iloc[11] in ("persistent hot spot", "intensifying hot spot",
                                      "diminishing hot spot")  # fmt: skip
    assert r["n_hot"].iloc[11] >= 11
    assert r.periods[0] == "2021-01" and len(r.periods) == 12
    assert len(cube) == 100 * 12
    assert cube["count"].sum() == len(pts)
    # Wiring: each period's z is plain Gi* (tested against esda and the published formula in
    # test_hotspots_gistar) on that period's counts, with the same weights.
    last = count(pts[pts["month"] == months[-1]], _grid())
    final = cube[cube["period"] == str(months[-1])]
    assert_allclose(final["z"].to_numpy(), gistar(last, "count")["z"].to_numpy(), rtol=1e-12)
    assert_allclose(r["final_z"], final["z"], rtol=1e-12)
    q = emerging(pts, "quarter", _grid())
    assert q.periods == ["2021Q1", "2021Q2", "2021Q3", "2021Q4"]


def test_emerging_guardrails():
    pts = gpd.GeoDataFrame({"month": pd.PeriodIndex(["2021-01", "2021-02"], freq="M")},
                           geometry=gpd.points_from_xy([50, 150], [50, 50]), crs=BNG)  # fmt: skip
    with pytest.raises(WorkbenchError, match="at least 3 observed month periods"):
        emerging(pts, "month", _grid())
    with pytest.raises(WorkbenchError, match="period must be one of"):
        emerging(pts, "fortnight", _grid())
    with pytest.raises(WorkbenchError, match="no 'date' column"):
        emerging(pts, "month", _grid(), time_column="date")


def test_emerging_missing_periods_are_not_zero():
    pts, months = _clustered_points()
    # The data do not hold 2021-05 nor the final month 2021-12 (its points stay in the
    # table, as when only some forces' files hold a month, but the month is missing).
    held = [m for m in months if str(m) not in ("2021-05", "2021-12")]
    r, cube = emerging(pts, "month", _grid(), observed=held, return_cube=True)
    assert r.missing_periods == ["2021-05", "2021-12"]
    assert len(r.periods) == 10 and r.periods[-1] == "2021-11"
    gap = cube[cube["period"].isin(["2021-05", "2021-12"])]
    assert (~gap["observed"]).all() and gap[["count", "z", "p"]].isna().all().all()
    assert not (gap["hot"] | gap["cold"]).any()
    # the new cluster exists only in the missing final month: not a new hot spot any more
    assert r["category"].iloc[77] == "no pattern"
    assert r["category"].iloc[11] != "no pattern"
    # the trend is Mann-Kendall on the 10 observed z-scores only, in time order
    z = cube.pivot(index="zone", columns="period", values="z")[r.periods]
    mk = mann_kendall_many(z.to_numpy())
    assert_allclose(r["trend_z"], mk["z"], rtol=1e-12)
    assert_allclose(r["final_z"], z["2021-11"], rtol=1e-12)
    # each observed period's Gi* is unchanged by the gaps
    full = emerging(pts, "month", _grid(), return_cube=True)[1]
    same = full[full["period"] == "2021-11"]["z"].to_numpy()
    assert_allclose(cube[cube["period"] == "2021-11"]["z"].to_numpy(), same, rtol=1e-12)
    # quarters: a quarter with any month missing is missing (Q2 holds no May, Q4 no Dec)
    with pytest.raises(WorkbenchError, match=r"found 2 \(2021Q1 to 2021Q4; 2 missing\)"):
        emerging(pts, "quarter", _grid(), observed=held)
    no_may = [m for m in months if str(m) != "2021-05"]
    q, qcube = emerging(pts, "quarter", _grid(), observed=no_may, return_cube=True)
    assert q.periods == ["2021Q1", "2021Q3", "2021Q4"]
    assert q.missing_periods == ["2021Q2"]
    assert qcube[qcube["period"] == "2021Q2"]["count"].isna().all()
    # without coverage, Q2 would be counted (as before): four periods
    assert len(emerging(pts, "quarter", _grid()).periods) == 4
