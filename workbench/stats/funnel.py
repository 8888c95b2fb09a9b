"""Funnel plots: control limits around a baseline for proportions and rates, and labels."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import special

from workbench.disclosure.figures import REFERENCE_GID
from workbench.errors import WorkbenchError
from workbench.stats.rates import _pair, z_value

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["funnel_limits", "funnel_classify", "funnel_plot", "funnel_baseline"]

logger = logging.getLogger(__name__)

_KINDS = ("proportion", "rate")
_LEVELS = (0.95, 0.998)


def _level_tag(level: float) -> str:
    """0.95 -> '95', 0.998 -> '998' (used in column names such as ``lower_998``)."""
    text = f"{level * 100:.4g}"
    return text.replace(".", "")


def _check_kind(kind: str, per: Any = 10_000) -> None:
    if kind not in _KINDS:
        raise WorkbenchError(f"kind must be one of {_KINDS}, found {kind!r}")
    if isinstance(per, bool) or not isinstance(per, Real) or not per > 0:
        raise WorkbenchError(f"per must be a positive number, found {per!r}")


def funnel_baseline(
    numerator: Any, denominator: Any, *, kind: str = "proportion", per: float = 10_000
) -> float:
    """The overall value the funnel is drawn around: sum(numerators) / sum(denominators).

    For ``kind="rate"`` the value is a rate per ``per``; for proportions a fraction.
    """
    _check_kind(kind, per)
    x, n, _ = _pair(numerator, denominator, "numerator", "denominator")
    if n.sum() <= 0:
        raise WorkbenchError("denominator must add up to more than zero to set a baseline")
    value = x.sum() / n.sum()
    return float(value * per) if kind == "rate" else float(value)


def funnel_limits(
    target: float,
    denominators: Any = None,
    *,
    kind: str = "proportion",
    per: float = 10_000,
    levels: Sequence[float] = _LEVELS,
    denominator_range: tuple[float, float] | None = None,
    points: int = 200,
) -> pd.DataFrame:
    """Funnel-plot control limits around ``target`` as a function of the denominator.

    Conventions
    -----------
    The limits are the values an area could show and still be consistent with ``target``:
    an area lies outside the 95% limits exactly when its own 95% interval (Wilson for
    proportions, exact Poisson for rates) excludes the target. This is the inverted-interval
    method of the PHE Fingertips technical guidance (PHEindicatormethods ``phe_funnels``).

    - ``kind="proportion"`` (target p0, a fraction): the observed proportion whose Wilson
      score interval has p0 as its bound. Closed form ``p0 -/+ z sqrt(p0 (1 - p0) / n)``,
      clipped to [0, 1].
    - ``kind="rate"`` (target a rate per ``per``; expected count ``E = target * n / per``):
      the upper limit is the count O whose exact (chi-square) lower limit equals E,
      ``chi2.ppf(a/2, 2 O) / 2 = E``; the lower limit is the count whose exact upper limit
      equals E, ``chi2.ppf(1 - a/2, 2 O + 2) / 2 = E`` (0 if none). O is solved on a
      continuous scale with :func:`scipy.special.gdtrib` (gamma CDF inverted in its shape),
      then divided by ``n`` and multiplied by ``per``.
    - Two-sided levels, 95% and 99.8% by default (about 2 and 3 standard deviations).

    Parameters
    ----------
    target : float
        Baseline (for example :func:`funnel_baseline`, or a national value).
    denominators : array-like, optional
        Denominators (populations or group sizes) to evaluate the limits at.
    kind : {"proportion", "rate"}
        What is compared.
    per : float, default 10,000
        Rate multiplier (rates only).
    levels : sequence of float, default (0.95, 0.998)
        Confidence levels of the control limits.
    denominator_range : (low, high), optional
        When ``denominators`` is not given: ``points`` denominators spaced evenly on a log
        scale between ``low`` and ``high``.
    points : int, default 200
        Number of points for ``denominator_range``.

    Returns
    -------
    pandas.DataFrame
        Columns ``denominator``, ``target`` and ``lower_<level>``/``upper_<level>`` (for example
        ``lower_95``, ``upper_998``).

    Examples
    --------
    >>> funnel_limits(0.2, [100], kind="proportion").round(4)
       denominator  target  lower_95  upper_95  lower_998  upper_998
    0        100.0     0.2    0.1216    0.2784     0.0764     0.3236
    """
    _check_kind(kind, per)
    if denominators is None:
        if denominator_range is None:
            raise WorkbenchError("give denominators or denominator_range=(low, high)")
        low, high = denominator_range
        if not 0 < low < high:
            raise WorkbenchError(
                f"denominator_range must be (low, high) with 0 < low < high, found "
                f"{denominator_range!r}"
            )
        n = np.geomspace(low, high, int(points))
    else:
        try:
            n = np.atleast_1d(np.asarray(denominators, dtype=float))
        except (TypeError, ValueError) as exc:
            raise WorkbenchError(
                f"denominators must be numbers > 0, found {denominators!r:.80}"
            ) from exc
    if not np.isfinite(n).all() or (n <= 0).any():
        bad = n[~(np.isfinite(n) & (n > 0))]
        raise WorkbenchError(f"denominators must be finite numbers > 0, found {bad[0]:g}")
    if isinstance(target, bool) or not isinstance(target, Real):
        raise WorkbenchError(f"target must be a number, found {target!r}")
    for level in levels:
        if isinstance(level, bool) or not isinstance(level, Real) or not 0 < level < 1:
            raise WorkbenchError(
                f"levels must be confidence levels between 0 and 1 (e.g. 0.95, 0.998), "
                f"found {list(levels)!r}"
            )
    if kind == "proportion" and not 0 <= target <= 1:
        raise WorkbenchError(f"a proportion target must be between 0 and 1, found {target!r}")
    if kind == "rate" and not target >= 0:
        raise WorkbenchError(f"a rate target must be >= 0, found {target!r}")
    out = pd.DataFrame({"denominator": n, "target": float(target)})
    for level in levels:
        tag = _level_tag(level)
        z = z_value(level)
        if kind == "proportion":
            half = z * np.sqrt(target * (1 - target) / n)
            lower, upper = np.clip(target - half, 0, 1), np.clip(target + half, 0, 1)
        else:
            alpha = 1 - level
            expected = target * n / per
            # scipy has no funnel-limit function; gdtrib inverts the gamma CDF in its shape,
            # which is exactly "the count whose exact Poisson limit equals E".
            with np.errstate(invalid="ignore"):
                o_up = special.gdtrib(1.0, alpha / 2, expected)
                o_low = special.gdtrib(1.0, 1 - alpha / 2, expected) - 1
            o_up = np.where(expected > 0, o_up, 0.0)
            o_low = np.where(expected > 0, np.clip(o_low, 0, None), 0.0)
            lower, upper = o_low / n * per, o_up / n * per
        out[f"lower_{tag}"] = lower
        out[f"upper_{tag}"] = upper
    return out


def funnel_classify(
    numerator: Any,
    denominator: Any,
    *,
    kind: str = "proportion",
    target: float | None = None,
    per: float = 10_000,
    levels: Sequence[float] = _LEVELS,
) -> pd.DataFrame:
    """Place each area above, below or within the funnel's control limits.

    Parameters
    ----------
    numerator, denominator : array-like or Series
        Each area's count and its denominator (population or group size).
    kind : {"proportion", "rate"}
        As in :func:`funnel_limits`.
    target : float, optional
        Baseline; default :func:`funnel_baseline` of the areas themselves.
    per : float, default 10,000
        Rate multiplier (rates only).
    levels : (inner, outer), default (0.95, 0.998)
        The two control-limit levels.

    Returns
    -------
    pandas.DataFrame
        Columns ``numerator``, ``denominator``, ``value`` (proportion or rate), ``target``,
        the limits at each area's denominator, and ``classification``: one of
        "above 99.8% limit", "above 95% limit", "within 95% limits", "below 95% limit",
        "below 99.8% limit" (with the levels used). A value exactly on a limit counts as
        within it. The index of a Series input is kept.
    """
    _check_kind(kind, per)
    if len(levels) != 2 or not levels[0] < levels[1]:
        raise WorkbenchError(f"levels must be (inner, outer) with inner < outer, found {levels!r}")
    x, n, index = _pair(numerator, denominator, "numerator", "denominator")
    if (n <= 0).any():
        raise WorkbenchError("denominator must be > 0 for every area")
    if (x < 0).any() or (kind == "proportion" and (x > n).any()):
        raise WorkbenchError("numerator must be >= 0 (and <= denominator for proportions)")
    if target is None:
        target = funnel_baseline(x, n, kind=kind, per=per)
    limits = funnel_limits(target, n, kind=kind, per=per, levels=levels)
    value = x / n * (per if kind == "rate" else 1.0)
    inner, outer = (_level_tag(lv) for lv in levels)
    inner_pc, outer_pc = (f"{lv * 100:.4g}%" for lv in levels)
    lo_i, hi_i = limits[f"lower_{inner}"].to_numpy(), limits[f"upper_{inner}"].to_numpy()
    lo_o, hi_o = limits[f"lower_{outer}"].to_numpy(), limits[f"upper_{outer}"].to_numpy()
    label = np.select(
        [value > hi_o, value > hi_i, value < lo_o, value < lo_i],
        [
            f"above {outer_pc} limit",
            f"above {inner_pc} limit",
            f"below {outer_pc} limit",
            f"below {inner_pc} limit",
        ],
        default=f"within {inner_pc} limits",
    )
    out = pd.DataFrame(
        {"numerator": x, "denominator": n, "value": value, "target": float(target)},
        index=index,
    )
    for col in limits.columns[2:]:
        out[col] = limits[col].to_numpy()
    out["classification"] = label
    return out


def funnel_plot(
    numerator: Any,
    denominator: Any,
    *,
    kind: str = "proportion",
    target: float | None = None,
    per: float = 10_000,
    labels: Any = None,
    highlight: Any = None,
    title: str | None = None,
    ax: Axes | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Figure:
    """Funnel plot (matplotlib) of areas against 95% and 99.8% control limits.

    Parameters
    ----------
    numerator, denominator : array-like or Series
        As in :func:`funnel_classify`.
    kind, target, per
        As in :func:`funnel_classify`.
    labels : array-like, optional
        Point labels (default: the Series index, when there is one; none otherwise).
    highlight : label or list of labels, optional
        Areas drawn in a contrasting colour (for example the partnership itself).
    title : str, optional
        Figure title.
    ax : matplotlib Axes, optional
        Draw into these axes.
    xlabel, ylabel : str, optional
        Axis labels saying what is plotted (default ``"denominator"`` for proportions and
        ``"denominator (population or person-years)"`` for rates; ``"percentage (%)"`` or
        ``"rate per <per>"``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    table = funnel_classify(numerator, denominator, kind=kind, target=target, per=per)
    if labels is None and not isinstance(table.index, pd.RangeIndex):
        labels = table.index
    labels = None if labels is None else [str(v) for v in labels]
    n = table["denominator"].to_numpy()
    low, high = n.min() * 0.8, n.max() * 1.2
    curve = funnel_limits(
        table["target"].iloc[0], kind=kind, per=per, denominator_range=(max(low, 1e-9), high)
    )
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4.5))
    else:
        fig = ax.figure
    scale = 100.0 if kind == "proportion" else 1.0
    # the baseline and limits are reference lines (workbench.disclosure.figures)
    lines = (
        ("target", "-", "black", "baseline"),
        ("lower_95", "--", "tab:orange", "95% limits"),
        ("upper_95", "--", "tab:orange", None),
        ("lower_998", "-", "tab:red", "99.8% limits"),
        ("upper_998", "-", "tab:red", None),
    )
    for column, style, colour, label in lines:
        ax.plot(
            curve["denominator"],
            curve[column] * scale,
            style,
            color=colour,
            lw=1,
            label=label,
            gid=REFERENCE_GID,
        )
    hl = (
        set()
        if highlight is None
        else ({str(highlight)} if isinstance(highlight, str) else {str(h) for h in highlight})
    )
    colours = [
        "tab:blue" if labels is None or labels[i] not in hl else "tab:purple"
        for i in range(len(table))
    ]
    ax.scatter(n, table["value"] * scale, c=colours, s=22, zorder=3)
    if labels is not None:
        for i, text in enumerate(labels):
            ax.annotate(
                text,
                (n[i], table["value"].iloc[i] * scale),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
    ax.set_xlabel(
        xlabel
        or ("denominator" if kind == "proportion" else "denominator (population or person-years)")
    )
    ax.set_ylabel(ylabel or ("percentage (%)" if kind == "proportion" else f"rate per {per:,.0f}"))
    ax.set_title(title or f"Funnel plot ({_method(kind)})", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    return fig


def _method(kind: str) -> str:
    """How the funnel limits of ``kind`` are computed (named in the chart's title)."""
    if kind == "proportion":
        return "inverted Wilson score (PHE)"
    return "inverted exact Poisson (PHE)"
