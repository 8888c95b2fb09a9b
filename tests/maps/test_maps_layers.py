"""Layer colours, classes, legends and pop-up fields."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from maps_values import XSS_IMG, XSS_SCRIPT

from workbench.errors import WorkbenchError
from workbench.maps.layers import (
    EMERGING_COLORS,
    GISTAR_CLASSES,
    NO_DATA_COLOR,
    choropleth_layer,
    class_labels,
    classify,
    emerging_layer,
    gistar_layer,
    imd_layer,
    lisa_layer,
    outline_layer,
    points_layer,
    rate_layer,
)


def test_gistar_colours_follow_bins_and_legend_reads_hot_to_cold(cells):
    layer = gistar_layer(cells)
    assert layer.fill == [GISTAR_CLASSES[b][0] for b in [-3, -2, -1, 0, 0, 3, 1, 2, 0]]
    assert [it.label for it in layer.legend.items] == [
        "Hot spot 99%",
        "Hot spot 95%",
        "Hot spot 90%",
        "Not significant",
        "Cold spot 90%",
        "Cold spot 95%",
        "Cold spot 99%",
    ]
    # Hot is red-ish (R > B), cold is blue-ish (B > R).
    hot, cold = GISTAR_CLASSES[3][0], GISTAR_CLASSES[-3][0]
    assert int(hot[1:3], 16) > int(hot[5:7], 16)
    assert int(cold[5:7], 16) > int(cold[1:3], 16)


def test_gistar_popups_suppress_small_counts(cells):
    layer = gistar_layer(cells)
    counts = layer.fields["Count"]
    # counts [0, 1, 4, 5, 12, 30, 2, 7, 0]
    assert counts == [
        "0",
        "* (fewer than 5)",
        "* (fewer than 5)",
        "5",
        "12",
        "30",
        "* (fewer than 5)",
        "7",
        "0",
    ]
    assert layer.fields["Significance"][5] == "Hot spot 99%"
    assert layer.fields["Gi* z"][0] == "-3.10"


def test_gistar_can_leave_out_not_significant(cells):
    layer = gistar_layer(cells, show_not_significant=False)
    assert len(layer.data) == 6
    assert len(layer.fill) == 6 and GISTAR_CLASSES[0][0] not in layer.fill


def test_gistar_rejects_bins_outside_range(cells):
    cells.loc[0, "bin"] = 4
    with pytest.raises(WorkbenchError, match="-3..3"):
        gistar_layer(cells)


def test_fixed_breaks_classes_by_hand():
    # bins [10, 20]: 1 and 10 -> class 0 (<= 10), 12 -> 1, 30 -> 2 (mapclassify adds the max).
    idx, bounds, how = classify(gpd.pd.Series([1.0, 10.0, 12.0, 30.0, np.nan]), bins=[20, 10])
    assert idx.tolist() == [0, 0, 1, 2, -1]
    assert bounds == [10.0, 20.0, 30.0]
    assert how.startswith("fixed breaks")


def test_class_labels():
    assert class_labels([10, 20, 35.5], 1) == ["up to 10.0", "10.0 to 20.0", "20.0 to 35.5"]


def test_choropleth_quantiles_and_no_data(lsoas):
    lsoas.loc[2, "rate"] = np.nan
    layer = choropleth_layer(lsoas, "rate", "Rate", scheme="quantiles", k=3)
    # Three non-missing values [78.9, 16.7, 200]: each its own quantile class.
    colours = layer.fill
    assert colours[2] == NO_DATA_COLOR
    assert len({colours[0], colours[1], colours[3]}) == 3
    assert layer.legend.items[-1].label == "No data"
    # Pop-up first row is the LSOA name, escaped exactly once.
    assert layer.fields["LSOA"][1] == "&lt;script&gt;window.__xss = 1; alert(1)&lt;/script&gt;"


def test_same_fixed_breaks_give_same_colours_across_periods(lsoas):
    a = choropleth_layer(lsoas, "rate", "2021", bins=[50, 100, 250])
    later = lsoas.assign(rate=[120.0, 60.0, 10.0, 240.0])
    b = choropleth_layer(later, "rate", "2022", bins=[50, 100, 250])
    assert [i.label for i in a.legend.items] == [i.label for i in b.legend.items]
    # 78.9 (2021, row 0) and 60 (2022, row 1) are both in the 50-100 class.
    assert a.fill[0] == b.fill[1]


def test_rate_layer_popup_suppresses_small_counts(lsoas):
    layer = rate_layer(lsoas)
    texts = layer.fields["Rate per 10,000"]
    assert texts[0] == "78.9 per 10,000 (95% CI 40.8 to 137.9); 12 of 1,520 residents"
    assert texts[1] == "* (fewer than 5) of 1,800 residents; rate not shown"
    assert texts[2].startswith("0.0 per 10,000")


def test_imd_decile_one_is_most_deprived_and_red(lsoas):
    layer = imd_layer(lsoas)
    labels = [it.label for it in layer.legend.items]
    assert labels[0] == "1 (most deprived 10%)" and labels[-1] == "10 (least deprived 10%)"
    first = layer.fill[0]  # decile 1
    last = layer.fill[3]  # decile 10
    assert int(first[1:3], 16) > int(first[5:7], 16)  # red
    assert int(last[5:7], 16) > int(last[1:3], 16)  # blue
    assert layer.legend.note == "national deciles; 1 = most deprived"


def test_imd_rejects_non_deciles(lsoas):
    lsoas.loc[0, "imd_decile"] = 11
    with pytest.raises(WorkbenchError, match="deciles 1..10"):
        imd_layer(lsoas)


def test_missing_column_is_named(lsoas):
    with pytest.raises(WorkbenchError, match="missing column\\(s\\) \\['bin'\\]"):
        gistar_layer(lsoas)


def test_emerging_categories_case_insensitive_and_legend_only_present(cells):
    cells["category"] = ["new hot spot", "no pattern", "Persistent cold spot"] * 3
    layer = emerging_layer(cells)
    assert layer.fill[0] == EMERGING_COLORS["New hot spot"]
    assert layer.fill[1] == EMERGING_COLORS["No pattern"]
    assert [it.label for it in layer.legend.items] == [
        "New hot spot",
        "Persistent cold spot",
        "No pattern",
    ]
    dropped = emerging_layer(cells, show_no_pattern=False)
    assert len(dropped.data) == 6


def test_lisa_labels(cells):
    cells["cluster"] = ["High-High", "Low-Low", "Not significant"] * 3
    layer = lisa_layer(cells)
    assert [it.label for it in layer.legend.items] == ["High-High", "Low-Low", "Not significant"]


def test_points_escape_labels_and_cluster_when_many(points):
    layer = points_layer(points, "Needle finds", label="location", fields={"Quantity": "quantity"})
    assert layer.fields["Needle finds"][2] == (
        "&lt;img src=x onerror=&quot;window.__xss = 1; alert(1)&quot;&gt;"
    )
    assert layer.fields["Quantity"] == ["1", "3", "2", "10", "1"]
    assert not layer.cluster
    assert points_layer(points, "P", cluster_above=3).cluster
    assert XSS_IMG not in layer.fields["Needle finds"] and XSS_SCRIPT not in str(layer.fields)


def test_outline_fills_sliver_holes_only():
    outer = shapely.box(0, 0, 1000, 1000)
    sliver = shapely.box(100, 100, 110, 110)  # 100 m2
    lake = shapely.box(300, 300, 500, 500)  # 4 ha
    poly = shapely.Polygon(outer.exterior, [sliver.exterior, lake.exterior])
    gdf = gpd.GeoDataFrame({"name": ["A"]}, geometry=[poly], crs="EPSG:27700")
    layer = outline_layer(gdf, "Area")
    kept = layer.data.geometry.iloc[0]
    assert len(kept.interiors) == 1
    assert kept.area == pytest.approx(1000 * 1000 - 200 * 200)
    assert len(gdf.geometry.iloc[0].interiors) == 2  # input unchanged


def test_builder_threshold_reaches_every_layer(cells, lsoas):
    from workbench.maps import MapBuilder

    mb = MapBuilder("T", "2022", threshold=3).add_gistar(cells).add_rates(lsoas)
    # counts [0, 1, 4, 5, 12, 30, 2, 7, 0] with threshold 3: only 1 and 2 hidden.
    assert mb.layers[0].fields["Count"][1:3] == ["* (fewer than 3)", "4"]
    assert mb.layers[1].fields["Rate per 10,000"][1].startswith("16.7 per 10,000")
    with pytest.raises(WorkbenchError, match="threshold"):
        MapBuilder("T", "2022", threshold=0)
