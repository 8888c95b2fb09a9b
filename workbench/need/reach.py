"""Deprivation reach: do people in treatment come from the most deprived neighbourhoods?"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.deprivation import decile_profile, index_label, most_deprived_share
from workbench.disclosure.spec import (
    ALL,
    Count,
    Derived,
    TableSpec,
    decile_groups,
    rate_columns,
    wilson_columns,
)
from workbench.errors import WorkbenchError
from workbench.need._common import _shown, require_columns, require_frame, treatment_rows
from workbench.need.results import NeedTable, Shown

__all__ = ["DeprivationReach", "deprivation_reach"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeprivationReach:
    """Result of :func:`deprivation_reach`.

    Attributes
    ----------
    shares : NeedTable
        From :func:`workbench.deprivation.most_deprived_share`, indexed by ``group`` ("10% /
        20% / 30% most deprived" = national deciles 1, 1-2, 1-3): deciles, lsoas, count
        (people in treatment living there), total_count, share_of_events (+ Wilson ``lower``,
        ``upper``), population, total_population, share_of_population, ratio, plus
        ``ratio_lower`` / ``ratio_upper`` (Wilson limits / population share). ``count`` and
        ``total_count`` (every decile) count people in treatment; the shares, limits and
        ratios derive from both; populations are safe; a group is the sum of its deciles.
    by_decile : NeedTable
        From :func:`workbench.deprivation.decile_profile`, indexed by ``imd_decile``: lsoas,
        count, population, rate per ``per`` (+ lower/upper), share_of_events,
        share_of_population, ratio. The same people as ``shares`` (one measure).
    unmatched : DataFrame
        Treatment LSOA codes not found among the study LSOAs, with their counts (left out).
    settings : dict
        Year, substance groups, confidence level, ``per``, population column.
    """

    shares: NeedTable
    by_decile: NeedTable
    unmatched: pd.DataFrame
    settings: dict = field(default_factory=dict)

    def display(self, threshold: int = 5) -> dict[str, Shown]:
        """The two tables with counts 1 to ``threshold - 1`` (and what they reveal) hidden.

        Conventions
        -----------
        The two tables are suppressed together by the disclosure policy
        (:meth:`workbench.disclosure.Policy.protect`, as when both are published in one run),
        because together they give away more than each alone: ``shares`` shows the study
        total (``total_count``) and the nested sums of deciles 1, 1-2 and 1-3 (its
        description says which deciles each group sums), so a hidden decile count could be
        found by subtraction.

        - Counts 1 to ``threshold - 1`` are hidden, deciles and groups alike.
        - Secondary: further counts (deciles, group sums or the total) are hidden until no
          hidden count can be worked out from the shown ones within the threshold.
        - Rates, shares, ratios and their limits are hidden with the counts they come from
          (shares and ratios of a group also with the total).

        Returns
        -------
        dict of str to Shown
            ``"shares"`` and ``"by_decile"``; each ``suppression`` summary also gives
            ``hidden_deciles``, ``hidden_groups`` and ``total_hidden`` for the pair.
        """
        done = _shown(
            {"shares": self.shares, "by_decile": self.by_decile},
            threshold,
            "counts 1 to {m} shown as '*'; zero shown; deciles and shares suppressed together "
            "against the study total",
        )
        pair = {
            "hidden_deciles": int(done["by_decile"]["mask"]["count"].sum()),
            "hidden_groups": int(done["shares"]["mask"]["count"].sum()),
            "total_hidden": bool(done["shares"]["mask"]["total_count"].any()),
        }
        return {
            name: Shown(
                frame=part["frame"],
                suppression={**part["suppression"], **pair},
                settings=dict(self.settings),
            )
            for name, part in done.items()
        }


def deprivation_reach(
    treatment_by_lsoa: pd.DataFrame,
    lsoas: pd.DataFrame,
    *,
    year: str | None = None,
    substance_groups: Sequence[str] | None = None,
    population_col: str = "population",
    per: float = 10_000,
    conf: float = 0.95,
) -> DeprivationReach:
    """Share of people in treatment living in the most deprived LSOAs, and rates by decile.

    Conventions
    -----------
    - Deprivation is the **national** decile of the study's index (IMD 2019, IoD 2025 or
      WIMD 2019) of the LSOA of residence (1 = most deprived 10% of LSOAs nationally):
      "20% most deprived" = deciles 1-2, "30%" = 1-3 (GUIDE
      section 2), not local deciles.
    - Shares and rates are computed by :mod:`workbench.deprivation` (``most_deprived_share``,
      ``decile_profile``): share of people in treatment with a two-sided Wilson interval
      against the same LSOAs' share of the population (exact); ``ratio`` = share_of_events /
      share_of_population, here with ``ratio_lower``/``ratio_upper`` = Wilson limits /
      population share (above 1: treatment reaches the most deprived areas more than their
      population share). Rates per ``per`` residents: exact Poisson limits below 10, Byar's
      approximation from 10.
    - The population is ``lsoas[population_col]`` (all ages in the sample; pass an adult
      column when you have one).
    - Treatment rows whose LSOA code is not a study LSOA are left out and listed in
      ``unmatched``; a blank (not recorded) count raises an error.

    Parameters
    ----------
    treatment_by_lsoa : DataFrame
        The treatment_by_lsoa template.
    lsoas : DataFrame or GeoDataFrame
        The study LSOAs with ``lsoa_code``, ``imd_decile`` and ``population_col``.
    year : str, optional
        Financial year; default the latest.
    substance_groups : list of str, optional
        Substance groups to add together; default all.
    population_col : str, default "population"
    per : float, default 10,000
    conf : float, default 0.95

    Returns
    -------
    DeprivationReach
    """
    tr = require_frame(treatment_by_lsoa, "treatment_by_lsoa")
    lsoas = require_frame(lsoas, "lsoas")
    require_columns(
        tr, ["financial_year", "lsoa_code", "substance_group", "in_treatment"],
        "treatment_by_lsoa", "treatment_by_lsoa",
    )  # fmt: skip
    for col in ("lsoa_code", "imd_decile", population_col):
        if col not in lsoas.columns:
            raise WorkbenchError(
                f"lsoas must have a {col!r} column (study LSOAs from the loaders), found "
                f"{list(lsoas.columns)[:10]}"
            )
    tr, year, groups = treatment_rows(tr, "treatment_by_lsoa", year, substance_groups)
    counts = tr.groupby(tr["lsoa_code"].astype(str).str.strip())["_n"].sum()
    base = pd.DataFrame(
        {
            "lsoa_code": lsoas["lsoa_code"].astype(str).to_numpy(),
            "imd_decile": lsoas["imd_decile"].to_numpy(),
            "population": lsoas[population_col].to_numpy(),
        }
    )
    unmatched = counts[~counts.index.isin(base["lsoa_code"])]
    unmatched = unmatched.rename("in_treatment").rename_axis("lsoa_code").reset_index()
    if len(unmatched):
        logger.warning(
            "%d treatment LSOA code(s) (%g people) are not study LSOAs and are left out",
            len(unmatched), unmatched["in_treatment"].sum(),
        )  # fmt: skip

    shares = most_deprived_share(counts, base, conf=conf).set_index("group")
    with np.errstate(divide="ignore", invalid="ignore"):
        shares["ratio_lower"] = shares["lower"] / shares["share_of_population"]
        shares["ratio_upper"] = shares["upper"] / shares["share_of_population"]
    by_decile = decile_profile(counts, base, per=per, conf=conf).set_index("imd_decile")
    settings = {
        "year": year,
        "substance_groups": groups or "all",
        "conf": conf,
        "per": per,
        "population_col": population_col,
        "deciles": f"national {index_label(lsoas)} deciles, 1 = most deprived",
        "ci_method": "Wilson score for shares; exact Poisson below 10 / Byar for rates",
    }
    measure = f"treatment_by_lsoa.count {year}" + (
        f" ({', '.join(map(str, groups))})" if groups else ""
    )
    return DeprivationReach(
        NeedTable(shares, _shares_spec(measure), settings=settings),
        NeedTable(by_decile, _by_decile_spec(measure, per), settings=settings),
        unmatched,
        settings,
    )


def _shares_spec(measure: str) -> TableSpec:
    """What :attr:`DeprivationReach.shares` holds (see its docstring)."""
    return TableSpec(
        dims=("group",),
        counts={"count": Count(measure), "total_count": Count(measure, fixed={"group": ALL})},
        derived={
            **wilson_columns("count", "total_count", "share_of_events", "lower", "upper"),
            **{
                c: Derived(("count", "total_count"))
                for c in ("ratio", "ratio_lower", "ratio_upper")
            },
        },
        safe=("lsoas", "population", "total_population", "share_of_population"),
        member_sets={"group": decile_groups()},
        dim_names={"group": "imd_decile"},
    )


def _by_decile_spec(measure: str, per: float) -> TableSpec:
    """What :attr:`DeprivationReach.by_decile` holds (see its docstring)."""
    return TableSpec(
        dims=("imd_decile",),
        counts={"count": Count(measure)},
        derived=rate_columns(per, "share_of_events", "ratio"),
        safe=("lsoas", "population", "share_of_population"),
    )
