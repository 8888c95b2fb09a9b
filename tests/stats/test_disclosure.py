"""Small-count suppression: primary, secondary, derived cells and the export check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.errors import WorkbenchError
from workbench.stats import check_suppressed, suppress, suppression_mask


def test_primary_only_without_totals_and_zero_shown() -> None:
    s = pd.Series({"A": 0, "B": 1, "C": 4, "D": 5, "E": 12}, name="n")
    out = suppress(s)
    assert out.tolist() == [0, "*", "*", 5, 12]
    assert out.name == "n"
    assert suppression_mask(s).tolist() == [False, True, True, False, False]


def test_one_dimensional_list_with_total_hides_next_smallest() -> None:
    s = pd.Series({"A": 3, "B": 12, "C": 0, "D": 40, "Total": 55})
    out = suppress(s)
    # A is primary; C = 0 would not protect it, so the next smallest non-zero (B) goes too.
    assert out.tolist() == ["*", "*", 0, 40, 55]
    assert out.attrs["suppression"]["primary"] == 1
    assert out.attrs["suppression"]["secondary"] == 1


def test_one_dimensional_only_zeros_left_hides_total() -> None:
    s = pd.Series({"A": 3, "B": 0, "Total": 3})
    out = suppress(s)
    assert out.tolist() == ["*", 0, "*"]


def test_threshold_is_configurable() -> None:
    s = pd.Series({"A": 7, "B": 12, "C": 30})
    assert suppress(s, threshold=10).tolist() == ["*", 12, 30]
    assert suppress(s, threshold=1).tolist() == [7, 12, 30]
    with pytest.raises(WorkbenchError, match="threshold"):
        suppress(s, threshold=0)


def test_two_way_table_with_margins() -> None:
    t = pd.DataFrame(
        {"x": [2, 10, 7, 19], "y": [6, 8, 9, 23], "z": [0, 5, 12, 17], "Total": [8, 23, 28, 59]},
        index=["a", "b", "c", "Total"],
    )
    out = suppress(t)
    mask = suppression_mask(t)
    # a/x primary; a/y protects row a, c/x protects column x, c/y protects column y and row c.
    expected = pd.DataFrame(False, index=t.index, columns=t.columns)
    expected.loc["a", ["x", "y"]] = True
    expected.loc["c", ["x", "y"]] = True
    pd.testing.assert_frame_equal(mask, expected)
    assert out.loc["a", "x"] == "*" and out.loc["b", "x"] == 10
    assert out.loc["Total", "Total"] == 59
    _assert_no_line_with_one_hidden(mask, "Total", "Total")


def test_derived_columns_follow_their_count() -> None:
    d = pd.DataFrame(
        {
            "count": [3, 20, 0],
            "population": [1000, 2000, 3],
            "rate": [30.0, 100.0, 0.0],
            "lower": [6.2, 61.1, 0.0],
        },
        index=["E1", "E2", "E3"],
    )
    out = suppress(d, count_columns=["count"], derived={"rate": "count", "lower": "count"})
    assert out.loc["E1"].tolist() == ["*", 1000, "*", "*"]
    assert out.loc["E2", "rate"] == 100.0
    assert out.loc["E3", "population"] == 3  # not a count column: left alone
    assert out.attrs["suppression"]["derived"] == 2
    # the input is not modified
    assert d.loc["E1", "count"] == 3
    with pytest.raises(WorkbenchError, match="derived column 'pct'"):
        suppress(d, derived={"pct": "count"})


def test_check_suppressed() -> None:
    t = pd.DataFrame({"n": [2, 10, 7], "rate": [1.5, 2.25, 3.0]}, index=list("abc"))
    with pytest.raises(WorkbenchError, match=r"1 count\(s\) between 1 and 4"):
        check_suppressed(t)
    found = check_suppressed(t, raise_error=False)
    assert found.to_dict("records") == [{"row": "a", "column": "n", "value": 2}]
    safe = suppress(t, count_columns=["n"], derived={"rate": "n"})
    assert check_suppressed(safe).empty
    # values read back from CSV as strings are checked too
    as_text = pd.DataFrame({"n": ["*", "12", "3"]})
    assert len(check_suppressed(as_text, raise_error=False)) == 1


def test_errors_are_clear() -> None:
    with pytest.raises(WorkbenchError, match="DataFrame or Series"):
        suppress([1, 2, 3])
    with pytest.raises(WorkbenchError, match="negative"):
        suppress(pd.Series([1, -2]))
    with pytest.raises(WorkbenchError, match="total_row 'Sum'"):
        suppress(pd.Series([1, 2]), total_row="Sum")


def _assert_no_line_with_one_hidden(mask: pd.DataFrame, t_row: str, t_col: str) -> None:
    m = mask.to_numpy()
    rows = list(mask.index)
    cols = list(mask.columns)
    for i in range(len(rows)):
        assert m[i, :].sum() != 1, f"row {rows[i]} has exactly one hidden cell"
    for j in range(len(cols)):
        assert m[:, j].sum() != 1, f"column {cols[j]} has exactly one hidden cell"


def test_random_tables_never_leave_one_hidden_cell_in_a_line() -> None:
    rng = np.random.default_rng(5)
    for _ in range(200):
        r, c = rng.integers(2, 6, size=2)
        inner = rng.choice([0, 1, 2, 3, 4, 5, 8, 15, 40], size=(r, c))
        t = pd.DataFrame(
            inner, index=[f"r{i}" for i in range(r)], columns=[f"c{j}" for j in range(c)]
        )
        t["Total"] = t.sum(axis=1)
        t.loc["Total"] = t.sum(axis=0)
        mask = suppression_mask(t)
        # primary cells are always hidden
        assert mask.to_numpy()[(t.to_numpy() > 0) & (t.to_numpy() < 5)].all()
        # a hidden cell's line must hold another hidden cell (zeros cannot protect it):
        m = mask.to_numpy()
        v = t.to_numpy()
        for line_m, line_v in [(m[i, :], v[i, :]) for i in range(r + 1)] + [
            (m[:, j], v[:, j]) for j in range(c + 1)
        ]:
            if line_m.any():
                assert line_m.sum() >= 2
                assert (line_v[line_m] > 0).sum() >= 2
