"""Waiting times against target, and young people's access to support, with Wilson intervals."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from workbench.disclosure.policy import Policy
from workbench.disclosure.spec import Count, Derived, TableSpec, wilson_columns
from workbench.errors import WorkbenchError
from workbench.need._common import (
    as_list,
    counts_column,
    display_described,
    require_columns,
    require_frame,
)
from workbench.need.results import NeedTable, Shown, need_table
from workbench.stats.rates import proportion, rate, z_value

__all__ = ["DEFAULT_TARGETS", "waiting_times", "young_people_access", "young_people_ward_map"]

logger = logging.getLogger(__name__)

#: Waiting-time targets behind the templates' ``within_target`` counts (labels only: the
#: provider counts people against the target; the workbench cannot re-measure waits).
DEFAULT_TARGETS: dict[str, str] = {"adult": "3 weeks", "young_people": "10 days"}

_WAIT_COLS = ["financial_year", "quarter", "service_id", "modality", "cohort", "started",
              "within_target"]  # fmt: skip
_YP_COLS = ["financial_year", "ward_code", "ward_name", "group", "cohort", "tier2_reached",
            "tier3_referred", "tier3_within_10_days", "population_10_17"]  # fmt: skip


def _share(num: pd.Series, den: pd.Series, conf: float) -> pd.DataFrame:
    """Proportion and Wilson limits; NaN where the denominator is 0 or unknown."""
    ok = (den > 0) & num.notna() & den.notna()
    out = pd.DataFrame(np.nan, index=num.index, columns=["proportion", "lower", "upper"])
    if ok.any():
        z_value(conf)  # validates conf
        p = proportion(num[ok], den[ok], conf)
        out.loc[ok, ["proportion", "lower", "upper"]] = p[["proportion", "lower", "upper"]].values
    return out


def _check_not_more(df: pd.DataFrame, part: str, whole: str, name: str) -> None:
    bad = df[part] > df[whole]
    if bad.any():
        r = df[bad].iloc[0]
        raise WorkbenchError(
            f"{name}: {part} ({r[part]:g}) is more than {whole} ({r[whole]:g}) in row "
            f"{df.index[bad.to_numpy()][0]!r}"
        )


def waiting_times(
    waits: pd.DataFrame,
    by: str | Sequence[str] = "modality",
    *,
    years: Sequence[str] | None = None,
    targets: Mapping[str, str] | None = None,
    standard: float | None = None,
    conf: float = 0.95,
    threshold: int = 5,
    suppressed: bool = False,
) -> NeedTable | Shown:
    """Share of people starting within the waiting-time target, with Wilson intervals.

    Conventions
    -----------
    ``share = within_target / started`` summed over the rows of each group, with a two-sided
    Wilson score interval (:func:`workbench.stats.proportion`); NaN where nobody started.
    Rows are always split by ``financial_year`` and ``cohort`` (adults and young people have
    different targets: 3 weeks and 10 days by default, configurable through ``targets``,
    which only labels the output because ``within_target`` is counted by the provider).
    With ``standard`` (e.g. 0.9), ``below_standard`` is True where the whole interval is
    below it. Blank (not recorded) counts make a group's figures unknown (NaN) and are
    counted in ``blank_rows``.

    Parameters
    ----------
    waits : DataFrame
        The waiting_times template.
    by : str or list of str, default "modality"
        Extra grouping columns: ``modality``, ``service_id``, ``quarter``, ... (``[]`` for the
        year and cohort only).
    years : list of str, optional
        Financial years to keep; default all.
    targets : mapping, optional
        Cohort -> target label; default :data:`DEFAULT_TARGETS`.
    standard : float, optional
        A share to compare with (0-1).
    conf : float, default 0.95
    threshold : int, default 5
        Suppression threshold for the display table.
    suppressed : bool, default False
        Return the display table (counts 1 to threshold-1 as "*", shares hidden with them;
        ``within_target`` is hidden too where fewer than ``threshold`` people started outside
        the target, so that number cannot be found by subtraction), as the disclosure
        policy withholds them: a :class:`~workbench.need.results.Shown` (frame,
        ``suppression`` summary, settings) to read, not to publish
        (:meth:`~workbench.outputs.Outputs.table` takes the :class:`NeedTable` result).

    Returns
    -------
    NeedTable
        A :class:`~workbench.disclosure.Described` with ``settings`` (conf, CI method,
        definition, targets, standard). ``.frame``: financial_year, cohort, the ``by``
        columns, target, started, within_target, blank_rows, share, lower, upper (fractions), and
        below_standard when asked. ``.spec``: ``started`` and ``within_target`` count people
        (``within_target`` is part of ``started``: its complement, people not seen in time, counts
        people too); the share, its Wilson limits and the flag derive from both.
    """
    waits = require_frame(waits, "waits")
    require_columns(waits, _WAIT_COLS, "waits", "waiting_times")
    extra = [c for c in as_list(by) if c not in ("financial_year", "cohort")]
    missing = [c for c in extra if c not in waits.columns]
    if missing:
        raise WorkbenchError(f"by: {missing} not columns of waits; found {list(waits.columns)}")
    targets = {**DEFAULT_TARGETS, **(targets or {})}
    df = waits.copy()
    df["financial_year"] = df["financial_year"].astype(str)
    if years is not None:
        df = df[df["financial_year"].isin([str(y) for y in years])]
        if df.empty:
            raise WorkbenchError(f"waits has no rows for years {list(years)}")
    df["started"] = counts_column(df, "started", "waits")
    df["within_target"] = counts_column(df, "within_target", "waits")
    _check_not_more(df, "within_target", "started", "waits")
    df["_blank"] = (df["started"].isna() | df["within_target"].isna()).astype(int)
    keys = ["financial_year", "cohort", *extra]
    g = df.groupby(keys, sort=True, dropna=False)
    out = pd.DataFrame(
        {
            "started": g["started"].sum(min_count=1),
            "within_target": g["within_target"].sum(min_count=1),
            "blank_rows": g["_blank"].sum(),
        }
    )
    unknown = out["blank_rows"] > 0
    out.loc[unknown, ["started", "within_target"]] = np.nan
    out = out.reset_index()
    out.insert(len(keys), "target", out["cohort"].map(targets).fillna("provider's target"))
    s = _share(out["within_target"], out["started"], conf)
    out["share"] = s["proportion"]
    out["lower"] = s["lower"]
    out["upper"] = s["upper"]
    if standard is not None:
        if not 0 <= standard <= 1:
            raise WorkbenchError(f"standard must be a share between 0 and 1, found {standard!r}")
        out["below_standard"] = out["upper"] < standard
    settings = {
        "conf": conf,
        "ci_method": "Wilson score",
        "definition": "share starting within target = within_target / started",
        "targets": targets,
        "standard": standard,
    }
    result = need_table(out, _waits_spec(extra), settings)
    return display_described(result, threshold) if suppressed else result


def _waits_spec(by: Sequence[str]) -> TableSpec:
    """What :func:`waiting_times` returns (see its Returns)."""
    return TableSpec(
        dims=("financial_year", "cohort", *by),
        counts={
            "started": Count("waits.started"),
            "within_target": Count("waits.within_target", part_of="started"),
        },
        derived={
            **wilson_columns("within_target", "started", "share", "lower", "upper"),
            "below_standard": Derived(("within_target", "started")),
        },
        safe=("blank_rows",),
    )


def young_people_access(
    young_people: pd.DataFrame,
    by: str | Sequence[str] = "ward",
    *,
    years: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    per: float = 10_000,
    conf: float = 0.95,
    threshold: int = 5,
    suppressed: bool = False,
) -> NeedTable | Shown:
    """Reach of tier 2 early intervention among vulnerable young people, and tier 3 waits.

    Conventions
    -----------
    - ``tier2_share = tier2_reached / cohort`` and ``tier3_10d_share = tier3_within_10_days /
      tier3_referred``, summed over the rows of each group, with two-sided Wilson intervals;
      NaN where the denominator is 0.
    - ``cohort_rate``: young people in the groups per ``per`` residents aged 10-17, with exact
      Poisson (below 10) / Byar limits (:func:`workbench.stats.rate`). The ward population is
      counted once per ward (it repeats on each group's row).
    - Counts add group memberships: a young person in two groups (e.g. looked after and in a
      pupil referral unit) is counted in both.
    - Rows are split by ``financial_year``; ``by`` is ``"ward"`` (ward_code and ward_name),
      ``"group"`` or both (``["ward", "group"]``).
    - Blank (not recorded) counts make the group's figures unknown (NaN), counted in
      ``blank_rows``.

    Parameters
    ----------
    young_people : DataFrame
        The young_people template.
    by : {"ward", "group"} or list, default "ward"
    years : list of str, optional
        Financial years to keep; default all.
    groups : list of str, optional
        Groups (YOT, LAC, PRU) to keep; default all.
    per : float, default 10,000
    conf : float, default 0.95
    threshold : int, default 5
    suppressed : bool, default False
        Return the display table: counts 1 to threshold-1 as "*", a part hidden where its
        complement (cohort - tier2_reached, cohort - tier3_referred, tier3_referred -
        tier3_within_10_days) is 1 to threshold-1, and every share, limit and rate computed
        from a hidden count hidden too. A :class:`~workbench.need.results.Shown` to read,
        not to publish.

    Returns
    -------
    NeedTable
        A :class:`~workbench.disclosure.Described` with ``settings`` (conf, per, CI
        methods, definitions). ``.frame``: financial_year, the ``by`` columns, cohort,
        tier2_reached, tier3_referred, tier3_within_10_days, population_10_17, blank_rows,
        tier2_share (+ lower/upper), tier3_10d_share (+ lower/upper), cohort_rate (+ lower/upper).
        ``.spec``: the four counts count young people (tier 2 reached is part of the cohort, within
        10 days part of those referred); shares, limits and rates derive from their counts; the
        population is safe. Cells of the same year, ward and group in any table of the run are the
        same number (the ward and group tables are margins of the ward x group table).
    """
    yp = require_frame(young_people, "young_people")
    require_columns(yp, _YP_COLS, "young_people", "young_people")
    by_list = as_list(by)
    valid = {"ward": ["ward_code", "ward_name"], "group": ["group"]}
    bad = [b for b in by_list if b not in valid]
    if bad or not by_list:
        raise WorkbenchError(f"by must be 'ward', 'group' or both, found {by!r}")
    keys = ["financial_year"] + [c for b in by_list for c in valid[b]]
    df = yp.copy()
    df["financial_year"] = df["financial_year"].astype(str)
    if years is not None:
        df = df[df["financial_year"].isin([str(y) for y in years])]
    if groups is not None:
        df = df[df["group"].isin(list(groups))]
    if df.empty:
        raise WorkbenchError(f"young_people has no rows for years={years} and groups={groups}")
    counts = ["cohort", "tier2_reached", "tier3_referred", "tier3_within_10_days"]
    for c in [*counts, "population_10_17"]:
        df[c] = counts_column(df, c, "young_people")
    _check_not_more(df, "tier2_reached", "cohort", "young_people")
    _check_not_more(df, "tier3_referred", "cohort", "young_people")
    _check_not_more(df, "tier3_within_10_days", "tier3_referred", "young_people")
    df["_blank"] = df[counts].isna().any(axis=1).astype(int)
    g = df.groupby(keys, sort=True)
    out = pd.DataFrame({c: g[c].sum(min_count=1) for c in counts})
    out["blank_rows"] = g["_blank"].sum()
    out.loc[out["blank_rows"] > 0, counts] = np.nan
    # Ward population once per ward and year (it repeats on each group's row), then summed.
    per_ward = df.groupby(["financial_year", "ward_code"])["population_10_17"]
    if (per_ward.nunique(dropna=False) > 1).any():
        bad = per_ward.nunique(dropna=False)
        raise WorkbenchError(
            "young_people, column 'population_10_17': expected the same value on every row of "
            f"a ward and year, found different values for {bad[bad > 1].index[0]}"
        )
    ward_pop = per_ward.first()
    out = out.reset_index()
    if "ward" in by_list:
        idx = pd.MultiIndex.from_frame(out[["financial_year", "ward_code"]])
        out["population_10_17"] = ward_pop.reindex(idx).to_numpy()
    else:
        city = ward_pop.groupby(level="financial_year").sum()
        out["population_10_17"] = out["financial_year"].map(city).to_numpy()
    t2 = _share(out["tier2_reached"], out["cohort"], conf)
    t3 = _share(out["tier3_within_10_days"], out["tier3_referred"], conf)
    out["tier2_share"], out["tier2_lower"], out["tier2_upper"] = (
        t2["proportion"], t2["lower"], t2["upper"]
    )  # fmt: skip
    out["tier3_10d_share"], out["tier3_10d_lower"], out["tier3_10d_upper"] = (
        t3["proportion"], t3["lower"], t3["upper"]
    )  # fmt: skip
    ok = (out["population_10_17"] > 0) & out["cohort"].notna()
    out["cohort_rate"] = np.nan
    out["cohort_rate_lower"] = np.nan
    out["cohort_rate_upper"] = np.nan
    if ok.any():
        r = rate(out.loc[ok, "cohort"], out.loc[ok, "population_10_17"], per=per, conf=conf)
        out.loc[ok, ["cohort_rate", "cohort_rate_lower", "cohort_rate_upper"]] = r[
            ["rate", "lower", "upper"]
        ].to_numpy()
    settings = {
        "conf": conf,
        "per": per,
        "ci_method": "Wilson score for shares; exact Poisson below 10 / Byar for rates",
        "definition": "tier 2 reach = tier2_reached / cohort; tier 3 within 10 days = "
        "tier3_within_10_days / tier3_referred",
    }
    dims = ["financial_year"] + [{"ward": "ward_code"}.get(b, b) for b in by_list]
    result = need_table(out, _young_people_spec(dims, per), settings)
    return display_described(result, threshold) if suppressed else result


def _young_people_spec(dims: Sequence[str], per: float) -> TableSpec:
    """What :func:`young_people_access` returns (see its Returns)."""
    return TableSpec(
        dims=tuple(dims),
        counts={
            "cohort": Count("yp.cohort"),
            "tier2_reached": Count("yp.tier2_reached", part_of="cohort"),
            # people not reached, not referred, or not seen within 10 days count too
            "tier3_referred": Count("yp.tier3_referred", part_of="cohort"),
            "tier3_within_10_days": Count("yp.tier3_within_10_days", part_of="tier3_referred"),
        },
        derived={
            "cohort_rate": Derived(("cohort",), "rate", "population_10_17", per),
            "cohort_rate_lower": Derived(("cohort",)),
            "cohort_rate_upper": Derived(("cohort",)),
            **wilson_columns(
                "tier2_reached", "cohort", "tier2_share", "tier2_lower", "tier2_upper"
            ),
            **wilson_columns(
                "tier3_within_10_days",
                "tier3_referred",
                "tier3_10d_share",
                "tier3_10d_lower",
                "tier3_10d_upper",
            ),
        },
        safe=("population_10_17", "blank_rows"),
    )


#: Columns of :func:`young_people_access` (``by="ward"``) put on the ward map.
_WARD_MAP_COLUMNS = [
    "ward_code",
    "cohort",
    "population_10_17",
    "cohort_rate",
    "tier2_share",
    "tier3_10d_share",
]


def young_people_ward_map(
    by_ward: pd.DataFrame, wards: pd.DataFrame, threshold: int = 5
) -> pd.DataFrame:
    """Ward polygons with the young people's cohort, rate and tier shares, for a map.

    Conventions
    -----------
    Wards are joined on ``ward_code`` (inner: wards with no row in ``by_ward`` are left
    off). ``cohort_rate`` is blanked (NaN) where the cohort is below ``threshold`` so a
    choropleth cannot reveal a small cohort through its rate; the count columns themselves
    are suppressed by the map or table that shows them.

    Parameters
    ----------
    by_ward : DataFrame
        :func:`young_people_access` with ``by="ward"`` (one financial year).
    wards : GeoDataFrame
        Ward polygons with ``ward_code`` (and ``ward_name``).
    threshold : int, default 5
        The suppression threshold: cohorts 0 to threshold - 1 lose their rate.

    Returns
    -------
    geopandas.GeoDataFrame
        ``wards``' columns plus cohort, population_10_17, cohort_rate, tier2_share,
        tier3_10d_share.
    """
    by_ward = require_frame(by_ward, "by_ward")
    wards = require_frame(wards, "wards")
    require_columns(by_ward, _WARD_MAP_COLUMNS, "by_ward", "young_people_access")
    require_columns(wards, ["ward_code"], "wards", "wards")
    if by_ward["ward_code"].duplicated().any():
        raise WorkbenchError(
            "by_ward: expected one row per ward (one financial year), found ward "
            f"{by_ward['ward_code'][by_ward['ward_code'].duplicated()].iloc[0]!r} twice"
        )
    out = wards.merge(by_ward[_WARD_MAP_COLUMNS], on="ward_code", how="inner")
    cohort = pd.to_numeric(out["cohort"], errors="coerce")
    # withheld beside a small cohort (the policy's rule); a cohort of 0 has no rate to map
    out["cohort_rate"] = out["cohort_rate"].where(~Policy(threshold).small(cohort) & (cohort > 0))
    return out
