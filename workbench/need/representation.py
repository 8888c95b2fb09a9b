"""Representation: each group's share of people in treatment against its population share."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.disclosure.spec import Count, Derived, TableSpec
from workbench.errors import WorkbenchError
from workbench.need._common import (
    as_list,
    display_described,
    require_columns,
    require_frame,
    treatment_rows,
)
from workbench.need.results import NeedFrame, NeedTable, Shown
from workbench.stats.rates import proportion

__all__ = [
    "representation",
    "population_by_treatment_band",
    "TREATMENT_AGE_BANDS",
    "REPRESENTATION_SHARES",
]

#: Columns of :func:`representation` worked out from ``in_treatment`` (hidden with it).
REPRESENTATION_SHARES = (
    "share_treatment",
    "share_lower",
    "share_upper",
    "ratio",
    "ratio_lower",
    "ratio_upper",
)

logger = logging.getLogger(__name__)

#: Age bands of the treatment_demographics template, as (first age, last age); 65+ ends at 90.
TREATMENT_AGE_BANDS: dict[str, tuple[int, int]] = {
    "18-24": (18, 24),
    "25-29": (25, 29),
    "30-34": (30, 34),
    "35-39": (35, 39),
    "40-49": (40, 49),
    "50-64": (50, 64),
    "65+": (65, 90),
}
_BAND_RE = re.compile(r"^\s*(?:pop_)?([FM])\s*(\d+)\s*(?:to|-|_to_)\s*(\d+)\s*$", re.IGNORECASE)
_OVER_RE = re.compile(r"^\s*(?:pop_)?([FM])\s*(\d+)\s*(?:and over|\+|_and_over)\s*$", re.IGNORECASE)
_TOP_AGE = 90


def population_by_treatment_band(bands: pd.DataFrame, by: str | None = None) -> NeedFrame:
    """Population by sex and treatment age band from an ONS sex x broad-age-band table.

    Conventions
    -----------
    Columns named like ``F16 to 29`` / ``M65 and over`` (the published ONS LSOA headers) or
    ``pop_f16_to_29`` / ``pop_m65_and_over`` (the same columns as the loaders put them on
    ``Study.lsoas``, see ``workbench.loaders.population``) are summed over rows (LSOAs) and
    re-cut into the treatment template's bands assuming people are spread evenly over single
    years of age within each source band (e.g. ``18-24`` takes 7/14 of ``16 to 29``; ``40-49``
    takes 5/15 of ``30 to 44`` and 5/20 of ``45 to 64``). ``N and over`` bands are taken to
    end at age 90, which only matters when a treatment band splits them (``65+`` does not).

    Rows (LSOAs) with any band missing (empty or NaN) are left out of every band, so the
    bands stay consistent with each other; how many is logged and returned in
    ``settings["rows_left_out"]`` (``settings["rows_used"]`` holds the rows summed).

    Parameters
    ----------
    bands : DataFrame
        One row per area, with ``F<a> to <b>`` / ``M<a> and over`` (or ``pop_f<a>_to_<b>`` /
        ``pop_m<a>_and_over``) columns; other columns are ignored.
    by : {"sex", "age_band"}, optional
        Sum over the other dimension and return one row per ``by`` value.

    Returns
    -------
    NeedFrame
        ``.frame``: columns ``sex`` (``Female``/``Male``), ``age_band`` and ``population`` (may be
        fractional because of the even-spread split); with ``by``, ``by`` and ``population``.

    Raises
    ------
    WorkbenchError
        No band columns, text that is not a number, every row missing a band, bands that do
        not cover a treatment age band, or an unknown ``by``.
    """
    bands = require_frame(bands, "bands")
    if by not in (None, "sex", "age_band"):
        raise WorkbenchError(f"by: expected None, 'sex' or 'age_band', found {by!r}")
    parsed: list[tuple[str, str, int, int]] = []
    for col in bands.columns:
        m = _BAND_RE.match(str(col))
        if m:
            lo, hi = int(m.group(2)), int(m.group(3))
        else:
            m = _OVER_RE.match(str(col))
            if not m:
                continue
            lo, hi = int(m.group(2)), _TOP_AGE
        sex = "Female" if m.group(1).upper() == "F" else "Male"
        parsed.append((col, sex, lo, hi))
    if not parsed:
        raise WorkbenchError(
            "bands: expected sex x age columns like 'F16 to 29' / 'pop_f16_to_29' or "
            f"'M65 and over', found {list(bands.columns)[:8]}"
        )
    values: dict[str, pd.Series] = {}
    for col, _, _, _ in parsed:
        raw = bands[col]
        blank = raw.isna() | raw.astype(str).str.strip().isin(["", "nan", "<NA>", "None"])
        numbers = pd.to_numeric(
            raw.astype(str).str.replace(",", "", regex=False).where(~blank), errors="coerce"
        )
        bad = numbers.isna() & ~blank
        if bad.any():
            raise WorkbenchError(
                f"bands, column {col!r}: expected numbers, found {raw[bad].iloc[0]!r}"
            )
        values[col] = numbers
    table = pd.DataFrame(values, index=bands.index)
    complete = table.notna().all(axis=1)
    left_out = int((~complete).sum())
    if not complete.any():
        raise WorkbenchError(
            f"bands: every one of the {len(bands)} rows is missing at least one sex x age band"
        )
    if left_out:
        logger.info(
            "population_by_treatment_band: %d of %d rows with missing sex x age bands left out",
            left_out,
            len(bands),
        )
    totals = table[complete].sum()
    src = [(sex, lo, hi, float(totals[col])) for col, sex, lo, hi in parsed]
    rows = []
    for sex in ("Female", "Male"):
        for band, (a, b) in TREATMENT_AGE_BANDS.items():
            total = 0.0
            covered = 0
            for s, lo, hi, pop in src:
                if s != sex:
                    continue
                overlap = min(b, hi) - max(a, lo) + 1
                if overlap > 0:
                    total += pop * overlap / (hi - lo + 1)
                    covered += overlap
            if covered < b - a + 1:
                raise WorkbenchError(
                    f"bands: the {sex} columns do not cover ages {band} "
                    f"({covered} of {b - a + 1} years covered)"
                )
            rows.append({"sex": sex, "age_band": band, "population": total})
    out = pd.DataFrame(rows)
    if by is not None:
        out = out.groupby(by, as_index=False, sort=False)["population"].sum()
    settings = {"rows_used": int(complete.sum()), "rows_left_out": left_out}
    return NeedFrame(frame=out, settings=settings)


def representation(
    treatment: pd.DataFrame,
    population: pd.DataFrame,
    by: str = "ethnicity",
    *,
    year: str | None = None,
    substance_groups: Sequence[str] | None = None,
    age_bands: Sequence[str] | None = None,
    exclude: Sequence[str] = ("Not stated",),
    conf: float = 0.95,
    threshold: int = 5,
    suppressed: bool = False,
    measure: str | None = None,
) -> NeedTable | Shown:
    """Share of each group among people in treatment against its share of the population.

    Conventions
    -----------
    - ``share_treatment = x / n`` (x people of the group in treatment, n all people in
      treatment in the groups compared) with a two-sided Wilson score interval
      (:func:`workbench.stats.proportion`); ``share_population = p / P`` from the population
      table, taken as exact (a census or mid-year estimate, no sampling error).
    - ``ratio = share_treatment / share_population`` (GUIDE section 3) with interval
      ``Wilson limits / share_population``. ``flag`` is ``"under-represented"`` where the
      whole interval is below 1, ``"over-represented"`` where it is above 1, else ``""``.
    - Groups listed in ``exclude`` (default ``Not stated``) are left out of both shares; their
      count is in ``settings["excluded"]``. Groups in the treatment data without a population
      (or the reverse) raise an error, so nothing is silently dropped.
    - The population should cover the same ages as the treatment rows used (adults 18+ in the
      templates); pass ``age_bands`` to restrict the treatment rows.
    - A blank (not recorded) count in the rows used raises an error: shares of an unknown total
      cannot be computed.

    Parameters
    ----------
    treatment : DataFrame
        The treatment_demographics template.
    population : DataFrame or NeedFrame
        Population by group: a column named ``by`` (the group label, same spelling as in the
        treatment data) and ``population`` (for sex or age_band use
        :func:`population_by_treatment_band` and sum).
    by : str, default "ethnicity"
        A column of ``treatment``: ``ethnicity``, ``sex``, ``age_band``, ...
    year : str, optional
        Financial year; default the latest.
    substance_groups : list of str, optional
        Treatment substance groups to include; default all.
    age_bands : list of str, optional
        Treatment age bands to include; default all.
    exclude : list of str, default ("Not stated",)
        Group labels left out of the comparison.
    conf : float, default 0.95
        Confidence level of the Wilson interval.
    threshold : int, default 5
        Suppression threshold for the display table.
    suppressed : bool, default False
        Return the display table (counts 1 to threshold-1 as "*", with secondary suppression
        against the Total row and the derived shares/ratios hidden) instead of numbers: a
        plain DataFrame to read, not to publish.
    measure : str, optional
        What ``in_treatment`` counts, for linking tables published together: tables of the
        same people broken down in different ways (by sex, by age band) share a ``Total``.
        Default: ``treatment.in_treatment`` with the year, and with the substance groups,
        age bands and excluded groups when any are left out (their totals differ).

    Returns
    -------
    NeedTable
        A :class:`~workbench.disclosure.Described` with ``settings`` (year, by, conf, CI
        method, definition, excluded, substance groups, age bands). Frame indexed by the group
        label, with a final ``Total`` row: in_treatment,
        share_treatment, share_lower, share_upper, population, share_population, ratio,
        ratio_lower, ratio_upper, flag. Shares are fractions (0-1). ``in_treatment``
        counts people; the shares, ratios and flag derive from it (the flag is read from
        the ratio's interval); population figures are safe; ``Total`` is the margin.
    """
    treatment = require_frame(treatment, "treatment")
    if isinstance(population, NeedFrame):
        population = population.frame
    population = require_frame(population, "population")
    require_columns(
        treatment, ["financial_year", "substance_group", "in_treatment"], "treatment",
        "treatment_demographics",
    )  # fmt: skip
    if by not in treatment.columns:  # a template column, or an export's own (ViewIt age_group)
        raise WorkbenchError(
            f"treatment must have the column {by!r} to break down by, found "
            f"{list(treatment.columns)}"
        )
    if by not in population.columns or "population" not in population.columns:
        raise WorkbenchError(
            f"population must have columns {by!r} and 'population', "
            f"found {list(population.columns)}"
        )
    bands_sel = as_list(age_bands)
    tr, year, groups_sel = treatment_rows(treatment, "treatment", year, substance_groups, bands_sel)
    tr[by] = tr[by].astype(str).str.strip()
    excluded = tr[tr[by].isin(exclude)]
    tr = tr[~tr[by].isin(exclude)]
    x = tr.groupby(by)["_n"].sum()

    pop = population.copy()
    pop[by] = pop[by].astype(str).str.strip()
    pop = pop[~pop[by].isin(exclude)]
    pop_n = pd.to_numeric(pop["population"], errors="coerce")
    if pop_n.isna().any() or (pop_n < 0).any():
        raise WorkbenchError(
            f"population, column 'population': expected numbers >= 0, found "
            f"{pop['population'][pop_n.isna() | (pop_n < 0)].iloc[0]!r}"
        )
    p = pop_n.groupby(pop[by]).sum()
    missing = sorted(set(x.index) - set(p.index))
    if missing:
        raise WorkbenchError(
            f"population has no row for {by} {missing} found in the treatment data; "
            f"population groups are {sorted(p.index)}"
        )
    order = list(p.index)
    x = x.reindex(order, fill_value=0.0)
    n = float(x.sum())
    if n <= 0:
        raise WorkbenchError(f"treatment: no people in treatment in {year} to compare")
    total_pop = float(p.sum())
    prop = proportion(x, n, conf)
    if total_pop <= 0:
        raise WorkbenchError("population: the groups' populations add up to zero")
    share_pop = p / total_pop
    # A group with no population has no ratio (NaN), not an infinite one.
    safe = share_pop.where(share_pop > 0)
    ratio = prop["proportion"] / safe
    r_lo = prop["lower"] / safe
    r_hi = prop["upper"] / safe
    flag = np.where(r_hi < 1, "under-represented", np.where(r_lo > 1, "over-represented", ""))
    out = pd.DataFrame(
        {
            "in_treatment": x,
            "share_treatment": prop["proportion"],
            "share_lower": prop["lower"],
            "share_upper": prop["upper"],
            "population": p,
            "share_population": share_pop,
            "ratio": ratio,
            "ratio_lower": r_lo,
            "ratio_upper": r_hi,
            "flag": flag,
        }
    )
    out.index.name = by
    total = pd.DataFrame(
        {
            "in_treatment": [n],
            "share_treatment": [1.0],
            "share_lower": [np.nan],
            "share_upper": [np.nan],
            "population": [total_pop],
            "share_population": [1.0],
            "ratio": [1.0],
            "ratio_lower": [np.nan],
            "ratio_upper": [np.nan],
            "flag": [""],
        },
        index=pd.Index(["Total"], name=by),
    )
    out = pd.concat([out, total])
    settings = {
        "year": year,
        "by": by,
        "conf": conf,
        "ci_method": "Wilson score for the treatment share; population share taken as exact",
        "definition": "ratio = share of group in treatment / share of population; "
        "< 1 under-represented",
        "excluded": {str(k): float(v) for k, v in excluded.groupby(by)["_n"].sum().items()},
        "substance_groups": groups_sel or "all",
        "age_bands": bands_sel or "all",
    }
    if measure is None:
        left_out = [
            f"substance groups {', '.join(map(str, groups_sel))}" if groups_sel else "",
            f"age bands {', '.join(map(str, bands_sel))}" if bands_sel else "",
            f"without {by} {', '.join(sorted(excluded[by].unique()))}" if len(excluded) else "",
        ]
        detail = "; ".join(b for b in left_out if b)
        measure = f"treatment.in_treatment {year}" + (f" ({detail})" if detail else "")
    spec = TableSpec(
        dims=(by,),
        counts={"in_treatment": Count(measure)},
        derived={c: Derived(("in_treatment",)) for c in (*REPRESENTATION_SHARES, "flag")},
        safe=("population", "share_population"),
        totals={by: "Total"},
    )
    result = NeedTable(out, spec, settings=settings)
    return display_described(result, threshold) if suppressed else result
