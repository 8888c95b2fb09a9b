"""Tests for workbench.hotspots.kde against a direct evaluation of the quartic kernel."""

import math

import geopandas as gpd
import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import integrate, stats
from shapely.geometry import Point, box

from workbench.errors import WorkbenchError
from workbench.hotspots import default_bandwidth, dual_kde, grid, kde
from workbench.hotspots.kde import QUARTIC_NORMAL_FACTOR

BNG = "EPSG:27700"


def _points(n=400, seed=1, weights=False):
    rng = np.random.default_rng(seed)
    x = np.r_[rng.normal(2500, 600, n // 2), rng.uniform(0, 5000, n - n // 2)]
    y = np.r_[rng.normal(2000, 400, n // 2), rng.uniform(0, 4000, n - n // 2)]
    data = {"w": rng.uniform(0.5, 3, n)} if weights else {}
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(x, y), crs=BNG)


def _direct(pts, cx, cy, h, w=None):
    """The KDE formula evaluated directly: 1e6 * sum_i w_i 3/(pi h^2) (1 - (d/h)^2)^2."""
    px, py = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    w = np.ones(len(px)) if w is None else w
    d = np.hypot(cx[:, None] - px[None, :], cy[:, None] - py[None, :])
    k = np.where(d <= h, (1 - (d / h) ** 2) ** 2, 0.0)
    return 1e6 * 3 / (math.pi * h**2) * (k * w[None, :]).sum(axis=1)


@pytest.mark.parametrize("shape", ["square", "hex"])
@pytest.mark.parametrize("h", [130.0, 475.0])
def test_kde_matches_direct_formula(shape, h):
    pts = _points(weights=True)
    area = gpd.GeoDataFrame(geometry=[Point(2500, 2000).buffer(2200)], crs=BNG)
    g = grid(area, cell_size=100, shape=shape)
    r = kde(pts, bandwidth=h, zones=g, weights="w")
    expected = _direct(pts, g["x"].to_numpy(), g["y"].to_numpy(), h, pts["w"].to_numpy())
    assert_allclose(r["density"].to_numpy(), expected, rtol=1e-9, atol=1e-12)
    assert r.bandwidth == h and r.cell_size == 100.0
    assert r.units == "per km2"


def test_kde_single_point_peak_value():
    pts = gpd.GeoDataFrame(geometry=[Point(50, 50)], crs=BNG)
    r = kde(pts, cell_size=100, bandwidth=100, zones=gpd.GeoDataFrame(
        geometry=[box(0, 0, 100, 100)], crs=BNG))  # fmt: skip
    # 1e6 * 3 / (pi * 100^2) = 95.49296585513720
    assert_allclose(r["density"].iloc[0], 95.4929658551372, rtol=1e-12)


def test_kde_integrates_to_count_away_from_edges():
    rng = np.random.default_rng(3)
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(rng.uniform(4000, 6000, 50), rng.uniform(4000, 6000, 50)),
        crs=BNG,
    )
    g = grid(gpd.GeoDataFrame(geometry=[box(3000, 3000, 7000, 7000)], crs=BNG), cell_size=50)
    r = kde(pts, bandwidth=600, zones=g)
    total = r["density"].sum() * (50 * 50) / 1e6
    assert_allclose(total, 50, rtol=1e-3)


def test_default_bandwidth_rule_and_factor():
    # The quartic/Gaussian AMISE factor from numerical integration of the 2-D kernels.
    rq = integrate.quad(lambda r: (3 / math.pi * (1 - r * r) ** 2) ** 2 * 2 * math.pi * r, 0, 1)[0]
    mq = integrate.quad(lambda r: r**2 / 2 * 3 / math.pi * (1 - r * r) ** 2 * 2 * math.pi * r,
                        0, 1)[0]  # fmt: skip
    rg, mg = 1 / (4 * math.pi), 1.0
    factor = ((rq / mq**2) / (rg / mg**2)) ** (1 / 6)
    assert_allclose(QUARTIC_NORMAL_FACTOR, factor, rtol=1e-9)
    assert_allclose(factor, 2.7792, atol=1e-4)
    pts = _points(n=300)
    x, y = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    sigma = math.sqrt((np.var(x, ddof=1) + np.var(y, ddof=1)) / 2)
    assert_allclose(default_bandwidth(pts), factor * sigma * 300 ** (-1 / 6), rtol=1e-9)
    r = kde(pts)
    assert_allclose(r.bandwidth, factor * sigma * 300 ** (-1 / 6), rtol=1e-9)
    assert "normal reference" in r.bandwidth_rule


def test_quartic_constant_integrates_to_one():
    # 3 / (pi h^2) * (1 - (d/h)^2)^2 over the disc of radius h, by scipy's 2-D quadrature in
    # Cartesian coordinates (independent of the polar algebra in the module's comments).
    h = 350.0

    def k(y, x):
        d2 = (x * x + y * y) / (h * h)
        return 3 / (math.pi * h * h) * (1 - d2) ** 2 if d2 <= 1 else 0.0

    total, _ = integrate.dblquad(
        k, -h, h, lambda x: -math.sqrt(h * h - x * x), lambda x: math.sqrt(h * h - x * x)
    )
    assert_allclose(total, 1.0, rtol=1e-8)


def test_kde_weighted_surface_integrates_to_total_weight():
    # Midpoint-rule integral of the surface on a fine grid (h = 24 cells), far from the edges.
    pts = gpd.GeoDataFrame(
        {"w": [2.5, 0.5, 4.0]},
        geometry=[Point(1013, 987), Point(1200, 1100), Point(890, 1240)],
        crs=BNG,
    )
    g = grid(gpd.GeoDataFrame(geometry=[box(600, 700, 1500, 1550)], crs=BNG), cell_size=10)
    r = kde(pts, bandwidth=240, zones=g, weights="w")
    assert_allclose(r["density"].sum() * 10 * 10 / 1e6, 7.0, rtol=1e-4)


def test_default_bandwidth_weighted_matches_scipy_gaussian_kde_conventions():
    pts = _points(n=120, weights=True)
    xy = np.vstack([pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()])
    w = pts["w"].to_numpy()
    gk = stats.gaussian_kde(xy, weights=w)  # Scott's factor with Kish's effective n
    data_cov = gk.covariance / gk.factor**2
    sigma = math.sqrt((data_cov[0, 0] + data_cov[1, 1]) / 2)
    expected = QUARTIC_NORMAL_FACTOR * sigma * gk.factor
    assert_allclose(default_bandwidth(pts, "w"), expected, rtol=1e-9)
    # unchanged when all weights are scaled; equal weights give the unweighted rule
    assert_allclose(default_bandwidth(pts.assign(w=w * 7), "w"), expected, rtol=1e-9)
    assert_allclose(default_bandwidth(pts.assign(w=0.2), "w"), default_bandwidth(pts), rtol=1e-9)
    with pytest.raises(WorkbenchError, match="positive weight"):
        default_bandwidth(pts.assign(w=np.r_[1.0, np.zeros(len(pts) - 1)]), "w")


def test_kde_warnings_and_errors():
    pts = _points(n=50)
    area = gpd.GeoDataFrame(geometry=[box(0, 0, 5000, 4000)], crs=BNG)
    with pytest.warns(UserWarning, match="smaller than one cell"):
        kde(pts, cell_size=100, bandwidth=50, zones=area)
    far = gpd.GeoDataFrame(geometry=[box(100_000, 100_000, 105_000, 105_000)], crs=BNG)
    with pytest.raises(WorkbenchError, match="within one bandwidth of the study area"):
        kde(pts, bandwidth=500, zones=far)
    with pytest.raises(WorkbenchError, match="bandwidth must be a positive"):
        kde(pts, bandwidth=0, zones=area)
    same = gpd.GeoDataFrame(geometry=[Point(1, 1), Point(1, 1)], crs=BNG)
    with pytest.raises(WorkbenchError, match="same place"):
        kde(same)


def test_dual_kde_methods():
    pts = _points(n=200, weights=True)
    area = gpd.GeoDataFrame(geometry=[box(0, 0, 5000, 4000)], crs=BNG)
    ref = pts.assign(w2=2 * pts["w"])
    r = dual_kde(pts, ref, "ratio", weights="w", reference_weights="w2", bandwidth=400,
                 cell_size=200, zones=area)  # fmt: skip
    pos = r["reference_density"] > 0
    assert_allclose(r.loc[pos, "risk"], 0.5, rtol=1e-12)
    assert r.loc[~pos, "risk"].isna().all()
    d = dual_kde(pts, ref, "difference", weights="w", reference_weights="w2", bandwidth=400,
                 cell_size=200, zones=area)  # fmt: skip
    assert_allclose(d["risk"], 0.0, atol=1e-12)
    lg = dual_kde(pts, ref, "log", weights="w", reference_weights="w2", bandwidth=400,
                  cell_size=200, zones=area)  # fmt: skip
    assert_allclose(lg.loc[pos, "risk"], math.log(0.5), rtol=1e-12)
    with pytest.raises(WorkbenchError, match="method must be"):
        dual_kde(pts, ref, "quotient")


# -- binned FFT path (issue 16) ---------------------------------------------------------------


@pytest.mark.parametrize("h", [120.0, 333.0, 900.0])
def test_kde_fft_within_one_percent_of_the_direct_formula(h):
    """The binned FFT surface against the kernel sum written out in this test (not the exact
    path's code): max |difference| <= 1% of the surface's maximum, weights included, points
    off the grid included (they still reach it within h)."""
    pts = _points(n=3000, seed=7, weights=True)
    area = gpd.GeoDataFrame(geometry=[box(500, 500, 4500, 3500)], crs=BNG)
    g = grid(area, cell_size=100)
    r = kde(pts, bandwidth=h, zones=g, weights="w", method="fft")
    expected = _direct(pts, g["x"].to_numpy(), g["y"].to_numpy(), h, pts["w"].to_numpy())
    err = np.abs(r["density"].to_numpy() - expected).max() / expected.max()
    assert err <= 0.01, err
    assert r.method.startswith("binned FFT")


def test_kde_fft_single_point_peak_exact_when_on_a_bin_centre():
    # a point at a cell centre: the binned weight sits on that bin, so the peak is exact
    pts = gpd.GeoDataFrame(geometry=[Point(450, 450)], crs=BNG)
    g = grid(gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=BNG), cell_size=100)
    r = kde(pts, bandwidth=400, zones=g, method="fft")
    peak = r.loc[(r["x"] == 450) & (r["y"] == 450), "density"].iloc[0]
    assert_allclose(peak, 1e6 * 3 / (math.pi * 400**2), rtol=1e-9)  # 5.968310365946075
    # (1 - (100/400)^2)^2 = 0.87890625 of the peak one cell east
    east = r.loc[(r["x"] == 550) & (r["y"] == 450), "density"].iloc[0]
    assert_allclose(east / peak, 0.87890625, rtol=1e-9)


def test_kde_auto_method_by_work(monkeypatch):
    import importlib

    kde_module = importlib.import_module("workbench.hotspots.kde")

    pts = _points(n=400)
    g = grid(gpd.GeoDataFrame(geometry=[box(0, 0, 5000, 4000)], crs=BNG), cell_size=100)
    assert kde(pts, bandwidth=300, zones=g).method == "exact"
    monkeypatch.setattr(kde_module, "FFT_MIN_WORK", 10.0)
    assert kde(pts, bandwidth=300, zones=g).method.startswith("binned FFT")
    hexes = grid(gpd.GeoDataFrame(geometry=[box(0, 0, 5000, 4000)], crs=BNG), 200, shape="hex")
    assert kde(pts, bandwidth=300, zones=hexes).method == "exact"
    with pytest.raises(WorkbenchError, match="square grid"):
        kde(pts, bandwidth=300, zones=hexes, method="fft")
    with pytest.raises(WorkbenchError, match="method must be"):
        kde(pts, bandwidth=300, zones=g, method="binned")
