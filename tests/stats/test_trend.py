"""Mann-Kendall tests against hand calculations, scipy.stats.kendalltau and pymannkendall."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats as sps

from workbench.errors import WorkbenchError
from workbench.stats import MannKendallResult, mann_kendall, mann_kendall_many


def _two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


def test_hand_calculation_with_ties() -> None:
    # x = 1, 2, 2, 3, 1
    # i=0 (1) vs 2,2,3,1: +1 +1 +1 0 = 3;  i=1 (2) vs 2,3,1: 0 +1 -1 = 0
    # i=2 (2) vs 3,1: +1 -1 = 0;           i=3 (3) vs 1: -1          => S = 2
    # var = [5*4*15 - (2*1*9) - (2*1*9)] / 18 = (300 - 36) / 18 = 14.6667
    # z (continuity) = (2 - 1) / sqrt(14.6667)
    r = mann_kendall([1, 2, 2, 3, 1])
    var = (300 - 36) / 18
    z = 1 / math.sqrt(var)
    assert r.s == 2
    assert r.n == 5
    assert_allclose(r.var_s, var, rtol=1e-12)
    assert_allclose(r.z, z, rtol=1e-12)
    assert_allclose(r.p, _two_sided_p(z), rtol=1e-9)
    assert_allclose(r.tau, 2 / 10, rtol=1e-12)
    assert r.trend == "no trend"
    assert r.continuity is True


def test_hand_calculation_three_way_tie_decreasing() -> None:
    # x = 9, 8, 8, 8, 5, 4, 3, 2 (n = 8): S counts pairs; the three 8s tie among themselves.
    x = [9, 8, 8, 8, 5, 4, 3, 2]
    s = 0
    for i in range(8):
        for j in range(i + 1, 8):
            s += (x[j] > x[i]) - (x[j] < x[i])
    assert s == -25  # 28 pairs, 3 ties, all others decreasing
    var = (8 * 7 * 21 - 3 * 2 * 11) / 18  # one group of t = 3
    z = (s + 1) / math.sqrt(var)
    r = mann_kendall(x)
    assert r.s == -25
    assert_allclose(r.var_s, var, rtol=1e-12)
    assert_allclose(r.z, z, rtol=1e-12)
    assert_allclose(r.p, _two_sided_p(z), rtol=1e-9)
    assert r.trend == "decreasing"


def test_no_continuity_matches_scipy_kendalltau() -> None:
    # scipy's kendalltau(t, x) against time (no ties in t) has the same S and tie-corrected
    # variance; its asymptotic p has no continuity correction. scipy returns tau-b.
    rng = np.random.default_rng(1)
    for _ in range(5):
        x = rng.integers(0, 6, size=24).astype(float)
        t = np.arange(24)
        ref = sps.kendalltau(t, x, method="asymptotic")
        r = mann_kendall(x, continuity=False)
        _, counts = np.unique(x, return_counts=True)
        n0 = 24 * 23 / 2
        n1 = float((counts * (counts - 1) / 2).sum())
        assert_allclose(r.s / math.sqrt(n0 * (n0 - n1)), ref.statistic, rtol=1e-10)  # tau-b
        assert_allclose(r.p, ref.pvalue, rtol=1e-8)
        assert_allclose(r.tau, r.s / n0, rtol=1e-12)  # we return tau-a


def test_many_matches_pymannkendall() -> None:
    mk = pytest.importorskip("pymannkendall")
    rng = np.random.default_rng(2)
    x = rng.poisson(3, size=(12, 30)).astype(float)
    x[3] += np.arange(30) * 0.4  # a clear upward trend in one row
    out = mann_kendall_many(x)
    for i in range(len(x)):
        ref = mk.original_test(x[i])
        assert_allclose(out.loc[i, "s"], ref.s, rtol=1e-12)
        assert_allclose(out.loc[i, "var_s"], ref.var_s, rtol=1e-12)
        assert_allclose(out.loc[i, "z"], ref.z, rtol=1e-10)
        assert_allclose(out.loc[i, "p"], ref.p, rtol=1e-8)
        assert_allclose(out.loc[i, "tau"], ref.Tau, rtol=1e-12)
        assert out.loc[i, "trend"] == ref.trend
    assert out.loc[3, "trend"] == "increasing"


def test_single_equals_many_row() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 15))
    out = mann_kendall_many(x)
    for i in range(4):
        r = mann_kendall(x[i])
        assert isinstance(r, MannKendallResult)
        assert r.s == out.loc[i, "s"] and r.p == out.loc[i, "p"]


def test_missing_values_are_dropped() -> None:
    x = np.array([[1.0, np.nan, 2.0, 5.0, np.nan, 4.0, 6.0]])
    out = mann_kendall_many(x)
    # by hand on 1, 2, 5, 4, 6: pairs 10, one discordant (5 > 4) -> S = 9 - 1 = 8;
    # var = 5 * 4 * 15 / 18 = 16.6667; z = 7 / sqrt(16.6667) = 1.714643
    assert out.loc[0, "n"] == 5
    assert out.loc[0, "s"] == 8
    assert_allclose(out.loc[0, "var_s"], 300 / 18, rtol=1e-12)
    assert_allclose(out.loc[0, "z"], 7 / math.sqrt(300 / 18), rtol=1e-12)
    assert_allclose(out.loc[0, "p"], _two_sided_p(7 / math.sqrt(300 / 18)), rtol=1e-9)
    assert_allclose(out.loc[0, "tau"], 0.8, rtol=1e-12)


def test_constant_and_short_rows_are_no_trend() -> None:
    out = mann_kendall_many(np.array([[0.0, 0, 0, 0, 0], [1.0, 2.0, np.nan, np.nan, np.nan]]))
    assert out["trend"].tolist() == ["no trend", "no trend"]
    assert out["p"].tolist() == [1.0, 1.0]
    assert out["z"].tolist() == [0.0, 0.0]


def test_dataframe_index_kept_and_errors() -> None:
    df = pd.DataFrame(np.arange(12.0).reshape(3, 4), index=["a", "b", "c"])
    assert list(mann_kendall_many(df).index) == ["a", "b", "c"]
    with pytest.raises(WorkbenchError, match="alpha"):
        mann_kendall_many(df, alpha=2)
    with pytest.raises(WorkbenchError, match="3 series, found 1 labels"):
        mann_kendall_many(df, index=["a"])
    with pytest.raises(WorkbenchError, match="2-D"):
        mann_kendall_many(np.zeros((2, 2, 2)))
    with pytest.raises(WorkbenchError, match="1-D"):
        mann_kendall(np.zeros((2, 2)))
    with pytest.raises(WorkbenchError, match="numbers"):
        mann_kendall(["a", "b", "c"])


def test_many_is_fast() -> None:
    rng = np.random.default_rng(4)
    x = rng.poisson(2, size=(10_000, 36)).astype(float)
    mann_kendall_many(x[:10])  # warm-up
    start = time.perf_counter()
    out = mann_kendall_many(x)
    elapsed = time.perf_counter() - start
    assert len(out) == 10_000
    assert elapsed < 1.0, f"10,000 x 36 took {elapsed:.2f}s"
