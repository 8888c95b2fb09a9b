"""Change in counts per zone between two periods or groups, with a conditional binomial test."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from workbench.errors import TooLittleData, WorkbenchError
from workbench.hotspots._checks import adjust_p, as_points, as_polygons, to_timestamps
from workbench.hotspots.grids import count
from workbench.hotspots.results import Change, grid_spec
from workbench.months import month

__all__ = ["change"]

logger = logging.getLogger(__name__)


def change(
    points: Any,
    split: Any,
    zones: Any,
    *,
    time_column: str = "month",
    fdr: bool = True,
    alpha: float = 0.05,
    by: str | None = None,
) -> Change:
    """Counts before and after a date (or in two groups) per zone, and whether each zone's
    change differs from the area-wide change by more than chance.

    Test (conditional binomial, two-sided): given the zone's total n1 + n2, the count after
    n2 ~ Binomial(n1 + n2, p0), where p0 = N2 / (N1 + N2) is the share of all points (in all
    zones) that fall in the second period. So the null hypothesis is "this zone changed in the
    same proportion as the whole area" (unequal period lengths and area-wide trends cancel).
    p is ``scipy.stats.binomtest(n2, n1 + n2, p0).pvalue`` (two-sided: the sum of the
    probabilities of outcomes no more likely than the one observed). Zones with n1 + n2 = 0
    get p = 1. With ``fdr`` (default) Benjamini-Hochberg adjusted p-values decide
    ``significant``.

    Parameters
    ----------
    points : GeoDataFrame
        Points in EPSG:27700 (reprojected and logged otherwise).
    split : date-like, or str, or boolean array-like
        A month written ``"YYYY-MM"`` or a monthly Period (read by
        :func:`workbench.months.month`; its first day), or a date (Timestamp): "before" is
        ``time_column < split``, "after" is ``>= split``. The name of a boolean column of
        ``points``, or a boolean array of the same length: False = first group, True =
        second group.
    zones : GeoDataFrame
        Grid cells or polygons.
    by : str, optional
        A column of both ``points`` and ``zones`` (e.g. ``"lsoa_code"``): each point counts
        in the zone with its stored code (the loader's attribution) instead of the zone its
        geometry falls in. Points with no such zone count as outside.
    time_column : str, default "month"
        Column with ``pandas.Period`` months or datetimes, used when ``split`` is a date.
    fdr : bool, default True
    alpha : float, default 0.05

    Returns
    -------
    Change
        ``frame``: ``zones`` with ``count_before``, ``count_after``, ``difference``
        (after - before),
        ``pct_change`` (NaN when before is 0), ``expected_after`` ((n1 + n2) * p0), ``p``,
        ``p_fdr`` (when fdr), ``significant``, ``direction`` ("increase"/"decrease" beyond the
        area-wide change, "" when not significant). Settings (:class:`Change`): ``p0``,
        ``test``, totals, ``fdr``, ``alpha``.
    """
    zs = as_polygons(zones)
    if by is None:
        pts = as_points(points)
    else:  # the points' stored area code decides their zone (the one attribution rule)
        if by not in points.columns or by not in zs.columns:
            raise WorkbenchError(
                f"change: by={by!r} must be a column of both the points and the zones"
            )
        pts = points
    after = _after_mask(pts, split, time_column)
    if after.all() or (~after).all():
        which = "after" if after.all() else "before"
        raise TooLittleData(
            f"change: every point is in the {which} group for split={split!r}; expected points "
            "on both sides"
        )
    if by is None:
        n1 = count(pts.loc[~after], zs, column="count_before")["count_before"].to_numpy(np.int64)
        n2 = count(pts.loc[after], zs, column="count_after")["count_after"].to_numpy(np.int64)
    else:
        codes = pd.Series(pts[by].to_numpy(), dtype="string")
        zone_codes = zs[by].astype("string")
        n1 = zone_codes.map(codes[~after].value_counts()).fillna(0).to_numpy(np.int64)
        n2 = zone_codes.map(codes[after].value_counts()).fillna(0).to_numpy(np.int64)
    total1, total2 = int(n1.sum()), int(n2.sum())
    if total1 + total2 == 0:
        raise WorkbenchError("change: no point falls inside any zone")
    p0 = total2 / (total1 + total2)
    n = n1 + n2
    p = np.ones(len(zs))
    cache: dict[tuple[int, int], float] = {}
    for i in np.flatnonzero(n > 0):
        key = (int(n2[i]), int(n[i]))
        if key not in cache:
            cache[key] = stats.binomtest(key[0], key[1], p0).pvalue
        p[i] = cache[key]
    out = zs.copy()
    out["count_before"] = n1
    out["count_after"] = n2
    out["difference"] = n2 - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pct_change"] = np.where(n1 > 0, (n2 - n1) / np.where(n1 > 0, n1, 1) * 100, np.nan)
    out["expected_after"] = n * p0
    out["p"] = p
    p_used = adjust_p(p, fdr)
    if fdr:
        out["p_fdr"] = p_used
    sig = p_used <= alpha
    out["significant"] = sig
    out["direction"] = np.where(
        sig, np.where(n2 > out["expected_after"].to_numpy(), "increase", "decrease"), ""
    )
    res = Change(
        frame=out,
        cells=grid_spec(zones),
        split=str(split) if not _is_array(split) else "groups",
        p0=p0,
        total_before=total1,
        total_after=total2,
        outside=int(len(pts) - total1 - total2),
        test="conditional binomial, two-sided (scipy.stats.binomtest), p0 = area share after",
        fdr="Benjamini-Hochberg" if fdr else None,
        alpha=alpha,
    )
    logger.info(
        "change: %d before, %d after (p0=%.3f); %d zone(s) significant",
        total1,
        total2,
        p0,
        int(sig.sum()),
    )
    return res


def _is_array(split: Any) -> bool:
    return isinstance(split, np.ndarray | pd.Series | list | tuple)


def _after_mask(pts: pd.DataFrame, split: Any, time_column: str) -> np.ndarray:
    if _is_array(split):
        arr = np.asarray(split)
        if len(arr) != len(pts) or arr.dtype != bool:
            raise WorkbenchError(
                f"change: split as an array must be {len(pts)} True/False values (one per "
                f"point), found {len(arr)} of type {arr.dtype}"
            )
        return arr
    if isinstance(split, str) and split in pts.columns:
        col = pts[split]
        if col.dtype != bool:
            raise WorkbenchError(
                f"change: split column {split!r} must be True/False, found dtype {col.dtype}"
            )
        return col.to_numpy()
    if time_column not in pts.columns:
        raise WorkbenchError(
            f"change: points have no {time_column!r} column to split by date; give "
            "time_column= or a boolean split"
        )
    t = to_timestamps(pts[time_column], time_column)
    if isinstance(split, pd.Timestamp | dt.date):
        cut = pd.Timestamp(split)
    else:  # a month setting: the one month parser (a year alone is refused, not January)
        try:
            cut = month(split, "change: split").start_time
        except WorkbenchError as exc:
            raise WorkbenchError(
                f"{exc}; or give a date, a boolean column name or a boolean array"
            ) from None
    return (t >= cut).to_numpy()
