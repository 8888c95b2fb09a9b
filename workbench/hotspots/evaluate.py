"""How well hotspots predict crime: PAI, RRI, concentration, and a comparison of methods."""

from __future__ import annotations

import logging
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from workbench.disclosure.spec import Described, TableSpec
from workbench.errors import WorkbenchError
from workbench.hotspots._checks import area_geometry, as_points, as_polygons
from workbench.hotspots.gistar import gistar
from workbench.hotspots.grids import _zone_index, count, grid
from workbench.hotspots.kde import kde

__all__ = ["pai", "rri", "concentration", "compare_methods"]

logger = logging.getLogger(__name__)


def _inside(points: gpd.GeoDataFrame, geom) -> np.ndarray:
    zs = gpd.GeoDataFrame(geometry=[geom], crs=points.crs)
    return _zone_index(points, zs) >= 0


def _hotspot_geometry(hotspots: Any, area_geom):
    hs = as_polygons(hotspots, "hotspots")
    geom = hs.geometry.make_valid().union_all()
    if area_geom is not None:
        geom = geom.intersection(area_geom)
    if geom.is_empty or geom.area <= 0:
        raise WorkbenchError("hotspots: the hotspot polygons have no area inside the study area")
    return geom


def pai(hotspots: Any, points: Any, area: Any) -> pd.Series:
    """Predictive Accuracy Index: PAI = (n / N) / (a / A).

    n = points inside the hotspots, N = points inside the study area, a = hotspot area inside
    the study area, A = study area (all in EPSG:27700 metres). PAI > 1 means the hotspots hold
    more crime than their share of the area.

    Parameters
    ----------
    hotspots : GeoDataFrame
        Hotspot polygons (e.g. the selected grid cells); overlapping parts count once.
    points : GeoDataFrame
        The crimes to evaluate (typically a later period than the one used to find hotspots).
    area : GeoDataFrame or shapely polygon
        The study area.

    Returns
    -------
    pandas.Series
        ``n``, ``N``, ``hit_rate`` (n/N), ``a_km2``, ``A_km2``, ``area_share`` (a/A), ``pai``.

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> area = box(0, 0, 100, 100)
    >>> hs = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10)], crs=27700)  # 1% of the area
    >>> pts = gpd.GeoDataFrame(geometry=[Point(5, 5)] * 3 + [Point(50, 50)] * 7, crs=27700)
    >>> float(pai(hs, pts, area)["pai"])  # (3/10) / (100/10000)
    30.0
    """
    ag = area_geometry(area)
    pts = as_points(points)
    hg = _hotspot_geometry(hotspots, ag)
    in_area = _inside(pts, ag)
    N = int(in_area.sum())
    if N == 0:
        raise WorkbenchError("pai: none of the points fall inside the study area")
    n = int((_inside(pts, hg) & in_area).sum())
    a, A = hg.area, ag.area
    return pd.Series(
        {
            "n": n,
            "N": N,
            "hit_rate": n / N,
            "a_km2": a / 1e6,
            "A_km2": A / 1e6,
            "area_share": a / A,
            "pai": (n / N) / (a / A),
        },
        name="pai",
    )


def rri(hotspots: Any, fit_points: Any, test_points: Any, area: Any) -> pd.Series:
    """Recapture Rate Index: RRI = (n2 / n1) / (N2 / N1).

    n1, n2 = points inside the hotspots in the fitting and test periods; N1, N2 = points in
    the whole study area in those periods. RRI > 1: the hotspots kept more of their crime
    than the area as a whole did. NaN (with a log message) when n1 = 0.

    Returns
    -------
    pandas.Series
        ``n1``, ``n2``, ``N1``, ``N2``, ``rri``.
    """
    ag = area_geometry(area)
    hg = _hotspot_geometry(hotspots, ag)
    fit = as_points(fit_points, "fit_points")
    test = as_points(test_points, "test_points")
    a1, a2 = _inside(fit, ag), _inside(test, ag)
    N1, N2 = int(a1.sum()), int(a2.sum())
    if N1 == 0 or N2 == 0:
        raise WorkbenchError(
            f"rri: need points inside the study area in both periods, found {N1} (fit) and "
            f"{N2} (test)"
        )
    n1 = int((_inside(fit, hg) & a1).sum())
    n2 = int((_inside(test, hg) & a2).sum())
    if n1 == 0:
        logger.warning("rri: no fitting-period point in the hotspots; RRI is undefined")
    value = (n2 / n1) / (N2 / N1) if n1 else float("nan")
    return pd.Series({"n1": n1, "n2": n2, "N1": N1, "N2": N2, "rri": value}, name="rri")


def concentration(counts: Any, column: str = "count") -> pd.Series:
    """How concentrated crime is across places.

    * top 5% / top 10%: share of the total in the ceil(0.05 n) / ceil(0.10 n) zones with the
      highest counts (at least one zone).
    * Gini: G = sum_i (2i - n - 1) x_(i) / (n sum x), x sorted ascending, i = 1..n
      (0 = evenly spread, (n-1)/n = all in one zone; zones with zero count included).

    Parameters
    ----------
    counts : array-like, Series or DataFrame
        Counts per zone (a DataFrame uses ``column``).

    Returns
    -------
    pandas.Series
        ``n_zones``, ``total``, ``top5_share``, ``top10_share``, ``gini``.

    Examples
    --------
    >>> float(concentration([0, 0, 0, 10])["gini"])
    0.75
    """
    if isinstance(counts, pd.DataFrame):
        if column not in counts.columns:
            raise WorkbenchError(f"concentration: column {column!r} not found")
        counts = counts[column]
    x = pd.to_numeric(pd.Series(np.asarray(counts).ravel()), errors="coerce").to_numpy(float)
    if len(x) == 0:
        raise WorkbenchError("concentration: expected counts for at least one zone, found none")
    if not np.isfinite(x).all() or (x < 0).any():
        raise WorkbenchError("concentration: counts must be non-negative numbers")
    total = x.sum()
    if total == 0:
        raise WorkbenchError("concentration: all counts are zero")
    n = len(x)
    desc = np.sort(x)[::-1]
    asc = desc[::-1]
    i = np.arange(1, n + 1)
    gini = float(np.sum((2 * i - n - 1) * asc) / (n * total))
    top = {p: desc[: max(1, math.ceil(p / 100 * n))].sum() / total for p in (5, 10)}
    return pd.Series(
        {
            "n_zones": n,
            "total": total,
            "top5_share": float(top[5]),
            "top10_share": float(top[10]),
            "gini": gini,
        },
        name="concentration",
    )


def compare_methods(
    points_fit: Any,
    points_test: Any,
    area: Any,
    *,
    cell_size: float | None = None,
    bandwidth: float | None = None,
    top: float = 0.05,
    weights: Any = "queen",
    alpha: float = 0.05,
    fdr: bool = True,
) -> Described:
    """Fit hotspots on one period and test them on the next, for three methods.

    On one grid over ``area`` (:func:`grid`, clipped):

    * ``kde``: the top ``top`` share of cells by quartic KDE of ``points_fit``;
    * ``counts``: the top ``top`` share of cells by raw count of ``points_fit``;
    * ``gistar``: cells that are significant Gi* hot spots (bin > 0; FDR when ``fdr``) on
      the counts of ``points_fit``.

    "Top share" = the ceil(top x n_cells) highest cells (ties at the cut broken by cell order).

    Returns
    -------
    Described
        Frame indexed by ``method``: ``cells``, ``area_share``, ``hit_rate_fit``,
        ``pai_fit``, ``hit_rate_test``, ``pai_test`` (the out-of-sample PAI), ``rri``.
        The cell size and bandwidth used are logged. Every value is a share or index
        over a whole period of open (police.uk) events: safe, no count of people.
    """
    if not 0 < top < 1:
        raise WorkbenchError(f"compare_methods: top must be a share between 0 and 1, found {top}")
    g = grid(area, cell_size=cell_size, clip=True)
    fit = count(points_fit, g, column="count")
    test = count(points_test, g, column="count")
    density = kde(points_fit, bandwidth=bandwidth, zones=g)
    n_top = max(1, math.ceil(top * len(g)))
    selections = {
        "kde": _top(density["density"].to_numpy(), n_top),
        "counts": _top(fit["count"].to_numpy(dtype=float), n_top),
    }
    gi = gistar(fit, "count", weights=weights, fdr=fdr, alpha=alpha)
    selections["gistar"] = np.flatnonzero((gi["bin"] > 0).to_numpy() & gi["significant"].to_numpy())
    cell_area = g.geometry.area.to_numpy()
    A = cell_area.sum()
    f, t = fit["count"].to_numpy(), test["count"].to_numpy()
    N1, N2 = f.sum(), t.sum()
    rows = []
    for method, sel in selections.items():
        a = cell_area[sel].sum()
        n1, n2 = f[sel].sum(), t[sel].sum()
        share = a / A if len(sel) else float("nan")
        rows.append(
            {
                "method": method,
                "cells": len(sel),
                "area_share": share,
                "hit_rate_fit": n1 / N1,
                "pai_fit": (n1 / N1) / share if len(sel) else float("nan"),
                "hit_rate_test": n2 / N2,
                "pai_test": (n2 / N2) / share if len(sel) else float("nan"),
                "rri": (n2 / n1) / (N2 / N1) if n1 else float("nan"),
            }
        )
    out = pd.DataFrame(rows).set_index("method")
    logger.info(
        "compare_methods: cells of %g m, bandwidth %.0f m, top %g, %d fit / %d test points: %s",
        g.cell_size,
        density.bandwidth,
        top,
        int(N1),
        int(N2),
        out.round(3).to_dict("index"),
    )
    spec = TableSpec(
        dims=("method",),
        safe=("cells", "area_share", "hit_rate_fit", "pai_fit", "hit_rate_test", "pai_test", "rri"),
        source="open",
        units={
            "cells": "count",
            "area_share": "share",
            "hit_rate_fit": "share",
            "hit_rate_test": "share",
            "pai_fit": "ratio",
            "pai_test": "ratio",
            "rri": "ratio",
        },
        labels={
            "method": "Method",
            "cells": "Grid cells",
            "area_share": "Share of the area",
            "hit_rate_fit": "Hit rate, fitting year",
            "pai_fit": "PAI, fitting year",
            "hit_rate_test": "Hit rate, test year",
            "pai_test": "PAI, test year",
            "rri": "RRI",
        },
    )
    return Described(out, spec)


def _top(values: np.ndarray, n: int) -> np.ndarray:
    order = np.argsort(-values, kind="stable")
    return order[:n]
