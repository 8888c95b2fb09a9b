"""Leicester's death, admission and seizure rates against computations from the raw files.

The expected values are worked out here with the csv module and arithmetic only (no pandas, no
workbench code): the pooled 3-year deaths divided by the population summed over the same three
years, admissions over the mid-year population of the financial year's first year, and the
force's seizures over the force-area population.
"""

from __future__ import annotations

import csv
import math

import pytest
from indicator_paths import NATIONAL

Z = 1.959963984540054


def _wide(name: str) -> dict[str, dict[str, str]]:
    """{year: {area: cell}} from a wide national file."""
    with (NATIONAL / name).open(newline="", encoding="utf-8") as fh:
        return {row["year"]: row for row in csv.DictReader(fh)}


def _byar(o: float, pop: float, per: float) -> tuple[float, float]:
    lo = o * (1 - 1 / (9 * o) - Z / (3 * math.sqrt(o))) ** 3
    o1 = o + 1
    hi = o1 * (1 - 1 / (9 * o1) + Z / (3 * math.sqrt(o1))) ** 3
    return lo / pop * per, hi / pop * per


def _row(values, indicator: str, period: str, area: str):
    sel = values.loc[
        (values["indicator"] == indicator)
        & (values["period"] == period)
        & (values["area_name"] == area)
    ]
    assert len(sel) == 1, (indicator, period, area)
    return sel.iloc[0]


def test_deaths_misuse_pooled_rate(sample_indicators) -> None:
    deaths = _wide("la_deaths_drug_misuse_2009_2018.csv")
    pop = _wide("la_population_2009_2019.csv")
    count = float(deaths["2018"]["Leicester"])  # registrations 2016-2018
    person_years = sum(float(pop[y]["Leicester"]) for y in ("2016", "2017", "2018"))
    assert count == 42 and person_years == 349513 + 353540 + 355218
    expected = count / person_years * 100_000
    got = _row(sample_indicators.values, "deaths_misuse", "2016-2018", "Leicester")
    assert got["value"] == pytest.approx(expected, rel=1e-12)
    assert got["value"] == pytest.approx(3.9687, abs=1e-4)
    lo, hi = _byar(count, person_years, 100_000)
    assert (got["lower"], got["upper"]) == pytest.approx((lo, hi), rel=1e-9)
    # England: every area's pooled deaths over England's population of the three years
    eng_deaths = sum(float(v) for k, v in deaths["2018"].items() if k != "year")
    england = _wide("england_regions_population_2009_2019.csv")
    eng_py = sum(float(england[y]["England"]) for y in ("2016", "2017", "2018"))
    e = _row(sample_indicators.values, "deaths_misuse", "2016-2018", "England")
    assert e["value"] == pytest.approx(eng_deaths / eng_py * 100_000, rel=1e-12)
    assert eng_deaths == 7366


def test_admissions_rate(sample_indicators) -> None:
    # the repackager's "misuse" file = admissions for poisoning by drugs; "2019" = 2018/19,
    # divided by the mid-2018 population
    adm = _wide("la_admissions_drug_misuse_2009_2020.csv")
    pop = _wide("la_population_2009_2019.csv")
    count, denom = float(adm["2019"]["Leicester"]), float(pop["2018"]["Leicester"])
    assert (count, denom) == (70, 355218)
    got = _row(sample_indicators.values, "admissions_poisoning", "2018/19", "Leicester")
    assert got["value"] == pytest.approx(count / denom * 100_000, rel=1e-12)
    assert got["value"] == pytest.approx(19.7062, abs=1e-4)
    assert (got["lower"], got["upper"]) == pytest.approx(_byar(count, denom, 100_000), rel=1e-9)
    # 2016/17 (label "2017") is blank (suppressed) for Leicester: no value, never zero
    assert adm["2017"]["Leicester"] == "81.0" and adm["2016"]["Leicester"] == ""
    v = sample_indicators.values
    assert v.loc[
        (v["indicator"] == "admissions_poisoning")
        & (v["period"] == "2015/16")
        & (v["area_name"] == "Leicester")
    ].empty
    # the latest year (label "2020" = 2019/20, mid-2019 population) is kept, marked SUSPECT
    last = _row(v, "admissions_poisoning", "2019/20", "Leicester")
    assert last["count"] == 165 and last["denominator"] == float(pop["2019"]["Leicester"])
    assert str(last["note"]).startswith("SUSPECT")


def test_seizure_rate(sample_indicators) -> None:
    with (NATIONAL / "force_drug_seizures_2009_10_to_2018_19.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["financial_year"] == "2018-19"]
    fpop = _wide("force_population_2009_2019.csv")["2018"]
    leics = [r for r in rows if r["Police force"].strip() == "Leicestershire"]
    assert len(leics) == 1
    count, denom = float(leics[0]["All drugs"]), float(fpop["Leicestershire"])
    assert (count, denom) == (2749, 1093183)
    got = _row(sample_indicators.values, "seizures_all", "2018-19", "Leicestershire")
    assert got["value"] == pytest.approx(count / denom * 10_000, rel=1e-12)
    assert got["value"] == pytest.approx(25.1468, abs=1e-4)

    # England: the forces that have a population (territorial), names spelt "Avon & Somerset"
    # in this year's file
    def key(name: str) -> str:
        return name.strip().replace("&", "and")

    forces = {key(f) for f in fpop if f != "year"} | {"London, City of"}
    eng_rows = [r for r in rows if key(r["Police force"]) in forces]
    assert len(eng_rows) == 39
    eng = sum(float(r["All drugs"]) for r in eng_rows) / sum(
        float(v) for k, v in fpop.items() if k != "year"
    )
    e = _row(sample_indicators.values, "seizures_all", "2018-19", "England")
    assert e["value"] == pytest.approx(eng * 10_000, rel=1e-12)


def test_police_rates_on_sample(sample_study, sample_indicators) -> None:
    crimes = sample_study.crimes
    latest = crimes.loc[(crimes["month"] >= "2021-11") & (crimes["month"] <= "2022-10")]
    pop = float(sample_study.lsoas["population"].sum())
    drugs = int((latest["crime_type"] == "Drugs").sum())
    assert drugs == 1846  # SOURCES.md: Leicester Drugs rows 2021-11 .. 2022-10
    got = _row(sample_indicators.values, "drug_offences", "2021-11 to 2022-10", "Leicester")
    assert got["value"] == pytest.approx(drugs / pop * 10_000)
    sac = int(latest["crime_type"].isin(["Burglary", "Robbery", "Vehicle crime"]).sum())
    got = _row(sample_indicators.values, "sac", "2021-11 to 2022-10", "Leicester")
    assert got["value"] == pytest.approx(sac / pop * 1_000)


def test_region_value_east_midlands(sample_indicators) -> None:
    """East Midlands misuse deaths 2016-2018: its areas (la_merged_locations.md) summed."""
    members = [
        "Derby",
        "Derbyshire",
        "Leicester",
        "Leicestershire and Rutland",
        "Lincolnshire",
        "Northamptonshire",
        "Nottingham",
        "Nottinghamshire",
    ]
    deaths = _wide("la_deaths_drug_misuse_2009_2018.csv")["2018"]
    pop = _wide("la_population_2009_2019.csv")
    count = sum(float(deaths[m]) for m in members)
    py = sum(float(pop[y][m]) for m in members for y in ("2016", "2017", "2018"))
    got = _row(sample_indicators.values, "deaths_misuse", "2016-2018", "Region: East Midlands")
    assert got["value"] == pytest.approx(count / py * 100_000, rel=1e-12)
    comp = sample_indicators.comparison.set_index("indicator").loc["deaths_misuse"]
    assert comp["region"] == "East Midlands"
    assert comp["region_value"] == pytest.approx(got["value"])
