"""spc_summary against hand-worked XmR and Mann-Kendall figures."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from workbench.errors import WorkbenchError
from workbench.stats import seasonal_chart, spc_summary

matplotlib.use("Agg")


def test_spc_summary_rows_and_figures() -> None:
    monthly = pd.DataFrame(
        {"Drugs": [1, 2, 3, 4, 5], "Possession of weapons": [4, 4, 4, 4, 4]},
        index=pd.period_range("2023-01", periods=5, freq="M"),
    )
    table, figures = spc_summary(monthly)
    assert list(figures) == ["spc_drugs", "spc_possession_of_weapons"]
    drugs = table.set_index("series").loc["Drugs"]
    # Mean (1 + 2 + 3 + 4 + 5) / 5 = 3.0. Mann-Kendall on a strictly rising series of 5:
    # S = 10 pairs all concordant, tau = S / (n(n-1)/2) = 1. Var(S) = 5 x 4 x 15 / 18 = 16.667;
    # Z = (S - 1) / sqrt(Var) = 9 / 4.0825 = 2.2045; two-sided p = 2(1 - Phi(Z)) = 0.0275.
    assert drugs["months"] == 5
    assert_allclose(drugs["mean_per_month"], 3.0)
    assert_allclose(drugs["mann_kendall_tau"], 1.0)
    assert_allclose(drugs["mann_kendall_p"], 0.0275, atol=5e-5)
    flat = table.set_index("series").loc["Possession of weapons"]
    # A constant series: mean 4, no moving range, no trend (S = 0, tau = 0).
    assert_allclose(flat["mean_per_month"], 4.0)
    assert flat["mann_kendall_tau"] == 0
    assert flat["latest_signal"] == "none"
    matplotlib.pyplot.close("all")


def test_spc_summary_needs_a_table() -> None:
    with pytest.raises(WorkbenchError, match="monthly"):
        spc_summary(pd.Series([1, 2, 3]))


def test_seasonal_chart_keeps_calendar_order() -> None:
    seasonal = pd.DataFrame(
        {
            "month_name": ["Jan", "Feb", "Mar"] * 2,
            "crime_type": ["Drugs"] * 3 + ["Theft"] * 3,
            "seasonal_index": [0.5, 1.0, 1.5, 1.2, 0.9, 0.9],
        }
    )
    ax = seasonal_chart(seasonal).axes[0]
    # Months stay Jan, Feb, Mar: alphabetical order (Feb, Jan, Mar) would give the Drugs
    # line as 1.0, 0.5, 1.5. One line per crime type.
    assert [list(line.get_ydata()) for line in ax.lines] == [[0.5, 1.0, 1.5], [1.2, 0.9, 0.9]]
    with pytest.raises(WorkbenchError, match="seasonal"):
        seasonal_chart(seasonal.drop(columns="crime_type"))
    matplotlib.pyplot.close("all")


def test_spc_summary_with_missing_months() -> None:
    idx = pd.period_range("2023-01", periods=8, freq="M")
    monthly = pd.DataFrame({"Drugs": [1, 2, float("nan"), 4, 5, 6, float("nan"), 8]}, index=idx)
    table, figures = spc_summary(monthly, improvement={"Drugs": "decrease"})
    row = table.iloc[0]
    # observed: 1, 2, 4, 5, 6, 8 -> mean 26 / 6 = 4.33; Mann-Kendall on those 6 values only:
    # strictly rising, S = 15, tau = 1
    assert (row["months"], row["months_observed"]) == (8, 6)
    assert row["missing_months"] == "2023-03, 2023-07"
    assert_allclose(row["mean_per_month"], 4.3)
    assert_allclose(row["mann_kendall_tau"], 1.0)
    assert row["latest_month"] == "2023-08"
    matplotlib.pyplot.close("all")
