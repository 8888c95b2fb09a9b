"""Capacity against estimated need, per area (e.g. ward) or per service catchment."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from workbench.disclosure.spec import Count, Derived, Described, TableSpec
from workbench.errors import WorkbenchError
from workbench.geo import to_bng
from workbench.need._common import require_columns, require_frame
from workbench.need.access import area_centres, services_bng
from workbench.need.results import NeedFrame

__all__ = ["capacity_gap", "capacity_table", "distribute_estimate"]

logger = logging.getLogger(__name__)


def distribute_estimate(
    estimate: float, areas: pd.DataFrame, weight_col: str = "population"
) -> pd.Series:
    """Share an area-wide estimate (e.g. OCU prevalence) among small areas by a weight.

    Conventions
    -----------
    ``need_i = estimate x w_i / sum(w)``: a modelling assumption (need follows the weight:
    population, or population x a deprivation factor, or numbers in treatment), not an
    estimate for each small area. Say which weight was used wherever the result is shown.

    Parameters
    ----------
    estimate : float
        The total to share out (>= 0).
    areas : DataFrame
        One row per small area with a ``weight_col``.
    weight_col : str, default "population"

    Returns
    -------
    pandas.Series
        Need per area, same index as ``areas``; sums to ``estimate``.
    """
    areas = require_frame(areas, "areas")
    if weight_col not in areas.columns:
        raise WorkbenchError(
            f"areas has no column {weight_col!r}; found {list(areas.columns)[:10]}"
        )
    if not np.isfinite(estimate) or estimate < 0:
        raise WorkbenchError(f"estimate must be a number >= 0, found {estimate!r}")
    w = pd.to_numeric(areas[weight_col], errors="coerce")
    if w.isna().any() or (w < 0).any() or w.sum() <= 0:
        raise WorkbenchError(f"areas, column {weight_col!r}: expected weights >= 0 with sum > 0")
    return (estimate * w / w.sum()).rename("need")


def capacity_gap(
    services: pd.DataFrame,
    need_by_area: gpd.GeoDataFrame,
    *,
    by: str = "area",
    area_col: str = "ward_code",
    need_col: str = "need",
    population_col: str = "population",
    service_types: Sequence[str] | None = None,
    per: float = 10_000,
) -> NeedFrame:
    """Commissioned capacity against estimated need, in numbers and per ``per`` residents.

    Conventions
    -----------
    - ``by="area"``: each service counts towards the area (ward, LSOA) whose polygon contains
      it; services outside every area are left out and logged.
    - ``by="catchment"``: each area belongs to the catchment of the service nearest to its
      centroid (straight line, EPSG:27700), and need and population are summed per service.
    - ``gap = need - capacity`` (positive: more people in need than places);
      ``capacity_per`` and ``need_per`` are per ``per`` residents; ``coverage_pct = capacity /
      need x 100``; ``over_capacity`` counts services whose caseload exceeds capacity.
    - Need per area is an input (e.g. from :func:`distribute_estimate`); its uncertainty is
      not propagated here.

    Parameters
    ----------
    services : DataFrame or GeoDataFrame
        The services template.
    need_by_area : GeoDataFrame
        Areas with ``area_col``, ``need_col``, ``population_col`` and polygons.
    by : {"area", "catchment"}, default "area"
    area_col, need_col, population_col : str
    service_types : list of str, optional
        Types to count; default all.
    per : float, default 10,000

    Returns
    -------
    NeedFrame
        ``.settings``: by, per, definition, assignment. ``.frame``: ``by="area"``: one row per area
        (``area_col``, need, population, services, capacity, caseload, over_capacity, gap,
        capacity_per, need_per, coverage_pct). ``by="catchment"``: one row per service (service_id,
        name, service_type, areas, need, population, capacity, caseload, gap, capacity_per,
        need_per, coverage_pct).
    """
    if by not in ("area", "catchment"):
        raise WorkbenchError(f"by must be 'area' or 'catchment', found {by!r}")
    areas = require_frame(need_by_area, "need_by_area")
    if not isinstance(areas, gpd.GeoDataFrame):
        raise WorkbenchError("need_by_area must be a GeoDataFrame of area polygons")
    require_columns(areas, [area_col, need_col, population_col], "need_by_area", "need by area")
    areas = to_bng(areas).reset_index(drop=True)
    svc = services_bng(services).reset_index(drop=True)
    require_columns(svc, ["service_id", "service_type", "capacity"], "services", "services")
    if service_types is not None:
        svc = svc[svc["service_type"].isin(service_types)].reset_index(drop=True)
    if svc.empty:
        raise WorkbenchError(f"services: none of the types {service_types}")
    svc["capacity"] = pd.to_numeric(svc["capacity"], errors="coerce").astype(float)
    svc["caseload"] = (
        pd.to_numeric(svc["caseload"], errors="coerce").astype(float)
        if "caseload" in svc.columns
        else np.nan
    )
    svc["_over"] = (svc["caseload"] > svc["capacity"]).astype(int)
    need = pd.to_numeric(areas[need_col], errors="coerce").astype(float)
    pop = pd.to_numeric(areas[population_col], errors="coerce").astype(float)

    if by == "area":
        joined = gpd.sjoin(svc, areas[[area_col, "geometry"]], how="left", predicate="within")
        joined = joined[~joined.index.duplicated()]
        outside = joined[area_col].isna()
        if outside.any():
            logger.warning(
                "%d service(s) lie outside every area and are left out: %s",
                int(outside.sum()), list(joined.loc[outside, "service_id"]),
            )  # fmt: skip
        g = joined[~outside].groupby(area_col)
        agg = pd.DataFrame(
            {
                "services": g.size(),
                "capacity": g["capacity"].sum(),
                "caseload": g["caseload"].sum(min_count=1),
                "over_capacity": g["_over"].sum(),
            }
        )
        out = pd.DataFrame(
            {area_col: areas[area_col].to_numpy(), "need": need.to_numpy(), "population": pop}
        ).set_index(area_col)
        out = out.join(agg).fillna({"services": 0, "capacity": 0.0, "over_capacity": 0})
        out["services"] = out["services"].astype(int)
        out["over_capacity"] = out["over_capacity"].astype(int)
    else:
        xy, _ = area_centres(areas, code=area_col)
        sxy = np.column_stack([svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy()])
        _, idx = cKDTree(sxy).query(xy, k=1)
        part = pd.DataFrame({"svc": idx, "need": need.to_numpy(), "population": pop.to_numpy()})
        g = part.groupby("svc")
        cols = [c for c in ("service_id", "name", "service_type") if c in svc.columns]
        out = svc[cols + ["capacity", "caseload"]].copy()
        out["areas"] = g.size().reindex(out.index, fill_value=0).astype(int)
        out["need"] = g["need"].sum().reindex(out.index, fill_value=0.0)
        out["population"] = g["population"].sum().reindex(out.index, fill_value=0.0)
        out = out.set_index("service_id")
    out["gap"] = out["need"] - out["capacity"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["capacity_per"] = np.where(
            out["population"] > 0, out["capacity"] / out["population"] * per, np.nan
        )
        out["need_per"] = np.where(
            out["population"] > 0, out["need"] / out["population"] * per, np.nan
        )
        out["coverage_pct"] = np.where(out["need"] > 0, out["capacity"] / out["need"] * 100, np.nan)
    settings = {
        "by": by,
        "per": per,
        "definition": "gap = need - capacity; coverage % = capacity / need x 100",
        "assignment": "service in area polygon"
        if by == "area"
        else "area to nearest service (straight line from centroid)",
    }
    return NeedFrame(frame=out, settings=settings)


#: Columns of :func:`capacity_table` kept from the services template when present.
_CAPACITY_COLUMNS = [
    "service_id",
    "name",
    "service_type",
    "tier",
    "capacity",
    "caseload",
    "median_wait_weeks",
]


def capacity_table(services: pd.DataFrame) -> Described:
    """One row per service: capacity, caseload and caseload as a percentage of capacity.

    Conventions
    -----------
    ``caseload_pct_of_capacity = caseload / capacity x 100``, rounded to 1 decimal place;
    missing (NaN) where capacity is missing or not above 0 (no places commissioned: a
    percentage would be meaningless). Over 100 means more people on the caseload than places.

    Parameters
    ----------
    services : DataFrame
        The services template: ``service_id``, ``capacity`` and ``caseload`` required;
        ``name``, ``service_type``, ``tier`` and ``median_wait_weeks`` kept when present.

    Returns
    -------
    Described
        The kept columns plus ``caseload_pct_of_capacity``. ``caseload`` counts people
        (``caseload_pct_of_capacity`` derives from it); capacity, tier and waits are safe.

    Raises
    ------
    WorkbenchError
        A required column missing.
    """
    services = require_frame(services, "services")
    require_columns(services, ["service_id", "capacity", "caseload"], "services", "services")
    out = pd.DataFrame(services[[c for c in _CAPACITY_COLUMNS if c in services.columns]])
    if isinstance(out, gpd.GeoDataFrame):
        out = pd.DataFrame(out)
    out = out.reset_index(drop=True)
    capacity = pd.to_numeric(out["capacity"], errors="coerce").astype(float)
    caseload = pd.to_numeric(out["caseload"], errors="coerce").astype(float)
    out["caseload_pct_of_capacity"] = (caseload / capacity.where(capacity > 0) * 100).round(1)
    spec = TableSpec(
        dims=("service_id",),
        counts={"caseload": Count("services.caseload")},
        derived={"caseload_pct_of_capacity": Derived(("caseload",))},
        safe=("capacity", "tier", "median_wait_weeks"),
    )
    return Described.of(out, spec)
