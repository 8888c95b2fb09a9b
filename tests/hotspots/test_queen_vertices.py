"""Queen contiguity found with numpy is libpysal's vertex-set queen graph (the reference)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from libpysal.graph import Graph
from shapely.geometry import MultiPolygon, Point, box

from workbench.geo import BNG
from workbench.hotspots.grids import grid
from workbench.hotspots.weights import _queen_by_vertices, build_weights

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "area.toml"


def _same(geoms: gpd.GeoSeries) -> None:
    geoms = geoms.reset_index(drop=True)
    ref = Graph.build_contiguity(geoms, rook=False)
    got = _queen_by_vertices(geoms)
    pd.testing.assert_series_equal(
        got.adjacency.sort_index(), ref.adjacency.sort_index(), check_dtype=False
    )
    assert list(got.isolates) == list(ref.isolates)


@pytest.mark.parametrize("shape", ["square", "hex"])
def test_clipped_grids(shape):
    area = Point(0, 0).buffer(2_300, quad_segs=32).union(box(-3_000, -400, 3_100, 500))
    cells = grid(gpd.GeoDataFrame(geometry=[area], crs=BNG), 100, shape).frame.geometry
    _same(cells)


def test_multipolygons_islands_and_negative_zero():
    geoms = gpd.GeoSeries(
        [
            box(0, 0, 1, 1),
            MultiPolygon([box(1, 0, 2, 1), box(5, 5, 6, 6)]),
            box(6, 6, 7, 7),  # meets the second's far part at a corner
            box(20, 20, 21, 21),  # an island
            box(-1, -1, -0.0, 0.0),  # -0.0 is the first's corner 0.0
            box(1.5, 1.0, 3, 2),  # a vertex on another's edge: not a shared vertex
        ]
    )
    _same(geoms)
    g = _queen_by_vertices(geoms)
    assert list(g.isolates) == [3, 5]
    assert set(g[2].index) == {1}


def test_sample_lsoas():
    from workbench.study import Study

    _same(Study.from_toml(SAMPLE).lsoas.geometry)  # generalised: every LSOA an island


def test_build_weights_takes_the_fast_path_for_queen():
    cells = grid(gpd.GeoDataFrame(geometry=[box(0, 0, 1_000, 700)], crs=BNG), 100).frame
    got = build_weights(cells, "queen")
    ref = Graph.build_contiguity(cells.geometry.reset_index(drop=True), rook=False)
    pd.testing.assert_series_equal(got.adjacency, ref.adjacency, check_dtype=False)
    assert len(got[0]) == 3 and len(got[11]) == 8  # a corner cell, an inner cell
