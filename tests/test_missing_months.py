"""Three months removed from the sample's police zip: every time-based output shows the gap.

The study is the sample (Leicester, Dec 2019 - Oct 2022, 35 months) with the files of
2021-05, 2021-06 and 2022-02 taken out of the police.uk zip. The expected values come from
the complete sample (the same months, loaded from the untouched zip) and from hand
calculations written here: held months keep their counts, removed months are NaN, never 0.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

from workbench import hotspots  # noqa: E402
from workbench import stats as ws  # noqa: E402
from workbench.study import Study  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
ZIP = "police/leicestershire-street-2019-12_2022-10.zip"
REMOVED = ["2021-05", "2021-06", "2022-02"]


def _study_without_months(tmp: Path) -> Path:
    """A copy of the sample's area.toml whose police zip lacks the REMOVED months."""
    (tmp / "police").mkdir()
    with (
        zipfile.ZipFile(SAMPLE / ZIP) as src,
        zipfile.ZipFile(tmp / ZIP, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            if info.filename.split("/")[0] not in REMOVED:
                dst.writestr(info, src.read(info))
        kept = len(dst.namelist())
    assert kept == 35 - 3
    text = (SAMPLE / "area.toml").read_text(encoding="utf-8")
    # every other file stays where it is: make its path absolute
    text = re.sub(
        r'"((?:boundaries|imd|population|lookups|synthetic|treatment|national)/[^"]+'
        r'|census2021_leicester_ethnicity\.csv|assessment_commentary\.md)"',
        lambda m: '"' + (SAMPLE / m.group(1)).as_posix() + '"',
        text,
    )
    # the commentary, published word for word, may only come from a named data folder
    text = text.replace("[study]\n", f'[study]\ndata_folders = ["{SAMPLE.as_posix()}"]\n', 1)
    toml = tmp / "area.toml"
    toml.write_text(text, encoding="utf-8")
    return toml


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Study, Path]:
    toml = _study_without_months(tmp_path_factory.mktemp("gap"))
    return Study.from_toml(toml), Study.from_toml(SAMPLE / "area.toml"), toml


@pytest.fixture(scope="module")
def drugs(studies) -> tuple[pd.Series, pd.Series, pd.PeriodIndex]:
    gap, full, _ = studies
    observed = gap.coverage.observed
    cfg = gap.config
    monthly = ws.monthly_counts(
        gap.crimes[gap.crimes["crime_type"] == "Drugs"],
        start=cfg.period_start,
        end=cfg.period_end,
        observed=observed,
    )["all"]
    complete = ws.monthly_counts(
        full.crimes[full.crimes["crime_type"] == "Drugs"],
        start=cfg.period_start,
        end=cfg.period_end,
        observed=full.coverage.observed,
    )["all"]
    return monthly, complete, observed


def test_coverage_and_validate_list_the_months(studies) -> None:
    gap, full, toml = studies
    assert [str(m) for m in gap.coverage.missing] == REMOVED
    assert len(gap.coverage.observed) == 32 and full.coverage.complete
    # the command line, as an analyst runs it
    proc = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "validate", str(toml)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(SAMPLE.parents[1])},
    )
    text = proc.stdout
    assert proc.returncode == 0, proc.stderr
    assert "3 of 35 months missing: 2021-05, 2021-06, 2022-02" in text


def test_monthly_series_carries_the_gap(drugs) -> None:
    monthly, complete, _ = drugs
    removed = monthly.index.astype(str).isin(REMOVED)
    assert len(monthly) == 35 and monthly[removed].isna().all()
    assert (complete[removed] > 0).all()  # the complete data had offences in those months
    # every held month keeps its count from the complete data
    assert_allclose(monthly[~removed], complete[~removed])


def test_spc_breaks_at_the_gap(drugs) -> None:
    monthly, _, _ = drugs
    chart = ws.spc(monthly)
    values = monthly.to_numpy()
    held = ~np.isnan(values)
    # mean of the 32 observed months only (with zeros the mean would be lower)
    assert_allclose(chart["mean"].dropna().iloc[-1], values[held].mean(), rtol=1e-12)
    assert chart["mean"].dropna().iloc[-1] > np.nan_to_num(values).mean()
    # no moving range into or out of a removed month: 2021-05, 2021-06, 2021-07, 2022-02,
    # 2022-03 have none
    pos = {str(m): i for i, m in enumerate(monthly.index)}
    for month in ["2021-05", "2021-06", "2021-07", "2022-02", "2022-03"]:
        assert np.isnan(chart["moving_range"].iloc[pos[month]]), month
    # limits by hand: moving ranges between consecutive held months (35 - 1 - 5 = 29),
    # screened at 3.267 x their mean, mean +/- 2.66 x the screened mean
    mr = [abs(values[i] - values[i - 1]) for i in range(1, len(values)) if held[i] and held[i - 1]]
    assert len(mr) == 29
    amr = sum(mr) / len(mr)
    mr_bar = np.mean([m for m in mr if m < 3.267 * amr])
    assert_allclose(chart["mr_bar"].dropna().iloc[-1], mr_bar, rtol=1e-12)
    assert_allclose(chart["upper_limit"].iloc[0], values[held].mean() + 2.66 * mr_bar)
    assert (chart["point_type"][~held] == "missing").all()
    assert not chart["special_cause"][~held].any()
    # the old failure: the missing months read as 0 were "below lower limit"
    zeros = ws.spc(monthly.fillna(0))
    assert zeros["beyond_limits"].iloc[pos["2021-05"]]
    table, figures = ws.spc_summary(monthly.to_frame("Drugs"))
    assert table["months_observed"].iloc[0] == 32
    assert table["missing_months"].iloc[0] == "2021-05, 2021-06, 2022-02"
    mk = ws.mann_kendall(values[held])
    assert_allclose(table["mann_kendall_tau"].iloc[0], round(mk.tau, 3))
    assert mk.n == 32
    matplotlib.pyplot.close("all")


def test_quarters_and_years_are_marked_incomplete(drugs) -> None:
    monthly, complete, observed = drugs
    q = ws.compare_periods(monthly, freq="quarter", quarters="financial", observed=observed).frame
    q = q.set_index("period")
    # 2021-22 Q1 (Apr-Jun 2021) holds only April
    row = q.loc["2021-22 Q1"]
    assert (row["months_observed"], row["months_expected"], row["complete"]) == (1, 3, False)
    assert row["count"] == complete[pd.Period("2021-04", "M")]
    # ... so 2022-23 Q1 (complete) is not compared with it: no "+251%"
    nxt = q.loc["2022-23 Q1"]
    assert nxt["complete"] and not nxt["previous_complete"]
    assert np.isnan(nxt["pct_change"]) and nxt["comparison"].startswith("not compared")
    # 2021-22 Q4 (Jan-Mar 2022) lacks February: 2 of 3
    assert q.loc["2021-22 Q4", "months_observed"] == 2
    # a complete pair is compared with the complete data's counts
    both = q.loc["2021-22 Q3"]
    oct_dec = complete[pd.period_range("2021-10", "2021-12", freq="M")].sum()
    assert both["complete"] and both["count"] == oct_dec
    # year on year: the last 12 months (Nov 2021 - Oct 2022) lack Feb 2022; the 12 before
    # lack May and June 2021
    y = ws.compare_periods(monthly, freq="year", observed=observed).frame.iloc[-1]
    assert (y["months_observed"], y["previous_months_observed"]) == (11, 10)
    assert np.isnan(y["change"])
    common = ws.compare_periods(monthly, freq="year", observed=observed, compare="common").frame
    c = common.iloc[-1]
    # on the 9 months both years hold (not Feb, May, Jun)
    both_months = [
        m
        for m in pd.period_range("2021-11", "2022-10", freq="M")
        if str(m) not in ("2022-02", "2022-05", "2022-06")
    ]
    now = complete[both_months].sum()
    before = complete[pd.PeriodIndex(both_months) - 12].sum()
    assert (c["months_compared"], c["compared_count"], c["compared_previous_count"]) == (
        9,
        now,
        before,
    )
    assert_allclose(c["pct_change"], (now - before) / before * 100)


def test_seasonal_indices_use_held_months(drugs) -> None:
    monthly, complete, observed = drugs
    prof = ws.seasonality(monthly, observed=observed).frame.set_index("month_name")
    # May: 2020, 2021, 2022 in the period; 2021 removed -> mean of 2020 and 2022
    may = complete[[pd.Period("2020-05", "M"), pd.Period("2022-05", "M")]]
    assert (prof.loc["May", "years"], prof.loc["May", "years_observed"]) == (3, 2)
    assert_allclose(prof.loc["May", "mean"], may.mean())
    means = prof["mean"]
    assert_allclose(prof.loc["May", "seasonal_index"], may.mean() / means.mean())
    assert prof["years_observed"].sum() == 32


def test_emerging_hot_spots_leave_out_missing_quarters(studies) -> None:
    gap, _, _ = studies
    pts = gap.crimes[gap.crimes["crime_type"] == "Drugs"]
    cells = hotspots.grid(gap.area)
    res, cube = hotspots.emerging(
        pts, period="quarter", zones=cells, observed=gap.coverage.observed, return_cube=True
    )
    # calendar quarters: 2021Q2 lacks May/June, 2022Q1 lacks February; 2019Q4 and 2022Q4
    # reach outside the study period (Oct-Nov 2019, Nov-Dec 2022)
    assert res.missing_periods == ["2019Q4", "2021Q2", "2022Q1", "2022Q4"]
    assert len(res.periods) == 13 - 4
    missing = cube[~cube["observed"]]
    assert set(missing["period"]) == set(res.missing_periods)
    assert missing[["count", "z"]].isna().all().all()
    assert not (missing["hot"] | missing["cold"]).any()
