"""Tests for workbench.hotspots.evaluate: PAI, RRI, concentration by construction."""

import geopandas as gpd
import numpy as np
import pytest
from numpy.testing import assert_allclose
from shapely.geometry import Point, box

from workbench.errors import WorkbenchError
from workbench.hotspots import compare_methods, concentration, pai, rri

BNG = "EPSG:27700"
AREA = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=BNG)  # 1 km2
HOT = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100), box(900, 900, 1000, 1000)], crs=BNG)


def _pts(n_hot, n_cold):
    geoms = [Point(50, 50)] * n_hot + [Point(500, 500)] * n_cold + [Point(5000, 5000)] * 3
    return gpd.GeoDataFrame(geometry=geoms, crs=BNG)


def test_pai_by_construction():
    # 20 of 100 points in hotspots covering 2% of the area: PAI = 0.2 / 0.02 = 10.
    # (3 points outside the area are not counted.)
    r = pai(HOT, _pts(20, 80), AREA)
    assert (r["n"], r["N"]) == (20, 100)
    assert_allclose(r["area_share"], 0.02)
    assert_allclose(r["pai"], 10.0, rtol=1e-12)
    assert_allclose(r["A_km2"], 1.0)


def test_rri_by_construction():
    # fit: 20 of 100 in hotspots; test: 30 of 60. RRI = (30/20) / (60/100) = 2.5
    r = rri(HOT, _pts(20, 80), _pts(30, 30), AREA)
    assert (r["n1"], r["n2"], r["N1"], r["N2"]) == (20, 30, 100, 60)
    assert_allclose(r["rri"], 2.5, rtol=1e-12)
    assert np.isnan(rri(HOT, _pts(0, 10), _pts(1, 10), AREA)["rri"])


def test_pai_rri_overlapping_hotspots_clipped_to_the_area():
    # Hotspots: two overlapping 200 x 100 boxes (union 300 x 100 = 30,000 m2, counted once)
    # and a 200 x 100 box half outside the area (10,000 m2 inside). a = 40,000 m2,
    # A = 1,000,000 m2, a/A = 0.04.
    hs = gpd.GeoDataFrame(
        geometry=[box(0, 0, 200, 100), box(100, 0, 300, 100), box(-100, 900, 100, 1000)],
        crs=BNG,
    )
    # Fit: 12 in the overlap, 1 on the hotspot edge (counts as inside), 3 in the clipped
    # box, 1 in the part outside the area (not counted at all), 84 elsewhere.
    # n = 16, N = 100: PAI = (16/100) / 0.04 = 4.
    fit = gpd.GeoDataFrame(
        geometry=[Point(150, 50)] * 12 + [Point(300, 50)] + [Point(50, 950)] * 3
        + [Point(-50, 950)] + [Point(500, 500)] * 84,
        crs=BNG,
    )  # fmt: skip
    r = pai(hs, fit, AREA)
    assert (r["n"], r["N"]) == (16, 100)
    assert_allclose(r["a_km2"], 0.04, rtol=1e-12)
    assert_allclose(r["pai"], 4.0, rtol=1e-12)
    # Test: 20 in the hotspots, 30 elsewhere: n2 = 20, N2 = 50.
    # RRI = (20/16) / (50/100) = 2.5; PAI(test) = (20/50) / 0.04 = 10.
    test = gpd.GeoDataFrame(geometry=[Point(150, 50)] * 20 + [Point(500, 500)] * 30, crs=BNG)
    assert_allclose(rri(hs, fit, test, AREA)["rri"], 2.5, rtol=1e-12)
    assert_allclose(pai(hs, test, AREA)["pai"], 10.0, rtol=1e-12)


def test_concentration_by_hand():
    # Gini by the mean absolute difference: sum_ij |x_i - x_j| / (2 n^2 mean)
    x = np.array([1, 2, 3, 4, 0, 10, 0, 0, 5, 5, 7, 3, 0, 1, 2, 9, 8, 0, 1, 6], dtype=float)
    gini = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    r = concentration(x)
    assert_allclose(r["gini"], gini, rtol=1e-12)
    # top 5% of 20 zones = 1 zone (10 of 67); top 10% = 2 zones (10 + 9)
    assert_allclose(r["top5_share"], 10 / 67)
    assert_allclose(r["top10_share"], 19 / 67)
    assert concentration([0, 0, 0, 10])["gini"] == 0.75
    assert_allclose(concentration([4, 4, 4, 4])["gini"], 0.0, atol=1e-15)
    with pytest.raises(WorkbenchError, match="all counts are zero"):
        concentration([0, 0])
    with pytest.raises(WorkbenchError, match="non-negative"):
        concentration([1, -1])


def test_pai_guardrails():
    with pytest.raises(WorkbenchError, match="no area inside the study area"):
        pai(gpd.GeoDataFrame(geometry=[box(5000, 5000, 6000, 6000)], crs=BNG), _pts(1, 1), AREA)
    far = gpd.GeoDataFrame(geometry=[Point(9000, 9000)], crs=BNG)
    with pytest.raises(WorkbenchError, match="none of the points fall inside"):
        pai(HOT, far, AREA)


def test_compare_methods_stable_cluster(caplog):
    rng = np.random.default_rng(9)

    def sample(n_bg, n_cl):
        x = np.r_[rng.uniform(0, 3000, n_bg), rng.normal(800, 120, n_cl)]
        y = np.r_[rng.uniform(0, 3000, n_bg), rng.normal(2100, 120, n_cl)]
        return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=BNG)

    area = gpd.GeoDataFrame(geometry=[box(0, 0, 3000, 3000)], crs=BNG)
    fit, test = sample(600, 300), sample(600, 300)
    with caplog.at_level("INFO", logger="workbench.hotspots.evaluate"):
        r = compare_methods(fit, test, area, cell_size=100, bandwidth=300, top=0.05).frame
    assert list(r.index) == ["kde", "counts", "gistar"]
    assert (r.loc[["kde", "counts"], "cells"] == 45).all()  # ceil(0.05 * 900)
    assert (r["pai_test"] > 3).all()
    # PAI by its definition from the reported shares
    assert_allclose(r["pai_test"], r["hit_rate_test"] / r["area_share"], rtol=1e-12)
    assert "cells of 100 m, bandwidth 300 m" in caplog.text
