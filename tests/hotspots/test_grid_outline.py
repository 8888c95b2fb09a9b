"""The grid's cells near the outline are found by an STRtree of the outline's segments; the
result is the same as the exact predicates on every cell (written out here)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from workbench.geo import BNG
from workbench.hotspots.grids import grid


def _exact(area, cell: float, shape: str, clip: bool):
    """Every cell over the bounds judged by the predicates themselves: kept when it meets the
    area's interior, cut to the outline when not within it."""
    whole = grid(gpd.GeoDataFrame(geometry=[box(*area.bounds)], crs=BNG), cell, shape, clip=False)
    cells = whole.frame.geometry.to_numpy()
    keep = shapely.intersects(cells, area) & ~shapely.touches(cells, area)
    xy = whole.frame.loc[keep, ["x", "y"]].to_numpy()
    cells = cells[keep]
    if clip:
        cells = np.array(
            [c if c.within(area) else c.intersection(area) for c in cells], dtype=object
        )
        some = shapely.area(cells) > 0
        xy, cells = xy[some], cells[some]
    return xy, cells


AREAS = {
    "ring with a hole": Polygon(
        [(0, 0), (4000, 0), (4000, 3000), (0, 3000)],
        [[(1000, 1000), (2500, 1000), (2500, 2000), (1000, 2000)]],
    ).buffer(0),
    "two parts": MultiPolygon([box(0, 0, 1500, 1500), box(2600, 100, 4000, 2300).buffer(120)]),
    "cells on the outline": box(0, 0, 2000, 1000),  # edges on cell edges: touches only
    "wiggly": shapely.Point(2000, 2000).buffer(1700, quad_segs=64).union(box(0, 0, 900, 4000)),
}


@pytest.mark.parametrize("name", list(AREAS))
@pytest.mark.parametrize("shape", ["square", "hex"])
@pytest.mark.parametrize("clip", [True, False])
def test_grid_cells_equal_the_exact_predicates(name, shape, clip):
    area = AREAS[name]
    g = grid(gpd.GeoDataFrame(geometry=[area], crs=BNG), 100, shape, clip=clip)
    xy, cells = _exact(area, 100, shape, clip)
    got = g.frame
    assert len(got) == len(cells)
    np.testing.assert_allclose(got[["x", "y"]].to_numpy(), xy)
    if clip:  # the same cut cells (GEOS may write a cut cell's vertices in another order)
        mine = got.geometry.to_numpy()
        np.testing.assert_allclose(shapely.area(mine), shapely.area(cells), rtol=1e-9)
        overlap = shapely.area(shapely.intersection(mine, cells))
        np.testing.assert_allclose(overlap, shapely.area(cells), rtol=1e-9)
    assert np.isclose(got.geometry.area.sum(), sum(c.area for c in cells))
