"""Every table over a window states its own months and completeness (issue 25, item 4).

Expected values are hand counts of hand-made monthly series, not the code's own output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.coverage import Coverage, Window
from workbench.stats import compare_periods, key_figures, monthly_counts, monthly_long, table_window

P = pd.Period


@pytest.fixture
def gaps() -> tuple[pd.Series, list[pd.Period]]:
    """24 months 2020-04 .. 2022-03 of 10 a month; 2021-01, 2021-02 and 2021-03 missing."""
    months = pd.period_range("2020-04", "2022-03", freq="M")
    held = [m for m in months if m not in {P("2021-01", "M"), P("2021-02", "M"), P("2021-03", "M")}]
    return pd.Series(10.0, index=months), held


def test_window_label_and_completeness():
    w = Window.of(["2020-04", "2020-05", "2020-07"], "2020-04", "2020-09")
    assert (w.months, w.held, w.complete) == (6, 3, False)
    assert w.label() == "2020-04 to 2020-09 (3 of 6 months with data)"
    assert Window.of(None, "2021-04", "2022-03").label() == "2021-04 to 2022-03"


def test_latest_window_ends_at_the_last_month_held():
    # held: 2020-01 .. 2020-09 and 2020-11; the study runs to 2021-01 (two months unheld)
    held = [*pd.period_range("2020-01", "2020-09", freq="M"), P("2020-11", "M")]
    cov = Coverage.from_months({"force": held}, ("2020-01", "2021-01"))
    w = cov.latest(12)
    # 2019-12 .. 2020-11: 2019-12 is before the data, 2020-10 is missing: 10 of 12
    assert (str(w.first), str(w.last), w.held) == ("2019-12", "2020-11", 10)
    assert w.label() == "2019-12 to 2020-11 (10 of 12 months with data)"


def test_a_window_with_three_missing_months_says_so_and_shows_no_rate(gaps):
    monthly, held = gaps
    out = compare_periods(monthly, freq="year", observed=held, population=1000).frame
    latest, first = out.iloc[1], out.iloc[0]
    # FY 2020-21 holds 9 of 12 months (90 offences), FY 2021-22 all 12 (120)
    assert (first["count"], first["months_observed"], first["complete"]) == (90, 9, False)
    assert (latest["count"], latest["months_observed"], latest["complete"]) == (120, 12, True)
    # the complete year has its rate; the 9-month year's is not shown (not 90/1000*1e4 = 900
    # beside 1,200 as if it were a year)
    assert latest["rate"] == pytest.approx(120 / 1000 * 1e4)
    assert np.isnan(first["rate"]) and np.isnan(first["lower"]) and np.isnan(first["upper"])
    # the previous year of the latest row is the 9-month year: no previous rate either, and
    # no change
    assert latest["previous_count"] == 90 and np.isnan(latest["previous_rate"])
    assert np.isnan(latest["change"])
    assert latest["comparison"].startswith("not compared: 2020-04 to 2021-03 has 9 of 12")
    # the table's window: 24 months, 21 held, one of the two years whole
    w = table_window(out)
    assert (str(w.first), str(w.last), w.held, w.months) == ("2020-04", "2022-03", 21, 24)
    assert w.label() == (
        "2020-04 to 2022-03 (21 of 24 months with data); 1 of 2 periods hold all months"
    )


def test_key_figures_caption_names_the_latest_twelve_months(gaps):
    monthly, held = gaps
    ev = pd.DataFrame({"month": np.repeat(monthly.index, 10), "crime_type": "Drugs"})
    yearly = compare_periods(ev, freq="year", by="crime_type", observed=held, population=1000)
    kf = key_figures(yearly)
    assert kf.frame["period"].tolist() == ["2021-04 to 2022-03"]
    assert table_window(kf).label() == "2021-04 to 2022-03"
    # a year ending in the gap: 2020-04 .. 2021-03 holds 9 of 12
    short = compare_periods(
        ev, freq="year", by="crime_type", observed=held, end="2021-03", population=1000
    )
    kf = key_figures(short)
    assert table_window(kf).label() == "2020-04 to 2021-03 (9 of 12 months with data)"
    assert np.isnan(kf.frame["rate"].iloc[0])  # a 9-month count is not a yearly rate


def test_monthly_tables_state_their_months_and_gaps(gaps):
    monthly, held = gaps
    wide = monthly_counts(monthly, observed=held)
    w = table_window(monthly_long(wide, by="all"))
    assert (str(w.first), str(w.last), w.held, w.months) == ("2020-04", "2022-03", 21, 24)


def test_tables_without_months_have_no_window():
    assert table_window(pd.DataFrame({"ward": ["a"], "rate": [1.0]})) is None
