"""Tests for workbench.hotspots.gistar: hand-worked Gi* on a line, and esda directly."""

import math

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pytest
import shapely
from numpy.testing import assert_allclose
from scipy import stats
from shapely.geometry import box

from workbench.errors import WorkbenchError
from workbench.hotspots import gi_bins, gistar

BNG = "EPSG:27700"


def _line(values):
    return gpd.GeoDataFrame(
        {"n": values}, geometry=[box(i, 0, i + 1, 1) for i in range(len(values))], crs=BNG
    )


def _lattice(side=10, seed=0):
    rng = np.random.default_rng(seed)
    x, y = np.meshgrid(np.arange(side), np.arange(side))
    x, y = x.ravel() * 100.0, y.ravel() * 100.0
    hot = (x < 400) & (y < 400)
    v = rng.poisson(np.where(hot, 9, 2))
    return gpd.GeoDataFrame({"v": v}, geometry=shapely.box(x, y, x + 100, y + 100), crs=BNG)


def test_gistar_hand_worked_line_of_six():
    # Six zones on a line, rook neighbours, self included. Values 0 0 9 0 0 1.
    # n = 6, sum = 10, mean = 10/6, S^2 = sum(x^2)/n - mean^2 = 82/6 - 100/36.
    # Zone 1 (neighbours 0,1,2): sum w x = 9, W = 3, S1 = 3:
    #   z = (9 - mean*3) / (S * sqrt((n*S1 - W^2)/(n-1))) = 4 / (S * sqrt(9/5)).
    # Zone 0 (edge; neighbours 0,1): W = 2: z = (0 - 2*mean) / (S * sqrt((12 - 4)/5)).
    # Zone 5 (neighbours 4,5): sum = 1, W = 2: z = (1 - 2*mean) / (S * sqrt(8/5)).
    mean = 10 / 6
    s = math.sqrt(82 / 6 - mean**2)
    z1 = 4 / (s * math.sqrt(9 / 5))
    z0 = (0 - 2 * mean) / (s * math.sqrt(8 / 5))
    z5 = (1 - 2 * mean) / (s * math.sqrt(8 / 5))
    z4 = (1 - 3 * mean) / (s * math.sqrt(9 / 5))  # neighbours 3, 4, 5
    expected = [z0, z1, z1, z1, z4, z5]
    with pytest.warns(UserWarning, match="fewer than 30"):
        r = gistar(_line([0, 0, 9, 0, 0, 1]), "n", weights="rook", fdr=False)
    assert_allclose(r["z"], expected, rtol=1e-10)
    assert_allclose(r["z"].iloc[1], 0.9035079029052513, rtol=1e-10)
    assert_allclose(r["p"], 2 * stats.norm.sf(np.abs(expected)), rtol=1e-10)
    assert_allclose(r["gi"].iloc[1], 9 / 10, rtol=1e-12)


@pytest.mark.parametrize("weights", ["queen", "rook"])
def test_gistar_matches_esda(weights):
    g = _lattice()
    r = gistar(g, "v", weights=weights, fdr=False)
    builder = libpysal.weights.Queen if weights == "queen" else libpysal.weights.Rook
    w = builder.from_dataframe(g, use_index=False)
    ref = esda.G_Local(g["v"].to_numpy(float), w, transform="B", star=True, permutations=0)
    assert_allclose(r["z"], ref.Zs, rtol=1e-9)
    assert_allclose(r["p"], 2 * ref.p_norm, rtol=1e-9)


def test_gistar_knn_and_distance_match_esda():
    # random centres, so there are no ties among nearest neighbours
    rng = np.random.default_rng(11)
    pts = gpd.GeoSeries(gpd.points_from_xy(rng.uniform(0, 5000, 80), rng.uniform(0, 5000, 80)))
    blobs = gpd.GeoDataFrame({"v": rng.poisson(4, 80)}, geometry=pts.buffer(20), crs=BNG)
    r = gistar(blobs, "v", weights="knn", k=6, fdr=False)
    w = libpysal.weights.KNN.from_dataframe(blobs, k=6, use_index=False)
    ref = esda.G_Local(blobs["v"].to_numpy(float), w, transform="B", star=True, permutations=0)
    assert_allclose(r["z"], ref.Zs, rtol=1e-9)
    assert_allclose(gistar(blobs, "v", knn=6, fdr=False)["z"], ref.Zs, rtol=1e-9)
    g = _lattice()
    r2 = gistar(g, "v", weights=150.0, fdr=False)
    w2 = libpysal.weights.DistanceBand.from_dataframe(g, threshold=150.0, binary=True,
                                                      use_index=False)  # fmt: skip
    ref2 = esda.G_Local(g["v"].to_numpy(float), w2, transform="B", star=True, permutations=0)
    assert_allclose(r2["z"], ref2.Zs, rtol=1e-9)


def _getis_ord_z(x, w):
    """Getis & Ord (1995) Gi* z from a dense weights matrix (self-weight on the diagonal):
    z_i = (sum_j w_ij x_j - xbar W_i) / (S sqrt((n sum_j w_ij^2 - W_i^2) / (n - 1))),
    W_i = sum_j w_ij, S = sqrt(sum x^2 / n - xbar^2)."""
    n = len(x)
    xbar = x.mean()
    s = math.sqrt((x**2).sum() / n - xbar**2)
    wi = w.sum(axis=1)
    return (w @ x - xbar * wi) / (s * np.sqrt((n * (w**2).sum(axis=1) - wi**2) / (n - 1)))


def test_gistar_irregular_distance_band_matches_getis_ord_formula():
    # Irregularly placed zones, a 700 m band: cardinalities from 0 (an island) to many, so
    # W_i differs between zones. Neighbours found with scipy, not libpysal; z from the
    # published formula, not esda.
    rng = np.random.default_rng(21)
    xy = np.r_[rng.uniform(0, 3000, (60, 2)), [[9000.0, 9000.0]]]
    x = rng.poisson(3, len(xy)).astype(float)
    x[:8] += 12  # some high values so that there is something to find
    zones = gpd.GeoDataFrame({"v": x}, geometry=gpd.points_from_xy(*xy.T).buffer(10), crs=BNG)
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    w = (d <= 700).astype(float)  # includes the zone itself (d = 0)
    assert len(set(w.sum(axis=1))) > 5 and w[-1].sum() == 1
    expected = _getis_ord_z(x, w)
    r = gistar(zones, "v", weights=700.0, fdr=False)
    assert_allclose(r["z"], expected, rtol=1e-9)
    assert_allclose(r["p"], 2 * stats.norm.sf(np.abs(expected)), rtol=1e-9)
    # The island's neighbourhood is itself: z = (x_i - xbar) / S.
    s = math.sqrt((x**2).mean() - x.mean() ** 2)
    assert_allclose(r["z"].iloc[-1], (x[-1] - x.mean()) / s, rtol=1e-12)
    assert r.islands == [60]


def test_gistar_fdr_and_bins():
    g = _lattice(side=12, seed=4)
    r = gistar(g, "v")
    p = r["p"].to_numpy()
    # Benjamini-Hochberg by hand: p_(i) * n / i, then cumulative minimum from the largest.
    order = np.argsort(p)
    n = len(p)
    adj_sorted = np.minimum.accumulate((p[order] * n / np.arange(1, n + 1))[::-1])[::-1]
    adj = np.empty(n)
    adj[order] = np.minimum(adj_sorted, 1)
    assert_allclose(r["p_fdr"], adj, rtol=1e-12)
    # Same decision as esda.fdr's cut-off.
    cut = esda.fdr(p, 0.05)
    assert (r["significant"].to_numpy() == (p <= cut)).all()
    assert r["significant"].any()
    # bins from the FDR-adjusted p and the sign of z
    expected = np.sign(r["z"]) * np.select([adj <= 0.01, adj <= 0.05, adj <= 0.10], [3, 2, 1], 0)
    assert (r["bin"].to_numpy() == expected).all()
    assert r.n_hot == int(((r["bin"] > 0) & r["significant"]).sum())


def test_gi_bins_by_hand():
    z = np.array([3.1, 2.1, 1.7, 0.2, -1.7, -2.1, -3.1])
    p = np.array([0.002, 0.03, 0.08, 0.8, 0.09, 0.049, 0.01])
    assert gi_bins(z, p).tolist() == [3, 2, 1, 0, -1, -2, -3]


def test_gistar_island_reported_not_crashed():
    g = _lattice()
    island = gpd.GeoDataFrame({"v": [5]}, geometry=[box(5000, 5000, 5100, 5100)], crs=BNG)
    both = gpd.pd.concat([g, island], ignore_index=True)
    r = gistar(both, "v")
    assert r.islands == [100]
    assert np.isfinite(r["z"]).all()


def test_gistar_guardrails():
    g = _lattice()
    with pytest.raises(WorkbenchError, match="all values are zero"):
        gistar(g.assign(v=0), "v")
    with pytest.raises(WorkbenchError, match="column 'nope' not found"):
        gistar(g, "nope")
    with pytest.raises(WorkbenchError, match="expected 'queen', 'rook'"):
        gistar(g, "v", weights="bishop")
    with pytest.raises(WorkbenchError, match="missing/non-numeric"):
        gistar(g.assign(v=g["v"].where(g.index > 0)), "v")


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_gistar_generalised_boundaries_use_fuzzy_contiguity(caplog):
    # Squares shrunk by 0.3 m: neighbours are 0.6 m apart, so exact contiguity finds none.
    g = _lattice(side=7, seed=8)
    g["geometry"] = g.geometry.buffer(-0.3, join_style="mitre")
    r = gistar(g, "v")
    assert r.islands == []
    assert "fuzzy" in r.weights
    assert "using fuzzy contiguity" in caplog.text
    w = libpysal.weights.fuzzy_contiguity(g, buffering=True, buffer=1.0, predicate="intersects")
    ref = esda.G_Local(g["v"].to_numpy(float), w, transform="B", star=True, permutations=0)
    assert_allclose(r["z"], ref.Zs, rtol=1e-9)
    # the same neighbours as queen contiguity on the unshrunk squares
    assert_allclose(r["z"], gistar(_lattice(side=7, seed=8), "v")["z"], rtol=1e-9)


def test_gistar_zone_whose_neighbourhood_is_everything_is_untestable_not_a_crash():
    # 3 x 3 grid, queen: the centre's neighbourhood (itself + 8) is every zone, so its local
    # sum always equals the global sum, the variance is 0 and z = 0/0. Zones around it are
    # testable. With FDR the untestable zone must not crash the adjustment.
    cells = gpd.GeoDataFrame(
        {"count": [3, 0, 0, 0, 0, 0, 0, 0, 0]},
        geometry=[box(c, r, c + 1, r + 1) for r in range(3) for c in range(3)],
        crs="EPSG:27700",
    )
    with pytest.warns(UserWarning):  # fewer than 30 zones
        out = gistar(cells, "count", weights="queen", fdr=True)
    centre = out.iloc[4]
    assert math.isnan(centre["z"]) and math.isnan(centre["p"])
    assert not centre["significant"] and centre["bin"] == 0
    assert out.untestable == [out.index[4]]
    # the other 8 p-values are adjusted among themselves (m = 8), as scipy does on them alone
    others = out.drop(index=out.index[4])
    assert_allclose(others["p_fdr"], stats.false_discovery_control(others["p"], method="bh"))
