"""National analysis from aggregates equals the point-based analysis on the same records."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from workbench.deprivation import decile_profile
from workbench.engines.synthetic import national_lsoas
from workbench.errors import WorkbenchError
from workbench.hotspots import emerging, gistar
from workbench.hotspots.national import (
    lsoa_month_array,
    lsoa_totals,
    national_emerging,
    national_gistar,
)


@pytest.fixture(scope="module")
def records():
    """SYNTHETIC records: 400 square LSOAs, 12 months, a hot corner growing over time."""
    lsoas = national_lsoas(400, cell=1000.0, origin=(400_000, 300_000), forces=2)
    rng = np.random.default_rng(8)
    rows = []
    for t, month in enumerate(pd.period_range("2022-01", periods=12, freq="M")):
        lam = 2 + 6 * (np.arange(400) < 40) * (1 + t / 6)
        n = rng.poisson(lam)
        idx = np.repeat(np.arange(400), n)
        b = lsoas.geometry.bounds.iloc[idx]
        x = b["minx"].to_numpy() + rng.uniform(0.05, 0.95, len(idx)) * 1000
        y = b["miny"].to_numpy() + rng.uniform(0.05, 0.95, len(idx)) * 1000
        rows.append(
            pd.DataFrame(
                {"lsoa_code": lsoas["lsoa_code"].to_numpy()[idx], "month": month, "x": x, "y": y}
            )
        )
    df = pd.concat(rows, ignore_index=True)
    pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["x"], df["y"]), crs=27700)
    counts = (
        df.assign(crime_type="Drugs")
        .groupby(["lsoa_code", "month", "crime_type"])
        .size()
        .rename("count")
        .reset_index()
    )
    return lsoas, pts, counts


def test_national_gistar_equals_gistar_on_counted_points(records):
    lsoas, pts, counts = records
    got = national_gistar(counts, lsoas)
    zones = lsoas.copy()
    zones["count"] = [int(v) for v in pts.groupby("lsoa_code").size().reindex(zones["lsoa_code"])]
    ref = gistar(zones, "count")
    assert_allclose(got["z"].to_numpy(), ref["z"].to_numpy())
    assert (got["bin"].to_numpy() == ref["bin"].to_numpy()).all()
    assert got.fdr == "Benjamini-Hochberg"
    # the hot corner (first 40 squares) is where the significant hot spots are
    hot = got.index[(got["bin"] > 0) & got["significant"]]
    assert len(hot) and set(hot) <= set(range(60))


def test_national_emerging_equals_emerging_on_points(records):
    lsoas, pts, counts = records
    got = national_emerging(counts, lsoas)
    ref = emerging(pts, "month", zones=lsoas[["lsoa_code", "geometry"]])
    assert (got["category"].to_numpy() == ref["category"].to_numpy()).all()
    assert_allclose(got["trend_z"].to_numpy(), ref["trend_z"].to_numpy())
    assert got.category_counts == ref.category_counts


def test_missing_months_are_not_zero(records):
    lsoas, _, counts = records
    cov = pd.DataFrame(
        {
            "force": ["a"] * 12 + ["b"] * 11,
            "month": list(pd.period_range("2022-01", periods=12, freq="M"))
            + list(pd.period_range("2022-01", periods=11, freq="M")),
        }
    )
    got = national_emerging(counts, lsoas, coverage=cov)
    # 2022-12 is held by force "a" only: missing for the whole analysis, not a zero
    assert got.missing_periods == ["2022-12"]
    assert len(got.periods) == 11
    short = cov[cov["month"] < pd.Period("2022-03", "M")]
    with pytest.raises(WorkbenchError, match="at least 3 observed periods"):
        national_emerging(counts[counts["month"] < pd.Period("2022-03", "M")], lsoas,
                          coverage=short)  # fmt: skip


def test_lsoa_month_array_and_totals(records):
    lsoas, pts, counts = records
    arr, months = lsoa_month_array(counts, lsoas)
    assert arr.shape == (400, 12) and arr.sum() == len(pts)
    assert str(months[0]) == "2022-01" and str(months[-1]) == "2022-12"
    first = pts[pts["lsoa_code"] == "E01000001"].groupby("month").size()
    assert list(arr[0]) == list(first.reindex(months, fill_value=0))
    tot = lsoa_totals(counts, lsoas)
    assert tot["count"].sum() == len(pts)
    # decile profile from the aggregates: every record lands in one decile
    imd = pd.DataFrame(
        {
            "lsoa_code": lsoas["lsoa_code"],
            "imd_decile": np.arange(400) % 10 + 1,
            "population": 1500,
        }
    )
    prof = decile_profile(tot.set_index("lsoa_code")["count"], imd)
    assert int(prof["count"].sum()) == len(pts)
