"""Response times of reported finds (e.g. discarded needles): share collected within target."""

from __future__ import annotations

import logging

import pandas as pd

from workbench.disclosure.spec import Count, Derived, Described, TableSpec, wilson_columns
from workbench.errors import WorkbenchError
from workbench.need._common import require_columns, require_frame
from workbench.stats.rates import proportion

__all__ = ["collection_times"]

logger = logging.getLogger(__name__)


def collection_times(
    finds: pd.DataFrame, target_hours: float = 24, *, conf: float = 0.95
) -> Described:
    """Finds per calendar year, the share collected within ``target_hours``, median and 90th
    percentile hours to collection.

    Conventions
    -----------
    - ``year`` is the calendar year of ``date`` (partial years at the ends of the data).
    - ``within_target``: finds with ``hours_to_collection <= target_hours``; a find with no
      collection time counts in ``finds`` but not as within target.
    - ``proportion = within_target / finds`` with a Wilson score interval (``lower``,
      ``upper``) at ``conf`` (:func:`workbench.stats.proportion`).
    - ``median_hours`` and ``p90_hours`` over the finds with a time; percentiles by linear
      interpolation between order statistics (pandas/numpy default, Hyndman-Fan type 7).

    Parameters
    ----------
    finds : DataFrame
        The needle_finds template: ``date`` (datetime) and ``hours_to_collection``.
    target_hours : float, default 24
        Collection target, hours after the report.
    conf : float, default 0.95

    Returns
    -------
    Described
        One row per year: year, finds, within_target, median_hours, p90_hours, proportion,
        lower, upper. Needle finds are a partnership table: ``finds`` and ``within_target``
        (part of the finds) are counts; the share, its limits and the hours (statistics of
        the finds counted) derive from them.

    Raises
    ------
    WorkbenchError
        Missing columns, dates that are not dates, or a target that is not a positive number.
    """
    finds = require_frame(finds, "finds")
    require_columns(finds, ["date", "hours_to_collection"], "finds", "needle_finds")
    if not isinstance(target_hours, int | float) or not target_hours > 0:
        raise WorkbenchError(f"target_hours: expected a number above 0, found {target_hours!r}")
    dates = pd.to_datetime(finds["date"], errors="coerce")
    if dates.isna().any():
        raise WorkbenchError(
            f"finds, column 'date': expected dates, found {finds['date'][dates.isna()].iloc[0]!r}"
        )
    hours = pd.to_numeric(finds["hours_to_collection"], errors="coerce")
    frame = pd.DataFrame(
        {"year": dates.dt.year, "hours": hours, "within": (hours <= target_hours).astype(int)}
    )
    grouped = frame.groupby("year")
    out = grouped.agg(
        finds=("within", "size"),
        within_target=("within", "sum"),
        median_hours=("hours", "median"),
    )
    out["p90_hours"] = grouped["hours"].quantile(0.9)
    shares = proportion(out["within_target"], out["finds"], conf=conf)
    out = out.join(shares[["proportion", "lower", "upper"]])
    spec = TableSpec(
        dims=("year",),
        counts={
            "finds": Count("needles.finds"),
            "within_target": Count("needles.within_target", part_of="finds"),
        },
        derived={
            **wilson_columns("within_target", "finds", "proportion", "lower", "upper"),
            "median_hours": Derived(("finds",)),
            "p90_hours": Derived(("finds",)),
        },
    )
    return Described(out.reset_index(), spec)
