"""How published cells are written: whole counts read as whole numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.writing.cells import whole_counts


def test_float_counts_are_written_whole() -> None:
    frame = pd.DataFrame({"count": [34.0, np.nan, 7.0], "rate": [1.0, 2.0, 3.0]})
    out = whole_counts(frame, ["count"])
    assert out["count"].tolist()[0] == 34 and out["count"].tolist()[2] == 7
    assert pd.isna(out["count"].iloc[1])
    assert out.to_csv(index=False).splitlines()[1] == "34,1.0"
    # a column not named as a count is left alone
    assert out["rate"].dtype == np.float64


def test_suppressed_count_column_keeps_its_stars() -> None:
    frame = pd.DataFrame({"count": pd.Series([20.0, "*", 11.0], dtype=object)})
    out = whole_counts(frame, ["count"])
    assert out.to_csv(index=False).splitlines()[1:] == ["20", "*", "11"]


def test_fractional_values_stay_as_they_are() -> None:
    # an estimate described as a count (e.g. a modelled number) is not rounded
    frame = pd.DataFrame({"count": [2.5, 3.0]})
    out = whole_counts(frame, ["count"])
    assert out["count"].tolist() == [2.5, 3.0]
