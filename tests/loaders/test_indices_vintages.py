"""Issue 21: deprivation indices as data (IMD 2019, IoD 2025, WIMD 2019) and one attribution
rule across LSOA vintages (the ONS LSOA 2011 to 2021 lookup), on small hand-made files."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from workbench.errors import DataError
from workbench.geo import BNG
from workbench.ledger import Ledger
from workbench.loaders.area import StudyArea, assign_area
from workbench.loaders.imd import INDICES, read_deprivation, read_imd
from workbench.loaders.lookups import index_on_boundaries
from workbench.loaders.population import census_ethnic_groups, population_source, read_population

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
IOD2025 = SAMPLE / "imd" / "iod2025_file7_lsoa21_gloucestershire.csv"
IMD2019 = SAMPLE / "imd" / "imd2019_file2_lsoa11_gloucestershire.csv"
WIMD = SAMPLE / "imd" / "wimd2019_ranks_scores_lsoa11_wales.csv"
CENSUS = (
    SAMPLE
    / "population"
    / "census2021_ts021_usual_residents_ethnicity_lsoa21_gloucestershire_gwent.csv"
)


# -- indices ------------------------------------------------------------------------------------
def test_iod2025_file7_read_with_its_index():
    led = Ledger()
    df, index = read_deprivation(IOD2025, led, require_decile=True)
    assert index is INDICES["iod2025"]
    assert (index.label, index.geography, index.country, index.n_areas) == (
        "IoD 2025",
        "2021",
        "England",
        33_755,
    )
    assert len(df) == 393 and led.files[0].balanced
    # values as published (first data row of the file, read with the csv module)
    raw = pd.read_csv(IOD2025, dtype=str).iloc[0]
    row = df.set_index("lsoa_code").loc[raw["LSOA code (2021)"]]
    assert row["imd_rank"] == int(
        raw["Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"]
    )
    assert row["imd_decile"] == int(
        raw["Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"]
    )
    # health scores are negative in the published file: read, not refused
    assert (df["health_score"] < 0).any()
    # Gloucester: 9 of its 82 LSOAs in national decile 1 (SOURCES.md, = File 10's 0.1098)
    glos = df[df["lad_code"] == "E07000081"]
    assert len(glos) == 82 and int((glos["imd_decile"] == 1).sum()) == 9


def test_iod2025_file1_layout(tmp_path):
    """File 1 (IMD rank and decile only) on 2021 LSOAs."""
    path = tmp_path / "File_1_IoD2025.csv"
    path.write_text(
        "LSOA code (2021),LSOA name (2021),Local Authority District code (2024),"
        "Local Authority District name (2024),"
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),"
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)\n"
        "E01035000,X 001A,E07000081,Gloucester,33755,10\n"
        "E01022100,Y 001A,E07000081,Gloucester,1,1\n",
        encoding="utf-8",
    )
    df, index = read_deprivation(path, require_decile=True)
    assert index.key == "iod2025"
    assert df["imd_rank"].tolist() == [33755, 1]  # 33,755 > 32,844: an IMD 2019 range refuses it


def test_imd2019_still_read_as_imd2019():
    df, index = read_deprivation(IMD2019, require_decile=True)
    assert index.key == "imd2019" and index.geography == "2011" and len(df) == 373


def test_wimd2019_deciles_noted_and_computed_from_ranks(tmp_path):
    led = Ledger()
    df, index = read_deprivation(WIMD, led, require_decile=True)
    assert index.key == "wimd2019" and index.country == "Wales" and len(df) == 1909
    assert any("not Welsh Government columns" in n for n in led.files[0].notes)
    # rank 1 is W01000240 (SOURCES.md)
    assert df.loc[df["imd_rank"] == 1, "lsoa_code"].item() == "W01000240"
    # without the decile columns: deciles from ranks, ceil(rank x 10 / 1,909), and noted
    raw = pd.read_csv(WIMD, dtype=str)
    raw[["lsoa11_code", "IMD_rank", "IMD_score"]].to_csv(tmp_path / "wimd.csv", index=False)
    led2 = Ledger()
    df2, _ = read_deprivation(tmp_path / "wimd.csv", led2, require_decile=True)
    ranks = raw["IMD_rank"].astype(int).to_numpy()
    assert df2["imd_decile"].astype(int).tolist() == np.ceil(ranks * 10 / 1909).astype(int).tolist()
    assert any("computed from the rank" in n for n in led2.files[0].notes)


@pytest.mark.parametrize(
    "path,expect",
    [(IOD2025, "imd2019"), (IMD2019, "iod2025"), (WIMD, "iod2025")],
)
def test_wrong_index_stops_without_rename_advice(path, expect):
    """An IoD2025 file where IMD 2019 is declared (and the reverse) stops with one clear
    message naming both indices; it never suggests renaming a 2021 column to 2011."""
    with pytest.raises(DataError) as err:
        read_imd(path, require_decile=True, expect=expect)
    text = str(err.value)
    assert INDICES[expect].label in text
    assert "Do not rename" in text
    assert "Rename that column" not in text


def test_iod2025_given_where_imd2019_expected_undeclared_is_read_as_iod2025():
    """The issue's case (a Gloucester study with the IoD2025 file, nothing declared): read
    correctly as IoD 2025 instead of 'Rename that column to LSOA code (2011)'."""
    df = read_imd(IOD2025, require_decile=True)
    assert df["imd_rank"].max() > 32_844


def test_2021_code_column_never_renamed_to_2011(tmp_path):
    path = tmp_path / "lookup.csv"
    path.write_text("LSOA code (2021),Something\nE01035000,1\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_imd(path)
    assert "Rename that column" not in str(err.value)


# -- Census 2021 ---------------------------------------------------------------------------------
def test_census2021_population_and_ethnic_groups():
    raw = pd.read_csv(CENSUS)
    glos = raw[raw["LAD24CD"] == "E07000081"]
    pop = read_population(CENSUS, codes=frozenset(glos["LSOA21CD"]))
    assert pop["population"].sum() == 132_419  # SOURCES.md: Gloucester 132,419
    groups = census_ethnic_groups(pop).set_index("ethnicity")["population"]
    col = "Census 2021 ethnic group: Asian, Asian British or Asian Welsh"
    assert groups["Asian"] == glos[col].sum()
    assert groups.sum() == 132_419  # the five groups add up to the total in the file
    assert population_source(CENSUS, 2021).startswith("Census 2021 usual residents")


# -- the vintage rule on hand-made geography -----------------------------------------------------
def _area() -> StudyArea:
    """Four study LSOAs 2021 in a row (1 km squares, BNG) and a neighbour outside."""
    polys = gpd.GeoDataFrame(
        {"lsoa_code": ["E01040001", "E01040002", "E01040003", "E01040004"]},
        geometry=[box(400000 + i * 1000, 300000, 401000 + i * 1000, 301000) for i in range(4)],
        crs=BNG,
    )
    neighbour = gpd.GeoDataFrame(
        {"lsoa_code": ["E01040009"]}, geometry=[box(410000, 300000, 411000, 301000)], crs=BNG
    )
    lookup = pd.DataFrame(
        {
            "from_code": ["E01000001", "E01000002", "E01000002", "E01000003", "E01000004"],
            "to_code": ["E01040001", "E01040002", "E01040003", "E01040004", "E01040004"],
            "chgind": ["U", "S", "S", "M", "M"],
        }
    )
    lookup = pd.concat(
        [
            lookup,
            pd.DataFrame({"from_code": ["E01000005"], "to_code": ["E01040009"], "chgind": ["X"]}),
        ]
    )
    return StudyArea(
        codes=frozenset(polys["lsoa_code"]),
        known=frozenset(polys["lsoa_code"]) | {"E01040009"},
        polygons=polys,
        lookup=lookup,
        vintage="2021",
        all_polygons=pd.concat([polys, neighbour], ignore_index=True),
    )


def _lonlat(xy: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    pts = gpd.GeoSeries(gpd.points_from_xy(*zip(*xy, strict=True)), crs=BNG).to_crs(4326)
    return pts.x.to_numpy(), pts.y.to_numpy()


def test_vintage_paths_each_counted():
    area = _area()
    codes = pd.Series(
        [
            "E01040001",  # a 2021 study code: by code
            "E01000002",  # split (S), point in part E01040003
            "E01000002",  # split (S), point in no part (in E01040001): best fit = nearest part
            "E01000003",  # merged (M): by code, whatever the point
            "E01000005",  # irregular (X): by point (in E01040004)
            "E01000005",  # irregular (X), point outside the study: dropped
            "E01000002",  # split (S), point far away: best fit part E01040002 (nearest)
        ],
        dtype="string",
    )
    xy = [
        (400500, 300500),
        (402500, 300500),
        (400200, 300500),
        (400500, 300500),
        (403500, 300500),
        (420000, 300500),
        (401500, 320000),
    ]
    out, reason, note = assign_area(codes, _lonlat(xy), area)
    assert out.iloc[:5].tolist() == [
        "E01040001",
        "E01040003",
        "E01040002",
        "E01040004",
        "E01040004",
    ]
    assert reason.tolist()[:5] == [""] * 5 and reason.iloc[5] == "outside the study area"
    assert out.iloc[6] == "E01040002" and reason.iloc[6] == ""
    assert note.tolist() == [
        "LSOA code of a study LSOA (2021 geography): placed by its code",
        "2011 LSOA code split (S) in 2021: placed by its point among its parts",
        "2011 LSOA code split (S) in 2021: point in none of its parts; best-fit part",
        "2011 LSOA code merged (M) in 2021: placed by its code",
        "2011 LSOA code irregular (X) in 2021: placed by its point",
        "",
        "2011 LSOA code split (S) in 2021: point in none of its parts; best-fit part",
    ]


def test_index_on_2011_carried_to_2021_lsoas():
    """WIMD-style index on 2011 LSOAs: a split's parts take the parent's rank; a merge takes
    the most deprived parent's."""
    index = pd.DataFrame(
        {
            "lsoa_code": ["E01000001", "E01000002", "E01000003", "E01000004"],
            "imd_rank": [100, 200, 50, 30],
            "imd_decile": [1, 2, 1, 1],
        }
    )
    lk = _area().lookup
    out = index_on_boundaries(index, lk).set_index("lsoa_code")
    assert out.loc["E01040001", "imd_rank"] == 100
    assert out.loc[["E01040002", "E01040003"], "imd_rank"].tolist() == [200, 200]
    assert out.loc["E01040004", "imd_rank"] == 30  # merged from ranks 50 and 30
    assert out.loc["E01040004", "index_lsoa_code"] == "E01000003;E01000004"
