"""capacity_table: caseload as a percentage of capacity, worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from workbench.errors import WorkbenchError
from workbench.need import capacity_table


def test_caseload_pct_of_capacity() -> None:
    services = pd.DataFrame(
        {
            "service_id": ["S1", "S2", "S3", "S4"],
            "name": ["a", "b", "c", "d"],
            "capacity": [200, 30, 0, np.nan],
            "caseload": [150, 40, 5, 10],
            "lat": [52.6] * 4,  # not a capacity column: dropped
        }
    )
    out = capacity_table(services).frame
    assert list(out.columns) == [
        "service_id",
        "name",
        "capacity",
        "caseload",
        "caseload_pct_of_capacity",
    ]
    # 150 / 200 x 100 = 75.0; 40 / 30 x 100 = 133.33.. -> 133.3; no places: missing.
    assert_allclose(out["caseload_pct_of_capacity"].to_numpy(), [75.0, 133.3, np.nan, np.nan])
    assert out["caseload"].tolist() == [150, 40, 5, 10]


def test_capacity_table_names_missing_column() -> None:
    with pytest.raises(WorkbenchError, match="caseload"):
        capacity_table(pd.DataFrame({"service_id": ["S1"], "capacity": [1]}))
