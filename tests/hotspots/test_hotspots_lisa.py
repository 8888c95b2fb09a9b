"""Tests for workbench.hotspots.lisa against esda and a hand formula."""

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pytest
import shapely
from numpy.testing import assert_allclose

from workbench.errors import WorkbenchError
from workbench.hotspots import lisa

BNG = "EPSG:27700"


def _lattice(side=8, seed=2):
    rng = np.random.default_rng(seed)
    x, y = np.meshgrid(np.arange(side), np.arange(side))
    x, y = x.ravel() * 100.0, y.ravel() * 100.0
    v = rng.poisson(np.where((x < 300) & (y < 300), 10, 2)).astype(float)
    v[-1] = 25.0  # a high outlier in a low area
    return gpd.GeoDataFrame({"v": v}, geometry=shapely.box(x, y, x + 100, y + 100), crs=BNG)


@pytest.mark.filterwarnings("ignore:The alternative hypothesis")
def test_lisa_matches_esda_and_hand_formula():
    g = _lattice()
    r = lisa(g, "v", permutations=199, seed=7, n_jobs=1)
    w = libpysal.weights.Queen.from_dataframe(g, use_index=False)
    y = g["v"].to_numpy()
    ref = esda.Moran_Local(y, w, transformation="r", permutations=199, seed=7, n_jobs=1)
    assert_allclose(r["I"], ref.Is, rtol=1e-10)
    assert_allclose(r["p"], ref.p_sim, rtol=1e-12)
    # Hand formula: I_i = (y_i - m) * sum_j w_ij (y_j - m) / m2, m2 = sum (y - m)^2 / (n - 1),
    # w row-standardised.
    w.transform = "r"
    dev = y - y.mean()
    lag = np.array([sum(wt * dev[j] for j, wt in zip(w.neighbors[i], w.weights[i], strict=True))
                    for i in range(len(y))])  # fmt: skip
    m2 = (dev**2).sum() / (len(y) - 1)
    assert_allclose(r["I"], dev * lag / m2, rtol=1e-10)
    # labels from the sign of the deviation and of its lag, for significant zones only
    sig = ref.p_sim <= 0.05
    hh = sig & (dev > 0) & (lag > 0)
    ll = sig & (dev < 0) & (lag < 0)
    hl = sig & (dev > 0) & (lag < 0)
    lh = sig & (dev < 0) & (lag > 0)
    assert (r["cluster"][hh] == "High-High").all()
    assert (r["cluster"][ll] == "Low-Low").all()
    assert (r["cluster"][hl] == "High-Low").all()
    assert (r["cluster"][lh] == "Low-High").all()
    assert (r["cluster"][~sig] == "Not significant").all()
    assert hh.any()
    assert r.permutations == 199 and r.seed == 7
    assert "n - 1" in r.variance


def test_lisa_reproducible_and_guardrails():
    g = _lattice()
    a = lisa(g, "v", permutations=99, seed=3, n_jobs=1)
    b = lisa(g, "v", permutations=99, seed=3, n_jobs=1)
    assert_allclose(a["p"], b["p"])
    with pytest.raises(WorkbenchError, match="at least 99"):
        lisa(g, "v", permutations=10)
    with pytest.raises(WorkbenchError, match="all values are zero"):
        lisa(g.assign(v=0.0), "v")


def test_lisa_island_not_significant_and_all_islands_refused():
    g = _lattice()
    island = gpd.GeoDataFrame({"v": [30.0]}, geometry=[shapely.box(9000, 9000, 9100, 9100)],
                              crs=BNG)  # fmt: skip
    both = gpd.pd.concat([g, island], ignore_index=True)
    r = lisa(both, "v", permutations=99, seed=1, n_jobs=2)
    assert r.islands == [64]
    assert r["cluster"].iloc[64] == "Not significant"
    assert r["I"].iloc[64] == 0.0
    apart = gpd.GeoDataFrame({"v": np.arange(40.0)},
                             geometry=[shapely.box(i * 1000, 0, i * 1000 + 10, 10)
                                       for i in range(40)], crs=BNG)  # fmt: skip
    with pytest.raises(WorkbenchError, match="none of the 40 zones has a neighbour"):
        lisa(apart, "v")
