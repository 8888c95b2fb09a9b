"""Display geometry: reprojection, simplification in metres, coordinate rounding."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from workbench.errors import WorkbenchError
from workbench.maps.display import geojson_geometries, to_display


def test_reprojects_to_wgs84_and_rounds_to_five_decimals():
    x, y = 458_765.4321, 304_321.1234
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(x, y)], crs="EPSG:27700")
    out = to_display(gdf)
    assert out.crs.to_epsg() == 4326
    # Reference: pyproj directly (always_xy: lon, lat).
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(x, y)
    pt = out.geometry.iloc[0]
    assert pt.x == round(lon, 5) and pt.y == round(lat, 5)
    # Printed coordinates carry at most 5 decimals.
    text = json.dumps(geojson_geometries(out))
    for number in text.replace("[", " ").replace("]", " ").replace(",", " ").split():
        if number[0] in "-0123456789":
            assert len(number.split(".")[-1]) <= 5


def test_simplifies_in_metres_within_tolerance():
    # A 1 km circle with 256 vertices: 3 m tolerance removes most of them.
    circle = shapely.Point(458_000, 303_000).buffer(1000, quad_segs=64)
    gdf = gpd.GeoDataFrame(geometry=[circle], crs="EPSG:27700")
    out = to_display(gdf, tolerance_m=3.0)
    n_in = shapely.get_num_coordinates(circle)
    n_out = shapely.get_num_coordinates(out.geometry.iloc[0])
    assert n_out < n_in / 2
    back = out.to_crs(27700).geometry.iloc[0]
    # Simplification (3 m) plus rounding (< 1 m) stays within 4 m of the original outline.
    assert shapely.hausdorff_distance(back.exterior, circle.exterior) < 4.0
    assert to_display(gdf, tolerance_m=0).geometry.iloc[0].exterior.coords.__len__() == n_in


def test_drops_missing_geometry_and_keeps_index():
    gdf = gpd.GeoDataFrame(
        {"a": [1, 2]}, geometry=[None, shapely.Point(458_000, 303_000)], crs="EPSG:27700"
    )
    out = to_display(gdf)
    assert out.index.tolist() == [1]


def test_errors_are_for_the_analyst():
    with pytest.raises(WorkbenchError, match="expected a GeoDataFrame"):
        to_display(np.zeros(3))
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs="EPSG:27700")
    with pytest.raises(WorkbenchError, match="tolerance_m"):
        to_display(gdf, tolerance_m=-1)
