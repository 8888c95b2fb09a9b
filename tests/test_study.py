"""Study on the real sample: figures checked against data/sample/SOURCES.md and the raw files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box

from workbench import stats
from workbench.errors import ConfigError
from workbench.geo import dissolve_clean
from workbench.study import Study

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
OADBY = SAMPLE / "boundaries" / "lsoa2011_E07000135_oadby_and_wigston.geojson"


@pytest.fixture(scope="module")
def study() -> Study:
    s = Study.from_toml(SAMPLE / "area.toml")
    s.crimes  # noqa: B018 - load once for the module
    return s


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_lsoas_are_leicesters_192_with_imd_and_population(study):
    lsoas = study.lsoas
    assert len(lsoas) == 192 and lsoas.crs.to_epsg() == 27700
    assert lsoas["lad_code"].eq("E06000016").all()
    # independent: IMD File 2 and mid-2019 population read with the csv module
    imd = {
        r["LSOA code (2011)"]: r
        for r in _csv(SAMPLE / "imd" / "imd2019_file2_domains_ranks_deciles_leicester.csv")
    }
    dec_col = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
    for row in lsoas.head(20).itertuples():
        assert row.imd_decile == int(imd[row.lsoa_code][dec_col])
        assert row.imd_quintile == (int(imd[row.lsoa_code][dec_col]) + 1) // 2
    pop = {
        r["lsoa"]: int(r["pop"].replace(",", ""))
        for r in _csv(SAMPLE / "population" / "lsoa_pop_mid2019_total_leicester.csv")
    }
    assert lsoas["population"].sum() == sum(pop[c] for c in lsoas["lsoa_code"])
    scores = {
        r["lsoa"]: float(r["overall_local_score"])
        for r in _csv(SAMPLE / "imd" / "imd2019_scores_mysociety_uk_imd_e_leicester.csv")
    }
    assert lsoas.set_index("lsoa_code")["imd_score"].to_dict() == {
        c: scores[c] for c in lsoas["lsoa_code"]
    }
    expected = {
        "lsoa_code",
        "lsoa_name",
        "lad_code",
        "lad_name",
        "imd_score",
        "imd_rank",
        "imd_decile",
        "imd_quintile",
        "income_rank",
        "income_decile",
        "population",
        "area_km2",
        "geometry",
    }
    assert expected <= set(lsoas.columns)
    # area: Leicester is about 73 km2
    assert 70 < lsoas["area_km2"].sum() < 76


def test_map_attributions_carry_the_boundary_year(study):
    ogl, os_statement = study.map_attributions
    assert "Open Government Licence v3.0" in ogl
    assert "Contains OS data © Crown copyright and database right 2014." in os_statement


def test_crimes_match_published_sample_figures(study):
    crimes = study.crimes
    # SOURCES.md: 180,720 rows; 78.3% with an LSOA code inside Leicester; 5,157 Drugs rows
    # over the 35 months, 1,846 in 2021-11 .. 2022-10
    assert round(len(crimes) / 180_720, 3) == 0.783
    drugs = crimes[crimes["crime_type"] == "Drugs"]
    assert len(drugs) == 5_157
    assert (drugs["month"] >= pd.Period("2021-11", "M")).sum() == 1_846
    assert crimes["lsoa_code"].isin(study.lsoas["lsoa_code"]).all()
    f = next(f for f in study.ledger.files if f.kind == "police_street")
    assert f.read == 180_720 and f.balanced
    assert f.dropped["outside the study area"] > 0.2 * f.read


def test_area_wards_and_ledger(study):
    assert len(study.area) == 1 and study.area["name"].iloc[0] == "Leicester"
    assert abs(study.area.area.iloc[0] / 1e6 - study.lsoas["area_km2"].sum()) < 0.01
    assert len(study.wards) == 22 and {"ward_code", "ward_name"} <= set(study.wards.columns)
    b = next(f for f in study.ledger.files if f.kind == "lsoa_boundaries")
    assert b.notes["invalid polygon repaired with make_valid"] == 2
    assert study.ledger.balanced
    # cached: the same object, and no second ledger entry
    n = len(study.ledger.files)
    assert study.crimes is study.crimes and len(study.ledger.files) == n


def test_study_area_has_no_sliver_holes(study):
    geom = study.area.geometry.iloc[0]
    assert geom.is_valid and geom.geom_type == "Polygon"
    # the plain union of the generalised polygons has 1,382 sliver holes; none is a real hole
    assert shapely.get_num_interior_rings(geom) == 0
    total = study.lsoas.geometry.area.sum()  # the LSOAs' own areas, not the union's
    assert abs(geom.area - total) / total < 1e-3
    # the area filter (by code, else point in polygon) keeps the same crimes: 141,589 kept,
    # 5,157 Drugs (SOURCES.md); cleaning moves no point in or out: the same crimes lie
    # outside the cleaned area as outside shapely's plain union (56 kept by their LSOA code,
    # police.uk's snap points up to ~10 m over the boundary)
    assert len(study.crimes) == 141_589
    assert (study.crimes["crime_type"] == "Drugs").sum() == 5_157
    raw = shapely.union_all(study.lsoas.geometry.to_numpy())
    outside = ~study.crimes.geometry.within(geom)
    assert outside.equals(~study.crimes.geometry.within(raw)) and outside.sum() < 100


def test_dissolve_clean_fills_slivers_keeps_real_holes(caplog):
    # A and B share the edge x=100; B's edge has a notch, leaving a triangular sliver hole of
    # 0.001 * 0.002 / 2 = 1e-6 m2 in the plain union
    a = box(0, 0, 100, 100)
    b = Polygon([(100, 0), (200, 0), (200, 100), (100, 100), (100, 50.001), (100.001, 50),
                 (100, 49.999)])  # fmt: skip
    assert shapely.get_num_interior_rings(shapely.union_all([a, b])) == 1
    # a frame 400 m square with a 150 m square hole (2.25 ha, real) and one with a 50 m hole
    # (0.25 ha, filled)
    big = box(1000, 0, 1400, 400).difference(box(1100, 100, 1250, 250))
    small = box(2000, 0, 2400, 400).difference(box(2100, 100, 2150, 150))
    with caplog.at_level("INFO", logger="workbench.geo"):
        geom, removed = dissolve_clean(np.array([a, b, big, small], dtype=object))
    assert removed == 2 and "2 sliver hole(s) removed" in caplog.text
    parts = sorted(shapely.get_parts(geom), key=lambda g: g.bounds[0])
    assert [shapely.get_num_interior_rings(p) for p in parts] == [0, 1, 0]
    # areas by hand: 200 x 100; 400^2 - 150^2; 400^2 (the small hole filled)
    np.testing.assert_allclose(
        [p.area for p in parts], [20_000.0, 160_000.0 - 22_500.0, 160_000.0], rtol=1e-6
    )


def test_period_override_filters_crimes():
    s = Study.from_toml(SAMPLE / "area.toml", period_start="2022-01", period_end="2022-03")
    assert s.crimes["month"].astype(str).isin(["2022-01", "2022-02", "2022-03"]).all()
    f = next(f for f in s.ledger.files if f.kind == "police_street")
    assert f.dropped["outside the study period"] > 0 and f.balanced


def test_other_area_without_code_changes(tmp_path):
    """Oadby and Wigston (E07000135): another district, only the config changes."""
    toml = f"""
[study]
name = "Oadby and Wigston"
area_codes = ["E07000135"]
period_start = "2021-11"
period_end = "2022-10"

[files]
police_street = ["{SAMPLE / "police/leicestershire-street-2019-12_2022-10.zip"}"]
lsoa_boundaries = ["{SAMPLE / "boundaries/lsoa2011_E07000135_oadby_and_wigston.geojson"}"]
wards = ["{SAMPLE / "boundaries/wards2013_E07000135_oadby_and_wigston.geojson"}"]
imd = "{SAMPLE / "imd/imd2019_file2_domains_ranks_deciles_leicester.csv"}"
population = "{SAMPLE / "population/iod2019_file6_population_denominators_mid2015_leicester.csv"}"
"""
    cfg = tmp_path / "area.toml"
    cfg.write_text(toml)
    s = Study.from_toml(cfg)
    codes = {
        f["properties"]["LSOA11CD"]
        for f in json.loads(
            (SAMPLE / "boundaries/lsoa2011_E07000135_oadby_and_wigston.geojson").read_text()
        )["features"]
    }
    assert set(s.lsoas["lsoa_code"]) == codes and len(codes) == 36
    assert s.lsoas["lad_name"].eq("Oadby and Wigston").all()
    assert len(s.crimes) > 0 and s.crimes["lsoa_code"].isin(codes).all()
    assert s.crimes["month"].min() >= pd.Period("2021-11", "M")
    assert len(s.wards) == 10
    assert s.services is None and s.searches is None
    assert s.load_all().balanced


def test_area_code_matching_nothing(tmp_path):
    cfg = tmp_path / "area.toml"
    text = (SAMPLE / "area.toml").read_text().replace('"E06000016"', '"E09000001"')
    cfg.write_text(
        text.split("[files]")[0]
        + "[files]\n"
        + "\n".join(
            f'{k} = "{SAMPLE / v}"'
            for k, v in {
                "police_street": "police/leicestershire-street-2019-12_2022-10.zip",
                "lsoa_boundaries": "boundaries/lsoa2011_E06000016_leicester.geojson",
                "imd": "imd/imd2019_file2_domains_ranks_deciles_leicester.csv",
                "population": "population/lsoa_pop_mid2019_total_leicester.csv",
            }.items()
        )
    )
    s = Study.from_toml(cfg)
    with pytest.raises(ConfigError, match=r"area_codes \['E09000001'\] match no LSOA"):
        s.lsoas  # noqa: B018


def test_missing_configured_file(tmp_path):
    cfg = tmp_path / "area.toml"
    cfg.write_text((SAMPLE / "area.toml").read_text())
    with pytest.raises(ConfigError, match=r"\[files\] police_street names .*which does not exist"):
        Study.from_toml(cfg)


def test_stop_search_and_lookup_through_config(tmp_path):
    """A small study: stop and search placed by location, and a police row on a 2021 code
    matched to its 2011 LSOA through the ONS lookup named in [files]."""
    header = (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Crime type,Last outcome category,Context\n"
    )
    (tmp_path / "2022-01-leicestershire-street.csv").write_text(
        header
        + "a,2022-01,L,L,-1.1332,52.6358,On or near X,E01035001,Leicester 999Z,Drugs,,\n"
        + "b,2022-01,L,L,-1.1332,52.6358,On or near X,E01013600,Leicester 003A,Drugs,,\n"
    )
    (tmp_path / "2022-01-leicestershire-stop-and-search.csv").write_text(
        "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,"
        "Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,"
        "Object of search,Outcome,Outcome linked to object of search,"
        "Removal of more than just outer clothing\n"
        "Person search,2022-01-05T12:00:00+00:00,False,,52.6358,-1.1332,Male,18-24,,White,"
        "Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest,True,False\n"
        "Person search,2022-01-05T12:00:00+00:00,False,,52.80,-1.40,Male,18-24,,White,"
        "Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest,True,False\n"
    )
    (tmp_path / "lookup.csv").write_text(
        "LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND\n"
        "E01013600,Leicester 003A,E01013600,Leicester 003A,U\n"
        "E01013601,Leicester 003B,E01035001,Leicester 999Z,S\n"
    )
    cfg = tmp_path / "area.toml"
    cfg.write_text(
        '[study]\nname = "t"\narea_codes = ["E06000016"]\nperiod_start = "2022-01"\n'
        'period_end = "2022-01"\n[files]\n'
        f'police_street = ["{tmp_path / "2022-01-leicestershire-street.csv"}"]\n'
        f'stop_search = ["{tmp_path / "2022-01-leicestershire-stop-and-search.csv"}"]\n'
        f'lsoa_boundaries = ["{SAMPLE / "boundaries/lsoa2011_E06000016_leicester.geojson"}"]\n'
        f'imd = "{SAMPLE / "imd/imd2019_file2_domains_ranks_deciles_leicester.csv"}"\n'
        f'population = "{SAMPLE / "population/lsoa_pop_mid2019_total_leicester.csv"}"\n'
        f'lsoa_2011_2021_lookup = "{tmp_path / "lookup.csv"}"\n'
    )
    s = Study.from_toml(cfg)
    assert list(s.crimes["lsoa_code"]) == ["E01013601", "E01013600"]
    street = next(f for f in s.ledger.files if f.kind == "police_street")
    # issue 21: every kept row's attribution path is a ledger note
    assert street.notes == {
        "2021 LSOA code split (S) in 2011: placed by its code": 1,
        "LSOA code unchanged 2011-2021 (lookup U): placed by its code": 1,
    }
    assert len(s.searches) == 1 and s.searches["object_of_search"].iloc[0] == "Controlled drugs"
    ss = next(f for f in s.ledger.files if f.kind == "stop_search")
    assert ss.dropped == {"outside the study area": 1} and s.ledger.balanced


def test_several_boundary_files_one_district(tmp_path):
    cfg = tmp_path / "area.toml"
    b = SAMPLE / "boundaries"
    cfg.write_text(
        '[study]\nname = "OW"\narea_codes = ["E07000135"]\nperiod_start = "2022-10"\n'
        'period_end = "2022-10"\n[files]\n'
        f'police_street = ["{SAMPLE / "police/leicestershire-street-2019-12_2022-10.zip"}"]\n'
        f'lsoa_boundaries = ["{b / "lsoa2011_E06000016_leicester.geojson"}", '
        f'"{b / "lsoa2011_E07000135_oadby_and_wigston.geojson"}"]\n'
        f'imd = "{SAMPLE / "imd/imd2019_file2_domains_ranks_deciles_leicester.csv"}"\n'
        f'population = "{SAMPLE / "population/lsoa_pop_mid2019_total_leicester.csv"}"\n'
    )
    s = Study.from_toml(cfg)
    assert len(s.lsoas) == 36 and s.lsoas["lad_code"].eq("E07000135").all()
    files = [f for f in s.ledger.files if f.kind == "lsoa_boundaries"]
    assert [(f.read, f.kept) for f in files] == [(192, 0), (36, 36)]
    assert files[0].dropped == {"outside the study area": 192}
    assert s.crimes["month"].astype(str).eq("2022-10").all() and s.ledger.balanced


def test_documented_imd_columns_always_present(tmp_path):
    """A config without a scores file still has imd_score (empty) and the national quintile."""
    cfg = tmp_path / "area.toml"
    cfg.write_text(
        '[study]\nname = "OW"\narea_codes = ["E07000135"]\nperiod_start = "2022-10"\n'
        'period_end = "2022-10"\n[files]\n'
        f'police_street = ["{SAMPLE / "police/leicestershire-street-2019-12_2022-10.zip"}"]\n'
        f'lsoa_boundaries = ["{OADBY}"]\n'
        f'imd = "{SAMPLE / "imd/imd2019_file2_domains_ranks_deciles_leicester.csv"}"\n'
        f'population = "{SAMPLE / "population/lsoa_pop_mid2019_total_leicester.csv"}"\n'
    )
    lsoas = Study.from_toml(cfg).lsoas
    assert lsoas["imd_score"].isna().all()
    # quintile = ceil(decile / 2), written out: deciles 1,2 -> 1; 3,4 -> 2; ...; 9,10 -> 5
    expected = {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 4, 8: 4, 9: 5, 10: 5}
    assert (lsoas["imd_quintile"] == lsoas["imd_decile"].map(expected)).all()


def test_stop_search_month_without_a_file_is_missing_not_zero(tmp_path):
    """Three months of study, search files for two: the third month is a gap in the series."""
    header = (
        "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,"
        "Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,"
        "Object of search,Outcome,Outcome linked to object of search,"
        "Removal of more than just outer clothing\n"
    )
    row = (
        "Person search,{d}T12:00:00+00:00,False,,52.6358,-1.1332,Male,18-24,,White,"
        "Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest,True,False\n"
    )
    street = (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Crime type,Last outcome category,Context\n"
    )
    files = {"police": [], "search": []}
    for month in ("2022-01", "2022-02", "2022-03"):
        p = tmp_path / f"{month}-leicestershire-street.csv"
        p.write_text(street + f"a{month},{month},L,L,-1.1332,52.6358,X,E01013600,Y,Drugs,,\n")
        files["police"].append(str(p))
    # searches: two in January, one in March; no February file at all
    for month, n in (("2022-01", 2), ("2022-03", 1)):
        p = tmp_path / f"{month}-leicestershire-stop-and-search.csv"
        p.write_text(header + row.format(d=f"{month}-05") * n)
        files["search"].append(str(p))
    cfg = tmp_path / "area.toml"
    cfg.write_text(
        '[study]\nname = "t"\narea_codes = ["E06000016"]\nperiod_start = "2022-01"\n'
        'period_end = "2022-03"\n[files]\n'
        f"police_street = {json.dumps(files['police'])}\n"
        f"stop_search = {json.dumps(files['search'])}\n"
        f'lsoa_boundaries = ["{SAMPLE / "boundaries/lsoa2011_E06000016_leicester.geojson"}"]\n'
        f'imd = "{SAMPLE / "imd/imd2019_file2_domains_ranks_deciles_leicester.csv"}"\n'
        f'population = "{SAMPLE / "population/lsoa_pop_mid2019_total_leicester.csv"}"\n'
    )
    s = Study.from_toml(cfg)
    cov = s.search_coverage
    assert [str(m) for m in cov.missing] == ["2022-02"]
    assert [str(m) for m in cov.observed] == ["2022-01", "2022-03"]
    assert s.coverage.complete  # the street files hold all three months
    monthly = stats.monthly_counts(
        s.searches, start="2022-01", end="2022-03", observed=cov.observed
    ).iloc[:, 0]
    assert monthly.loc[pd.Period("2022-01", "M")] == 2
    assert np.isnan(monthly.loc[pd.Period("2022-02", "M")])  # no file: missing, not 0
    assert monthly.loc[pd.Period("2022-03", "M")] == 1
