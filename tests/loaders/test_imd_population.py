"""IMD 2019 layouts and population files."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from workbench.ledger import Ledger
from workbench.loaders.imd import read_imd
from workbench.loaders.population import read_population

FILE1 = (
    "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,"
    "Index of Multiple Deprivation (IMD) Decile\n"
    "E01000001,City of London 001A,E09000001,City of London,29199,9\n"
    "E01013600,Leicester 003A,E06000016,Leicester,1928,1\n"
)
FILE5 = (
    "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Score,"
    "Income Score (rate),Employment Score (rate),"
    '"Education, Skills and Training Score",Health Deprivation and Disability Score,'
    "Crime Score,Barriers to Housing and Services Score,Living Environment Score,"
    "Income Deprivation Affecting Children Index (IDACI) Score (rate)\n"
    "E01013600,Leicester 003A,E06000016,Leicester,51.66,0.326,0.197,45.1,1.2,0.9,20.3,30.1,0.4\n"
)


def test_file1_official_headers(tmp_path):
    p = tmp_path / "f1.csv"
    p.write_text(FILE1)
    df = read_imd(p)
    assert list(df.columns) == [
        "lsoa_code", "lsoa_name", "lad_code", "lad_name", "imd_rank", "imd_decile",
    ]  # fmt: skip
    assert df.loc[1, "imd_rank"] == 1928 and df.loc[1, "imd_decile"] == 1


def test_file5_scores_and_domains(tmp_path):
    p = tmp_path / "f5.csv"
    p.write_text(FILE5)
    row = read_imd(p).iloc[0]
    assert row["imd_score"] == 51.66 and row["income_score"] == 0.326
    assert row["education_score"] == 45.1 and row["idaci_score"] == 0.4
    assert row["living_environment_score"] == 30.1 and row["barriers_score"] == 20.3


def test_mysociety_scores_percent_to_proportion(tmp_path):
    p = tmp_path / "ms.csv"
    p.write_text(
        "nation,lsoa,overall_local_score,income_score,employment_score,UK_IMD_E_score\n"
        "E,E01013693,72.55,42.6,31.1,72.55\nW,W01000001,10.0,5.0,4.0,10.0\n"
    )
    ledger = Ledger()
    df = read_imd(p, ledger)
    assert list(df["lsoa_code"]) == ["E01013693"]
    # published as percentages (42.6 = 42.6%); File 5 gives proportions (0.426)
    assert_allclose(
        df[["imd_score", "income_score", "employment_score"]].iloc[0],
        [72.55, 0.426, 0.311],
        rtol=1e-12,
    )
    assert ledger.files[0].dropped == {"not an English LSOA (nation is not 'E')": 1}


def test_population_thousands_and_bands(tmp_path):
    p = tmp_path / "pop.csv"
    p.write_text(
        "la,lsoa,Total,F0 to 15,M0 to 15\n"
        'E06000016,E01013600,"2,069",297,289\n'
        "E06000016,E01013601,1731,201,245\n"
        "E07000135,E01025000,1500,100,100\n"
        "E06000016,E01034002,1200,100,100\n"
    )
    ledger = Ledger()
    df = read_population(
        p,
        ledger,
        codes=frozenset({"E01013600", "E01013601"}),
        known=frozenset({"E01013600", "E01013601", "E01025000"}),
    )
    assert list(df.columns) == ["lsoa_code", "population", "pop_f0_to_15", "pop_m0_to_15"]
    assert df["population"].tolist() == [2069.0, 1731.0]
    f = ledger.files[0]
    assert dict(f.dropped) == {"outside the study area": 1, "unknown or retired LSOA code": 1}
    assert f.balanced


@pytest.mark.parametrize("header,expected", [("pop", "pop"), ("All Ages", "All Ages")])
def test_population_total_column_names(tmp_path, header, expected):
    p = tmp_path / "pop.csv"
    p.write_text(f'LSOA Code,{header}\nE01000001,"1,296"\n')
    assert read_population(p)["population"].tolist() == [1296.0]
