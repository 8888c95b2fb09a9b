"""Issue 22: no police-recorded indicator is shown without a comparator.

The Gloucester study (issue 21) has the whole Gloucestershire Constabulary download and the
Census 2021 residents of the force's six districts, so its recorded-crime rates are compared
with the force area and the other five districts. The figures are recomputed here from the
police zip, the Census 2021 LSOA file and the ONS LSOA21 -> LAD24 lookup with plain pandas and
scipy (no workbench code). The Leicester sample's police file is trimmed to Leicester, so its
police-recorded indicators leave the comparison table with a sentence saying why.
"""

from __future__ import annotations

import re
import zipfile

import pandas as pd
import pytest
from indicator_paths import SAMPLE
from scipy import stats

ZIP = SAMPLE / "police" / "gloucestershire-street-2022-12_2024-12.zip"
CENSUS = (
    SAMPLE
    / "population"
    / "census2021_ts021_usual_residents_ethnicity_lsoa21_gloucestershire_gwent.csv"
)
LOOKUP = SAMPLE / "lookups" / "lsoa2021_ward2024_lad2024_bestfit_gloucestershire_gwent.csv"
DISTRICTS = SAMPLE / "population" / "census2021_usual_residents_gloucestershire_districts.csv"
GLOUCESTERSHIRE = ["Cheltenham", "Cotswold", "Forest of Dean", "Gloucester", "Stroud", "Tewkesbury"]


@pytest.fixture(scope="module")
def gloucester_indicators(gloucester_study):
    from workbench.indicators import study_indicators

    return study_indicators(gloucester_study)


def _residents() -> pd.Series:
    """Census 2021 usual residents of each Gloucestershire district: LSOAs summed by the lookup."""
    census = pd.read_csv(CENSUS, dtype={"LSOA21CD": str})
    lookup = pd.read_csv(LOOKUP, dtype=str)
    both = census[["LSOA21CD", "Census 2021: All usual residents"]].merge(
        lookup[["LSOA21CD", "LAD24NM"]], on="LSOA21CD", how="left", validate="1:1"
    )
    assert both["LAD24NM"].notna().all()
    return both.groupby("LAD24NM")["Census 2021: All usual residents"].sum()[GLOUCESTERSHIRE]


def _counts_2024(crime_type: str) -> pd.Series:
    """Rows of one crime type in 2024 by the district of their police.uk LSOA name."""
    with zipfile.ZipFile(ZIP) as z:
        rows = pd.concat(
            [
                pd.read_csv(z.open(n), dtype=str, keep_default_na=False)
                for n in z.namelist()
                if n.endswith("-street.csv") and n.startswith("2024-")
            ]
        )
    assert sorted(set(rows["Month"])) == [f"2024-{m:02d}" for m in range(1, 13)]
    rows = rows[rows["Crime type"] == crime_type]
    district = rows["LSOA name"].str.extract(r"^(.*) \d{3}[A-Z]$")[0]
    return district.value_counts().reindex(GLOUCESTERSHIRE, fill_value=0)


def test_district_population_file_is_the_census_lsoas_summed_by_the_lookup():
    pop = _residents()
    assert pop["Gloucester"] == 132_419 and pop["Cheltenham"] == 118_836
    assert pop.sum() == 645_096
    shipped = pd.read_csv(DISTRICTS).set_index("district")["population"]
    assert shipped.to_dict() == pop.to_dict()


@pytest.mark.parametrize(
    ("key", "crime_type", "per"),
    [("drug_offences", "Drugs", 10_000), ("asb", "Anti-social behaviour", 10_000)],
)
def test_gloucester_and_cheltenham_rates_recomputed_from_the_files(
    gloucester_indicators, key, crime_type, per
):
    pop = _residents()
    n = _counts_2024(crime_type)
    got = gloucester_indicators.force_districts[key].set_index("area_name")
    assert got.loc["Gloucester", "period"] == "2024-01 to 2024-12"
    for district in ("Gloucester", "Cheltenham"):
        assert got.loc[district, "count"] == n[district]
        assert got.loc[district, "value"] == pytest.approx(n[district] / pop[district] * per)
    force = got.iloc[-1]
    assert force["count"] == n.sum() and force["denominator"] == pop.sum()
    # the study's own row (its LSOAs, its population) is the same figure as its district's
    row = gloucester_indicators.comparison.set_index("indicator").loc[key]
    assert row["value"] == pytest.approx(n["Gloucester"] / pop["Gloucester"] * per)
    assert "compared with the force area (6 districts)" in row["note"]


def test_gloucester_drug_offences_above_the_funnel_cotswold_below(gloucester_indicators):
    """Drug offences 2024: 456 in Gloucester against 220.7 expected at the force rate
    (1,075 / 645,096): far above the 99.8% limit; Cotswold (71 against 151.3) far below."""
    pop = _residents()
    n = _counts_2024("Drugs")
    force_rate = n.sum() / pop.sum()
    assert n["Gloucester"] == 456 and n.sum() == 1_075
    upper = stats.poisson.ppf(0.999, force_rate * pop["Gloucester"])
    lower = stats.poisson.ppf(0.001, force_rate * pop["Cotswold"])
    assert n["Gloucester"] > upper and n["Cotswold"] < lower
    row = gloucester_indicators.comparison.set_index("indicator").loc["drug_offences"]
    assert "Gloucester higher" in row["note"] and "1 of 6 districts" in row["note"]
    assert row["rating"] == "higher than the force area"
    figs = gloucester_indicators.district_figures()
    assert set(figs) == {f"districts_funnel_{k}" for k in gloucester_indicators.force_districts}


def test_every_police_row_of_gloucester_has_a_comparator(gloucester_indicators):
    comp = gloucester_indicators.comparison
    police = comp.loc[
        comp["indicator"].isin(["drug_offences", "asb", "sac", "neighbourhood_crime"])
    ]
    assert len(police) == 4
    assert police["note"].str.startswith("compared with the force area").all()
    assert (comp["england"].notna() | comp["note"].str.startswith("compared with")).all()
    # the charge share has no district comparison: it leaves the table and is named in the note
    assert "drug_outcomes" not in set(comp["indicator"])
    note = gloucester_indicators.uncompared_note
    assert "police outcome (charged or summonsed)" in note and "own section" in note


def test_leicester_police_indicators_leave_the_comparison_with_a_reason(sample_indicators):
    comp = sample_indicators.comparison
    police = {"drug_offences", "asb", "sac", "neighbourhood_crime", "drug_outcomes"}
    assert police.isdisjoint(set(comp["indicator"]))
    # rows without England are the synthetic treatment rows, labelled so
    assert comp.loc[comp["england"].isna(), "synthetic"].all()
    # still computed (trends, the assessment's six months): only not presented as indicators
    assert police <= set(sample_indicators.values["indicator"])
    note = sample_indicators.uncompared_note
    assert len(sample_indicators.uncompared) == 5
    assert note.endswith(").") and ". " not in note and "district_population" in note
    assert re.search(r"no England value", note)
