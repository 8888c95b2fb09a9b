"""deprivation.by_layer: per-layer profiles stacked, checked by hand."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from shapely.geometry import Point, box

from workbench.deprivation import by_layer
from workbench.errors import WorkbenchError

LSOAS = gpd.GeoDataFrame(
    {
        "lsoa_code": ["L1", "L2", "L3", "L4"],
        "imd_decile": [1, 2, 3, 10],
        "population": [100, 100, 100, 100],
    },
    geometry=[box(i, 0, i + 1, 1) for i in range(4)],
    crs=27700,
)


def test_most_deprived_share_by_layer() -> None:
    layers = {
        "A": pd.Series([5, 0, 0, 5], index=LSOAS["lsoa_code"]),
        "empty": pd.Series([0, 0, 0, 0], index=LSOAS["lsoa_code"]),
        "B": pd.Series([0, 2, 2, 4], index=LSOAS["lsoa_code"]),
    }
    out = by_layer(layers, LSOAS)
    assert out.columns[0] == "layer"
    assert out["layer"].unique().tolist() == ["A", "B"]  # the empty layer is left out
    a = out[out["layer"] == "A"]
    # A: 10% most deprived (decile 1) holds 5 of 10 events = 0.5, a quarter of the
    # population (100 of 400): ratio 2. 20% (deciles 1-2): still 5 of 10, half the
    # population: ratio 1. 30%: 5 of 10 over 0.75: ratio 2/3.
    assert_allclose(a["share_of_events"], [0.5, 0.5, 0.5], rtol=1e-12)
    assert_allclose(a["share_of_population"], [0.25, 0.5, 0.75], rtol=1e-12)
    assert_allclose(a["ratio"], [2.0, 1.0, 2 / 3], rtol=1e-12)
    b = out[out["layer"] == "B"]
    # B: 0, 2 and 4 of 8 events: shares 0, 0.25, 0.5.
    assert_allclose(b["share_of_events"], [0.0, 0.25, 0.5], rtol=1e-12)


def test_decile_profile_by_layer_counts_points() -> None:
    points = gpd.GeoDataFrame(
        geometry=[Point(0.5, 0.5), Point(0.2, 0.3), Point(3.5, 0.5)], crs=27700
    )
    out = by_layer(
        {"needles": points}, LSOAS, "decile_profile", count_in=LSOAS, label="kind", per=1000
    )
    one = out.set_index("imd_decile").loc[1]
    # Two points in L1 (decile 1, 100 residents): rate 2 / 100 x 1000 = 20 per 1,000.
    assert one["kind"] == "needles"
    assert one["count"] == 2
    assert_allclose(one["rate"], 20.0, rtol=1e-12)
    assert out.set_index("imd_decile").loc[10, "count"] == 1


def test_by_layer_errors() -> None:
    with pytest.raises(WorkbenchError, match="measure"):
        by_layer({}, LSOAS, "concentration")
    with pytest.raises(WorkbenchError, match="none of"):
        by_layer({"x": pd.Series([0, 0, 0, 0], index=LSOAS["lsoa_code"])}, LSOAS)
