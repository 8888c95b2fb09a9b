"""Tests for workbench.hotspots.change: conditional binomial test worked out by hand."""

from math import comb

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from shapely.geometry import box

from workbench.errors import WorkbenchError
from workbench.hotspots import change

BNG = "EPSG:27700"


def _binom_two_sided(k, n, p):
    """Two-sided exact binomial p: sum of P(X = i) over i with P(X = i) <= P(X = k)."""
    pmf = [comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    return min(1.0, sum(q for q in pmf if q <= pmf[k] * (1 + 1e-7)))


def _setup():
    zones = gpd.GeoDataFrame(
        {"name": ["A", "B", "C"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100)],
        crs=BNG,
    )
    # A: 10 before, 30 after; B: 10 before, 10 after; C: nothing.
    xs = [50] * 40 + [150] * 20
    months = ["2021-01"] * 10 + ["2021-06"] * 30 + ["2021-02"] * 10 + ["2021-07"] * 10
    pts = gpd.GeoDataFrame(
        {"month": pd.PeriodIndex(months, freq="M")},
        geometry=gpd.points_from_xy(xs, [50] * 60),
        crs=BNG,
    )
    return pts, zones


def test_change_counts_and_binomial_by_hand():
    pts, zones = _setup()
    r = change(pts, "2021-04", zones, fdr=False)
    assert r["count_before"].tolist() == [10, 10, 0]
    assert r["count_after"].tolist() == [30, 10, 0]
    assert r["difference"].tolist() == [20, 0, 0]
    assert_allclose(r["pct_change"].iloc[:2], [200.0, 0.0])
    assert np.isnan(r["pct_change"].iloc[2])
    p0 = 40 / 60
    assert_allclose(r.p0, p0)
    assert_allclose(r["expected_after"], [40 * p0, 20 * p0, 0.0])
    assert_allclose(r["p"].iloc[0], _binom_two_sided(30, 40, p0), rtol=1e-9)
    assert_allclose(r["p"].iloc[1], _binom_two_sided(10, 20, p0), rtol=1e-9)
    assert r["p"].iloc[2] == 1.0


def test_change_groups_and_fdr():
    pts, zones = _setup()
    grp = pts["month"].dt.start_time >= pd.Timestamp("2021-04-01")
    a = change(pts, grp.to_numpy(), zones, fdr=True)
    b = change(pts.assign(after=grp), "after", zones, fdr=True)
    assert_allclose(a["p"], b["p"])
    # BH by hand for three p-values
    p = a["p"].to_numpy()
    order = np.argsort(p)
    adj = np.minimum.accumulate((p[order] * 3 / np.arange(1, 4))[::-1])[::-1]
    expected = np.empty(3)
    expected[order] = np.minimum(adj, 1)
    assert_allclose(a["p_fdr"], expected, rtol=1e-12)


def test_change_guardrails():
    pts, zones = _setup()
    with pytest.raises(WorkbenchError, match="every point is in the after group"):
        change(pts, "2020-01", zones)
    with pytest.raises(WorkbenchError, match="no 'date' column"):
        change(pts, "2021-04", zones, time_column="date")
    with pytest.raises(WorkbenchError, match="True/False values"):
        change(pts, [True, False], zones)
