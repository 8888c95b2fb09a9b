"""The README example (docs/statistics.md) on the sample study: right answers, under 2 s."""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

import workbench.stats as ws  # noqa: E402
from workbench.deprivation import decile_profile, most_deprived_share  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "area.toml"

# Skip only if the loaders engineer's module is absent; any other failure is a real failure.
study_module = pytest.importorskip("workbench.study")


@pytest.fixture(scope="module")
def study():
    st = study_module.Study.from_toml(SAMPLE)
    _ = st.crimes, st.lsoas  # loading is excluded from the timing
    return st


def test_readme_example(study) -> None:
    start = time.perf_counter()
    # --- the example, as in docs/statistics.md (imports above: loading is not timed) ----
    crimes, lsoas, cfg = study.crimes, study.lsoas, study.config
    drugs = crimes[crimes["crime_type"] == "Drugs"]
    held = study.coverage.observed

    counts = drugs["lsoa_code"].value_counts().reindex(lsoas["lsoa_code"], fill_value=0)
    rates = ws.rate(counts, lsoas.set_index("lsoa_code")["population"], per=cfg.per)
    yoy = ws.compare_periods(
        drugs, freq="year", start=cfg.period_start, end=cfg.period_end, observed=held
    ).frame
    quarters = ws.compare_periods(
        drugs, freq="quarter", quarters=cfg.quarters, start=cfg.period_start,
        end=cfg.period_end, observed=held,
    ).frame  # fmt: skip
    monthly = ws.monthly_counts(drugs, start=cfg.period_start, end=cfg.period_end, observed=held)[
        "all"
    ]
    chart = ws.spc(monthly, improvement=None)
    fig = ws.spc_chart(chart, title="Drug offences per month (XmR)")
    trend = ws.mann_kendall(monthly.dropna())
    deciles = decile_profile(counts, lsoas, per=cfg.per)
    shares = most_deprived_share(counts, lsoas)
    export = ws.suppress(
        rates,
        cfg.suppression_threshold,
        count_columns=["count"],
        derived={"rate": "count", "lower": "count", "upper": "count"},
    )
    # ------------------------------------------------------------------------------------
    elapsed = time.perf_counter() - start
    plt.close(fig)
    print(f"README example: {elapsed:.3f} s")
    assert elapsed < 2.0, f"README example took {elapsed:.2f}s"

    n_drugs = len(drugs)
    in_study = drugs["lsoa_code"].isin(lsoas["lsoa_code"])
    # rates: one row per study LSOA, count / population * 10,000
    assert len(rates) == len(lsoas)
    assert rates["count"].sum() == in_study.sum()
    pop = lsoas.set_index("lsoa_code")["population"]
    assert_allclose(rates["rate"], counts / pop * 10_000, rtol=1e-12)
    assert ((rates["lower"] <= rates["rate"]) & (rates["rate"] <= rates["upper"])).all()
    # year on year: the last 12 months against the 12 before, summed directly
    last = cfg.period_end
    in_last = (drugs["month"] > last - 12) & (drugs["month"] <= last)
    in_prev = (drugs["month"] > last - 24) & (drugs["month"] <= last - 12)
    assert yoy["count"].iloc[-1] == in_last.sum()
    assert yoy["previous_count"].iloc[-1] == in_prev.sum()
    assert yoy["complete"].iloc[-1] and yoy["previous_complete"].iloc[-1]  # all 35 months held
    assert yoy["change"].iloc[-1] == in_last.sum() - in_prev.sum()
    assert quarters["period"].str.match(r"^\d{4}-\d{2} Q[1-4]$").all()
    # SPC and trend on the 35 monthly counts
    assert len(chart) == 35 and chart["value"].sum() == n_drugs
    assert_allclose(chart["mean"].dropna().iloc[-1], n_drugs / 35, rtol=1e-12)
    mk = pytest.importorskip("pymannkendall").original_test(monthly.to_numpy())
    assert trend.trend == mk.trend
    assert_allclose([trend.s, trend.var_s, trend.p], [mk.s, mk.var_s, mk.p], rtol=1e-9)
    # deciles: shares add up; 20% most deprived = deciles 1-2
    assert deciles["count"].sum() == in_study.sum()
    assert_allclose(deciles["share_of_population"].sum(), 1.0)
    d12 = deciles.loc[deciles["imd_decile"] <= 2, "count"].sum()
    assert shares.set_index("deciles").loc["1-2", "count"] == d12
    # the exported table shows no small counts
    assert ws.check_suppressed(export, cfg.suppression_threshold, count_columns=["count"]).empty
    assert np.isfinite(deciles["rate"].dropna()).all()
