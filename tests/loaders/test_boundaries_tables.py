"""Boundary files in several formats and CRSs; partnership tables from their templates."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from shapely.geometry import Polygon, box

from workbench.errors import DataError
from workbench.ledger import FileLedger, Ledger
from workbench.loaders.boundaries import read_boundaries
from workbench.loaders.tables import read_table

BOW_TIE = Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])  # self-intersecting, invalid


def _frame(crs="EPSG:27700", **cols):
    geoms = [
        box(458000, 304000, 459000, 305000),
        Polygon([(459000 + x, 304000 + y) for x, y in BOW_TIE.exterior.coords]),
    ]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs="EPSG:27700").to_crs(crs)


@pytest.mark.parametrize(
    "suffix,driver", [(".shp", None), (".gpkg", "GPKG"), (".geojson", "GeoJSON")]
)
def test_formats_crs_repair(tmp_path, suffix, driver):
    gdf = _frame("EPSG:3857", LSOA21CD=["E01000001", "E01000002"], LSOA21NM=["A", "B"])
    path = tmp_path / f"b{suffix}"
    gdf.to_file(path, driver=driver) if driver else gdf.to_file(path)
    ledger = Ledger()
    out, vintage = read_boundaries(path, "lsoa", ledger)
    assert vintage == "2021" and out.crs.to_epsg() == 27700
    assert list(out["lsoa_code"]) == ["E01000001", "E01000002"]
    assert out.geometry.is_valid.all()
    assert ledger.files[0].notes == {"invalid polygon repaired with make_valid": 1}
    # the square came back where it was (EPSG:3857 round trip), area 1 km2
    assert_allclose(out.geometry.iloc[0].area, 1e6, rtol=1e-6)
    # the bow tie becomes two triangles of 2,500 m2 each
    assert_allclose(out.geometry.iloc[1].area, 5000, rtol=1e-6)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_configured_code_column_and_no_crs(tmp_path):
    gdf = _frame(lsoa_ref=["E01000001", "E01000002"], label=["x", "y"])
    path = tmp_path / "b.shp"
    gdf.set_crs(None, allow_override=True).to_file(path)
    (tmp_path / "b.prj").unlink(missing_ok=True)
    ledger = Ledger()
    out, _ = read_boundaries(path, "lsoa", ledger, code_column="lsoa_ref", name_column="label")
    assert list(out["lsoa_name"]) == ["x", "y"] and out.crs.to_epsg() == 27700
    assert "no CRS in the file; taken as EPSG:27700 from the coordinates" in ledger.files[0].notes


def test_code_column_detected_by_values(tmp_path):
    gdf = _frame(ref=["E01000001", "E01000002"])
    path = tmp_path / "b.geojson"
    gdf.to_file(path, driver="GeoJSON")
    out, _ = read_boundaries(path, "lsoa")
    assert list(out["lsoa_code"]) == ["E01000001", "E01000002"]


def test_ward_columns(tmp_path):
    gdf = _frame(WD13CD=["E05000001", "E05000002"], WD13NM=["North", "South"])
    path = tmp_path / "w.geojson"
    gdf.to_file(path, driver="GeoJSON")
    out, _ = read_boundaries(path, "ward")
    assert list(out.columns) == ["ward_code", "ward_name", "geometry"]


def test_table_csv_with_note_line_blank_counts_and_xlsx(tmp_path):
    text = (
        "# SYNTHETIC example\n"
        "Financial_Year , lsoa_code,substance_group,in_treatment\n"
        "2021-22,E01000001,opiate,3\n2021-22,E01000002,crack,\n2021-22,E01000009,crack,1\n"
    )
    p = tmp_path / "t.csv"
    p.write_text(text)
    ledger = Ledger()
    df = read_table(
        p, "treatment_by_lsoa", ledger, lsoa_codes=frozenset({"E01000001", "E01000002"})
    )
    assert df["in_treatment"].dtype == "Int64"
    assert df["in_treatment"].isna().tolist() == [False, True]  # blank = not recorded, not 0
    f = ledger.files[0]
    assert f.notes == {"blank in_treatment (not recorded; kept as missing)": 1}
    assert f.dropped == {"unknown or retired LSOA code": 1} and f.balanced
    x = tmp_path / "t.xlsx"
    pd.read_csv(p, comment="#").to_excel(x, sheet_name="treatment_by_lsoa", index=False)
    dx = read_table(x, "treatment_by_lsoa")
    assert dx["in_treatment"].tolist()[:1] == [3] and len(dx) == 3


def test_needle_finds_points_month_period_area(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text(
        "find_id,date,location,longitude,latitude,quantity,hours_to_collection\n"
        "N1,2021-05-03,<b>Park</b>,-1.13,52.63,2,4.5\n"
        "N2,2019-01-01,Lane,-1.13,52.63,1,1\n"
        "N3,,Lane,-1.13,52.63,1,1\n"
        "N4,2021-05-04,Far,-2.5,53.5,1,1\n"
    )
    area = gpd.GeoDataFrame(geometry=[box(450000, 295000, 470000, 315000)], crs="EPSG:27700")
    ledger = Ledger()
    df = read_table(
        p,
        "needle_finds",
        ledger,
        period=(pd.Period("2021-01", "M"), pd.Period("2021-12", "M")),
        area=area,
    )
    assert list(df["find_id"]) == ["N1"] and df.crs.to_epsg() == 27700
    assert df["month"].iloc[0] == pd.Period("2021-05", "M")
    assert df["location"].iloc[0] == "<b>Park</b>"  # kept as text; escaped on display
    assert dict(ledger.files[0].dropped) == {
        "outside the study period": 1,
        "no date (blank)": 1,
        "outside the study area": 1,
    }
    # a date in another layout is an error naming the row, never a silent drop
    p.write_text(p.read_text().replace("N3,,", "N3,03/05/2021,"))
    with pytest.raises(
        DataError, match=r"row 3, column 'date': expected a date written YYYY-MM-DD"
    ):
        read_table(p, "needle_finds")


def test_prevalence_interval_order_checked(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text(
        "year,area_code,area_name,substance_group,age_band,estimate,lower_95,upper_95\n"
        "2016-17,E06000016,Leicester,opiate_and_or_crack,15-64,2320,2500,2570\n"
    )
    with pytest.raises(DataError, match="lower_95 <= estimate <= upper_95"):
        read_table(p, "prevalence")


def test_ledger_renders():
    f = FileLedger("a.csv", "police_street", read=10, kept=7)
    f.drop("outside the study area", 3)
    f.note("LSOA code filled in by location (blank in the file)", 2)
    ledger = Ledger([f])
    d = ledger.to_dict()["files"][0]
    assert d == {
        "file": "a.csv",
        "kind": "police_street",
        "read": 10,
        "kept": 7,
        "dropped": {"outside the study area": 3},
        "notes": {"LSOA code filled in by location (blank in the file)": 2},
    }
    assert "every file balanced" in ledger.to_text()
    assert "<td>outside the study area</td>" in ledger._repr_html_()
    frame = ledger.to_frame()
    assert frame.loc[0, "notes"] == "LSOA code filled in by location (blank in the file): 2"
    f.kept = 6
    assert not ledger.balanced and "UNBALANCED" in ledger.to_text()


def test_parts_with_one_code_are_merged_and_counted(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"LSOA11CD": ["E01000001", "E01000001", "E01000002"]},
        geometry=[box(0, 0, 10, 10), box(20, 0, 30, 10), box(40, 0, 50, 10)],
        crs="EPSG:27700",
    )
    path = tmp_path / "b.gpkg"
    gdf.to_file(path, driver="GPKG")
    ledger = Ledger()
    out, _ = read_boundaries(path, "lsoa", ledger)
    assert list(out["lsoa_code"]) == ["E01000001", "E01000002"]
    assert_allclose(out.geometry.area.tolist(), [200.0, 100.0])
    f = ledger.files[0]
    assert (f.read, f.kept) == (3, 2) and f.balanced
    assert f.dropped == {"same code as another feature (polygons merged)": 1}


def test_ledger_html_shows_paths_relative_to_their_common_folder():
    from workbench.ledger import FileLedger, Ledger

    ledger = Ledger()
    ledger.add(FileLedger("/data/study/police/2022-01.csv", "police_street", read=3, kept=3))
    ledger.add(FileLedger("/data/study/imd/imd.csv", "imd", read=2, kept=2))
    html = ledger._repr_html_()
    assert "<td>police/2022-01.csv</td>" in html and "<td>imd/imd.csv</td>" in html
    assert "/data/study" not in html
    assert ledger.to_frame()["file"].tolist()[0] == "/data/study/police/2022-01.csv"
