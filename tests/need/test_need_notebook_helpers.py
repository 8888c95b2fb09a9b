"""Helpers moved out of the notebooks: unmet-need error bars and chart, access layers."""

from __future__ import annotations

import geopandas as gpd
import matplotlib
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from shapely.geometry import Point

from workbench.errors import WorkbenchError
from workbench.need import (
    ServiceAccess,
    unmet_need_chart,
    unmet_need_error_bars,
    young_people_ward_map,
)

matplotlib.use("Agg")

UNMET = pd.DataFrame(
    {
        "substance_group": ["opiate", "crack"],
        "unmet_pct": [50.0, 60.0],
        "unmet_pct_at_lower": [40.0, 55.0],  # lower estimate, less unmet need
        "unmet_pct_at_upper": [58.0, 66.5],
    }
)


def test_error_bars_are_distances_to_the_limits() -> None:
    # 50 - 40 = 10, 60 - 55 = 5 down; 58 - 50 = 8, 66.5 - 60 = 6.5 up.
    assert_allclose(unmet_need_error_bars(UNMET), [[10.0, 5.0], [8.0, 6.5]], rtol=1e-12)
    with pytest.raises(WorkbenchError, match="unmet_pct_at_upper"):
        unmet_need_error_bars(UNMET.drop(columns="unmet_pct_at_upper"))


def test_unmet_chart_labels_synthetic() -> None:
    fig = unmet_need_chart(UNMET, synthetic=True)
    ax = fig.axes[0]
    assert ax.get_title().startswith("SYNTHETIC - ")
    assert [p.get_width() for p in ax.patches] == [50.0, 60.0]
    assert unmet_need_chart(UNMET).axes[-1].get_title().startswith("Unmet need")
    matplotlib.pyplot.close("all")


def test_access_layers_per_service_type() -> None:
    lsoas = gpd.GeoDataFrame(
        {
            "lsoa_code": ["E1"],
            "dist_km_any": [1.0],
            "dist_km_young_people": [2.0],
            "access_young_people": [3.0],
            "dist_km_adult_treatment": [1.0],
            "access_adult_treatment": [4.0],
        },
        geometry=[Point(0, 0)],
        crs=27700,
    )
    layers = ServiceAccess(lsoas, pd.DataFrame(), pd.DataFrame()).layers()
    assert layers == {
        "Distance (km) to adult treatment": "dist_km_adult_treatment",
        "Distance (km) to young people": "dist_km_young_people",
        "Access index (2SFCA), adult treatment": "access_adult_treatment",
        "Access index (2SFCA), young people": "access_young_people",
    }


def test_young_people_ward_map_blanks_small_cohort_rates() -> None:
    wards = gpd.GeoDataFrame(
        {"ward_code": ["W1", "W2", "W3"], "ward_name": ["a", "b", "c"]},
        geometry=[Point(0, 0), Point(1, 0), Point(2, 0)],
        crs=27700,
    )
    by_ward = pd.DataFrame(
        {
            "ward_code": ["W1", "W2"],
            "cohort": [3, 12],
            "population_10_17": [1000, 2000],
            "cohort_rate": [30.0, 60.0],  # 3 / 1000 x 10,000 and 12 / 2000 x 10,000
            "tier2_share": [0.5, 0.25],
            "tier3_10d_share": [1.0, 0.5],
        }
    )
    out = young_people_ward_map(by_ward, wards, threshold=5)
    # W3 has no row: left off. W1's cohort of 3 is below 5: its rate is blanked.
    assert out["ward_code"].tolist() == ["W1", "W2"]
    assert pd.isna(out.loc[0, "cohort_rate"]) and out.loc[1, "cohort_rate"] == 60.0
    assert out["tier2_share"].tolist() == [0.5, 0.25]
    assert isinstance(out, gpd.GeoDataFrame)
    with pytest.raises(WorkbenchError, match="one row per ward"):
        young_people_ward_map(pd.concat([by_ward, by_ward]), wards)
