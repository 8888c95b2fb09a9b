"""Tiny hand-made GeoDataFrames (British National Grid) for the map tests."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from maps_values import XSS_IMG, XSS_SCRIPT

X0, Y0 = 458_000.0, 303_000.0  # central Leicester, metres


@pytest.fixture
def cells() -> gpd.GeoDataFrame:
    """Nine 200 m cells with Gi* columns; bins -3..3 and two zeros."""
    geoms = [
        shapely.box(X0 + i * 200, Y0 + j * 200, X0 + (i + 1) * 200, Y0 + (j + 1) * 200)
        for j in range(3)
        for i in range(3)
    ]
    return gpd.GeoDataFrame(
        {
            "count": [0, 1, 4, 5, 12, 30, 2, 7, 0],
            "z": [-3.1, -2.2, -1.7, 0.1, 0.3, 3.4, 1.8, 2.1, 0.0],
            "p": [0.002, 0.03, 0.09, 0.9, 0.7, 0.0007, 0.07, 0.04, 1.0],
            "bin": [-3, -2, -1, 0, 0, 3, 1, 2, 0],
        },
        geometry=geoms,
        crs="EPSG:27700",
    )


@pytest.fixture
def lsoas() -> gpd.GeoDataFrame:
    """Four 1 km LSOA squares with IMD, population and rate columns; one name is a script."""
    geoms = [
        shapely.box(X0 + i * 1000, Y0 + j * 1000, X0 + (i + 1) * 1000, Y0 + (j + 1) * 1000)
        for j in range(2)
        for i in range(2)
    ]
    return gpd.GeoDataFrame(
        {
            "lsoa_code": ["E01000001", "E01000002", "E01000003", "E01000004"],
            "lsoa_name": ["Leicester 001A", XSS_SCRIPT, "Leicester 001C", XSS_IMG],
            "imd_decile": [1, 2, 9, 10],
            "population": [1520, 1800, 1400, 2000],
            "count": [12, 3, 0, 40],
            "rate": [78.947368, 16.666667, 0.0, 200.0],
            "lower": [40.8, 3.4, 0.0, 142.9],
            "upper": [137.9, 48.7, 26.3, 272.3],
        },
        geometry=geoms,
        crs="EPSG:27700",
    )


@pytest.fixture
def points() -> gpd.GeoDataFrame:
    """Five needle finds; two locations carry markup."""
    return gpd.GeoDataFrame(
        {
            "location": ["On or near Granby Street", XSS_SCRIPT, XSS_IMG, "Park", "Car park"],
            "quantity": [1, 3, 2, 10, 1],
        },
        geometry=gpd.points_from_xy(
            [X0 + 100, X0 + 300, X0 + 700, X0 + 1200, X0 + 1800],
            [Y0 + 100, Y0 + 500, Y0 + 900, Y0 + 1300, Y0 + 1700],
        ),
        crs="EPSG:27700",
    )
