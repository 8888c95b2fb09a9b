"""Small-count suppression of one table (compatibility layer over :mod:`workbench.disclosure`).

``suppress`` and ``suppression_mask`` keep their signatures for callers that hold a plain
table; they describe it as a :class:`workbench.disclosure.TableSpec` and use the
workbench's one disclosure path (:func:`workbench.disclosure.protect`). Tables published
by the workbench go through :meth:`workbench.outputs.Outputs.table`, which also protects
them against the other tables of the run.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.disclosure.policy import SUPPRESSED
from workbench.errors import WorkbenchError

__all__ = [
    "SUPPRESSED",
    "Suppression",
    "suppress",
    "suppression",
    "suppression_mask",
    "check_suppressed",
    "disclosed_cells",
]

logger = logging.getLogger(__name__)

_TOTAL_NAMES = ("total", "all", "grand total")
_AUTO = "auto"


@dataclass(frozen=True, eq=False)
class Suppression:
    """The result of :func:`suppression`: one table as shown, its mask and what was hidden.

    The summary travels in this object, never in the frame's ``attrs`` dictionary (which pandas
    drops or mixes on ``merge`` and ``concat``).

    Attributes
    ----------
    shown : DataFrame or Series
        The table with "*" in every hidden cell (a Series when a Series was given).
    mask : DataFrame or Series of bool
        True where a cell is hidden; same shape and labels as ``shown``.
    summary : dict
        ``threshold``, ``rule``, the number of count cells hidden as ``primary``,
        ``complement`` and ``secondary`` suppressions, the ``derived`` cells hidden with
        them, ``count_columns``, ``total_row`` and ``total_column``.

    Examples
    --------
    >>> r = suppression(pd.Series({"A": 3, "B": 12, "C": 40, "Total": 55}))
    >>> r.shown.tolist(), r.summary["primary"], r.summary["secondary"]
    (['*', '*', 40, 55], 1, 1)
    """

    shown: pd.DataFrame | pd.Series
    mask: pd.DataFrame | pd.Series
    summary: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """A copy of the table as shown, as a DataFrame (the summary stays on the object)."""
        shown = self.shown
        return shown.to_frame() if isinstance(shown, pd.Series) else shown.copy()


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


def _numbers(column: pd.Series) -> pd.Series:
    """A column as floats; text such as "1,296" (thousands separators) is read as a number."""
    if pd.api.types.is_numeric_dtype(column.dtype):
        return pd.to_numeric(column, errors="coerce").astype(float)
    text = column.astype("string").str.replace(",", "", regex=False).str.strip()
    return pd.to_numeric(text, errors="coerce").astype(float)


def _looks_numeric(column: pd.Series) -> bool:
    """Numeric dtype, or text whose every non-blank value is a number (a CSV read as text)."""
    if pd.api.types.is_bool_dtype(column.dtype):
        return False
    if pd.api.types.is_numeric_dtype(column.dtype):
        return True
    shown = column[column.notna() & (column.astype("string").str.strip() != "")]
    return bool(len(shown)) and bool(_numbers(shown).notna().all())


def _numeric(frame: pd.DataFrame, columns: Sequence[Hashable]) -> pd.DataFrame:
    return pd.DataFrame({c: _numbers(frame[c]) for c in columns}, index=frame.index)


def _plan(
    table: Any,
    threshold: int,
    count_columns: Sequence[Hashable] | None,
    derived: Mapping[Hashable, Hashable] | None,
    total_row: Any,
    total_column: Any,
    secondary: bool,
    complements: Mapping[Hashable, Hashable] | None = None,
) -> tuple[pd.DataFrame, bool, pd.DataFrame, dict[str, Any]]:
    """Work out the suppression mask; returns (frame, was_series, mask, summary).

    A thin adapter: the table is described as a :class:`workbench.disclosure.TableSpec`
    (rows one dimension, count columns a second when there is a total column) and
    suppressed by :func:`workbench.disclosure.protect`, the workbench's one disclosure path.
    """
    from workbench.disclosure import (
        ALL,
        Count,
        Derived,
        Policy,
        Published,
        TableSpec,
        primary_mask,
    )
    from workbench.disclosure.model import key_text

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
        count_columns = [c for c in frame.columns if c not in derived and _looks_numeric(frame[c])]
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
    complements = dict(complements or {})
    for part, whole in complements.items():
        if part not in values.columns or whole not in values.columns:
            raise WorkbenchError(
                f"complements {part!r} -> {whole!r}: both must be count columns; count columns "
                f"are {list(values.columns)}"
            )

    names = {c: f"c{i}" for i, c in enumerate(count_columns)}
    work = pd.DataFrame({names[c]: values[c].to_numpy() for c in count_columns})
    work["row"] = [key_text(i) for i in frame.index]
    counts = {}
    for c in count_columns:
        if complements:  # one measure per column, a part no more than its whole
            part_of = names[complements[c]] if c in complements else None
            counts[names[c]] = Count(f"col {names[c]}", part_of=part_of)
        else:  # one measure; columns are a second dimension, the total column its margin
            counts[names[c]] = Count("table", fixed={"column": ALL if c == t_col else names[c]})
    spec = TableSpec(
        dims=("row",),
        counts=counts,
        derived={f"d{i}": Derived((names[b],)) for i, b in enumerate(derived.values())},
        totals={} if t_row is None else {"row": key_text(t_row)},
    )
    for i, b in enumerate(derived.values()):
        work[f"d{i}"] = values[b].to_numpy() if b in values else np.nan
    first = primary_mask(work, spec, int(threshold))
    only_small = primary_mask(
        work, TableSpec(dims=("row",), counts={k: Count() for k in counts}), int(threshold)
    )
    policy = Policy(int(threshold))
    if secondary:
        (mask,) = policy.protect([Published("table", work, spec, first)])
    else:
        mask = policy.mask(work, spec)
    full = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    for c in count_columns:
        full[c] = mask[names[c]].to_numpy()
    for i, col in enumerate(derived):
        full[col] = full[col].to_numpy() | mask[f"d{i}"].to_numpy()
    n_small = int(only_small[list(counts)].to_numpy().sum())
    n_first = int(first[list(counts)].to_numpy().sum())
    n_all = int(mask[list(counts)].to_numpy().sum())
    summary = {
        "threshold": int(threshold),
        "rule": f"counts 1 to {threshold - 1} shown as {SUPPRESSED!r}; zero shown",
        "primary": n_small,
        "complement": n_first - n_small,
        "secondary": n_all - n_first,
        "derived": int(full[list(derived)].to_numpy().sum()) if derived else 0,
        "count_columns": [str(c) for c in count_columns],
        "total_row": None if t_row is None else str(t_row),
        "total_column": None if t_col is None else str(t_col),
    }
    return frame, was_series, full, summary


def disclosed_cells(
    mask: np.ndarray, lines: Sequence[tuple[Sequence[tuple[int, int]], tuple[int, int]]]
) -> list[tuple[int, int]]:
    """Hidden cells whose exact value follows from the shown cells and the totals.

    Conventions
    -----------
    Each line ``(components, total)`` is an equation ``sum(components) = total`` that holds
    in the table. Shown cells are known; a hidden cell is worked out exactly when its unit
    vector lies in the row space of the equations restricted to the hidden cells (it has no
    component in their null space), tested with a thin SVD (:func:`numpy.linalg.svd`).
    Bounds from non-negativity are not used.

    Parameters
    ----------
    mask : numpy.ndarray of bool, 2-D
        True where a cell is hidden.
    lines : sequence of (list of (row, col), (row, col))
        The components and the total of each line, as positions in ``mask``.

    Returns
    -------
    list of (row, col)
        The hidden cells that can be worked out (empty when the table is safe).

    Examples
    --------
    >>> m = np.array([[True], [False], [True]])  # A hidden, B shown, Total hidden
    >>> disclosed_cells(m, [([(0, 0), (1, 0)], (2, 0))])
    []
    >>> m[2, 0] = False  # with the total shown, A = Total - B
    >>> disclosed_cells(m, [([(0, 0), (1, 0)], (2, 0))])
    [(0, 0)]
    """
    m = np.asarray(mask, dtype=bool)
    hidden = sorted({c for comps, total in lines for c in (*comps, total) if m[c]})
    if not hidden:
        return []
    pos = {c: i for i, c in enumerate(hidden)}
    rows = []
    for comps, total in lines:
        row = np.zeros(len(hidden))
        for c in comps:
            if m[c]:
                row[pos[c]] += 1.0
        if m[total]:
            row[pos[total]] -= 1.0
        if row.any():
            rows.append(row)
    if not rows:
        return []
    # Orthonormal basis of the row space from a thin SVD (numpy); a cell's leverage is the
    # squared length of its unit vector's projection on that space: 1 = determined. (A thin
    # SVD rather than scipy.linalg.null_space, which forms the full square basis: 170 MB and
    # several seconds for a 1,000-LSOA table.)
    _, sing, vt = np.linalg.svd(np.array(rows), full_matrices=False)
    rank = int((sing > sing[0] * 1e-10).sum()) if sing.size else 0
    leverage = (vt[:rank] ** 2).sum(axis=0)
    return [c for c, lev in zip(hidden, leverage, strict=True) if lev > 1 - 1e-9]


def suppression_mask(
    table: pd.DataFrame | pd.Series,
    threshold: int = 5,
    *,
    count_columns: Sequence[Hashable] | None = None,
    derived: Mapping[Hashable, Hashable] | None = None,
    total_row: Any = _AUTO,
    total_column: Any = _AUTO,
    secondary: bool = True,
    complements: Mapping[Hashable, Hashable] | None = None,
) -> pd.DataFrame | pd.Series:
    """Which cells :func:`suppress` hides (True = hidden). Same arguments as :func:`suppress`.

    Returns
    -------
    pandas.DataFrame or Series of bool
        Same shape and labels as ``table``. :func:`suppression` gives the mask with the
        summary of primary, complement, secondary and derived suppressions.
    """
    return suppression(
        table,
        threshold,
        count_columns=count_columns,
        derived=derived,
        total_row=total_row,
        total_column=total_column,
        secondary=secondary,
        complements=complements,
    ).mask


def suppress(
    table: pd.DataFrame | pd.Series,
    threshold: int = 5,
    *,
    count_columns: Sequence[Hashable] | None = None,
    derived: Mapping[Hashable, Hashable] | None = None,
    total_row: Any = _AUTO,
    total_column: Any = _AUTO,
    secondary: bool = True,
    complements: Mapping[Hashable, Hashable] | None = None,
) -> pd.DataFrame | pd.Series:
    """Hide small counts (and whatever would reveal them) before a table leaves the workbench.

    Conventions
    -----------
    - **Primary**: counts from 1 to ``threshold - 1`` (1 to 4 by default) are shown as "*";
      zero is shown.
    - **Complements**: ``complements={"within_target": "started"}`` says the part's
      complement (``started - within_target``, people not seen in time) is a count of people
      too: where it is 1 to ``threshold - 1`` the part is hidden as well.
    - **Secondary**: where a total is shown, a hidden cell must not be recoverable from the
      shown cells. Every "line" (a row with the total column, a column with the total row, the
      total row and the total column themselves; or a 1-D list with its total) is an
      equation; a line with a blank (NaN) cell is not one. Greedy rule, repeated until
      stable: in a line with exactly one hidden cell, hide the smallest non-zero visible cell
      (preferring one that also protects a crossing line), else the line's total. Then an
      audit solves the equations: a hidden cell that is still determined exactly (for
      example through a chain of rows and columns, not just one line) gets a further cell of
      its line hidden, and the greedy rule runs again. This guarantees no hidden cell can be
      worked out exactly by linear combination of the shown rows and columns; it is not an
      optimal (minimum information loss) cell-suppression solver and does not widen ranges
      that non-negativity alone would narrow.
    - **Derived**: ``derived={"rate": "count", "pct": "count"}`` hides rates, percentages or
      limits wherever the linked count is hidden.

    Parameters
    ----------
    table : DataFrame or Series
        Counts, with optional margins. Rows are categories; a Series is a 1-D list.
    threshold : int, default 5
        Smallest count shown (besides zero). ``StudyConfig.suppression_threshold``.
    count_columns : list, optional
        Columns holding counts (default: every column not named in ``derived`` that is
        numeric, or text whose every value is a number such as "12" or "1,296", as when a
        CSV is read as text). Other columns (labels, population) are left as they are.
    derived : mapping, optional
        Derived column -> the count column it was computed from.
    total_row, total_column : label, "auto" or None, default "auto"
        The margin row/column label. "auto" finds a label named "Total"/"All"
        (case-insensitive); None means there is no such margin.
    secondary : bool, default True
        Apply secondary suppression.
    complements : mapping, optional
        Part count column -> the whole count column it is part of (see Conventions).

    Returns
    -------
    DataFrame or Series
        A new table; suppressed columns have object dtype with "*" in hidden cells. Use
        :func:`suppression_mask` (same arguments) for the boolean mask, :func:`suppression`
        for the table, the mask and the summary of what was hidden.

    Examples
    --------
    >>> s = pd.Series({"A": 3, "B": 12, "C": 40, "Total": 55})
    >>> suppress(s).tolist()
    ['*', '*', 40, 55]
    """
    return suppression(
        table,
        threshold,
        count_columns=count_columns,
        derived=derived,
        total_row=total_row,
        total_column=total_column,
        secondary=secondary,
        complements=complements,
    ).shown


def suppression(
    table: pd.DataFrame | pd.Series,
    threshold: int = 5,
    *,
    count_columns: Sequence[Hashable] | None = None,
    derived: Mapping[Hashable, Hashable] | None = None,
    total_row: Any = _AUTO,
    total_column: Any = _AUTO,
    secondary: bool = True,
    complements: Mapping[Hashable, Hashable] | None = None,
) -> Suppression:
    """:func:`suppress` with its mask and summary: a :class:`Suppression`.

    Same arguments and rules as :func:`suppress`.

    Examples
    --------
    >>> r = suppression(pd.Series({"A": 3, "B": 12, "C": 40, "Total": 55}))
    >>> r.mask.tolist()
    [True, True, False, False]
    """
    frame, was_series, mask, summary = _plan(
        table, threshold, count_columns, derived, total_row, total_column, secondary, complements
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
        shown, hidden = out.iloc[:, 0], mask.iloc[:, 0].copy()
        shown.name = hidden.name = table.name
        return Suppression(shown, hidden, summary)
    return Suppression(out, mask.copy(), summary)


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
        Columns to check. Default: every non-boolean column whose shown (not blank, not "*")
        values are all whole numbers, "1,296" included (so rates with decimals are not
        mistaken for counts).
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
            column = frame[col]
            if pd.api.types.is_bool_dtype(column.dtype):
                continue
            text = column.astype("string").str.strip()
            shown = column[column.notna() & (text != SUPPRESSED) & (text != "")]
            nums = _numbers(shown)
            if len(shown) and nums.notna().all() and bool((nums == np.round(nums)).all()):
                count_columns.append(col)
    rows = []
    for col in count_columns:
        if col not in frame.columns:
            raise WorkbenchError(f"count column {col!r} is not in the table")
        nums = _numbers(frame[col].where(frame[col].astype(str) != SUPPRESSED))
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
