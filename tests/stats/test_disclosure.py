"""Small-count suppression: primary, secondary, derived cells and the export check."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from workbench.errors import WorkbenchError
from workbench.stats import (
    check_suppressed,
    disclosed_cells,
    suppress,
    suppression,
    suppression_mask,
)


def test_primary_only_without_totals_and_zero_shown() -> None:
    s = pd.Series({"A": 0, "B": 1, "C": 4, "D": 5, "E": 12}, name="n")
    out = suppress(s)
    assert out.tolist() == [0, "*", "*", 5, 12]
    assert out.name == "n"
    assert suppression_mask(s).tolist() == [False, True, True, False, False]


def test_one_dimensional_list_with_total_hides_next_smallest() -> None:
    s = pd.Series({"A": 3, "B": 12, "C": 0, "D": 40, "Total": 55})
    result = suppression(s)
    out = result.shown
    # A is primary; C = 0 would not protect it, so the next smallest non-zero (B) goes too.
    assert out.tolist() == ["*", "*", 0, 40, 55]
    assert result.summary["primary"] == 1
    assert result.summary["secondary"] == 1
    assert suppress(s).tolist() == out.tolist()
    assert result.mask.tolist() == [True, True, False, False, False]


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
    # a/x (2) is primary; whatever else is hidden, no margin pins it to 1-4 (an
    # independent integer attack below), and zeros are not used to protect it.
    assert mask.loc["a", "x"]
    assert mask.to_numpy().sum() >= 4  # a 2x2 block at least: one line cannot hide it
    assert _attack(t, mask, "Total", "Total") == {}
    assert out.loc["a", "x"] == "*" and out.loc["b", "x"] == 10
    assert out.loc["Total", "Total"] == 59


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
    result = suppression(d, count_columns=["count"], derived={"rate": "count", "lower": "count"})
    out = result.shown
    assert out.loc["E1"].tolist() == ["*", 1000, "*", "*"]
    assert out.loc["E2", "rate"] == 100.0
    assert out.loc["E3", "population"] == 3  # not a count column: left alone
    assert result.summary["derived"] == 2
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
    for _ in range(20):
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
        # no hidden cell is proven to be a small count by the rows and columns shown
        assert _attack(t, mask, "Total", "Total") == {}


# --- An independent attacker: linear programming over the hidden cells -------------------
#
# The attacker knows every shown cell and that each row/column adds up to its margin, and
# that counts are >= 0. For each hidden cell it minimises and maximises the cell's value
# subject to those equations (scipy.optimize.linprog). If the minimum equals the maximum the
# cell has been worked out. This is a different method from the library's own null-space
# audit (it also uses non-negativity), so it can catch what that audit misses.


def _attack(table: pd.DataFrame, mask: pd.DataFrame, t_row: Any, t_col: Any, t: int = 5) -> dict:
    """Hidden cells the attacker proves to be small counts: {(row, col): (low, high)}.

    Integer bounds of every hidden cell from the shown cells and the row/column totals
    (scipy's HiGHS MILP, independent of the code under test); a cell leaks when its range
    excludes 0 and every value from the threshold up (issue 12's definition).
    """
    v = table.to_numpy(dtype=float)
    m = mask.to_numpy()
    rows, cols = list(table.index), list(table.columns)
    hidden = [(i, j) for i in range(len(rows)) for j in range(len(cols)) if m[i, j]]
    pos = {c: k for k, c in enumerate(hidden)}
    a_eq, b_eq = [], []

    def equation(comps: list, total: tuple) -> None:
        coef, rhs = np.zeros(len(hidden)), 0.0
        for c in comps:
            if c in pos:
                coef[pos[c]] += 1
            else:
                rhs -= v[c]
        if total in pos:
            coef[pos[total]] -= 1
        else:
            rhs += v[total]
        if coef.any():
            a_eq.append(coef)
            b_eq.append(rhs)

    inner_r = [i for i, r in enumerate(rows) if r != t_row]
    inner_c = [j for j, c in enumerate(cols) if c != t_col]
    if t_col is not None:
        for i in range(len(rows)):
            equation([(i, j) for j in inner_c], (i, cols.index(t_col)))
    if t_row is not None:
        for j in range(len(cols)):
            equation([(i, j) for i in inner_r], (rows.index(t_row), j))
    found = {}
    n = len(hidden)
    cons = [LinearConstraint(np.array(a_eq), b_eq, b_eq)] if a_eq else []
    for cell, k in pos.items():
        unit = np.zeros(n)
        unit[k] = 1
        kw = {"constraints": cons, "integrality": np.ones(n), "bounds": Bounds(0, np.inf)}
        low = milp(unit, **kw)
        high = milp(-unit, **kw)
        lo = round(low.fun) if low.status == 0 else 0
        hi = round(-high.fun) if high.status == 0 else np.inf
        if lo >= 1 and hi <= t - 1:
            found[(rows[cell[0]], cols[cell[1]])] = (lo, hi)
    return found


def _with_margins(inner: list[list[int]], rows: bool = True, cols: bool = True) -> pd.DataFrame:
    t = pd.DataFrame(inner, index=[f"r{i}" for i in range(len(inner))])
    t.columns = [f"c{j}" for j in range(t.shape[1])]
    if cols:
        t["Total"] = t.sum(axis=1)
    if rows:
        t.loc["Total"] = t.sum(axis=0)
    return t


def test_attacker_recovers_cells_without_secondary_suppression() -> None:
    # The attacker works: with primary suppression only, each lone small cell is recovered.
    s = pd.Series({"A": 3, "B": 12, "C": 40, "Total": 55})
    primary_only = suppression_mask(s, secondary=False).to_frame()
    assert _attack(s.to_frame(), primary_only, "Total", None) == {("A", 0): (3, 3)}
    t = _with_margins([[3, 15, 40], [20, 25, 10], [30, 35, 12]])  # r0 has one small cell
    found = _attack(t, suppression_mask(t, secondary=False), "Total", "Total")
    assert found == {("r0", "c0"): (3, 3)}


@pytest.mark.parametrize(
    ("inner", "rows", "cols"),
    [
        ([[3], [12], [40]], True, False),  # 1-D with its total
        ([[3], [2], [40]], True, False),  # two small cells protect each other
        ([[3], [0], [0]], True, False),  # only zeros left: the total goes
        ([[3, 15, 40], [20, 25, 10], [30, 35, 12]], True, True),  # one small cell in a row
        ([[3, 0, 0], [0, 25, 10], [30, 35, 12]], True, True),  # the row's other cells are 0
        ([[3, 15, 40], [20, 25, 10]], False, True),  # row margins only
        ([[3, 15, 40], [20, 25, 10]], True, False),  # column margins only
        # Found by the attacker against the earlier greedy-only rule: two blocks of hidden
        # cells joined through a third row let r3/c1 (= 3) and r0/c3 (= 1) be worked out.
        ([[12, 1, 40, 12], [8, 20, 5, 5], [2, 1, 12, 20], [12, 3, 8, 8]], True, True),
        ([[1, 8, 5, 1, 20], [20, 20, 8, 2, 3], [5, 8, 12, 8, 20], [8, 40, 20, 1, 2]], True, True),
    ],
)
def test_no_hidden_cell_can_be_worked_out(inner: list, rows: bool, cols: bool) -> None:
    t = _with_margins(inner, rows, cols)
    mask = suppression_mask(t)
    small = (t.to_numpy() > 0) & (t.to_numpy() < 5)
    assert mask.to_numpy()[small].all()
    assert _attack(t, mask, "Total" if rows else None, "Total" if cols else None) == {}


def test_random_tables_resist_the_attacker() -> None:
    rng = np.random.default_rng(11)
    values = [0, 1, 2, 3, 5, 8, 12, 20, 40]
    for trial in range(20):
        r, c = rng.integers(1, 6, size=2)
        inner = rng.choice(values, size=(r, c)).tolist()
        rows, cols = trial % 3 != 1, trial % 3 != 2
        t = _with_margins(inner, rows, cols)
        mask = suppression_mask(t)
        assert _attack(t, mask, "Total" if rows else None, "Total" if cols else None) == {}


def test_disclosed_cells_hand_examples() -> None:
    # 1-D: A + B = Total. A hidden and Total shown: A = Total - B.
    line = [([(0, 0), (1, 0)], (2, 0))]
    assert disclosed_cells(np.array([[True], [False], [False]]), line) == [(0, 0)]
    assert disclosed_cells(np.array([[True], [True], [False]]), line) == []
    # Nested sums: d1 + d2 + d3 = T and d1 + d2 = c2. Hiding d2 and d3 with T and c2 shown
    # gives d2 = c2 - d1 and then d3 = T - c2.
    nested = [([(0, 0), (1, 0), (2, 0)], (3, 0)), ([(0, 0), (1, 0)], (4, 0))]
    m = np.array([[False], [True], [True], [False], [False]])
    assert disclosed_cells(m, nested) == [(1, 0), (2, 0)]
    m[4, 0] = True  # hide c2 as well
    assert disclosed_cells(m, nested) == []


def test_blank_cells_break_a_line() -> None:
    # A blank total is no equation: nothing needs hiding beyond the small count itself.
    s = pd.Series({"A": 3, "B": np.nan, "C": 40, "Total": np.nan})
    assert suppression_mask(s).tolist() == [True, False, False, False]


def test_complements_hide_a_part_whose_rest_is_small() -> None:
    # started - within_target = people not seen in time: 2 in row a, 7 in row d.
    w = pd.DataFrame(
        {"started": [20, 30, 3, 12], "within_target": [18, 30, 3, 5]}, index=list("abcd")
    )
    result = suppression(w, complements={"within_target": "started"})
    out = result.to_frame()
    assert out["within_target"].tolist() == ["*", 30, "*", 5]
    assert out["started"].tolist() == [20, 30, "*", 12]
    assert result.summary["complement"] == 1
    with pytest.raises(WorkbenchError, match="complements"):
        suppress(w, complements={"within_target": "referred"})


def test_counts_read_as_text_are_found_and_suppressed() -> None:
    # A CSV read without dtype conversion (pandas 3 "str" columns): counts are still counts.
    t = pd.DataFrame(
        {
            "area": ["a", "b", "c"],
            "n": pd.array(["3", "1,212", None], dtype="str"),
            "flag": [True, False, True],
        }
    )
    result = suppression(t)
    out = result.shown
    assert out["n"].tolist()[:2] == ["*", "1,212"]
    assert out["area"].tolist() == ["a", "b", "c"]
    assert out["flag"].tolist() == [True, False, True]
    assert result.summary["count_columns"] == ["n"]


def test_check_suppressed_reads_exported_text_blanks_and_flags() -> None:
    # "1,212" (thousands separator) and a blank must not stop a column being checked, and a
    # True/False column is not a count.
    t = pd.DataFrame(
        {
            "n": ["*", "1,212", "3", None],
            "m": [np.nan, 12, 3, 0],
            "flag": [True, False, True, True],
            "rate": [1.5, 2.0, 3.0, 4.0],
        }
    )
    found = check_suppressed(t, raise_error=False)
    assert found.to_dict("records") == [
        {"row": 2, "column": "n", "value": 3.0},
        {"row": 2, "column": "m", "value": 3.0},
    ]
