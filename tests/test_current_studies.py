"""Issue 21: the Gloucester (IoD 2025) and Newport (WIMD 2019) studies on 2021 LSOAs.

The figures are checked against plain pandas computations from the files (police zip, ONS
lookup, index, Census file) that use no workbench code, and against SOURCES.md; the ledger
must balance per monthly file, with every kept row on one attribution path. The studies are
loaded once per session (``gloucester_study``, ``newport_study`` in conftest.py); their full
reports run once per session (``gloucester_report``, ``newport_report``).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench import deprivation
from workbench.loaders.attribution import paths_by_month

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
LOOKUP = SAMPLE / "lookups" / "lsoa2011_lsoa2021_lad2022_gloucestershire_gwent.csv"
CENSUS = (
    SAMPLE
    / "population"
    / "census2021_ts021_usual_residents_ethnicity_lsoa21_gloucestershire_gwent.csv"
)
POP_COL = "Census 2021: All usual residents"
#: The notes of kept police rows: one per attribution path (docs/loaders.md).
PATHS = re.compile(r"placed by|best-fit part|filled in by location")


def _police(path: Path) -> pd.DataFrame:
    """Every row of a police.uk custom-download zip, as text (the csv module's view)."""
    with zipfile.ZipFile(path) as z:
        frames = [
            pd.read_csv(z.open(n), dtype=str, keep_default_na=False)
            for n in sorted(z.namelist())
            if n.endswith("-street.csv")
        ]
    return pd.concat(frames, ignore_index=True)


def _months(start: str, end: str) -> list[str]:
    return [str(p) for p in pd.period_range(start, end, freq="M")]


def _plain_gloucester() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Latest 12 months (2024) of Gloucester's rows, and its LSOAs with decile and population,
    from the files alone: IoD 2025 File 7 (2021 codes, LAD 2024) and Census 2021."""
    iod = pd.read_csv(SAMPLE / "imd" / "iod2025_file7_lsoa21_gloucestershire.csv", dtype=str)
    iod = iod[iod["Local Authority District code (2024)"] == "E07000081"]
    lsoas = pd.DataFrame(
        {
            "lsoa": iod["LSOA code (2021)"],
            "decile": iod[
                "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
            ].astype(int),
        }
    )
    census = pd.read_csv(CENSUS, dtype={"LSOA21CD": str})
    lsoas = lsoas.merge(
        census[["LSOA21CD", POP_COL]].rename(columns={"LSOA21CD": "lsoa", POP_COL: "pop"}),
        on="lsoa",
    )
    rows = _police(SAMPLE / "police" / "gloucestershire-street-2022-12_2024-12.zip")
    # 2024 is coded to 2021 LSOAs throughout (SOURCES.md), and Gloucestershire repeats no ID
    rows = rows[rows["Month"].isin(_months("2024-01", "2024-12"))]
    rows = rows[rows["LSOA code"].isin(lsoas["lsoa"])]
    return rows, lsoas


def _plain_newport() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Latest 12 months (2024-07..2025-06) of Newport's rows (repeated Crime IDs: the latest
    record kept) and its 2021 LSOAs with the WIMD 2019 decile of their 2011 parent."""
    census = pd.read_csv(CENSUS, dtype={"LSOA21CD": str})
    census = census[census["LAD24CD"] == "W06000022"]
    lk = pd.read_csv(LOOKUP, dtype=str)
    lk = lk[lk["LAD22CD"] == "W06000022"]
    wimd = pd.read_csv(SAMPLE / "imd" / "wimd2019_ranks_scores_lsoa11_wales.csv", dtype=str)
    par = lk.merge(wimd, left_on="LSOA11CD", right_on="lsoa11_code")
    par["rank"] = par["IMD_rank"].astype(int)
    # Newport: U and S only (SOURCES.md): one parent per 2021 LSOA
    assert par.groupby("LSOA21CD").size().max() == 1
    par = par.set_index("LSOA21CD")
    lsoas = pd.DataFrame(
        {
            "lsoa": census["LSOA21CD"].to_numpy(),
            "pop": census[POP_COL].to_numpy(),
            "decile": par.loc[census["LSOA21CD"], "IMD_decile"].astype(int).to_numpy(),
        }
    )
    rows = _police(SAMPLE / "police" / "gwent-street-2023-07_2025-06.zip")
    rows = rows[rows["LSOA code"].isin(lsoas["lsoa"])]
    ided = rows[rows["Crime ID"] != ""]
    # latest record of a repeated ID (latest month, then last row read)
    keep_ided = ided.iloc[::-1].sort_values("Month", ascending=False, kind="stable")
    keep_ided = keep_ided[~keep_ided["Crime ID"].duplicated()]
    rows = pd.concat([rows[rows["Crime ID"] == ""], keep_ided])
    rows = rows[rows["Month"].isin(_months("2024-07", "2025-06"))]
    return rows, lsoas


PLAIN = {"gloucester": _plain_gloucester, "newport": _plain_newport}
LATEST = {"gloucester": ("2024-01", "2024-12"), "newport": ("2024-07", "2025-06")}
#: Published in data/shared SOURCES.md (rows in the study LAD in the 12 months, "Drugs").
DRUGS_12M = {"gloucester": 456, "newport": 638}


@pytest.fixture(scope="module", params=["gloucester", "newport"])
def case(request):
    study = request.getfixturevalue(f"{request.param}_study")
    rows, lsoas = PLAIN[request.param]()
    return request.param, study, rows, lsoas


def _latest_drugs(study, name):
    start, end = (pd.Period(m, "M") for m in LATEST[name])
    c = study.crimes
    return c[(c["month"] >= start) & (c["month"] <= end) & (c["crime_type"] == "Drugs")]


def test_drug_offences_latest_12_months(case):
    name, study, rows, _ = case
    plain = int((rows["Crime type"] == "Drugs").sum())
    if name == "gloucester":  # no repeated IDs: the published count applies as it stands
        assert plain == DRUGS_12M[name]
    assert len(_latest_drugs(study, name)) == plain


def test_share_in_most_deprived_and_rate_by_decile(case):
    name, study, rows, lsoas = case
    drugs = rows[rows["Crime type"] == "Drugs"].merge(lsoas, left_on="LSOA code", right_on="lsoa")
    events = _latest_drugs(study, name)
    counts = deprivation.count_by_lsoa(events, study.lsoas)
    shares = deprivation.most_deprived_share(counts, study.lsoas).set_index("group")
    for top, group in ((1, "10% most deprived"), (2, "20% most deprived")):
        expected = float((drugs["decile"] <= top).mean())
        assert shares.loc[group, "share_of_events"] == pytest.approx(expected, abs=1e-12)
        pop_share = lsoas.loc[lsoas["decile"] <= top, "pop"].sum() / lsoas["pop"].sum()
        assert shares.loc[group, "share_of_population"] == pytest.approx(pop_share, abs=1e-12)
    prof = deprivation.decile_profile(counts, study.lsoas).set_index("imd_decile")
    n = drugs.groupby("decile").size().reindex(range(1, 11), fill_value=0)
    pop = lsoas.groupby("decile")["pop"].sum().reindex(range(1, 11), fill_value=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = (n / pop * 10_000).where(pop > 0)
    np.testing.assert_allclose(prof["count"].to_numpy(float), n.to_numpy(float))
    np.testing.assert_allclose(prof["rate"].to_numpy(float), rate.to_numpy(float), rtol=1e-12)


def test_ledger_balances_per_month_and_every_kept_row_has_one_path(case):
    name, study, _, _ = case
    _ = study.crimes
    files = [f for f in study.ledger.files if f.kind == "police_street"]
    table = paths_by_month(files)
    assert len(table) == {"gloucester": 25, "newport": 24}[name]  # every month of the zip
    assert (table["read"] == table["kept"] + table["dropped"]).all()
    paths = [c for c in table.columns if PATHS.search(c)]
    assert (table[paths].sum(axis=1) == table["kept"]).all()
    assert table["kept"].sum() == len(study.crimes) == sum(f.kept for f in files)
    for f in files:
        for month, led in f.by_month.items():
            assert led["read"] == led["kept"] + sum(led["dropped"].values()), month


def _month_notes(study, month: str) -> dict[str, int]:
    f = next(f for f in study.ledger.files if f.kind == "police_street")
    return f.by_month[month]["notes"]


def test_2011_mixed_and_2021_months_each_attribute_every_row(gloucester_study):
    """2022-12 (2011 codes), 2023-03 (both) and 2024-06 (2021 codes): every kept row is
    placed by a counted path; split 2011 codes go through the lookup only before 2023-06."""
    _ = gloucester_study.crimes
    old, mixed, new = (_month_notes(gloucester_study, m) for m in ("2022-12", "2023-03", "2024-06"))
    split = "2011 LSOA code split (S) in 2021"
    assert any(k.startswith(split) for k in old)
    assert any(k.startswith(split) for k in mixed)
    assert any("2021 geography" in k for k in mixed)  # 2021-only codes in the same month
    assert not any(k.startswith("2011 LSOA code") for k in new)


def test_study_names_index_geography_and_partnership(gloucester_study, newport_study):
    g, n = gloucester_study, newport_study
    assert (g.deprivation_index.label, g.deprivation_index.geography) == ("IoD 2025", "2021")
    assert (n.deprivation_index.label, n.deprivation_index.country) == ("WIMD 2019", "Wales")
    assert set(g.lsoas["deprivation_index"]) == {"IoD 2025"}
    assert len(g.lsoas) == 82 and g.lsoas["population"].sum() == 132_419
    assert len(n.lsoas) == 100 and n.lsoas["population"].sum() == 159_569
    assert g.partnership[["csp_code", "pfa_code"]].values.tolist() == [["E22000096", "E23000037"]]
    assert n.partnership["pfa_name"].tolist() == ["Gwent"]
    # wards from the best-fit lookup: Gloucester 18, Newport 21 (SOURCES.md)
    assert len(g.wards) == 18 and len(n.wards) == 21
    assert g.wards["ward_basis"].str.startswith("best fit").all()
    lk = pd.read_csv(
        SAMPLE / "lookups" / "lsoa2021_ward2024_lad2024_bestfit_gloucestershire_gwent.csv",
        dtype=str,
    ).set_index("LSOA21CD")["WD24CD"]
    c = g.crimes
    assert (c["ward_code"] == c["lsoa_code"].map(lk)).all()


def test_community_glossary_and_sources_name_the_index():
    from workbench.community import glossary_for
    from workbench.pack import sources

    wales = glossary_for({"country": "Wales", "year": 2019})["Most deprived neighbourhoods"]
    assert "neighbourhoods in Wales" in wales and "Welsh Government in 2019" in wales
    index = {
        "long_name": "English Indices of Deprivation 2025",
        "publisher": "MHCLG",
        "population_source": "Census 2021 usual residents (21 March 2021; x.csv)",
    }
    found = sources({"files": {"imd": "x.csv", "population": "p.csv"}}, index=index)
    assert "English Indices of Deprivation 2025, MHCLG (OGL v3.0)" in found
    assert "ONS Census 2021 usual residents (OGL v3.0)" in found
