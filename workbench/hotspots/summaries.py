"""Summaries of hot spot results for the notebooks: emerging categories, top zones, composite
hot spots over several layers and areas ranked by rate."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping

import geopandas as gpd
import pandas as pd

from workbench.disclosure.policy import Policy
from workbench.disclosure.spec import Count, Derived, Described, TableSpec, rate_columns
from workbench.errors import WorkbenchError
from workbench.hotspots.gistar import gistar
from workbench.hotspots.grids import count
from workbench.hotspots.lisa import NOT_SIGNIFICANT
from workbench.hotspots.results import Change, Lisa, frame_of

logger = logging.getLogger(__name__)

__all__ = [
    "LSOA_ZONE_COLUMNS",
    "rank_note",
    "change_summary",
    "lsoa_zones",
    "rate_zones",
    "composite",
    "emerging_summary",
    "lisa_summary",
    "rank_areas",
    "top_zones",
]


#: The LSOA columns that hot spot tables and maps of LSOAs carry (pop-ups, top places).
LSOA_ZONE_COLUMNS = ("lsoa_code", "lsoa_name", "population", "imd_decile", "geometry")


def lsoa_zones(lsoas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The study LSOAs with only :data:`LSOA_ZONE_COLUMNS` (code, name, population, decile).

    Zones for :func:`workbench.deprivation.count_by_lsoa` and the LSOA hot spot statistics:
    the maps' pop-ups and the tables then carry no other column.
    """
    _need(lsoas, list(LSOA_ZONE_COLUMNS), "lsoa_zones")
    return lsoas[list(LSOA_ZONE_COLUMNS)]


def rate_zones(counts: gpd.GeoDataFrame, *, per: float = 10_000) -> gpd.GeoDataFrame:
    """``counts`` with ``rate`` = count / population x ``per`` (NaN where the population is 0).

    The value a local statistic of areas of different sizes should test (a count would find
    the largest populations).
    """
    _need(counts, ["count", "population"], "rate_zones")
    pop = pd.to_numeric(counts["population"], errors="coerce")
    return counts.assign(rate=counts["count"] / pop.where(pop > 0) * per)


def _need(df: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise WorkbenchError(
            f"{what}: columns {missing} are missing (expected {columns}; found {list(df.columns)})"
        )


def emerging_summary(result: pd.DataFrame, *, source: str = "open") -> Described:
    """Cells and events per emerging hot spot category.

    Parameters
    ----------
    result : DataFrame
        Output of :func:`workbench.hotspots.emerging` (columns ``category`` and ``total``).
    source : {"open", "partnership"}, default "open"
        Where the events come from (police.uk: open data).

    Returns
    -------
    Described
        Columns ``category``, ``cells`` (number of cells in the category: safe, grid cells
        are not people) and ``offences`` (sum of ``total`` over those cells: a count), most
        cells first (ties keep category order of first appearance sorted by name).
    """
    result = frame_of(result)
    _need(result, ["category", "total"], "emerging_summary")
    table = (
        pd.DataFrame(result)
        .groupby("category", sort=True)
        .agg(cells=("category", "size"), offences=("total", "sum"))
        .sort_values("cells", ascending=False, kind="stable")
        .reset_index()
    )
    spec = TableSpec(
        dims=("category",),
        counts={"offences": Count()},
        safe=("cells",),
        source=source,
        units={"cells": "count"},
        labels={"cells": "Grid cells"},
    )
    return Described(table, spec)


def top_zones(
    counts: gpd.GeoDataFrame,
    *,
    n: int = 10,
    code: str = "lsoa_code",
    keep: tuple[str, ...] = ("lsoa_name", "imd_decile"),
    per: float = 10_000,
    conf: float = 0.95,
    source: str = "open",
) -> Described:
    """The ``n`` zones with the most events, with rates and confidence intervals.

    Conventions
    -----------
    Rates from :func:`workbench.stats.rate`: ``count / population * per``, two-sided ``conf``
    interval, exact Poisson below 10 events, Byar from 10.

    Parameters
    ----------
    counts : GeoDataFrame
        Zones with a ``count`` column (from :func:`workbench.hotspots.count`), a
        ``population`` column, ``code`` and the ``keep`` columns.
    n : int, default 10
        Rows returned (ties at the cut keep the first zones in row order, as
        :meth:`pandas.DataFrame.nlargest`).
    code : str, default "lsoa_code"
        Zone identifier column.
    keep : tuple of str
        Descriptive columns carried into the table.
    per, conf : float
        Rate multiplier and confidence level.
    source : {"open", "partnership"}, default "open"
        Where the events come from (police.uk: open data).

    Returns
    -------
    Described
        ``code``, ``keep`` columns, ``count``, ``population`` (integers), ``rate``, ``lower``,
        ``upper`` rounded to 1 decimal; most events first; index 0..n-1. ``count`` is a
        count, the rate and its limits derive from it, the ``keep`` columns and the
        population are safe; ``code`` lists the top zones only (an incomplete dimension).
    """
    from workbench.stats import rate

    _need(counts, [code, *keep, "count", "population"], "top_zones")
    indexed = pd.DataFrame(counts).set_index(code)
    rates = rate(indexed["count"], indexed["population"], per=per, conf=conf)
    table = (
        pd.DataFrame(counts)[[code, *keep]]
        .join(rates[["count", "population", "rate", "lower", "upper"]], on=code)
        .nlargest(n, "count")
        .astype({"count": int, "population": int})
        .round(1)
        .reset_index(drop=True)
    )
    spec = TableSpec(
        dims=(code,),
        counts={"count": Count()},
        derived=rate_columns(per),
        safe=("population", *keep),
        incomplete=(code,),
        source=source,
    )
    return Described.of(table, spec)


def composite(
    layers: Mapping[str, gpd.GeoDataFrame],
    cells: gpd.GeoDataFrame,
    *,
    alpha: float = 0.05,
    protected: Collection[str] = (),
    threshold: int = 5,
) -> gpd.GeoDataFrame:
    """Composite hot spots: in how many layers each cell is a significant Gi* hot spot.

    Conventions
    -----------
    For each layer the points are counted per cell (:func:`workbench.hotspots.count`) and
    Gi* is run on the counts with the defaults of :func:`workbench.hotspots.gistar` (binary
    weights including the cell itself, two-sided p, Benjamini-Hochberg FDR at ``alpha``). A
    cell is hot in a layer when its Gi* bin is positive (a significant hot spot at any
    confidence band).

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        Layer name -> points (EPSG:27700).
    cells : GeoDataFrame
        The grid shared by all layers (from :func:`workbench.hotspots.grid`).
    alpha : float, default 0.05
        FDR level.
    protected : collection of str, optional
        Layers whose counts are protected (partnership data; police data unless the study
        shows it in full). Where such a layer counts 1 to ``threshold - 1`` in a cell, the
        cell's flag for that layer is withheld (missing) and not counted in ``hot_layers``:
        a hot spot class beside a withheld count is not published (docs/disclosure.md).
    threshold : int, default 5
        The suppression threshold.

    Returns
    -------
    GeoDataFrame
        ``cells`` with one boolean column per layer (named after it; missing where
        withheld), ``hot_layers`` (number of layers in which the cell is hot, among those
        not withheld) and ``withheld_layers`` (number of layers withheld in the cell).
    """
    if not layers:
        raise WorkbenchError("composite: no layers given (expected a mapping name -> points)")
    unknown = sorted(set(protected) - set(layers))
    if unknown:
        raise WorkbenchError(f"composite: protected layers {unknown} are not among {list(layers)}")
    out = cells.copy()
    out["hot_layers"] = 0
    out["withheld_layers"] = 0
    for name, points in layers.items():
        layer_gi = gistar(count(points, cells), "count", alpha=alpha)
        hot = pd.Series(layer_gi["bin"].gt(0).to_numpy(), index=out.index, dtype="boolean")
        if name in protected:
            counts = layer_gi["count"].to_numpy()
            withheld = Policy(threshold).small(counts)
            hot = hot.mask(withheld)
            out["withheld_layers"] += withheld.astype(int)
        out[name] = hot
        out["hot_layers"] += hot.fillna(False).astype(int).to_numpy()
    return out


def rank_areas(
    points: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    lsoas: gpd.GeoDataFrame,
    *,
    code: str = "ward_code",
    name: str = "ward_name",
    per: float = 10_000,
    conf: float = 0.95,
    source: str = "open",
) -> Described:
    """Areas (e.g. wards) ranked by event rate, with populations built from LSOAs.

    Conventions
    -----------
    An area's population is the sum of the populations of the LSOAs whose representative
    point (:meth:`geopandas.GeoSeries.representative_point`) lies within it; areas holding no
    LSOA point are left out. Events are counted per area with
    :func:`workbench.hotspots.count`. Rates from :func:`workbench.stats.rate`:
    ``count / population * per``, two-sided ``conf`` interval, exact Poisson below 10
    events, Byar from 10. Rank 1 = highest rate (ties in row order of ``areas``).

    Parameters
    ----------
    points : GeoDataFrame
        Events (EPSG:27700). When they carry the ``code`` column (a
        :class:`~workbench.study.Study` stores ``ward_code`` on every loaded row), they are
        counted by it; otherwise by point in the area polygons.
    areas : GeoDataFrame
        Area polygons with ``code`` and ``name`` columns.
    lsoas : GeoDataFrame
        LSOA polygons with ``lsoa_code`` and ``population``.
    code, name : str
        Area identifier and name columns.
    per, conf : float
        Rate multiplier and confidence level.
    source : {"open", "partnership"}, default "open"
        Where the events come from (police.uk: open data).

    Returns
    -------
    Described
        Frame indexed by ``code``: ``name``, ``count``, ``population``, ``rate``, ``lower``,
        ``upper``, ``method``, ``rank``; highest rate first. ``count`` is a count; the rate,
        its limits and the rank derive from it; the population is safe.
    """
    from workbench.stats import rate

    _need(areas, [code, name], "rank_areas (areas)")
    _need(lsoas, ["lsoa_code", "population"], "rank_areas (lsoas)")
    lsoa_points = lsoas[["lsoa_code", "population", "geometry"]].copy()
    lsoa_points["geometry"] = lsoa_points.representative_point()
    lsoa_area = gpd.sjoin(lsoa_points, areas[[code, name, "geometry"]], predicate="within")
    population = lsoa_area.groupby(code)["population"].sum()
    if code in points.columns:
        # the rows' stored area code (the one attribution rule, applied when loaded)
        per_area = points[code].astype("string").value_counts()
        counts = pd.DataFrame(areas[[code, name]]).set_index(code)
        counts["count"] = counts.index.map(per_area).fillna(0).astype("int64")
    else:
        counts = count(points, areas).set_index(code)
    counts = counts[counts.index.isin(population.index)]
    if counts.empty:
        raise WorkbenchError(
            f"rank_areas: no LSOA representative point falls in any area ({code}); "
            "check that the areas and LSOAs cover the same place and CRS"
        )
    ranked = rate(counts["count"], population.reindex(counts.index), per=per, conf=conf)
    ranked.insert(0, name, counts[name])
    ranked = ranked.sort_values("rate", ascending=False, kind="stable")
    ranked["rank"] = range(1, len(ranked) + 1)
    spec = TableSpec(
        dims=(code,),
        counts={"count": Count()},
        derived=rate_columns(per, "rank"),
        safe=("population",),
        source=source,
    )
    return Described(ranked, spec)


def lisa_summary(
    result: Lisa,
    *,
    code: str = "lsoa_code",
    keep: tuple[str, ...] = ("lsoa_name", "imd_decile"),
    value: str = "rate",
    source: str = "open",
) -> Described:
    """The zones in a significant Local Moran cluster, cluster by cluster.

    Parameters
    ----------
    result : Lisa
        Output of :func:`workbench.hotspots.lisa` on zones with ``code``, ``keep``, ``count``
        and the tested ``value`` column.
    code, keep : str, tuple of str
        Zone identifier and descriptive columns carried into the table.
    value : str, default "rate"
        The column LISA tested (shown beside the count it derives from).
    source : {"open", "partnership"}, default "open"

    Returns
    -------
    Described
        ``cluster`` (High-High first, then Low-Low, High-Low, Low-High), ``code``, ``keep``,
        ``count``, ``value`` (1 decimal), ``I`` (3), ``p`` (4; the FDR-adjusted p when the
        result used FDR).
        ``count`` is a count; ``value``, ``I`` and ``p`` derive from it (hidden with it);
        zones not significant are left out (an incomplete dimension). The table's caption
        should state the settings: :meth:`Lisa.settings` (weights, permutations, seed, FDR).
    """
    frame = result.frame
    p_col = "p_fdr" if "p_fdr" in frame.columns else "p"
    _need(frame, [code, *keep, "count", value, "cluster", "I", p_col], "lisa_summary")
    order = {"High-High": 0, "Low-Low": 1, "High-Low": 2, "Low-High": 3}
    sig = frame[frame["cluster"] != NOT_SIGNIFICANT]
    table = (
        pd.DataFrame(sig[["cluster", code, *keep, "count", value, "I", p_col]])
        .rename(columns={p_col: "p"})
        .assign(_order=lambda t: t["cluster"].map(order))
        .sort_values(["_order", value], ascending=[True, False], kind="stable")
        .drop(columns="_order")
        .round({value: 1, "I": 3, "p": 4})
        .reset_index(drop=True)
    )
    spec = TableSpec(
        dims=(code,),
        counts={"count": Count()},
        derived={c: Derived(("count",)) for c in (value, "I", "p")},
        safe=("cluster", *keep),
        incomplete=(code,),
        source=source,
    )
    return Described(table, spec)


def change_summary(
    result: Change,
    *,
    code: str = "lsoa_code",
    keep: tuple[str, ...] = ("lsoa_name", "imd_decile"),
    source: str = "open",
) -> Described:
    """The zones whose change between two periods is beyond the area-wide change.

    Parameters
    ----------
    result : Change
        Output of :func:`workbench.hotspots.change` on zones with ``code`` and ``keep``.
    code, keep : str, tuple of str
        Zone identifier and descriptive columns carried into the table.
    source : {"open", "partnership"}, default "open"

    Returns
    -------
    Described
        ``direction`` ("increase" first), ``code``, ``keep``, ``count_before``,
        ``count_after`` (counts), ``difference``, ``pct_change`` and ``p`` (derived from
        both counts: hidden with them); only significant zones (an incomplete dimension),
        largest absolute difference first. The test (a conditional binomial against the
        area-wide share after, ``Change.p0``) is in :func:`workbench.hotspots.change`.
    """
    frame = result.frame
    p_col = "p_fdr" if "p_fdr" in frame.columns else "p"
    cols = [code, *keep, "count_before", "count_after", "difference", "pct_change", p_col]
    _need(frame, [*cols, "direction", "significant"], "change_summary")
    sig = frame[frame["significant"].to_numpy(bool)]
    table = (
        pd.DataFrame(sig[["direction", *cols]])
        .rename(columns={p_col: "p"})
        .assign(_size=lambda t: -t["difference"].abs())
        .sort_values(["direction", "_size"], ascending=[False, True], kind="stable")
        .drop(columns="_size")
        .round({"pct_change": 1, "p": 4})
        .reset_index(drop=True)
    )
    both = ("count_before", "count_after")
    spec = TableSpec(
        dims=(code,),
        counts={"count_before": Count(), "count_after": Count()},
        derived={
            "difference": Derived(both),
            "pct_change": Derived(both),
            "p": Derived(both),
            "direction": Derived(both),
        },
        safe=keep,
        incomplete=(code,),
        source=source,
    )
    return Described(table, spec)


def rank_note(what: str, months_held: int, months: int = 12, per: float = 10_000) -> str:
    """The caption of a :func:`rank_areas` table: the rate, its interval and the population.

    Examples
    --------
    >>> rank_note("Anti-social behaviour", 11)[:60]
    'Anti-social behaviour; rate per 10,000 residents over 11 of '
    """
    return (
        f"{what}; rate per {per:,.0f} residents over {months_held} of the {months} months "
        "(a month the police files lack is missing, not zero), exact Poisson below 10, Byar "
        "from 10. Ward population = sum of LSOAs whose representative point is in the ward."
    )
