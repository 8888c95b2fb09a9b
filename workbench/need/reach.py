"""Deprivation reach: do people in treatment come from the most deprived neighbourhoods?"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.deprivation import decile_profile, most_deprived_share
from workbench.errors import WorkbenchError
from workbench.need._common import (
    as_list,
    counts_column,
    display_table,
    pick_year,
    require_columns,
    require_frame,
)

__all__ = ["DeprivationReach", "deprivation_reach"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeprivationReach:
    """Result of :func:`deprivation_reach`.

    Attributes
    ----------
    shares : DataFrame
        From :func:`workbench.deprivation.most_deprived_share`, indexed by ``group`` ("10% /
        20% / 30% most deprived" = national deciles 1, 1-2, 1-3): deciles, lsoas, count
        (people in treatment living there), total_count, share_of_events (+ Wilson ``lower``,
        ``upper``), population, total_population, share_of_population, ratio, plus
        ``ratio_lower`` / ``ratio_upper`` (Wilson limits / population share).
    by_decile : DataFrame
        From :func:`workbench.deprivation.decile_profile`, indexed by ``imd_decile``: lsoas,
        count, population, rate per ``per`` (+ lower/upper), share_of_events,
        share_of_population, ratio.
    unmatched : DataFrame
        Treatment LSOA codes not found among the study LSOAs, with their counts (left out).
    settings : dict
        Year, substance groups, confidence level, ``per``, population column.
    """

    shares: pd.DataFrame
    by_decile: pd.DataFrame
    unmatched: pd.DataFrame
    settings: dict = field(default_factory=dict)

    def display(self, threshold: int = 5) -> dict[str, pd.DataFrame]:
        """The two tables with counts 1 to ``threshold - 1`` (and what they reveal) hidden."""
        share_cols = ["share_of_events", "lower", "upper", "ratio", "ratio_lower", "ratio_upper"]
        rate_cols = ["rate", "lower", "upper", "share_of_events", "ratio"]
        return {
            "shares": display_table(
                self.shares,
                threshold,
                count_columns=["count"],
                derived={c: ["count"] for c in share_cols},
            ),
            "by_decile": display_table(
                self.by_decile,
                threshold,
                count_columns=["count"],
                derived={c: ["count"] for c in rate_cols},
            ),
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
    - Deprivation is the **national** IMD 2019 decile of the LSOA of residence (1 = most
      deprived 10% of LSOAs in England): "20% most deprived" = deciles 1-2, "30%" = 1-3 (GUIDE
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
    year = pick_year(tr, "financial_year", year, "treatment_by_lsoa")
    tr = tr[tr["financial_year"].astype(str) == year].copy()
    groups = as_list(substance_groups)
    if groups:
        tr = tr[tr["substance_group"].isin(groups)]
    tr["_n"] = counts_column(tr, "in_treatment", "treatment_by_lsoa")
    if tr["_n"].isna().any():
        raise WorkbenchError(
            f"treatment_by_lsoa, column 'in_treatment': {int(tr['_n'].isna().sum())} blank "
            f"(not recorded) count(s) in {year}; reach needs every count"
        )
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
        "deciles": "national IMD 2019 deciles, 1 = most deprived",
        "ci_method": "Wilson score for shares; exact Poisson below 10 / Byar for rates",
    }
    shares.attrs.update(settings)
    by_decile.attrs.update(settings)
    return DeprivationReach(shares, by_decile, unmatched, settings)
