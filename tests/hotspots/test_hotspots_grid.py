"""Tests for workbench.hotspots.grids: grids and counts."""

import logging
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from shapely.geometry import Point, box

from workbench.errors import WorkbenchError
from workbench.hotspots import count, default_cell_size, grid
from workbench.hotspots import grids as grid_module

BNG = "EPSG:27700"


def _area(geom):
    return gpd.GeoDataFrame(geometry=[geom], crs=BNG)


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ((0, 0, 12_000, 9_000), 100.0),  # 9,000 / 50 = 180 -> 100
        ((0, 0, 30_000, 30_000), 500.0),  # 600 -> 500
        ((0, 0, 100_000, 200_000), 2000.0),  # 2,000 -> 2,000
        ((0, 0, 2_600, 5_000), 50.0),  # 52 -> 50
        ((0, 0, 1_500, 5_000), 20.0),  # 30 -> 20
        ((0, 0, 5_000, 4_999), 50.0),  # 99.98 -> 50 (just below 100)
        ((0, 0, 5_000, 5_000), 100.0),  # exactly 100 -> 100
        ((0, 0, 24_000, 60_000), 200.0),  # 480 -> 200
        ((0, 0, 10, 10), 1.0),  # 0.2 -> never below 1 m
    ],
)
def test_default_cell_size_rounds_down_to_1_2_5(bounds, expected):
    assert default_cell_size(bounds) == expected


def test_square_grid_covers_rectangle_and_logs_default(caplog):
    with caplog.at_level(logging.INFO, logger="workbench.hotspots.grids"):
        g = grid(_area(box(1000, 2000, 13_000, 11_000)))
    assert g.cell_size == 100.0
    assert "default cell size 100 m" in caplog.text
    assert len(g) == 120 * 90
    assert list(g.columns[:5]) == ["cell_id", "row", "col", "x", "y"]
    assert_allclose(g.geometry.area, 100.0**2)
    # centre of row 0, col 0 is half a cell in from the lower-left corner
    first = g.iloc[0]
    assert (first["x"], first["y"]) == (1050.0, 2050.0)


def test_clip_true_and_false_on_a_circle():
    circle = Point(0, 0).buffer(1000, 256)
    clipped = grid(_area(circle), cell_size=100)
    whole = grid(_area(circle), cell_size=100, clip=False)
    assert_allclose(clipped.geometry.area.sum(), circle.area, rtol=1e-9)
    assert_allclose(whole.geometry.area, 100.0**2)
    assert len(whole) == len(clipped)
    assert whole.geometry.area.sum() > circle.area


def test_hex_grid_area_and_cell_size():
    g = grid(_area(box(0, 0, 5000, 4000)), cell_size=500, shape="hex", clip=False)
    # regular hexagon with flat-to-flat width w has area sqrt(3)/2 w^2
    assert_allclose(g.geometry.area, math.sqrt(3) / 2 * 500**2, rtol=1e-9)
    assert g.cells.shape == "hex"
    gc = grid(_area(box(0, 0, 5000, 4000)), cell_size=500, shape="hex")
    assert_allclose(gc.geometry.area.sum(), 5000 * 4000, rtol=1e-9)


def test_grid_refuses_too_many_cells_and_warns_on_large():
    with pytest.raises(WorkbenchError, match="above the limit of 4,000,000"):
        grid(_area(box(0, 0, 100_000, 100_000)), cell_size=10)


def test_grid_warns_above_warn_threshold(monkeypatch):
    monkeypatch.setattr(grid_module, "WARN_CELLS", 50)
    with pytest.warns(UserWarning, match="more than 50"):
        grid(_area(box(0, 0, 1000, 1000)), cell_size=100)


def test_grid_bad_arguments():
    with pytest.raises(WorkbenchError, match="shape must be"):
        grid(_area(box(0, 0, 10, 10)), shape="triangle")
    with pytest.raises(WorkbenchError, match="cell_size must be a positive"):
        grid(_area(box(0, 0, 10, 10)), cell_size=-5)
    with pytest.raises(WorkbenchError, match="empty table"):
        grid(gpd.GeoDataFrame(geometry=[], crs=BNG))


def _zones():
    return gpd.GeoDataFrame(
        {"name": ["a", "b", "c"]},
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10), box(20, 0, 30, 10)],
        crs=BNG,
    )


def test_count_zero_fills_and_reports_outside(caplog):
    pts = gpd.GeoDataFrame(
        {"qty": [1.5, 2.0, 4.0, 10.0]},
        geometry=[Point(1, 1), Point(2, 2), Point(15, 5), Point(50, 5)],
        crs=BNG,
    )
    with caplog.at_level(logging.WARNING):
        r = count(pts, _zones())
    assert r["count"].tolist() == [2, 1, 0]
    assert r.outside == 1
    assert "1 of 4 point(s) fall outside" in caplog.text
    rw = count(pts, _zones(), weights="qty")
    assert_allclose(rw["count"], [3.5, 4.0, 0.0])


def test_count_point_on_shared_edge_counted_once():
    pts = gpd.GeoDataFrame(geometry=[Point(10, 5)], crs=BNG)
    r = count(pts, _zones())
    assert r["count"].sum() == 1


def test_count_reprojects_lon_lat_and_logs(caplog):
    zones = gpd.GeoDataFrame(geometry=[box(458_000, 303_000, 460_000, 305_000)], crs=BNG)
    centre = gpd.GeoSeries([Point(459_000, 304_000)], crs=BNG).to_crs("EPSG:4326")
    df = pd.DataFrame({"longitude": [centre.x[0]], "latitude": [centre.y[0]]})
    with caplog.at_level(logging.INFO):
        r = count(df, zones)
    assert r["count"].tolist() == [1]
    assert "reprojecting 1 point(s) from EPSG:4326" in caplog.text


def test_count_errors():
    far = gpd.GeoDataFrame(geometry=[Point(1000, 1000)], crs=BNG)
    with pytest.raises(WorkbenchError, match="none of the 1 point"):
        count(far, _zones())
    with pytest.raises(WorkbenchError, match="empty table"):
        count(gpd.GeoDataFrame(geometry=[], crs=BNG), _zones())
    pts = gpd.GeoDataFrame({"w": ["x"]}, geometry=[Point(1, 1)], crs=BNG)
    with pytest.raises(WorkbenchError, match="weights column 'w' must hold numbers"):
        count(pts, _zones(), weights="w")
    with pytest.raises(WorkbenchError, match="no CRS"):
        count(gpd.GeoDataFrame(geometry=[Point(1, 1)]), _zones())
    assert np.all(count(pts, _zones())["count"].to_numpy() == [1, 0, 0])
