# ruff: noqa: E501 (the case tables keep one case per line or two)
"""Bad-input corpus, issue 26: what the national and Fingertips tables, the region lists, the
populations by ethnic group and the police months claim.

Each case is a corrupted copy of one file (or setting) of the small study (tests/badinput/
conftest.py, which configures the sample's national tables under [indicators]). Every case
ends in one of three ways, never in exit 1 and never silently:

* a clean error: exit 2, one line naming the file (or setting), and the row/column, what
  was expected and what was found;
* a ledger line: exit 0 and the ledger names the reason and count;
* a flagged output: exit 0 and the coverage table flags the month (treated as missing).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from badinput_helpers import MONTHS, MiniStudy, write_toml
from test_badinput import (
    CASES as FILE_AND_SETTING_CASES,
)
from test_badinput import (
    LEDGER,
    drop_column,
    edit_csv,
    police_copy,
    rename_column,
    set_cell,
)

# -- writers of corrupted copies -----------------------------------------------------------------


def _cell(column: str, value: str, year: str | None = None):
    """Set one cell of a wide table (the row of ``year``, else the first row)."""

    def fn(header, data):
        row = next(r for r in data if year is None or r[0] == year)
        row[header.index(column)] = value

    return fn


def _drop_years(*years: str):
    def fn(header, data):
        data[:] = [r for r in data if r[0] not in years]

    return fn


def _keep_first(n: int):
    def fn(header, data):
        del data[n:]

    return fn


def _repeat_row(i: int, change: Callable[[list[str], list[str]], None] | None = None):
    def fn(header, data):
        row = list(data[i])
        if change is not None:
            change(header, row)
        data.append(row)

    return fn


def _repeat_column(column: str):
    def fn(header, data):
        i = header.index(column)
        header.append(column)
        for r in data:
            r.append(r[i])

    return fn


def _cut_mid_row(src: str | Path, dst: Path) -> Path:
    """The file cut short in the middle of its last row (a download that stopped)."""
    text = Path(src).read_text(encoding="utf-8").rstrip("\n")
    last = text.rfind("\n")
    dst.write_text(text[: last + 1 + (len(text) - last) // 3], encoding="utf-8")
    return dst


def _extra_field(src: str | Path, dst: Path) -> Path:
    lines = Path(src).read_text(encoding="utf-8").splitlines()
    lines[3] += ",999"
    dst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dst


def _bytes(data: bytes):
    def make(src: str | Path, dst: Path) -> Path:
        dst.write_bytes(data)
        return dst

    return make


def _header_only(src: str | Path, dst: Path) -> Path:
    dst.write_text(Path(src).read_text(encoding="utf-8").splitlines()[0] + "\n")
    return dst


def _scale_row(column: str, factor: float):
    def change(header, row):
        i = header.index(column)
        row[i] = str(int(float(row[i]) * factor))

    return change


def _md(transform: Callable[[str], str]):
    def make(src: str | Path, dst: Path) -> Path:
        dst.write_text(transform(Path(src).read_text(encoding="utf-8")), encoding="utf-8")
        return dst

    return make


def _move_area(area: str, to: str):
    """Move a local authority's row of the region lists under another region's heading."""

    def transform(text: str) -> str:
        lines = text.splitlines()
        row = next(ln for ln in lines if ln.startswith("|") and f"| {area} " in ln)
        lines.remove(row)
        at = lines.index(f"## {to}")
        # after the table's header and rule lines
        k = next(j for j in range(at + 1, len(lines)) if lines[j].startswith("|--"))
        lines.insert(k + 1, row)
        return "\n".join(lines) + "\n"

    return transform


def _copy_area_row(area: str, to: str):
    """List a local authority under a second region as well."""

    def transform(text: str) -> str:
        lines = text.splitlines()
        row = next(ln for ln in lines if ln.startswith("|") and f"| {area} " in ln)
        at = lines.index(f"## {to}")
        k = next(j for j in range(at + 1, len(lines)) if lines[j].startswith("|--"))
        lines.insert(k + 1, row)
        return "\n".join(lines) + "\n"

    return transform


# -- the cases -----------------------------------------------------------------------------------


@dataclass
class Case:
    """``build(mini, tmp) -> area.toml``; ``expect``: texts of the one-line message."""

    id: str
    build: Callable[[MiniStudy, Path], Path]
    expect: tuple[str, ...]


def ind_file(key: str, fname: str, make: Callable[[str | Path, Path], Path]):
    """A study whose [indicators] ``key`` is the copy ``make(original, tmp / fname)`` writes."""

    def build(mini: MiniStudy, tmp: Path) -> Path:
        src = mini.indicators[key]
        src = src[0] if isinstance(src, list) else src
        path = make(src, tmp / fname)
        value = [str(path)] if isinstance(mini.indicators[key], list) else str(path)
        return write_toml(tmp / "area.toml", mini, indicators={key: value})

    return build


def ind_csv(key: str, fname: str, fn) -> Callable[[MiniStudy, Path], Path]:
    return ind_file(key, fname, lambda src, dst: edit_csv(src, dst, fn))


def ind_setting(**values) -> Callable[[MiniStudy, Path], Path]:
    def build(mini: MiniStudy, tmp: Path) -> Path:
        return write_toml(tmp / "area.toml", mini, indicators=values)

    return build


def files_csv(key: str, fname: str, fn) -> Callable[[MiniStudy, Path], Path]:
    def build(mini: MiniStudy, tmp: Path) -> Path:
        path = edit_csv(mini.files[key], tmp / fname, fn)
        return write_toml(tmp / "area.toml", mini, files={key: str(path)})

    return build


FT = "fingertips"
DM = "deaths_misuse"
POP = "population"
TRUNC = ("a file cut short",)

WIDE: list[Case] = []
# the same corruptions of every wide national table
for key, fname, area, years, least in (
    (DM, "la_deaths_drug_misuse_2009_2018.csv", "Leicester", ("2009", "2018"), ">= 0"),
    (
        "deaths_poisoning",
        "la_deaths_drug_poisoning_2009_2018.csv",
        "Leicester",
        ("2009", "2018"),
        ">= 0",
    ),
    (
        "admissions_poisoning",
        "la_admissions_drug_misuse_2009_2020.csv",
        "Leicester",
        ("2009", "2020"),
        ">= 0",
    ),
    (
        "admissions_mbd_primary",
        "la_admissions_drug_primary_diag_2009_2020.csv",
        "Leicester",
        ("2009", "2020"),
        ">= 0",
    ),
    (
        "admissions_mbd_any",
        "la_admissions_drug_secondary_diag_2009_2020.csv",
        "Leicester",
        ("2009", "2020"),
        ">= 0",
    ),
    (POP, "la_population_2009_2019.csv", "Leicester", ("2009", "2019"), ">= 1"),
    (
        "england_population",
        "england_regions_population_2009_2019.csv",
        "England",
        ("2009", "2019"),
        ">= 1",
    ),
    (
        "force_population",
        "force_population_2009_2019.csv",
        "Leicestershire",
        ("2009", "2019"),
        ">= 1",
    ),
    ("imd_average", "la_imd_average_score_2015_2019.csv", "Leicester", ("2015", "2019"), ">= 0"),
):
    first, last = years
    k = "nat-" + key.replace("_", "-")
    WIDE += [
        Case(f"{k}-negative", ind_csv(key, fname, _cell(area, "-120", last)),
             (fname, f"'{area}'", least, "-120")),
        Case(f"{k}-text", ind_csv(key, fname, _cell(area, "about 40", last)),
             (fname, f"'{area}'", "'about 40'")),
        Case(f"{k}-last-year-cut", ind_csv(key, fname, _drop_years(last)),
             (fname, "'year'", f"no row for {last}")),
        Case(f"{k}-cut-mid-row", ind_file(key, fname, _cut_mid_row),
             (fname, "row", *TRUNC)),
        Case(f"{k}-year-as-financial", ind_csv(key, fname, _cell("year", f"{last}/{int(last[2:]) + 1}", last)),
             (fname, "'year'", "a year such as '2018'", f"'{last}/")),
        Case(f"{k}-year-twice", ind_csv(key, fname, _repeat_row(0)),
             (fname, "'year'", "each period once", f"'{first}'")),
        Case(f"{k}-area-twice", ind_csv(key, fname, _repeat_column(area)),
             (fname, f"'{area}'", "each column once", "twice")),
    ]  # fmt: skip
    if key != "imd_average":
        WIDE.append(Case(f"{k}-year-gap", ind_csv(key, fname, _drop_years(str(int(first) + 3))),
                         (fname, f"no row for {int(first) + 3}")))  # fmt: skip
    if key == POP:
        WIDE.append(Case(f"{k}-zero", ind_csv(key, fname, _cell(area, "0", last)),
                         (fname, f"'{area}'", ">= 1", "found '0'")))  # fmt: skip

OTHER_NATIONAL = [
    # a file without years in its name, cut short: the tables published with it say so
    Case("deaths-poisoning-unnamed-cut",
         ind_csv("deaths_poisoning", "deaths_poisoning.csv", _drop_years("2016", "2017", "2018")),
         ("deaths_poisoning.csv", "the same years as the other deaths tables", "no row for 2016, 2017, 2018")),
    Case("admissions-unnamed-cut",
         ind_csv("admissions_mbd_any", "admissions.csv", _drop_years("2020")),
         ("admissions.csv", "the same years as the other admissions tables", "no row for 2020")),
    Case("deaths-misuse-unnamed-gap", ind_csv(DM, "deaths.csv", _drop_years("2013")),
         ("deaths.csv", "every year from 2009 to 2018", "no row for 2013")),
    Case("deaths-misuse-two-names-one-code",
         ind_csv(DM, "la_deaths_drug_misuse_2009_2018.csv", rename_column("Nottingham", "leicester")),
         ("la_deaths_drug_misuse_2009_2018.csv", "one column per area code", "E06000016", "'Leicester'", "'leicester'")),
    Case("deaths-misuse-empty", ind_file(DM, "d_2009_2018.csv", _bytes(b"")),
         ("d_2009_2018.csv", "empty file")),
    Case("deaths-misuse-header-only", ind_file(DM, "d_2009_2018.csv", _header_only),
         ("d_2009_2018.csv", "header row only")),
    Case("deaths-misuse-binary", ind_file(DM, "d_2009_2018.csv", _bytes(b"\x00\x01\x02PNG" * 50)),
         ("d_2009_2018.csv", "binary data")),
    Case("deaths-misuse-extra-field", ind_file(DM, "d_2009_2018.csv", _extra_field),
         ("d_2009_2018.csv", "row 3", "same number of fields")),
    Case("deaths-misuse-zip", ind_file(DM, "d_2009_2018.csv", _bytes(b"PK\x03\x04" + b"x" * 100)),
         ("d_2009_2018.csv", "a zip or XLSX file")),
    # the force table (Home Office seizures)
    Case("seizures-force-twice-10x",
         ind_csv("seizures", "force_drug_seizures_2009_10_to_2018_19.csv",
                 _repeat_row(140, _scale_row("All drugs", 10))),
         ("force_drug_seizures_2009_10_to_2018_19.csv", "row 411", "'Police force'", "one row per force and year", "again")),
    Case("seizures-force-twice-other-name",
         ind_csv("seizures", "force_drug_seizures_2009_10_to_2018_19.csv",
                 _repeat_row(5, lambda h, r: r.__setitem__(1, r[1].upper()))),
         ("force_drug_seizures_2009_10_to_2018_19.csv", "'Police force'", "one row per force and year")),
    Case("seizures-negative",
         ind_csv("seizures", "force_drug_seizures_2009_10_to_2018_19.csv", set_cell("All drugs", "-5", 3)),
         ("force_drug_seizures_2009_10_to_2018_19.csv", "row 4", "'All drugs'", ">= 0", "-5")),
    Case("seizures-last-year-cut",
         ind_csv("seizures", "force_drug_seizures_2009_10_to_2018_19.csv",
                 lambda h, d: d.__setitem__(slice(None), [r for r in d if r[0] != "2018-19"])),
         ("force_drug_seizures_2009_10_to_2018_19.csv", "'financial_year'", "no row for 2018")),
    Case("seizures-infinite",
         ind_csv("seizures", "force_drug_seizures_2009_10_to_2018_19.csv", set_cell("Total Class A", "inf", 7)),
         ("force_drug_seizures_2009_10_to_2018_19.csv", "row 8", "'Total Class A'", "'inf'")),
    Case("seizures-year-form",
         ind_csv("seizures", "force_drug_seizures_2009_10_to_2018_19.csv", set_cell("financial_year", "09-10", 0)),
         ("force_drug_seizures_2009_10_to_2018_19.csv", "row 1", "'financial_year'", "'09-10'")),
    Case("seizures-year-not-consecutive",
         ind_csv("seizures", "force_drug_seizures_2009_10_to_2018_19.csv", set_cell("financial_year", "2009-12", 0)),
         ("force_drug_seizures_2009_10_to_2018_19.csv", "row 1", "'financial_year'", "'2009-12'")),
    Case("seizures-no-force-column",
         ind_csv("seizures", "force_drug_seizures_2009_10_to_2018_19.csv", rename_column("Police force", "Force")),
         ("force_drug_seizures_2009_10_to_2018_19.csv", "'Police force'")),
    Case("seizures-cut-mid-row", ind_file("seizures", "force_drug_seizures_2009_10_to_2018_19.csv", _cut_mid_row),
         ("force_drug_seizures_2009_10_to_2018_19.csv", *TRUNC)),
    Case("police-force-unknown", ind_setting(police_force="Leicester"),
         ("[indicators] police_force 'Leicester'", "Leicestershire")),
    # the area code list
    Case("area-names-code-twice",
         ind_csv("area_names", "lad.csv", _repeat_row(3)),
         ("lad.csv", "'lad19cd'", "each area code once", "again")),
    Case("area-names-name-twice",
         ind_csv("area_names", "lad.csv", lambda h, d: d.__setitem__(
             next(i for i, r in enumerate(d) if r[0] == "E06000018"),
             ["E06000018", "Leicester", "100"])),
         ("lad.csv", "'lad19nm'", "each area name once", "'Leicester' again")),
    Case("area-names-no-codes",
         ind_csv("area_names", "lad.csv", lambda h, d: [r.__setitem__(0, "x" + r[0]) for r in d]),
         ("lad.csv", "ONS area codes")),
    # Fingertips downloads
    Case("fingertips-study-name-under-another-code",
         ind_csv(FT, "ft.csv", set_cell("Area Name", "Leicester", 3)),
         ("ft.csv", "row 4", "'Area Name'", "'Hartlepool'", "'Leicester'")),
    Case("fingertips-name-under-wrong-code",
         ind_csv(FT, "ft.csv", set_cell("Area Name", "Darlington", 3)),
         ("ft.csv", "row 4", "'Area Name'", "E06000001", "'Hartlepool'", "'Darlington'")),
    Case("fingertips-row-twice-other-value",
         ind_csv(FT, "ft.csv", _repeat_row(3, lambda h, r: r.__setitem__(h.index("Value"), "10"))),
         ("ft.csv", "'Area Code'", "again")),
    Case("fingertips-negative-count", ind_csv(FT, "ft.csv", set_cell("Count", "-575", 3)),
         ("ft.csv", "row 4", "'Count'", ">= 0", "-575")),
    Case("fingertips-negative-denominator", ind_csv(FT, "ft.csv", set_cell("Denominator", "-1179", 3)),
         ("ft.csv", "row 4", "'Denominator'", ">= 0")),
    Case("fingertips-lower-above-value", ind_csv(FT, "ft.csv", set_cell("Lower CI 95.0 limit", "70", 3)),
         ("ft.csv", "row 4", "'Value'", "lower limit <= value <= upper limit")),
    Case("fingertips-upper-below-value", ind_csv(FT, "ft.csv", set_cell("Upper CI 95.0 limit", "1", 3)),
         ("ft.csv", "row 4", "lower limit <= value <= upper limit")),
    Case("fingertips-value-text", ind_csv(FT, "ft.csv", set_cell("Value", "high", 3)),
         ("ft.csv", "row 4", "'Value'", "'high'")),
    Case("fingertips-code-is-name", ind_csv(FT, "ft.csv", set_cell("Area Code", "Hartlepool", 3)),
         ("ft.csv", "row 4", "'Area Code'", "'Hartlepool'")),
    Case("fingertips-no-value-column", ind_csv(FT, "ft.csv", rename_column("Value", "Valeu")),
         ("ft.csv", "'Time period'", "'Value'")),
    Case("fingertips-one-code-two-names",
         ind_csv(FT, "ft.csv", set_cell("Area Name", "Worcestershire", 6)),
         ("ft.csv", "row 7", "'Area Name'", "one area name per area code", "'West Sussex'", "'Worcestershire'")),
    Case("deaths-misuse-all-blank",
         ind_csv(DM, "la_deaths_drug_misuse_2009_2018.csv", lambda h, d: [r.__setitem__(slice(1, None), [""] * (len(r) - 1)) for r in d]),
         ("la_deaths_drug_misuse_2009_2018.csv", "at least one number", "every cell blank")),
    Case("deaths-misuse-infinite", ind_csv(DM, "la_deaths_drug_misuse_2009_2018.csv", _cell("Leicester", "inf", "2018")),
         ("la_deaths_drug_misuse_2009_2018.csv", "'Leicester'", "'inf'")),
    Case("deaths-misuse-blank-header",
         ind_csv(DM, "la_deaths_drug_misuse_2009_2018.csv", rename_column("Barnet", "")),
         ("la_deaths_drug_misuse_2009_2018.csv", "an area name at the head of every column", "a blank header cell")),
    Case("deaths-misuse-study-renamed",
         ind_csv(DM, "la_deaths_drug_misuse_2009_2018.csv", rename_column("Leicester", "leicester")),
         ("la_deaths_drug_misuse_2009_2018.csv", "E06000016 named 'Leicester'", "'leicester'")),
    Case("deaths-misuse-study-left-out",
         ind_csv(DM, "la_deaths_drug_misuse_2009_2018.csv", drop_column("Leicester")),
         ("la_deaths_drug_misuse_2009_2018.csv", "a column for the study's area E06000016", "found none")),
    Case("fingertips-cut-mid-row", ind_file(FT, "ft.csv", _cut_mid_row), ("ft.csv", *TRUNC)),
    Case("fingertips-empty", ind_file(FT, "ft.csv", _bytes(b"\n")), ("ft.csv", "empty file")),
    # region lists
    Case("regions-study-in-london",
         ind_file("area_regions", "regions.md", _md(_move_area("Leicester", "London"))),
         ("[indicators] area_regions", "'Leicester'", "E06000016", "'London'", "E09")),
    Case("regions-study-in-west-midlands",
         ind_file("area_regions", "regions.md", _md(_move_area("Leicester", "West Midlands"))),
         ("[indicators] area_regions", "'East Midlands'", "wrong region")),
    Case("regions-borough-in-south-east",
         ind_file("area_regions", "regions.md", _md(_move_area("Barnet", "South East"))),
         ("[indicators] area_regions", "'Barnet'", "E09000003", "'South East'")),
    Case("regions-area-twice",
         ind_file("area_regions", "regions.md", _md(_copy_area_row("Leicester", "London"))),
         ("regions.md", "each area under one region", "'leicester'")),
    Case("regions-no-headings",
         ind_file("area_regions", "regions.md", _md(lambda t: t.replace("## ", "### "))),
         ("regions.md", "'## <Region>' headings")),
    Case("regions-binary",
         ind_file("area_regions", "regions.md", _bytes(b"\xff\xfe\x00## London\n")),
         ("regions.md", "UTF-8", "0xff")),
    Case("regions-unknown-region",
         ind_file("area_regions", "regions.md", _md(lambda t: t.replace("## East Midlands", "## Midlands East"))),
         ("[indicators] area_regions", "'Midlands East'", "not a column of the regions' population table")),
    # the study's name in the tables
    Case("table-area-name-other-area", ind_setting(table_area_name="Nottingham"),
         ("[indicators]", "table_area_name 'Nottingham'", "E06000018", "E06000016")),
    Case("table-area-name-unknown", ind_setting(table_area_name="Narnia"),
         ("[indicators]", "table_area_name 'Narnia'", "not an area of the national tables")),
    Case("table-area-name-county", ind_setting(table_area_name="Leicestershire and Rutland"),
         ("[indicators]", "table_area_name 'Leicestershire and Rutland'", "not the study's area", "'Leicester'")),
    Case("table-area-name-not-exact", ind_setting(table_area_name="Leicestershire"),
         ("[indicators]", "table_area_name 'Leicestershire'", "not an area of the national tables", "did you mean")),
    # residents by ethnic group: the denominators of the disproportionality ratios
    Case("ethnicity-white-zero", ind_csv("ethnicity_population", "eth.csv", set_cell("population", "0", 0)),
         ("eth.csv", "row 1", "'population'", ">= 1", "found '0'")),
    Case("ethnicity-white-missing", ind_csv("ethnicity_population", "eth.csv", lambda h, d: d.pop(0)),
         ("eth.csv", "'ethnicity'", "no 'White' row")),
    Case("ethnicity-unknown-group", ind_csv("ethnicity_population", "eth.csv", set_cell("ethnicity", "Asian British", 1)),
         ("eth.csv", "row 2", "'ethnicity'", "'Asian British'")),
    Case("ethnicity-negative", ind_csv("ethnicity_population", "eth.csv", set_cell("population", "-5", 2)),
         ("eth.csv", "row 3", "'population'", "-5")),
    Case("ethnicity-blank", ind_csv("ethnicity_population", "eth.csv", set_cell("population", "", 2)),
         ("eth.csv", "row 3", "'population'", "a blank")),
    Case("ethnicity-group-twice", ind_csv("ethnicity_population", "eth.csv", _repeat_row(0)),
         ("eth.csv", "row 6", "'ethnicity'", "each group named once")),
    Case("files-ethnicity-white-zero", files_csv("ethnicity_population", "eth2.csv", set_cell("population", "0", 0)),
         ("eth2.csv", "row 1", "'population'", "found '0'")),
    # a district code the study names that matches no LSOA
    Case("area-codes-one-unmatched",
         lambda m, t: write_toml(t / "area.toml", m, study={"area_codes": ["E06000016", "E07000135"]}),
         ("[study] area_codes ['E07000135']", "match no LSOA")),
]  # fmt: skip

CASES = WIDE + OTHER_NATIONAL


def test_corpus_size():
    """At least 150 corrupted copies over the whole corpus (both files), every id once."""
    flagged = 2  # the collapsed-month cases below
    ledger = len(LEDGER) + len(NATIONAL_LEDGER)
    total = len(FILE_AND_SETTING_CASES) + ledger + len(CASES) + flagged
    assert total >= 150, total
    ids = [c.id for c in CASES] + [c.id for c in FILE_AND_SETTING_CASES]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_national_bad_input_stops_with_a_clear_message(case, mini_national, run_validate, tmp_path):
    toml = case.build(mini_national, tmp_path)
    rc, out, err = run_validate(toml)
    assert rc == 2, f"exit {rc}; stdout:\n{out[-2000:]}\nstderr:\n{err}"
    assert err.startswith("error: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for text in case.expect:
        assert text in err, f"{text!r} not in: {err}"


# -- a police month cut to a fraction of its rows: flagged, treated as missing, never zero --------


def _cut_month(fraction: float):
    def fn(header, data):
        keep = max(1, int(len(data) * fraction))
        del data[keep:]

    return fn


@pytest.mark.parametrize("fraction", [0.1, 0.02], ids=["cut-to-10pc", "cut-to-2pc"])
def test_collapsed_police_month_is_flagged_not_zero(fraction, mini, run_validate, tmp_path):
    # (the file and setting study: the month's rows are what matters here)
    p = police_copy(mini, tmp_path / "p", _cut_month(fraction), month=MONTHS[1])
    toml = write_toml(tmp_path / "area.toml", mini, files={"police_street": [str(p)]})
    rc, out, err = run_validate(toml, "--json")
    assert rc == 0, err
    cov = json.loads(out)["coverage"]
    assert list(cov["collapsed"]["leicestershire"]) == [MONTHS[1]]
    assert cov["missing"] == [MONTHS[1]] and cov["observed"] == 2
    rc, out, err = run_validate(toml)
    assert "leicestershire           2021  #   !   #" in out
    assert "Held but collapsed (treated as missing, not as counts): leicestershire 2021-02" in out


def test_national_mini_study_is_valid_and_nothing_is_flagged(mini_national, run_validate, tmp_path):
    rc, out, err = run_validate(write_toml(tmp_path / "area.toml", mini_national), "--json")
    assert rc == 0, err
    data = json.loads(out)
    assert data["coverage"]["collapsed"] == {}
    kinds = {f["kind"] for f in data["files"]}
    assert {"deaths_misuse", "fingertips", "seizures", "area_regions"} <= kinds


# -- cases where reading on is right: the ledger says what was set aside -------------------------


def _trailing_comma(src: str | Path, dst: Path) -> Path:
    lines = Path(src).read_text(encoding="utf-8").splitlines()
    dst.write_text("\n".join(ln + "," for ln in lines) + "\n", encoding="utf-8")
    return dst


NATIONAL_LEDGER = [
    # a spreadsheet export's trailing comma: an empty column without a header, noted
    ("deaths-misuse-trailing-comma", ind_file(DM, "la_deaths_drug_misuse_2009_2018.csv", _trailing_comma),
     "deaths_misuse", "empty column(s) without a header ignored", 1),
    # an area name the code list does not know: kept under its name, counted as not matched
    ("deaths-misuse-unknown-area", ind_csv(DM, "la_deaths_drug_misuse_2009_2018.csv", rename_column("Barnet", "Barnet Borough")),
     "deaths_misuse", "area columns: not matched to a code", 32),
    # a force the force population table does not list (not in England's total), counted
    ("seizures-unlisted-force", ind_csv("seizures", "force_drug_seizures_2009_10_to_2018_19.csv", set_cell("Police force", "Isle of Man", 0)),
     "seizures", "force rows: not one of the listed forces", 21),
    # a row repeated cell for cell: the same figure twice, set aside once
    ("fingertips-row-twice", ind_csv(FT, "ft.csv", _repeat_row(3)), "fingertips", "duplicate record", 1),
    ("seizures-row-twice", ind_csv("seizures", "force_drug_seizures_2009_10_to_2018_19.csv", _repeat_row(5)),
     "seizures", "duplicate record", 1),
    # a Fingertips row without an area code (a footnote row), dropped with its reason
    ("fingertips-no-code-row", ind_csv(FT, "ft.csv", set_cell("Area Code", "", 5)),
     "fingertips", "no area code", 1),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "kind", "reason", "count"),
    [pytest.param(*c[1:], id=c[0]) for c in NATIONAL_LEDGER],
)
def test_national_rows_set_aside_with_a_named_reason(
    build, kind, reason, count, mini_national, run_validate, tmp_path
):
    rc, out, err = run_validate(build(mini_national, tmp_path), "--json")
    assert rc == 0, err
    files = [f for f in json.loads(out)["files"] if f["kind"] == kind]
    found = sum(f["dropped"].get(reason, 0) + f.get("notes", {}).get(reason, 0) for f in files)
    assert found == count
    assert all(f["read"] == f["kept"] + sum(f["dropped"].values()) for f in files)
