"""Hotspot results carry their settings (issue 20, item 1): no ``DataFrame.attrs``.

The defect reproduced: a KDE grid that had been through ``merge`` lost its settings (pandas
drops ``attrs`` there) and ``kde`` silently re-gridded it with the default cell size, about
10,000 cells of 20 m instead of the analyst's 100 m cells.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from workbench.errors import WorkbenchError
from workbench.hotspots import change, count, emerging, gistar, grid, kde, lisa

BNG = "EPSG:27700"
ROOT = Path(__file__).resolve().parents[2]


def _area():
    return gpd.GeoDataFrame(geometry=[box(0, 0, 2000, 2000)], crs=BNG)


def _points(n=300, seed=3):
    rng = np.random.default_rng(seed)
    x = np.r_[rng.normal(700, 150, n // 2), rng.uniform(0, 2000, n - n // 2)]
    y = np.r_[rng.normal(1300, 150, n // 2), rng.uniform(0, 2000, n - n // 2)]
    months = pd.period_range("2021-01", periods=6, freq="M")
    return gpd.GeoDataFrame(
        {"month": months[rng.integers(0, 6, n)]},
        geometry=gpd.points_from_xy(np.clip(x, 1, 1999), np.clip(y, 1, 1999)),
        crs=BNG,
    )


def test_merged_grid_is_not_silently_regridded():
    """A grid after ``merge`` is a plain frame: kde refuses it (it used to re-grid it into
    20 m cells); the settings come back with ``Grid.with_frame``."""
    g = grid(_area(), cell_size=100)
    assert len(g) == 400  # 2,000 m / 100 m = 20 cells a side
    labels = pd.DataFrame({"cell_id": g["cell_id"], "ward": "A"})
    merged = g.merge(labels, on="cell_id")
    pts = _points()
    with pytest.raises(WorkbenchError, match="grid settings"):
        kde(pts, bandwidth=300, zones=merged)
    surface = kde(pts, bandwidth=300, zones=g.with_frame(merged))
    assert type(surface).__name__ == "Surface"
    assert len(surface) == 400 and surface.cell_size == 100.0
    assert "ward" in surface.frame.columns
    np.testing.assert_allclose(
        surface["density"].to_numpy(), kde(pts, bandwidth=300, zones=g)["density"].to_numpy()
    )


def test_settings_live_on_the_result_not_in_attrs():
    """Each function returns its dataclass; the frames carry no attrs at all."""
    from workbench.hotspots.results import Emerging, GiStar, Grid, Lisa

    pts = _points()
    g = grid(_area(), cell_size=200)
    assert isinstance(g, Grid) and g.cells.origin == (0.0, 0.0)
    assert g.cells.cell_area_m2 == 200.0**2
    counted = count(pts, g)
    gi = gistar(counted, "count", fdr=False)
    assert isinstance(gi, GiStar) and gi.cell_size == 200.0 and gi.fdr is None
    # n_hot counted by hand from the frame: significant cells with a positive bin
    hand = int(((gi.frame["bin"] > 0) & gi.frame["significant"]).sum())
    assert gi.n_hot == hand
    lm = lisa(counted, "count", permutations=99, seed=1)
    assert isinstance(lm, Lisa) and sum(lm.clusters.values()) == len(g)
    ch = change(pts, "2021-04", g)
    assert ch.total_before + ch.total_after + ch.outside == len(pts)
    em = emerging(pts, "month", g)
    assert isinstance(em, Emerging) and em.periods[0] == "2021-01" and len(em.periods) == 6
    h = 300.0
    s = kde(pts, bandwidth=h, zones=g)
    assert s.bandwidth == h and s.bandwidth_rule == "given" and s.n_points == len(pts)
    # the density integrates to the count: sum(density per km2 x cell km2) ~ points within
    inner = s.frame["density"].to_numpy() * (200.0**2 / 1e6)
    assert math.isclose(inner.sum(), len(pts), rel_tol=0.15)
    for r in (g, counted, gi, lm, ch, em, s):
        assert r.frame.attrs == {}, type(r).__name__
        assert r.to_frame() is not r.frame
        assert "frame" not in r.settings()


def test_no_attrs_in_the_package():
    """No module or notebook of the package reads or writes ``DataFrame.attrs`` (issue 20:
    the need results and the suppression summary are objects now)."""
    hits = []
    for path in sorted((ROOT / "workbench").rglob("*")):
        if path.suffix not in (".py", ".ipynb") or "resources" in path.parts:
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # BeautifulSoup's Tag.attrs (HTML attributes) is not DataFrame.attrs
            if ".attrs" in line and "DataFrame.attrs" not in line and "tag.attrs" not in line:
                hits.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert hits == [], "\n".join(hits)


def test_change_by_stored_code_and_its_summary():
    """``by=``: points count in the zone of their stored code, not by geometry. Hand counts:
    A 2 before / 10 after, B 10 / 10, C 10 / 2; "Z" has no zone (outside)."""
    from workbench.hotspots import change_summary

    zones = gpd.GeoDataFrame(
        {"lsoa_code": ["A", "B", "C"], "lsoa_name": ["a", "b", "c"], "imd_decile": [1, 5, 9]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
        crs=BNG,
    )
    codes = ["A"] * 12 + ["B"] * 20 + ["C"] * 12 + ["Z"]
    months = ["2021-01"] * 2 + ["2021-07"] * 10 + ["2021-01"] * 10 + ["2021-07"] * 10
    months += ["2021-01"] * 10 + ["2021-07"] * 2 + ["2021-01"]
    # every point lies in zone B's square: geometry would put them all in B
    pts = gpd.GeoDataFrame(
        {"lsoa_code": codes, "month": pd.PeriodIndex(months, freq="M")},
        geometry=gpd.points_from_xy([1.5] * len(codes), [0.5] * len(codes)),
        crs=BNG,
    )
    r = change(pts, "2021-04", zones, by="lsoa_code", fdr=False)
    assert r["count_before"].tolist() == [2, 10, 10] and r["count_after"].tolist() == [10, 10, 2]
    assert r.outside == 1 and math.isclose(r.p0, 22 / 44)
    table = change_summary(r).frame
    assert set(table["lsoa_code"]) <= {"A", "C"}
    assert "A" in set(table["lsoa_code"])  # 10 of 12 after when half were expected: p < 0.05
    assert table.loc[table["lsoa_code"] == "A", "direction"].item() == "increase"


def test_lisa_summary_lists_the_significant_zones_of_the_result():
    """The table holds exactly the zones the LISA result labels significant, High-High
    first, with the p it tested against (p_fdr with FDR) and the method in describe()."""
    from workbench.hotspots import lisa_summary, rate_zones

    n = 10
    zones = gpd.GeoDataFrame(
        {
            "lsoa_code": [f"Z{i:03d}" for i in range(n * n)],
            "lsoa_name": [f"zone {i}" for i in range(n * n)],
            "imd_decile": [1 + i % 10 for i in range(n * n)],
            "population": 1000,
            "count": [40 if (i // n < 3 and i % n < 3) else 2 + i % 3 for i in range(n * n)],
        },
        geometry=[box(i % n, i // n, i % n + 1, i // n + 1) for i in range(n * n)],
        crs=BNG,
    )
    r = lisa(rate_zones(zones, per=10_000), "rate", weights="queen", fdr=True, seed=7)
    table = lisa_summary(r).frame
    significant = r.frame[r.frame["cluster"] != "Not significant"]
    assert sorted(table["lsoa_code"]) == sorted(significant["lsoa_code"])
    assert table["cluster"].iloc[0] == "High-High"
    assert set(table["lsoa_code"][table["cluster"] == "High-High"]) <= {
        f"Z{r_ * n + c:03d}" for r_ in range(3) for c in range(3)
    }
    # rate = count / population x 10,000: 40 / 1000 x 10,000 = 400
    assert (table.loc[table["cluster"] == "High-High", "rate"] == 400.0).all()
    assert "999 permutations (seed 7)" in r.describe()
