"""Year-on-year, quarterly and monthly comparisons and seasonality, against hand sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from workbench.errors import WorkbenchError
from workbench.stats import compare_periods, monthly_counts, seasonality


@pytest.fixture()
def monthly() -> pd.Series:
    # 2021-01 .. 2022-12 with count = month number 0..23
    return pd.Series(np.arange(24), index=pd.period_range("2021-01", periods=24, freq="M"))


def test_year_on_year_windows(monthly: pd.Series) -> None:
    out = compare_periods(monthly, freq="year")
    # 2022: 12 + ... + 23 = 210; 2021: 0 + ... + 11 = 66
    assert out["period"].tolist() == ["2021-01 to 2021-12", "2022-01 to 2022-12"]
    row = out.iloc[1]
    assert (row["count"], row["previous_count"], row["change"]) == (210, 66, 144)
    assert_allclose(row["pct_change"], 144 / 66 * 100, rtol=1e-12)
    assert row["previous_period"] == "2021-01 to 2021-12"
    assert np.isnan(out.iloc[0]["previous_count"])


def test_year_windows_end_where_asked(monthly: pd.Series) -> None:
    # financial year 2021-22 (Apr 2021 - Mar 2022) against 2020-21 (not covered)
    out = compare_periods(monthly, freq="year", end="2022-03")
    assert out["period"].tolist() == ["2021-04 to 2022-03"]
    assert out["count"].iloc[0] == sum(range(3, 15))
    assert np.isnan(out["previous_count"].iloc[0])


def test_financial_quarters(monthly: pd.Series) -> None:
    out = compare_periods(monthly, freq="quarter", quarters="financial").set_index("period")
    # Jan-Mar 2021 is 2020-21 Q4; Apr-Jun 2022 is 2022-23 Q1 = 15 + 16 + 17 = 48,
    # the same quarter a year earlier (2021-22 Q1) = 3 + 4 + 5 = 12
    assert out.index[0] == "2020-21 Q4" and out.index[-1] == "2022-23 Q3"
    assert out.loc["2022-23 Q1", "count"] == 48
    assert out.loc["2022-23 Q1", "previous_count"] == 12
    assert out.loc["2022-23 Q1", "previous_period"] == "2021-22 Q1"
    assert_allclose(out.loc["2022-23 Q1", "pct_change"], 300.0)


def test_calendar_quarters_with_rates(monthly: pd.Series) -> None:
    out = compare_periods(monthly, freq="quarter", quarters="calendar", population=5000)
    out = out.set_index("period")
    assert out.index.tolist()[:2] == ["2021 Q1", "2021 Q2"]
    # 2022 Q1: 12 + 13 + 14 = 39; 2021 Q1: 0 + 1 + 2 = 3
    assert (out.loc["2022 Q1", "count"], out.loc["2022 Q1", "previous_count"]) == (39, 3)
    assert_allclose(out.loc["2022 Q1", "rate"], 39 / 5000 * 1e4, rtol=1e-12)
    assert_allclose(out.loc["2022 Q1", "previous_rate"], 3 / 5000 * 1e4, rtol=1e-12)
    assert out.loc["2022 Q1", "lower"] < out.loc["2022 Q1", "rate"] < out.loc["2022 Q1", "upper"]


def test_partial_quarters_left_out() -> None:
    s = pd.Series(1, index=pd.period_range("2021-02", "2021-11", freq="M"))
    out = compare_periods(s, freq="quarter", quarters="calendar")
    assert out["period"].tolist() == ["2021 Q2", "2021 Q3"]


def test_events_by_group_months_and_zero_previous() -> None:
    ev = pd.DataFrame(
        {
            "month": pd.PeriodIndex(["2021-01", "2021-01", "2022-01", "2022-02"], freq="M"),
            "crime_type": ["Drugs", "Burglary", "Drugs", "Drugs"],
        }
    )
    out = compare_periods(ev, freq="month", by="crime_type", end="2022-02")
    drugs = out[out["crime_type"] == "Drugs"].set_index("period")
    assert drugs.loc["2022-01", ["count", "previous_count", "change"]].tolist() == [1, 1, 0]
    # previous count 0: percent change is left empty, both counts shown
    assert drugs.loc["2022-02", ["count", "previous_count"]].tolist() == [1, 0]
    assert np.isnan(drugs.loc["2022-02", "pct_change"])
    burg = out[out["crime_type"] == "Burglary"].set_index("period")
    assert_allclose(burg.loc["2022-01", "pct_change"], -100.0)
    assert len(out) == 2 * 14


def test_monthly_counts_fills_gaps() -> None:
    ev = pd.DataFrame({"month": pd.PeriodIndex(["2021-01", "2021-03"], freq="M"), "n": [2, 5]})
    wide = monthly_counts(ev, count="n", start="2020-12")
    assert wide["all"].tolist() == [0, 2, 0, 5]
    assert str(wide.index[0]) == "2020-12"


def test_seasonality_profile(monthly: pd.Series) -> None:
    prof = seasonality(monthly).set_index("month_name")
    # January: 0 and 12 -> mean 6; the twelve monthly means average 11.5
    assert prof.loc["Jan", "years"] == 2
    assert_allclose(prof.loc["Jan", "mean"], 6.0)
    assert_allclose(prof.loc["Jan", "seasonal_index"], 6 / 11.5, rtol=1e-12)
    assert (prof.loc["Dec", "min"], prof.loc["Dec", "max"]) == (11, 23)


def test_errors(monthly: pd.Series) -> None:
    with pytest.raises(WorkbenchError, match="freq"):
        compare_periods(monthly, freq="week")
    with pytest.raises(WorkbenchError, match="quarters"):
        compare_periods(monthly, quarters="fiscal")
    with pytest.raises(WorkbenchError, match="too short"):
        compare_periods(monthly.iloc[:5], freq="year")
    with pytest.raises(WorkbenchError, match="months"):
        compare_periods(pd.Series([1, 2], index=["x", "y"]))
    with pytest.raises(WorkbenchError, match="by='ward'"):
        compare_periods(pd.DataFrame({"month": monthly.index}), by="ward")
    rows = pd.DataFrame({"month": ["2021-01", "2021-02"], "n": [3, "lots"]})
    with pytest.raises(WorkbenchError, match=r"column 'n' must hold counts >= 0, found 'lots'"):
        monthly_counts(rows, count="n")
