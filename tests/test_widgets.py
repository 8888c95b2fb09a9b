"""Tests of workbench.widgets on a tiny hand-made study (counts worked out by hand)."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from workbench.errors import WorkbenchError
from workbench.maps import OGL, os_attribution
from workbench.report import external_loads
from workbench.widgets import ChoroplethExplorer, HotspotExplorer, map_frame

BNG = "EPSG:27700"
X0, Y0 = 450_000, 300_000  # somewhere in Leicestershire, so the display CRS is sensible


def _study() -> SimpleNamespace:
    area = gpd.GeoDataFrame(
        {"name": ["Toy"]}, geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=BNG
    )
    lsoas = gpd.GeoDataFrame(
        {
            "lsoa_code": [f"E0100{i:04d}" for i in range(16)],
            "lsoa_name": [f"Toy {i:03d}" for i in range(16)],
            "population": [1000] * 16,
            "imd_decile": [(i % 10) + 1 for i in range(16)],
        },
        geometry=[
            box(X0 + 250 * c, Y0 + 250 * r, X0 + 250 * (c + 1), Y0 + 250 * (r + 1))
            for r in range(4)
            for c in range(4)
        ],
        crs=BNG,
    )
    # 12 drug offences in the south-west 250 m cell (8 in January, 4 in February), 3 weapons
    # offences in the north-east cell (January).
    rows = [("Drugs", "2022-01", X0 + 50 + 10 * i, Y0 + 60) for i in range(8)]
    rows += [("Drugs", "2022-02", X0 + 100, Y0 + 100 + 10 * i) for i in range(4)]
    rows += [("Possession of weapons", "2022-01", X0 + 900, Y0 + 900 + 10 * i) for i in range(3)]
    crimes = gpd.GeoDataFrame(
        {
            "crime_type": [r[0] for r in rows],
            "month": pd.PeriodIndex([r[1] for r in rows], freq="M"),
        },
        geometry=[Point(r[2], r[3]) for r in rows],
        crs=BNG,
    )
    return SimpleNamespace(
        crimes=crimes,
        lsoas=lsoas,
        area=area,
        config=SimpleNamespace(suppression_threshold=5),
        map_attributions=[OGL, os_attribution(2014)],
    )


def _text(output_widget) -> str:
    data = output_widget.outputs[0]["data"]
    return data.get("text/html", data.get("text/plain", ""))


def test_kde_explorer_counts_and_updates_in_place():
    ex = HotspotExplorer(_study(), cell_size=250, bandwidth=300)
    # the most frequent type is offered first
    assert ex.crime_type.options == ("Drugs", "Possession of weapons")
    assert ex.table["count"].max() == 12
    assert ex.result.cell_size == 250
    assert ex.result.bandwidth == 300
    assert "12 offences" in ex.status.value
    # the map is an offline iframe: nothing loads from another host
    assert "<iframe srcdoc=" in _text(ex.map_out)
    assert external_loads(_text(ex.map_out)) == []
    # the licence statement carries the study's boundary year
    assert "database right 2014" in _text(ex.map_out)

    ex.crime_type.value = "Possession of weapons"
    assert ex.table["count"].max() == 3
    assert "3 offences" in ex.status.value
    # 3 is between 1 and 4: the displayed table hides it
    shown = ex.table_out.outputs[0]["data"]["text/plain"]
    assert "*" in shown and " 3 " not in shown


@pytest.mark.filterwarnings("ignore:gistar. only 16 zones:UserWarning")
def test_period_filter_and_gistar_methods():
    ex = HotspotExplorer(_study(), ["Drugs"], cell_size=250, method="gistar_grid")
    assert ex.table["count"].iloc[0] == 12  # sorted by z, the dense cell first
    assert {"z", "p", "bin"} <= set(ex.table.columns)
    months = ex.period.options
    ex.period.value = (months[-1][1], months[-1][1])  # February only
    assert len(ex.points()) == 4
    assert ex.table["count"].iloc[0] == 4

    ex.method.value = "gistar_lsoa"
    assert ex.table["lsoa_code"].iloc[0] == "E01000000"
    assert ex.table["count"].iloc[0] == 4


def test_explorer_rejects_bad_arguments():
    with pytest.raises(WorkbenchError, match="none of the crime types"):
        HotspotExplorer(_study(), ["Burglary"])
    with pytest.raises(WorkbenchError, match="method"):
        HotspotExplorer(_study(), method="idw")


def test_choropleth_explorer_ranks_and_suppresses():
    gdf = _study().lsoas.head(3).copy()
    gdf["cohort"] = [2, 40, 12]
    gdf["rate"] = [20.0, 400.0, 120.0]
    gdf["share"] = [0.5, 0.1, 0.9]
    ex = ChoroplethExplorer(
        gdf,
        {"Rate": "rate", "Share": "share"},
        label="lsoa_name",
        table_columns={
            "Rate": ["lsoa_name", "cohort", "rate"],
            "Share": ["lsoa_name", "cohort", "share"],
        },
        count_columns=["cohort"],
        derived={"rate": "cohort", "share": "cohort"},
        title="Toy",
        attributions=[OGL, os_attribution(2014)],
        synthetic=True,
    )
    table = ex.table()
    assert table["lsoa_name"].tolist() == ["Toy 001", "Toy 002", "Toy 000"]
    # the cohort of 2 and the rate computed from it are hidden
    assert table["cohort"].tolist() == [40, 12, "*"]
    assert table["rate"].tolist() == [400.0, 120.0, "*"]
    assert (table["data"] == "SYNTHETIC").all()
    # the map greys out the small-count area as withheld, not as missing data
    html_map = ex.build_map().to_folium().get_root().render()
    assert "Fewer than 5 events (not shown)" in html_map
    assert "No data" not in html_map
    assert "database right 2014" in html_map
    ex.measure.value = "Share"
    ex.order.value = "Lowest first"
    # a withheld share is ranked last: its place in the order would tell its value
    assert ex.table()["lsoa_name"].tolist() == ["Toy 001", "Toy 002", "Toy 000"]
    assert "SYNTHETIC" in _text(ex.map_out)
    with pytest.raises(WorkbenchError, match="not in the data"):
        ChoroplethExplorer(gdf, {"X": "missing"}, label="lsoa_name")


def test_map_frame_escapes_the_document():
    from workbench.maps import MapBuilder

    mb = MapBuilder("<b>Title</b>", "2022", sources=["x"]).add_outline(_study().area, "Area")
    frame = map_frame(mb)._repr_html_()
    assert frame.startswith('<div class="wb-map"><iframe srcdoc="')
    assert "<b>Title</b>" not in frame  # escaped twice: once by the map, once in srcdoc


@pytest.mark.filterwarnings("ignore:gistar. only:UserWarning")
@pytest.mark.filterwarnings("ignore:kde. bandwidth:UserWarning")
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_explorer_counts_per_month_once_per_cell_size_and_draws_snap_points():
    """The per-month counts per cell are kept per cell size (hand counts: 8 January and 4
    February drug offences in the south-west 250 m cell, 3 January weapons offences in the
    north-east one); the grid's weights are built once; KDE takes the FFT path; the points
    layer draws each location once."""
    ex = HotspotExplorer(_study(), cell_size=250, bandwidth=300)
    assert ex.result.method.startswith("binned FFT")
    drugs = ex.cell_counts(250, "Drugs")
    assert drugs.shape == (2, 16) and drugs[:, 0].tolist() == [8, 4] and drugs.sum() == 12
    weapons = ex.cell_counts(250, "Possession of weapons")
    assert weapons[:, 15].tolist() == [3, 0] and weapons.sum() == 3
    months = ex.period.options
    ex.period.value = (months[-1][1], months[-1][1])
    assert ex.result["count"].tolist() == [4] + [0] * 15
    assert ex.cell_counts(250, "Drugs") is drugs  # kept, not recomputed
    ex.method.value = "gistar_grid"
    g = ex.grid_weights(250)
    assert ex.grid_weights(250) is g
    assert g.cardinalities.tolist()[:2] == [3, 5]  # queen: a corner cell, an edge cell
    ex.cell_size.value = 500
    assert ex.result["count"].tolist() == [4, 0, 0, 0]
    ex.method.value = "kde"
    ex.period.value = (months[0][1], months[-1][1])
    ex.layer.value = "points"
    # 8 January records along y = Y0+60 and 4 February ones along x = X0+100 from
    # y = Y0+100: 12 distinct places
    assert "12 records at 12 snap points" in _text(ex.map_out)


def test_fine_grid_is_drawn_as_one_image_with_the_same_texts(monkeypatch):
    """Above ``RASTER_CELLS`` cells the surface is one image with a click lookup carrying the
    layer's own pop-up texts (counts 1-4 withheld); at or below it, polygons as before."""
    import workbench.widgets as widgets

    ex = HotspotExplorer(_study(), cell_size=50, bandwidth=300, method="gistar_grid")
    assert len(ex.result) == 400
    assert '"drawn_as"' not in _text(ex.map_out)
    monkeypatch.setattr(widgets, "RASTER_CELLS", 100)
    ex.update()
    page = _text(ex.map_out)
    assert "drawn_as" in page
    mb = ex.build_map(ex.result)
    layer = mb.layers[0]
    assert len(layer.data) == 400
    html = mb._repr_html_()
    # the cell texts are in the page (escaped into the iframe), the polygons are not
    assert "image_overlay" in html and html.count("&quot;Feature&quot;") < 10
    counts = layer.fields["Count"]
    assert not any(t in {"1", "2", "3", "4"} for t in counts)
