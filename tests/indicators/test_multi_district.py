"""A study of two districts gets each district's national indicators (issue 25, item 5).

The two-district study is made from the sample data (Leicester, E06000016, a unitary
authority with its own column in the national tables, and its neighbour Blaby, E07000129, a
district inside Leicestershire with none), written into ``tmp_path`` with the sample's
files named from its folder (``[study] data_folders``). The expected values are read from
the national CSV files with pandas here, not from the workbench's own tables.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from workbench.indicators.national import (
    area_values,
    district_columns,
    load_national,
    pooled_values,
)
from workbench.ledger import Ledger

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"

#: The two-district study: the sample's own files, national tables as in area.toml.
TWO_DISTRICTS = """
[study]
name = "Leicester with Blaby (two-district test study)"
area_codes = ["E06000016", "E07000129"]
area_name = "Leicester with Blaby"
data_folders = ["{sample}"]
period_start = "2019-12"
period_end = "2022-10"
quarters = "financial"
suppression_threshold = 5
per = 10000
boundary_copyright_year = 2014
population_year = 2019

[files]
police_street = ["{sample}/police/leicestershire-street-2019-12_2022-10.zip"]
stop_search = []
lsoa_boundaries = [
    "{sample}/boundaries/lsoa2011_E06000016_leicester.geojson",
    "{sample}/boundaries/lsoa2011_E07000129_blaby.geojson",
]
wards = [
    "{sample}/boundaries/wards2013_E06000016_leicester.geojson",
    "{sample}/boundaries/wards2013_E07000129_blaby.geojson",
]
districts = "{sample}/boundaries/lad2013_leicester.geojson"
imd = "{sample}/imd/imd2019_file2_domains_ranks_deciles_leicester.csv"
imd_scores = "{sample}/imd/imd2019_scores_mysociety_uk_imd_e_leicester.csv"
population = "{sample}/population/lsoa_pop_mid2019_total_leicester.csv"
lsoa_lookup = "{sample}/lookups/lsoa2011_to_lad2019_leicester.csv"

[indicators]
area_names = "{sample}/national/lad2019_codes_names.csv"
area_regions = "{sample}/national/la_merged_locations.md"
population = "{sample}/national/la_population_2009_2019.csv"
england_population = "{sample}/national/england_regions_population_2009_2019.csv"
imd_average = "{sample}/national/la_imd_average_score_2015_2019.csv"
deaths_misuse = "{sample}/national/la_deaths_drug_misuse_2009_2018.csv"
deaths_poisoning = "{sample}/national/la_deaths_drug_poisoning_2009_2018.csv"
admissions_poisoning = "{sample}/national/la_admissions_drug_misuse_2009_2020.csv"
admissions_mbd_primary = "{sample}/national/la_admissions_drug_primary_diag_2009_2020.csv"
admissions_mbd_any = "{sample}/national/la_admissions_drug_secondary_diag_2009_2020.csv"
seizures = "{sample}/national/force_drug_seizures_2009_10_to_2018_19.csv"
force_population = "{sample}/national/force_population_2009_2019.csv"
police_force = "Leicestershire"
similar_areas = 10

[thresholds]
adult_wait_weeks = 3
young_people_wait_days = 10
distance_bands_km = [2, 5]
alpha = 0.05

[disclosure]
open_data_in_full = true
"""


def two_district_config(folder: Path) -> Path:
    """Write the two-district study's area.toml into ``folder``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    toml = folder / "area.toml"
    toml.write_text(TWO_DISTRICTS.format(sample=SAMPLE.as_posix()), encoding="utf-8")
    return toml


# ------------------------------------------------------------------ expected values, by hand
NATIONAL = SAMPLE / "national"
#: 1.96: the normal quantile of a 95% interval.
Z = 1.959963984540054


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(NATIONAL / name, index_col=0)


def _deaths(area: str, last: int) -> tuple[float, float]:
    """3-year pooled deaths labelled by their last year, over the population of the 3 years."""
    count = float(_csv("la_deaths_drug_misuse_2009_2018.csv").loc[last, area])
    pop = _csv("la_population_2009_2019.csv").loc[last - 2 : last, area].astype(float).sum()
    return count, float(pop)


def _admissions(area: str, last: int) -> tuple[float, float]:
    """Financial year labelled by its last year, over the mid-year population of its first."""
    count = float(_csv("la_admissions_drug_primary_diag_2009_2020.csv").loc[last, area])
    pop = float(_csv("la_population_2009_2019.csv").loc[last - 1, area])
    return count, pop


def _byar(count: float) -> tuple[float, float]:
    """Byar's approximation to the exact Poisson limits of a count (10 or more)."""
    lo = count * (1 - 1 / (9 * count) - Z / (3 * np.sqrt(count))) ** 3
    c1 = count + 1
    hi = c1 * (1 - 1 / (9 * c1) + Z / (3 * np.sqrt(c1))) ** 3
    return lo, hi


@pytest.fixture(scope="module")
def tables():
    keys = {
        "area_names": "lad2019_codes_names.csv",
        "population": "la_population_2009_2019.csv",
        "england_population": "england_regions_population_2009_2019.csv",
        "deaths_misuse": "la_deaths_drug_misuse_2009_2018.csv",
        "admissions_mbd_primary": "la_admissions_drug_primary_diag_2009_2020.csv",
    }
    return load_national({k: str(NATIONAL / v) for k, v in keys.items()}, Ledger())


def test_each_district_has_its_column_and_the_pair_pools(tables):
    # Blackpool (E06000009) with Blackburn with Darwen (E06000008): two unitary authorities,
    # each with a column of its own (the case of the issue)
    cols = district_columns(tables, ["E06000009", "E06000008"])
    assert list(cols["column"]) == ["Blackpool", "Blackburn with Darwen"]
    assert list(cols["reason"]) == ["", ""]
    values = area_values(tables)
    for area in ("Blackpool", "Blackburn with Darwen"):
        row = values.loc[
            (values["indicator"] == "deaths_misuse")
            & (values["area_name"] == area)
            & (values["period"] == "2016-2018")
        ].iloc[0]
        count, pop = _deaths(area, 2018)
        assert (row["count"], row["denominator"]) == (count, pop)
        assert_allclose(row["value"], count / pop * 1e5)
    pooled, why = pooled_values(values, ["Blackpool", "Blackburn with Darwen"], "The pair")
    assert why == []
    got = pooled.set_index(["indicator", "period"])
    # deaths 2016-2018: the two districts' deaths over their person-years
    (c1, p1), (c2, p2) = _deaths("Blackpool", 2018), _deaths("Blackburn with Darwen", 2018)
    row = got.loc[("deaths_misuse", "2016-2018")]
    assert (row["count"], row["denominator"]) == (c1 + c2, p1 + p2)
    assert_allclose(row["value"], (c1 + c2) / (p1 + p2) * 1e5)
    lo, hi = _byar(c1 + c2)
    assert_allclose([row["lower"], row["upper"]], [lo / (p1 + p2) * 1e5, hi / (p1 + p2) * 1e5])
    # admissions 2018/19 (the file's "2019") over mid-2018
    (c1, p1), (c2, p2) = (
        _admissions("Blackpool", 2019),
        _admissions("Blackburn with Darwen", 2019),
    )
    row = got.loc[("admissions_mbd_primary", "2018/19")]
    assert_allclose(row["value"], (c1 + c2) / (p1 + p2) * 1e5)
    assert set(pooled["area_name"]) == {"The pair"}


def test_a_district_without_a_column_is_named_and_nothing_is_pooled(tables):
    cols = district_columns(tables, ["E06000016", "E07000129"]).set_index("district")
    assert cols.loc["Leicester", "column"] == "Leicester"
    assert pd.isna(cols.loc["Blaby", "column"])
    assert "no column of its own" in cols.loc["Blaby", "reason"]
    # a published value (no count) is not pooled, and says why
    values = area_values(tables)
    fingertips = pd.DataFrame(
        {
            "indicator": "fingertips_93517",
            "period": "2019/20",
            "area_name": ["Blackpool", "Blackburn with Darwen"],
            "area_code": ["E06000009", "E06000008"],
            "count": np.nan,
            "denominator": np.nan,
            "value": [60.0, 50.0],
            "lower": [55.0, 45.0],
            "upper": [65.0, 55.0],
            "note": "",
        }
    )
    both = pd.concat([values, fingertips], ignore_index=True)
    pooled, why = pooled_values(both, ["Blackpool", "Blackburn with Darwen"], "The pair")
    assert "fingertips_93517" not in set(pooled["indicator"])
    assert any(w.startswith("fingertips_93517: not pooled") for w in why)


@pytest.fixture(scope="module")
def two_district(tmp_path_factory):
    from workbench import indicators
    from workbench.study import Study

    toml = two_district_config(tmp_path_factory.mktemp("two_districts"))
    return indicators.study_indicators(Study.from_toml(toml))


def test_two_district_study_gets_each_districts_indicators(two_district):
    ind = two_district
    comp = ind.comparison
    # before: only the force's seizure rows; now Leicester's own national rows as well
    mine = comp.loc[comp["area"] == "Leicester"].set_index("indicator")
    assert {"deaths_misuse", "admissions_mbd_primary"} <= set(mine.index)
    count, pop = _deaths("Leicester", 2018)
    row = mine.loc["deaths_misuse"]
    assert row["period"] == "2016-2018"
    assert (row["count"], row["denominator"]) == (count, pop)
    assert_allclose(row["value"], count / pop * 1e5)
    # the England value: the areas' deaths (they cover England) over England's person-years
    deaths = _csv("la_deaths_drug_misuse_2009_2018.csv").loc[2018].astype(float).sum()
    eng_pop = _csv("england_regions_population_2009_2019.csv").loc[2016:2018, "England"].sum()
    assert_allclose(row["england"], deaths / eng_pop * 1e5)
    # Blaby has no column: said, not silently dropped; nothing pooled; no misleading sentence
    note = ind.tables_note
    assert "Blaby: none" in note and "no column of its own" in note
    assert "not pooled" in note and "The study is" not in note
    assert set(comp["area"]) == {"Leicestershire", "Leicester"}  # the force's seizures too
    # the similar-areas group of the district with a column
    assert set(ind.similar["similar_to"]) == {"Leicester"}
    assert len(ind.similar) == 10
    assert "One group for each district" in ind.similar_method


def test_empty_comparison_tables_become_one_sentence():
    from workbench.indicators import NationalTables, StudyIndicators
    from workbench.indicators.assessment import Assessment
    from workbench.markup import SafeHTML

    empty = pd.DataFrame()
    flags = pd.DataFrame(columns=["name", "rating", "trend"])
    compared = pd.DataFrame({"name": ["Deaths", "Admissions"], "rating": ["similar", "better"]})
    a = Assessment(empty, compared, flags, empty, empty)
    shown = a.flags_shown()
    assert isinstance(shown, SafeHTML)
    assert str(shown) == (
        "<p>No indicator is significantly worse than England or getting worse "
        "(2 indicators compared).</p>"
    )
    none = Assessment(empty, empty, flags, empty, empty).flags_shown()
    assert "No indicator could be compared with England" in str(none)
    flagged = Assessment(
        empty, compared, pd.DataFrame({"name": ["Deaths"], "rating": ["worse"]}), empty, empty
    )
    assert isinstance(flagged.flags_shown(), pd.DataFrame) and len(flagged.flags_shown()) == 1
    # the indicators report: no comparison at all (no national tables configured)
    ind = StudyIndicators(
        area="A & B",
        in_tables=False,
        force=None,
        region=None,
        tables=NationalTables(),
        values=empty,
        comparison=pd.DataFrame(columns=["name", "area", "period", "value"]),
    )
    text = str(ind.rows_or_sentence(ind.comparison))
    assert text == (
        "<p>No indicator of A &amp; B could be compared with England. No national tables are "
        "configured ([indicators] in area.toml).</p>"
    )


def test_two_districts_with_columns_are_pooled_as_the_study(tables):
    from workbench.indicators.compare import compare_with_england
    from workbench.indicators.pipeline import _pool_districts

    districts = district_columns(tables, ["E06000009", "E06000008"])
    frames, notes = _pool_districts([area_values(tables)], districts, "Blackpool with BwD")
    assert notes == [
        "'Blackpool with BwD' is the districts pooled: their counts and populations "
        "(person-years for 3-year deaths) added, for 2 indicator(s)."
    ]
    values = pd.concat(frames, ignore_index=True)
    comp = compare_with_england(values, "Blackpool with BwD").set_index("indicator")
    (c1, p1), (c2, p2) = _deaths("Blackpool", 2018), _deaths("Blackburn with Darwen", 2018)
    row = comp.loc["deaths_misuse"]
    assert row["period"] == "2016-2018" and row["count"] == c1 + c2
    assert_allclose(row["value"], (c1 + c2) / (p1 + p2) * 1e5)
