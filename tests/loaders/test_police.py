"""police.uk street crime and stop and search loaders: layouts, months, area, ledger."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from police_helpers import SQUARES, lonlat, police_csv_bytes, street_row
from pyproj import Transformer

from workbench.ledger import Ledger
from workbench.loaders.area import StudyArea
from workbench.loaders.police import parse_months, read_stop_search, read_street

P = (pd.Period("2021-01", "M"), pd.Period("2021-03", "M"))


def _area(polys, lookup=None) -> StudyArea:
    return StudyArea(
        codes=frozenset({"E01000001"}),
        known=frozenset({"E01000001", "E01000002"}),
        polygons=polys[polys.lsoa_code == "E01000001"],
        lookup=lookup,
    )


def test_single_csv_columns_types_and_bng(write_police):
    p = write_police(
        "2021-01-leicestershire-street.csv", [street_row("a1", lon=-1.133742, lat=52.636722)]
    )
    gdf = read_street([p])
    assert list(gdf.columns) == [
        "crime_id", "month", "reported_by", "falls_within", "longitude", "latitude", "location",
        "lsoa_code", "lsoa_name", "crime_type", "outcome", "context", "geometry",
    ]  # fmt: skip
    assert gdf.crs.to_epsg() == 27700
    assert gdf["month"].dtype == "period[M]"
    assert gdf["month"].iloc[0] == pd.Period("2021-01", "M")
    # reference: pyproj directly
    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(-1.133742, 52.636722)
    assert_allclose([gdf.geometry.x.iloc[0], gdf.geometry.y.iloc[0]], [x, y], rtol=1e-9)


def test_folder_zip_many_months_and_forces(tmp_path, write_police):
    rows = {
        "2021-01/2021-01-leicestershire-street.csv": [street_row("a", "2021-01")] * 1,
        "2021-02/2021-02-leicestershire-street.csv": [street_row("b", "2021-02")],
        "2021-02/2021-02-nottinghamshire-street.csv": [
            street_row("c", "2021-02"),
            street_row("", "2021-02"),
        ],
        "2021-02/2021-02-leicestershire-outcomes.csv": [street_row("x", "2021-02")],
    }
    zpath = tmp_path / "download.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for name, r in rows.items():
            zf.writestr(name, police_csv_bytes(r))
    ledger = Ledger()
    gdf = read_street([zpath], ledger=ledger)
    # 4 street rows; the outcomes file is not a street file and is ignored
    assert len(gdf) == 4
    assert sorted(gdf["crime_id"].dropna()) == ["a", "b", "c"]
    assert ledger.files[0].read == 4 and ledger.balanced
    # the same layout as a folder
    folder = tmp_path / "folder"
    for name, r in rows.items():
        write_police(f"folder/{name}", r)
    assert len(read_street([folder])) == 4


def test_drop_reasons_balance(write_police):
    rows = [
        street_row("k1", "2021-01"),  # kept
        street_row("k1", "2021-01"),  # duplicate Crime ID
        street_row("", "2021-02", crime_type="Anti-social behaviour"),  # ASB, kept
        street_row("", "2021-02", crime_type="Anti-social behaviour"),  # identical ASB, kept
        street_row("n1", "2021-02", lon=None, lat=None, lsoa=None),  # no coordinates
        street_row("o1", "2020-12"),  # outside period
        street_row("m1", "Jan-21"),  # unparseable month
        street_row("g1", "2021-03", lon=-20.0, lat=52.6),  # outside GB
    ]
    ledger = Ledger()
    gdf = read_street([write_police("x.csv", rows)], period=P, ledger=ledger)
    f = ledger.files[0]
    assert (f.read, f.kept) == (8, 3) and len(gdf) == 3
    assert dict(f.dropped) == {
        "duplicate record": 1,
        "no coordinates": 1,
        "outside the study period": 1,
        "unparseable month": 1,
        "coordinates outside Great Britain": 1,
    }
    assert f.balanced


def test_area_by_code_and_by_location(write_police, two_squares):
    (xa, ya), (xb, yb) = SQUARES.values()
    in_a = lonlat(xa + 500, ya + 500)
    in_b = lonlat(xb + 500, yb + 500)
    far = lonlat(xa - 5000, ya + 500)
    rows = [
        street_row("1", lon=in_a[0], lat=in_a[1], lsoa="E01000001"),  # in, by code
        street_row("2", lon=in_b[0], lat=in_b[1], lsoa="E01000002"),  # out, by code
        street_row("3", lon=in_a[0], lat=in_a[1], lsoa=None),  # blank code, in by location
        street_row("4", lon=far[0], lat=far[1], lsoa=None),  # blank code, out by location
        street_row("5", lon=far[0], lat=far[1], lsoa="E01020000"),  # unknown code, out
        street_row("6", lon=in_a[0], lat=in_a[1], lsoa="E01020000"),  # unknown code, inside
        street_row("7", lon=in_a[0], lat=in_a[1], lsoa="E01000002"),  # neighbour code, inside
    ]
    ledger = Ledger()
    gdf = read_street([write_police("x.csv", rows)], area=_area(two_squares), ledger=ledger)
    # the attribution rule: a usable police code decides; rows 6 and 7 have codes of other
    # districts (6: not in the study's files but on its 2011 geography) though their points
    # are inside the study's polygons, and the reason says so
    assert sorted(gdf["crime_id"]) == ["1", "3"]
    assert set(gdf["lsoa_code"]) == {"E01000001"}
    f = ledger.files[0]
    assert dict(f.dropped) == {
        "outside the study area": 3,
        "LSOA code of a neighbouring district; point inside the study's (generalised) polygons": 2,
    }
    assert f.notes == {"LSOA code filled in by location (blank in the file)": 1}
    assert f.balanced


def test_2021_codes_matched_through_lookup(write_police, two_squares):
    inside = lonlat(SQUARES["E01000001"][0] + 500, SQUARES["E01000001"][1] + 500)
    rows = [
        street_row("1", lon=inside[0], lat=inside[1], lsoa="E01035001"),
        street_row("2", lon=inside[0], lat=inside[1], lsoa="E01035002"),
    ]
    lookup = pd.DataFrame(
        {"from_code": ["E01035001", "E01035002"], "to_code": ["E01000001", "E01000002"]}
    )
    ledger = Ledger()
    gdf = read_street([write_police("x.csv", rows)], area=_area(two_squares, lookup), ledger=ledger)
    # row 2's code maps to the other square: a neighbouring LSOA, though its point is inside
    assert list(gdf["lsoa_code"]) == ["E01000001"]
    f = ledger.files[0]
    # a lookup without CHGIND: one candidate, placed by its code (issue 21 path notes)
    assert f.notes == {"2021 LSOA code changed in 2011: placed by its code": 1}
    assert f.dropped == {
        "LSOA code of a neighbouring district; point inside the study's (generalised) polygons": 1
    }
    assert f.balanced


def test_2021_codes_without_lookup_are_reported(write_police, two_squares):
    inside = lonlat(SQUARES["E01000001"][0] + 500, SQUARES["E01000001"][1] + 500)
    rows = [street_row("1", lon=inside[0], lat=inside[1], lsoa="E01035001")]
    ledger = Ledger()
    gdf = read_street([write_police("x.csv", rows)], area=_area(two_squares), ledger=ledger)
    # the point is inside the study: kept and placed by it, with a note naming the geography
    assert list(gdf["lsoa_code"]) == ["E01000001"]
    assert not ledger.files[0].dropped
    (note,) = ledger.files[0].notes
    assert "other census geography" in note and "lookup" in note


def test_same_monthly_file_twice_counted_once(tmp_path, write_police):
    a = write_police("a/2021-01-leicestershire-street.csv", [street_row("")])
    b = write_police("b/2021-01-leicestershire-street.csv", [street_row("")])
    ledger = Ledger()
    assert len(read_street([a, b], ledger=ledger)) == 1
    assert ledger.files[1].dropped == {"duplicate file (the same monthly file given twice)": 1}


def test_parse_months_vectorised():
    s = pd.Series(["2021-01", "2021-12", "2021-13", "", None, "21-01"])
    out = parse_months(s)
    assert out.dtype == "period[M]"
    assert list(out[:2]) == [pd.Period("2021-01", "M"), pd.Period("2021-12", "M")]
    assert out[2:].isna().all()


SEARCH_HEADER = [
    "Type", "Date", "Part of a policing operation", "Policing operation", "Latitude",
    "Longitude", "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity",
    "Legislation", "Object of search", "Outcome", "Outcome linked to object of search",
    "Removal of more than just outer clothing",
]  # fmt: skip


def _search(date, lat, lon):
    return ["Person search", date, "False", "", lat, lon, "Male", "18-24", "", "White",
            "Misuse of Drugs Act 1971 (section 23)", "Controlled drugs", "Arrest", "True",
            "False"]  # fmt: skip


def test_stop_search_dates_local_time_and_area(write_police, two_squares):
    lon, lat = lonlat(SQUARES["E01000001"][0] + 500, SQUARES["E01000001"][1] + 500)
    far = lonlat(450000, 290000)
    rows = [
        _search("2021-07-01T00:30:00+00:00", lat, lon),  # 01:30 BST, July
        _search("2021-01-31T23:30:00+00:00", lat, lon),  # January (GMT)
        _search("2021-03-01T10:00:00+00:00", "", ""),  # no coordinates
        _search("2021-03-01T10:00:00+00:00", far[1], far[0]),  # outside area
        _search("not a date", lat, lon),
    ]
    p = write_police("2021-07-leicestershire-stop-and-search.csv", rows, header=SEARCH_HEADER)
    ledger = Ledger()
    gdf = read_stop_search([p], area=_area(two_squares), ledger=ledger)
    assert list(gdf["date"]) == [pd.Timestamp("2021-07-01 01:30"), pd.Timestamp("2021-01-31 23:30")]
    assert gdf["date"].dtype == "datetime64[ns]"
    assert list(gdf["month"].astype(str)) == ["2021-07", "2021-01"]
    f = ledger.files[0]
    assert dict(f.dropped) == {
        "no coordinates": 1,
        "outside the study area": 1,
        "unparseable date": 1,
    }
    assert f.balanced and gdf.crs.to_epsg() == 27700
    assert np.isin(["object_of_search", "officer_defined_ethnicity"], gdf.columns).all()


def test_no_area_keeps_everything(write_police):
    rows = [street_row(str(i), lsoa=f"E0100000{i}") for i in range(5)]
    assert len(read_street([write_police("x.csv", rows)])) == 5


@pytest.mark.parametrize("enc_bytes", [b"\xef\xbb\xbf"])
def test_utf8_bom_header(tmp_path, enc_bytes):
    p = tmp_path / "bom.csv"
    p.write_bytes(enc_bytes + police_csv_bytes([street_row("a")]))
    assert read_street([p])["crime_id"].tolist() == ["a"]


def test_ons_lookup_file_and_split_code_resolved_by_location(tmp_path, write_police, two_squares):
    """Boundaries on 2021 codes, police on 2011 codes; E01000009 (2011) was split (CHGIND S)
    into the two squares' codes, so each row goes to the square its point is in."""
    from workbench.ledger import FileLedger
    from workbench.loaders.area import read_lsoa_2011_2021_lookup

    lk = tmp_path / "LSOA11_LSOA21.csv"
    lk.write_text(
        "LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND\n"
        "E01000009,Old 001A,E01000001,New 001A,S\n"
        "E01000009,Old 001A,E01000002,New 001B,S\n"
    )
    fl = FileLedger("lookup", "lsoa_2011_2021_lookup")
    lookup = read_lsoa_2011_2021_lookup(lk, "2021", fl)
    assert set(lookup["from_code"]) == {"E01000009"} and fl.read == 2 and fl.balanced
    a = lonlat(SQUARES["E01000001"][0] + 500, SQUARES["E01000001"][1] + 500)
    b = lonlat(SQUARES["E01000002"][0] + 500, SQUARES["E01000002"][1] + 500)
    rows = [street_row("1", lon=a[0], lat=a[1], lsoa="E01000009"),
            street_row("2", lon=b[0], lat=b[1], lsoa="E01000009")]  # fmt: skip
    ledger = Ledger()
    gdf = read_street([write_police("x.csv", rows)], area=_area(two_squares, lookup),
                      ledger=ledger)  # fmt: skip
    assert list(gdf["lsoa_code"]) == ["E01000001"]
    f = ledger.files[0]
    assert f.notes == {"2011 LSOA code split (S) in 2021: placed by its point among its parts": 1}
    assert f.dropped == {"outside the study area": 1} and f.balanced


def test_points_of_every_path_match_pyproj(tmp_path, write_police, two_squares):
    # rows kept by code (points built while the files are read), by location (built after the
    # area rule), a row outside the period with a code of the area (built early, then dropped)
    # and a cp1252 file (pandas' path, no early points): every kept point is pyproj's
    (xa, ya), _ = SQUARES.values()
    p1, p2, p3 = lonlat(xa + 100, ya + 200), lonlat(xa + 700, ya + 300), lonlat(xa + 400, ya + 900)
    write_police(
        "2021-01/2021-01-force-street.csv",
        [
            street_row("1", lon=p1[0], lat=p1[1], lsoa="E01000001"),
            street_row("2", lon=p2[0], lat=p2[1], lsoa=None),
        ],
    )
    write_police(
        "2020-12/2020-12-force-street.csv",
        [street_row("3", lon=p3[0], lat=p3[1], lsoa="E01000001", month="2020-12")],
    )
    b = tmp_path / "2021-02" / "2021-02-force-street.csv"
    b.parent.mkdir()
    b.write_bytes(
        police_csv_bytes(
            [street_row("4", month="2021-02", lon=p3[0], lat=p3[1], location="Caf\u00e9")]
        )
        .decode("utf-8")
        .encode("cp1252")
    )
    ledger = Ledger()
    gdf = read_street([tmp_path], period=P, area=_area(two_squares), ledger=ledger)
    assert list(gdf["crime_id"]) == ["1", "2", "4"]
    assert gdf["location"].iloc[2] == "Caf\u00e9"
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    x, y = to_bng.transform([p1[0], p2[0], p3[0]], [p1[1], p2[1], p3[1]])
    assert_allclose(gdf.geometry.x, x, rtol=1e-9)
    assert_allclose(gdf.geometry.y, y, rtol=1e-9)
    f = ledger.files[0]
    assert f.read == 4 and f.kept == 3 and f.dropped["outside the study period"] == 1


def test_duplicate_of_a_row_placed_by_location(write_police, two_squares):
    # both rows have a blank code filled in by location; the repeated Crime ID is dropped
    # after the area rule, and the kept row still gets the polygon's code
    (xa, ya), _ = SQUARES.values()
    p = lonlat(xa + 500, ya + 500)
    rows = [street_row("d", lon=p[0], lat=p[1], lsoa=None)] * 2
    rows.append(street_row("e", lon=p[0], lat=p[1], lsoa="E01000001"))
    ledger = Ledger()
    gdf = read_street([write_police("d.csv", rows)], area=_area(two_squares), ledger=ledger)
    assert list(gdf["crime_id"]) == ["d", "e"]
    assert list(gdf["lsoa_code"]) == ["E01000001", "E01000001"]
    f = ledger.files[0]
    assert f.dropped["duplicate record"] == 1 and f.kept == 2 and f.balanced
    assert f.notes["LSOA code filled in by location (blank in the file)"] == 1


def test_repeated_crime_id_keeps_the_latest_record(tmp_path, write_police):
    # the crime was published as Burglary in January and reclassified as Robbery in February;
    # the February file is listed first, so "latest" cannot mean "last read"
    write_police(
        "2021-02/2021-02-force-street.csv", [street_row("r1", "2021-02", crime_type="Robbery")]
    )
    write_police(
        "2021-01/2021-01-force-street.csv",
        [street_row("r1", "2021-01", crime_type="Burglary"), street_row("s1", "2021-01")],
    )
    # and within one month the last row read wins
    write_police(
        "2021-03/2021-03-force-street.csv",
        [
            street_row("t1", "2021-03", crime_type="Drugs"),
            street_row("t1", "2021-03", crime_type="Robbery"),
        ],
    )
    ledger = Ledger()
    gdf = read_street([tmp_path], period=P, ledger=ledger)
    by_id = gdf.set_index("crime_id")
    assert by_id.loc["r1", "crime_type"] == "Robbery"
    assert by_id.loc["r1", "month"] == pd.Period("2021-02", "M")
    assert by_id.loc["t1", "crime_type"] == "Robbery"
    assert len(gdf) == 3
    assert ledger.files[0].dropped == {"duplicate record": 2}


def test_coverage_from_file_names_and_month_column(tmp_path, write_police):
    write_police("z/2021-01/2021-01-force-a-street.csv", [street_row("a", "2021-01")])
    write_police("z/2021-03/2021-03-force-a-street.csv", [street_row("b", "2021-03")])
    ledger = Ledger()
    read_street([tmp_path / "z"], ledger=ledger)
    assert ledger.files[0].months == {"force-a": {"2021-01", "2021-03"}}
    # a single CSV not named by month: the Month column, force from "Reported by"
    single = write_police("all.csv", [street_row("c", "2021-01"), street_row("d", "2021-02")])
    ledger = Ledger()
    read_street([single], ledger=ledger)
    assert ledger.files[0].months == {"leicestershire": {"2021-01", "2021-02"}}
    assert ledger.to_dict()["files"][0]["months"] == {"leicestershire": ["2021-01", "2021-02"]}


def test_one_force_given_as_monthly_files_and_as_a_single_csv(tmp_path, write_police):
    from workbench.coverage import Coverage

    folder = tmp_path / "z"
    write_police("z/2021-01/2021-01-leicestershire-street.csv", [street_row("a", "2021-01")])
    single = write_police("extra.csv", [street_row("b", "2021-02")])
    ledger = Ledger()
    read_street([folder, single], ledger=ledger)
    months: dict[str, set[str]] = {}
    for f in ledger.files:
        for force, held in f.months.items():
            months.setdefault(force, set()).update(held)
    cov = Coverage.from_months(months, P)
    assert cov.forces == ["leicestershire"]
    assert [str(m) for m in cov.missing] == ["2021-03"]
