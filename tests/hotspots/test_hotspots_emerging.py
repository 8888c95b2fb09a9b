"""Tests for workbench.hotspots.emerging: each of the 17 categories from constructed series."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from workbench.errors import WorkbenchError
from workbench.hotspots import CATEGORIES, emerging, emerging_categories
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


def test_rule_details():
    f = np.zeros((1, T), bool)
    # one hot period before a final run of two -> not consecutive, it is sporadic
    h = f.copy()
    h[0, [2, 8, 9]] = True
    assert emerging_categories(h, f, [0.0], [1.0])[0] == "sporadic hot spot"
    # 8 of 10 hot including the final one, no cold ever: fewer than 90% -> sporadic
    h = np.ones((1, T), bool)
    h[0, [0, 4]] = False
    assert emerging_categories(h, f, [5.0], [0.001])[0] == "sporadic hot spot"
    # 9 of 10 but the final one is not hot -> historical even with a rising trend
    h = np.ones((1, T), bool)
    h[0, -1] = False
    assert emerging_categories(h, f, [5.0], [0.001])[0] == "historical hot spot"
    # a trend that is not significant counts as no trend
    h = np.ones((1, T), bool)
    assert emerging_categories(h, f, [1.5], [0.13])[0] == "persistent hot spot"


def _grid(side=10, size=100.0):
    x, y = np.meshgrid(np.arange(side), np.arange(side))
    x, y = x.ravel() * size, y.ravel() * size
    return gpd.GeoDataFrame(geometry=shapely.box(x, y, x + size, y + size), crs=BNG)


def test_emerging_end_to_end_new_and_persistent():
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
    pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.x, df.y), crs=BNG)
    r, cube = emerging(pts, "month", _grid(), return_cube=True)
    assert r["category"].iloc[77] == "new hot spot"
    assert r["category"].iloc[11] in ("persistent hot spot", "intensifying hot spot",
                                      "diminishing hot spot")  # fmt: skip
    assert r["n_hot"].iloc[11] >= 11
    assert r.attrs["periods"][0] == "2021-01" and len(r.attrs["periods"]) == 12
    assert len(cube) == 100 * 12
    assert cube["count"].sum() == len(pts)
    q = emerging(pts, "quarter", _grid())
    assert q.attrs["periods"] == ["2021Q1", "2021Q2", "2021Q3", "2021Q4"]


def test_emerging_guardrails():
    pts = gpd.GeoDataFrame({"month": pd.PeriodIndex(["2021-01", "2021-02"], freq="M")},
                           geometry=gpd.points_from_xy([50, 150], [50, 50]), crs=BNG)  # fmt: skip
    with pytest.raises(WorkbenchError, match="at least 3 month periods"):
        emerging(pts, "month", _grid())
    with pytest.raises(WorkbenchError, match="period must be one of"):
        emerging(pts, "fortnight", _grid())
    with pytest.raises(WorkbenchError, match="no 'date' column"):
        emerging(pts, "month", _grid(), time_column="date")
