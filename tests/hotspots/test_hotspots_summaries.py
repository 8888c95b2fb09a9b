"""Notebook summaries: emerging categories, top zones, composite hot spots, area ranking.

Expected values are worked out by hand below; interval limits use the closed forms
(exact Poisson via scipy's chi-square quantiles, Byar's approximation written out).
"""

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.stats import chi2, norm
from shapely.geometry import Point, box

from workbench.errors import WorkbenchError
from workbench.hotspots import composite, emerging_summary, gistar, grid, rank_areas, top_zones
from workbench.hotspots import count as count_points

CRS = "EPSG:27700"
Z = norm.ppf(0.975)


def _exact(o):
    # exact Poisson limits: chi2(alpha/2, 2o)/2 and chi2(1 - alpha/2, 2o + 2)/2
    lower = chi2.ppf(0.025, 2 * o) / 2 if o > 0 else 0.0
    return lower, chi2.ppf(0.975, 2 * o + 2) / 2


def _byar(o):
    lower = o * (1 - 1 / (9 * o) - Z / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + Z / (3 * math.sqrt(o + 1))) ** 3
    return lower, upper


def _points(xy):
    return gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in xy], crs=CRS)


def test_emerging_summary_by_hand():
    result = pd.DataFrame(
        {"category": ["New", "Sporadic", "New", "Persistent"], "total": [3, 1, 2, 5]}
    )
    table = emerging_summary(result).frame
    # New: 2 cells, 3 + 2 = 5 offences; Persistent 1 cell, 5; Sporadic 1 cell, 1.
    assert table["category"].tolist() == ["New", "Persistent", "Sporadic"]
    assert table["cells"].tolist() == [2, 1, 1]
    assert table["offences"].tolist() == [5, 5, 1]
    with pytest.raises(WorkbenchError, match="total"):
        emerging_summary(pd.DataFrame({"category": ["New"]}))


def test_top_zones_by_hand():
    counts = gpd.GeoDataFrame(
        {
            "lsoa_code": ["E1", "E2", "E3"],
            "lsoa_name": ["A 001", "A 002", "A 003"],
            "imd_decile": [1, 5, 9],
            "count": [12, 0, 3],
            "population": [1000, 500, 2000],
        },
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
        crs=CRS,
    )
    table = top_zones(counts, n=2).frame
    assert table["lsoa_code"].tolist() == ["E1", "E3"]
    assert table["count"].tolist() == [12, 3]
    assert table["population"].tolist() == [1000, 2000]
    # rates per 10,000: 12 / 1000 * 1e4 = 120.0, 3 / 2000 * 1e4 = 15.0
    assert_allclose(table["rate"], [120.0, 15.0])
    lo12, up12 = _byar(12)  # Byar from 10 events
    lo3, up3 = _exact(3)  # exact Poisson below 10
    assert_allclose(table["lower"], [round(lo12 * 10, 1), round(lo3 * 5, 1)])
    assert_allclose(table["upper"], [round(up12 * 10, 1), round(up3 * 5, 1)])
    with pytest.raises(WorkbenchError, match="population"):
        top_zones(counts.drop(columns="population"))


def test_composite_counts_layers_hot():
    area = gpd.GeoDataFrame(geometry=[box(0, 0, 700, 700)], crs=CRS)
    cells = grid(area, cell_size=100)
    rng = np.random.default_rng(1)
    # a dense cluster around (350, 350) on a thin random background
    cluster = [(350 + dx, 350 + dy) for dx in (-120, 0, 120) for dy in (-120, 0, 120)] * 8
    background = [tuple(p) for p in rng.uniform(0, 700, size=(20, 2))]
    hot = _points(cluster + background)
    quiet = _points(background)
    result = composite({"A": hot, "B": hot, "C": quiet}, cells)
    # each layer's flag is exactly "Gi* bin > 0" for that layer on the same grid
    expected_a = gistar(count_points(hot, cells), "count")["bin"].gt(0).to_numpy()
    expected_c = gistar(count_points(quiet, cells), "count")["bin"].gt(0).to_numpy()
    assert expected_a.any()  # the cluster is detected
    assert result["A"].tolist() == expected_a.tolist()
    assert result["C"].tolist() == expected_c.tolist()
    # hot_layers counts the layers: A and B identical, so 2 where A is hot (plus C)
    assert (
        result["hot_layers"].tolist()
        == (2 * expected_a.astype(int) + expected_c.astype(int)).tolist()
    )
    assert len(result) == len(cells)
    with pytest.raises(WorkbenchError, match="no layers"):
        composite({}, cells)


def test_rank_areas_by_hand():
    wards = gpd.GeoDataFrame(
        {"ward_code": ["W1", "W2", "W3"], "ward_name": ["One", "Two", "Three"]},
        geometry=[box(0, 0, 200, 100), box(200, 0, 400, 100), box(0, 100, 100, 200)],
        crs=CRS,
    )
    lsoas = gpd.GeoDataFrame(
        {"lsoa_code": ["L1", "L2", "L3"], "population": [1000, 500, 2000]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 400, 100)],
        crs=CRS,
    )
    points = _points([(50, 50)] * 3 + [(300, 50)] * 10 + [(50, 150)])
    ranked = rank_areas(points, wards, lsoas).frame
    # W1: L1 + L2 = 1500 people, 3 events -> 20.0; W2: L3 = 2000, 10 events -> 50.0;
    # W3 holds no LSOA point and is left out.
    assert ranked.index.tolist() == ["W2", "W1"]
    assert ranked["ward_name"].tolist() == ["Two", "One"]
    assert ranked["count"].tolist() == [10, 3]
    assert ranked["population"].tolist() == [2000, 1500]
    assert_allclose(ranked["rate"], [50.0, 20.0], rtol=1e-9)
    lo10, up10 = _byar(10)
    lo3, up3 = _exact(3)
    assert_allclose(ranked["lower"], [lo10 / 2000 * 1e4, lo3 / 1500 * 1e4], rtol=1e-6)
    assert_allclose(ranked["upper"], [up10 / 2000 * 1e4, up3 / 1500 * 1e4], rtol=1e-6)
    assert ranked["rank"].tolist() == [1, 2]
    with pytest.raises(WorkbenchError, match="ward_name"):
        rank_areas(points, wards.drop(columns="ward_name"), lsoas)
