"""collection_times against hand-worked shares, medians and percentiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from workbench.errors import WorkbenchError
from workbench.need import collection_times


def test_collection_times_by_year() -> None:
    finds = pd.DataFrame(
        {
            "date": pd.to_datetime(
                ["2022-03-01", "2022-06-01", "2022-12-31", "2023-01-02", "2023-05-05"]
            ),
            "hours_to_collection": [2.0, 24.0, 30.0, 10.0, np.nan],
        }
    )
    out = collection_times(finds, 24).frame.set_index("year")
    assert out.index.tolist() == [2022, 2023]
    # 2022: 3 finds, 2 within 24 h (2 and 24, the target itself counts); median of 2, 24, 30
    # = 24; p90 by linear interpolation: position 0.9 x 2 = 1.8 -> 24 + 0.8 x (30 - 24) = 28.8.
    assert out.loc[2022, "finds"] == 3 and out.loc[2022, "within_target"] == 2
    assert_allclose(out.loc[2022, ["median_hours", "p90_hours"]].to_numpy(float), [24, 28.8])
    # 2023: 2 finds, one not collected: 1 of 2 within target; median and p90 of [10] = 10.
    assert out.loc[2023, "finds"] == 2 and out.loc[2023, "within_target"] == 1
    assert_allclose(out.loc[2023, ["median_hours", "p90_hours"]].to_numpy(float), [10, 10])
    # Wilson 95% for 2 of 3, z = 1.959964:
    # (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2)) with x = 2, n = 3
    # = (4 + 3.8414588 -/+ 1.959964 x sqrt(3.8414588 + 2.6666667)) / (2 x 6.8414588)
    # = (7.8414588 -/+ 1.959964 x 2.5511028) / 13.6829176
    # = (7.8414588 -/+ 5.0000696) / 13.6829176 -> 0.2076596, 0.9385081.
    assert_allclose(out.loc[2022, "proportion"], 2 / 3, rtol=1e-12)
    assert_allclose(
        out.loc[2022, ["lower", "upper"]].to_numpy(float), [0.2076596, 0.9385081], rtol=1e-6
    )


def test_collection_times_errors() -> None:
    with pytest.raises(WorkbenchError, match="hours_to_collection"):
        collection_times(pd.DataFrame({"date": ["2022-01-01"]}))
    with pytest.raises(WorkbenchError, match="target_hours"):
        collection_times(
            pd.DataFrame({"date": ["2022-01-01"], "hours_to_collection": [1]}), target_hours=0
        )
    with pytest.raises(WorkbenchError, match="expected dates"):
        collection_times(pd.DataFrame({"date": ["soon"], "hours_to_collection": [1]}))
