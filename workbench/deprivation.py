"""Deprivation profiles: counts by national deprivation decile (IMD 2019, IoD 2025 or WIMD
2019, named by :func:`index_label`), most-deprived shares, concentration."""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from workbench.disclosure.spec import (
    ALL,
    Count,
    Derived,
    Described,
    TableSpec,
    decile_groups,
    rate_columns,
    wilson_columns,
)
from workbench.errors import WorkbenchError
from workbench.stats.rates import proportion, rate

__all__ = [
    "count_by_lsoa",
    "join_counts",
    "unmatched_count",
    "layer_table",
    "layer_note",
    "LAYER_TABLE_COLUMNS",
    "decile_profile",
    "most_deprived_share",
    "concentration_curve",
    "concentration_index",
    "by_layer",
    "place_in_lsoas",
    "hotspots_by_deprivation",
    "hotspot_lsoas",
    "SUSTAINED_HOT_SPOTS",
    "decile_rate_chart",
    "index_label",
]

logger = logging.getLogger(__name__)

_NEEDED = ("lsoa_code", "imd_decile", "population")


def index_label(lsoas: pd.DataFrame) -> str:
    """The deprivation index a frame's deciles belong to (its ``deprivation_index`` column, set
    by :attr:`workbench.study.Study.lsoas`), for titles, axes and notes.

    Examples
    --------
    >>> index_label(pd.DataFrame({"deprivation_index": ["IoD 2025"]}))
    'IoD 2025'
    >>> index_label(pd.DataFrame({"imd_decile": [1]}))  # frames made before issue 21
    'IMD 2019'
    """
    if "deprivation_index" in lsoas and len(lsoas):
        values = lsoas["deprivation_index"].dropna().unique()
        if len(values) == 1:
            return str(values[0])
    return "IMD 2019"


def count_by_lsoa(events: pd.DataFrame, lsoas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The study LSOAs with a ``count`` of events, counted by the events' stored ``lsoa_code``.

    The attribution rule is applied once, when a :class:`~workbench.study.Study` loads the
    rows (docs/assumptions.md, "One attribution rule"); this counts by its column instead of
    placing the points again, so LSOA tables, hot spots and deprivation profiles agree. Use it
    where :func:`workbench.hotspots.count` would count points into LSOA polygons.

    Parameters
    ----------
    events : DataFrame
        Rows with an ``lsoa_code`` column (one event per row), or a GeoDataFrame of bare points
        without one, placed by point in the ``lsoas`` polygons (the rule for records with no
        code).
    lsoas : GeoDataFrame
        Zones with ``lsoa_code`` (one row each); every column is kept.

    Returns
    -------
    GeoDataFrame
        ``lsoas`` (same rows and order) with an integer ``count`` column (0 where no events).
        Events whose ``lsoa_code`` is missing or not one of ``lsoas`` are logged.

    Examples
    --------
    >>> z = pd.DataFrame({"lsoa_code": ["A", "B"]})
    >>> e = pd.DataFrame({"lsoa_code": ["A", "A", "C"]})
    >>> count_by_lsoa(e, z)["count"].tolist()
    [2, 0]
    """
    if lsoas["lsoa_code"].duplicated().any():
        raise WorkbenchError("count_by_lsoa: lsoas must have one row per lsoa_code")
    if isinstance(events, gpd.GeoDataFrame) and "lsoa_code" not in events.columns:
        # bare points (no stored code): the rule's placement of codeless records
        from workbench.geo import locate_points

        pts = events.to_crs(lsoas.crs) if lsoas.crs is not None else events
        zones = lsoas[["lsoa_code", lsoas.geometry.name]]
        codes = locate_points(pts.geometry, zones, "lsoa_code")
    elif isinstance(events, pd.DataFrame) and "lsoa_code" in events.columns:
        codes = events["lsoa_code"]
    else:
        raise WorkbenchError(
            "count_by_lsoa: events must be rows with an 'lsoa_code' column (as a Study loads "
            "them) or points (a GeoDataFrame)"
        )
    counts = codes.astype("string").value_counts(dropna=True)
    out = lsoas.copy()
    out["count"] = out["lsoa_code"].astype("string").map(counts).fillna(0).to_numpy(dtype=np.int64)
    inside = int(out["count"].sum())
    outside = len(events) - inside
    if outside:
        logger.warning(
            "count_by_lsoa: %d of %d event(s) have no lsoa_code among the zones",
            outside,
            len(events),
        )
    return out


def join_counts(
    counts: pd.Series | pd.DataFrame,
    lsoas: pd.DataFrame,
    *,
    count_column: Hashable | None = None,
) -> pd.DataFrame:
    """Counts per LSOA joined to the LSOAs' IMD decile and population.

    Events that cannot be placed (LSOA outside the study or missing) are logged and counted
    by :func:`unmatched_count`.

    Parameters
    ----------
    counts : Series or DataFrame
        Either counts indexed by ``lsoa_code`` (for example
        ``crimes["lsoa_code"].value_counts()``), or rows with an ``lsoa_code`` column (events,
        counted one per row, or summed from ``count_column``).
    lsoas : DataFrame
        The study LSOAs with ``lsoa_code``, ``imd_decile`` (national, 1 = most deprived) and
        ``population``; ``imd_rank``, ``imd_score`` and ``imd_quintile`` are used if present.
    count_column : column name, optional
        Column of ``counts`` to sum (default: a ``count`` column if there is one, else rows).

    Returns
    -------
    pandas.DataFrame
        One row per study LSOA with a decile: the ``lsoas`` columns used plus ``count`` (0 where
        no events).
    """
    return _join(counts, lsoas, count_column)[0]


def unmatched_count(
    counts: pd.Series | pd.DataFrame,
    lsoas: pd.DataFrame,
    *,
    count_column: Hashable | None = None,
) -> float:
    """Events :func:`join_counts` cannot place: their LSOA is not a study LSOA, is missing,
    or has no IMD decile."""
    return _join(counts, lsoas, count_column)[1]


def _join(
    counts: pd.Series | pd.DataFrame, lsoas: pd.DataFrame, count_column: Hashable | None
) -> tuple[pd.DataFrame, float]:
    """:func:`join_counts` and :func:`unmatched_count` in one pass."""
    if not isinstance(lsoas, pd.DataFrame):
        raise WorkbenchError(f"lsoas must be a DataFrame, found {type(lsoas).__name__}")
    missing = [c for c in _NEEDED if c not in lsoas.columns]
    if missing:
        raise WorkbenchError(
            f"lsoas must have columns {list(_NEEDED)}; missing {missing} (found "
            f"{list(lsoas.columns)[:10]})"
        )
    if lsoas["lsoa_code"].duplicated().any():
        dup = lsoas.loc[lsoas["lsoa_code"].duplicated(), "lsoa_code"].iloc[0]
        raise WorkbenchError(f"lsoas has lsoa_code {dup!r} more than once; expected one row each")
    per_lsoa, missing_code = _counts_by_lsoa(counts, count_column)

    keep = [
        c
        for c in ("lsoa_code", "imd_decile", "imd_quintile", "imd_rank", "imd_score", "population")
        if c in lsoas.columns
    ]
    table = pd.DataFrame(lsoas[keep]).copy()
    table["population"] = pd.to_numeric(table["population"], errors="coerce")
    if table["population"].isna().any() or (table["population"] < 0).any():
        bad = table.loc[table["population"].isna() | (table["population"] < 0), "lsoa_code"]
        raise WorkbenchError(
            f"lsoas column 'population' must be numbers >= 0; LSOA {bad.iloc[0]!r} has "
            f"{lsoas.loc[bad.index[0], 'population']!r}"
        )
    decile = pd.to_numeric(table["imd_decile"], errors="coerce")
    bad_decile = decile.notna() & ~decile.isin(range(1, 11))
    if bad_decile.any():
        raise WorkbenchError(
            f"lsoas column 'imd_decile' must be 1 to 10; LSOA "
            f"{table.loc[bad_decile, 'lsoa_code'].iloc[0]!r} has {decile[bad_decile].iloc[0]!r}"
        )
    table["imd_decile"] = decile
    if "imd_quintile" not in table.columns:
        # National quintiles from national deciles: deciles 1-2 = quintile 1, and so on.
        table["imd_quintile"] = np.ceil(decile / 2)
    table["count"] = table["lsoa_code"].map(per_lsoa).fillna(0.0).astype(float)

    unmatched = float(per_lsoa[~per_lsoa.index.isin(table["lsoa_code"])].sum())
    unmatched += missing_code
    no_decile = table["imd_decile"].isna()
    if no_decile.any():
        logger.warning(
            "%d LSOA(s) have no IMD decile (for example %s) and are left out, with %g event(s)",
            int(no_decile.sum()),
            table.loc[no_decile, "lsoa_code"].iloc[0],
            table.loc[no_decile, "count"].sum(),
        )
    if unmatched:
        logger.warning("%g event(s) have an LSOA outside the study LSOAs or none", unmatched)
    out = table.loc[~no_decile].reset_index(drop=True)
    out["imd_decile"] = out["imd_decile"].astype(int)
    out["imd_quintile"] = pd.to_numeric(out["imd_quintile"]).astype(int)
    return out, unmatched + float(table.loc[no_decile, "count"].sum())


def _counts_by_lsoa(counts: Any, count_column: Hashable | None) -> tuple[pd.Series, float]:
    """Events per LSOA code, and the events with no LSOA code."""
    if isinstance(counts, pd.Series):
        values = pd.to_numeric(counts, errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            label = counts.index[bad.to_numpy()][0]
            found = counts[bad].iloc[0]
            found = found.item() if isinstance(found, np.generic) else found
            raise WorkbenchError(
                f"counts must be numbers >= 0 indexed by lsoa_code; found {found!r} for {label!r}"
            )
        return values.groupby(level=0).sum().astype(float), 0.0
    if isinstance(counts, pd.DataFrame):
        if "lsoa_code" not in counts.columns:
            raise WorkbenchError(
                f"counts must have an 'lsoa_code' column or be a Series indexed by LSOA code; "
                f"found columns {list(counts.columns)[:10]}"
            )
        col = (
            count_column
            if count_column is not None
            else ("count" if "count" in counts.columns else None)
        )
        if col is not None and col not in counts.columns:
            raise WorkbenchError(f"count_column {col!r} is not a column of counts")
        if col is not None:
            weights = pd.to_numeric(counts[col], errors="coerce")
            bad = weights.isna() | (weights < 0)
            if bad.any():
                pos = int(np.flatnonzero(bad.to_numpy())[0])
                found = counts[col].iloc[pos]
                found = found.item() if isinstance(found, np.generic) else found
                raise WorkbenchError(
                    f"counts, column {col!r}: expected numbers >= 0, found {found!r} "
                    f"(row label {counts.index[pos]!r})"
                )
        else:
            weights = pd.Series(1.0, index=counts.index)
        code = counts["lsoa_code"]
        missing = float(weights[code.isna()].sum())
        series = weights[code.notna()].groupby(code[code.notna()].to_numpy()).sum().astype(float)
        return series, missing
    raise WorkbenchError(
        f"counts must be a Series indexed by lsoa_code or a DataFrame with lsoa_code, found "
        f"{type(counts).__name__}"
    )


def decile_profile(
    counts: pd.Series | pd.DataFrame,
    lsoas: pd.DataFrame,
    *,
    by: str = "decile",
    per: float = 10_000,
    conf: float = 0.95,
    count_column: Hashable | None = None,
) -> pd.DataFrame:
    """Counts, rates and shares by national IMD decile (or quintile).

    Conventions
    -----------
    National deciles: 1 = the 10% most deprived LSOAs in England (not local deciles).
    ``rate`` per ``per`` residents with exact Poisson (below 10 events) or Byar intervals
    (:func:`workbench.stats.rate`); ``share_of_events`` and ``share_of_population`` are
    fractions of the study totals; ``ratio`` = share_of_events / share_of_population
    (above 1 = more events than the population share). Every decile (or quintile) is listed;
    those with no study LSOAs have zero population and empty rates.

    Parameters
    ----------
    counts, lsoas, count_column
        As in :func:`join_counts`.
    by : {"decile", "quintile"}, default "decile"
    per : float, default 10,000
    conf : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        Columns ``imd_decile`` (or ``imd_quintile``), ``lsoas``, ``count``, ``population``,
        ``rate``, ``lower``, ``upper``, ``share_of_events``, ``share_of_population``,
        ``ratio``.
    """
    if by not in ("decile", "quintile"):
        raise WorkbenchError(f"by must be 'decile' or 'quintile', found {by!r}")
    joined = join_counts(counts, lsoas, count_column=count_column)
    key = f"imd_{by}"
    groups = range(1, 11) if by == "decile" else range(1, 6)
    prof = (
        joined.groupby(key)
        .agg(lsoas=("lsoa_code", "size"), count=("count", "sum"), population=("population", "sum"))
        .reindex(groups, fill_value=0)
    )
    prof.index.name = key
    pop = prof["population"].to_numpy(dtype=float)
    n = prof["count"].to_numpy(dtype=float)
    has_pop = pop > 0
    for col in ("rate", "lower", "upper"):
        prof[col] = np.nan
    if has_pop.any():
        rates = rate(n[has_pop], pop[has_pop], per=per, conf=conf)
        prof.loc[has_pop, ["rate", "lower", "upper"]] = rates[["rate", "lower", "upper"]].to_numpy()
    total_n, total_pop = n.sum(), pop.sum()
    prof["share_of_events"] = n / total_n if total_n > 0 else np.nan
    if total_pop <= 0:
        raise WorkbenchError("lsoas population adds up to zero; cannot compute shares or rates")
    prof["share_of_population"] = pop / total_pop
    with np.errstate(divide="ignore", invalid="ignore"):
        prof["ratio"] = prof["share_of_events"] / prof["share_of_population"].where(pop > 0)
    return prof.reset_index()


def most_deprived_share(
    counts: pd.Series | pd.DataFrame,
    lsoas: pd.DataFrame,
    *,
    conf: float = 0.95,
    count_column: Hashable | None = None,
) -> pd.DataFrame:
    """Share of events in the 10%, 20% and 30% most deprived LSOAs against their population.

    Conventions
    -----------
    "10% / 20% / 30% most deprived" = national deciles 1, 1-2, 1-3 (GUIDE section 2).
    ``share_of_events`` = events in those LSOAs / all study events, with a Wilson score
    interval (``lower``, ``upper``); ``share_of_population`` is the same LSOAs' share of
    the study population; ``ratio`` = share_of_events / share_of_population.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``group``, ``deciles``, ``lsoas``, ``count``, ``total_count``,
        ``share_of_events``, ``lower``, ``upper``, ``population``, ``total_population``,
        ``share_of_population``, ``ratio``.
    """
    joined = join_counts(counts, lsoas, count_column=count_column)
    total_n = float(joined["count"].sum())
    total_pop = float(joined["population"].sum())
    if total_n <= 0:
        raise WorkbenchError("there are no events in the study LSOAs; no shares to compute")
    if total_pop <= 0:
        raise WorkbenchError("lsoas population adds up to zero; cannot compute shares")
    rows = []
    for top, label, deciles in (
        (1, "10% most deprived", "1"),
        (2, "20% most deprived", "1-2"),
        (3, "30% most deprived", "1-3"),
    ):
        inside = joined["imd_decile"] <= top
        rows.append(
            {
                "group": label,
                "deciles": deciles,
                "lsoas": int(inside.sum()),
                "count": float(joined.loc[inside, "count"].sum()),
                "total_count": total_n,
                "population": float(joined.loc[inside, "population"].sum()),
                "total_population": total_pop,
            }
        )
    out = pd.DataFrame(rows)
    ci = proportion(out["count"].to_numpy(), total_n, conf=conf)
    out.insert(5, "share_of_events", ci["proportion"].to_numpy())
    out.insert(6, "lower", ci["lower"].to_numpy())
    out.insert(7, "upper", ci["upper"].to_numpy())
    out["share_of_population"] = out["population"] / total_pop
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = out["share_of_events"] / out["share_of_population"].where(
            out["population"] > 0
        )
    return out


def _rank_column(joined: pd.DataFrame, rank_by: str | None) -> tuple[str, bool]:
    """The column ordering LSOAs from most to least deprived, and whether to sort ascending."""
    options = {"imd_rank": True, "imd_score": False, "imd_decile": True}
    if rank_by is None:
        rank_by = next(c for c in options if c in joined.columns and joined[c].notna().all())
    if rank_by not in options:
        raise WorkbenchError(f"rank_by must be one of {list(options)}, found {rank_by!r}")
    if rank_by not in joined.columns:
        raise WorkbenchError(f"lsoas has no column {rank_by!r} to rank by")
    return rank_by, options[rank_by]


def concentration_curve(
    counts: pd.Series | pd.DataFrame,
    lsoas: pd.DataFrame,
    *,
    rank_by: str | None = None,
    count_column: Hashable | None = None,
) -> pd.DataFrame:
    """Concentration curve of events over LSOAs ranked from most to least deprived.

    Conventions
    -----------
    LSOAs are ordered from most deprived to least: by ``imd_rank`` ascending (1 = most
    deprived) when present, else ``imd_score`` descending, else ``imd_decile``. LSOAs sharing
    a rank value are pooled into one step, so the result does not depend on their order.
    The curve runs from (0, 0) to (1, 1): x = cumulative share of population, y = cumulative
    share of events. The concentration index (:func:`concentration_index`) is
    ``C = 1 - 2 * area under the curve`` (trapezoid rule), equal to
    ``2 * cov_w(y, R) / mean_w(y)`` with population-weighted covariance, y the LSOA rate
    and R the fractional rank (cumulative population share at the LSOA's midpoint).
    C < 0: events concentrated in the more deprived LSOAs; 0: in proportion to population.

    Returns
    -------
    pandas.DataFrame
        Columns ``rank_value``, ``lsoas``, ``population``, ``count``, ``cum_population_share``,
        ``cum_event_share``; the first row is the origin (0, 0).
    """
    return _concentration(counts, lsoas, rank_by, count_column)[0]


def _concentration(
    counts: Any, lsoas: pd.DataFrame, rank_by: str | None, count_column: Hashable | None
) -> tuple[pd.DataFrame, float]:
    """The concentration curve and its index C = 1 - 2 * area (trapezoid)."""
    joined = join_counts(counts, lsoas, count_column=count_column)
    col, ascending = _rank_column(joined, rank_by)
    steps = (
        joined.groupby(col)
        .agg(lsoas=("lsoa_code", "size"), population=("population", "sum"), count=("count", "sum"))
        .sort_index(ascending=ascending)
    )
    total_pop, total_n = steps["population"].sum(), steps["count"].sum()
    if total_pop <= 0 or total_n <= 0:
        raise WorkbenchError(
            "a concentration curve needs events and population in the study LSOAs; found "
            f"{total_n:g} events and population {total_pop:g}"
        )
    steps["cum_population_share"] = steps["population"].cumsum() / total_pop
    steps["cum_event_share"] = steps["count"].cumsum() / total_n
    steps.index.name = "rank_value"
    origin = pd.DataFrame(
        {
            "lsoas": [0],
            "population": [0.0],
            "count": [0.0],
            "cum_population_share": [0.0],
            "cum_event_share": [0.0],
        },
        index=pd.Index([np.nan], name="rank_value"),
    )
    curve = pd.concat([origin, steps.astype(float)]).reset_index()
    x = curve["cum_population_share"].to_numpy()
    y = curve["cum_event_share"].to_numpy()
    area = float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))
    return curve, 1 - 2 * area


def concentration_index(
    counts: pd.Series | pd.DataFrame,
    lsoas: pd.DataFrame,
    *,
    rank_by: str | None = None,
    count_column: Hashable | None = None,
) -> float:
    """Concentration index of events by deprivation (negative = more in deprived LSOAs).

    ``C = 1 - 2 * area under the concentration curve`` (trapezoid rule on population-ranked
    LSOAs, most deprived first); see :func:`concentration_curve`. Range -1 to 1.
    """
    return float(_concentration(counts, lsoas, rank_by, count_column)[1])


_LAYER_MEASURES = ("decile_profile", "most_deprived_share")


def by_layer(
    layers: Mapping[str, pd.Series | pd.DataFrame],
    lsoas: pd.DataFrame,
    measure: str = "most_deprived_share",
    *,
    label: str = "layer",
    count_in: pd.DataFrame | None = None,
    partnership: Iterable[str] = (),
    **kwargs: Any,
) -> Described:
    """:func:`decile_profile` or :func:`most_deprived_share` of several layers, stacked.

    Conventions
    -----------
    Each layer (e.g. a crime type or needle finds) is profiled on its own with the measure's
    own conventions; the results are stacked with the layer name in a first column
    ``label``, in the order of ``layers``. Layers with no events (an empty frame, or counts
    summing to 0) are left out and logged.

    Parameters
    ----------
    layers : mapping
        Layer name -> counts, as the measure takes them (a Series of counts indexed by LSOA
        code, or events with an ``lsoa_code`` column).
    lsoas : DataFrame
        LSOAs with ``lsoa_code``, ``imd_decile`` and ``population``.
    measure : {"most_deprived_share", "decile_profile"}
    label : str, default "layer"
        Name of the layer column.
    count_in : GeoDataFrame, optional
        LSOA polygons (``lsoa_code``, geometry), for layers of points that carry no
        ``lsoa_code``: those are counted into the polygon holding them with
        :func:`workbench.hotspots.count` (points in no polygon are not counted). A layer with
        an ``lsoa_code`` column (every layer a :class:`~workbench.study.Study` loads: the
        attribution rule's column) is counted by that column, never re-placed by its points,
        so that the figures agree with every other report (docs/assumptions.md, "One
        attribution rule").
    partnership : iterable of str, default ()
        The layers that come from a partnership table (needle finds). When one of them is
        in the result, the whole table is protected (``source="partnership"``); layers of
        police.uk counts alone are open data.
    **kwargs
        Passed to the measure (e.g. ``per`` for :func:`decile_profile`).

    Returns
    -------
    Described
        The measure's columns with ``label`` first, a fresh RangeIndex. ``count`` (and
        ``total_count``, the count over every decile) count events of the layer (one
        measure across both kinds, so a group of deciles is the sum of its deciles); rates,
        shares, their limits and ratios derive from them; populations and LSOA numbers are
        safe.

    Raises
    ------
    WorkbenchError
        An unknown ``measure``, or no layer with events.
    """
    if measure not in _LAYER_MEASURES:
        raise WorkbenchError(f"measure: expected one of {_LAYER_MEASURES}, found {measure!r}")
    func = decile_profile if measure == "decile_profile" else most_deprived_share
    if count_in is not None:
        from workbench.hotspots import count as count_points

        zones = count_in[["lsoa_code", count_in.geometry.name]]
        layers = {
            name: (
                points
                if isinstance(points, pd.DataFrame) and "lsoa_code" in points.columns
                else count_points(points, zones).set_index("lsoa_code")["count"]
            )
            for name, points in layers.items()
        }
    tables = []
    for name, counts in layers.items():
        empty = len(counts) == 0 or (
            isinstance(counts, pd.Series) and pd.to_numeric(counts, errors="coerce").sum() == 0
        )
        if empty:
            logger.info("by_layer: layer %r has no events and is left out", name)
            continue
        table = func(counts, lsoas, **kwargs)
        if not isinstance(table.index, pd.RangeIndex):
            table = table.reset_index()
        table.insert(0, label, name)
        tables.append(table)
    if not tables:
        raise WorkbenchError(f"layers: none of {list(layers)} has any events")
    out = pd.concat(tables, ignore_index=True)
    protected = set(partnership) & set(out[label])
    source = "partnership" if protected else "open"
    return Described.of(out, _layer_spec(measure, label, out, kwargs.get("per", 10_000), source))


#: What :func:`by_layer` tables count: cells of one layer and decile (or group of deciles)
#: in any of its tables are the same number.
LAYER_MEASURE = "events by layer"


def _layer_spec(measure: str, label: str, out: pd.DataFrame, per: float, source: str) -> TableSpec:
    """The description of a :func:`by_layer` table (see its Returns)."""
    if measure == "decile_profile":
        dim = "imd_decile" if "imd_decile" in out.columns else "imd_quintile"
        return TableSpec(
            dims=(label, dim),
            counts={"count": Count(LAYER_MEASURE if dim == "imd_decile" else None)},
            derived=rate_columns(per, "share_of_events", "ratio"),
            safe=("lsoas", "population", "share_of_population"),
            dim_names={label: "layer"},
            source=source,
        )
    return TableSpec(
        dims=(label, "group"),
        counts={
            "count": Count(LAYER_MEASURE),
            "total_count": Count(LAYER_MEASURE, fixed={"group": ALL}),
        },
        derived={
            **wilson_columns("count", "total_count", "share_of_events", "lower", "upper"),
            "ratio": Derived(("count", "total_count")),
        },
        safe=("share_of_population", "lsoas", "population", "total_population"),
        member_sets={"group": decile_groups()},
        dim_names={label: "layer", "group": "imd_decile"},
        source=source,
    )


#: Emerging hot spot categories listed by :func:`hotspot_lsoas` by default.
SUSTAINED_HOT_SPOTS = (
    "persistent hot spot",
    "intensifying hot spot",
    "consecutive hot spot",
    "new hot spot",
)


def place_in_lsoas(zones: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each zone (e.g. grid cell) with the LSOA holding its centre.

    Conventions
    -----------
    A zone belongs to the LSOA its centroid falls within (``geopandas.sjoin``,
    ``predicate="within"``); zones whose centre is in no LSOA keep missing LSOA columns.
    The result's geometry is the centroid.

    Parameters
    ----------
    zones : GeoDataFrame
        Polygons in the same CRS as ``lsoas``.
    lsoas : GeoDataFrame
        ``lsoa_code``, ``lsoa_name``, ``imd_decile`` and geometry.

    Returns
    -------
    geopandas.GeoDataFrame
        ``zones``' columns plus lsoa_code, lsoa_name, imd_decile.
    """
    missing = [c for c in ("lsoa_code", "lsoa_name", "imd_decile") if c not in lsoas.columns]
    if missing:
        raise WorkbenchError(f"lsoas: columns {missing} are missing; found {list(lsoas.columns)}")
    placed = gpd.sjoin(
        zones.set_geometry(zones.centroid),
        lsoas[["lsoa_code", "lsoa_name", "imd_decile", lsoas.geometry.name]],
        how="left",
        predicate="within",
    )
    return placed.drop(columns="index_right")


def _hot(zones: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if "category" not in zones.columns:
        raise WorkbenchError(
            "zones: expected the emerging hot spot output with a 'category' column, found "
            f"{list(zones.columns)[:10]}"
        )
    placed = place_in_lsoas(zones, lsoas)
    return placed[placed["category"].astype(str).str.contains("hot spot")]


def hotspots_by_deprivation(
    zones: gpd.GeoDataFrame, lsoas: gpd.GeoDataFrame, most_deprived_deciles: int = 2
) -> pd.DataFrame:
    """Hot spot cells of each emerging category, in the most deprived LSOAs or elsewhere.

    Conventions
    -----------
    Cells are placed with :func:`place_in_lsoas`. "Most deprived" = national IMD decile 1 to
    ``most_deprived_deciles`` (2: the 20% most deprived). Only categories containing "hot
    spot" are counted; a cell whose centre is in no LSOA counts as "elsewhere".

    Parameters
    ----------
    zones : GeoDataFrame
        :func:`workbench.hotspots.emerging` output (``category``).
    lsoas : GeoDataFrame
    most_deprived_deciles : int, default 2

    Returns
    -------
    pandas.DataFrame
        Index ``category``; columns ``cells_in_most_deprived`` and ``cells_elsewhere``.
    """
    if not 1 <= int(most_deprived_deciles) <= 10:
        raise WorkbenchError(
            f"most_deprived_deciles: expected 1 to 10, found {most_deprived_deciles!r}"
        )
    hot = _hot(zones, lsoas)
    decile = pd.to_numeric(hot["imd_decile"], errors="coerce").astype(float)
    deprived = (decile <= most_deprived_deciles).to_numpy()  # NaN (no LSOA) compares False
    table = (
        pd.crosstab(hot["category"].astype(str).to_numpy(), deprived, rownames=["category"])
        .reindex(columns=[True, False], fill_value=0)
        .rename(columns={True: "cells_in_most_deprived", False: "cells_elsewhere"})
    )
    table.columns.name = None
    return table


def hotspot_lsoas(
    zones: gpd.GeoDataFrame,
    lsoas: gpd.GeoDataFrame,
    categories: tuple[str, ...] = SUSTAINED_HOT_SPOTS,
    count_column: str = "total",
    *,
    source: str = "open",
) -> Described:
    """LSOAs holding hot spot cells of the given categories, most deprived first.

    Conventions
    -----------
    Cells are placed with :func:`place_in_lsoas`; per LSOA and category, ``cells`` is the
    number of cells and ``offences`` the sum of their ``count_column`` (events over the whole
    period). Sorted by IMD decile (1 first), then offences (most first).

    Returns
    -------
    Described
        lsoa_code, lsoa_name, imd_decile, category, cells, offences. ``offences`` is a
        count (of open police.uk events unless ``source="partnership"``); cells (grid cells,
        not people) and the decile are safe; only LSOAs with hot spots are listed.
    """
    hot = _hot(zones, lsoas)
    if count_column not in hot.columns:
        raise WorkbenchError(f"zones: no column {count_column!r} of event counts")
    chosen = hot[hot["category"].astype(str).isin(categories)]
    table = (
        chosen.groupby(["lsoa_code", "lsoa_name", "imd_decile", "category"], observed=True)
        .agg(cells=("category", "size"), offences=(count_column, "sum"))
        .reset_index()
        .sort_values(["imd_decile", "offences"], ascending=[True, False])
        .reset_index(drop=True)
    )
    spec = TableSpec(
        dims=("lsoa_code", "category"),
        counts={"offences": Count()},
        safe=("cells", "imd_decile"),
        incomplete=("lsoa_code",),
        source=source,
    )
    return Described(table, spec)


def decile_rate_chart(
    deciles: pd.DataFrame | Sequence[pd.DataFrame],
    label: str = "layer",
    *,
    title: str = "Rate per 10,000 residents by decile (1 = most deprived)",
    logy: bool = True,
    index: str | None = None,
) -> Any:
    """Line chart of the rate by national IMD decile, one line per layer.

    Parameters
    ----------
    deciles : DataFrame or sequence of DataFrame
        :func:`by_layer` output with ``measure="decile_profile"`` (``label``, ``imd_decile``,
        ``rate``); several (the police.uk layers and the partnership layers, published as
        separate tables) are drawn on one chart.
    label : str, default "layer"
        The layer column.
    title : str
        Say the ``per`` used for the rates.
    logy : bool, default True
        Log scale (layers differ by orders of magnitude); deciles with a rate of 0 are then
        not drawn.
    index : str, optional
        The deprivation index named on the axis (``study.deprivation_index.label``, e.g.
        "IoD 2025"); else the frames' ``deprivation_index`` column, else "IMD 2019".

    Returns
    -------
    matplotlib.figure.Figure
        A missing rate (a decile with no residents, or withheld: draw from
        :meth:`workbench.outputs.Outputs.plot_data`) is a gap in its line, and a footnote
        says so.
    """
    if not isinstance(deciles, pd.DataFrame):  # several published tables (one per source)
        deciles = pd.concat(list(deciles), ignore_index=True)
    needed = [label, "imd_decile", "rate"]
    missing = [c for c in needed if c not in deciles.columns]
    if missing:
        raise WorkbenchError(f"deciles: columns {missing} are missing; found {list(deciles)}")
    if index is None:
        index = index_label(deciles)
    wide = deciles.pivot(index="imd_decile", columns=label, values="rate")
    ax = wide.plot(marker="o", logy=logy, title=title)
    ax.set_xlabel(f"national {index} decile (1 = most deprived 10%)")
    ax.set_ylabel("rate" + (" (log scale)" if logy else ""))
    fig = ax.get_figure()
    if wide.isna().to_numpy().any():
        # a withheld rate (Outputs.plot_data) is a gap, never a zero
        fig.subplots_adjust(bottom=0.16)
        fig.text(
            0.01,
            0.005,
            "Gaps: no residents in the decile, or a rate withheld (disclosure control); not zero.",
            fontsize=7,
            va="bottom",
        )
    return fig


#: The columns of the published layer tables, by measure (:func:`layer_table`).
LAYER_TABLE_COLUMNS = {
    "decile_profile": (
        "layer",
        "imd_decile",
        "lsoas",
        "count",
        "population",
        "rate",
        "lower",
        "upper",
        "share_of_events",
        "share_of_population",
        "ratio",
    ),
    "most_deprived_share": (
        "layer",
        "group",
        "count",
        "total_count",
        "share_of_events",
        "lower",
        "upper",
        "share_of_population",
        "ratio",
    ),
}


def layer_table(
    layers: Mapping[str, pd.Series | pd.DataFrame],
    lsoas: pd.DataFrame,
    measure: str = "most_deprived_share",
    *,
    partnership: Iterable[str] = (),
    label: str = "layer",
    **kwargs: Any,
) -> Described:
    """The published table of :func:`by_layer`: its columns (:data:`LAYER_TABLE_COLUMNS`,
    the first named ``label``), rounded to 3 decimals, the layers counted by the LSOAs' own
    codes (``count_in=lsoas``)."""
    if measure not in LAYER_TABLE_COLUMNS:
        raise WorkbenchError(
            f"measure: expected one of {list(LAYER_TABLE_COLUMNS)}, found {measure!r}"
        )
    result = by_layer(
        layers, lsoas, measure, label=label, count_in=lsoas, partnership=partnership, **kwargs
    )
    columns = [label, *LAYER_TABLE_COLUMNS[measure][1:]]
    return result.select(columns).round(3)


def layer_note(
    measure: str, population: str | None = None, *, index: str, latest: bool = False
) -> str:
    """The caption of a :func:`layer_table`: the index, the rate and the interval used.

    ``population``: the label of the population the rates divide by (decile profiles);
    ``index``: the deprivation index's label (``study.deprivation_index.label``, e.g.
    ``"IoD 2025"``); ``latest``: the shares of the latest 12 months (the overview's wording).

    Examples
    --------
    >>> layer_note("most_deprived_share", index="WIMD 2019")[:48]
    'Most deprived = national WIMD 2019 deciles 1 (10'
    """
    if latest:
        return (
            f"Latest 12 months. Most deprived = national {index} deciles (1 = most deprived). "
            "Share of events with a Wilson 95% interval."
        )
    if measure == "decile_profile":
        return (
            f"National {index} deciles; rates per 10,000 residents "
            f"({population}), exact Poisson below 10 events, Byar from 10."
        )
    return (
        f"Most deprived = national {index} deciles 1 (10%), 1-2 (20%), 1-3 (30%); Wilson 95% "
        "intervals."
    )
