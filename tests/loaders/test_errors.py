"""Bad input: every loader stops with one DataError naming file, row, column, expected, found."""

from __future__ import annotations

import json
import zipfile

import pandas as pd
import pytest
from police_helpers import STREET_HEADER, police_csv_bytes, street_row

from workbench.errors import DataError
from workbench.ledger import Ledger
from workbench.loaders.boundaries import read_boundaries
from workbench.loaders.imd import read_imd
from workbench.loaders.police import read_street
from workbench.loaders.population import read_population
from workbench.loaders.tables import read_table

PERIOD = (pd.Period("2021-01", "M"), pd.Period("2021-12", "M"))


def _msg(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text, "messages are one line"
    return text


def test_missing_column_names_it(write_police):
    header = [h for h in STREET_HEADER if h != "Crime type"]
    rows = [street_row()[:9] + street_row()[10:]]
    p = write_police("x.csv", rows, header=header)
    with pytest.raises(DataError) as e:
        read_street([p])
    m = _msg(e)
    assert "x.csv" in m and "column 'Crime type'" in m and "found columns 'Crime ID'" in m


def test_misspelt_column_suggests_closest(write_police):
    header = ["Longitute" if h == "Longitude" else h for h in STREET_HEADER]
    p = write_police("x.csv", [street_row()], header=header)
    with pytest.raises(DataError) as e:
        read_street([p])
    m = _msg(e)
    assert "expected a column 'Longitude'" in m
    assert "Did you mean 'Longitute'? Rename that column to 'Longitude'." in m


def test_empty_file(tmp_path):
    p = tmp_path / "2021-01-x-street.csv"
    p.write_bytes(b"")
    with pytest.raises(DataError) as e:
        read_street([p])
    assert "found an empty file (0 rows)" in _msg(e) and "2021-01-x-street.csv" in _msg(e)


def test_header_only_file(write_police):
    p = write_police("x.csv", [])
    with pytest.raises(DataError) as e:
        read_street([p])
    assert "expected at least one data row under the header, found a header row only" in _msg(e)


def test_boundary_file_given_as_crimes(tmp_path):
    p = tmp_path / "lsoa.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(DataError) as e:
        read_street([p])
    m = _msg(e)
    assert "lsoa.geojson" in m and "found a boundary/geometry file (.geojson)" in m
    assert "lsoa_boundaries" in m


def test_geojson_text_in_a_csv(tmp_path):
    p = tmp_path / "crimes.csv"
    p.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"}]}')
    with pytest.raises(DataError) as e:
        read_street([p])
    assert "found a GeoJSON boundary file" in _msg(e)


def test_imd_file_given_as_crimes(tmp_path):
    p = tmp_path / "imd.csv"
    p.write_text("LSOA code (2011),Index of Multiple Deprivation (IMD) Rank\nE01000001,5\n")
    with pytest.raises(DataError) as e:
        read_street([p])
    assert "This looks like an IMD 2019 file, not a police.uk street crime file" in _msg(e)


def test_cp1252_is_read_and_said(tmp_path):
    p = tmp_path / "x.csv"
    row = street_row("a", location="On or near Caf\u00e9 Street")
    p.write_bytes(police_csv_bytes([row]).decode("utf-8").encode("cp1252"))
    ledger = Ledger()
    gdf = read_street([p], ledger=ledger)
    assert gdf["location"].iloc[0] == "On or near Caf\u00e9 Street"
    assert ledger.files[0].notes == {"read as cp1252 (not plain UTF-8)": 1}


def test_undecodable_bytes(tmp_path):
    p = tmp_path / "x.csv"
    # 0x81 is undefined in cp1252 and invalid as UTF-8: no encoding the workbench tries fits
    p.write_bytes(police_csv_bytes([street_row("a", location="X\x81Y")]).replace(b"X", b"\x81"))
    with pytest.raises(DataError) as e:
        read_street([p])
    m = _msg(e)
    assert "expected text in UTF-8, UTF-8 with BOM or Windows cp1252" in m and "0x81" in m


def test_latitude_longitude_swapped(write_police):
    p = write_police("x.csv", [street_row(lon=52.63, lat=-1.13)] * 3)
    with pytest.raises(DataError) as e:
        read_street([p])
    m = _msg(e)
    assert "row 1" in m and "column 'Longitude'" in m and "look swapped" in m
    assert "Longitude=52.63, Latitude=-1.13" in m


def test_coordinates_outside_great_britain(write_police):
    p = write_police("x.csv", [street_row(lon=458000, lat=304000)])
    with pytest.raises(DataError) as e:
        read_street([p])
    assert "coordinates outside Great Britain in every row, e.g. (458000, 304000)" in _msg(e)


def test_non_numeric_longitude_names_row(write_police):
    rows = [street_row("a"), street_row("b", lon="west")]
    p = write_police("x.csv", rows)
    with pytest.raises(DataError) as e:
        read_street([p])
    m = _msg(e)
    assert "row 2, column 'Longitude': expected a number (decimal degrees), found 'west'" in m


def test_no_row_in_study_period(write_police):
    p = write_police("x.csv", [street_row(month="2015-01"), street_row(month="2015-03")])
    with pytest.raises(DataError) as e:
        read_street([p], period=PERIOD)
    m = _msg(e)
    assert "crimes in the study period 2021-01 to 2021-12" in m
    assert "found months 2015-01 to 2015-03; no row is in the period" in m


def test_zip_with_no_police_files(tmp_path):
    z = tmp_path / "download.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("readme.txt", "hello")
        zf.writestr("data/other.csv", "a,b\n1,2\n")
    with pytest.raises(DataError) as e:
        read_street([z])
    m = _msg(e)
    assert "download.zip" in m and "YYYY-MM/YYYY-MM-<force>-street.csv" in m
    assert "found readme.txt, data/other.csv" in m


def test_zip_of_stop_and_search_given_as_street(tmp_path):
    z = tmp_path / "ss.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("2021-01/2021-01-leicestershire-stop-and-search.csv", "Type\nx\n")
    with pytest.raises(DataError) as e:
        read_street([z])
    assert "holds police.uk files of another kind" in _msg(e)


def test_non_numeric_population(tmp_path):
    p = tmp_path / "pop.csv"
    p.write_text('lsoa,pop\nE01000001,"1,296"\nE01000002,about 1500\n')
    with pytest.raises(DataError) as e:
        read_population(p)
    m = _msg(e)
    assert "pop.csv, row 2, column 'pop'" in m and "found 'about 1500'" in m
    assert "a population count" in m


def test_negative_population(tmp_path):
    p = tmp_path / "pop.csv"
    p.write_text("lsoa,pop\nE01000001,-5\n")
    with pytest.raises(DataError) as e:
        read_population(p)
    assert "row 1, column 'pop'" in _msg(e) and ">= 0" in _msg(e)


def test_population_without_code_column(tmp_path):
    p = tmp_path / "pop.csv"
    p.write_text("lsao,pop\nE01000001,5\n")
    with pytest.raises(DataError) as e:
        read_population(p)
    assert "Did you mean 'lsao'?" in _msg(e)


def test_boundary_without_code_column(tmp_path):
    gj = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"area": "north", "value": 1},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[-1.1, 52.6], [-1.0, 52.6], [-1.0, 52.7], [-1.1, 52.6]]],
                },
            }
        ],
    }
    p = tmp_path / "b.geojson"
    p.write_text(json.dumps(gj))
    with pytest.raises(DataError) as e:
        read_boundaries(p, "lsoa")
    m = _msg(e)
    assert "expected a LSOA code column (e.g. LSOA11CD, LSOA21CD, lsoa11cd)" in m
    assert "found columns 'area', 'value'" in m and '[columns] lsoa_code = "..."' in m


def test_csv_given_as_boundaries(tmp_path):
    p = tmp_path / "b.csv"
    p.write_text("a\n1\n")
    with pytest.raises(DataError) as e:
        read_boundaries(p, "lsoa")
    assert "expected a boundary file (GeoJSON, GeoPackage or shapefile), found a .csv" in _msg(e)


def test_imd_decile_out_of_range(tmp_path):
    p = tmp_path / "imd.csv"
    p.write_text(
        "LSOA code (2011),Index of Multiple Deprivation (IMD) Decile (where 1 is most "
        "deprived 10% of LSOAs)\nE01000001,3\nE01000002,11\n"
    )
    with pytest.raises(DataError) as e:
        read_imd(p)
    m = _msg(e)
    assert "row 2" in m and "a decile from 1 (most deprived) to 10" in m and "found 11" in m


def test_table_value_not_in_template(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(
        "financial_year,lsoa_code,substance_group,in_treatment\n"
        "2021-22,E01000001,opiate,3\n2021-22,E01000001,heroin,2\n"
    )
    with pytest.raises(DataError) as e:
        read_table(p, "treatment_by_lsoa")
    m = _msg(e)
    assert "row 2, column 'substance_group'" in m and "found 'heroin'" in m
    assert "expected one of opiate, crack" in m and "docs/templates.md" in m


def test_table_negative_count(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(
        "financial_year,lsoa_code,substance_group,in_treatment\n2021-22,E01000001,opiate,-3\n"
    )
    with pytest.raises(DataError) as e:
        read_table(p, "treatment_by_lsoa")
    assert "row 1, column 'in_treatment': expected a whole number >= 0, found '-3'" in _msg(e)


def test_table_misspelt_header(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("financial_year,lsoa_code,substance_group,in_treatmnet\n2021-22,E01000001,x,1\n")
    with pytest.raises(DataError) as e:
        read_table(p, "treatment_by_lsoa")
    assert "Did you mean 'in_treatmnet'? Rename that column to 'in_treatment'." in _msg(e)


def test_services_swapped_coordinates(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text(
        "service_id,name,service_type,tier,modality,longitude,latitude,capacity,caseload,"
        "median_wait_weeks\nS1,Hub,adult_treatment,3,pharmacological,52.63,-1.13,10,5,2\n"
    )
    with pytest.raises(DataError) as e:
        read_table(p, "services")
    m = _msg(e)
    assert "row 1, column 'longitude'" in m and "look swapped" in m


def test_no_parseable_month(write_police):
    p = write_police("x.csv", [street_row(month="Jan-21"), street_row(month="01/2021")])
    with pytest.raises(DataError) as e:
        read_street([p])
    m = _msg(e)
    assert "x.csv, row 1, column 'Month': expected months written YYYY-MM" in m
    assert "found no parseable month in any of its 2 rows, e.g. 'Jan-21'" in m


def test_ragged_row_named(tmp_path):
    p = tmp_path / "x.csv"
    good = police_csv_bytes([street_row("a"), street_row("b")]).decode()
    p.write_text(good + "c,2021-01,L,L,-1.13,52.63,On or near X, Y,E01000001,T,Drugs,,\r\n")
    with pytest.raises(DataError) as e:
        read_street([p])
    m = _msg(e)
    assert "x.csv, row 3: expected a well-formed CSV file" in m and "saw 13" in m
