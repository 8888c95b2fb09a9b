"""Studies of several districts: each district's share of the data, figures and hot spot scales.

A study of two or more local authority districts is reported for the whole and for each
district. Each district's LSOAs are those whose LAD code (decided once, when the LSOAs are
loaded: ``study.lsoas["lad_code"]``) is the district's; its crimes are those whose LSOA is one
of them (police rows carry the LSOA they were attributed to when loaded). Nothing is re-joined
by location here.

The default hot spot scales of a multi-district study come from its districts, not from the
bounding box of the whole: two non-adjacent towns have a bounding box much larger than either,
which made 500 m cells and a 12 km bandwidth that painted one colour over a whole town.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import pandas as pd

from workbench.disclosure.spec import Described
from workbench.errors import WorkbenchError
from workbench.figures import name_figure
from workbench.geo import dissolve_clean

__all__ = [
    "District",
    "default_bandwidth",
    "default_cell_size",
    "district_parts",
    "key_figures_by_district",
    "monthly_by_district",
    "trends_by_district",
]

logger = logging.getLogger(__name__)


@dataclass
class District:
    """One district of a study: its code, name, LSOAs, outline and police rows."""

    code: str
    name: str
    lsoas: gpd.GeoDataFrame
    area: gpd.GeoDataFrame
    crimes: gpd.GeoDataFrame

    @property
    def slug(self) -> str:
        """The name as a file-name part: ``"Castle Point"`` -> ``"castle_point"``."""
        return _slug(self.name) if _slug(self.name) != "district" else self.code.lower()

    def points(self, points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """The rows of ``points`` (with an ``lsoa_code`` column) in this district."""
        return points[points["lsoa_code"].isin(set(self.lsoas["lsoa_code"]))]


def _observed(study: Any) -> Any:
    """The months the police files hold (``study.coverage.observed``), or None: a month
    without a file is missing, never zero."""
    coverage = getattr(study, "coverage", None)
    return getattr(coverage, "observed", None)


def district_parts(study: Any) -> list[District]:
    """The study's districts (in ``area_codes`` order) that hold at least one study LSOA.

    Names come from the LSOAs' ``lad_name`` (else the code). A study of one district gets a
    list of one.
    """
    lsoas = study.lsoas
    crimes = study.crimes
    parts = []
    for code in study.config.area_codes:
        mine = lsoas[lsoas["lad_code"] == code] if "lad_code" in lsoas.columns else lsoas
        if mine.empty:
            logger.info("District %s has no LSOA in the study: not reported separately", code)
            continue
        names = mine["lad_name"].dropna().unique() if "lad_name" in mine.columns else []
        name = str(names[0]) if len(names) else code
        geom, _ = dissolve_clean(mine.geometry)
        area = gpd.GeoDataFrame({"name": [name]}, geometry=[geom], crs=lsoas.crs)
        rows = crimes[crimes["lsoa_code"].isin(set(mine["lsoa_code"]))]
        parts.append(District(code, name, mine, area, rows))
    return parts


def default_cell_size(study: Any, cells: int = 50) -> float | None:
    """The default grid cell size of a multi-district study: the smallest of its districts'.

    Each district's default is :func:`workbench.hotspots.default_cell_size` of its own
    bounds (about ``cells`` cells along its shorter side). Returns None for a study of one
    district (the grid then chooses from the study area, the same thing).
    """
    from workbench.hotspots import default_cell_size as cell_for

    parts = district_parts(study)
    if len(parts) < 2:
        return None
    sizes = {p.name: cell_for(tuple(p.area.total_bounds), cells) for p in parts}
    logger.info("Default cell size by district: %s; using the smallest", sizes)
    return min(sizes.values())


def default_bandwidth(points: gpd.GeoDataFrame, study: Any) -> float | None:
    """The default KDE bandwidth of a multi-district study: that of its densest district.

    The normal-reference rule (:func:`workbench.hotspots.default_bandwidth`) applied to the
    points of the district with the most points per km²; over the whole of two separate
    towns the rule sees one wide spread and over-smooths both. Returns None for a study of
    one district, or when no district has two points (the KDE then uses its own rule).
    """
    from workbench.hotspots import default_bandwidth as bandwidth_for

    parts = district_parts(study)
    if len(parts) < 2:
        return None
    density = {}
    for part in parts:
        n = len(part.points(points))
        if n >= 2:
            density[part.name] = (n / (part.area.area.sum() / 1e6), part)
    if not density:
        return None
    name, (per_km2, part) = max(density.items(), key=lambda item: item[1][0])
    h = float(bandwidth_for(part.points(points)))
    logger.info(
        "Default bandwidth from the densest district, %s (%.1f per km²): %.0f m", name, per_km2, h
    )
    return h


def key_figures_by_district(
    study: Any, crime_types: list[str], per: int | None = None
) -> Described:
    """Year-on-year figures of ``crime_types`` for the whole study and each district.

    :func:`workbench.stats.compare_periods` (12-month windows ending at the last month,
    with rates per ``per`` residents and their 95% intervals, months without police data
    missing, not zero) on each part, the latest window only; the first column ``area``
    names the part ("All districts", the total of the districts, or the district). The
    description is :func:`~workbench.stats.compare_periods`'s with ``area`` a dimension.
    """
    from workbench.stats import compare_periods

    per = per or study.config.per
    crimes = study.crimes
    observed = _observed(study)
    parts = [("All districts", crimes, study.lsoas)]
    parts += [(p.name, p.crimes, p.lsoas) for p in district_parts(study)]
    frames = []
    spec = None
    for name, rows, lsoas in parts:
        chosen = rows[rows["crime_type"].isin(crime_types)]
        result = compare_periods(
            chosen,
            freq="year",
            by="crime_type",
            observed=observed,
            population=int(lsoas["population"].sum()),
            per=per,
        )
        yearly = result.frame
        yearly = yearly[yearly["last_month"] == yearly["last_month"].max()].copy()
        yearly.insert(0, "area", name)
        frames.append(yearly)
        spec = result.spec
    table = pd.concat(frames, ignore_index=True)
    spec = replace(spec.with_dims("area"), totals={"area": "All districts"})
    return Described(table.astype({"first_month": str, "last_month": str}), spec)


def monthly_by_district(study: Any, crime_types: list[str]) -> Described:
    """Monthly counts of ``crime_types`` in each district, as one table to publish.

    :func:`workbench.stats.monthly_counts` of each district's rows over the study period
    (months without police data are missing, not zero) as
    :func:`workbench.stats.monthly_long`, with a first column ``area`` (the district's
    name): ``area``, ``crime_type``, ``month``, ``count``, counting the same measure as the
    study's monthly table (the study's month is their margin).
    """
    from workbench.stats import monthly_counts, monthly_long

    frames = []
    for part in district_parts(study):
        rows = part.crimes[part.crimes["crime_type"].isin(crime_types)]
        monthly = monthly_counts(
            rows,
            by="crime_type",
            start=study.config.period_start,
            end=study.config.period_end,
            observed=_observed(study),
        ).reindex(columns=crime_types)
        # a crime type with no row in an observed month counted 0 there
        monthly = monthly.fillna(dict.fromkeys(crime_types, 0)).where(monthly.notna().any(axis=1))
        table = monthly_long(monthly).frame
        table.insert(0, "area", part.name)
        frames.append(table)
    frame = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["area", "crime_type", "month", "count"])
    )
    return monthly_long(frame, area="area")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_") or "district"


def trends_by_district(
    data: Any,
    crime_types: list[str] | None = None,
    *,
    ylabel: str = "offences",
    withheld: pd.DataFrame | None = None,
    threshold: int = 5,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Monthly XmR signals and Mann-Kendall trends of ``crime_types`` in each district.

    Parameters
    ----------
    data : DataFrame or Study
        What the charts are drawn from: the published :func:`monthly_by_district` table as
        :meth:`workbench.outputs.Outputs.plot_data` gives it (withheld months NaN), or a
        study (its districts' counts are then taken in full: for analysis, not to publish).
    crime_types : list of str, optional
        The crime types (default those in ``data``); needed with a study.
    ylabel : str, default "offences"
    withheld : DataFrame of bool, optional
        :meth:`workbench.outputs.Outputs.withheld` of the published table (same rows, a
        ``count`` column): withheld months are drawn as withheld gaps.
    threshold : int, default 5
        The suppression threshold (legend words).

    Returns
    -------
    table : DataFrame
        :func:`workbench.stats.spc_summary` of each district with a first column ``area``.
    figures : dict
        Charts named ``spc_<district>_<crime type>``, titled with the district's name.
    """
    from workbench.stats import spc_summary

    if not isinstance(data, pd.DataFrame):
        if not crime_types:
            raise WorkbenchError("trends_by_district(study, crime_types): name the crime types")
        data = monthly_by_district(data, crime_types).frame
    crime_types = crime_types or list(dict.fromkeys(data["crime_type"]))
    frames = []
    figures: dict[str, Any] = {}
    for name in data["area"].drop_duplicates():
        rows = (data["area"] == name).to_numpy()
        part = data.loc[rows]
        monthly = part.pivot(index="month", columns="crime_type", values="count")
        monthly = monthly.reindex(columns=crime_types).astype(float)
        held = None
        if withheld is not None:
            flags = withheld.loc[rows, "count"].to_numpy(dtype=bool)
            held = (
                pd.DataFrame({"month": part["month"], "crime_type": part["crime_type"]})
                .assign(flag=flags)
                .pivot(index="month", columns="crime_type", values="flag")
                .reindex(index=monthly.index, columns=crime_types)
                .fillna(False)
                .astype(bool)
            )
        signals, charts = spc_summary(
            monthly,
            ylabel=ylabel,
            prefix=f"spc_{_slug(name)}_",
            withheld=held,
            threshold=threshold,
        )
        signals.insert(0, "area", name)
        frames.append(signals.rename(columns={"series": "crime_type"}))
        figures.update({key: name_figure(fig, name) for key, fig in charts.items()})
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return table, figures
