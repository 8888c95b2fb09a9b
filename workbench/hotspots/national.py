"""National analysis from engine aggregates: Gi*, emerging hot spots, decile profiles.

Thin adapters: the LSOA × month × crime type counts of :class:`~workbench.engines.StreetAggregates`
(or the same table read back from a file) are shaped into what the existing analysis functions
take (:func:`workbench.hotspots.gistar`, :func:`workbench.hotspots.emerging.emerging_counts`,
:func:`workbench.deprivation.decile_profile`); no statistic is computed here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from workbench.coverage import Coverage
from workbench.hotspots.emerging import emerging_counts
from workbench.hotspots.gistar import gistar

__all__ = ["lsoa_totals", "lsoa_month_array", "national_gistar", "national_emerging"]

logger = logging.getLogger(__name__)


def _counts(agg: Any) -> pd.DataFrame:
    return agg.counts if hasattr(agg, "counts") else agg


def lsoa_totals(
    agg: Any, lsoas: gpd.GeoDataFrame, crime_types: Sequence[str] | None = None
) -> gpd.GeoDataFrame:
    """``lsoas`` with a ``count`` column: records per LSOA over the whole period (0 where an
    LSOA had none). ``agg`` is a :class:`StreetAggregates` or its ``counts`` table."""
    c = _counts(agg)
    if crime_types is not None:
        c = c[c["crime_type"].isin(list(crime_types))]
    tot = c.groupby("lsoa_code")["count"].sum()
    unknown = tot.index.difference(pd.Index(lsoas["lsoa_code"]))
    if len(unknown):
        logger.warning("%d LSOA code(s) with counts are not in the boundaries", len(unknown))
    out = lsoas.copy()
    out["count"] = out["lsoa_code"].map(tot).fillna(0).astype("int64").to_numpy()
    return out


def lsoa_month_array(
    agg: Any,
    lsoas: gpd.GeoDataFrame,
    crime_types: Sequence[str] | None = None,
    months: pd.PeriodIndex | None = None,
) -> tuple[np.ndarray, pd.PeriodIndex]:
    """Counts as an array (LSOAs in ``lsoas`` order × months), and the months.

    ``months`` default: every month from the first to the last in the counts. Pass the months
    the files cover (:attr:`StreetAggregates.coverage`): a month no file covers is missing, and
    analysis of a series with missing months must not treat it as zero.
    """
    c = _counts(agg)
    if crime_types is not None:
        c = c[c["crime_type"].isin(list(crime_types))]
    if months is None:
        months = pd.period_range(c["month"].min(), c["month"].max(), freq="M")
    row = pd.Index(lsoas["lsoa_code"]).get_indexer(c["lsoa_code"])
    col = pd.PeriodIndex(c["month"]).asi8 - months[0].ordinal
    ok = (row >= 0) & (col >= 0) & (col < len(months))
    out = np.zeros((len(lsoas), len(months)), dtype=np.int64)
    np.add.at(out, (row[ok], col[ok]), c["count"].to_numpy()[ok])
    return out, months


def national_gistar(
    agg: Any,
    lsoas: gpd.GeoDataFrame,
    crime_types: Sequence[str] | None = None,
    *,
    weights: Any = "queen",
    fdr: bool = True,
    alpha: float = 0.05,
) -> Any:
    """Gi* with Benjamini-Hochberg FDR on every LSOA's total (:func:`workbench.hotspots.gistar`;
    conventions there)."""
    zones = lsoa_totals(agg, lsoas, crime_types)
    return gistar(zones, "count", weights=weights, fdr=fdr, alpha=alpha)


def national_emerging(
    agg: Any,
    lsoas: gpd.GeoDataFrame,
    crime_types: Sequence[str] | None = None,
    *,
    coverage: Coverage | pd.DataFrame | None = None,
    weights: Any = "queen",
    alpha: float = 0.05,
    fdr: bool = True,
) -> Any:
    """Emerging hot spots on every LSOA's monthly series
    (:func:`workbench.hotspots.emerging.emerging_counts`).

    With ``coverage`` (the aggregates' months per force), a month that some force's files do
    not hold is missing, not zero: it is left out of every series (``Emerging.missing_periods``),
    as :func:`workbench.hotspots.emerging` leaves out months the data do not hold.
    """
    if coverage is None and hasattr(agg, "coverage"):
        coverage = agg.coverage
    months = observed = None
    if isinstance(coverage, pd.DataFrame) and len(coverage):
        coverage = Coverage.from_frame(coverage)
    if isinstance(coverage, Coverage):
        months = coverage.months
        observed = months.isin(coverage.observed)
        if not observed.all():
            logger.warning(
                "emerging: %d month(s) not held by every force are left out as missing",
                int((~observed).sum()),
            )
    arr, months = lsoa_month_array(agg, lsoas, crime_types, months)
    return emerging_counts(
        lsoas, arr, months, observed=observed, weights=weights, alpha=alpha, fdr=fdr
    )
