"""Coordinate reference systems and small geometry helpers shared by the workbench."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer
from shapely import make_valid

__all__ = [
    "BNG",
    "WGS84",
    "GB_LON",
    "GB_LAT",
    "to_bng",
    "to_wgs84",
    "points_from_lonlat",
    "to_bng_xy",
    "repair_polygons",
    "locate_points",
    "guess_crs",
]

logger = logging.getLogger(__name__)

#: British National Grid, metres: the CRS of every analysis.
BNG = "EPSG:27700"
#: WGS84 longitude/latitude: the CRS of display (folium) and of police.uk coordinates.
WGS84 = "EPSG:4326"
#: Longitude range (degrees) of Great Britain and its islands, generous by a few km.
GB_LON = (-8.75, 1.90)
#: Latitude range (degrees) of Great Britain and its islands (Scilly to Shetland).
GB_LAT = (49.80, 60.95)
#: British National Grid extent (metres) used to recognise BNG coordinates without a CRS.
_BNG_X = (-10_000.0, 700_000.0)
_BNG_Y = (-10_000.0, 1_300_000.0)


def to_bng(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``gdf`` in British National Grid, reprojecting (and logging it) when needed.

    A GeoDataFrame with no CRS is assumed to be WGS84 longitude/latitude, and a warning is
    logged.
    """
    if gdf.crs is None:
        logger.warning("Geometry has no CRS; assuming %s longitude/latitude", WGS84)
        gdf = gdf.set_crs(WGS84)
    if gdf.crs.equals(BNG):
        return gdf
    logger.info("Reprojecting from %s to %s", gdf.crs.to_string(), BNG)
    return gdf.to_crs(BNG)


def to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``gdf`` in WGS84 longitude/latitude for display."""
    if gdf.crs is None:
        raise ValueError("to_wgs84: the GeoDataFrame has no CRS; set one before reprojecting")
    return gdf if gdf.crs.equals(WGS84) else gdf.to_crs(WGS84)


def points_from_lonlat(lon: pd.Series | np.ndarray, lat: pd.Series | np.ndarray) -> gpd.GeoSeries:
    """Points in British National Grid from WGS84 longitude and latitude (vectorised).

    Parameters
    ----------
    lon, lat : array-like of float
        Degrees, WGS84 (EPSG:4326), as police.uk publishes them. Missing values give
        empty points.

    Returns
    -------
    geopandas.GeoSeries
        Points in EPSG:27700 (metres), same length and order as the input.
    """
    index = lon.index if isinstance(lon, pd.Series) else None
    pts = gpd.GeoSeries(
        gpd.points_from_xy(np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")),
        crs=WGS84,
        index=index,
    )
    return pts.to_crs(BNG)


_WGS84_TO_BNG: Transformer | None = None


def to_bng_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid eastings/northings (metres) from WGS84 longitude/latitude arrays.

    pyproj directly on the coordinate arrays: no intermediate geometries (building WGS84 points
    and reprojecting them doubles the time on millions of police rows).
    """
    global _WGS84_TO_BNG
    if _WGS84_TO_BNG is None:
        _WGS84_TO_BNG = Transformer.from_crs(WGS84, BNG, always_xy=True)
    x, y = _WGS84_TO_BNG.transform(np.asarray(lon, dtype="float64"), np.asarray(lat, "float64"))
    return np.asarray(x), np.asarray(y)


def repair_polygons(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Repair invalid polygons with ``make_valid`` and say how many were repaired.

    Uses shapely's ``make_valid(method="structure", keep_collapsed=False)``, which returns
    polygonal output for polygonal input (no stray lines or points from collapsed parts).

    Returns
    -------
    (GeoDataFrame, int)
        The frame with every geometry valid, and the number of geometries that were invalid.
    """
    invalid = ~gdf.geometry.is_valid & gdf.geometry.notna() & ~gdf.geometry.is_empty
    n = int(invalid.sum())
    if n:
        gdf = gdf.copy()
        fixed = make_valid(
            gdf.geometry[invalid].to_numpy(), method="structure", keep_collapsed=False
        )
        gdf.loc[invalid, gdf.geometry.name] = fixed
        logger.info("Repaired %d invalid polygon(s) with make_valid", n)
    return gdf, n


def locate_points(points: gpd.GeoSeries, polygons: gpd.GeoDataFrame, code_column: str) -> pd.Series:
    """The code of the polygon containing each point (point in polygon), or NA.

    A point on a shared edge gets the first polygon found by the spatial index. Both inputs
    must be in the same CRS.

    Returns
    -------
    pandas.Series
        Same index as ``points``; ``pd.NA`` for points in no polygon or empty points.
    """
    out = pd.Series(pd.NA, index=points.index, dtype="string")
    if len(points) == 0 or len(polygons) == 0:
        return out
    pts_idx, poly_idx = polygons.sindex.query(points.to_numpy(), predicate="intersects")
    # query returns (input index, tree index) pairs; keep the first polygon per point
    first = pd.Series(poly_idx, index=pts_idx)
    first = first[~first.index.duplicated(keep="first")]
    codes = polygons[code_column].astype("string").to_numpy()
    out.iloc[first.index.to_numpy()] = codes[first.to_numpy()]
    return out


def guess_crs(total_bounds: np.ndarray) -> str | None:
    """Guess the CRS of coordinates with no CRS from their extent.

    Returns ``WGS84`` when they fit longitude/latitude of Great Britain, ``BNG`` when they
    fit the British National Grid, else ``None``.
    """
    minx, miny, maxx, maxy = (float(v) for v in total_bounds)
    if GB_LON[0] <= minx and maxx <= GB_LON[1] and GB_LAT[0] <= miny and maxy <= GB_LAT[1]:
        return WGS84
    if _BNG_X[0] <= minx and maxx <= _BNG_X[1] and _BNG_Y[0] <= miny and maxy <= _BNG_Y[1]:
        return BNG
    return None
