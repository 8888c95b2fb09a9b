"""Fixtures of the loader tests: police.uk CSV writer and a two-LSOA study area."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from police_helpers import SQUARES, police_csv_bytes
from shapely.geometry import box


@pytest.fixture
def write_police(tmp_path: Path):
    """``write_police(name, rows)`` writes a police.uk CSV under tmp_path and returns its path."""

    def _write(name: str, rows: list[list[str]], header: list[str] | None = None) -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(police_csv_bytes(rows, header))
        return p

    return _write


@pytest.fixture
def two_squares() -> gpd.GeoDataFrame:
    """Two LSOA-like 1 km squares in EPSG:27700 with codes E01000001 and E01000002."""
    return gpd.GeoDataFrame(
        {"lsoa_code": list(SQUARES)},
        geometry=[box(x, y, x + 1000, y + 1000) for x, y in SQUARES.values()],
        crs="EPSG:27700",
    )
