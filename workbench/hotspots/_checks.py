"""Input checks shared by the hotspot functions: CRS, emptiness, columns, overlap."""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import stats

from workbench.errors import WorkbenchError
from workbench.geo import BNG, WGS84
from workbench.hotspots.results import frame_of

__all__ = [
    "as_points",
    "as_polygons",
    "weights_array",
    "finite_numbers",
    "require_overlap",
    "area_geometry",
    "adjust_p",
    "to_timestamps",
]

logger = logging.getLogger(__name__)


def as_points(points: Any, name: str = "points") -> gpd.GeoDataFrame:
    """Return ``points`` as a non-empty point GeoDataFrame in British National Grid.

    Accepts a GeoDataFrame in any CRS (reprojected to EPSG:27700, logged) or a plain DataFrame
    with ``longitude``/``latitude`` columns (EPSG:4326, converted and logged). Rows with missing
    or empty geometry are dropped and the number dropped is logged.

    Raises
    ------
    WorkbenchError
        When the input is empty, has no usable geometry or is not made of points.
    """
    if isinstance(points, gpd.GeoDataFrame):
        gdf = points
        if gdf.crs is None:
            raise WorkbenchError(
                f"{name}: the GeoDataFrame has no CRS; expected EPSG:27700 (British National "
                "Grid) or EPSG:4326 (longitude/latitude). Set it with .set_crs(...)"
            )
    elif isinstance(points, pd.DataFrame):
        cols = {c.lower(): c for c in points.columns}
        if "longitude" not in cols or "latitude" not in cols:
            raise WorkbenchError(
                f"{name}: expected a GeoDataFrame or a DataFrame with 'longitude' and 'latitude' "
                f"columns, found columns {list(points.columns)[:12]}"
            )
        lon = pd.to_numeric(points[cols["longitude"]], errors="coerce")
        lat = pd.to_numeric(points[cols["latitude"]], errors="coerce")
        keep = lon.notna() & lat.notna()
        if (~keep).any():
            logger.info("%s: dropped %d row(s) without coordinates", name, int((~keep).sum()))
        gdf = gpd.GeoDataFrame(
            points.loc[keep],
            geometry=gpd.points_from_xy(lon[keep], lat[keep]),
            crs=WGS84,
        )
    else:
        raise WorkbenchError(
            f"{name}: expected a GeoDataFrame of points, found {type(points).__name__}"
        )
    if len(gdf) == 0:
        raise WorkbenchError(f"{name}: expected at least one point, found an empty table")
    if not gdf.crs.equals(BNG):
        logger.info("%s: reprojecting %d point(s) from %s to %s", name, len(gdf), gdf.crs, BNG)
        gdf = gdf.to_crs(BNG)
    bad = gdf.geometry.isna() | gdf.geometry.is_empty
    if bad.any():
        logger.info("%s: dropped %d row(s) with empty geometry", name, int(bad.sum()))
        gdf = gdf.loc[~bad]
    if len(gdf) == 0:
        raise WorkbenchError(f"{name}: expected points with coordinates, found none")
    # shapely's type ids (0: Point) are vectorised; geom_type builds a string per row
    if (shapely.get_type_id(gdf.geometry.to_numpy()) != 0).any():
        types = set(gdf.geom_type.unique())
        raise WorkbenchError(
            f"{name}: expected Point geometries, found {sorted(types)}; use .centroid or "
            ".representative_point() to turn polygons into points first"
        )
    return gdf


def as_polygons(zones: Any, name: str = "zones") -> gpd.GeoDataFrame:
    """Return ``zones`` as a non-empty polygon GeoDataFrame in British National Grid.

    A hotspot result (:class:`~workbench.hotspots.results.Result`) gives its frame; its
    settings are read by the caller from the object, never from the frame's ``attrs``.
    """
    zones = frame_of(zones)
    if isinstance(zones, gpd.GeoSeries):
        zones = gpd.GeoDataFrame(geometry=zones)
    if not isinstance(zones, gpd.GeoDataFrame):
        raise WorkbenchError(
            f"{name}: expected a GeoDataFrame of polygons (grid cells, LSOAs or wards), "
            f"found {type(zones).__name__}"
        )
    if len(zones) == 0:
        raise WorkbenchError(f"{name}: expected at least one polygon, found an empty table")
    if zones.crs is None:
        raise WorkbenchError(
            f"{name}: the GeoDataFrame has no CRS; expected EPSG:27700 (British National Grid)"
        )
    if not zones.crs.equals(BNG):
        logger.info("%s: reprojecting %d zone(s) from %s to %s", name, len(zones), zones.crs, BNG)
        zones = zones.to_crs(BNG)
    types = set(zones.geom_type.dropna().unique())
    if not types <= {"Polygon", "MultiPolygon"}:
        raise WorkbenchError(f"{name}: expected Polygon geometries, found {sorted(types)}")
    return zones


def area_geometry(area: Any, name: str = "area"):
    """The study area as one shapely (multi)polygon in British National Grid.

    ``area`` may be a GeoDataFrame/GeoSeries (unioned) or a shapely geometry already in BNG.
    """
    area = frame_of(area)
    if isinstance(area, gpd.GeoSeries | gpd.GeoDataFrame):
        gdf = as_polygons(area, name)
        geom = gdf.geometry.make_valid().union_all()
    elif hasattr(area, "geom_type"):
        geom = area
    else:
        raise WorkbenchError(
            f"{name}: expected a polygon GeoDataFrame or shapely polygon, "
            f"found {type(area).__name__}"
        )
    if geom is None or geom.is_empty or geom.area <= 0:
        raise WorkbenchError(f"{name}: expected a polygon with a positive area, found an empty one")
    return geom


def finite_numbers(frame: pd.DataFrame, column: str, what: str) -> np.ndarray:
    """``frame[column]`` as floats, refusing missing or non-numeric values.

    ``what`` starts the error message (e.g. "points: weights column 'qty'").
    """
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        first = frame.index[np.flatnonzero(bad)[0]]
        raise WorkbenchError(
            f"{what} must hold numbers, found {int(bad.sum())} missing/non-numeric value(s) "
            f"(first at index {first!r})"
        )
    return values


def weights_array(gdf: pd.DataFrame, weights: str | None, name: str = "points") -> np.ndarray:
    """The per-point weights (ones when ``weights`` is None), checked to be finite numbers."""
    if weights is None:
        return np.ones(len(gdf))
    if weights not in gdf.columns:
        raise WorkbenchError(
            f"{name}: weights column {weights!r} not found; columns are {list(gdf.columns)[:12]}"
        )
    w = finite_numbers(gdf, weights, f"{name}: weights column {weights!r}")
    if (w < 0).any():
        raise WorkbenchError(f"{name}: weights column {weights!r} must not be negative")
    return w


def adjust_p(p: np.ndarray, fdr: bool) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values when ``fdr`` (scipy), else ``p`` unchanged.

    Rejecting adjusted p <= alpha is the BH step-up procedure at level alpha. A NaN p (a zone
    that cannot be tested, e.g. whose Gi* neighbourhood is the whole area, so z = 0/0) stays
    NaN, is never significant, and does not count among the m tests of the adjustment.
    """
    p = np.asarray(p, dtype=float)
    if not fdr:
        return p
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
    return out


def to_timestamps(s: pd.Series, name: str) -> pd.Series:
    """Months (``pandas.Period``) or dates as timestamps (a Period gives its start)."""
    try:
        ts = s.dt.start_time if isinstance(s.dtype, pd.PeriodDtype) else pd.to_datetime(s)
    except (ValueError, TypeError) as exc:
        raise WorkbenchError(
            f"column {name!r}: expected months or dates (e.g. 2021-04), found values like "
            f"{s.iloc[0]!r}"
        ) from exc
    if ts.isna().any():
        raise WorkbenchError(f"column {name!r}: {int(ts.isna().sum())} missing date(s)")
    return ts


def require_overlap(points: gpd.GeoDataFrame, bounds: tuple[float, ...], name: str) -> None:
    """Raise when no point falls inside ``bounds`` (minx, miny, maxx, maxy)."""
    x = points.geometry.x.to_numpy()
    y = points.geometry.y.to_numpy()
    inside = (x >= bounds[0]) & (x <= bounds[2]) & (y >= bounds[1]) & (y <= bounds[3])
    if not inside.any():
        pb = points.total_bounds
        raise WorkbenchError(
            f"{name}: none of the {len(points)} point(s) fall inside the study area "
            f"(area bounds {tuple(round(b) for b in bounds)}, points' bounds "
            f"{tuple(round(b) for b in pb)} in EPSG:27700); are the points in the right CRS "
            "and the right area?"
        )
