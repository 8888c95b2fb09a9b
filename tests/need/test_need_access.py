"""service_access (distances, population beyond, 2SFCA) and capacity_gap, worked by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from shapely.geometry import Point, box

from workbench.errors import WorkbenchError
from workbench.need import capacity_gap, distribute_estimate, service_access, two_step_fca

# Four LSOAs on a line (British National Grid metres, y = 0), as 200 m squares centred on:
#   L1 (0, 0) pop 1000;  L2 (1000, 0) pop 2000;  L3 (2300, 0) pop 500;  L4 (6000, 0) pop 1500.
# Three services: A (500, 0) capacity 30, caseload 25; B (2000, 0) capacity 20, caseload 30;
#                 C (7000, 0) capacity 10, caseload 4.
# Catchment d0 = 1.2 km.
#
# Distances (m):      L1     L2     L3     L4
#            A        500    500    1800   5500
#            B        2000   1000   300    4000
#            C        7000   6000   4700   1000
#
# Step 1: A reaches L1, L2 -> population 3000 -> R_A = 30 / 3000 = 0.01
#         B reaches L2, L3 -> population 2500 -> R_B = 20 / 2500 = 0.008
#         C reaches L4     -> population 1500 -> R_C = 10 / 1500 = 0.0066667
# Step 2: A_1 = R_A = 0.01; A_2 = R_A + R_B = 0.018; A_3 = R_B = 0.008; A_4 = R_C = 0.0066667
#         per 10,000 residents: 100, 180, 80, 66.6667.
# Remaining capacity (use_remaining): A 30-25 = 5; B max(20-30, 0) = 0; C 10-4 = 6.
#         R_A = 5/3000, R_B = 0, R_C = 6/1500 = 0.004
#         A = 16.6667, 16.6667 + 0 = 16.6667, 0, 40 per 10,000.
# Nearest service: L1 A 0.5 km, L2 A 0.5 km, L3 B 0.3 km, L4 C 1.0 km.
# Beyond 0.4 km: L1, L2, L4 = 4500 people; beyond 0.9 km: L4 = 1500; beyond 2 km: nobody.
CENTRES = [(0, 0), (1000, 0), (2300, 0), (6000, 0)]
POPS = [1000, 2000, 500, 1500]


def _lsoas(dx: float = 0, dy: float = 0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"lsoa_code": ["L1", "L2", "L3", "L4"], "population": POPS},
        geometry=[box(x + dx - 100, y + dy - 100, x + dx + 100, y + dy + 100) for x, y in CENTRES],
        crs="EPSG:27700",
    )


def _services(types=("adult_treatment",) * 3, dx: float = 0, dy: float = 0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "service_id": ["A", "B", "C"],
            "service_type": list(types),
            "capacity": [30, 20, 10],
            "caseload": [25, 30, 4],
        },
        geometry=[Point(500 + dx, dy), Point(2000 + dx, dy), Point(7000 + dx, dy)],
        crs="EPSG:27700",
    )


def test_two_step_fca_hand_example() -> None:
    access, ratio, cpop = two_step_fca(
        np.array(CENTRES, float), np.array(POPS, float),
        np.array([(500, 0), (2000, 0), (7000, 0)], float), np.array([30, 20, 10], float), 1200,
    )  # fmt: skip
    assert_allclose(cpop, [3000, 2500, 1500])
    assert_allclose(ratio, [0.01, 0.008, 10 / 1500], rtol=1e-12)
    assert_allclose(access, [0.01, 0.018, 0.008, 10 / 1500], rtol=1e-12)


def test_service_access_hand_example() -> None:
    res = service_access(_services(), _lsoas(), bands_km=(0.4, 0.9, 2), catchment_km=1.2)
    t = res.lsoas.set_index("lsoa_code")
    assert_allclose(t["access_adult_treatment"], [100, 180, 80, 200 / 3], rtol=1e-9)
    assert_allclose(t["dist_km_adult_treatment"], [0.5, 0.5, 0.3, 1.0], rtol=1e-9)
    assert list(t["nearest_adult_treatment"]) == ["A", "A", "B", "C"]
    assert set(t["centre_method"]) == {"centroid"}
    beyond = res.beyond.frame.set_index("band_km")
    assert_allclose(beyond["population_beyond"], [4500, 1500, 0])
    assert_allclose(beyond["share_beyond"], [0.9, 0.3, 0.0], rtol=1e-12)
    assert list(beyond["lsoas_beyond"]) == [3, 1, 0]
    assert "straight-line" in res.settings["distance"]
    assert res.lsoas.crs.equals("EPSG:27700")


def test_remaining_capacity() -> None:
    res = service_access(_services(), _lsoas(), catchment_km=1.2, use_remaining=True)
    t = res.lsoas.set_index("lsoa_code")
    assert_allclose(t["access_adult_treatment"], [50 / 3, 50 / 3, 0, 40], rtol=1e-9)
    assert_allclose(res.services["supply"], [5, 0, 6])


def test_distances_per_type_and_weighted_centres() -> None:
    svc = _services(types=("adult_treatment", "needle_exchange", "needle_exchange"))
    # Weight points: L1's population sits at (50, 0) and (-10, 0) with weights 3 and 1 ->
    # weighted centre x = (150 - 10) / 4 = 35; the other LSOAs use centroids.
    weights = gpd.GeoDataFrame(
        {"lsoa_code": ["L1", "L1"], "population": [3, 1]},
        geometry=[Point(50, 0), Point(-10, 0)],
        crs="EPSG:27700",
    )
    res = service_access(svc, _lsoas(), weights, bands_km=(2,), catchment_km=1.2)
    t = res.lsoas.set_index("lsoa_code")
    assert_allclose(t.loc["L1", "centre_x"], 35.0)
    assert t.loc["L1", "centre_method"] == "population-weighted"
    assert t.loc["L2", "centre_method"] == "centroid"
    # adult (A only): L1 0.465, L2 0.5, L3 1.8, L4 5.5; needles (B, C): 1.965, 1.0, 0.3, 1.0.
    assert_allclose(t["dist_km_adult_treatment"], [0.465, 0.5, 1.8, 5.5], rtol=1e-9)
    assert_allclose(t["dist_km_needle_exchange"], [1.965, 1.0, 0.3, 1.0], rtol=1e-9)
    assert_allclose(t["dist_km_any"], [0.465, 0.5, 0.3, 1.0], rtol=1e-9)


def test_services_from_longitude_latitude() -> None:
    # Shifted into Leicester so that the WGS84 round trip is exact to well under a millimetre.
    svc = _services(dx=459000, dy=304000).to_crs("EPSG:4326")
    plain = pd.DataFrame(svc.drop(columns="geometry"))
    plain["longitude"] = svc.geometry.x
    plain["latitude"] = svc.geometry.y
    res = service_access(plain, _lsoas(459000, 304000), catchment_km=1.2)
    t = res.lsoas.set_index("lsoa_code")
    assert_allclose(t["dist_km_adult_treatment"], [0.5, 0.5, 0.3, 1.0], atol=1e-6)
    with pytest.raises(WorkbenchError, match="longitude/latitude"):
        service_access(plain.assign(latitude=np.nan), _lsoas())
    with pytest.raises(WorkbenchError, match="service_types"):
        service_access(_services(), _lsoas(), service_types=["inpatient"])


def test_capacity_gap_by_area_and_catchment() -> None:
    # Two wards: W1 covers x < 1500 (L1, L2, services A), W2 the rest (L3, L4, services B, C).
    wards = gpd.GeoDataFrame(
        {"ward_code": ["W1", "W2"], "need": [60.0, 40.0], "population": [3000, 2000]},
        geometry=[box(-500, -500, 1500, 500), box(1500, -500, 8000, 500)],
        crs="EPSG:27700",
    )
    out = capacity_gap(_services(), wards).frame
    # W1: capacity 30, gap 60 - 30 = 30, capacity per 10,000 = 30/3000 x 1e4 = 100,
    #     need per 10,000 = 200, coverage 50%.  W2: capacity 30 (B 20 + C 10), gap 10,
    #     150 per 10,000, need 200 per 10,000, coverage 75%; B is over capacity (30 > 20).
    assert_allclose(out["capacity"], [30, 30])
    assert_allclose(out["gap"], [30, 10])
    assert_allclose(out["capacity_per"], [100, 150])
    assert_allclose(out["need_per"], [200, 200])
    assert_allclose(out["coverage_pct"], [50, 75])
    assert list(out["over_capacity"]) == [0, 1]
    # Catchments: LSOA-level need (share population): need 100 over 5000 people.
    lsoas = _lsoas()
    lsoas["need"] = distribute_estimate(100, lsoas)
    assert_allclose(lsoas["need"], [20, 40, 10, 30])
    by_svc = capacity_gap(_services(), lsoas, by="catchment", area_col="lsoa_code").frame
    # Nearest service: L1, L2 -> A; L3 -> B; L4 -> C.
    assert_allclose(by_svc.loc[["A", "B", "C"], "need"], [60, 10, 30])
    assert_allclose(by_svc.loc[["A", "B", "C"], "gap"], [30, -10, 20])
    assert_allclose(by_svc.loc["A", "capacity_per"], 30 / 3000 * 1e4)
    with pytest.raises(WorkbenchError, match="by must be"):
        capacity_gap(_services(), wards, by="ward")


def test_two_step_fca_matches_pysal_access() -> None:
    """Reference: PySAL ``access`` (``access.fca.two_stage_fca``, Luo and Wang's 2SFCA with a
    binary catchment) on the same points, distances computed here and handed to it."""
    fca = pytest.importorskip("access.fca", reason="pip install -e '.[dev]' (PySAL access)")
    rng = np.random.default_rng(20)
    dxy = rng.uniform(0, 10_000, size=(40, 2))
    pops = rng.integers(0, 3_000, size=40).astype(float)
    sxy = rng.uniform(0, 10_000, size=(6, 2))
    caps = rng.integers(5, 60, size=6).astype(float)
    d0 = 3_000.0
    got, _, _ = two_step_fca(dxy, pops, sxy, caps, d0)

    dist = np.hypot(dxy[:, None, 0] - sxy[None, :, 0], dxy[:, None, 1] - sxy[None, :, 1])
    cost = pd.DataFrame(
        {
            "origin": np.repeat(np.arange(40), 6),
            "dest": np.tile(np.arange(6), 40),
            "cost": dist.ravel(),
        }
    )
    demand = pd.DataFrame({"demand": pops}, index=pd.Index(np.arange(40), name="geoid"))
    supply = pd.DataFrame({"supply": caps}, index=pd.Index(np.arange(6), name="geoid"))
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = fca.two_stage_fca(demand, supply, cost, max_cost=d0)
    ref = ref.reindex(np.arange(40)).fillna(0.0).to_numpy(float)
    assert np.count_nonzero(got) > 10  # a real comparison: most points reach a service
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0)
