"""Indicators computed from the study's own data: police.uk and the partnership templates."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.indicators.national import VALUE_COLUMNS
from workbench.stats import proportion, rate

__all__ = [
    "POLICE_INDICATORS",
    "CHARGED",
    "PENDING",
    "months_covered",
    "twelve_month_windows",
    "police_indicators",
    "drug_outcomes",
    "treatment_indicators",
]

logger = logging.getLogger(__name__)

#: police.uk crime types of each police indicator, and its rate multiplier.
POLICE_INDICATORS: dict[str, tuple[tuple[str, ...], int]] = {
    "drug_offences": (("Drugs",), 10_000),
    "asb": (("Anti-social behaviour",), 10_000),
    "sac": (("Burglary", "Robbery", "Vehicle crime"), 1_000),
    "neighbourhood_crime": (
        ("Burglary", "Robbery", "Vehicle crime", "Theft from the person"),
        1_000,
    ),
}

#: police.uk outcomes that are not (yet) an outcome: left out of the charge share's denominator.
PENDING = ("Under investigation", "Status update unavailable")
#: police.uk outcomes counted as charged or summonsed (or a court outcome).
CHARGED = (
    "Offender charged",
    "Suspect charged",
    "Suspect charged as part of another case",
    "Awaiting court outcome",
    "Court result unavailable",
    "Offender sent to prison",
    "Offender given suspended prison sentence",
    "Offender given a community sentence",
    "Offender fined",
    "Offender given conditional discharge",
    "Offender given absolute discharge",
    "Offender otherwise dealt with",
    "Offender ordered to pay compensation",
    "Offender deprived of property",
    "Defendant found not guilty",
    "Defendant sent to Crown Court",
    "Court case unable to proceed",
)


def months_covered(crimes: pd.DataFrame, covered: Any = None) -> pd.PeriodIndex:
    """The months police data cover: ``covered`` when given (a study's
    ``study.coverage.observed``, found by the loaders from the files), else the months with at
    least one police.uk row of any type (for tables built without a study).

    A month not covered is missing, never zero.
    """
    if covered is not None:
        return pd.PeriodIndex(covered, freq="M")
    return pd.PeriodIndex(sorted(set(crimes["month"])), freq="M")


def twelve_month_windows(
    covered: pd.PeriodIndex, end: pd.Period | None = None, months: int = 12
) -> list[tuple[pd.Period, pd.Period]]:
    """Consecutive complete windows of ``months`` months, latest first, ending at ``end``.

    A window with any month missing from ``covered`` stops the sequence (older windows would
    not be comparable).
    """
    if len(covered) == 0:
        return []
    end = end or covered.max()
    have = set(covered)
    out = []
    while True:
        start = end - (months - 1)
        span = pd.period_range(start, end, freq="M")
        if not all(m in have for m in span):
            break
        out.append((start, end))
        end = start - 1
    return out


def police_indicators(
    crimes: pd.DataFrame,
    population: float,
    *,
    end: pd.Period | None = None,
    area_name: str = "study area",
    covered: Any = None,
) -> pd.DataFrame:
    """Drug offences and ASB per 10,000, SAC and neighbourhood crime per 1,000, per 12 months.

    Conventions
    -----------
    Each value counts the police.uk rows of the indicator's crime types
    (:data:`POLICE_INDICATORS`) in a complete 12-month window and divides by the resident
    population (one figure, e.g. mid-2019, for every window) x the multiplier; interval exact
    Poisson below 10, Byar's from 10. Windows run back from ``end`` (default the last month with
    data) while every month of a window has data (:func:`twelve_month_windows`); ``covered``
    gives the months with data (``study.coverage.observed``; see :func:`months_covered`).

    Returns
    -------
    DataFrame
        :data:`VALUE_COLUMNS`, period ``"YYYY-MM to YYYY-MM"``, latest window last.
    """
    if not population or population <= 0:
        raise WorkbenchError(f"population must be > 0, found {population!r}")
    windows = twelve_month_windows(months_covered(crimes, covered), end)
    rows = []
    for ind, (types, per) in POLICE_INDICATORS.items():
        sel = crimes["crime_type"].isin(types)
        for start, stop in reversed(windows):
            n = int((sel & (crimes["month"] >= start) & (crimes["month"] <= stop)).sum())
            r = rate(n, population, per=per).iloc[0]
            rows.append(
                {
                    "indicator": ind,
                    "period": f"{start} to {stop}",
                    "area_name": area_name,
                    "area_code": pd.NA,
                    "count": float(n),
                    "denominator": float(population),
                    "value": r["rate"],
                    "lower": r["lower"],
                    "upper": r["upper"],
                    "note": "police.uk " + " + ".join(types),
                }
            )
    return pd.DataFrame(rows, columns=VALUE_COLUMNS)


def drug_outcomes(
    crimes: pd.DataFrame,
    *,
    start: pd.Period | None = None,
    end: pd.Period | None = None,
    covered: Any = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Police outcomes of drug offences: the distribution and the share charged or summonsed.

    Conventions
    -----------
    'Drugs' rows between ``start`` and ``end`` (default the latest 12 months with data). The
    share charged/summonsed = offences whose ``Last outcome category`` is in :data:`CHARGED` /
    offences with an outcome: blank outcomes ('not recorded') and :data:`PENDING` ("Under
    investigation", "Status update unavailable": no outcome yet) are left out of the
    denominator, as docs/indicators.md says. Wilson interval.

    Returns
    -------
    table : DataFrame
        ``outcome``, ``offences``, ``share`` (of all drug offences in the window).
    charged : Series
        ``period``, ``numerator``, ``denominator``, ``value`` (%), ``lower``, ``upper``.
    """
    if end is None or start is None:
        windows = twelve_month_windows(months_covered(crimes, covered), end)
        if not windows:
            raise WorkbenchError("no complete 12 months of police data to measure outcomes")
        start, end = windows[0]
    drugs = crimes.loc[
        (crimes["crime_type"] == "Drugs") & (crimes["month"] >= start) & (crimes["month"] <= end)
    ]
    outcome = drugs["outcome"].astype("string").fillna("(not recorded)")
    outcome = outcome.mask(outcome.str.strip() == "", "(not recorded)")
    table = outcome.value_counts().rename_axis("outcome").reset_index(name="offences")
    table["share"] = table["offences"] / max(len(drugs), 1) * 100
    recorded = (outcome != "(not recorded)") & ~outcome.isin(PENDING)
    n = int(recorded.sum())
    x = int(outcome[recorded].isin(CHARGED).sum())
    if n == 0:
        raise WorkbenchError(f"no drug offences with an outcome between {start} and {end}")
    p = proportion(x, n).iloc[0]
    charged = pd.Series(
        {
            "period": f"{start} to {end}",
            "numerator": x,
            "denominator": n,
            "value": p["proportion"] * 100,
            "lower": p["lower"] * 100,
            "upper": p["upper"] * 100,
        }
    )
    return table, charged


def _share_rows(
    indicator: str, period: Any, label: str, x: Any, n: Any, note: str = ""
) -> dict[str, Any]:
    p = proportion(float(x), float(n)).iloc[0]
    return {
        "indicator": indicator,
        "period": str(period),
        "area_name": label,
        "area_code": pd.NA,
        "count": float(x),
        "denominator": float(n),
        "value": p["proportion"] * 100,
        "lower": p["lower"] * 100,
        "upper": p["upper"] * 100,
        "note": note,
    }


def treatment_indicators(
    outcomes: pd.DataFrame | None = None,
    waiting_times: pd.DataFrame | None = None,
    young_people: pd.DataFrame | None = None,
    *,
    area_name: str = "study area",
) -> pd.DataFrame:
    """Treatment indicators from the partnership templates, per financial year.

    Conventions
    -----------
    - ``in_treatment``: adults in treatment (sum over substance groups; no interval).
    - ``successful_completions``: completions not re-presenting within 6 months / in treatment
      (PHOF C19 form), all groups and per group (``area_name`` = ``"<area>: <group>"``).
    - ``ni40_effective``: new presentations retained 12 weeks or more / new presentations.
    - ``waits_within_target``: within target / started, per cohort and modality.
    - ``young_people_tier3``: tier 3 starting within 10 days / tier 3 referred.
    Percentages with Wilson 95% intervals; rows with a blank (not recorded) count are left
    out of the sums, never read as zero.

    Returns
    -------
    DataFrame
        :data:`VALUE_COLUMNS`; ``note`` names the breakdown.
    """
    rows: list[dict[str, Any]] = []
    if outcomes is not None and len(outcomes):
        o = outcomes.dropna(subset=["in_treatment"])
        for year, grp in o.groupby("financial_year", sort=True):
            total = int(grp["in_treatment"].sum())
            rows.append(
                {
                    "indicator": "in_treatment",
                    "period": str(year),
                    "area_name": area_name,
                    "area_code": pd.NA,
                    "count": float(total),
                    "denominator": np.nan,
                    "value": float(total),
                    "lower": np.nan,
                    "upper": np.nan,
                    "note": "all substance groups",
                }
            )
            comp = grp.dropna(subset=["completions_not_representing"])
            rows.append(
                _share_rows(
                    "successful_completions",
                    year,
                    area_name,
                    comp["completions_not_representing"].sum(),
                    comp["in_treatment"].sum(),
                    "all substance groups",
                )
            )
            for _, r in comp.iterrows():
                rows.append(
                    _share_rows(
                        "successful_completions",
                        year,
                        f"{area_name}: {r['substance_group']}",
                        r["completions_not_representing"],
                        r["in_treatment"],
                        str(r["substance_group"]),
                    )
                )
            ret = grp.dropna(subset=["retained_12_weeks", "new_presentations"])
            ret = ret.loc[ret["new_presentations"] > 0]
            if len(ret):
                rows.append(
                    _share_rows(
                        "ni40_effective",
                        year,
                        area_name,
                        ret["retained_12_weeks"].sum(),
                        ret["new_presentations"].sum(),
                        "all substance groups",
                    )
                )
    if waiting_times is not None and len(waiting_times):
        w = waiting_times.dropna(subset=["started", "within_target"])
        sums = w.groupby(["financial_year", "cohort", "modality"], sort=True)[
            ["within_target", "started"]
        ].sum()
        for (year, cohort, modality), r in sums.iterrows():
            if r["started"] > 0:
                rows.append(
                    _share_rows(
                        "waits_within_target",
                        year,
                        f"{area_name}: {cohort}, {modality}",
                        r["within_target"],
                        r["started"],
                        f"{cohort}, {modality}",
                    )
                )
    if young_people is not None and len(young_people):
        y = young_people.dropna(subset=["tier3_referred", "tier3_within_10_days"])
        sums = y.groupby("financial_year", sort=True)[
            ["tier3_within_10_days", "tier3_referred"]
        ].sum()
        for year, r in sums.iterrows():
            if r["tier3_referred"] > 0:
                rows.append(
                    _share_rows(
                        "young_people_tier3",
                        year,
                        area_name,
                        r["tier3_within_10_days"],
                        r["tier3_referred"],
                        "all groups",
                    )
                )
    return pd.DataFrame(rows, columns=VALUE_COLUMNS)
