"""Spreadsheet-safe text cells (OWASP "CSV injection").

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
as a formula by Excel, LibreOffice and Google Sheets. OWASP's guidance
(https://owasp.org/www-community/attacks/CSV_Injection) is to prefix such cells with a
single quote in CSV; in XLSX the cell is written with the string type, so it is never a
formula. Numeric columns are left as numbers.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "neutralise", "safe_csv_frame", "whole_counts", "write_xlsx"]

logger = logging.getLogger(__name__)

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text value prefixed with ``'`` when it would start a formula; others unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _text_columns(frame: pd.DataFrame) -> list[Any]:
    return [
        c
        for c in frame.columns
        if not pd.api.types.is_numeric_dtype(frame[c].dtype)
        and not pd.api.types.is_bool_dtype(frame[c].dtype)
    ]


def whole_counts(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy whose count ``columns`` are written as whole numbers (``34``, not ``34.0``).

    A count column turns float when a join or an earlier step brought a missing value in;
    written as it is, every count reads ``34.0``. A column is changed only when each of its
    numeric values is whole; ``"*"`` (suppressed) and missing cells stay as they are.
    """
    out = frame.copy()
    for c in columns:
        if c not in out.columns:
            continue
        col = out[c]
        if pd.api.types.is_float_dtype(col.dtype):
            vals = col.dropna()
            if (vals == vals.round()).all():
                out[c] = col.astype("Int64")
        elif col.dtype == object:
            nums = pd.to_numeric(col, errors="coerce")
            floats = col.map(lambda v: isinstance(v, float)) & nums.notna()
            if floats.any() and (nums[floats] == nums[floats].round()).all():
                out[c] = pd.Series(
                    [int(n) if f else v for v, n, f in zip(col, nums, floats, strict=True)],
                    index=col.index,
                    dtype=object,
                )
    return out


def safe_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (and column names) cannot start a formula.

    Numbers stay numbers: a negative number such as ``-0.5`` in a numeric column is not
    touched; a text cell ``"-0.5"`` in a text column is neutralised only when it is not a
    number either (a ``"*"``-suppressed count column holds numbers as values).
    """
    out = frame.copy()
    for c in _text_columns(out):
        col = out[c]
        as_num = pd.to_numeric(col, errors="coerce")
        # astype(bool): an empty text column maps to an empty text column, not booleans
        is_text = col.map(lambda v: isinstance(v, str)).astype(bool) & as_num.isna()
        out[c] = col.where(~is_text, col.map(neutralise))
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    return out


def write_xlsx(frame: pd.DataFrame, path: Path, notes: list[str]) -> None:
    """Write ``frame`` (sheet ``table``) and ``notes`` (sheet ``notes``) with openpyxl.

    Every text cell is written with the string data type (``cell.data_type = "s"``), so
    a value starting with ``=`` is shown as text, never evaluated; numbers stay numeric.
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "table"
    ws.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append([_xl_value(v) for v in row])
    for r in ws.iter_rows(min_row=1):
        for cell in r:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    notes_ws = wb.create_sheet("notes")
    notes_ws.append(["note"])
    for n in notes:
        notes_ws.append([n])
    for r in notes_ws.iter_rows(min_row=1):
        for cell in r:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    wb.save(path)


def _xl_value(v: Any) -> Any:
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, (int, float, bool)):
        return v
    return str(v)
