"""Multi-district studies: each district's rows, figures and hot spot scales (hand-made areas)."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from workbench import districts
from workbench.hotspots import default_bandwidth

BNG = "EPSG:27700"


def _study():
    # District A: two 5 km x 5 km LSOAs side by side (10 km x 5 km); district B: one 2 km x 2 km
    # LSOA 40 km away. The bounding box of the two is 42 km wide.
    lsoas = gpd.GeoDataFrame(
        {
            "lsoa_code": ["A1", "A2", "B1"],
            "lad_code": ["E0A", "E0A", "E0B"],
            "lad_name": ["Alpha", "Alpha", "Beta Vale"],
            "population": [10_000, 10_000, 5_000],
        },
        geometry=[
            shapely.box(0, 0, 5_000, 5_000),
            shapely.box(5_000, 0, 10_000, 5_000),
            shapely.box(40_000, 0, 42_000, 2_000),
        ],
        crs=BNG,
    )
    rng = np.random.default_rng(1)
    rows = []
    # 24 months: 2021-01 .. 2022-12. Alpha: 2 drug offences a month spread widely; Beta Vale:
    # 3 a month in its latest year and 1 a month before, in a tight cluster.
    for month in pd.period_range("2021-01", "2022-12", freq="M"):
        for _ in range(2):
            x, y = rng.uniform(0, 10_000), rng.uniform(0, 5_000)
            rows.append((month, "Drugs", "A1" if x < 5_000 else "A2", x, y))
        for _ in range(3 if month >= pd.Period("2022-01", "M") else 1):
            rows.append(
                (month, "Drugs", "B1", 41_000 + rng.normal(0, 50), 1_000 + rng.normal(0, 50))
            )
    crimes = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["month", "crime_type", "lsoa_code", "x", "y"]),
        geometry=gpd.points_from_xy([r[3] for r in rows], [r[4] for r in rows]),
        crs=BNG,
    )
    config = SimpleNamespace(area_codes=("E0A", "E0B", "E0C"), per=10_000)
    return SimpleNamespace(lsoas=lsoas, crimes=crimes, config=config)


def test_district_parts_split_rows_by_their_lsoa():
    study = _study()
    parts = districts.district_parts(study)
    assert [(p.code, p.name, p.slug) for p in parts] == [
        ("E0A", "Alpha", "alpha"),
        ("E0B", "Beta Vale", "beta_vale"),
    ]  # E0C has no LSOA: not reported
    assert [len(p.crimes) for p in parts] == [48, 12 + 36]
    assert parts[0].area.area.sum() == pytest.approx(50e6)


def test_default_scales_come_from_the_districts_not_their_bounding_box():
    study = _study()
    # Alpha: 5,000 / 50 = 100 -> 100 m; Beta Vale: 2,000 / 50 = 40 -> 20 m (1-2-5 rounding down)
    assert districts.default_cell_size(study) == 20.0
    drugs = study.crimes
    beta = drugs[drugs["lsoa_code"] == "B1"]
    # Beta Vale holds 48 points on 4 km², Alpha 48 on 50 km²: the densest is Beta Vale
    assert districts.default_bandwidth(drugs, study) == pytest.approx(default_bandwidth(beta))
    assert districts.default_bandwidth(drugs, study) < 0.1 * default_bandwidth(drugs)


def test_one_district_keeps_the_single_area_defaults():
    study = _study()
    study.config.area_codes = ("E0A",)
    assert districts.default_cell_size(study) is None
    assert districts.default_bandwidth(study.crimes, study) is None


def test_key_figures_for_the_whole_and_each_district():
    study = _study()
    table = districts.key_figures_by_district(study, ["Drugs"]).frame.set_index("area")
    # latest 12 months (2022): Alpha 24, Beta Vale 36; the 12 before: Alpha 24, Beta Vale 12
    assert table.loc["All districts", "count"] == 60
    assert table.loc["All districts", "previous_count"] == 36
    assert table.loc["Alpha", "count"] == 24 and table.loc["Alpha", "previous_count"] == 24
    assert table.loc["Beta Vale", "count"] == 36
    assert table.loc["Beta Vale", "pct_change"] == pytest.approx(200.0)
    # rate per 10,000 on each part's own residents: 36 / 5,000 x 10,000 = 72
    assert table.loc["Beta Vale", "rate"] == pytest.approx(72.0)
    assert table.loc["All districts", "rate"] == pytest.approx(60 / 25_000 * 10_000)


def test_trends_by_district_one_row_per_district_and_type():
    study = _study()
    study.config.period_start = pd.Period("2021-01", "M")
    study.config.period_end = pd.Period("2022-12", "M")
    table, figures = districts.trends_by_district(study, ["Drugs"])
    assert table[["area", "crime_type", "months"]].values.tolist() == [
        ["Alpha", "Drugs", 24],
        ["Beta Vale", "Drugs", 24],
    ]
    # Alpha: 2 a month throughout; Beta Vale: 12 months of 1 then 12 of 3 (mean 2)
    assert table["mean_per_month"].tolist() == [2.0, 2.0]
    assert table.loc[1, "mann_kendall_tau"] > 0.5  # a step up is a monotonic trend
    assert sorted(figures) == ["spc_alpha_drugs", "spc_beta_vale_drugs"]
    assert figures["spc_beta_vale_drugs"].axes[0].get_title().startswith("Beta Vale: ")
