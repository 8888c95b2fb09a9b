"""Property tests (hypothesis): identities that must hold for any input."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.spatial.distance import cdist
from shapely.geometry import Point, box

from workbench.need import service_access, two_step_fca, unmet_need

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

coords = st.lists(st.tuples(st.floats(0, 10_000), st.floats(0, 10_000)), min_size=1, max_size=12)


@SETTINGS
@given(
    estimate=st.floats(1, 1e5),
    lo_frac=st.floats(0.5, 1.0),
    hi_frac=st.floats(1.0, 2.0),
    counts=st.lists(st.integers(0, 5000), min_size=3, max_size=3),
)
def test_met_plus_unmet_is_100_and_range_is_ordered(estimate, lo_frac, hi_frac, counts):
    prev = pd.DataFrame(
        {
            "year": ["2019-20"],
            "area_code": ["E1"],
            "area_name": ["X"],
            "substance_group": ["opiate_and_or_crack"],
            "age_band": ["15-64"],
            "estimate": [estimate],
            "lower_95": [estimate * lo_frac],
            "upper_95": [estimate * hi_frac],
        }
    )
    tr = pd.DataFrame(
        {
            "financial_year": "2021-22",
            "substance_group": ["opiate", "crack", "opiate_and_crack"],
            "in_treatment": counts,
        }
    )
    row = unmet_need(prev, tr).frame.iloc[0]
    assert_allclose(row["met_pct"] + row["unmet_pct"], 100.0, rtol=1e-9)
    assert row["in_treatment"] == sum(counts)
    # Unmet need = 1 - n / N grows with N, so lower estimate <= central <= upper estimate.
    assert row["unmet_pct_at_lower"] <= row["unmet_pct"] + 1e-9
    assert row["unmet_pct"] <= row["unmet_pct_at_upper"] + 1e-9
    assert row["over_estimate"] == (sum(counts) > estimate)


@SETTINGS
@given(
    demand=coords,
    supply=coords,
    data=st.data(),
    d0=st.floats(100, 8000),
)
def test_2sfca_doubling_capacity_never_lowers_access(demand, supply, data, d0):
    pops = np.array(data.draw(st.lists(st.integers(0, 3000), min_size=len(demand),
                                       max_size=len(demand))), float)  # fmt: skip
    caps = np.array(data.draw(st.lists(st.integers(0, 500), min_size=len(supply),
                                       max_size=len(supply))), float)  # fmt: skip
    j = data.draw(st.integers(0, len(supply) - 1))
    dxy, sxy = np.array(demand), np.array(supply)
    base, ratio, cpop = two_step_fca(dxy, pops, sxy, caps, d0)
    more = caps.copy()
    more[j] *= 2
    doubled, _, _ = two_step_fca(dxy, pops, sxy, more, d0)
    assert np.all(doubled >= base - 1e-12)
    assert np.all(base >= 0)
    # Conservation (a known 2SFCA identity): sum_i A_i P_i = supply of services that have
    # anyone within their catchment.
    reached = cpop > 0
    assert_allclose((base * pops).sum(), caps[reached].sum(), rtol=1e-9, atol=1e-9)
    # Doubling every capacity doubles every access value.
    all_doubled, _, _ = two_step_fca(dxy, pops, sxy, caps * 2, d0)
    assert_allclose(all_doubled, 2 * base, rtol=1e-12, atol=1e-15)


@SETTINGS
@given(demand=coords, supply=coords)
def test_distances_non_negative_and_match_brute_force(demand, supply):
    lsoas = gpd.GeoDataFrame(
        {"lsoa_code": [f"L{i}" for i in range(len(demand))], "population": 100},
        geometry=[box(x - 5, y - 5, x + 5, y + 5) for x, y in demand],
        crs="EPSG:27700",
    )
    services = gpd.GeoDataFrame(
        {
            "service_id": [f"S{i}" for i in range(len(supply))],
            "service_type": "adult_treatment",
            "capacity": 10,
        },
        geometry=[Point(x, y) for x, y in supply],
        crs="EPSG:27700",
    )
    res = service_access(services, lsoas, bands_km=(1, 3))
    dist = res.lsoas["dist_km_adult_treatment"].to_numpy()
    assert np.all(dist >= 0)
    brute = cdist(np.array(demand, float), np.array(supply, float)).min(axis=1) / 1000
    assert_allclose(dist, brute, rtol=1e-9, atol=1e-9)
    # Population beyond a farther band never exceeds the population beyond a nearer one.
    pb = res.beyond.frame.set_index("band_km")["population_beyond"]
    assert pb.loc[3.0] <= pb.loc[1.0]
