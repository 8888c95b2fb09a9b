"""Statistical process control: XmR (individuals) charts with the usual special-cause rules."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["XMR_CONSTANT", "D2", "RUN_LENGTH", "spc", "spc_chart"]

logger = logging.getLogger(__name__)

#: Natural process limits are mean +/- 2.66 x the average moving range (3 / d2).
XMR_CONSTANT = 2.66
#: Bias-correction constant d2 for moving ranges of two points: sigma = mR-bar / 1.128.
D2 = 1.128
#: Points in a run (one side of the mean) or a trend (each higher / lower) that signal.
RUN_LENGTH = 7


def _runs(flags: np.ndarray, length: int) -> np.ndarray:
    """True for every point inside a stretch of >= ``length`` consecutive True flags."""
    out = np.zeros(len(flags), dtype=bool)
    start = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= length:
                out[start:i] = True
            start = None
    return out


def _trend(x: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Points in a run of ``length`` points each higher (or each lower) than the one before."""
    n = len(x)
    up = np.zeros(n, dtype=bool)
    down = np.zeros(n, dtype=bool)
    if n < 2:
        return up, down
    rise = np.diff(x) > 0
    fall = np.diff(x) < 0
    # a stretch of (length - 1) successive rises covers `length` points
    for steps, out in ((rise, up), (fall, down)):
        marked = _runs(steps, length - 1)
        idx = np.flatnonzero(marked)
        out[idx] = True
        out[idx + 1] = True
    return up, down


def _two_of_three(beyond: np.ndarray) -> np.ndarray:
    """Points beyond 2 sigma (one side) that sit in a window of 3 with >= 2 such points."""
    n = len(beyond)
    out = np.zeros(n, dtype=bool)
    for start in range(max(0, n - 2)):
        window = beyond[start : start + 3]
        if window.sum() >= 2:
            out[start : start + 3] |= window
    return out


def spc(
    values: Any,
    index: Any = None,
    *,
    baseline: int | None = None,
) -> pd.DataFrame:
    """XmR (individuals and moving range) chart with special-cause flags.

    Conventions
    -----------
    - Centre line: the mean of the points (of the first ``baseline`` points if given).
    - Moving range ``mR_i = |x_i - x_(i-1)|``; ``mR-bar`` is their mean (over the baseline).
    - Process limits ``mean +/- 2.66 * mR-bar``; ``sigma = mR-bar / 1.128``. Limits are not
      clipped at zero.
    - Special-cause rules, each flagging every point involved:
      ``beyond_limits`` (above the upper or below the lower limit); ``run`` (7 or more
      consecutive points on the same side of the mean; a point on the mean breaks the run);
      ``trend`` (7 or more consecutive points each higher, or each lower, than the one
      before; an equal value breaks it); ``two_of_three`` (2 of 3 consecutive points beyond
      2 sigma on the same side of the mean; the points beyond 2 sigma are flagged).

    Parameters
    ----------
    values : array-like or Series
        The measurements in time order (for example monthly counts). No missing values.
    index : array-like, optional
        Labels (for example months); default the Series index or 0..n-1.
    baseline : int, optional
        Compute the mean and limits from the first ``baseline`` points only.

    Returns
    -------
    pandas.DataFrame
        Columns ``value``, ``moving_range``, ``mean``, ``lower_limit``, ``upper_limit``,
        ``lower_2sigma``, ``upper_2sigma``, ``beyond_limits``, ``run``, ``trend``,
        ``two_of_three``, ``special_cause`` (any rule) and ``signal`` (a short text of the
        rules met, with the direction, e.g. "run above mean"). ``attrs`` holds ``mean``,
        ``mr_bar`` and ``sigma``.

    Examples
    --------
    >>> out = spc([10, 12, 11, 13, 12, 40])
    >>> round(out.attrs["mr_bar"], 2), bool(out["beyond_limits"].iloc[-1])
    (6.8, True)
    """
    if index is None and isinstance(values, pd.Series):
        index = values.index
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise WorkbenchError(f"values must be numbers in time order, found {values!r:.80}") from exc
    if x.ndim != 1:
        raise WorkbenchError(f"values must be one series (1-D), found shape {x.shape}")
    if len(x) < 2:
        raise WorkbenchError(f"an XmR chart needs at least 2 values, found {len(x)}")
    if not np.isfinite(x).all():
        pos = int(np.flatnonzero(~np.isfinite(x))[0])
        raise WorkbenchError(
            f"values must not be missing or infinite, found {x[pos]} at position {pos}"
        )
    if index is not None and len(index) != len(x):
        raise WorkbenchError(
            f"index must have one label per value: {len(x)} values, found {len(index)} labels"
        )
    if baseline is not None and not 2 <= baseline <= len(x):
        raise WorkbenchError(f"baseline must be between 2 and {len(x)} points, found {baseline!r}")
    base = x[: baseline or len(x)]
    mean = float(base.mean())
    mr = np.abs(np.diff(x))
    mr_bar = float(np.abs(np.diff(base)).mean())
    sigma = mr_bar / D2
    upper, lower = mean + XMR_CONSTANT * mr_bar, mean - XMR_CONSTANT * mr_bar
    up2, lo2 = mean + 2 * sigma, mean - 2 * sigma

    above_limit, below_limit = x > upper, x < lower
    run_up, run_down = _runs(x > mean, RUN_LENGTH), _runs(x < mean, RUN_LENGTH)
    trend_up, trend_down = _trend(x, RUN_LENGTH)
    two_up, two_down = _two_of_three(x > up2), _two_of_three(x < lo2)

    parts = [
        (above_limit, "above upper limit"),
        (below_limit, "below lower limit"),
        (run_up, "run above mean"),
        (run_down, "run below mean"),
        (trend_up, "increasing trend"),
        (trend_down, "decreasing trend"),
        (two_up, "2 of 3 above 2 sigma"),
        (two_down, "2 of 3 below 2 sigma"),
    ]
    signal = ["; ".join(text for flags, text in parts if flags[i]) for i in range(len(x))]
    out = pd.DataFrame(
        {
            "value": x,
            "moving_range": np.concatenate([[np.nan], mr]),
            "mean": mean,
            "lower_limit": lower,
            "upper_limit": upper,
            "lower_2sigma": lo2,
            "upper_2sigma": up2,
            "beyond_limits": above_limit | below_limit,
            "run": run_up | run_down,
            "trend": trend_up | trend_down,
            "two_of_three": two_up | two_down,
        },
        index=index,
    )
    out["special_cause"] = out[["beyond_limits", "run", "trend", "two_of_three"]].any(axis=1)
    out["signal"] = signal
    out.attrs.update(
        {
            "chart": "XmR",
            "mean": mean,
            "mr_bar": mr_bar,
            "sigma": sigma,
            "limits": f"mean +/- {XMR_CONSTANT} x mR-bar; sigma = mR-bar / {D2}",
            "baseline_points": int(len(base)),
        }
    )
    return out


def spc_chart(
    values: Any,
    index: Any = None,
    *,
    baseline: int | None = None,
    title: str | None = None,
    ylabel: str = "value",
    ax: Axes | None = None,
) -> Figure:
    """Draw an XmR chart (matplotlib): points, mean, process limits and special causes.

    Parameters
    ----------
    values : array-like, Series or the DataFrame returned by :func:`spc`
        The measurements in time order.
    index, baseline
        As in :func:`spc`.
    title : str, optional
        Chart title.
    ylabel : str, default "value"
        Y-axis label.
    ax : matplotlib Axes, optional
        Draw into these axes.

    Returns
    -------
    matplotlib.figure.Figure
        Special-cause points are drawn in orange; the legend names the rules.
    """
    import matplotlib.pyplot as plt

    table = (
        values
        if isinstance(values, pd.DataFrame) and "signal" in values
        else spc(values, index, baseline=baseline)
    )
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 4))
    else:
        fig = ax.figure
    labels = table.index
    x = np.arange(len(table))
    ax.plot(x, table["value"], "-", color="grey", lw=1, zorder=1)
    normal = ~table["special_cause"].to_numpy()
    ax.scatter(
        x[normal],
        table["value"].to_numpy()[normal],
        s=18,
        color="tab:blue",
        zorder=2,
        label="common cause",
    )
    if (~normal).any():
        ax.scatter(
            x[~normal],
            table["value"].to_numpy()[~normal],
            s=26,
            color="tab:orange",
            zorder=3,
            label="special cause",
        )
    ax.axhline(table["mean"].iloc[0], color="black", lw=1, label="mean")
    ax.axhline(
        table["upper_limit"].iloc[0],
        color="tab:red",
        ls="--",
        lw=1,
        label="process limits (mean ± 2.66 mR-bar)",
    )
    ax.axhline(table["lower_limit"].iloc[0], color="tab:red", ls="--", lw=1)
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step])
    ax.set_xticklabels([str(v) for v in labels[::step]], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title or "XmR chart", fontsize=10)
    ax.legend(fontsize=7, frameon=False, loc="best")
    fig.tight_layout()
    return fig
