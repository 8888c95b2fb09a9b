"""Statistical process control: XmR charts by the NHS "Making Data Count" method."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workbench.disclosure.figures import REFERENCE_GID
from workbench.errors import TooLittleData, WorkbenchError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "XMR_CONSTANT",
    "D2",
    "NEAR_LIMIT_CONSTANT",
    "SCREEN_CONSTANT",
    "RUN_LENGTH",
    "RULES",
    "COLOURS",
    "spc",
    "spc_chart",
    "spc_unassessed",
]

logger = logging.getLogger(__name__)

#: Natural process limits are mean +/- 2.66 x the average moving range (3 / d2).
XMR_CONSTANT = 2.66
#: Bias-correction constant d2 for moving ranges of two points: sigma = mR-bar / 1.128.
D2 = 1.128
#: The "2 sigma" (near-limit) lines: mean +/- 2/3 x 2.66 x mR-bar, as NHSRplotthedots.
NEAR_LIMIT_CONSTANT = 2 * XMR_CONSTANT / 3
#: Moving ranges at or above 3.267 x their mean are screened out before mR-bar is recomputed
#: (3.267 = D4, the upper limit of a moving-range chart).
SCREEN_CONSTANT = 3.267
#: Points in a run (one side of the mean) or a trend (each higher / lower) that signal.
RUN_LENGTH = 7
#: The special-cause rules applied, in the words the chart and the result use.
RULES = (
    "a point beyond a process limit",
    f"a run of {RUN_LENGTH} points on one side of the mean",
    f"a trend of {RUN_LENGTH} points each higher (or each lower) than the one before",
    "2 of 3 consecutive points beyond 2 sigma (between the 2-sigma line and the limit) on "
    "the same side, all 3 on that side of the mean",
)
#: NHS "Making Data Count" colours by point type.
COLOURS = {
    "common cause": "#a6a6a6",
    "special cause improvement": "#00b0f0",
    "special cause concern": "#e46c0a",
    "special cause neutral": "#7030a0",
}
_IMPROVEMENT = (None, "increase", "decrease")
#: gid of reference lines (mean, limits), not data points (workbench.disclosure.figures).
REF = REFERENCE_GID


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


def _two_of_three(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Near-limit points in a window of 3 with >= 2 near-limit points, all 3 on one side."""
    n = len(close)
    out = np.zeros(n, dtype=bool)
    for start in range(max(0, n - 2)):
        window = slice(start, start + 3)
        if close[window].sum() >= 2 and abs(side[window].sum()) == 3:
            out[window] |= close[window]
    return out


def _month_gaps(x: np.ndarray, index: Any) -> tuple[np.ndarray, Any]:
    """Insert missing months (NaN) where a monthly PeriodIndex skips months."""
    if not isinstance(index, pd.PeriodIndex) or index.freqstr != "M" or len(index) < 2:
        return x, index
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise WorkbenchError("values indexed by month must be in time order, one per month")
    full = pd.period_range(index[0], index[-1], freq="M", name=index.name)
    if len(full) == len(index):
        return x, index
    logger.info("spc: %d month(s) absent from the index drawn as gaps", len(full) - len(index))
    return pd.Series(x, index=index).reindex(full).to_numpy(dtype=float), full


def _segment_starts(recalc_from: Any, index: Any, n: int) -> list[int]:
    """Positions where new limits start (0 first)."""
    if recalc_from is None:
        return [0]
    items = (
        list(recalc_from)
        if isinstance(recalc_from, Iterable) and not isinstance(recalc_from, str)
        else [recalc_from]
    )
    labels = pd.Index(index) if index is not None else pd.RangeIndex(n)
    starts = {0}
    for item in items:
        key = item
        if isinstance(labels, pd.PeriodIndex):
            try:
                key = pd.Period(str(item), freq=labels.freqstr)
            except (TypeError, ValueError) as exc:
                raise WorkbenchError(
                    f"recalc_from must be months like '2021-04', found {item!r}"
                ) from exc
        hits = np.flatnonzero(labels == key)
        if len(hits) != 1:
            raise WorkbenchError(
                f"recalc_from: {item!r} is not one of the chart's points "
                f"({labels[0]} to {labels[-1]})"
            )
        if hits[0] == 0:
            raise WorkbenchError(f"recalc_from: {item!r} is the first point; nothing before it")
        starts.add(int(hits[0]))
    return sorted(starts)


def _withheld(withheld: Any, index: Any) -> np.ndarray:
    """Withheld flags aligned on the chart's points (False where not given)."""
    n = len(index)
    if withheld is None:
        return np.zeros(n, dtype=bool)
    if isinstance(withheld, pd.Series):
        keys = withheld.index.astype(str)
        lookup = dict(zip(keys, withheld.astype(bool), strict=True))
        return np.array([bool(lookup.get(str(k), False)) for k in index], dtype=bool)
    flags = np.asarray(withheld, dtype=bool)
    if flags.shape != (n,):
        raise WorkbenchError(f"withheld: expected {n} flags (one per point), found {flags.shape}")
    return flags


def _segment(
    x: np.ndarray, baseline: int | None, screen_outliers: bool, label: str
) -> dict[str, Any]:
    """Mean, moving ranges and limits of one stretch of points (NaN = missing)."""
    obs = np.flatnonzero(~np.isnan(x))
    if len(obs) < 2:
        raise TooLittleData(
            f"an XmR chart needs at least 2 observed values{label}, found {len(obs)}"
        )
    if baseline is not None:
        if not 2 <= baseline <= len(obs):
            raise WorkbenchError(
                f"baseline must be between 2 and {len(obs)} observed points{label}, "
                f"found {baseline!r}"
            )
        base_end = int(obs[baseline - 1]) + 1
    else:
        base_end = len(x)
    mr = np.full(len(x), np.nan)
    mr[1:] = np.abs(np.diff(x))  # NaN wherever either neighbour is missing: no MR across gaps
    base_mr = mr[1:base_end]
    base_mr = base_mr[~np.isnan(base_mr)]
    if len(base_mr) == 0:
        raise TooLittleData(
            f"an XmR chart needs two consecutive observed values{label} for a moving range; "
            "every observed value sits next to a gap"
        )
    amr = float(base_mr.mean())
    screened = np.zeros(len(x), dtype=bool)
    if screen_outliers:
        # NHSRplotthedots keeps mR < 3.267 x mean mR and drops the rest (one pass).
        keep = base_mr < SCREEN_CONSTANT * amr
        if keep.any():
            mr_bar = float(base_mr[keep].mean())
        else:  # every moving range equal to zero is kept, so this needs amr == 0
            mr_bar = amr
        idx = np.arange(1, base_end)
        screened[idx] = ~np.isnan(mr[1:base_end]) & (mr[1:base_end] >= SCREEN_CONSTANT * amr)
        if amr == 0:
            screened[:] = False
    else:
        mr_bar = amr
    base = x[:base_end]
    mean = float(np.nanmean(base))
    return {
        "mean": mean,
        "mr_bar": mr_bar,
        "mr_bar_unscreened": amr,
        "moving_range": mr,
        "screened": screened,
        "observed": int(len(obs)),
        "baseline_points": int((~np.isnan(base)).sum()),
        "moving_ranges_used": int(len(base_mr) - screened.sum()),
    }


def _chunks(observed: np.ndarray) -> list[slice]:
    """Stretches of consecutive observed points (a missing point breaks every rule)."""
    out = []
    start = None
    for i, ok in enumerate([*observed, False]):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            out.append(slice(start, i))
            start = None
    return out


def spc(
    values: Any,
    index: Any = None,
    *,
    baseline: int | None = None,
    screen_outliers: bool = True,
    improvement: str | None = None,
    recalc_from: Any = None,
) -> pd.DataFrame:
    """XmR (individuals and moving range) chart by the NHS "Making Data Count" method.

    Parameters
    ----------
    values : array-like or Series
        The measurements in time order (for example monthly counts). NaN marks a missing
        point (a month with no data): it is kept as a gap, never read as zero. A Series with
        a monthly ``PeriodIndex`` that skips months gets those months inserted as gaps.
    index : array-like, optional
        Labels (for example months); default the Series index or 0..n-1.
    baseline : int, optional
        Compute each segment's mean and limits from its first ``baseline`` observed points
        only (NHSRplotthedots' ``fix_after_n_points``).
    screen_outliers : bool, default True
        Screen out moving ranges at or above 3.267 x their mean before mR-bar is recomputed
        for the limits (the NHS default). False gives the classic unscreened limits.
    improvement : {"increase", "decrease", None}, default None
        Which direction is good. Special causes are then "special cause improvement" or
        "special cause concern"; with None they are "special cause neutral".
    recalc_from : label or list of labels, optional
        Recalculate the limits from these points (for example ``"2021-04"`` when a service
        changed): each segment gets its own mean, moving ranges (none across the boundary),
        screening, limits and rules.

    Returns
    -------
    pandas.DataFrame
        One row per point (months inserted for gaps): ``value`` (NaN when missing),
        ``observed``, ``segment`` (0, 1, ... from ``recalc_from``), ``moving_range`` (NaN for
        the first point of a segment and next to a gap), ``screened`` (the moving range was
        screened out), ``mean``, ``mr_bar``, ``lower_limit``, ``upper_limit``,
        ``lower_2sigma``, ``upper_2sigma``, ``beyond_limits``, ``run``, ``trend``,
        ``two_of_three``, ``special_cause`` (any rule), ``signal`` (the rules met, with their
        direction, e.g. "run above mean"; "missing" for a gap) and ``point_type`` ("common
        cause", "special cause improvement" / "concern" / "neutral", or "missing").
        The chart's settings are the arguments; the rules are :data:`RULES`; each segment's
        ``mean`` and ``mr_bar`` are on its rows (sigma = mR-bar / 1.128).

    Notes
    -----
    The method of NHSRplotthedots (``ptd_spc``), which implements NHS England's "Making Data
    Count":

    - Centre line: the mean of the observed points (of the first ``baseline``).
    - Moving range ``mR_i = |x_i - x_(i-1)|`` for consecutive observed points of one
      segment; there is no moving range across a missing point or a recalculation.
    - Screening (default): ``amr`` = mean of the moving ranges; moving ranges
      ``>= 3.267 * amr`` are dropped and ``mR-bar`` is the mean of the rest.
    - Process limits ``mean +/- 2.66 * mR-bar``; the 2-sigma lines
      ``mean +/- (2/3) * 2.66 * mR-bar`` (NHSRplotthedots' "near limits"; the textbook
      ``2 * mR-bar / 1.128`` differs in the fourth digit). Limits are not clipped at zero.
    - Rules (see :data:`RULES`), each flagging every point involved, checked within a
      segment over stretches of consecutive observed points (a gap breaks a run, a trend
      and a 2-of-3 window: the rules are about consecutive months): beyond limits; a run of
      7 on one side of the mean (a point on the mean breaks it); a trend of 7 points each
      higher, or each lower, than the one before (an equal value breaks it); 2 of 3
      consecutive points between the 2-sigma line and the limit with all 3 on that side of
      the mean (as NHSRplotthedots; the Western Electric rule also counts points beyond the
      limit and ignores the third point's side).
    - Colour: a special cause's direction is the trend's direction for a point in a trend,
      else the side of the mean it lies on (NHSRplotthedots uses the side of the mean for
      every rule, which colours the start of a rising trend below the mean as falling).

    Reproduces NHSRplotthedots' published limits (tests/stats/test_spc.py): R's
    ``set.seed(123); y <- rnorm(20); y[15] <- 10`` gives -2.383666 / 3.722497 screened and
    -4.596625 / 5.935457 unscreened.

    Examples
    --------
    >>> out = spc([10, 12, 11, 13, 12, 40])
    >>> round(float(out["mr_bar"].iloc[-1]), 2), bool(out["beyond_limits"].iloc[-1])
    (1.5, True)
    >>> float(spc([10, 12, 11, 13, 12, 40], screen_outliers=False)["mr_bar"].iloc[-1])
    6.8
    """
    if improvement not in _IMPROVEMENT:
        raise WorkbenchError(
            f"improvement must be 'increase', 'decrease' or None, found {improvement!r}"
        )
    if index is None and isinstance(values, pd.Series):
        index = values.index
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise WorkbenchError(f"values must be numbers in time order, found {values!r:.80}") from exc
    if x.ndim != 1:
        raise WorkbenchError(f"values must be one series (1-D), found shape {x.shape}")
    if np.isinf(x).any():
        pos = int(np.flatnonzero(np.isinf(x))[0])
        raise WorkbenchError(f"values must not be infinite, found {x[pos]} at position {pos}")
    if index is not None and len(index) != len(x):
        raise WorkbenchError(
            f"index must have one label per value: {len(x)} values, found {len(index)} labels"
        )
    if index is not None and not isinstance(index, pd.Index):
        index = pd.Index(index)
    x, index = _month_gaps(x, index)
    n = len(x)
    if (~np.isnan(x)).sum() < 2:
        raise TooLittleData(
            f"an XmR chart needs at least 2 observed values, found {int((~np.isnan(x)).sum())}"
        )
    starts = _segment_starts(recalc_from, index, n)
    bounds = [*starts, n]
    cols = {
        k: np.full(n, np.nan)
        for k in ("moving_range", "mean", "mr_bar", "lower_limit", "upper_limit", "lo2", "up2")
    }
    segment = np.zeros(n, dtype=int)
    screened = np.zeros(n, dtype=bool)
    flags = {
        k: np.zeros(n, dtype=bool)
        for k in (
            "above",
            "below",
            "run_up",
            "run_down",
            "trend_up",
            "trend_down",
            "two_up",
            "two_down",
        )  # fmt: skip
    }
    segments = []
    for s, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        labels = index[a:b] if index is not None else range(a, b)
        where = f" in segment {s} ({labels[0]} to {labels[-1]})" if len(starts) > 1 else ""
        seg = _segment(x[a:b], baseline, screen_outliers, where)
        mean, mr_bar = seg["mean"], seg["mr_bar"]
        upper, lower = mean + XMR_CONSTANT * mr_bar, mean - XMR_CONSTANT * mr_bar
        up2, lo2 = mean + NEAR_LIMIT_CONSTANT * mr_bar, mean - NEAR_LIMIT_CONSTANT * mr_bar
        segment[a:b] = s
        screened[a:b] = seg["screened"]
        cols["moving_range"][a:b] = seg["moving_range"]
        cols["mean"][a:b] = mean
        cols["mr_bar"][a:b] = mr_bar
        cols["upper_limit"][a:b], cols["lower_limit"][a:b] = upper, lower
        cols["up2"][a:b], cols["lo2"][a:b] = up2, lo2
        xs = x[a:b]
        for ch in _chunks(~np.isnan(xs)):
            v = xs[ch]
            off = slice(a + ch.start, a + ch.stop)
            above, below = v > upper, v < lower
            side = np.sign(v - mean)
            flags["above"][off], flags["below"][off] = above, below
            flags["run_up"][off] = _runs(side > 0, RUN_LENGTH)
            flags["run_down"][off] = _runs(side < 0, RUN_LENGTH)
            flags["trend_up"][off], flags["trend_down"][off] = _trend(v, RUN_LENGTH)
            close = ~(above | below) & ((v > up2) | (v < lo2))
            two = _two_of_three(close, side)
            flags["two_up"][off], flags["two_down"][off] = two & (side > 0), two & (side < 0)
        segments.append(
            {
                "segment": s,
                "first": str(labels[0]),
                "last": str(labels[-1]),
                "mean": mean,
                "mr_bar": mr_bar,
                "mr_bar_unscreened": seg["mr_bar_unscreened"],
                "lower_limit": lower,
                "upper_limit": upper,
                "observed": seg["observed"],
                "missing": int(b - a - seg["observed"]),
                "baseline_points": seg["baseline_points"],
                "moving_ranges_screened": int(seg["screened"].sum()),
            }
        )

    parts = [
        (flags["above"], "above upper limit"),
        (flags["below"], "below lower limit"),
        (flags["run_up"], "run above mean"),
        (flags["run_down"], "run below mean"),
        (flags["trend_up"], "increasing trend"),
        (flags["trend_down"], "decreasing trend"),
        (flags["two_up"], "2 of 3 above 2 sigma"),
        (flags["two_down"], "2 of 3 below 2 sigma"),
    ]
    observed = ~np.isnan(x)
    signal = [
        "; ".join(text for f, text in parts if f[i]) if observed[i] else "missing" for i in range(n)
    ]
    out = pd.DataFrame(
        {
            "value": x,
            "observed": observed,
            "segment": segment,
            "moving_range": cols["moving_range"],
            "screened": screened,
            "mean": cols["mean"],
            "mr_bar": cols["mr_bar"],
            "lower_limit": cols["lower_limit"],
            "upper_limit": cols["upper_limit"],
            "lower_2sigma": cols["lo2"],
            "upper_2sigma": cols["up2"],
            "beyond_limits": flags["above"] | flags["below"],
            "run": flags["run_up"] | flags["run_down"],
            "trend": flags["trend_up"] | flags["trend_down"],
            "two_of_three": flags["two_up"] | flags["two_down"],
        },
        index=index,
    )
    special = out[["beyond_limits", "run", "trend", "two_of_three"]].any(axis=1).to_numpy()
    out["special_cause"] = special
    out["signal"] = signal
    in_trend = flags["trend_up"] | flags["trend_down"]
    higher = np.where(in_trend, flags["trend_up"], x > cols["mean"])
    if improvement is None:
        kind = np.full(n, "special cause neutral", dtype=object)
    else:
        good = higher if improvement == "increase" else ~higher
        kind = np.where(good, "special cause improvement", "special cause concern")
    out["point_type"] = np.where(
        ~observed, "missing", np.where(special, kind, "common cause")
    ).astype(object)
    return out


def spc_unassessed(values: Any, index: Any = None) -> pd.DataFrame:
    """An :func:`spc` table with no mean, limits or signals (``point_type`` "common cause"
    or "missing"), for a series too gappy to assess (most months withheld).

    :func:`spc_chart` draws its points and gaps only.
    """
    if index is None and isinstance(values, pd.Series):
        index = values.index
    x = np.asarray(values, dtype=float)
    index = pd.RangeIndex(len(x)) if index is None else pd.Index(index)
    observed = ~np.isnan(x)
    nan = np.full(len(x), np.nan)
    false = np.zeros(len(x), dtype=bool)
    out = pd.DataFrame(
        {
            "value": x,
            "observed": observed,
            "segment": np.zeros(len(x), dtype=int),
            "moving_range": nan,
            "screened": false,
            "mean": nan,
            "mr_bar": nan,
            "lower_limit": nan,
            "upper_limit": nan,
            "lower_2sigma": nan,
            "upper_2sigma": nan,
            "beyond_limits": false,
            "run": false,
            "trend": false,
            "two_of_three": false,
            "special_cause": false,
            "signal": np.where(observed, "", "missing").astype(object),
            "point_type": np.where(observed, "common cause", "missing").astype(object),
        },
        index=index,
    )
    return out


def spc_chart(
    values: Any,
    index: Any = None,
    *,
    baseline: int | None = None,
    screen_outliers: bool = True,
    improvement: str | None = None,
    recalc_from: Any = None,
    title: str | None = None,
    ylabel: str = "value",
    ax: Axes | None = None,
    withheld: Any = None,
    threshold: int = 5,
) -> Figure:
    """Draw an XmR chart (matplotlib): points, mean, process limits, special causes and gaps.

    Parameters
    ----------
    values : array-like, Series or the DataFrame returned by :func:`spc`
        The measurements in time order (NaN = missing).
    index, baseline, screen_outliers, improvement, recalc_from
        As in :func:`spc` (ignored when ``values`` is already an :func:`spc` table, except
        ``screen_outliers``, which the footnote names: pass the value the table was made
        with).
    title : str, optional
        Chart title.
    ylabel : str, default "value"
        Y-axis label.
    ax : matplotlib Axes, optional
        Draw into these axes.
    withheld : array-like of bool or Series, optional
        Points withheld by disclosure control (the published table shows ``"*"``; their
        values must already be NaN, e.g. from :meth:`workbench.outputs.Outputs.plot_data`):
        drawn as gaps shaded apart from missing months and named in the legend and footnote.
        A Series is aligned on the chart's index, anything else by position.
    threshold : int, default 5
        The suppression threshold, for the footnote's words ("counts of 1 to 4").

    Returns
    -------
    matplotlib.figure.Figure
        The line breaks at missing points, which are shaded and named in the legend; the mean
        and limits are drawn per segment; points are coloured by their ``point_type`` (NHS
        colours: grey common cause, blue improvement, orange concern, purple neutral); a
        footnote states the limits, the screening and the rules applied.
    """
    import matplotlib.pyplot as plt

    if isinstance(values, pd.DataFrame) and "point_type" in values:
        table = values
    else:
        try:
            table = spc(
                values,
                index,
                baseline=baseline,
                screen_outliers=screen_outliers,
                improvement=improvement,
                recalc_from=recalc_from,
            )
        except WorkbenchError:
            if withheld is None or not np.asarray(withheld, dtype=bool).any():
                raise
            # withheld months leave too few shown neighbours: points and gaps only
            table = spc_unassessed(values, index)
        if withheld is not None:
            x = np.asarray(values, dtype=float)
            flags = np.asarray(withheld, dtype=bool)
            if flags.shape == x.shape and flags.sum() > (~np.isnan(x)).sum():
                table = spc_unassessed(values, index)
    if ax is None:
        fig, ax = plt.subplots(figsize=(9.5, 4.4))
    else:
        fig = ax.figure
    labels = table.index
    x = np.arange(len(table))
    y = table["value"].to_numpy(dtype=float)
    ax.plot(x, y, "-", color="grey", lw=1, zorder=1)  # NaN breaks the line at gaps
    held = _withheld(withheld, table.index)
    if np.isfinite(y[held]).any():
        raise WorkbenchError("withheld points must be NaN (draw from Outputs.plot_data)")
    missing = np.flatnonzero(~table["observed"].to_numpy(bool) & ~held)
    gaps = (
        (np.flatnonzero(held), "0.85", "xx", "0.6", "withheld (disclosure control)"),
        (missing, "0.92", "//", "0.8", "missing"),
    )
    for where, face, hatch, edge, what in gaps:
        n = len(where)
        for j, i in enumerate(where):
            ax.axvspan(
                i - 0.5,
                i + 0.5,
                color=face,
                hatch=hatch,
                ec=edge,
                lw=0,
                zorder=0,
                label=f"{what} ({n} point{'s' if n != 1 else ''})" if j == 0 else None,
            )
    kinds = table["point_type"].to_numpy()
    # more months withheld than shown: the mean and limits of the shown months say little
    # about the process (the withheld months hold 1 to threshold - 1), so none are drawn
    too_few = bool(held.sum() > table["observed"].sum()) or bool(table["mean"].isna().all())
    if too_few:
        kinds = np.where(table["observed"].to_numpy(bool), "common cause", "missing")
    for kind, colour in COLOURS.items():
        mask = kinds == kind
        if mask.any():
            ax.scatter(
                x[mask], y[mask], s=18 if kind == "common cause" else 28, color=colour,
                zorder=3, label=kind,
            )  # fmt: skip
    seg = table["segment"].to_numpy()
    for s in np.unique(seg) if not too_few else []:
        xs = x[seg == s]
        sl = [xs[0] - 0.4, xs[-1] + 0.4]
        first = s == seg[0]
        row = table.iloc[int(xs[0])]
        # mean and limits come from the points drawn: reference lines, not data points
        ax.plot(
            sl, [row["mean"]] * 2, color="black", lw=1, label="mean" if first else None, gid=REF
        )
        ax.plot(
            sl,
            [row["upper_limit"]] * 2,
            color="tab:red",
            ls="--",
            lw=1,
            label=f"process limits (mean ± {XMR_CONSTANT} mR-bar)" if first else None,
            gid=REF,
        )
        ax.plot(sl, [row["lower_limit"]] * 2, color="tab:red", ls="--", lw=1, gid=REF)
        if not first:
            ax.axvline(xs[0] - 0.5, color="0.3", lw=0.8, ls=":")
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step])
    ax.set_xticklabels([str(v) for v in labels[::step]], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title or "XmR chart", fontsize=10)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    screen = (
        f"moving ranges ≥ {SCREEN_CONSTANT} × their mean screened out"
        if screen_outliers
        else "no moving-range screening"
    )
    note = (
        f"Limits: mean ± {XMR_CONSTANT} × mR-bar ({screen}). Rules: a point beyond a limit; "
        f"{RUN_LENGTH} on one side of the mean; {RUN_LENGTH} rising or falling; 2 of 3 beyond "
        "2σ on one side."
    )
    if len(missing):
        note += " Missing points are gaps: no moving range across them."
    if held.any():
        note += (
            f" Withheld points (counts of 1 to {threshold - 1}, and counts hidden so that no "
            "total gives one back) are gaps too: not drawn and not used for the mean, the "
            "limits or the moving ranges, so the mean and limits are those of the published "
            "months only."
        )
        # the y axis reaches the threshold, so a gap reads as "fewer than 5", not as zero
        low, high = ax.get_ylim()
        ax.set_ylim(min(low, 0), max(high, threshold + 0.5))
    if too_few:
        ax.text(
            0.5,
            0.5,
            f"{int(held.sum())} of {len(table)} points withheld (disclosure control): "
            "no mean, limits or signals drawn",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=9,
            bbox={"fc": "white", "ec": "0.6"},
        )
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.text(0.01, 0.01, note, fontsize=6.5, wrap=True, va="bottom")
    return fig
