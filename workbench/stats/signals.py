"""One SPC and trend summary row per monthly series, with its XmR chart."""

from __future__ import annotations

import logging
import re
from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from workbench.errors import WorkbenchError
from workbench.stats.spc import spc, spc_chart, spc_unassessed
from workbench.stats.trend import mann_kendall

__all__ = ["seasonal_chart", "spc_summary"]

logger = logging.getLogger(__name__)


def _stem(name: str) -> str:
    """``'Possession of weapons'`` -> ``'possession_of_weapons'`` (a safe file stem)."""
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_") or "series"


def spc_summary(
    monthly: pd.DataFrame,
    *,
    ylabel: str = "offences",
    prefix: str = "spc_",
    improvement: str | Mapping[Hashable, str | None] | None = None,
    screen_outliers: bool = True,
    recalc_from: Any = None,
    withheld: pd.DataFrame | None = None,
    threshold: int = 5,
) -> tuple[pd.DataFrame, dict[str, Figure]]:
    """XmR signals and the Mann-Kendall trend of each column of a monthly count table.

    Parameters
    ----------
    monthly : DataFrame
        Months in rows, one series per column (e.g. :func:`workbench.stats.monthly_counts`
        with ``by`` and ``observed``); NaN marks a missing month.
    ylabel : str, default "offences"
        Y axis label of the charts and the unit in their titles.
    prefix : str, default "spc_"
        Prefix of the figure names (``spc_<column as a file stem>``).
    improvement : {"increase", "decrease", None} or dict, optional
        Which direction is good, for all series or per column (see
        :func:`workbench.stats.spc`). Default: neutral.
    screen_outliers : bool, default True
        Moving-range screening (see :func:`workbench.stats.spc`).
    recalc_from : month or list of months, optional
        Recalculate the limits from these months.
    withheld : DataFrame of bool, optional
        Same rows and columns as ``monthly``: True where the published table withholds the
        month (:meth:`workbench.outputs.Outputs.withheld`; the value in ``monthly`` is then
        NaN, from :meth:`workbench.outputs.Outputs.plot_data`). Such months are gaps, kept
        apart from missing months in the charts and the table.
    threshold : int, default 5
        The suppression threshold (legend words).

    Returns
    -------
    table : DataFrame
        One row per column: series (the column name), months (in the table),
        months_observed, missing_months (text, "none" when complete), withheld_months
        (with ``withheld``: how many months are withheld), mean_per_month (over
        observed, shown months, 1 d.p.), special_cause_months, latest_signal (of the last observed
        month; "none" when it has none; "not assessed", like the chart's limits and the
        Mann-Kendall columns, when more months are withheld than shown or the withheld
        months leave no two consecutive shown months), latest_month (that month), mann_kendall_tau
        (3 d.p.), mann_kendall_p (4 d.p.).
    figures : dict
        Figure name -> XmR chart, in column order.

    Raises
    ------
    WorkbenchError
        ``monthly`` is not a DataFrame or has no columns.

    Notes
    -----
    Per column: :func:`workbench.stats.spc` (NHS "Making Data Count": moving-range
    screening, limits mean +/- 2.66 mR-bar from observed months, no moving range across a
    missing month, the rules listed there) and :func:`workbench.stats.mann_kendall` on the
    observed months only (two-sided p, normal approximation with continuity and tie
    correction). A missing month is never read as zero.
    """
    if not isinstance(monthly, pd.DataFrame) or monthly.shape[1] == 0:
        raise WorkbenchError(
            "monthly: expected a DataFrame of monthly counts with one column per series, "
            f"found {type(monthly).__name__}"
            + (" with no columns" if isinstance(monthly, pd.DataFrame) else "")
        )
    rows = []
    figures: dict[str, Figure] = {}
    for column in monthly.columns:
        series = monthly[column]
        good = improvement.get(column) if isinstance(improvement, Mapping) else improvement
        held = None if withheld is None else withheld[column]
        n_held = 0 if held is None else int(held.astype(bool).sum())
        assessed = n_held <= int(series.notna().sum())
        chart = None
        if assessed:
            try:
                chart = spc(
                    series,
                    improvement=good,
                    screen_outliers=screen_outliers,
                    recalc_from=recalc_from,
                )
            except WorkbenchError:
                if not n_held:
                    raise
                assessed = False  # withheld months leave too few neighbours for limits
        if chart is None:
            chart = spc_unassessed(series)
        figures[f"{prefix}{_stem(column)}"] = spc_chart(
            chart,
            screen_outliers=screen_outliers,
            title=f"{column}: monthly {ylabel} (XmR)",
            ylabel=ylabel,
            withheld=held,
            threshold=threshold,
        )
        values = chart["value"]
        seen = chart[chart["observed"]]
        trend = mann_kendall(values.dropna().to_numpy()) if assessed else None
        held_set = set() if held is None else {str(k) for k, v in held.items() if v}
        gaps = [
            str(m) for m in chart.index[~chart["observed"].to_numpy(bool)] if str(m) not in held_set
        ]
        extra = {} if held is None else {"withheld_months": len(held_set)}
        rows.append(
            {
                "series": column,
                "months": len(chart),
                "months_observed": len(seen),
                "missing_months": ", ".join(gaps) if gaps else "none",
                **extra,
                "mean_per_month": round(float(values.mean()), 1),
                "special_cause_months": int(chart["special_cause"].sum()) if assessed else pd.NA,
                "latest_signal": (seen["signal"].iloc[-1] or "none")
                if assessed
                else "not assessed (too many months withheld)",
                "latest_month": str(seen.index[-1]) if len(seen) else "none",
                "mann_kendall_tau": round(trend.tau, 3) if trend else pd.NA,
                "mann_kendall_p": round(trend.p, 4) if trend else pd.NA,
            }
        )
    return pd.DataFrame(rows), figures


def seasonal_chart(
    seasonal: pd.DataFrame, *, title: str = "Seasonal index (1 = a typical month)"
) -> Figure:
    """Line chart of seasonal indices by calendar month, one line per series.

    Parameters
    ----------
    seasonal : DataFrame
        :func:`workbench.stats.seasonality` output with ``by``: ``month_name``,
        ``crime_type`` and ``seasonal_index`` (1 = a typical month), months in calendar order.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        Months on the x axis in the order they first appear in ``seasonal``. A missing
        index (a month withheld by disclosure control, from
        :meth:`workbench.outputs.Outputs.plot_data`, or never observed) is a gap in its
        line, and a footnote says so.
    """
    needed = ["month_name", "crime_type", "seasonal_index"]
    if not isinstance(seasonal, pd.DataFrame) or any(c not in seasonal for c in needed):
        found = list(seasonal.columns) if isinstance(seasonal, pd.DataFrame) else seasonal
        raise WorkbenchError(f"seasonal: expected columns {needed}, found {found!r}")
    wide = seasonal.pivot(index="month_name", columns="crime_type", values="seasonal_index")
    wide = wide.reindex(seasonal["month_name"].unique())
    ax = wide.plot(marker="o", title=title)
    fig = ax.get_figure()
    ax.set_xlabel("")
    if wide.isna().to_numpy().any():
        fig.subplots_adjust(bottom=0.16)
        fig.text(
            0.01,
            0.005,
            "Gaps: months withheld (disclosure control) or never observed; not zero.",
            fontsize=7,
            va="bottom",
        )
    return fig
