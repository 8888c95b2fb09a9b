"""Small-count suppression for exported tables (primary, secondary and derived cells)."""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError

__all__ = ["SUPPRESSED", "suppress", "suppression_mask", "check_suppressed"]

logger = logging.getLogger(__name__)

#: The symbol shown in place of a suppressed value.
SUPPRESSED = "*"
_TOTAL_NAMES = ("total", "all", "grand total")
_AUTO = "auto"


def _as_frame(table: Any) -> tuple[pd.DataFrame, bool]:
    if isinstance(table, pd.Series):
        name = table.name if table.name is not None else "count"
        return table.to_frame(name=name), True
    if isinstance(table, pd.DataFrame):
        return table, False
    raise WorkbenchError(
        f"table must be a pandas DataFrame or Series, found {type(table).__name__}"
    )


def _find_total(labels: pd.Index, given: Any, what: str) -> Hashable | None:
    if given is None:
        return None
    if isinstance(given, str) and given == _AUTO:
        hits = [
            lab for lab in labels if isinstance(lab, str) and lab.strip().lower() in _TOTAL_NAMES
        ]
        if len(hits) > 1:
            raise WorkbenchError(
                f"found more than one {what} that looks like a total ({hits}); name it with "
                f"total_{what}=..."
            )
        return hits[0] if hits else None
    if given not in labels:
        raise WorkbenchError(
            f"total_{what} {given!r} is not a {what} label of the table; found {list(labels)[:8]}"
        )
    return given


def _numeric(frame: pd.DataFrame, columns: Sequence[Hashable]) -> pd.DataFrame:
    return frame[list(columns)].apply(pd.to_numeric, errors="coerce").astype(float)


def _plan(
    table: Any,
    threshold: int,
    count_columns: Sequence[Hashable] | None,
    derived: Mapping[Hashable, Hashable] | None,
    total_row: Any,
    total_column: Any,
    secondary: bool,
) -> tuple[pd.DataFrame, bool, pd.DataFrame, dict[str, Any]]:
    """Work out the suppression mask; returns (frame, was_series, mask, summary)."""
    if not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise WorkbenchError(f"threshold must be a whole number >= 1, found {threshold!r}")
    frame, was_series = _as_frame(table)
    derived = dict(derived or {})
    for col, base in derived.items():
        if col not in frame.columns:
            raise WorkbenchError(f"derived column {col!r} is not in the table")
        if base not in frame.columns:
            raise WorkbenchError(f"derived column {col!r} is linked to {base!r}, not in the table")
    if count_columns is None:
        count_columns = [
            c
            for c in frame.columns
            if c not in derived and pd.api.types.is_numeric_dtype(frame[c].dtype)
        ]
    else:
        count_columns = list(count_columns)
        missing = [c for c in count_columns if c not in frame.columns]
        if missing:
            raise WorkbenchError(f"count_columns {missing} are not columns of the table")
    if not frame.index.is_unique:
        raise WorkbenchError("table must have unique row labels to suppress cells")

    t_row = _find_total(frame.index, total_row, "row")
    t_col = _find_total(pd.Index(count_columns), total_column, "column")
    values = _numeric(frame, count_columns)
    bad = values.columns[(values < 0).any()]
    if len(bad):
        raise WorkbenchError(f"count column {bad[0]!r} has negative values; counts must be >= 0")

    primary = (values > 0) & (values < threshold)
    mask = primary.copy()
    if secondary:
        _secondary(values, mask, t_row, t_col)
    n_secondary = int((mask & ~primary).to_numpy().sum())

    full = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    for col in count_columns:
        full[col] = mask[col].to_numpy()
    for col, base in derived.items():
        full[col] = full[col].to_numpy() | full[base].to_numpy()
    summary = {
        "threshold": int(threshold),
        "rule": f"counts 1 to {threshold - 1} shown as {SUPPRESSED!r}; zero shown",
        "primary": int(primary.to_numpy().sum()),
        "secondary": n_secondary,
        "derived": int(full[list(derived)].to_numpy().sum()) if derived else 0,
        "count_columns": [str(c) for c in count_columns],
        "total_row": None if t_row is None else str(t_row),
        "total_column": None if t_col is None else str(t_col),
    }
    return frame, was_series, full, summary


def _lines(
    values: pd.DataFrame, t_row: Hashable | None, t_col: Hashable | None
) -> list[tuple[list[tuple[int, int]], tuple[int, int]]]:
    """Groups of cells that add up to a shown total: (component cells, total cell)."""
    rows = list(values.index)
    cols = list(values.columns)
    inner_r = [i for i, r in enumerate(rows) if r != t_row]
    inner_c = [j for j, c in enumerate(cols) if c != t_col]
    lines = []
    if t_col is not None:
        jt = cols.index(t_col)
        for i in range(len(rows)):  # every row, the total row included
            lines.append(([(i, j) for j in inner_c], (i, jt)))
    if t_row is not None:
        it = rows.index(t_row)
        for j in range(len(cols)):  # every column, the total column included
            lines.append(([(i, j) for i in inner_r], (it, j)))
    return lines


def _secondary(
    values: pd.DataFrame, mask: pd.DataFrame, t_row: Hashable | None, t_col: Hashable | None
) -> None:
    """Suppress extra cells until no line (cells + its total) has exactly one hidden cell.

    Greedy rule, repeated until nothing changes: in a line with one hidden cell, hide a
    non-zero visible component (a hidden zero would not protect the first cell), preferring
    one that also completes a crossing line with one hidden cell, then the smallest; if there
    is none, hide the line's total. Modifies ``mask`` in place.
    """
    v = values.to_numpy()
    m = mask.to_numpy().copy()
    lines = _lines(values, t_row, t_col)
    member: dict[tuple[int, int], list[int]] = {}
    for k, (comps, total) in enumerate(lines):
        for cell in (*comps, total):
            member.setdefault(cell, []).append(k)

    def hidden_in(k: int) -> int:
        comps, total = lines[k]
        return int(sum(m[c] for c in comps) + m[total])

    def priority(cell: tuple[int, int], k: int) -> tuple[int, float, tuple[int, int]]:
        # Prefer a cell that also completes another line with one hidden cell, then the
        # smallest value (least information lost).
        fixes = sum(1 for other in member[cell] if other != k and hidden_in(other) == 1)
        return (-fixes, float(v[cell]), cell)

    changed = True
    while changed:
        changed = False
        for k, (comps, total) in enumerate(lines):
            if hidden_in(k) != 1:
                continue
            candidates = [c for c in comps if not m[c] and v[c] > 0 and not np.isnan(v[c])]
            if candidates:
                pick = min(candidates, key=lambda c: priority(c, k))
            elif not m[total] and v[total] > 0:
                pick = total
            else:
                continue
            m[pick] = True
            changed = True
    mask.iloc[:, :] = m


def suppression_mask(
    table: pd.DataFrame | pd.Series,
    threshold: int = 5,
    *,
    count_columns: Sequence[Hashable] | None = None,
    derived: Mapping[Hashable, Hashable] | None = None,
    total_row: Any = _AUTO,
    total_column: Any = _AUTO,
    secondary: bool = True,
) -> pd.DataFrame | pd.Series:
    """Which cells :func:`suppress` hides (True = hidden). Same arguments as :func:`suppress`.

    Returns
    -------
    pandas.DataFrame or Series of bool
        Same shape and labels as ``table``; ``attrs["suppression"]`` summarises the counts
        of primary, secondary and derived suppressions.
    """
    frame, was_series, mask, summary = _plan(
        table, threshold, count_columns, derived, total_row, total_column, secondary
    )
    out = mask.iloc[:, 0] if was_series else mask
    out = out.copy()
    if was_series:
        out.name = table.name
    out.attrs["suppression"] = summary
    return out


def suppress(
    table: pd.DataFrame | pd.Series,
    threshold: int = 5,
    *,
    count_columns: Sequence[Hashable] | None = None,
    derived: Mapping[Hashable, Hashable] | None = None,
    total_row: Any = _AUTO,
    total_column: Any = _AUTO,
    secondary: bool = True,
) -> pd.DataFrame | pd.Series:
    """Hide small counts (and whatever would reveal them) before a table leaves the workbench.

    Conventions
    -----------
    - **Primary**: counts from 1 to ``threshold - 1`` (1 to 4 by default) are shown as "*";
      zero is shown.
    - **Secondary**: where a total is shown, a hidden cell must not be recoverable by
      subtraction. Every "line" (a row with the total column, a column with the total row, the
      total row and the total column themselves; or a 1-D list with its total) must have no
      hidden cell or at least two. Greedy rule, repeated until stable: hide the smallest
      non-zero visible cell of the line (preferring one that also protects a crossing line),
      else the line's total. This is the usual
      row/column rule, not an optimal (minimum information loss) cell-suppression solver.
    - **Derived**: ``derived={"rate": "count", "pct": "count"}`` hides rates, percentages or
      limits wherever the linked count is hidden.

    Parameters
    ----------
    table : DataFrame or Series
        Counts, with optional margins. Rows are categories; a Series is a 1-D list.
    threshold : int, default 5
        Smallest count shown (besides zero). ``StudyConfig.suppression_threshold``.
    count_columns : list, optional
        Columns holding counts (default: every numeric column not named in ``derived``).
        Other columns (labels, population) are left as they are.
    derived : mapping, optional
        Derived column -> the count column it was computed from.
    total_row, total_column : label, "auto" or None, default "auto"
        The margin row/column label. "auto" finds a label named "Total"/"All"
        (case-insensitive); None means there is no such margin.
    secondary : bool, default True
        Apply secondary suppression.

    Returns
    -------
    DataFrame or Series
        A new table; suppressed columns have object dtype with "*" in hidden cells. Use
        :func:`suppression_mask` (same arguments) for the boolean mask; ``attrs["suppression"]``
        summarises what was hidden.

    Examples
    --------
    >>> s = pd.Series({"A": 3, "B": 12, "C": 40, "Total": 55})
    >>> suppress(s).tolist()
    ['*', '*', 40, 55]
    """
    frame, was_series, mask, summary = _plan(
        table, threshold, count_columns, derived, total_row, total_column, secondary
    )
    out = frame.copy()
    for col in out.columns:
        hide = mask[col].to_numpy()
        if hide.any():
            column = out[col].astype(object)
            column[hide] = SUPPRESSED
            out[col] = column
    logger.info(
        "Suppressed %d primary, %d secondary, %d derived cell(s) (threshold %d)",
        summary["primary"],
        summary["secondary"],
        summary["derived"],
        threshold,
    )
    if was_series:
        result = out.iloc[:, 0]
        result.name = table.name
        result.attrs["suppression"] = summary
        return result
    out.attrs["suppression"] = summary
    return out


def check_suppressed(
    table: pd.DataFrame | pd.Series,
    threshold: int = 5,
    *,
    count_columns: Sequence[Hashable] | None = None,
    raise_error: bool = True,
) -> pd.DataFrame:
    """Check that an exported table shows no count from 1 to ``threshold - 1``.

    Parameters
    ----------
    table : DataFrame or Series
        The table as exported (numbers, "*" or numeric strings, e.g. read back from CSV).
    threshold : int, default 5
        As in :func:`suppress`.
    count_columns : list, optional
        Columns to check. Default: every column whose shown values are all whole numbers
        (so rates with decimals are not mistaken for counts).
    raise_error : bool, default True
        Raise :class:`WorkbenchError` listing the offending cells instead of returning them.

    Returns
    -------
    pandas.DataFrame
        Offending cells (columns ``row``, ``column``, ``value``); empty when the table is safe.

    Raises
    ------
    WorkbenchError
        When ``raise_error`` and a small count is shown.
    """
    frame, _ = _as_frame(table)
    if count_columns is None:
        count_columns = []
        for col in frame.columns:
            shown = frame[col][frame[col].astype(str) != SUPPRESSED]
            nums = pd.to_numeric(shown, errors="coerce")
            if len(shown) and nums.notna().all() and bool((nums == np.round(nums)).all()):
                count_columns.append(col)
    rows = []
    for col in count_columns:
        if col not in frame.columns:
            raise WorkbenchError(f"count column {col!r} is not in the table")
        nums = pd.to_numeric(
            frame[col].where(frame[col].astype(str) != SUPPRESSED), errors="coerce"
        )
        bad = nums[(nums > 0) & (nums < threshold)]
        rows.extend({"row": idx, "column": col, "value": val} for idx, val in bad.items())
    found = pd.DataFrame(rows, columns=["row", "column", "value"])
    if raise_error and len(found):
        first = ", ".join(f"{r.row!r}/{r.column!r}={r.value:g}" for r in found.head(5).itertuples())
        raise WorkbenchError(
            f"table shows {len(found)} count(s) between 1 and {threshold - 1} that should be "
            f"suppressed (e.g. {first}); pass it through workbench.stats.suppress first"
        )
    return found
