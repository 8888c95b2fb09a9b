"""Emerging hot spots: Gi* in each period plus a Mann-Kendall trend, in 17 categories."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from workbench.coverage import window_complete
from workbench.errors import TooLittleData, WorkbenchError
from workbench.hotspots._checks import adjust_p, as_points, as_polygons, to_timestamps
from workbench.hotspots.gistar import gi_star
from workbench.hotspots.grids import _zone_index, grid_over_bounds
from workbench.hotspots.results import Emerging, grid_spec
from workbench.hotspots.weights import weights_with_label
from workbench.stats.periods import observed_months

__all__ = ["emerging", "emerging_counts", "emerging_categories", "CATEGORIES", "PERIODS"]

logger = logging.getLogger(__name__)

#: Period names accepted by :func:`emerging` and their pandas frequencies.
PERIODS = {
    "month": "M",
    "quarter": "Q-DEC",
    "financial_quarter": "Q-MAR",
    "year": "Y-DEC",
    "financial_year": "Y-MAR",
    "week": "W",
}

_KINDS = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic",
          "oscillating", "historical")  # fmt: skip
#: The 17 categories: the eight hot spot kinds, the eight cold spot kinds, then no pattern.
CATEGORIES = [f"{k} hot spot" for k in _KINDS] + [f"{k} cold spot" for k in _KINDS] + ["no pattern"]


def emerging_categories(
    hot: np.ndarray,
    cold: np.ndarray,
    trend_z: np.ndarray,
    trend_p: np.ndarray,
    alpha: float = 0.05,
    share: float = 0.9,
) -> np.ndarray:
    """Classify each zone from its significant hot/cold flags per period and its trend.

    The rules are the published ArcGIS Pro "How Emerging Hot Spot Analysis works" pattern
    definitions. For a zone with T periods: "hot" = a significant Gi* hot spot in that period;
    "90%" = at least ``share`` x T periods (T = 10: 9 or more; T = 12: 11 or more, since
    10/12 < 90%); "before" = in an earlier period; trend = Mann-Kendall on the zone's Gi*
    z-scores, significant when ``trend_p <= alpha``, increasing when ``trend_z > 0``.

    1. **new hot spot**: hot in the final period and never significant (hot, or cold) before.
    2. **consecutive hot spot**: a single uninterrupted run of at least two hot periods
       ending with the final one, never significant (hot, or cold) before that run, and hot
       in fewer than 90% of periods.
    3. **intensifying hot spot**: hot in at least 90% of periods including the final one,
       with a significant increasing trend (the clustering of high values grows stronger).
    4. **persistent hot spot**: hot in at least 90% of periods including the final one, with
       no significant trend.
    5. **diminishing hot spot**: hot in at least 90% of periods including the final one,
       with a significant decreasing trend.
    6. **sporadic hot spot**: hot in the final period, an on-again off-again hot spot before
       (hot in some earlier period outside the final run), hot in fewer than 90% of periods,
       and never a significant cold spot.
    7. **oscillating hot spot**: hot in the final period, a significant cold spot in at least
       one earlier period, and hot in fewer than 90% of periods.
    8. **historical hot spot**: not hot in the final period, but hot in at least 90% of
       periods.

    9.-16. The same rules for **cold** spots with hot and cold swapped; for cold spots
       "intensifying" means a significant *decreasing* trend in z (more and more negative)
       and "diminishing" a significant increasing one.
    17. **no pattern**: none of the above.

    Precedence. ArcGIS's table does not say which pattern wins when two definitions both
    fit; this function makes the categories mutually exclusive as follows (as the R package
    sfdep does): a zone with a significant cold spot before a final hot spot (run) is
    *oscillating*, not new or consecutive (read "never significant before" strictly), and a
    zone significant in the final period (rules 1-7, hot or cold) is classed by that before
    the historical rules, so a zone hot in 90% of periods that ends as a cold spot is an
    oscillating cold spot, not a historical hot spot.

    Parameters
    ----------
    hot, cold : bool arrays, shape (n_zones, T)
        Significant hot / cold spot flags, periods in time order (a zone-period cannot be
        both).
    trend_z, trend_p : arrays, shape (n_zones,)
        Mann-Kendall z and two-sided p of each zone's Gi* z-scores.
    alpha : float, default 0.05
        Significance level for the trend.
    share : float, default 0.9
        The "90%" threshold, above 0.5 and at most 1.

    Returns
    -------
    numpy.ndarray of str
        One of :data:`CATEGORIES` per zone.

    Examples
    --------
    >>> f = np.zeros((3, 10), bool)
    >>> h = f.copy(); h[0, -1] = True; h[1, -2:] = True; h[2, :9] = True
    >>> emerging_categories(h, f, [0.0, 0.0, -3.0], [1.0, 1.0, 0.003]).tolist()
    ['new hot spot', 'consecutive hot spot', 'historical hot spot']
    """
    hot = np.asarray(hot, dtype=bool)
    cold = np.asarray(cold, dtype=bool)
    if hot.shape != cold.shape or hot.ndim != 2 or hot.shape[1] < 1:
        raise WorkbenchError(f"emerging: hot and cold must be 2-D of equal shape, found "
                             f"{hot.shape} and {cold.shape}")  # fmt: skip
    if (hot & cold).any():
        raise WorkbenchError("emerging: a zone cannot be both a hot and a cold spot in a period")
    trend_z = np.asarray(trend_z, dtype=float).ravel()
    trend_p = np.asarray(trend_p, dtype=float).ravel()
    if len(trend_z) != hot.shape[0] or len(trend_p) != hot.shape[0]:
        raise WorkbenchError(
            f"emerging: expected one trend z and p per zone ({hot.shape[0]}), found "
            f"{len(trend_z)} and {len(trend_p)}"
        )
    if not 0.5 < share <= 1:
        raise WorkbenchError(f"emerging: share must be above 0.5 and at most 1, found {share}")
    sig_trend = trend_p <= alpha
    rising = sig_trend & (trend_z > 0)
    falling = sig_trend & (trend_z < 0)
    hot_rules = _rules(hot, cold, rising, falling, share)
    cold_rules = _rules(cold, hot, falling, rising, share)
    order = [(k, "hot", hot_rules[k]) for k in _KINDS[:-1]]
    order += [(k, "cold", cold_rules[k]) for k in _KINDS[:-1]]
    order += [("historical", "hot", hot_rules["historical"])]
    order += [("historical", "cold", cold_rules["historical"])]
    out = np.full(hot.shape[0], "no pattern", dtype=object)
    done = np.zeros(hot.shape[0], dtype=bool)
    for kind, label, mask in order:
        take = mask & ~done
        out[take] = f"{kind} {label} spot"
        done |= take
    return out


def _rules(
    f: np.ndarray, other: np.ndarray, up: np.ndarray, down: np.ndarray, share: float
) -> dict[str, np.ndarray]:
    """The eight patterns for flags ``f`` (hot or cold), ``other`` the opposite flags.

    ``up``/``down``: a significant trend that intensifies / weakens this kind of spot.
    """
    n, t = f.shape
    final = f[:, -1]
    n_sig = f.sum(axis=1)
    many = n_sig >= np.ceil(share * t - 1e-9)  # at least 90% of the periods
    # Length of the uninterrupted run of flags ending at the final period.
    run = np.zeros(n, dtype=int)
    alive = np.ones(n, dtype=bool)
    for j in range(t - 1, -1, -1):
        alive &= f[:, j]
        run += alive
    only_run = n_sig == run  # no flag of this kind before the final run
    # A flag of the other kind before the final run (only earlier periods can hold one).
    other_before = other[:, :-1].any(axis=1)
    clean = only_run & ~other_before  # never significant at all before the final run
    return {
        "new": final & (run == 1) & clean,
        "consecutive": final & (run >= 2) & clean & ~many,
        "intensifying": final & many & up,
        "persistent": final & many & ~up & ~down,
        "diminishing": final & many & down,
        "sporadic": final & ~many & ~only_run & ~other_before,
        "oscillating": final & ~many & other_before,
        "historical": ~final & many,
    }


def emerging(
    points: Any,
    period: str = "month",
    zones: Any = None,
    *,
    time_column: str = "month",
    weights: Any = "queen",
    k: int = 8,
    knn: int | None = None,
    alpha: float = 0.05,
    fdr: bool = True,
    cell_size: float | None = None,
    return_cube: bool = False,
    observed: Iterable[Any] | None = None,
) -> Emerging | tuple[Emerging, pd.DataFrame]:
    """Emerging hot spot analysis: per-period Gi* and a trend per zone, in 17 categories.

    Method (a space-time simplification of ArcGIS's tool; stated in ``Emerging.method``):

    1. Points are counted per zone and period (every period from the first to the last
       present or held). With ``observed``, a period is *missing* unless the data hold every
       month it touches (a quarter with one month absent would under-count): a missing
       period gets no Gi* (NaN), is neither hot nor cold, and is left out of the trend and
       of the pattern rules, which run over the observed periods in order (so "the final
       period" is the last observed one, and a run continues across a missing period). An
       observed period with no points is a real zero.
    2. In each period, Gi* is computed on the counts with the **same spatial weights** (binary,
       self included; no temporal neighbours) as :func:`gistar`: analytic z, two-sided normal
       p, Benjamini-Hochberg within each period when ``fdr``. Significant with z > 0 is "hot",
       with z < 0 "cold". A period with no points (or all counts equal) has z = 0 everywhere and
       nothing significant (logged).
    3. Each zone's z-scores over time get a two-sided Mann-Kendall trend test
       (``workbench.stats.mann_kendall_many``, tie-corrected, continuity-corrected).
    4. :func:`emerging_categories` assigns one of the 17 categories: the ArcGIS Pro pattern
       definitions (new, consecutive, intensifying, persistent, diminishing, sporadic,
       oscillating, historical; "90%" = at least 0.9 x T periods), with the precedence rules
       stated in its docstring.

    Parameters
    ----------
    points : GeoDataFrame
        Points in EPSG:27700 with a time column.
    period : str, default "month"
        One of "month", "quarter", "financial_quarter" (April-March), "year",
        "financial_year", "week".
    zones : GeoDataFrame, optional
        Grid cells or polygons (default: a :func:`grid` over the points' bounds).
    time_column : str, default "month"
        Column with ``pandas.Period`` or dates.
    weights, k, knn, alpha, fdr
        As in :func:`gistar`; ``alpha`` also applies to the trend.
    cell_size : float, optional
        Cell size when the grid is built here.
    return_cube : bool, default False
        Also return the long table (zone position, period, observed, count, z, p, hot,
        cold); a missing period has NaN count, z and p.
    observed : iterable of months, optional
        The months the data hold (``Study.coverage.observed``). ``None``: every period from
        the first to the last point is held (only for data known to be complete).

    Returns
    -------
    Emerging (or (Emerging, DataFrame) with ``return_cube``)
        ``frame``: ``zones`` with ``category``, ``total`` (all points in the zone, missing
        periods included), ``n_hot``, ``n_cold`` (periods), ``final_z`` (last observed
        period), ``trend_z``, ``trend_p``, ``tau``. Settings: ``periods`` (the observed
        periods used), ``missing_periods``, ``period``, ``weights``, ``alpha``, ``fdr``,
        ``method``, ``rules``, ``category_counts``.
    """
    if period not in PERIODS:
        raise WorkbenchError(
            f"emerging: period must be one of {', '.join(PERIODS)}, found {period!r}"
        )
    if not 0 < alpha < 1:
        raise WorkbenchError(f"emerging: alpha must be between 0 and 1, found {alpha}")

    pts = as_points(points)
    if zones is None:
        zones = grid_over_bounds(pts.total_bounds, 1.0, cell_size)
    zs = as_polygons(zones)
    if time_column not in pts.columns:
        raise WorkbenchError(
            f"emerging: points have no {time_column!r} column; give time_column= naming the "
            "month or date column"
        )
    freq = PERIODS[period]
    per = _periods(pts[time_column], freq, time_column)
    held = observed_months(observed)
    first, last = per.min(), per.max()
    if held is not None and len(held):
        first = min(first, pd.Period(held.min().start_time, freq=freq))
        last = max(last, pd.Period(held.max().end_time, freq=freq))
    periods = pd.period_range(first, last, freq=per.dtype.freq)
    t_index = (per - periods[0]).map(lambda off: off.n).to_numpy(dtype=np.int64)
    nt = len(periods)
    seen = _observed_periods(periods, held)
    n_seen = int(seen.sum())
    if n_seen < 3:
        gaps = f"; {nt - n_seen} missing" if nt > n_seen else ""
        raise TooLittleData(
            f"emerging: need at least 3 observed {period} periods for a trend, found {n_seen} "
            f"({periods[0]} to {periods[-1]}{gaps})"
        )
    missing = [str(p) for p, ok in zip(periods, seen, strict=True) if not ok]
    if missing:
        logger.warning("emerging: %d period(s) missing (not held by the data): %s",
                       len(missing), missing)  # fmt: skip
    zi = _zone_index(pts, zs)
    inside = zi >= 0
    if not inside.any():
        raise WorkbenchError("emerging: none of the points fall inside any zone")
    if (~inside).any():
        logger.warning("emerging: %d point(s) outside every zone", int((~inside).sum()))
    nz = len(zs)
    counts = np.bincount(zi[inside] * nt + t_index[inside], minlength=nz * nt).reshape(nz, nt)
    res = emerging_counts(
        zs, counts, periods, observed=seen, weights=weights, k=k, knn=knn, alpha=alpha,
        fdr=fdr, return_cube=return_cube,
    )  # fmt: skip
    out = res[0] if return_cube else res
    out = dataclasses.replace(out, period=period, outside=int((~inside).sum()))
    return (out, res[1]) if return_cube else out


def emerging_counts(
    zones: Any,
    counts: np.ndarray,
    periods: pd.PeriodIndex,
    *,
    observed: np.ndarray | None = None,
    weights: Any = "queen",
    k: int = 8,
    knn: int | None = None,
    alpha: float = 0.05,
    fdr: bool = True,
    return_cube: bool = False,
) -> Emerging | tuple[Emerging, pd.DataFrame]:
    """Emerging hot spots from counts already made: one row per zone, one column per period.

    The method of :func:`emerging` from its step 2 on (step 1, counting points per zone and
    period, is done by the caller: for example the aggregates of a national engine,
    :meth:`workbench.engines.StreetAggregates.lsoa_month`). ``counts`` is an array of shape
    ``(len(zones), len(periods))``, zero where a zone had no record in a held period;
    ``observed`` (bool per period, default all True) marks the periods the data hold — the
    others are missing, not zero, and are left out as in :func:`emerging`.
    """
    zs = as_polygons(zones)
    counts = np.asarray(counts)
    nz, nt = len(zs), len(periods)
    if counts.shape != (nz, nt):
        raise WorkbenchError(
            f"emerging_counts: counts must have shape (zones, periods) = ({nz}, {nt}), "
            f"found {counts.shape}"
        )
    seen = np.ones(nt, dtype=bool) if observed is None else np.asarray(observed, dtype=bool)
    if int(seen.sum()) < 3:
        raise TooLittleData(
            f"emerging_counts: need at least 3 observed periods for a trend, found "
            f"{int(seen.sum())} of {nt}"
        )
    if not 0 < alpha < 1:
        raise WorkbenchError(f"emerging: alpha must be between 0 and 1, found {alpha}")
    from workbench.stats import mann_kendall_many

    period = periods.freqstr
    missing = [str(p) for p, ok in zip(periods, seen, strict=True) if not ok]
    inside = np.ones(1, dtype=bool)
    g, wlabel = weights_with_label(zs, weights, k=k, knn=knn)
    g_star = g.assign_self_weight(1.0)
    z = np.zeros((nz, nt))
    p = np.ones((nz, nt))
    z[:, ~seen] = np.nan
    p[:, ~seen] = np.nan
    empty = []
    for j in range(nt):
        if not seen[j]:
            continue
        y = counts[:, j].astype(float)
        if np.all(y == y[0]):
            empty.append(str(periods[j]))
            continue
        z[:, j] = gi_star(y, g_star)[1]
        p[:, j] = adjust_p(2.0 * stats.norm.sf(np.abs(z[:, j])), fdr)
    if empty:
        logger.warning("emerging: no variation (e.g. no points) in period(s) %s", empty)
    sig = p <= alpha  # NaN (missing) compares False
    hot = sig & (z > 0)
    cold = sig & (z < 0)
    mk = mann_kendall_many(z[:, seen], alpha=alpha)
    cats = emerging_categories(
        hot[:, seen], cold[:, seen], mk["z"].to_numpy(), mk["p"].to_numpy(), alpha
    )
    out = zs.copy()
    out["category"] = cats
    out["total"] = counts.sum(axis=1)
    out["n_hot"] = hot.sum(axis=1)
    out["n_cold"] = cold.sum(axis=1)
    out["final_z"] = z[:, seen][:, -1]
    out["trend_z"] = mk["z"].to_numpy()
    out["trend_p"] = mk["p"].to_numpy()
    out["tau"] = mk["tau"].to_numpy()
    vc = pd.Series(cats).value_counts()
    res = Emerging(
        frame=out,
        cells=grid_spec(zones),
        period=period,
        periods=[str(x) for x, ok in zip(periods, seen, strict=True) if ok],
        missing_periods=missing,
        weights=wlabel,
        alpha=alpha,
        fdr="Benjamini-Hochberg per period" if fdr else None,
        method="Gi* per period on the same spatial weights (self included, no temporal "
        "neighbours) + two-sided Mann-Kendall of each zone's z-scores; periods with a "
        "month the data do not hold are missing and left out",
        rules="ArcGIS Pro emerging hot spot pattern definitions (90% = at least 0.9 x "
        "periods); a cold (hot) spot before a final hot (cold) run makes it oscillating, "
        "and a final significant period outranks the historical patterns",
        category_counts={c: int(vc.get(c, 0)) for c in CATEGORIES},
        empty_periods=empty,
        outside=int((~inside).sum()),
    )
    logger.info(
        "emerging: %d zones x %d %s periods: %s",
        nz,
        nt,
        period,
        {c: n for c, n in res.category_counts.items() if n},
    )
    if not return_cube:
        return res
    cube_counts = counts.astype(float)
    cube_counts[:, ~seen] = np.nan
    cube = pd.DataFrame(
        {
            "zone": np.repeat(np.arange(nz), nt),
            "period": np.tile(periods.astype(str), nz),
            "observed": np.tile(seen, nz),
            "count": cube_counts.ravel(),
            "z": z.ravel(),
            "p": p.ravel(),
            "hot": hot.ravel(),
            "cold": cold.ravel(),
        }
    )
    return res, cube


def _periods(s: pd.Series, freq: str, name: str) -> pd.PeriodIndex:
    return pd.PeriodIndex(to_timestamps(s, name), freq=freq)


def _observed_periods(periods: pd.PeriodIndex, held: pd.PeriodIndex | None) -> np.ndarray:
    """True for each period whose every month is held (all True without ``held``)."""
    if held is None:
        return np.ones(len(periods), dtype=bool)
    months = set(held)
    out = np.zeros(len(periods), dtype=bool)
    for j, per in enumerate(periods):
        out[j] = window_complete(months, per.start_time.to_period("M"), per.end_time.to_period("M"))
    return out
