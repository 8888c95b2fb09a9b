"""deprivation.by_layer: per-layer profiles stacked, checked by hand."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from shapely.geometry import Point, box

from workbench.deprivation import (
    by_layer,
    decile_rate_chart,
    hotspot_lsoas,
    hotspots_by_deprivation,
    place_in_lsoas,
)
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
    out = by_layer(layers, LSOAS).frame
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
    ).frame
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


def _cells() -> gpd.GeoDataFrame:
    # Five 0.2 x 0.2 cells; centres in L1 (decile 1), L1, L2 (2), L4 (10) and outside.
    corners = [(0.1, 0.1), (0.6, 0.6), (1.4, 0.4), (3.2, 0.2), (9.0, 9.0)]
    return gpd.GeoDataFrame(
        {
            "category": [
                "persistent hot spot",
                "new hot spot",
                "persistent hot spot",
                "sporadic hot spot",
                "new hot spot",
            ],
            "total": [10, 4, 7, 3, 1],
        },
        geometry=[box(x, y, x + 0.2, y + 0.2) for x, y in corners],
        crs=27700,
    )


NAMED = LSOAS.assign(lsoa_name=["a", "b", "c", "d"])


def test_hotspots_by_deprivation_counts_cells() -> None:
    placed = place_in_lsoas(_cells(), NAMED)
    assert placed["lsoa_code"].tolist()[:4] == ["L1", "L1", "L2", "L4"]
    assert pd.isna(placed["lsoa_code"].iloc[4])
    table = hotspots_by_deprivation(_cells(), NAMED, most_deprived_deciles=1)
    # Decile 1 only: persistent 1 in (L1) + 1 elsewhere (L2); new 1 in (L1) + 1 with no
    # LSOA (elsewhere); sporadic 0 in, 1 elsewhere (L4).
    assert table.loc["persistent hot spot"].tolist() == [1, 1]
    assert table.loc["new hot spot"].tolist() == [1, 1]
    assert table.loc["sporadic hot spot"].tolist() == [0, 1]
    wider = hotspots_by_deprivation(_cells(), NAMED, most_deprived_deciles=2)
    assert wider.loc["persistent hot spot"].tolist() == [2, 0]
    with pytest.raises(WorkbenchError, match="most_deprived_deciles"):
        hotspots_by_deprivation(_cells(), NAMED, 0)


def test_hotspot_lsoas_most_deprived_first() -> None:
    out = hotspot_lsoas(_cells(), NAMED).frame
    # Sustained categories only (sporadic left out; the cell outside every LSOA has no LSOA):
    # L1 (decile 1): persistent 10 offences, new 4 -> persistent first; then L2 persistent 7.
    assert out[["lsoa_code", "category", "cells", "offences"]].values.tolist() == [
        ["L1", "persistent hot spot", 1, 10],
        ["L1", "new hot spot", 1, 4],
        ["L2", "persistent hot spot", 1, 7],
    ]


def test_decile_rate_chart_one_line_per_layer() -> None:
    import matplotlib

    matplotlib.use("Agg")
    deciles = pd.DataFrame(
        {"layer": ["A", "A", "B", "B"], "imd_decile": [1, 2, 1, 2], "rate": [5.0, 2.0, 1.0, 3.0]}
    )
    ax = decile_rate_chart(deciles).axes[0]
    assert [list(line.get_ydata()) for line in ax.lines] == [[5.0, 2.0], [1.0, 3.0]]
    assert ax.get_yscale() == "log"
    with pytest.raises(WorkbenchError, match="rate"):
        decile_rate_chart(deciles.drop(columns="rate"))
    matplotlib.pyplot.close("all")
