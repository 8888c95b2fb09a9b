"""Rates (exact Poisson / Byar) and proportions (Wilson) against independent values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import optimize, stats

from workbench.errors import WorkbenchError
from workbench.stats import poisson_interval, proportion, rate, wilson_interval, z_value

Z95 = 1.959963984540054  # Phi^-1(0.975)


def _garwood(o: int, conf: float = 0.95) -> tuple[float, float]:
    """Exact Poisson limits found by root-finding on the Poisson CDF (not the chi2 formula)."""
    a = (1 - conf) / 2
    lower = 0.0 if o == 0 else optimize.brentq(lambda m: stats.poisson.sf(o - 1, m) - a, 1e-12, 200)
    upper = optimize.brentq(lambda m: stats.poisson.cdf(o, m) - a, 1e-12, 200)
    return lower, upper


def test_z_values_in_guide() -> None:
    assert_allclose(z_value(0.95), 1.959964, rtol=1e-6)
    assert_allclose(z_value(0.998), 3.090232, rtol=1e-6)
    with pytest.raises(WorkbenchError, match="conf"):
        z_value(95)


@pytest.mark.parametrize("o", [0, 1, 2, 3, 5, 7, 9])
def test_exact_poisson_below_ten_matches_root_finding(o: int) -> None:
    lo, hi = _garwood(o)
    out = rate(o, 20_000)
    assert out["method"].iloc[0] == "exact Poisson (chi-square)"
    assert_allclose(out["lower"].iloc[0], lo / 20_000 * 10_000, rtol=1e-7, atol=1e-12)
    assert_allclose(out["upper"].iloc[0], hi / 20_000 * 10_000, rtol=1e-7)


def test_exact_poisson_published_table_values() -> None:
    # Exact 95% limits for small counts as tabulated (e.g. PHE/APHO technical briefing 3,
    # Table of Poisson limits): O=0 -> (0, 3.689), O=1 -> (0.0253, 5.572), O=5 -> (1.623, 11.668)
    lo, hi, _ = poisson_interval([0, 1, 5])
    assert_allclose(lo, [0.0, 0.0253, 1.6235], atol=6e-4)
    assert_allclose(hi, [3.6889, 5.5716, 11.6683], atol=6e-4)
    # and to full precision against scipy's chi-square quantiles
    assert_allclose(hi[1], stats.chi2.ppf(0.975, 4) / 2, rtol=1e-12)
    assert_allclose(lo[2], stats.chi2.ppf(0.025, 10) / 2, rtol=1e-12)


def test_byar_hand_calculation_o25() -> None:
    # O = 25, population 50,000, rate per 10,000. Byar, step by step:
    o, z = 25, Z95
    lower_count = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3  # 25*(1-0.004444-0.130664)^3
    upper_count = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    assert_allclose(lower_count, 16.17426, rtol=1e-5)  # written out: 25 * 0.8648913^3
    out = rate(25, 50_000)
    assert out["method"].iloc[0] == "Byar"
    assert_allclose(out["rate"].iloc[0], 5.0, rtol=1e-12)
    assert_allclose(out["lower"].iloc[0], lower_count / 50_000 * 10_000, rtol=1e-10)
    assert_allclose(out["upper"].iloc[0], upper_count / 50_000 * 10_000, rtol=1e-10)


@pytest.mark.parametrize("o", [10, 11, 50, 100, 1234])
def test_byar_close_to_exact_and_formula(o: int) -> None:
    z = Z95
    lo = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    hi = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    out = rate(o, 1_000, per=1_000)
    assert_allclose(out[["lower", "upper"]].iloc[0].to_numpy(), [lo, hi], rtol=1e-10)
    # Byar is an approximation to the exact limits: within 1% from O = 10
    ex_lo, ex_hi = _garwood(o) if o <= 150 else (stats.chi2.ppf(0.025, 2 * o) / 2, None)
    assert abs(lo / ex_lo - 1) < 0.01


def test_rate_99_8_percent_byar() -> None:
    o, z = 40, 3.090232306167813
    lo = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    hi = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    out = rate(o, 8_000, conf=0.998)
    assert_allclose(out["lower"].iloc[0], lo / 8_000 * 10_000, rtol=1e-9)
    assert_allclose(out["upper"].iloc[0], hi / 8_000 * 10_000, rtol=1e-9)


def test_rate_vectorised_keeps_series_index() -> None:
    counts = pd.Series([0, 4, 30], index=["E01", "E02", "E03"])
    pop = pd.Series([1500, 1600, 1700], index=["E01", "E02", "E03"])
    out = rate(counts, pop)
    assert list(out.index) == ["E01", "E02", "E03"]
    assert list(out.columns) == ["count", "population", "rate", "lower", "upper", "method"]
    assert_allclose(out["rate"], [0.0, 4 / 1600 * 1e4, 30 / 1700 * 1e4], rtol=1e-12)
    assert out["method"].tolist() == ["exact Poisson (chi-square)"] * 2 + ["Byar"]
    # population given in a different order is aligned on labels
    out2 = rate(counts, pop.iloc[::-1])
    assert_allclose(out2["rate"], out["rate"], rtol=1e-12)
    # scalar population is broadcast
    assert len(rate(np.array([1, 2, 3]), 1000)) == 3


def test_rate_errors_name_argument_and_position() -> None:
    with pytest.raises(WorkbenchError, match=r"population must be > 0.*'E02' \(position 1\)"):
        rate(pd.Series([1, 2], index=["E01", "E02"]), pd.Series([10, 0], index=["E01", "E02"]))
    with pytest.raises(WorkbenchError, match="position 0"):
        rate([-1], [10])
    with pytest.raises(WorkbenchError, match="same length"):
        rate([1, 2, 3], [10, 20])
    with pytest.raises(WorkbenchError, match="different index"):
        rate(pd.Series([1], index=["a"]), pd.Series([10], index=["b"]))
    with pytest.raises(WorkbenchError, match="finite"):
        rate([np.nan], [10])
    with pytest.raises(WorkbenchError, match="per"):
        rate(1, 10, per=0)


def test_wilson_hand_calculation() -> None:
    # x = 8, n = 40: (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))
    x, n, z = 8, 40, Z95
    root = z * math.sqrt(z**2 + 4 * x * (1 - x / n))
    lo = (2 * x + z**2 - root) / (2 * (n + z**2))
    hi = (2 * x + z**2 + root) / (2 * (n + z**2))
    out = proportion(8, 40)
    assert_allclose(out[["lower", "upper"]].iloc[0].to_numpy(), [lo, hi], rtol=1e-12)
    assert_allclose([lo, hi], [0.105000, 0.347573], rtol=1e-5)


@pytest.mark.parametrize(
    ("x", "n", "conf"),
    [
        (0, 10, 0.95),
        (1, 10, 0.95),
        (5, 10, 0.95),
        (10, 10, 0.95),
        (37, 250, 0.95),
        (3, 1000, 0.95),
        (120, 130, 0.998),
        (0, 5, 0.998),
        (45, 90, 0.9),
    ],
)
def test_wilson_matches_statsmodels(x: int, n: int, conf: float) -> None:
    sm = pytest.importorskip("statsmodels.stats.proportion")
    ref_lo, ref_hi = sm.proportion_confint(x, n, alpha=1 - conf, method="wilson")
    out = proportion(x, n, conf=conf)
    assert_allclose(out["lower"].iloc[0], ref_lo, rtol=1e-9, atol=1e-14)
    assert_allclose(out["upper"].iloc[0], ref_hi, rtol=1e-9)
    assert 0 <= out["lower"].iloc[0] <= out["proportion"].iloc[0] <= out["upper"].iloc[0] <= 1


def test_proportion_vectorised_and_errors() -> None:
    num = pd.Series([1, 5], index=["a", "b"])
    out = proportion(num, pd.Series([10, 20], index=["a", "b"]))
    assert list(out.index) == ["a", "b"]
    assert_allclose(out["proportion"], [0.1, 0.25])
    # Wilson by hand: x=1, n=10 and x=5, n=20 (z^2 = 3.841459)
    z2 = Z95**2
    hand = [
        (2 * x + z2 - Z95 * math.sqrt(z2 + 4 * x * (1 - x / n))) / (2 * (n + z2))
        for x, n in ((1, 10), (5, 20))
    ]
    assert_allclose(out["lower"], hand, rtol=1e-12)
    assert_allclose(hand, [0.0178762, 0.1118617], rtol=1e-5)  # statsmodels, to 7 places
    lo, hi = wilson_interval([1, 5], [10, 20])
    assert_allclose(lo, hand, rtol=1e-12)
    with pytest.raises(WorkbenchError, match="denominator must be > 0"):
        proportion(0, 0)
    with pytest.raises(WorkbenchError, match="between 0 and the denominator"):
        proportion(11, 10)


def test_inputs_analysts_pass() -> None:
    # numpy scalars for per and conf, as they come out of a DataFrame or a config
    out = rate(3, np.int64(1_000), per=np.int64(1_000), conf=np.float64(0.95))
    assert_allclose(out["rate"].iloc[0], 3.0)
    # an empty Series with a scalar population gives an empty table, not an error
    empty = rate(pd.Series([], dtype=float), 1_000)
    assert empty.empty and list(empty.columns)[:3] == ["count", "population", "rate"]
    # nullable integers with a missing value: a clear error naming the label
    with pytest.raises(WorkbenchError, match=r"count must be finite.*'b' \(position 1\)"):
        rate(pd.Series([1, None], index=["a", "b"], dtype="Int64"), 100)
    with pytest.raises(WorkbenchError, match="population must be numbers"):
        rate(3, "abc")
    with pytest.raises(WorkbenchError, match="per must be"):
        rate(3, 100, per=True)
    with pytest.raises(WorkbenchError, match="count must be >= 0, found -1"):
        poisson_interval([2, -1])
    lo, hi, _ = poisson_interval([np.nan])
    assert np.isnan(lo).all() and np.isnan(hi).all()
