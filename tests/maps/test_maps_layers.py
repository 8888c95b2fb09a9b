"""Layer colours, classes, legends and pop-up fields."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from maps_values import XSS_IMG, XSS_SCRIPT

from workbench.errors import WorkbenchError
from workbench.maps.layers import (
    EMERGING_COLORS,
    GISTAR_CLASSES,
    NO_DATA_COLOR,
    SUPPRESSED_COLOR,
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


def test_fixed_bins_of_whole_numbers_can_be_named(lsoas):
    """Layers hot (1, 2, 3) read "1 layer", "2 layers", not "up to 1.0", "1.0 to 2.0"."""
    whole = lsoas.assign(hot=[1, 2, 3, 2])
    layer = choropleth_layer(
        whole, "hot", "Layers hot", bins=[1, 2, 3], class_names=["1 layer", "2 layers", "3"]
    )
    assert [i.label for i in layer.legend.items] == ["1 layer", "2 layers", "3"]
    assert layer.fill[1] == layer.fill[3] != layer.fill[0]
    with pytest.raises(WorkbenchError, match="one name per fixed bin"):
        choropleth_layer(whole, "hot", bins=[1, 2, 3], class_names=["1", "2"])
    with pytest.raises(WorkbenchError, match="quantiles"):
        choropleth_layer(whole, "hot", k=3, class_names=["a", "b", "c"])


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
    # the index is named (issue 21; frames without a deprivation_index column: IMD 2019)
    assert layer.legend.note == "national IMD 2019 deciles; 1 = most deprived"


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


# ----------------------------------------------------------------------------- M1: small counts
SUPPRESSED_LABEL = "Fewer than 5 events (not shown)"


def test_rate_layer_greys_out_small_counts_and_leaves_them_out_of_the_breaks(lsoas):
    # counts [12, 3, 0, 40], rates [78.947368, 16.666667, 0.0, 200.0]; count 3 < 5 is hidden.
    layer = rate_layer(lsoas)
    assert layer.fill[1] == SUPPRESSED_COLOR
    assert SUPPRESSED_COLOR not in (layer.fill[0], layer.fill[2], layer.fill[3])
    # Quantiles (k=5 capped at 3 distinct values) of [0, 78.947368, 200] only, by hand with
    # linear interpolation at positions (n - 1) x q = 2/3 and 4/3 of the sorted values:
    # 0 + 2/3 x 78.947368 = 52.631579; 78.947368 + 1/3 x (200 - 78.947368) = 119.298246.
    labels = [it.label for it in layer.legend.items]
    assert labels == ["up to 52.6", "52.6 to 119.3", "119.3 to 200.0", SUPPRESSED_LABEL]
    assert layer.legend.items[-1].color == SUPPRESSED_COLOR
    assert "No data" not in labels
    assert "counts 1 to 4 not shown" in layer.legend.note
    assert layer.fields["Rate per 10,000"][1] == (
        "* (fewer than 5) of 1,800 residents; rate not shown"
    )


def test_rate_layer_opt_out_colours_small_counts_by_class(lsoas):
    layer = rate_layer(lsoas, suppress_small=False)
    assert SUPPRESSED_COLOR not in layer.fill
    # Quartiles of [0, 16.666667, 78.947368, 200] by hand: positions 0.75, 1.5, 2.25 ->
    # 0.75 x 16.666667 = 12.5; 16.666667 + 0.5 x 62.280701 = 47.807018;
    # 78.947368 + 0.25 x 121.052632 = 109.210526.
    labels = [it.label for it in layer.legend.items]
    assert labels == ["up to 12.5", "12.5 to 47.8", "47.8 to 109.2", "109.2 to 200.0"]
    # The pop-up still withholds the count and the rate.
    assert layer.fields["Rate per 10,000"][1].endswith("rate not shown")


def test_choropleth_of_a_count_derived_column_withholds_values_and_extra_count_fields(lsoas):
    lsoas["share"] = [0.12, 0.03, 0.0, 0.40]
    lsoas.loc[3, "share"] = np.nan  # no data, not a small count
    layer = choropleth_layer(
        lsoas, "share", "Share", count="count", fields={"Count": "count", "Pop": "population"}
    )
    assert layer.fill[1] == SUPPRESSED_COLOR
    assert layer.fill[3] == NO_DATA_COLOR
    assert [it.label for it in layer.legend.items][-2:] == [SUPPRESSED_LABEL, "No data"]
    assert layer.fields["Share"][1] == "* (fewer than 5)"
    assert layer.fields["Count"] == ["12", "* (fewer than 5)", "0", "40"]
    assert layer.fields["Pop"][1] == "1800"
    # Without count= nothing is suppressed (the column is not known to derive from a count).
    plain = choropleth_layer(lsoas, "share", "Share")
    assert SUPPRESSED_COLOR not in plain.fill and plain.fields["Share"][1] == "0.030"


def test_builder_threshold_sets_the_suppressed_legend(lsoas):
    from workbench.maps import MapBuilder

    mb = MapBuilder("T", "2022", threshold=3).add_rates(lsoas)
    assert SUPPRESSED_COLOR not in mb.layers[0].fill  # count 3 is not below 3
    mb = MapBuilder("T", "2022", threshold=4).add_choropleth(lsoas, "rate", count="count")
    assert mb.layers[0].fill[1] == SUPPRESSED_COLOR
    assert mb.layers[0].legend.items[-1].label == "Fewer than 4 events (not shown)"


# ----------------------------------------------------------------------------- emerging counts
def test_emerging_popup_uses_total_count_from_the_hotspot_module(cells):
    from workbench.hotspots import emerging

    # A 4 x 4 grid of 200 m cells; points in two cells over four months: cell 0 has 2 + 1 + 1
    # (total 4, hidden), cell 5 has 5 in one month; the others 0.
    x0, y0 = cells.total_bounds[:2]
    zones = gpd.GeoDataFrame(
        geometry=[
            shapely.box(x0 + i * 200, y0 + j * 200, x0 + (i + 1) * 200, y0 + (j + 1) * 200)
            for j in range(4)
            for i in range(4)
        ],
        crs="EPSG:27700",
    )
    xy = [(x0 + 100, y0 + 100)] * 4 + [(x0 + 300, y0 + 300)] * 5
    months = pd.PeriodIndex(["2022-01", "2022-01", "2022-03", "2022-04"] + ["2022-02"] * 5, "M")
    pts = gpd.GeoDataFrame(
        {"month": months},
        geometry=gpd.points_from_xy([p[0] for p in xy], [p[1] for p in xy]),
        crs="EPSG:27700",
    )
    result = emerging(pts, "month", zones)
    assert "total" in result.columns and "count" not in result.columns
    texts = emerging_layer(result).fields["Count (all periods)"]
    assert texts[0] == "* (fewer than 5)" and texts[5] == "5"
    assert texts[1:5] == ["0"] * 4
    # A frame with only ``count`` still gets the row.
    texts = emerging_layer(cells.assign(category="no pattern")).fields["Count (all periods)"]
    assert texts[:4] == ["0", "* (fewer than 5)", "* (fewer than 5)", "5"]
