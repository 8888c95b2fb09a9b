"""Comparators for police-recorded indicators: the study against its force and each district.

A police.uk force download covers every district of the force, so the analyst already holds the
comparators that police-recorded indicators lack nationally: the force area as a whole and each
other district (community safety partnership) of the force. Each row of the download names its
LSOA ("Cheltenham 001A"); the district is that name without the LSOA suffix, so the rows are
placed by the publisher's own attribution, not re-joined by location.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.indicators.compare import rate_against
from workbench.indicators.national import VALUE_COLUMNS
from workbench.stats import funnel_plot, rate

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FORCE_AREA", "district_of_lsoa", "district_rates", "against_force", "district_funnel"]

logger = logging.getLogger(__name__)

#: Name of the whole-force row of :func:`district_rates`.
FORCE_AREA = "Force area (districts with a population)"
_SUFFIX = re.compile(r"\s+\d{3}[A-Z]$")


def district_of_lsoa(lsoa_names: pd.Series) -> pd.Series:
    """The district named in police.uk's ``LSOA name`` (``"Cheltenham 001A"`` -> ``"Cheltenham"``).

    A name without the ``NNNX`` suffix (or blank: no location) gives a missing district.

    Examples
    --------
    >>> district_of_lsoa(pd.Series(["Cheltenham 001A", "Forest of Dean 007C", ""])).tolist()
    ['Cheltenham', 'Forest of Dean', <NA>]
    """
    names = lsoa_names.astype("string").str.strip()
    ok = names.str.contains(_SUFFIX, na=False)
    return names.str.replace(_SUFFIX, "", regex=True).where(ok, pd.NA)


def district_rates(
    crimes: pd.DataFrame,
    population: Mapping[str, float] | pd.Series,
    *,
    crime_types: tuple[str, ...],
    start: pd.Period,
    end: pd.Period,
    indicator: str,
    per: int = 10_000,
) -> pd.DataFrame:
    """Rates of one police-recorded indicator for every district of the force and the force.

    Conventions
    -----------
    Count = rows of ``crime_types`` from ``start`` to ``end`` (whole months) whose ``LSOA
    name`` places them in a district (:func:`district_of_lsoa`); rows with no location (no
    LSOA name) are left out and logged. Rate =
    count / the district's resident population (``population``: Census 2021 or a mid-year
    estimate, by district name) x ``per``, exact Poisson below 10, Byar's from 10. The force
    row (:data:`FORCE_AREA`) sums the districts that have a population. Districts in the
    download without a population are logged and left out (a district of another force whose
    rows border the area, for example).

    Returns
    -------
    DataFrame
        :data:`~workbench.indicators.national.VALUE_COLUMNS`, one row per district and the
        force, ``period`` ``"YYYY-MM to YYYY-MM"``.
    """
    if "lsoa_name" not in crimes:
        raise WorkbenchError("district_rates: the crimes have no 'LSOA name' column")
    pop = pd.Series(dict(population), dtype=float)
    sel = crimes.loc[
        crimes["crime_type"].isin(list(crime_types))
        & (crimes["month"] >= start)
        & (crimes["month"] <= end)
    ]
    district = district_of_lsoa(sel["lsoa_name"])
    if district.isna().any():
        logger.info("%s: %d row(s) without an LSOA name left out", indicator, district.isna().sum())
    counts = district.dropna().value_counts()
    unknown = sorted(set(counts.index) - set(pop.index))
    if unknown:
        logger.warning("%s: no population for district(s) %s: left out", indicator, unknown)
    names = list(pop.index)
    count = counts.reindex(names, fill_value=0).to_numpy(float)
    denom = pop.reindex(names).to_numpy(float)
    names.append(FORCE_AREA)
    count = np.append(count, count.sum())
    denom = np.append(denom, denom.sum())
    r = rate(count, denom, per=per)
    return pd.DataFrame(
        {
            "indicator": indicator,
            "period": f"{start} to {end}",
            "area_name": names,
            "area_code": pd.NA,
            "count": count,
            "denominator": denom,
            "value": r["rate"].to_numpy(),
            "lower": r["lower"].to_numpy(),
            "upper": r["upper"].to_numpy(),
            "note": [""] * (len(names) - 1) + [f"sum of the {len(names) - 1} districts"],
        }
    )[VALUE_COLUMNS]


def against_force(values: pd.DataFrame, study: str, polarity: str = "no judgement") -> str:
    """The study district's interval against the force area's rate (:func:`rate_against`)."""
    row = values.loc[values["area_name"] == study]
    force = values.loc[values["area_name"] == FORCE_AREA]
    if row.empty or force.empty:
        raise WorkbenchError(f"against_force: no row for {study!r} or the force area")
    r = row.iloc[0]
    return rate_against(r["lower"], r["upper"], float(force["value"].iloc[0]), polarity)


def district_funnel(
    values: pd.DataFrame, study: str, *, per: int = 10_000, title: str | None = None
) -> Figure:
    """Funnel plot of the force's districts around the force rate (95% and 99.8% limits).

    Exact Poisson limits (:func:`workbench.stats.funnel_plot`); the study is highlighted, the
    x-axis is the districts' resident population and the y-axis the rate.
    """
    from workbench.indicators.catalogue import indicator

    d = values.loc[values["area_name"] != FORCE_AREA].set_index("area_name")
    force = values.loc[values["area_name"] == FORCE_AREA].iloc[0]
    try:
        name = indicator(str(force["indicator"])).name
    except WorkbenchError:
        name = str(force["indicator"])
    fig = funnel_plot(
        d["count"],
        d["denominator"],
        kind="rate",
        target=float(force["value"]),
        per=per,
        highlight=study,
        title=title
        or f"{name}, {force['period']}:\n{len(d)} districts of the force around the force rate",
        xlabel="district resident population",
        ylabel=f"crude rate per {per:,}",
    )
    ax = fig.axes[0]
    for line in ax.get_lines():  # the baseline is the force area's rate: say so
        if line.get_label() == "baseline":
            line.set_label(f"force area rate ({float(force['value']):.1f})")
    ax.legend(fontsize=8)
    return fig
