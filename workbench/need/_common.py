"""Shared checks and the display (suppression) step used by every need function."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.need.results import Shown
from workbench.schemas import TEMPLATE_MODELS, require_template

__all__ = [
    "require_frame",
    "require_columns",
    "counts_column",
    "pick_year",
    "treatment_rows",
    "display_described",
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


def display_described(result: Any, threshold: int) -> Shown:
    """The display (export) version of an analysis result, as the disclosure policy shows it.

    ``result`` is a :class:`workbench.disclosure.Described`; the cells withheld are the ones
    :meth:`workbench.disclosure.Policy.protect` withholds (the same front door as
    :meth:`workbench.outputs.Outputs.table`, on this table alone): counts 1 to
    ``threshold - 1``, the parts whose complement is small, secondary cells against every
    margin the description names, and every value derived from a withheld count.

    Returns
    -------
    Shown
        The frame (same index and columns as ``result.frame``) with "*" in withheld cells,
        the summary of what was hidden and the settings of a
        :class:`~workbench.need.results.NeedTable` (none for a plain ``Described``).
    """
    done = _shown({"table": result}, threshold, "counts 1 to {m} shown as '*'; zero shown")
    return Shown(
        frame=done["table"]["frame"],
        suppression=done["table"]["suppression"],
        settings=dict(getattr(result, "settings", {})),
    )


def _shown(results: Mapping[str, Any], threshold: int, rule: str) -> dict[str, dict[str, Any]]:
    """Frames and summaries of results published together, withheld cells from the policy.

    One :class:`workbench.disclosure.Published` per result (index levels as columns, as
    :meth:`workbench.outputs.Outputs.table` publishes them), protected together by
    :meth:`workbench.disclosure.Policy.protect`; each summary counts the cells of its own
    table hidden by each rule.
    """
    from workbench.disclosure import Policy, Published

    policy = Policy(threshold)
    flat = {}
    for name, result in results.items():
        index = [str(n) for n in result.frame.index.names if n is not None]
        described = result.reset_index() if index else result
        frame = described.frame.copy()
        frame.columns = [str(c) for c in frame.columns]
        flat[name] = (result, index, frame, described.spec.restricted(frame.columns))
    pubs = [
        Published(name, frame, spec, pd.DataFrame(False, index=frame.index, columns=frame.columns))
        for name, (_, _, frame, spec) in flat.items()
    ]
    masks = policy.protect(pubs)
    out: dict[str, dict[str, Any]] = {}
    for (name, (result, index, frame, spec)), full in zip(flat.items(), masks, strict=True):
        counts = list(spec.counts)
        small = int(sum(policy.small(frame[c]).sum() for c in counts))
        first = policy.mask(frame, spec)
        n_first = int(first[counts].to_numpy().sum()) if counts else 0
        n_all = int(full[counts].to_numpy().sum()) if counts else 0
        derived = [c for c in spec.derived if c in full.columns]
        summary = {
            "threshold": policy.threshold,
            "rule": rule.format(m=policy.threshold - 1),
            "primary": small,
            "complement": n_first - small,
            "secondary": n_all - n_first,
            "derived": int(full[derived].to_numpy().sum()) if derived else 0,
            "count_columns": counts,
        }
        mask = full.drop(columns=index).set_axis(result.frame.index)
        mask.columns = list(result.frame.columns)
        shown = policy.shown(result.frame, spec, mask)
        out[name] = {"frame": shown, "suppression": summary, "mask": mask}
    return out
