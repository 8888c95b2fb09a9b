# ruff: noqa: E501 (the case tables keep one case per line or two)
"""Bad-input corpus: each case breaks one file or setting of a small valid study (built from
the sample in tmp_path) and runs ``workbench validate`` in process.

Every case must stop with exit code 2 and one message naming the file (or the config file and
its table) and the column or setting; cases where dropping rows is right instead assert the
ledger's reason and count. No case may raise (a traceback) or pass with exit 0 silently.
"""

from __future__ import annotations

import csv
import io
import json
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pytest
from badinput_helpers import MONTHS, MiniStudy, write_toml

# -- helpers that write a broken copy of one file ------------------------------------------------


def _rows(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """(comment lines above the header, rows incl. header) of a CSV."""
    text = Path(path).read_text(encoding="utf-8")
    lines = text.splitlines()
    comments = [ln for ln in lines if ln.startswith("#")]
    body = [ln for ln in lines if not ln.startswith("#")]
    return comments, list(csv.reader(body))


def _write_rows(dst: Path, comments: list[str], rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    dst.write_text("\n".join(comments) + ("\n" if comments else "") + buf.getvalue())
    return dst


def edit_csv(src: str | Path, dst: Path, fn: Callable[[list[str], list[list[str]]], None]) -> Path:
    """Copy ``src`` to ``dst`` with ``fn(header, data_rows)`` applied in place."""
    comments, rows = _rows(src)
    header, data = rows[0], rows[1:]
    fn(header, data)
    return _write_rows(dst, comments, [header, *data])


def set_cell(column: str, value: str, row: int = 0):
    def fn(header, data):
        data[row][header.index(column)] = value

    return fn


def set_column(column: str, value: Callable[[str], str]):
    def fn(header, data):
        i = header.index(column)
        for r in data:
            r[i] = value(r[i])

    return fn


def rename_column(old: str, new: str):
    def fn(header, data):
        header[header.index(old)] = new

    return fn


def drop_column(column: str):
    def fn(header, data):
        i = header.index(column)
        del header[i]
        for r in data:
            del r[i]

    return fn


def police_copy(mini: MiniStudy, dst: Path, fn=None, month: str = MONTHS[1]) -> Path:
    """A copy of the mini study's police folder with ``fn`` applied to one month's file."""
    src = Path(mini.files["police_street"][0])
    for m in MONTHS:
        name = f"{m}/{m}-leicestershire-street.csv"
        (dst / m).mkdir(parents=True, exist_ok=True)
        if fn is not None and m == month:
            edit_csv(src / name, dst / name, fn)
        else:
            (dst / name).write_bytes((src / name).read_bytes())
    return dst


def police_zip(mini: MiniStudy, dst: Path) -> Path:
    src = Path(mini.files["police_street"][0])
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zf:
        for m in MONTHS:
            name = f"{m}/{m}-leicestershire-street.csv"
            zf.write(src / name, name)
    return dst


def lsoa_geojson(mini: MiniStudy, dst: Path, fn: Callable[[dict], None]) -> Path:
    data = json.loads(Path(mini.files["lsoa_boundaries"][0]).read_text())
    fn(data)
    dst.write_text(json.dumps(data))
    return dst


def bng_geojson(src: str | Path, dst: Path, crs_member: dict | None) -> Path:
    """The polygons in British National Grid metres, with ``crs_member`` (or none)."""
    gdf = gpd.read_file(src).to_crs(27700)
    data = json.loads(gdf.to_json())
    data.pop("crs", None)
    if crs_member is not None:
        data["crs"] = crs_member
    dst.write_text(json.dumps(data))
    return dst


CRS84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
EPSG27700 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}

IMD_RANK = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
IMD_DECILE = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"

# -- the cases -----------------------------------------------------------------------------------


@dataclass
class Case:
    """One broken input: ``build(mini, tmp) -> area.toml``; ``expect``: texts of the message."""

    id: str
    build: Callable[[MiniStudy, Path], Path]
    expect: tuple[str, ...]


def setting(section: str, **values) -> Callable[[MiniStudy, Path], Path]:
    def build(mini: MiniStudy, tmp: Path) -> Path:
        return write_toml(tmp / "area.toml", mini, **{section: values})

    return build


def with_file(key: str, make: Callable[[MiniStudy, Path], Path], **study):
    """A study whose [files] ``key`` is the file ``make(mini, tmp)`` writes."""

    def build(mini: MiniStudy, tmp: Path) -> Path:
        path = make(mini, tmp)
        value = [str(path)] if isinstance(mini.files[key], list) else str(path)
        return write_toml(tmp / "area.toml", mini, files={key: value}, study=study or None)

    return build


def csv_case(key: str, fname: str, fn) -> Callable[[MiniStudy, Path], Path]:
    return with_file(key, lambda m, t: edit_csv(m.files[key], t / fname, fn))


def raw(text: str) -> Callable[[MiniStudy, Path], Path]:
    def build(mini: MiniStudy, tmp: Path) -> Path:
        p = tmp / "area.toml"
        p.write_text(text)
        return p

    return build


def extra(text: str) -> Callable[[MiniStudy, Path], Path]:
    def build(mini: MiniStudy, tmp: Path) -> Path:
        return write_toml(tmp / "area.toml", mini, extra=text)

    return build


SETTINGS = [
    # misspelt or misplaced keys: an error with "did you mean"
    Case("study-misspelt-suppression", setting("study", suppresion_threshold=5),
         ("area.toml", "[study]", "'suppresion_threshold'", "did you mean 'suppression_threshold'")),
    Case("study-misspelt-period", setting("study", period_ned="2021-03"),
         ("[study]", "did you mean 'period_end'")),
    Case("files-misspelt-police", setting("files", polise_street=["x"]),
         ("[files]", "did you mean 'police_street'")),
    Case("files-misspelt-wards", setting("files", ward=["x"]), ("[files]", "did you mean 'wards'")),
    Case("thresholds-misspelt-alpha", setting("thresholds", alpah=0.05),
         ("[thresholds]", "did you mean 'alpha'")),
    Case("thresholds-misspelt-bands", setting("thresholds", distance_band_km=[2, 5]),
         ("[thresholds]", "did you mean 'distance_bands_km'")),
    Case("columns-misspelt", extra('[columns]\nlsoa_cod = "LSOA11CD"\n'),
         ("[columns]", "did you mean 'lsoa_code'")),
    Case("misplaced-key", setting("thresholds", suppression_threshold=5),
         ("[thresholds]", "'suppression_threshold' belongs in [study]")),
    Case("unknown-table", extra("[threshold]\nalpha = 0.05\n"),
         ("the top level", "'threshold'", "did you mean 'thresholds'")),
    # suppression threshold
    Case("suppression-1", setting("study", suppression_threshold=1),
         ("[study] suppression_threshold", "at least 3", "allow_low_suppression")),
    Case("suppression-2", setting("study", suppression_threshold=2),
         ("[study] suppression_threshold", "at least 3")),
    Case("suppression-0", setting("study", suppression_threshold=0),
         ("[study] suppression_threshold", ">= 1")),
    Case("suppression-negative", setting("study", suppression_threshold=-5),
         ("[study] suppression_threshold", ">= 1")),
    Case("suppression-true", setting("study", suppression_threshold=True),
         ("[study] suppression_threshold", "true/false")),
    Case("suppression-2.9", setting("study", suppression_threshold=2.9),
         ("[study] suppression_threshold", "2.9", "a decimal")),
    Case("suppression-5.0", setting("study", suppression_threshold=5.0),
         ("[study] suppression_threshold", "5.0")),
    Case("suppression-five", setting("study", suppression_threshold="five"),
         ("[study] suppression_threshold", "'five'", "text")),
    Case("suppression-low-allowed-not-bool",
         setting("study", suppression_threshold=2, allow_low_suppression="yes"),
         ("[study] allow_low_suppression", "true or false")),
    # per
    Case("per-0", setting("study", per=0), ("[study] per", ">= 1", "found 0")),
    Case("per-negative", setting("study", per=-100), ("[study] per", ">= 1")),
    Case("per-text", setting("study", per="ten thousand"), ("[study] per", "'ten thousand'")),
    Case("per-decimal", setting("study", per=1.5), ("[study] per", "1.5")),
    Case("per-bool", setting("study", per=True), ("[study] per", "true/false")),
    # period
    Case("period-int-year", setting("study", period_start=2021),
         ("[study] period_start", '"YYYY-MM"', "found 2021")),
    Case("period-text-year", setting("study", period_start="2021"),
         ("[study] period_start", "found '2021'")),
    Case("period-ddmm", setting("study", period_start="01/2021"),
         ("[study] period_start", "'01/2021'")),
    Case("period-month-13", setting("study", period_end="2021-13"),
         ("[study] period_end", "'2021-13'")),
    Case("period-reversed", setting("study", period_start="2021-03", period_end="2021-01"),
         ("[study] period_end", "before period_start")),
    Case("period-past-data", setting("study", period_end="2021-05"),
         ("period 2021-01 to 2021-05", "2 month(s) after the data (2021-04 to 2021-05)",
          "allow_missing_months")),
    Case("period-before-data", setting("study", period_start="2020-11"),
         ("2 month(s) before the data (2020-11 to 2020-12)", "allow_missing_months")),
    Case("period-outside-data", setting("study", period_start="2022-01", period_end="2022-03"),
         ("Month", "no row is in the period")),
    Case("allow-missing-not-bool", setting("study", allow_missing_months="yes"),
         ("[study] allow_missing_months", "true or false")),
    Case("quarters-unknown", setting("study", quarters="fiscal"),
         ("[study] quarters", "'fiscal'")),
    Case("quarters-number", setting("study", quarters=4), ("[study] quarters", "found 4")),
    Case("area-codes-empty", setting("study", area_codes=[]), ("[study] area_codes",)),
    Case("area-codes-name", setting("study", area_codes=["Leicester"]),
         ("[study] area_codes", "'Leicester'")),
    Case("area-codes-int", setting("study", area_codes=6000016), ("[study] area_codes",)),
    Case("area-codes-unmatched", setting("study", area_codes=["E06000099"]),
         ("[study] area_codes", "match no LSOA")),
    Case("name-number", setting("study", name=5), ("[study] name", "text")),
    Case("copyright-year-text", setting("study", boundary_copyright_year="2014"),
         ("[study] boundary_copyright_year",)),
    # thresholds
    Case("bands-text", setting("thresholds", distance_bands_km="two"),
         ("[thresholds] distance_bands_km", "'two'")),
    Case("bands-text-item", setting("thresholds", distance_bands_km=[2, "five"]),
         ("[thresholds] distance_bands_km", "'five'")),
    Case("bands-decreasing", setting("thresholds", distance_bands_km=[5, 2]),
         ("[thresholds] distance_bands_km", "must increase")),
    Case("bands-zero", setting("thresholds", distance_bands_km=[0, 2]),
         ("[thresholds] distance_bands_km", "greater than 0")),
    Case("bands-empty", setting("thresholds", distance_bands_km=[]),
         ("[thresholds] distance_bands_km", "list")),
    Case("alpha-above-1", setting("thresholds", alpha=1.5), ("[thresholds] alpha", "1.5")),
    Case("alpha-zero", setting("thresholds", alpha=0), ("[thresholds] alpha", "found 0")),
    Case("alpha-text", setting("thresholds", alpha="0.05"), ("[thresholds] alpha", "'0.05'")),
    Case("wait-weeks-negative", setting("thresholds", adult_wait_weeks=-1),
         ("[thresholds] adult_wait_weeks", "-1")),
    Case("wait-days-text", setting("thresholds", young_people_wait_days="ten"),
         ("[thresholds] young_people_wait_days", "'ten'")),
    # files settings
    Case("files-not-a-path", setting("files", police_street=5),
         ("[files] police_street", "path")),
    Case("files-missing-file", setting("files", imd="nowhere.csv"),
         ("[files] imd", "nowhere.csv", "does not exist")),
    Case("files-required-missing", setting("files", population=None),
         ("[files] must name population",)),
    Case("toml-syntax", raw('[study]\nname = "x\n'), ("area.toml", "not a valid TOML file")),
]  # fmt: skip


def _imd_decile_contradicts(header, data):
    i = header.index(IMD_DECILE)
    # a decile column shifted by one row: ranks and deciles of neighbouring LSOAs
    first = next(k for k, r in enumerate(data) if r[i] == "1")
    data[first][i] = "10"


def _zip_bad_crc(mini: MiniStudy, tmp: Path) -> Path:
    p = police_zip(mini, tmp / "police.zip")
    blob = bytearray(p.read_bytes())
    # flip one byte inside the first member's compressed data (after its 30-byte local
    # header and name)
    name_len = struct.unpack("<H", blob[26:28])[0]
    pos = 30 + name_len + 200
    blob[pos] ^= 0xFF
    p.write_bytes(bytes(blob))
    return p


def _zip_declares_huge(mini: MiniStudy, tmp: Path) -> Path:
    p = police_zip(mini, tmp / "police.zip")
    blob = bytearray(p.read_bytes())
    # central directory entries: uncompressed size at offset 24 of each PK\x01\x02 record
    start = 0
    while (i := blob.find(b"PK\x01\x02", start)) >= 0:
        blob[i + 24 : i + 28] = struct.pack("<I", 0xFFFF0000)
        start = i + 4
    p.write_bytes(bytes(blob))
    return p


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _needle_ddmm(header, data):
    i = header.index("date")
    for r in data:
        y, m, d = r[i].split("-")
        r[i] = f"{d}/{m}/{y}"


FILES = [
    # police.uk street crime
    Case("police-unknown-crime-type",
         with_file("police_street", lambda m, t: police_copy(m, t / "p", set_cell("Crime type", "Drugz"))),
         ("2021-02-leicestershire-street.csv", "row 1", "'Crime type'", "'Drugz'", "did you mean 'Drugs'")),
    Case("police-blank-crime-type",
         with_file("police_street", lambda m, t: police_copy(m, t / "p", set_cell("Crime type", "", 3))),
         ("2021-02-leicestershire-street.csv", "row 4", "'Crime type'", "a blank")),
    Case("police-no-month-column",
         with_file("police_street", lambda m, t: police_copy(m, t / "p", drop_column("Month"))),
         ("2021-02-leicestershire-street.csv", "Month")),
    Case("police-no-crime-type-column",
         with_file("police_street", lambda m, t: police_copy(m, t / "p", drop_column("Crime type"))),
         ("2021-02-leicestershire-street.csv", "Crime type")),
    Case("police-no-lsoa-column",
         with_file("police_street", lambda m, t: police_copy(m, t / "p", drop_column("LSOA code"))),
         ("2021-02-leicestershire-street.csv", "LSOA code")),
    Case("police-longitude-text",
         with_file("police_street", lambda m, t: police_copy(m, t / "p", set_cell("Longitude", "west", 2))),
         ("2021-02-leicestershire-street.csv", "row 3", "'Longitude'", "'west'")),
    Case("police-swapped-coordinates",
         with_file("police_street", lambda m, t: police_copy(
             m, t / "p", lambda h, d: (rename_column("Longitude", "X")(h, d),
                                       rename_column("Latitude", "Longitude")(h, d),
                                       rename_column("X", "Latitude")(h, d)))),
         ("2021-02-leicestershire-street.csv", "'Longitude'", "swapped")),
    Case("police-eastings",
         with_file("police_street", lambda m, t: police_copy(
             m, t / "p", set_column("Longitude", lambda v: "458000" if v else v))),
         ("2021-02-leicestershire-street.csv", "'Longitude'", "outside Great Britain")),
    Case("police-months-ddmmyyyy",
         with_file("police_street", lambda m, t: police_copy(
             m, t / "p", set_column("Month", lambda v: "01/" + v[5:] + "/" + v[:4]))),
         ("'Month'", "no parseable month")),
    Case("police-zip-bad-crc", with_file("police_street", _zip_bad_crc),
         ("police.zip!2021-01/2021-01-leicestershire-street.csv", "damaged")),
    # the in-memory loader refuses a zip whose members together declare more than memory
    # (the DuckDB and Dask engines bound each member instead: tests/engines, issue 24)
    Case("police-zip-declared-huge",
         with_file("police_street", _zip_declares_huge, engine="memory"),
         ("police.zip", "declaring", "GB uncompressed", "fit in memory")),
    Case("police-not-a-zip",
         with_file("police_street", lambda m, t: _write(t / "p.zip", b"PK\x03\x04broken")),
         ("p.zip", "damaged or incomplete zip")),
    Case("police-geojson-given",
         with_file("police_street", lambda m, t: Path(m.files["lsoa_boundaries"][0])),
         ("lsoa.geojson", "police.uk street crime")),
    Case("police-empty-folder",
         with_file("police_street", lambda m, t: _mkdir(t / "empty")),
         ("empty", "no CSV files")),
    # LSOA boundaries
    Case("lsoa-bng-no-crs",
         with_file("lsoa_boundaries", lambda m, t: bng_geojson(m.files["lsoa_boundaries"][0], t / "b.geojson", None)),
         ("b.geojson", "'geometry'", "British National Grid eastings/northings", "WGS84")),
    Case("lsoa-bng-crs84-header",
         with_file("lsoa_boundaries", lambda m, t: bng_geojson(m.files["lsoa_boundaries"][0], t / "b.geojson", CRS84)),
         ("b.geojson", "'geometry'", "British National Grid eastings/northings", "EPSG:4326")),
    Case("lsoa-wgs84-bng-header",
         with_file("lsoa_boundaries", lambda m, t: lsoa_geojson(m, t / "b.geojson", lambda d: d.update(crs=EPSG27700))),
         ("b.geojson", "'geometry'", "27700", "longitude/latitude")),
    Case("lsoa-points",
         with_file("lsoa_boundaries", lambda m, t: (gpd.read_file(m.files["lsoa_boundaries"][0]).assign(
             geometry=lambda g: g.representative_point()).to_file(t / "pts.geojson"), t / "pts.geojson")[1]),
         ("pts.geojson", "'geometry'", "Point", "polygons")),
    Case("lsoa-some-points",
         with_file("lsoa_boundaries", lambda m, t: (gpd.read_file(m.files["lsoa_boundaries"][0]).pipe(
             lambda g: g.assign(geometry=[g.geometry.iloc[0].representative_point(), *g.geometry.iloc[1:]])
         ).to_file(t / "pts.geojson"), t / "pts.geojson")[1]),
         ("pts.geojson", "row 1", "'geometry'", "Point")),
    Case("lsoa-no-code-column",
         with_file("lsoa_boundaries", lambda m, t: lsoa_geojson(m, t / "b.geojson", lambda d: [
             f["properties"].update(LSOA11CD="x" + f["properties"]["LSOA11CD"]) for f in d["features"]])),
         ("b.geojson", "LSOA code column")),
    Case("lsoa-csv-given",
         with_file("lsoa_boundaries", lambda m, t: Path(m.files["imd"])),
         ("imd2019_file2", "boundary file")),
    Case("wards-bng-crs84-header",
         with_file("wards", lambda m, t: bng_geojson(m.files["wards"][0], t / "w.geojson", CRS84)),
         ("w.geojson", "'geometry'", "British National Grid")),
    Case("wards-points",
         with_file("wards", lambda m, t: (gpd.read_file(m.files["wards"][0]).assign(
             geometry=lambda g: g.representative_point()).to_file(t / "w.geojson"), t / "w.geojson")[1]),
         ("w.geojson", "'geometry'", "Point")),
    Case("districts-bng-no-crs",
         with_file("districts", lambda m, t: bng_geojson(m.files["districts"], t / "d.geojson", None)),
         ("d.geojson", "'geometry'", "British National Grid")),
    # IMD
    Case("imd-decile-missing", csv_case("imd", "imd.csv", drop_column(IMD_DECILE)),
         ("imd.csv", "'Index of Multiple Deprivation (IMD) Decile'", "no IMD decile column")),
    Case("imd-decile-renamed", csv_case("imd", "imd.csv", rename_column(IMD_DECILE, "IMD decile")),
         ("imd.csv", "'Index of Multiple Deprivation (IMD) Decile'", "'IMD decile'")),
    Case("imd-decile-contradicts-rank", csv_case("imd", "imd.csv", _imd_decile_contradicts),
         ("imd.csv", f"'{IMD_DECILE}'", "national decile of the rank", "found 10")),
    Case("imd-decile-11", csv_case("imd", "imd.csv", set_cell(IMD_DECILE, "11", 4)),
         ("imd.csv", "row 5", f"'{IMD_DECILE}'", "1 (most deprived) to 10")),
    Case("imd-decile-na", csv_case("imd", "imd.csv", set_cell(IMD_DECILE, "high", 2)),
         ("imd.csv", "row 3", f"'{IMD_DECILE}'", "'high'")),
    Case("imd-rank-too-big", csv_case("imd", "imd.csv", set_cell(IMD_RANK, "40000", 1)),
         ("imd.csv", "row 2", f"'{IMD_RANK}'", "32,844")),
    Case("imd-duplicate-code", csv_case("imd", "imd.csv", lambda h, d: d.append(list(d[0]))),
         ("imd.csv", "'LSOA code (2011)'", "each LSOA code once")),
    Case("imd-no-code-column", csv_case("imd", "imd.csv", rename_column("LSOA code (2011)", "Area")),
         ("imd.csv", "LSOA code")),
    # population
    Case("population-decimal-point", csv_case("population", "pop.csv", set_cell("pop", "1.995")),
         ("pop.csv", "row 1", "'pop'", "whole number", "1.995")),
    Case("population-n/a", csv_case("population", "pop.csv", set_cell("pop", "n/a", 3)),
         ("pop.csv", "row 4", "'pop'", "blank or 'n/a'")),
    Case("population-zero", csv_case("population", "pop.csv", set_cell("pop", "0", 5)),
         ("pop.csv", "row 6", "'pop'", "at least 1", "found 0")),
    Case("population-negative", csv_case("population", "pop.csv", set_cell("pop", "-12", 5)),
         ("pop.csv", "row 6", "'pop'", "-12")),
    Case("population-text", csv_case("population", "pop.csv", set_cell("pop", "about 2000", 5)),
         ("pop.csv", "row 6", "'pop'", "'about 2000'")),
    Case("population-missing-lsoas", csv_case("population", "pop.csv", lambda h, d: d.__delitem__(slice(0, 3))),
         ("pop.csv", "no row for 3 of the 40 study LSOAs", "E01013600")),
    Case("population-no-total-column", csv_case("population", "pop.csv", rename_column("pop", "people")),
         ("pop.csv",)),
    Case("population-duplicate-code", csv_case("population", "pop.csv", lambda h, d: d.append(list(d[0]))),
         ("pop.csv", "'lsoa'", "each LSOA code once")),
    # partnership tables
    Case("treatment-future-year",
         csv_case("treatment_demographics", "td.csv", set_cell("financial_year", "2031-32", 7)),
         ("td.csv", "row 8", "'financial_year'", "'2031-32', in the future")),
    Case("treatment-year-format",
         csv_case("treatment_demographics", "td.csv", set_cell("financial_year", "2021/22", 7)),
         ("td.csv", "row 8", "'financial_year'", "'2021/22'")),
    Case("treatment-year-not-consecutive",
         csv_case("treatment_demographics", "td.csv", set_cell("financial_year", "2021-23", 7)),
         ("td.csv", "row 8", "'financial_year'", "'2021-23'")),
    Case("treatment-count-text",
         csv_case("treatment_demographics", "td.csv", set_cell("in_treatment", "lots", 2)),
         ("td.csv", "row 3", "'in_treatment'", "'lots'")),
    Case("treatment-count-negative",
         csv_case("treatment_demographics", "td.csv", set_cell("in_treatment", "-3", 2)),
         ("td.csv", "row 3", "'in_treatment'", "-3")),
    Case("treatment-unknown-sex",
         csv_case("treatment_demographics", "td.csv", set_cell("sex", "F", 2)),
         ("td.csv", "row 3", "'sex'", "'F'")),
    Case("treatment-column-misspelt",
         csv_case("treatment_demographics", "td.csv", rename_column("in_treatment", "in_treatmnt")),
         ("td.csv", "in_treatment")),
    Case("treatment-lsoa-future-year",
         csv_case("treatment_by_lsoa", "tl.csv", set_cell("financial_year", "2035-36", 0)),
         ("tl.csv", "row 1", "'financial_year'", "in the future")),
    Case("treatment-lsoa-bad-code",
         csv_case("treatment_by_lsoa", "tl.csv", set_cell("lsoa_code", "Leicester 003A", 0)),
         ("tl.csv", "row 1", "'lsoa_code'", "'Leicester 003A'")),
    Case("needles-ddmmyyyy", csv_case("needle_finds", "nf.csv", _needle_ddmm),
         ("nf.csv", "row 1", "'date'", "YYYY-MM-DD", "1,202 row(s)")),
    Case("needles-one-bad-date", csv_case("needle_finds", "nf.csv", set_cell("date", "31/04/2021", 9)),
         ("nf.csv", "row 10", "'date'", "'31/04/2021'")),
    Case("needles-swapped",
         csv_case("needle_finds", "nf.csv", lambda h, d: (rename_column("longitude", "x")(h, d),
                                                         rename_column("latitude", "longitude")(h, d),
                                                         rename_column("x", "latitude")(h, d))),
         ("nf.csv", "'longitude'", "swapped")),
    Case("needles-duplicate-id", csv_case("needle_finds", "nf.csv", set_cell("find_id", "NF00001", 1)),
         ("nf.csv", "'find_id'", "NF00001")),
    Case("needles-quantity-decimal", csv_case("needle_finds", "nf.csv", set_cell("quantity", "2.5", 4)),
         ("nf.csv", "row 5", "'quantity'", "2.5")),
    Case("young-unknown-ward", csv_case("young_people", "yp.csv", set_cell("ward_code", "E05099999", 3)),
         ("yp.csv", "row 4", "'ward_code'", "'E05099999'")),
    Case("young-ward-names-inconsistent",
         csv_case("young_people", "yp.csv", set_cell("ward_name", "Abbey Ward", 1)),
         ("yp.csv", "'ward_name'", "one ward name per ward code", "'Abbey Ward'")),
    Case("young-tier2-over-cohort",
         csv_case("young_people", "yp.csv", lambda h, d: (set_cell("cohort", "5", 0)(h, d),
                                                         set_cell("tier2_reached", "9", 0)(h, d))),
         ("yp.csv", "row 1", "'tier2_reached'", "tier2_reached <= cohort", "9 > cohort 5")),
    Case("young-within-10-over-referred",
         csv_case("young_people", "yp.csv", lambda h, d: (set_cell("tier3_referred", "1", 0)(h, d),
                                                         set_cell("tier3_within_10_days", "4", 0)(h, d))),
         ("yp.csv", "row 1", "'tier3_within_10_days'", "tier3_referred")),
    Case("young-future-year", csv_case("young_people", "yp.csv", set_cell("financial_year", "2040-41", 0)),
         ("yp.csv", "row 1", "'financial_year'", "in the future")),
    Case("young-unknown-group", csv_case("young_people", "yp.csv", set_cell("group", "Youth", 0)),
         ("yp.csv", "row 1", "'group'", "'Youth'")),
    Case("waiting-within-over-started",
         csv_case("waiting_times", "wt.csv", lambda h, d: set_cell("within_target", "999", 0)(h, d)),
         ("wt.csv", "within_target <= started")),
    Case("waiting-future-year", csv_case("waiting_times", "wt.csv", set_cell("financial_year", "2033-34", 0)),
         ("wt.csv", "row 1", "'financial_year'", "in the future")),
    Case("waiting-bad-quarter", csv_case("waiting_times", "wt.csv", set_cell("quarter", "Q5", 0)),
         ("wt.csv", "row 1", "'quarter'", "'Q5'")),
    Case("prevalence-interval", csv_case("prevalence", "pv.csv", set_cell("lower_95", "99999", 0)),
         ("pv.csv", "lower_95 <= estimate <= upper_95")),
    Case("prevalence-area-code", csv_case("prevalence", "pv.csv", set_cell("area_code", "Leicester", 0)),
         ("pv.csv", "row 1", "'area_code'", "'Leicester'")),
    Case("services-outside-gb", csv_case("services", "sv.csv", set_cell("longitude", "12.5", 0)),
         ("sv.csv", "row 1", "'longitude'", "outside Great Britain")),
    Case("services-bad-type", csv_case("services", "sv.csv", set_cell("service_type", "clinic", 0)),
         ("sv.csv", "row 1", "'service_type'", "'clinic'")),
    Case("services-capacity-text", csv_case("services", "sv.csv", set_cell("capacity", "many", 0)),
         ("sv.csv", "row 1", "'capacity'", "'many'")),
]  # fmt: skip

CASES = SETTINGS + FILES


def test_corpus_size():
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_stops_with_a_clear_message(case, mini, run_validate, tmp_path):
    toml = case.build(mini, tmp_path)
    rc, out, err = run_validate(toml)
    assert rc == 2, f"exit {rc}; stdout:\n{out[-2000:]}\nstderr:\n{err}"
    assert err.startswith("error: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for text in case.expect:
        assert text in err, f"{text!r} not in: {err}"


# -- cases where dropping rows is right: the ledger names the reason and the count ----------------


def _json(out: str) -> dict:
    return json.loads(out)


def _police_dup_month(mini, tmp):
    p = police_copy(mini, tmp / "p")
    extra_dir = tmp / "again"
    extra_dir.mkdir()
    name = f"{MONTHS[0]}-leicestershire-street.csv"
    (extra_dir / name).write_bytes((p / MONTHS[0] / name).read_bytes())
    return write_toml(tmp / "area.toml", mini, files={"police_street": [str(p), str(extra_dir)]})


def _police_bad_months(mini, tmp):
    def fn(h, d):
        for r in d[:7]:
            r[h.index("Month")] = "Feb-21"

    p = police_copy(mini, tmp / "p", fn)
    return write_toml(tmp / "area.toml", mini, files={"police_street": [str(p)]})


def _police_no_coords(mini, tmp):
    def fn(h, d):
        for r in d[:4]:
            r[h.index("Longitude")] = ""
            r[h.index("Latitude")] = ""

    p = police_copy(mini, tmp / "p", fn)
    return write_toml(tmp / "area.toml", mini, files={"police_street": [str(p)]})


def _needles_blank_dates(mini, tmp):
    def fn(h, d):
        for r in d[:5]:
            r[h.index("date")] = ""

    p = edit_csv(mini.files["needle_finds"], tmp / "nf.csv", fn)
    return write_toml(tmp / "area.toml", mini, files={"needle_finds": str(p)})


def _treatment_unknown_lsoa(mini, tmp):
    p = edit_csv(
        mini.files["treatment_by_lsoa"], tmp / "tl.csv", set_cell("lsoa_code", "E01099999", 0)
    )
    return write_toml(tmp / "area.toml", mini, files={"treatment_by_lsoa": str(p)})


def _missing_month_allowed(mini, tmp):
    return write_toml(
        tmp / "area.toml", mini, study={"period_end": "2021-05", "allow_missing_months": True}
    )


LEDGER = [
    ("police-same-month-twice", _police_dup_month, "police_street",
     "duplicate file (the same monthly file given twice)", None),
    ("police-unparseable-months", _police_bad_months, "police_street", "unparseable month", 7),
    ("police-no-coordinates", _police_no_coords, "police_street", "no coordinates", 4),
    ("needles-blank-dates", _needles_blank_dates, "needle_finds", "no date (blank)", 5),
    ("treatment-unknown-lsoa", _treatment_unknown_lsoa, "treatment_by_lsoa",
     "unknown or retired LSOA code", 1),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "kind", "reason", "count"),
    [pytest.param(*c[1:], id=c[0]) for c in LEDGER],
)
def test_rows_dropped_with_a_named_reason(build, kind, reason, count, mini, run_validate, tmp_path):
    rc, out, err = run_validate(build(mini, tmp_path), "--json")
    assert rc == 0, err
    files = [f for f in _json(out)["files"] if f["kind"] == kind]
    dropped = sum(f["dropped"].get(reason, 0) for f in files)
    if count is None:  # the whole repeated file
        rows = [f for f in files if f["dropped"].get(reason)]
        assert len(rows) == 1 and rows[0]["dropped"][reason] == rows[0]["read"] > 0
    else:
        assert dropped == count
    assert all(f["read"] == f["kept"] + sum(f["dropped"].values()) for f in files)


def test_missing_months_allowed_are_listed_never_zero(mini, run_validate, tmp_path):
    rc, out, err = run_validate(_missing_month_allowed(mini, tmp_path))
    assert rc == 0, err
    assert "MISSING MONTHS: 2 of 5 months missing: 2021-04, 2021-05." in out
    rc, out, err = run_validate(_missing_month_allowed(mini, tmp_path), "--json")
    cov = _json(out)["coverage"]
    assert cov["missing"] == ["2021-04", "2021-05"] and cov["observed"] == 3


def test_gap_inside_the_period_is_reported(mini, run_validate, tmp_path):
    p = police_copy(mini, tmp_path / "p")
    for f in (p / MONTHS[1]).iterdir():
        f.unlink()
    rc, out, err = run_validate(
        write_toml(tmp_path / "area.toml", mini, files={"police_street": [str(p)]})
    )
    assert rc == 0, err
    assert "MISSING MONTHS: 1 of 3 months missing: 2021-02." in out
    assert "leicestershire           2021  #   .   #" in out


def test_files_too_big_for_memory_stop_before_reading(mini, run_validate, tmp_path, monkeypatch):
    # a limit of 100 kB stands in for "more than a third of the available memory"
    monkeypatch.setenv("WORKBENCH_MAX_UNCOMPRESSED_BYTES", "100000")
    rc, out, err = run_validate(write_toml(tmp_path / "area.toml", mini))
    assert rc == 2
    assert "police" in err and "3 file(s) of" in err and "fit in memory" in err
    z = police_zip(mini, tmp_path / "police.zip")
    rc, out, err = run_validate(
        write_toml(tmp_path / "area.toml", mini, files={"police_street": [str(z)]})
    )
    assert rc == 2 and "police.zip" in err and "declaring" in err


def test_two_forces_a_month_one_lacks_is_missing(mini, run_validate, tmp_path):
    # a second force's files (the same rows renamed) without 2021-03: the month is missing
    # for the whole study, and the force that lacks it is named
    src = Path(mini.files["police_street"][0])
    other = tmp_path / "other"
    for m in MONTHS[:2]:
        (other / m).mkdir(parents=True)
        data = (src / m / f"{m}-leicestershire-street.csv").read_bytes()
        (other / m / f"{m}-northants-street.csv").write_bytes(data)
    toml = write_toml(tmp_path / "area.toml", mini, files={"police_street": [str(src), str(other)]})
    rc, out, err = run_validate(toml, "--json")
    assert rc == 0, err
    cov = json.loads(out)["coverage"]
    assert cov["missing"] == ["2021-03"] and cov["observed"] == 2
    assert cov["forces"] == {
        "leicestershire": {"missing": []},
        "northants": {"missing": ["2021-03"]},
    }
    assert cov["description"] == ("1 of 3 months missing: 2021-03 (northants lacks 2021-03).")
