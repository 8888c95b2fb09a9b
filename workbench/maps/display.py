"""Geometry for display: simplify in metres, reproject to WGS84, round coordinates."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import shapely

from workbench.errors import WorkbenchError
from workbench.geo import to_bng, to_wgs84

__all__ = ["to_display", "geojson_geometries", "DEFAULT_TOLERANCE_M", "DEFAULT_DECIMALS"]

logger = logging.getLogger(__name__)

#: Douglas-Peucker tolerance in metres: well under a screen pixel at street zoom (level 16 is
#: about 2.4 m per pixel at 52 degrees north).
DEFAULT_TOLERANCE_M = 3.0
#: Decimal places kept in longitude/latitude: 5 decimals is about 1.1 m of latitude.
DEFAULT_DECIMALS = 5


def to_display(
    gdf: gpd.GeoDataFrame,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    decimals: int = DEFAULT_DECIMALS,
    argument: str = "gdf",
) -> gpd.GeoDataFrame:
    """Return a copy of ``gdf`` ready for a web map.

    Polygons and lines are simplified in British National Grid metres (topology-preserving
    Douglas-Peucker, ``tolerance_m``) *before* reprojecting, so the tolerance means the same
    everywhere; then the geometries are reprojected to EPSG:4326 and every coordinate is
    rounded to ``decimals`` places. Empty or missing geometries are dropped (with a log line).

    Parameters
    ----------
    gdf : GeoDataFrame
        Any CRS (a GeoDataFrame without CRS is assumed to be WGS84, as in
        :func:`workbench.geo.to_bng`).
    tolerance_m : float, default 3.0
        Simplification tolerance in metres; 0 turns simplification off.
    decimals : int, default 5
        Decimal places kept in longitude/latitude.
    argument : str
        Name used in error messages.

    Returns
    -------
    GeoDataFrame in EPSG:4326 with the same columns and index.
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise WorkbenchError(f"{argument}: expected a GeoDataFrame, received {type(gdf).__name__}")
    if tolerance_m < 0:
        raise WorkbenchError(f"tolerance_m must be >= 0, received {tolerance_m!r}")
    geom = gdf.geometry
    keep = ~(geom.isna() | geom.is_empty)
    if not keep.all():
        logger.info("%s: %d row(s) without geometry are not drawn", argument, int((~keep).sum()))
        gdf = gdf.loc[keep]
    out = to_bng(gdf).copy()
    if tolerance_m > 0:
        polys = out.geom_type.isin(["Polygon", "MultiPolygon", "LineString", "MultiLineString"])
        if polys.any():
            out.loc[polys, out.geometry.name] = out.geometry[polys].simplify(
                tolerance_m, preserve_topology=True
            )
    out = to_wgs84(out)
    # np.round(x, d) is rint(x * 10**d) / 10**d: the division of two exact doubles is
    # correctly rounded, so each value prints with at most ``decimals`` places in JSON.
    rounded = shapely.transform(out.geometry.values, lambda xy: np.round(xy, decimals))
    out = out.set_geometry(gpd.GeoSeries(rounded, index=out.index, crs=out.crs))
    return out


def geojson_geometries(gdf: gpd.GeoDataFrame) -> list[dict]:
    """GeoJSON geometry mappings of ``gdf``'s geometries (no properties, no bbox)."""
    return [shapely.geometry.mapping(g) for g in gdf.geometry.values]
