"""Fixtures of the bad-input corpus: a small valid study built from the sample, and a runner of
``workbench validate`` in process (helpers in badinput_helpers.py)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from badinput_helpers import MONTHS, N_LSOAS, SAMPLE, MiniStudy


def national_indicators() -> dict[str, object]:
    """[indicators] naming the sample's national tables (data/sample/national/)."""
    s = SAMPLE
    nat = s / "national"
    return {
        "area_names": str(nat / "lad2019_codes_names.csv"),
        "area_regions": str(nat / "la_merged_locations.md"),
        "population": str(nat / "la_population_2009_2019.csv"),
        "england_population": str(nat / "england_regions_population_2009_2019.csv"),
        "imd_average": str(nat / "la_imd_average_score_2015_2019.csv"),
        "deaths_misuse": str(nat / "la_deaths_drug_misuse_2009_2018.csv"),
        "deaths_poisoning": str(nat / "la_deaths_drug_poisoning_2009_2018.csv"),
        "admissions_poisoning": str(nat / "la_admissions_drug_misuse_2009_2020.csv"),
        "admissions_mbd_primary": str(nat / "la_admissions_drug_primary_diag_2009_2020.csv"),
        "admissions_mbd_any": str(nat / "la_admissions_drug_secondary_diag_2009_2020.csv"),
        "seizures": str(nat / "force_drug_seizures_2009_10_to_2018_19.csv"),
        "force_population": str(nat / "force_population_2009_2019.csv"),
        "police_force": "Leicestershire",
        "ethnicity_population": str(s / "census2021_leicester_ethnicity.csv"),
        "fingertips": [str(nat / "fingertips_93517_ocu_not_in_treatment_extract.csv")],
    }


@pytest.fixture(scope="session")
def mini(tmp_path_factory) -> MiniStudy:
    """40 Leicester LSOAs, three months of street crime as monthly CSVs, the sample's other
    files (IMD, population, wards, synthetic partnership tables) as they are."""
    root = tmp_path_factory.mktemp("mini")
    lsoas = gpd.read_file(SAMPLE / "boundaries" / "lsoa2011_E06000016_leicester.geojson")
    small = lsoas.iloc[:N_LSOAS]
    small.to_file(root / "lsoa.geojson", driver="GeoJSON")
    codes = set(small["LSOA11CD"])
    police = root / "police"
    with zipfile.ZipFile(SAMPLE / "police" / "leicestershire-street-2019-12_2022-10.zip") as zf:
        for m in MONTHS:
            df = pd.read_csv(io.BytesIO(zf.read(f"{m}/{m}-leicestershire-street.csv")), dtype=str)
            keep = df["LSOA code"].isin(codes) | (df.index % 50 == 0)
            out = police / m / f"{m}-leicestershire-street.csv"
            out.parent.mkdir(parents=True)
            df[keep].to_csv(out, index=False)
    s = SAMPLE
    files = {
        "police_street": [str(police)],
        "lsoa_boundaries": [str(root / "lsoa.geojson")],
        "wards": [str(s / "boundaries" / "wards2013_E06000016_leicester.geojson")],
        "districts": str(s / "boundaries" / "lad2013_leicester.geojson"),
        "imd": str(s / "imd" / "imd2019_file2_domains_ranks_deciles_leicester.csv"),
        "imd_scores": str(s / "imd" / "imd2019_scores_mysociety_uk_imd_e_leicester.csv"),
        "population": str(s / "population" / "lsoa_pop_mid2019_total_leicester.csv"),
        "lsoa_lookup": str(s / "lookups" / "lsoa2011_to_lad2019_leicester.csv"),
        "treatment_demographics": str(s / "synthetic" / "synthetic_treatment_demographics.csv"),
        "treatment_by_lsoa": str(s / "synthetic" / "synthetic_treatment_by_lsoa.csv"),
        "prevalence": str(s / "synthetic" / "synthetic_prevalence.csv"),
        "services": str(s / "synthetic" / "synthetic_services.csv"),
        "waiting_times": str(s / "synthetic" / "synthetic_waiting_times.csv"),
        "needle_finds": str(s / "synthetic" / "synthetic_needle_finds.csv"),
        "young_people": str(s / "synthetic" / "synthetic_young_people.csv"),
    }
    study = {
        "name": "mini",
        "area_codes": ["E06000016"],
        "period_start": MONTHS[0],
        "period_end": MONTHS[-1],
        "suppression_threshold": 5,
        "per": 10000,
        "area_name": "Leicester",
    }
    return MiniStudy(root=root, files=files, study=study, thresholds={})


@pytest.fixture(scope="session")
def mini_national(mini) -> MiniStudy:
    """The small study with the sample's national tables under [indicators] and only the
    files a study requires besides (a lean study: the national cases run validate in full,
    and its cost is then mostly theirs)."""
    required = ("police_street", "lsoa_boundaries", "imd", "population", "lsoa_lookup")
    files = {k: v for k, v in mini.files.items() if k in required}
    files["ethnicity_population"] = str(SAMPLE / "census2021_leicester_ethnicity.csv")
    return MiniStudy(
        root=mini.root, files=files, study=mini.study, indicators=national_indicators()
    )


@pytest.fixture
def run_validate(capsys):
    """``run_validate(toml, *extra_args) -> (exit code, stdout, stderr)``, in process."""
    from workbench.cli import main

    def _run(toml: Path, *args: str) -> tuple[int, str, str]:
        rc = main(["validate", str(toml), *args])
        captured = capsys.readouterr()
        return rc, captured.out, captured.err

    return _run
