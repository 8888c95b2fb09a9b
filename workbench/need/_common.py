"""Shared checks and the suppression step used by every need function."""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.schemas import TEMPLATE_MODELS, require_template
from workbench.stats.disclosure import suppression_mask

__all__ = [
    "require_frame",
    "require_columns",
    "counts_column",
    "pick_year",
    "treatment_rows",
    "display_table",
    "hide_cells",
    "as_list",
]

logger = logging.getLogger(__name__)


def require_frame(obj: Any, name: str) -> pd.DataFrame:
    """``obj`` if it is a DataFrame, else a WorkbenchError naming the argument."""
    if not isinstance(obj, pd.DataFrame):
        raise WorkbenchError(f"{name} must be a pandas DataFrame, found {type(obj).__name__}")
    return obj


def require_columns(df: pd.DataFrame, columns: Iterable[str], name: str, template: str) -> None:
    """Raise a WorkbenchError naming the missing columns of a template table.

    For a partnership template (``template`` names one of
    :data:`workbench.schemas.TEMPLATE_MODELS`) the check is the model's
    (:func:`workbench.schemas.require_template`): the columns must be the template's.
    """
    if template in TEMPLATE_MODELS:
        require_template(df, template, name, columns)
        return
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise WorkbenchError(
            f"{name} must have the {template} template columns (docs/templates.md); missing "
            f"{missing}, found {list(df.columns)}"
        )


def counts_column(df: pd.DataFrame, column: str, name: str) -> pd.Series:
    """A count column as floats (blank = NaN = not recorded), checked to be whole and >= 0."""
    values = pd.to_numeric(df[column], errors="coerce")
    bad = values.isna() & df[column].notna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise WorkbenchError(
            f"{name}, column {column!r}: expected a whole number >= 0, found "
            f"{df[column].iloc[pos]!r} (row label {df.index[pos]!r})"
        )
    values = values.astype(float)
    bad = (values < 0) | (values.notna() & (values != np.round(values)))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise WorkbenchError(
            f"{name}, column {column!r}: expected a whole number >= 0, found "
            f"{values.iloc[pos]:g} (row label {df.index[pos]!r})"
        )
    return values


def pick_year(df: pd.DataFrame, column: str, year: str | None, name: str) -> str:
    """The requested year (checked to be present) or the latest year in ``column``."""
    years = sorted(df[column].dropna().astype(str).unique())
    if not years:
        raise WorkbenchError(f"{name} has no values in column {column!r}")
    if year is None:
        return years[-1]
    if str(year) not in years:
        raise WorkbenchError(f"{name} has no rows for {column} {year!r}; found {years}")
    return str(year)


def treatment_rows(
    df: pd.DataFrame,
    name: str,
    year: str | None,
    substance_groups: Sequence[str] | None,
    age_bands: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, str, list[str]]:
    """One financial year's treatment rows (optionally some substance groups and age bands).

    Returns the rows with a float column ``_n`` (the ``in_treatment`` counts), the year used
    (default the latest) and the groups kept (``[]`` = all). A blank (not recorded) count in
    the rows kept, or no rows at all, raises a WorkbenchError: shares and rates need every
    count.
    """
    year = pick_year(df, "financial_year", year, name)
    rows = df[df["financial_year"].astype(str) == year].copy()
    groups = as_list(substance_groups)
    if groups:
        rows = rows[rows["substance_group"].isin(groups)]
    bands = as_list(age_bands)
    if bands:
        if "age_band" not in rows.columns:
            raise WorkbenchError(f"age_bands given but {name} has no age_band column")
        rows = rows[rows["age_band"].astype(str).isin(bands)]
    if rows.empty:
        raise WorkbenchError(
            f"{name} has no rows for {year} with substance_groups={groups or 'all'} and "
            f"age_bands={bands or 'all'}"
        )
    rows["_n"] = counts_column(rows, "in_treatment", name)
    if rows["_n"].isna().any():
        raise WorkbenchError(
            f"{name}, column 'in_treatment': {int(rows['_n'].isna().sum())} blank (not "
            f"recorded) count(s) in {year}; shares and rates need every count"
        )
    return rows, year, groups


def as_list(value: str | Sequence[str] | None) -> list[str]:
    """A string or sequence of strings as a list (None -> [])."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def display_table(
    table: pd.DataFrame,
    threshold: int,
    *,
    count_columns: Sequence[Hashable],
    derived: Mapping[Hashable, Sequence[Hashable]] | None = None,
    total_row: Any = None,
    complements: Mapping[Hashable, Hashable] | None = None,
) -> pd.DataFrame:
    """The display (export) version of a numeric need table, small counts hidden.

    Counts from 1 to ``threshold - 1`` become "*" with :func:`workbench.stats.suppress`'s rules
    (primary, and secondary against a ``total_row`` when there is one). A derived column
    (a percentage, a ratio, an interval limit) is hidden wherever ANY of the counts it was
    computed from is hidden, because an interval can reveal its denominator.

    Parameters
    ----------
    table : DataFrame
        Numeric table with unique row labels.
    threshold : int
        Smallest count shown besides zero.
    count_columns : list
        Columns that hold counts.
    derived : mapping, optional
        Derived column -> the count columns it depends on.
    total_row : label, optional
        Label of a margin row whose counts are the sums of the other rows.
    complements : mapping, optional
        Part count column -> whole count column (``within_target`` -> ``started``): where
        ``whole - part`` is 1 to ``threshold - 1`` the part is hidden too, so the small
        complement cannot be worked out by subtraction.
    """
    derived = dict(derived or {})
    mask = suppression_mask(
        table,
        threshold,
        count_columns=list(count_columns),
        total_row=total_row,
        total_column=None,
        complements=complements,
    )
    hide: dict[Hashable, np.ndarray] = {c: mask[c].to_numpy() for c in count_columns}
    return hide_cells(table, hide, derived, mask.attrs.get("suppression", {}))


def display_described(result: Any, threshold: int) -> pd.DataFrame:
    """The display version of an analysis result (a :class:`workbench.disclosure.Described`),
    suppressed by :func:`display_table` with what its description says: its counts, the
    values derived from them, the complements of its parts and its total row."""
    spec = result.spec
    totals = [label for dim, label in spec.totals.items() if dim == result.frame.index.name]
    return display_table(
        result.frame,
        threshold,
        count_columns=list(spec.counts),
        derived={k: list(d.counts) for k, d in spec.derived.items()},
        total_row=totals[0] if totals else None,
        complements={k: c.part_of for k, c in spec.counts.items() if c.part_of},
    )


def hide_cells(
    table: pd.DataFrame,
    hidden: Mapping[Hashable, np.ndarray],
    derived: Mapping[Hashable, Sequence[Hashable]] | None = None,
    summary: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """A copy of ``table`` with "*" where ``hidden`` (column -> bool array) says so.

    A ``derived`` column is hidden wherever ANY of the columns it depends on is hidden
    (keys of ``hidden`` that are not columns can serve as such dependencies, for example a
    total shown in another table).
    ``attrs["suppression"]`` is ``summary`` with the number of derived cells hidden.
    """
    from workbench.disclosure import Count, Derived, TableSpec, apply_mask, derived_mask

    hide = {str(c): np.asarray(h, dtype=bool) for c, h in hidden.items()}
    derived = {
        str(col): tuple(str(b) for b in bases)
        for col, bases in dict(derived or {}).items()
        if col in table.columns
    }
    # the one disclosure path: a derived column is hidden wherever one of its counts is
    spec = TableSpec(
        counts={c: Count() for c in hide},
        derived={c: Derived(bases) for c, bases in derived.items()},
    )
    mask = pd.DataFrame(hide, index=table.index)
    for col in table.columns:
        if str(col) not in mask.columns:
            mask[str(col)] = False
    mask = derived_mask(mask, spec)
    mask = mask.rename(columns={str(c): c for c in table.columns})
    out = apply_mask(table, mask)
    hide = {c: mask[c].to_numpy() for c in derived}
    info = dict(summary or {})
    info["derived"] = int(sum(hide[c].sum() for c in derived if c in hide))
    out.attrs.update(table.attrs)
    out.attrs["suppression"] = info
    return out
