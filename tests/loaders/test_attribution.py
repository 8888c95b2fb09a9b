"""One attribution rule: figures shared by the overview, communities and supply themes agree.

The calls are those of the notebooks (00_overview cell "deprived", 02_communities cells
"deciles"/"shares", 01_supply "top_lsoas"), on the sample study; the expected values are
plain pandas counts of the rows' stored attribution columns.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from workbench import deprivation
from workbench.hotspots import top_zones
from workbench.loaders.attribution import attribute_points
from workbench.study import Study

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "area.toml"


@pytest.fixture(scope="module")
def study() -> Study:
    return Study.from_toml(SAMPLE)


@pytest.fixture(scope="module")
def latest(study) -> pd.DataFrame:
    crimes = study.crimes
    last_month = crimes["month"].max()
    return crimes[crimes["month"] > last_month - 12]


def test_crimes_carry_the_attribution_columns(study):
    crimes = study.crimes
    lsoas = study.lsoas.set_index("lsoa_code")
    assert crimes["lsoa_code"].isin(lsoas.index).all()
    # district and decile are those of the row's LSOA (checked row by row against lsoas)
    assert (crimes["district_code"] == crimes["lsoa_code"].map(lsoas["lad_code"])).all()
    expected = crimes["lsoa_code"].map(lsoas["imd_decile"]).astype("Int64")
    assert (crimes["imd_decile"].to_numpy() == expected.to_numpy()).all()
    assert crimes["ward_code"].notna().mean() > 0.99
    assert set(crimes["ward_code"].dropna()) <= set(study.wards["ward_code"])
    assert study.needle_finds["lsoa_code"].isin(lsoas.index).all()


def test_overview_and_communities_share_the_same_figures(study, latest):
    # overview: Drugs, weapons, ASB by the rows' lsoa_code
    overview_types = ["Drugs", "Possession of weapons", "Anti-social behaviour"]
    overview = deprivation.by_layer(
        {ct: latest[latest["crime_type"] == ct] for ct in overview_types},
        study.lsoas,
        label="crime_type",
    ).frame
    # communities: ASB, Drugs and needle finds, with count_in=study.lsoas
    comm_types = ["Anti-social behaviour", "Drugs"]
    last_month = study.crimes["month"].max()
    needles = study.needle_finds
    layers = {ct: latest[latest["crime_type"] == ct] for ct in comm_types}
    layers["Needle finds"] = needles[needles["month"] > last_month - 12]
    deciles = deprivation.by_layer(
        layers, study.lsoas, "decile_profile", count_in=study.lsoas, per=study.config.per
    ).frame
    shares = deprivation.by_layer(layers, study.lsoas, count_in=study.lsoas).frame
    for ct in comm_types:
        rows = latest[latest["crime_type"] == ct]
        o = overview[overview["crime_type"] == ct].set_index("group")["count"]
        c = shares[shares["layer"] == ct].set_index("group")["count"]
        pd.testing.assert_series_equal(o, c, check_names=False)
        # independent: the 20% most deprived = stored deciles 1 and 2
        twenty = [g for g in o.index if "20" in str(g)]
        assert len(twenty) == 1
        assert o[twenty[0]] == int((rows["imd_decile"] <= 2).sum())
        # decile counts = stored deciles counted with pandas
        d = deciles[deciles["layer"] == ct].set_index("imd_decile")["count"]
        expected = rows["imd_decile"].value_counts().reindex(d.index, fill_value=0)
        assert (d.to_numpy() == expected.to_numpy()).all()
    n = layers["Needle finds"]
    d = deciles[deciles["layer"] == "Needle finds"].set_index("imd_decile")["count"]
    expected = n["imd_decile"].value_counts().reindex(d.index, fill_value=0)
    assert (d.to_numpy() == expected.to_numpy()).all()


def test_top_lsoas_are_the_stored_codes(study, latest):
    rows = latest[latest["crime_type"] == "Drugs"]
    counts = deprivation.count_by_lsoa(
        rows, study.lsoas[["lsoa_code", "lsoa_name", "population", "imd_decile", "geometry"]]
    )
    top = top_zones(counts, n=10, per=study.config.per).frame
    expected = rows["lsoa_code"].value_counts()
    assert list(top["count"]) == list(expected.iloc[:10])
    assert dict(zip(top["lsoa_code"], top["count"], strict=True)) == {
        k: expected[k] for k in top["lsoa_code"]
    }


def test_rule_on_hand_made_points():
    lsoas = gpd.GeoDataFrame(
        {"lsoa_code": ["E01000001", "E01000002"], "lad_code": ["E06000016"] * 2,
         "imd_decile": [1, 7]},
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)],
        crs="EPSG:27700",
    )  # fmt: skip
    wards = gpd.GeoDataFrame({"ward_code": ["W1"]}, geometry=[box(0, 0, 20, 5)], crs="EPSG:27700")
    pts = gpd.GeoDataFrame(
        # police code agrees; disagrees (point in 2, code 1: code wins); no code (point);
        # code of the study, point in no polygon (code wins)
        {"lsoa_code": ["E01000001", "E01000001", None, "E01000002"]},
        geometry=[Point(1, 1), Point(15, 8), Point(12, 2), Point(50, 50)],
        crs="EPSG:27700",
    )
    out, res = attribute_points(pts, lsoas, wards, layer="t")
    assert list(out["lsoa_code"]) == ["E01000001", "E01000001", "E01000002", "E01000002"]
    assert list(out["imd_decile"]) == [1, 1, 7, 7]
    assert list(out["district_code"]) == ["E06000016"] * 4
    assert list(out["ward_code"].fillna("-")) == ["W1", "-", "W1", "-"]
    assert (res.rows, res.by_code, res.by_point, res.disagree, res.no_ward) == (4, 3, 1, 2, 2)


def test_ward_ranking_counts_the_stored_ward_codes(study, latest):
    from workbench.hotspots import rank_areas

    rows = latest[latest["crime_type"] == "Anti-social behaviour"]
    ranked = rank_areas(rows, study.wards, study.lsoas, per=study.config.per).frame
    expected = rows["ward_code"].value_counts()
    assert ranked["count"].sum() > 0
    for code, n in ranked["count"].items():
        assert n == expected.get(code, 0)
