"""XmR chart against hand calculations of the mean, moving ranges and each rule."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

from workbench.errors import WorkbenchError  # noqa: E402
from workbench.stats import spc, spc_chart  # noqa: E402


def test_limits_hand_calculation() -> None:
    x = [12, 15, 11, 14, 13, 16, 12, 13]
    # mean = 106 / 8 = 13.25; moving ranges 3,4,3,1,3,4,1 -> mR-bar = 19 / 7
    out = spc(x)
    mr_bar = 19 / 7
    assert_allclose(out.attrs["mean"], 13.25, rtol=1e-12)
    assert_allclose(out.attrs["mr_bar"], mr_bar, rtol=1e-12)
    assert_allclose(out["upper_limit"].iloc[0], 13.25 + 2.66 * mr_bar, rtol=1e-12)
    assert_allclose(out["lower_limit"].iloc[0], 13.25 - 2.66 * mr_bar, rtol=1e-12)
    assert_allclose(out["upper_2sigma"].iloc[0], 13.25 + 2 * mr_bar / 1.128, rtol=1e-12)
    assert_allclose(out["moving_range"].iloc[1:], [3, 4, 3, 1, 3, 4, 1])
    assert np.isnan(out["moving_range"].iloc[0])
    assert not out["special_cause"].any()


def test_point_beyond_limits() -> None:
    x = [10, 11, 10, 12, 11, 10, 11, 30, 11, 10]
    # mean = 126/10 = 12.6; mR = 1,1,2,1,1,1,19,19,1 -> 46/9; UCL = 12.6 + 2.66*46/9 = 26.195
    out = spc(x)
    assert_allclose(out["upper_limit"].iloc[0], 12.6 + 2.66 * 46 / 9, rtol=1e-12)
    assert out["beyond_limits"].tolist() == [False] * 7 + [True] + [False] * 2
    assert out["signal"].iloc[7] == "above upper limit"


def test_run_of_seven_below_mean() -> None:
    # seven points below the mean (5 < 8.4), then higher points
    x = [5, 5, 5, 5, 5, 5, 5, 13, 14, 12, 13, 14, 12]
    out = spc(x)
    assert out.attrs["mean"] == pytest.approx(sum(x) / 13)
    assert out["run"].tolist()[:7] == [True] * 7
    assert not out["run"].iloc[7:].any()  # six above: not a run of seven
    assert "run below mean" in out["signal"].iloc[0]


def test_six_is_not_a_run() -> None:
    x = [5, 5, 5, 5, 5, 5, 13, 14, 12, 13, 14, 12, 13]
    assert not spc(x)["run"].iloc[:6].any()


def test_trend_of_seven() -> None:
    x = [10, 9, 10, 11, 12, 13, 14, 15, 16, 12, 10, 11]
    # 9 < 10 < 11 < ... < 16: positions 1..8 are 8 points each higher than the one before
    out = spc(x)
    assert out["trend"].tolist() == [False] + [True] * 8 + [False] * 3
    # six rising points (five rises) do not signal
    assert not spc([10, 9, 10, 11, 12, 13, 14, 12, 11, 12, 13, 12])["trend"].any()
    # an equal value breaks a trend
    assert not spc([1, 2, 3, 3, 4, 5, 6, 7, 3, 2])["trend"].any()


def test_two_of_three_beyond_two_sigma() -> None:
    x = np.array([10, 10, 11, 10, 9, 10, 11, 10, 10, 15, 10, 15, 10, 10, 9, 10], dtype=float)
    out = spc(x)
    mean = x.mean()
    sigma = np.abs(np.diff(x)).mean() / 1.128
    beyond = x > mean + 2 * sigma
    assert beyond[[9, 11]].all() and beyond.sum() == 2  # hand check of the construction
    assert out["two_of_three"].tolist() == [i in (9, 11) for i in range(len(x))]
    assert not out["beyond_limits"].any()


def test_baseline_and_index() -> None:
    idx = pd.period_range("2021-01", periods=6, freq="M")
    s = pd.Series([4.0, 6, 5, 7, 20, 22], index=idx)
    out = spc(s, baseline=4)
    assert list(out.index) == list(idx)
    assert_allclose(out.attrs["mean"], 5.5)
    assert_allclose(out.attrs["mr_bar"], 5 / 3)  # 2, 1, 2 over the baseline
    assert out["beyond_limits"].tolist() == [False] * 4 + [True, True]


def test_errors() -> None:
    with pytest.raises(WorkbenchError, match="at least 2"):
        spc([1])
    with pytest.raises(WorkbenchError, match="position 1"):
        spc([1, np.nan, 3])
    with pytest.raises(WorkbenchError, match="baseline"):
        spc([1, 2, 3], baseline=9)


def test_chart() -> None:
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    fig = spc_chart([10, 11, 10, 12, 11, 10, 11, 30, 11, 10], title="Drugs")
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_title() == "Drugs"
    plt.close(fig)


def test_index_must_match_values() -> None:
    with pytest.raises(WorkbenchError, match="3 values, found 2 labels"):
        spc([1, 2, 3], index=["a", "b"])
