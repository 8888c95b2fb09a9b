"""Unmet need: estimated users (prevalence) against users in treatment, with the range."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from workbench.disclosure.spec import Count, Derived, TableSpec
from workbench.errors import WorkbenchError
from workbench.need._common import counts_column, require_columns, require_frame
from workbench.need.results import NeedTable, need_table

__all__ = [
    "PREVALENCE_GROUPS",
    "OCU_TREATMENT_AGES",
    "unmet_need",
    "unmet_need_chart",
    "unmet_need_error_bars",
]

logger = logging.getLogger(__name__)

#: Treatment substance groups (templates: ``opiate`` = opiate only, ``crack`` = crack only)
#: that make up each prevalence group: any opiate = opiate only + opiate and crack; any crack =
#: crack only + opiate and crack; opiate and/or crack users (OCU) = all three.
PREVALENCE_GROUPS: dict[str, tuple[str, ...]] = {
    "opiate_and_or_crack": ("opiate", "crack", "opiate_and_crack"),
    "opiate": ("opiate", "opiate_and_crack"),
    "crack": ("crack", "opiate_and_crack"),
    "alcohol": ("alcohol",),
}

#: Treatment age bands compared with a 15-64 prevalence estimate (adults in treatment are 18+,
#: so ages 15-17 of the estimate have no counterpart; 65+ is left out).
OCU_TREATMENT_AGES = ("18-24", "25-29", "30-34", "35-39", "40-49", "50-64")

_PREV_COLS = [
    "year", "area_code", "substance_group", "age_band", "estimate", "lower_95", "upper_95",
]  # fmt: skip


def _treatment_ages(prev_age: str, treatment: pd.DataFrame) -> tuple[list[str] | None, str]:
    """Treatment age bands matching a prevalence age band, and their label."""
    if "age_band" not in treatment.columns:
        return None, "all ages (no age_band column)"
    if str(prev_age).strip() == "15-64":
        return list(OCU_TREATMENT_AGES), "18-64"
    bands = sorted(treatment["age_band"].dropna().astype(str).unique())
    return bands, "18+ (all bands)"


def unmet_need(
    prevalence: pd.DataFrame,
    in_treatment: pd.DataFrame,
    *,
    prevalence_year: str | None = None,
    treatment_year: str | None = None,
    groups: list[str] | None = None,
) -> NeedTable:
    """Met and unmet need by substance group and area, with the range from the estimate's CI.

    Conventions
    -----------
    - ``unmet_pct = (estimate - in_treatment) / estimate x 100`` and ``met_pct = 100 -
      unmet_pct`` (GUIDE section 3). The range carries the prevalence estimate's 95% interval
      through: ``unmet_pct_at_lower`` uses ``lower_95`` as the number of users (the smallest
      unmet need), ``unmet_pct_at_upper`` uses ``upper_95`` (the largest). The treatment count
      is taken as exact (no sampling error).
    - Treatment groups are mapped to prevalence groups with :data:`PREVALENCE_GROUPS`:
      ``opiate_and_or_crack`` = opiate + crack + opiate_and_crack; ``opiate`` (any opiate) =
      opiate + opiate_and_crack; ``crack`` (any crack) = crack + opiate_and_crack;
      ``alcohol`` = alcohol. ``non_opiate`` has no prevalence estimate.
    - Ages: an estimate for ages 15-64 (OCU) is compared with treatment age bands 18-24 to
      50-64 (adults 18-64; ages 15-17 have no adult treatment counterpart); an 18+ estimate
      (alcohol) with every band. Without an ``age_band`` column all treatment rows are used
      and ``treatment_ages`` says so.
    - A treatment count above the estimate gives a negative unmet need: it is kept and flagged
      (``over_estimate``; ``over_upper`` when above the upper limit too), never clipped to 0.
    - A blank (not recorded) treatment count in the rows used makes the total unknown (NaN)
      and is reported in ``blank_rows``; it is never treated as zero.

    Parameters
    ----------
    prevalence : DataFrame
        The prevalence template (year, area_code, area_name, substance_group, age_band,
        estimate, lower_95, upper_95).
    in_treatment : DataFrame
        Numbers in treatment: the treatment_demographics or treatment_by_lsoa template, or any
        table with ``financial_year``, ``substance_group`` and ``in_treatment`` (optional
        ``age_band``; optional ``area_code`` to match several areas' estimates).
    prevalence_year : str, optional
        Year of the estimate to use (e.g. ``"2019-20"``); default the latest for each group
        and area.
    treatment_year : str, optional
        Financial year of the treatment counts; default the latest.
    groups : list of str, optional
        Prevalence groups to report; default all groups with an estimate.

    Returns
    -------
    NeedTable
        A :class:`~workbench.disclosure.Described` with ``settings`` (the conventions:
        definition, treatment year, group mapping, ages). One row per area and group: area_code,
        area_name, substance_group, prevalence_year, treatment_year, prevalence_ages,
        treatment_ages, treatment_groups, estimate, lower_95, upper_95, in_treatment, blank_rows,
        met_pct, unmet_pct, unmet_pct_at_lower, unmet_pct_at_upper, over_estimate, over_upper, note.
        ``in_treatment`` counts people; the percentages give it back with the estimate, so they
        derive from it; the estimate and its limits (published modelled figures) are safe.

    Examples
    --------
    >>> prev = pd.DataFrame({"year": ["2019-20"], "area_code": ["E1"], "area_name": ["X"],
    ...     "substance_group": ["crack"], "age_band": ["15-64"], "estimate": [1000],
    ...     "lower_95": [900], "upper_95": [1100]})
    >>> tr = pd.DataFrame({"financial_year": ["2021-22"] * 2,
    ...     "substance_group": ["crack", "opiate_and_crack"], "in_treatment": [150, 300]})
    >>> unmet_need(prev, tr).frame[["unmet_pct", "unmet_pct_at_lower", "unmet_pct_at_upper"]]
       unmet_pct  unmet_pct_at_lower  unmet_pct_at_upper
    0       55.0                50.0           59.090909
    """
    prevalence = require_frame(prevalence, "prevalence")
    in_treatment = require_frame(in_treatment, "in_treatment")
    require_columns(prevalence, _PREV_COLS, "prevalence", "prevalence")
    require_columns(
        in_treatment, ["financial_year", "substance_group", "in_treatment"], "in_treatment",
        "treatment_demographics/treatment_by_lsoa",
    )  # fmt: skip
    prev = prevalence.copy()
    prev["substance_group"] = prev["substance_group"].astype(str).str.strip()
    unknown = sorted(set(prev["substance_group"]) - set(PREVALENCE_GROUPS))
    if unknown:
        raise WorkbenchError(
            f"prevalence, column 'substance_group': expected {list(PREVALENCE_GROUPS)}, "
            f"found {unknown}"
        )
    for col in ("estimate", "lower_95", "upper_95"):
        prev[col] = pd.to_numeric(prev[col], errors="coerce")
    bad = prev[(prev["estimate"] <= 0) | prev["estimate"].isna()]
    if len(bad):
        raise WorkbenchError(
            f"prevalence, column 'estimate': expected a number > 0, found "
            f"{bad['estimate'].iloc[0]!r} ({bad['substance_group'].iloc[0]}, {bad['year'].iloc[0]})"
        )
    bad = prev[~((prev["lower_95"] <= prev["estimate"]) & (prev["estimate"] <= prev["upper_95"]))]
    if len(bad):
        r = bad.iloc[0]
        raise WorkbenchError(
            f"prevalence: expected lower_95 <= estimate <= upper_95, found {r['lower_95']}, "
            f"{r['estimate']}, {r['upper_95']} ({r['substance_group']}, {r['year']})"
        )
    if groups is not None:
        missing = sorted(set(groups) - set(PREVALENCE_GROUPS))
        if missing:
            raise WorkbenchError(
                f"groups: expected some of {list(PREVALENCE_GROUPS)}, found {missing}"
            )
        prev = prev[prev["substance_group"].isin(groups)]
        if prev.empty:
            raise WorkbenchError(
                f"groups: no prevalence estimate for {list(groups)}; the prevalence table has "
                f"{sorted(set(prevalence['substance_group'].astype(str).str.strip()))}"
            )
    prev["year"] = prev["year"].astype(str)
    if prevalence_year is not None:
        if str(prevalence_year) not in set(prev["year"]):
            raise WorkbenchError(
                f"prevalence_year {prevalence_year!r} not in the prevalence table; found "
                f"{sorted(set(prev['year']))}"
            )
        prev = prev[prev["year"] == str(prevalence_year)]
    # Latest estimate per area and group (years like "2019-20" sort as text).
    prev = prev.sort_values("year").groupby(["area_code", "substance_group"], sort=False).tail(1)

    tr = in_treatment.copy()
    tr["financial_year"] = tr["financial_year"].astype(str)
    tr["substance_group"] = tr["substance_group"].astype(str).str.strip()
    tr["_n"] = counts_column(tr, "in_treatment", "in_treatment")
    years = sorted(tr["financial_year"].dropna().unique())
    if treatment_year is None:
        if not years:
            raise WorkbenchError("in_treatment has no financial_year values")
        treatment_year = years[-1]
    elif str(treatment_year) not in years:
        raise WorkbenchError(
            f"treatment_year {treatment_year!r} not in the treatment table; found {years}"
        )
    tr = tr[tr["financial_year"] == str(treatment_year)]
    has_area = "area_code" in tr.columns
    areas = prev["area_code"].unique()
    if not has_area and len(areas) > 1:
        raise WorkbenchError(
            f"prevalence has {len(areas)} areas ({list(areas)[:4]}) but in_treatment has no "
            "area_code column to match them; filter prevalence to the study area first"
        )

    rows = []
    for rec in prev.sort_values(["area_code", "substance_group"]).itertuples(index=False):
        members = PREVALENCE_GROUPS[rec.substance_group]
        sel = tr[tr["substance_group"].isin(members)]
        if has_area:
            sel = sel[sel["area_code"] == rec.area_code]
        bands, ages_label = _treatment_ages(rec.age_band, tr)
        if bands is not None:
            sel = sel[sel["age_band"].astype(str).isin(bands)]
        blanks = int(sel["_n"].isna().sum())
        n = float(sel["_n"].sum()) if blanks == 0 else np.nan
        notes = []
        if sel.empty:
            notes.append("no treatment rows for these groups")
            n = np.nan
        if blanks:
            notes.append(f"{blanks} treatment row(s) not recorded: total unknown")
        est, lo, hi = float(rec.estimate), float(rec.lower_95), float(rec.upper_95)
        unmet = (est - n) / est * 100
        over = bool(n > est) if not np.isnan(n) else False
        over_hi = bool(n > hi) if not np.isnan(n) else False
        if over:
            notes.append(
                "in treatment exceeds the estimate"
                + (" and its upper limit" if over_hi else "")
                + ": check years, ages and groups"
            )
        rows.append(
            {
                "area_code": rec.area_code,
                "area_name": getattr(rec, "area_name", rec.area_code),
                "substance_group": rec.substance_group,
                "prevalence_year": rec.year,
                "treatment_year": str(treatment_year),
                "prevalence_ages": str(rec.age_band),
                "treatment_ages": ages_label,
                "treatment_groups": " + ".join(members),
                "estimate": est,
                "lower_95": lo,
                "upper_95": hi,
                "in_treatment": n,
                "blank_rows": blanks,
                "met_pct": 100 - unmet,
                "unmet_pct": unmet,
                "unmet_pct_at_lower": (lo - n) / lo * 100 if lo > 0 else np.nan,
                "unmet_pct_at_upper": (hi - n) / hi * 100,
                "over_estimate": over,
                "over_upper": over_hi,
                "note": "; ".join(notes),
            }
        )
        if over:
            logger.warning(
                "%s %s: %g in treatment exceeds the estimate %g",
                rec.area_code, rec.substance_group, n, est,
            )  # fmt: skip
    out = pd.DataFrame(rows)
    settings = {
        "definition": "unmet need % = (estimated users - users in treatment) / estimated "
        "users x 100; range from the estimate's 95% limits",
        "treatment_year": str(treatment_year),
        "group_mapping": {k: list(v) for k, v in PREVALENCE_GROUPS.items()},
        "ages": "15-64 estimates against treatment ages 18-64; 18+ estimates against all "
        "treatment ages",
    }
    spec = TableSpec(
        dims=("area_code", "substance_group"),
        counts={"in_treatment": Count("unmet_need.in_treatment")},
        derived={
            c: Derived(("in_treatment",))
            for c in ("met_pct", "unmet_pct", "unmet_pct_at_lower", "unmet_pct_at_upper")
        },
        safe=("estimate", "lower_95", "upper_95", "blank_rows"),
    )
    return need_table(out, spec, settings)


def unmet_need_error_bars(unmet: pd.DataFrame) -> np.ndarray:
    """Asymmetric error bars of unmet need from the estimate's 95% limits.

    Row 0 is ``unmet_pct - unmet_pct_at_lower`` (the distance down to the value at the lower
    limit of the estimate), row 1 ``unmet_pct_at_upper - unmet_pct`` (up to the value at the
    upper limit), as ``matplotlib``'s ``xerr``/``yerr`` take them (shape 2 x n).

    Parameters
    ----------
    unmet : DataFrame
        The output of :func:`unmet_need`.

    Returns
    -------
    numpy.ndarray
        Shape (2, len(unmet)).
    """
    require_columns(
        unmet, ["unmet_pct", "unmet_pct_at_lower", "unmet_pct_at_upper"], "unmet", "unmet_need"
    )
    return np.vstack(
        [
            (unmet["unmet_pct"] - unmet["unmet_pct_at_lower"]).to_numpy(dtype=float),
            (unmet["unmet_pct_at_upper"] - unmet["unmet_pct"]).to_numpy(dtype=float),
        ]
    )


def unmet_need_chart(unmet: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Horizontal bars of unmet need (%) by substance group, with the estimate's range.

    Error bars from :func:`unmet_need_error_bars` (the range of unmet need over the
    estimate's 95% limits; the treatment count is taken as exact). The title starts
    "SYNTHETIC - " when ``synthetic``.

    Parameters
    ----------
    unmet : DataFrame
        The output of :func:`unmet_need` (``substance_group`` and the ``unmet_pct`` columns).
    synthetic : bool, default False
        The prevalence estimate is synthetic: say so in the title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    require_columns(unmet, ["substance_group"], "unmet", "unmet_need")
    title = "Unmet need (%) with the estimate's range"
    if synthetic:
        title = "SYNTHETIC - unmet need (%) with the estimate's range"
    ax = unmet.set_index("substance_group")["unmet_pct"].plot.barh(
        xerr=unmet_need_error_bars(unmet), color="#c0504d", title=title
    )
    ax.set_xlabel("% of estimated users not in treatment")
    return ax.get_figure()


#: The columns of :func:`unmet_need` a report shows (issue 23: no column lists in notebooks).
UNMET_SHOWN = (
    "substance_group",
    "prevalence_year",
    "treatment_year",
    "prevalence_ages",
    "treatment_ages",
    "estimate",
    "lower_95",
    "upper_95",
    "in_treatment",
    "unmet_pct",
    "unmet_pct_at_lower",
    "unmet_pct_at_upper",
)


def unmet_need_table(result: Any) -> Any:
    """The report's view of :func:`unmet_need`: :data:`UNMET_SHOWN`, rounded to 0.1.

    Takes and returns a :class:`workbench.disclosure.Described` (the description follows).
    """
    return result.select(list(UNMET_SHOWN)).round(1)
