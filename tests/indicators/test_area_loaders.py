"""Area-level loaders: wide and long layouts, name matching to codes, ledger accounting."""

from __future__ import annotations

import pandas as pd
import pytest
from indicator_paths import NATIONAL

from workbench.errors import DataError
from workbench.ledger import Ledger
from workbench.loaders.areas import (
    MATCH,
    name_matches,
    normalise_area_name,
    read_area_long,
    read_area_names,
    read_area_wide,
    read_force_table,
    read_group_population,
)

NAMES = (
    'code,name\nE06000016,Leicester\nE06000023,"Bristol, City of"\nE09000024,Merton\n'
    "E09000029,Sutton\nE06000006,Halton\nE08000013,St. Helens\n"
)


@pytest.fixture
def names(tmp_path):
    p = tmp_path / "names.csv"
    p.write_text(NAMES, encoding="utf-8")
    return read_area_names(p, Ledger())


def test_normalise() -> None:
    assert normalise_area_name("Bristol, City of") == "city of bristol"
    assert normalise_area_name(" Halton & St Helens ") == normalise_area_name(
        "Halton and St. Helens"
    )


def test_wide_matching_and_ledger(tmp_path, names) -> None:
    p = tmp_path / "wide.csv"
    p.write_text(
        "year,Leicester,City of Bristol,Merton and Sutton,Halton & St Helens,Essex\n"
        '2018,42,30,"1,200",5,\n2019,40,31,12,6,7\n',
        encoding="utf-8",
    )
    ledger = Ledger()
    long = read_area_wide(p, ledger, kind="deaths", names=names)
    m = name_matches(long).set_index("area_name")
    assert m.loc["Leicester", "area_code"] == "E06000016"
    assert m.loc["Leicester", "match"] == MATCH["exact"]
    assert m.loc["City of Bristol", "area_code"] == "E06000023"
    assert m.loc["City of Bristol", "match"] == MATCH["normalised"]
    assert m.loc["Merton and Sutton", "area_code"] == "E09000024+E09000029"
    assert m.loc["Merton and Sutton", "match"] == MATCH["parts"]
    assert m.loc["Halton & St Helens", "area_code"] == "E06000006+E08000013"
    assert pd.isna(m.loc["Essex", "area_code"])
    assert m.loc["Essex", "match"] == MATCH["none"]
    # 2 rows x 5 areas; the blank cell is missing, not zero; thousands separator read
    assert len(long) == 10
    cell = long.loc[(long["period"] == "2018") & (long["area_name"] == "Essex"), "value"]
    assert cell.isna().all()
    assert (
        long.loc[
            (long["period"] == "2018") & (long["area_name"] == "Merton and Sutton"), "value"
        ].item()
        == 1200
    )
    entry = ledger.files[0]
    assert (entry.read, entry.kept) == (2, 2) and entry.balanced
    assert entry.notes[f"area columns: {MATCH['none']}"] == 1
    assert entry.notes[f"area columns: {MATCH['parts']}"] == 2
    assert entry.notes["blank cells (suppressed or not published; kept as missing)"] == 1


def test_wide_bad_cell(tmp_path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("year,Leicester\n2018,42\n2019,n/a\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_area_wide(p, Ledger(), kind="deaths")
    assert "row 2" in str(err.value) and "'Leicester'" in str(err.value)


def test_national_sample_matching() -> None:
    ledger = Ledger()
    names = read_area_names(NATIONAL / "lad2019_codes_names.csv", ledger)
    long = read_area_wide(
        NATIONAL / "la_deaths_drug_misuse_2009_2018.csv", ledger, kind="d", names=names
    )
    m = name_matches(long)
    assert len(m) == 137
    counts = m["match"].value_counts()
    # 102 district names as written, 4 merged areas by their parts, 31 counties and merged
    # county areas left unmatched (reported, not guessed)
    assert counts[MATCH["exact"]] == 102
    assert counts[MATCH["parts"]] == 4
    assert counts[MATCH["none"]] == 31
    assert "Leicestershire and Rutland" in set(m.loc[m["match"] == MATCH["none"], "area_name"])


def test_long_fingertips() -> None:
    ledger = Ledger()
    df = read_area_long(
        NATIONAL / "fingertips_93517_ocu_not_in_treatment_extract.csv", ledger, kind="ft"
    )
    assert len(df) == 13 and ledger.files[0].balanced
    eng = df.loc[(df["area_code"] == "E92000001") & (df["period"] == "2019/20")]
    assert eng["value"].item() == pytest.approx(52.14774596)
    assert eng["lower_95"].item() == pytest.approx(51.57598223)
    assert {"indicator_id", "count", "denominator", "compared_to_england"} <= set(df.columns)


def test_long_simple_and_errors(tmp_path) -> None:
    p = tmp_path / "long.csv"
    p.write_text(
        "area_code,period,value\nE06000016,2020,1.5\n,2020,2\nE06000016,2020,1.5\n",
        encoding="utf-8",
    )
    ledger = Ledger()
    df = read_area_long(p, ledger, kind="x")
    e = ledger.files[0]
    assert len(df) == 1 and e.dropped == {"no area code": 1, "duplicate record": 1}
    assert e.balanced
    p.write_text("area_code,period,value\nLeicester,2020,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="ONS area code"):
        read_area_long(p, Ledger(), kind="x")
    p.write_text("area,when\nE06000016,2020\n", encoding="utf-8")
    with pytest.raises(DataError, match="area code, the period and the value"):
        read_area_long(p, Ledger(), kind="x")


def test_force_table_names(tmp_path) -> None:
    p = tmp_path / "seiz.csv"
    p.write_text(
        "financial_year,Police force,All drugs\n2018-19, Kent ,10\n2018-19,Avon & Somerset,5\n"
        '2018-19,"London, City of",1\n2018-19,Border Force,9\n',
        encoding="utf-8",
    )
    ledger = Ledger()
    df = read_force_table(
        p, ledger, kind="s", forces=["Kent", "Avon and Somerset", "City of London"]
    )
    assert df["force"].tolist() == ["Kent", "Avon and Somerset", "City of London", "Border Force"]
    assert df["force_match"].tolist() == [
        MATCH["normalised"],
        MATCH["normalised"],
        MATCH["normalised"],
        "not one of the listed forces",
    ]
    assert ledger.files[0].balanced


def test_group_population(tmp_path) -> None:
    p = tmp_path / "eth.csv"
    p.write_text('ethnicity,population\nWhite,"10,000"\nBlack,2500\n', encoding="utf-8")
    s = read_group_population(p, Ledger())
    assert s.to_dict() == {"White": 10000.0, "Black": 2500.0}
    p.write_text("ethnicity,population\nWhite,1\nWhite,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="each group named once"):
        read_group_population(p, Ledger())


def test_regions_add_up_to_the_published_region_populations() -> None:
    """Areas placed in a region by the Markdown lists sum to ONS's population of that region."""
    from workbench.loaders.areas import assign_regions, read_region_lists

    ledger = Ledger()
    lists = read_region_lists(NATIONAL / "la_merged_locations.md", ledger)
    pop = pd.read_csv(NATIONAL / "la_population_2009_2019.csv").set_index("year").loc[2019]
    regions = assign_regions(pop.index, lists)
    assert regions["region"].notna().all() and len(regions) == 137
    assert set(regions.loc[regions["area_name"] == "Leicester", "region"]) == {"East Midlands"}
    published = pd.read_csv(NATIONAL / "england_regions_population_2009_2019.csv")
    published = published.set_index("year").loc[2019]
    sums = pop.groupby(regions.set_index("area_name")["region"]).sum()
    for region, total in sums.items():
        assert total == published[region], region
    assert ledger.files[0].balanced
