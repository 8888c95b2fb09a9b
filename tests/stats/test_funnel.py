"""Funnel-plot limits and classification against hand calculations and scipy."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402
from scipy import optimize, stats  # noqa: E402

from workbench.errors import WorkbenchError  # noqa: E402
from workbench.stats import funnel_baseline, funnel_classify, funnel_limits, funnel_plot  # noqa: E402

Z95 = 1.959963984540054
Z998 = 3.090232306167813


def _wilson(x: float, n: float, z: float) -> tuple[float, float]:
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def _limit(p0: float, n: float, z: float) -> tuple[float, float]:
    # hand form of the inverted Wilson limits: p0 -/+ z sqrt(p0 (1 - p0) / n)
    half = z * math.sqrt(p0 * (1 - p0) / n)
    return max(0.0, p0 - half), min(1.0, p0 + half)


@pytest.mark.parametrize("n", [20, 100, 1000])
def test_proportion_limits_hand_form(n: int) -> None:
    out = funnel_limits(0.2, [n], kind="proportion")
    assert_allclose(
        out[["lower_95", "upper_95", "lower_998", "upper_998"]].iloc[0].to_numpy(),
        [*_limit(0.2, n, Z95), *_limit(0.2, n, Z998)],
        rtol=1e-9,
    )


@pytest.mark.parametrize(("p0", "n"), [(0.2, 20), (0.2, 100), (0.35, 1000), (0.9, 60)])
def test_proportion_limits_are_inverted_wilson_statsmodels(p0: float, n: int) -> None:
    # definition (PHE Fingertips): at the upper limit U the observed proportion's Wilson
    # lower bound equals the target; at the lower limit L its Wilson upper bound does.
    sm = pytest.importorskip("statsmodels.stats.proportion")
    out = funnel_limits(p0, [n]).iloc[0]
    checked = 0
    for level, tag in ((0.95, "95"), (0.998, "998")):
        upper, lower = out[f"upper_{tag}"], out[f"lower_{tag}"]
        if upper < 1:  # limits clipped at 0 or 1 have no Wilson counterpart
            lo_of_upper, _ = sm.proportion_confint(upper * n, n, 1 - level, "wilson")
            assert_allclose(lo_of_upper, p0, rtol=1e-9)
            checked += 1
        if lower > 0:
            _, hi_of_lower = sm.proportion_confint(lower * n, n, 1 - level, "wilson")
            assert_allclose(hi_of_lower, p0, rtol=1e-9)
            checked += 1
    assert checked >= 3


@pytest.mark.parametrize("pop", [2_000, 15_000, 120_000])
def test_rate_limits_are_inverted_exact_poisson(pop: int) -> None:
    target = 35.0  # per 10,000
    e = target * pop / 10_000  # expected count, e.g. 7.0, 52.5, 420
    out = funnel_limits(target, [pop], kind="rate").iloc[0]
    for level, tag in ((0.95, "95"), (0.998, "998")):
        a = 1 - level
        o_up = out[f"upper_{tag}"] * pop / 1e4
        o_low = out[f"lower_{tag}"] * pop / 1e4
        # the upper limit's exact lower bound is E; the lower limit's exact upper bound is E
        assert_allclose(stats.chi2.ppf(a / 2, 2 * o_up) / 2, e, rtol=1e-8)
        assert_allclose(stats.chi2.ppf(1 - a / 2, 2 * o_low + 2) / 2, e, rtol=1e-8)


def test_rate_limit_at_integer_count_matches_poisson_root_finding() -> None:
    # choose the population at which 20 events sit exactly on the 95% upper limit: the
    # expected count there is the exact lower limit of 20, found from the Poisson tail
    m = optimize.brentq(lambda mu: stats.poisson.sf(19, mu) - 0.025, 1, 40, xtol=1e-14)
    target = 50.0  # per 10,000
    pop = m / target * 10_000
    out = funnel_limits(target, [pop], kind="rate")
    assert_allclose(out["upper_95"].iloc[0], 20 / pop * 10_000, rtol=1e-8)


def test_small_expected_counts_clip_lower_limit_at_zero() -> None:
    out = funnel_limits(10.0, [500], kind="rate")  # E = 0.5
    assert out["lower_95"].iloc[0] == 0.0
    assert out["upper_95"].iloc[0] > 0


def test_limits_narrow_as_denominator_grows() -> None:
    out = funnel_limits(0.3, denominator_range=(10, 10_000), points=50)
    assert len(out) == 50
    width = out["upper_95"] - out["lower_95"]
    assert (np.diff(width.to_numpy()) < 0).all()
    assert (out["lower_998"] <= out["lower_95"]).all()
    assert (out["upper_998"] >= out["upper_95"]).all()


def test_baseline_and_classification() -> None:
    # five areas, proportion, against a given target of 0.25
    num = pd.Series([10, 64, 25, 165, 0], index=["A", "B", "C", "D", "E"])
    den = pd.Series([100, 200, 100, 500, 100], index=num.index)
    assert funnel_baseline(num, den) == pytest.approx(264 / 1000, rel=1e-12)
    out = funnel_classify(num, den, target=0.25)
    # hand checks of each area against the limits at its own denominator
    assert 0.10 < _limit(0.25, 100, Z998)[0]  # A below the 99.8% limit
    assert _limit(0.25, 200, Z95)[1] < 0.32 < _limit(0.25, 200, Z998)[1]  # B above 95% only
    assert _limit(0.25, 500, Z998)[1] < 0.33  # D above 99.8%
    # equivalently, B's own Wilson 95% interval excludes the target, its 99.8% one does not
    assert _wilson(64, 200, Z95)[0] > 0.25 > _wilson(64, 200, Z998)[0]
    assert_allclose(out.loc["B", "upper_95"], _limit(0.25, 200, Z95)[1], rtol=1e-12)
    assert out["classification"].to_dict() == {
        "A": "below 99.8% limit",
        "B": "above 95% limit",
        "C": "within 95% limits",
        "D": "above 99.8% limit",
        "E": "below 99.8% limit",
    }


def test_rate_classification_with_given_target() -> None:
    # target 20 per 10,000 at population 10,000: expected 20 events. An area is above the 95%
    # limit when its own exact 95% lower limit exceeds 20:
    assert stats.chi2.ppf(0.025, 60) / 2 > 20  # 30 events: lower limit about 20.24
    assert stats.chi2.ppf(0.025, 58) / 2 < 20  # 29 events: about 19.42
    out = funnel_classify([30, 29, 20], [10_000, 10_000, 10_000], kind="rate", target=20.0)
    assert out["classification"].tolist() == [
        "above 95% limit",
        "within 95% limits",
        "within 95% limits",
    ]


def test_funnel_errors() -> None:
    with pytest.raises(WorkbenchError, match="kind"):
        funnel_limits(0.1, [10], kind="ratio")
    with pytest.raises(WorkbenchError, match="denominator_range"):
        funnel_limits(0.1)
    with pytest.raises(WorkbenchError, match="between 0 and 1"):
        funnel_limits(1.5, [10])
    with pytest.raises(WorkbenchError, match="numerator"):
        funnel_classify([11], [10])
    with pytest.raises(WorkbenchError, match="per must be a positive number, found 0"):
        funnel_classify([1, 2], [10, 20], kind="rate", per=0)
    with pytest.raises(WorkbenchError, match="target must be a number, found '0.2'"):
        funnel_limits("0.2", [10])
    with pytest.raises(WorkbenchError, match=r"denominators must be numbers > 0, found \['a'\]"):
        funnel_limits(0.2, ["a"])
    with pytest.raises(WorkbenchError, match="denominators must be finite numbers > 0, found 0"):
        funnel_limits(0.2, [10, 0])
    with pytest.raises(WorkbenchError, match=r"levels must be .* found \[95\]"):
        funnel_limits(0.2, [10], levels=[95])


def test_funnel_plot_returns_figure() -> None:
    from matplotlib.figure import Figure

    num = pd.Series([10, 60, 25, 155], index=["A", "B", "C", "D"])
    den = pd.Series([100, 200, 100, 500], index=num.index)
    fig = funnel_plot(num, den, highlight="B", title="Test")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "Test"
    assert len(ax.lines) == 5  # baseline and four limits
    import matplotlib.pyplot as plt

    plt.close(fig)
