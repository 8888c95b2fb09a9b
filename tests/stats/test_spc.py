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
    assert_allclose(out["mean"].dropna().iloc[-1], 13.25, rtol=1e-12)
    assert_allclose(out["mr_bar"].dropna().iloc[-1], mr_bar, rtol=1e-12)
    assert_allclose(out["upper_limit"].iloc[0], 13.25 + 2.66 * mr_bar, rtol=1e-12)
    assert_allclose(out["lower_limit"].iloc[0], 13.25 - 2.66 * mr_bar, rtol=1e-12)
    # NHSRplotthedots' near-limit lines: mean +/- (2/3) x 2.66 x mR-bar
    assert_allclose(out["upper_2sigma"].iloc[0], 13.25 + 2 / 3 * 2.66 * mr_bar, rtol=1e-12)
    # 3.267 x 19/7 = 8.87: no moving range is screened out
    assert not out["screened"].any()
    assert_allclose(out["moving_range"].iloc[1:], [3, 4, 3, 1, 3, 4, 1])
    assert np.isnan(out["moving_range"].iloc[0])
    assert not out["special_cause"].any()


def test_point_beyond_limits() -> None:
    x = [10, 11, 10, 12, 11, 10, 11, 30, 11, 10]
    # mean = 126/10 = 12.6; mR = 1,1,2,1,1,1,19,19,1 -> 46/9 = 5.11; unscreened
    # UCL = 12.6 + 2.66*46/9 = 26.195. Screened: 3.267 x 46/9 = 16.70, so both 19s go and
    # mR-bar = (1+1+2+1+1+1+1)/7 = 8/7; UCL = 12.6 + 2.66*8/7 = 15.64, LCL = 9.56
    raw = spc(x, screen_outliers=False)
    assert_allclose(raw["upper_limit"].iloc[0], 12.6 + 2.66 * 46 / 9, rtol=1e-12)
    out = spc(x)
    assert_allclose(out["upper_limit"].iloc[0], 12.6 + 2.66 * 8 / 7, rtol=1e-12)
    assert_allclose(out["lower_limit"].iloc[0], 12.6 - 2.66 * 8 / 7, rtol=1e-12)
    assert out["screened"].tolist() == [False] * 7 + [True, True, False]
    for o in (raw, out):
        assert o["beyond_limits"].tolist() == [False] * 7 + [True] + [False] * 2
        assert o["signal"].iloc[7] == "above upper limit"


def test_run_of_seven_below_mean() -> None:
    # seven points below the mean (5 < 8.4), then higher points
    x = [5, 5, 5, 5, 5, 5, 5, 13, 14, 12, 13, 14, 12]
    out = spc(x)
    assert out["mean"].dropna().iloc[-1] == pytest.approx(sum(x) / 13)
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
    x = np.array([10, 10, 11, 10, 9, 10, 11, 10, 10, 14, 11, 14, 10, 10, 9, 10], dtype=float)
    # mean = 169/16 = 10.5625; mR = 0,1,1,1,1,1,1,0,4,3,3,4,0,1,1 -> 22/15 (none >= 3.267 x
    # 22/15 = 4.79, so none screened); 2-sigma line 10.5625 + (2/3)(2.66)(22/15) = 13.163,
    # UCL 10.5625 + 2.66 x 22/15 = 14.464. Points 9 and 11 (14) lie between them, and the
    # window 14, 11, 14 is wholly above the mean: both flagged.
    out = spc(x)
    assert_allclose(out["upper_2sigma"].iloc[0], 10.5625 + 2 / 3 * 2.66 * 22 / 15, rtol=1e-12)
    assert out["two_of_three"].tolist() == [i in (9, 11) for i in range(len(x))]
    assert not out["beyond_limits"].any()
    assert out["signal"].iloc[9] == "2 of 3 above 2 sigma"


def test_two_of_three_needs_one_side_of_the_mean() -> None:
    # NHSRplotthedots' own case: symmetrical data with two successive points close to the
    # limits on opposite sides of the mean are common cause.
    x = np.array([1.0, -1.0] * 8)
    x[14], x[15] = 5.5, -5.5
    out = spc(x)
    assert out["point_type"].tolist()[-2:] == ["common cause", "common cause"]


def test_baseline_and_index() -> None:
    idx = pd.period_range("2021-01", periods=6, freq="M")
    s = pd.Series([4.0, 6, 5, 7, 20, 22], index=idx)
    out = spc(s, baseline=4)
    assert list(out.index) == list(idx)
    assert_allclose(out["mean"].dropna().iloc[-1], 5.5)
    assert_allclose(out["mr_bar"].dropna().iloc[-1], 5 / 3)  # 2, 1, 2 over the baseline
    assert out["beyond_limits"].tolist() == [False] * 4 + [True, True]


def test_errors() -> None:
    with pytest.raises(WorkbenchError, match="at least 2"):
        spc([1])
    with pytest.raises(WorkbenchError, match="two consecutive observed values"):
        spc([1, np.nan, 3])  # no moving range: each value sits next to the gap
    with pytest.raises(WorkbenchError, match="position 1"):
        spc([1, np.inf, 3])
    with pytest.raises(WorkbenchError, match="improvement"):
        spc([1, 2, 3], improvement="up")
    with pytest.raises(WorkbenchError, match="recalc_from"):
        spc([1, 2, 3], index=["a", "b", "c"], recalc_from="z")
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


# R: set.seed(123); rnorm(20) (R's published values, 8 decimals)
RNORM_123 = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499,
             0.46091621, -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383,
             0.40077145, 0.11068272, -0.55584113, 1.78691314, 0.49785048, -1.96661716,
             0.70135590, -0.47279141]  # fmt: skip


def _hand_xmr(y: list[float], screen: bool) -> tuple[float, float, float]:
    """Mean and limits written out with plain Python, step by step."""
    mean = sum(y) / len(y)
    mr = [abs(b - a) for a, b in zip(y[:-1], y[1:], strict=True)]
    amr = sum(mr) / len(mr)
    if screen:
        kept = [m for m in mr if m < 3.267 * amr]
        amr = sum(kept) / len(kept)
    return mean, mean - 2.66 * amr, mean + 2.66 * amr


def test_nhsrplotthedots_published_limits() -> None:
    """NHSRplotthedots tests/testthat/test-ptd_spc_standard.R and its snapshot
    (_snaps/ptd_spc_standard.md): rnorm(20) with seed 123, then y[15] <- 10."""
    y = list(RNORM_123)
    r1 = spc(y)
    # published: mean 0.1416238, limits -3.01138 / 3.294627 (nothing screened)
    assert_allclose(r1["mean"].dropna().iloc[-1], 0.1416238, atol=1e-6)
    assert_allclose([r1["lower_limit"].iloc[0], r1["upper_limit"].iloc[0]],
                    [-3.01138, 3.294627], atol=1e-5)  # fmt: skip
    y[14] = 10.0
    screened, raw = spc(y), spc(y, screen_outliers=False)
    lo_s, up_s = screened["lower_limit"].iloc[0], screened["upper_limit"].iloc[0]
    lo_r, up_r = raw["lower_limit"].iloc[0], raw["upper_limit"].iloc[0]
    # published snapshot: mean 0.6694159; screened -2.383666 / 3.722497; unscreened
    # -4.596625 / 5.935457
    assert_allclose(screened["mean"].dropna().iloc[-1], 0.6694159, atol=1e-6)
    assert_allclose([lo_s, up_s], [-2.383666, 3.722497], atol=1e-5)
    assert_allclose([lo_r, up_r], [-4.596625, 5.935457], atol=1e-5)
    # and the hand computation from the same 20 values
    for got, screen in (((lo_s, up_s), True), ((lo_r, up_r), False)):
        mean, lo, up = _hand_xmr(y, screen)
        assert_allclose(got, (lo, up), atol=1e-12)
    # the figures quoted in the issue
    assert (round(lo_s, 2), round(up_s, 2)) == (-2.38, 3.72)
    assert (round(lo_r, 2), round(up_r, 2)) == (-4.60, 5.94)
    # the two moving ranges touching point 15 are the ones screened out
    assert screened["screened"].tolist() == [i in (14, 15) for i in range(20)]
    # published relative_to_mean (first 14 points) of the screened run
    side = np.sign(screened["value"] - screened["mean"]).tolist()[:14]
    assert side == [-1, -1, 1, -1, -1, 1, -1, -1, -1, -1, 1, -1, -1, -1]


def test_gaps_are_not_zero_and_break_moving_ranges() -> None:
    idx = pd.period_range("2021-01", periods=8, freq="M")
    s = pd.Series([10.0, 12, np.nan, 11, 13, np.nan, 12, 14], index=idx)
    out = spc(s)
    # observed: 10, 12, 11, 13, 12, 14 -> mean 72/6 = 12; moving ranges only between
    # neighbours both observed: |12-10| = 2, |13-11| = 2, |14-12| = 2 -> mR-bar 2
    assert_allclose(out["mean"].dropna().iloc[-1], 12.0)
    assert_allclose(out["mr_bar"].dropna().iloc[-1], 2.0)
    assert np.isnan(out["moving_range"].to_numpy()[[0, 2, 3, 5, 6]]).all()
    assert out["moving_range"].to_numpy()[[1, 4, 7]].tolist() == [2.0, 2.0, 2.0]
    assert out["point_type"].tolist()[2] == "missing" and out["signal"].iloc[5] == "missing"
    assert out["observed"].tolist() == [True, True, False, True, True, False, True, True]
    # the same series with the months left out of the index: the gaps are put back
    again = spc(s.dropna())
    assert list(again.index) == list(idx)
    assert_allclose(again["upper_limit"], out["upper_limit"])


def test_a_gap_breaks_a_run() -> None:
    # 4 low, a gap, 3 low: seven below the mean but not consecutive months
    x = [5, 5, 5, 5, np.nan, 5, 5, 5, 13, 14, 12, 13, 14, 12]  # six high: no run either
    assert not spc(x)["run"].any()
    x[4] = 5
    assert spc(x)["run"].iloc[:8].all()


def test_recalculated_limits() -> None:
    idx = pd.period_range("2022-01", periods=10, freq="M")
    s = pd.Series([10.0, 12, 11, 13, 12, 20, 22, 21, 23, 22], index=idx)
    out = spc(s, recalc_from="2022-06")
    assert out["segment"].tolist() == [0] * 5 + [1] * 5
    # before: mean 58/5 = 11.6, mR 2,1,2,1 -> 1.5; after: mean 108/5 = 21.6, mR 2,1,2,1 -> 1.5
    # (no moving range across the recalculation: |20 - 12| is not used)
    assert np.isnan(out["moving_range"].iloc[5])
    assert_allclose(out["mean"].to_numpy(), [11.6] * 5 + [21.6] * 5)
    assert_allclose(out["upper_limit"].to_numpy(), [11.6 + 3.99] * 5 + [21.6 + 3.99] * 5)
    assert not out["special_cause"].any()
    # one set of limits: the step up is a special cause
    assert spc(s)["special_cause"].any()
    firsts = [str(out.index[out["segment"] == k][0]) for k in sorted(out["segment"].unique())]
    assert firsts == ["2022-01", "2022-06"]


def test_improvement_and_concern_colours() -> None:
    x = [10, 11, 10, 12, 11, 10, 11, 30, 11, 10, 0]
    assert spc(x)["point_type"].iloc[7] == "special cause neutral"
    up = spc(x, improvement="increase")
    down = spc(x, improvement="decrease")
    assert up["point_type"].iloc[7] == "special cause improvement"
    assert down["point_type"].iloc[7] == "special cause concern"
    assert up["point_type"].iloc[10] == "special cause concern"
    assert up["point_type"].iloc[0] == "common cause"


def test_chart_states_rules_and_gaps() -> None:
    import matplotlib.pyplot as plt

    s = pd.Series(
        [10.0, 12, np.nan, 11, 13, 12, 40], index=pd.period_range("2021-01", periods=7, freq="M")
    )
    fig = spc_chart(s, improvement="decrease")
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "3.267" in texts and "7 on one side of the mean" in texts and "gaps" in texts
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert "missing (1 point)" in labels and "special cause concern" in labels
    line = fig.axes[0].lines[0]
    assert np.isnan(line.get_ydata()[2])  # the line breaks at the missing month
    plt.close(fig)
