"""Year-on-year, quarterly and monthly comparisons and seasonality, against hand sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from workbench.errors import WorkbenchError
from workbench.stats import compare_periods, monthly_counts, observed_months, seasonality


@pytest.fixture()
def monthly() -> pd.Series:
    # 2021-01 .. 2022-12 with count = month number 0..23
    return pd.Series(np.arange(24), index=pd.period_range("2021-01", periods=24, freq="M"))


def test_year_on_year_windows(monthly: pd.Series) -> None:
    out = compare_periods(monthly, freq="year").frame
    # 2022: 12 + ... + 23 = 210; 2021: 0 + ... + 11 = 66
    assert out["period"].tolist() == ["2021-01 to 2021-12", "2022-01 to 2022-12"]
    row = out.iloc[1]
    assert (row["count"], row["previous_count"], row["change"]) == (210, 66, 144)
    assert_allclose(row["pct_change"], 144 / 66 * 100, rtol=1e-12)
    assert row["previous_period"] == "2021-01 to 2021-12"
    assert np.isnan(out.iloc[0]["previous_count"])


def test_year_windows_end_where_asked(monthly: pd.Series) -> None:
    # financial year 2021-22 (Apr 2021 - Mar 2022) against 2020-21, of which the data hold
    # only Jan-Mar 2021 (0 + 1 + 2 = 3): shown with its months, not compared
    out = compare_periods(monthly, freq="year", end="2022-03").frame
    assert out["period"].tolist() == ["2021-04 to 2022-03"]
    row = out.iloc[0]
    assert row["count"] == sum(range(3, 15))
    assert (row["months_observed"], row["months_expected"], row["complete"]) == (12, 12, True)
    assert row["previous_count"] == 3 and row["previous_months_observed"] == 3
    assert not row["previous_complete"]
    assert np.isnan(row["change"]) and np.isnan(row["pct_change"])
    assert row["comparison"].startswith("not compared: 2020-04 to 2021-03 has 3 of 12 months")


def test_financial_quarters(monthly: pd.Series) -> None:
    out = compare_periods(monthly, freq="quarter", quarters="financial").frame.set_index("period")
    # Jan-Mar 2021 is 2020-21 Q4; Apr-Jun 2022 is 2022-23 Q1 = 15 + 16 + 17 = 48,
    # the same quarter a year earlier (2021-22 Q1) = 3 + 4 + 5 = 12
    assert out.index[0] == "2020-21 Q4" and out.index[-1] == "2022-23 Q3"
    assert out.loc["2022-23 Q1", "count"] == 48
    assert out.loc["2022-23 Q1", "previous_count"] == 12
    assert out.loc["2022-23 Q1", "previous_period"] == "2021-22 Q1"
    assert_allclose(out.loc["2022-23 Q1", "pct_change"], 300.0)


def test_calendar_quarters_with_rates(monthly: pd.Series) -> None:
    out = compare_periods(monthly, freq="quarter", quarters="calendar", population=5000).frame
    out = out.set_index("period")
    assert out.index.tolist()[:2] == ["2021 Q1", "2021 Q2"]
    # 2022 Q1: 12 + 13 + 14 = 39; 2021 Q1: 0 + 1 + 2 = 3
    assert (out.loc["2022 Q1", "count"], out.loc["2022 Q1", "previous_count"]) == (39, 3)
    assert_allclose(out.loc["2022 Q1", "rate"], 39 / 5000 * 1e4, rtol=1e-12)
    assert_allclose(out.loc["2022 Q1", "previous_rate"], 3 / 5000 * 1e4, rtol=1e-12)
    assert out.loc["2022 Q1", "lower"] < out.loc["2022 Q1", "rate"] < out.loc["2022 Q1", "upper"]


def test_partial_quarters_left_out() -> None:
    s = pd.Series(1, index=pd.period_range("2021-02", "2021-11", freq="M"))
    out = compare_periods(s, freq="quarter", quarters="calendar").frame
    assert out["period"].tolist() == ["2021 Q2", "2021 Q3"]


def test_events_by_group_months_and_zero_previous() -> None:
    ev = pd.DataFrame(
        {
            "month": pd.PeriodIndex(["2021-01", "2021-01", "2022-01", "2022-02"], freq="M"),
            "crime_type": ["Drugs", "Burglary", "Drugs", "Drugs"],
        }
    )
    out = compare_periods(ev, freq="month", by="crime_type", end="2022-02").frame
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
    prof = seasonality(monthly).frame.set_index("month_name")
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


# -- missing months are not zero ------------------------------------------------------------
GAPS = ["2021-05", "2022-05", "2022-06"]


@pytest.fixture()
def with_gaps(monthly: pd.Series) -> tuple[pd.Series, pd.PeriodIndex]:
    held = monthly.index[~monthly.index.astype(str).isin(GAPS)]
    return monthly, held


def test_monthly_counts_missing_months_are_nan() -> None:
    ev = pd.DataFrame({"month": pd.PeriodIndex(["2021-01", "2021-03", "2021-03"], freq="M")})
    wide = monthly_counts(ev, start="2021-01", end="2021-04", observed=["2021-01", "2021-03"])
    # 2021-02 and 2021-04 are not held: NaN, never 0; 2021-01 1 event, 2021-03 2 events
    assert wide["all"].tolist()[::2] == [1.0, 2.0]
    assert np.isnan(wide["all"].to_numpy()[[1, 3]]).all()
    # an observed month without events is a real zero
    held = monthly_counts(ev, start="2021-01", end="2021-04", observed=ev["month"].tolist()
                          + [pd.Period("2021-02", "M")])  # fmt: skip
    assert held["all"].iloc[1] == 0 and np.isnan(held["all"].iloc[3])
    # NaN in a monthly Series is missing too (not summed to 0)
    s = pd.Series([3.0, np.nan, 4.0], index=pd.period_range("2021-01", periods=3, freq="M"))
    assert np.isnan(monthly_counts(s)["all"].iloc[1])


def test_quarters_with_missing_months_are_marked_and_not_compared(with_gaps) -> None:
    monthly, held = with_gaps
    s = monthly.copy().astype(float)
    out = compare_periods(s, freq="quarter", quarters="calendar", observed=held).frame
    out = out.set_index("period")
    # 2022 Q2 (Apr-Jun 2022) holds only April (15): count 15 over 1 of 3 months; 2021 Q2 holds
    # Apr and Jun 2021 (3 + 5 = 8) over 2 of 3 months. Neither is complete: no change.
    q = out.loc["2022 Q2"]
    assert (q["count"], q["months_observed"], q["months_expected"]) == (15, 1, 3)
    assert (q["previous_count"], q["previous_months_observed"]) == (8, 2)
    assert not q["complete"] and not q["previous_complete"]
    assert np.isnan(q["change"]) and np.isnan(q["pct_change"])
    assert q["comparison"] == (
        "not compared: 2022 Q2 has 1 of 3 months (missing 2022-05, 2022-06); "
        "2021 Q2 has 2 of 3 months (missing 2021-05)"
    )
    # a complete pair is compared as before: 2022 Q1 = 12+13+14 = 39 against 0+1+2 = 3
    full = out.loc["2022 Q1"]
    assert (full["count"], full["previous_count"], full["change"]) == (39, 3, 36)
    assert full["comparison"] == "complete: all 3 months of both periods"
    # "common": compare on the months both hold. 2022 Q2 vs 2021 Q2 share only April:
    # 15 against 3 -> +12 (+400%)
    common = compare_periods(
        s, freq="quarter", quarters="calendar", observed=held, compare="common"
    ).frame.set_index("period")
    c = common.loc["2022 Q2"]
    assert (c["months_compared"], c["compared_count"], c["compared_previous_count"]) == (1, 15, 3)
    assert (c["change"], c["pct_change"]) == (12, 400)
    assert c["comparison"].startswith("compared on the 1 of 3 months both periods hold")


def test_year_on_year_with_missing_months(with_gaps) -> None:
    monthly, held = with_gaps
    out = compare_periods(monthly, freq="year", observed=held, population=1000).frame.iloc[1]
    # 2022 without May (16) and June (17): 210 - 33 = 177 over 10 of 12 months; 2021 without
    # May (4): 66 - 4 = 62 over 11 of 12
    assert (out["count"], out["months_observed"], out["months_expected"]) == (177, 10, 12)
    assert (out["previous_count"], out["previous_months_observed"]) == (62, 11)
    assert np.isnan(out["change"])
    # no rate for a year holding 10 of 12 months (177 per 1,000 would read as a yearly rate;
    # the rule of workbench.coverage.Window): the count and months_observed say what is held
    assert np.isnan(out["rate"]) and np.isnan(out["previous_rate"])
    common = compare_periods(monthly, freq="year", observed=held, compare="common").frame.iloc[1]
    # months both years hold: all but May and June -> 2022: 210 - 33 = 177; 2021: 66 - 4 - 5
    assert (common["months_compared"], common["compared_previous_count"]) == (10, 57)
    assert_allclose(common["pct_change"], (177 - 57) / 57 * 100)


def test_seasonality_uses_observed_months(with_gaps) -> None:
    monthly, held = with_gaps
    prof = seasonality(monthly, observed=held).frame.set_index("month_name")
    # May: 2021 (4) and 2022 (16) both missing -> no mean, no index; June: only 2021 (5)
    assert (prof.loc["May", "years"], prof.loc["May", "years_observed"]) == (2, 0)
    assert np.isnan(prof.loc["May", "mean"]) and np.isnan(prof.loc["May", "seasonal_index"])
    assert (prof.loc["Jun", "years_observed"], prof.loc["Jun", "mean"]) == (1, 5)
    # the other 11 months average (6 + 7 + 8 + 9 + 5 + 12 + ... ) / 11; January mean 6
    means = {m: (m - 1 + m + 11) / 2 for m in range(1, 13)}
    means[5] = np.nan
    means[6] = 5.0
    base = np.nanmean(list(means.values()))
    assert_allclose(prof.loc["Jan", "seasonal_index"], 6 / base, rtol=1e-12)


def test_events_in_a_month_not_wholly_held_are_missing_and_logged(caplog) -> None:
    # one force's files hold 2021-02, another's do not: the month is missing, its 2 events
    # are not counted as a (too low) month, and the log says so
    ev = pd.DataFrame({"month": ["2021-01", "2021-02", "2021-02", "2021-03"]})
    with caplog.at_level("WARNING", logger="workbench.stats.periods"):
        wide = monthly_counts(ev, observed=pd.PeriodIndex(["2021-01", "2021-03"], freq="M"))
    assert wide["all"].iloc[0] == 1 and np.isnan(wide["all"].iloc[1])
    assert "2 event(s) in 1 month(s)" in caplog.text and "2021-02" in caplog.text
    assert observed_months(["2021-03", "2021-01", "2021-03"]).astype(str).tolist() == [
        "2021-01",
        "2021-03",
    ]
    assert observed_months(None) is None
