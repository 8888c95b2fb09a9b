"""Coordinate reference systems and small geometry helpers shared by the workbench."""

from __future__ import annotations

import logging

import geopandas as gpd

__all__ = ["BNG", "WGS84", "to_bng", "to_wgs84"]

logger = logging.getLogger(__name__)

#: British National Grid, metres: the CRS of every analysis.
BNG = "EPSG:27700"
#: WGS84 longitude/latitude: the CRS of display (folium) and of police.uk coordinates.
WGS84 = "EPSG:4326"


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
