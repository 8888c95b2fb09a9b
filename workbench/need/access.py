"""Service access: straight-line distance to the nearest service and a 2SFCA access index."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from workbench.disclosure.spec import TableSpec
from workbench.errors import WorkbenchError
from workbench.geo import BNG, WGS84, to_bng
from workbench.need._common import require_columns, require_frame
from workbench.need.results import NeedTable, need_table

__all__ = ["ServiceAccess", "service_access", "services_bng", "two_step_fca", "area_centres"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceAccess:
    """Result of :func:`service_access`.

    Attributes
    ----------
    lsoas : GeoDataFrame
        Map-ready, one row per LSOA (EPSG:27700 polygons): lsoa_code, population, centre_x,
        centre_y, centre_method, and for each service type ``<type>``: ``dist_km_<type>``
        (straight line to the nearest service of that type), ``nearest_<type>`` (its
        service_id) and ``access_<type>`` (2SFCA index, places per ``per`` residents);
        ``dist_km_any`` over all types.
    beyond : NeedTable
        Population living farther than each band from the nearest service of each type:
        service_type, band_km, lsoas_beyond, population_beyond, share_beyond. Populations
        and LSOA numbers, not counts of people in services: every column is safe.
    services : DataFrame
        The services used with their 2SFCA step-1 figures: service_id, service_type, supply
        (capacity, or remaining capacity), catchment_population, ratio_per (supply per ``per``
        residents in the catchment; NaN when nobody lives within the catchment).
    settings : dict
        Catchment, bands, centre method, use_remaining, per.
    """

    lsoas: gpd.GeoDataFrame
    beyond: NeedTable
    services: pd.DataFrame
    settings: dict = field(default_factory=dict)

    def layers(self) -> dict[str, str]:
        """Choropleth layers of :attr:`lsoas`, label -> column, for a map or explorer.

        One distance layer (``Distance (km) to <type>``, column ``dist_km_<type>``) per
        service type, then one access layer (``Access index (2SFCA), <type>``, column
        ``access_<type>``) per type; types sorted by name, underscores shown as spaces;
        the all-types distance ``dist_km_any`` is left out.
        """
        types = sorted(
            c[len("dist_km_") :]
            for c in self.lsoas.columns
            if str(c).startswith("dist_km_") and c != "dist_km_any"
        )
        out = {f"Distance (km) to {t.replace('_', ' ')}": f"dist_km_{t}" for t in types}
        out.update(
            {
                f"Access index (2SFCA), {t.replace('_', ' ')}": f"access_{t}"
                for t in types
                if f"access_{t}" in self.lsoas.columns
            }
        )
        return out


def _has_geometry(df: pd.DataFrame) -> bool:
    """True for a GeoDataFrame with an active geometry column."""
    if not isinstance(df, gpd.GeoDataFrame):
        return False
    try:
        df.geometry  # noqa: B018 - raises AttributeError when no geometry column is active
    except AttributeError:
        return False
    return True


def services_bng(services: pd.DataFrame) -> gpd.GeoDataFrame:
    """Services as points in EPSG:27700 (from a GeoDataFrame, or longitude/latitude columns)."""
    services = require_frame(services, "services")
    if _has_geometry(services):
        gdf = to_bng(services)
    else:
        require_columns(services, ["longitude", "latitude"], "services", "services")
        lon = pd.to_numeric(services["longitude"], errors="coerce")
        lat = pd.to_numeric(services["latitude"], errors="coerce")
        bad = lon.isna() | lat.isna()
        if bad.any():
            raise WorkbenchError(
                f"services: {int(bad.sum())} service(s) without longitude/latitude (e.g. row "
                f"{services.index[bad.to_numpy()][0]!r}); every service needs a location"
            )
        gdf = gpd.GeoDataFrame(
            services.copy(), geometry=gpd.points_from_xy(lon, lat), crs=WGS84
        ).to_crs(BNG)
    if gdf.geometry.is_empty.any() or gdf.geometry.isna().any():
        raise WorkbenchError("services: every service needs a point location")
    return gdf


def area_centres(
    areas: gpd.GeoDataFrame,
    weights: gpd.GeoDataFrame | None = None,
    *,
    code: str = "lsoa_code",
    weight_col: str = "population",
) -> tuple[np.ndarray, np.ndarray]:
    """Each area's population-weighted centre, or its geometric centroid without weights.

    Conventions
    -----------
    With ``weights`` (points such as Output Area population-weighted centroids carrying the
    area ``code`` and a ``weight_col``), the centre is the weighted mean of the points'
    EPSG:27700 coordinates; areas without weight points fall back to their centroid. Without
    weights, the polygon centroid (EPSG:27700).

    Returns
    -------
    xy : ndarray of shape (n, 2)
        Centre coordinates in metres (EPSG:27700).
    method : ndarray of str
        ``"population-weighted"`` or ``"centroid"`` per area.
    """
    areas = to_bng(areas)
    cent = areas.geometry.centroid
    xy = np.column_stack([cent.x.to_numpy(), cent.y.to_numpy()])
    method = np.full(len(areas), "centroid", dtype=object)
    if weights is not None:
        w = to_bng(require_frame(weights, "weights"))
        require_columns(w, [code, weight_col], "weights", "weight points")
        wv = pd.to_numeric(w[weight_col], errors="coerce").fillna(0.0).to_numpy()
        df = pd.DataFrame(
            {"code": w[code].astype(str).to_numpy(), "w": wv,
             "wx": w.geometry.x.to_numpy() * wv, "wy": w.geometry.y.to_numpy() * wv}
        ).groupby("code")[["w", "wx", "wy"]].sum()  # fmt: skip
        df = df[df["w"] > 0]
        codes = areas[code].astype(str)
        has = codes.isin(df.index).to_numpy()
        sub = df.reindex(codes[has])
        xy[has, 0] = (sub["wx"] / sub["w"]).to_numpy()
        xy[has, 1] = (sub["wy"] / sub["w"]).to_numpy()
        method[has] = "population-weighted"
        if (~has).any():
            logger.warning("%d area(s) have no weight points; using centroids", int((~has).sum()))
    return xy, method


def two_step_fca(
    demand_xy: np.ndarray,
    demand: np.ndarray,
    supply_xy: np.ndarray,
    supply: np.ndarray,
    catchment_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-step floating catchment area (2SFCA; Luo and Wang 2003), binary catchment.

    Conventions
    -----------
    Step 1, each service j: ``R_j = S_j / sum(P_k for demand points k with d_kj <= d0)``.
    Step 2, each demand point i: ``A_i = sum(R_j for services j with d_ij <= d0)``. Distances
    are straight-line (Euclidean) in the coordinates' units; the catchment includes its edge
    (``<=``). A service with nobody within ``d0`` has no ratio (NaN) and adds nothing.
    PySAL's ``access`` package computes the same index (``access.fca.two_stage_fca``) from a
    precomputed origin-destination cost table, and is this function's reference in the tests
    (``tests/need/test_need_access.py``, a dev dependency only); here the points within ``d0``
    come from a :class:`scipy.spatial.cKDTree` over the coordinates, without building the
    n x m table of every distance.

    Parameters
    ----------
    demand_xy, supply_xy : ndarray (n, 2), (m, 2)
    demand, supply : ndarray (n,), (m,)
        Population at each demand point; capacity (places) of each service.
    catchment_m : float
        d0, in the coordinates' units.

    Returns
    -------
    access : ndarray (n,)
        A_i, places per person.
    ratio : ndarray (m,)
        R_j.
    catchment_population : ndarray (m,)
        The denominator of R_j.
    """
    demand = np.asarray(demand, dtype=float)
    supply = np.asarray(supply, dtype=float)
    n, m = len(demand), len(supply)
    catch_pop = np.zeros(m)
    if n == 0 or m == 0:
        return np.zeros(n), np.full(m, np.nan), catch_pop
    tree = cKDTree(np.asarray(demand_xy, dtype=float))
    near = tree.query_ball_point(np.asarray(supply_xy, dtype=float), r=catchment_m)
    for j, idx in enumerate(near):
        catch_pop[j] = demand[idx].sum() if len(idx) else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(catch_pop > 0, supply / catch_pop, np.nan)
    access = np.zeros(n)
    for j, idx in enumerate(near):
        if len(idx) and np.isfinite(ratio[j]):
            access[idx] += ratio[j]
    return access, ratio, catch_pop


def service_access(
    services: pd.DataFrame,
    lsoas: gpd.GeoDataFrame,
    weights: gpd.GeoDataFrame | None = None,
    bands_km: Sequence[float] = (2, 5),
    *,
    catchment_km: float = 3.0,
    use_remaining: bool = False,
    service_types: Sequence[str] | None = None,
    population_col: str = "population",
    per: float = 10_000,
) -> ServiceAccess:
    """Distance from each LSOA to the nearest service of each type, and a 2SFCA access index.

    Conventions
    -----------
    - **Distances are straight-line** (as the crow flies) in metres in British National Grid
      (EPSG:27700), reported in km; travel by road or public transport is longer.
    - From each LSOA's population-weighted centre when ``weights`` are given, else its
      geometric centroid (the sample has no Output Area weights, so it uses centroids).
    - ``beyond``: population of LSOAs whose centre is farther than each band (strictly
      ``>``) from the nearest service of the type.
    - 2SFCA (:func:`two_step_fca`), per service type, binary catchment ``catchment_km``
      (edge included): ``R_j = supply_j / population within d0 of j``, ``A_i = sum of R_j
      within d0 of i``, shown per ``per`` residents. Supply is ``capacity``, or with
      ``use_remaining=True`` the remaining capacity ``max(capacity - caseload, 0)``, so that a
      near but full service counts for less (for nothing when full).

    Parameters
    ----------
    services : DataFrame or GeoDataFrame
        The services template (service_id, service_type, capacity, caseload and a location).
    lsoas : GeoDataFrame
        Study LSOAs: lsoa_code, ``population_col``, polygons.
    weights : GeoDataFrame, optional
        Population points (lsoa_code, population) for population-weighted centres.
    bands_km : sequence of float, default (2, 5)
        Distance bands for the population beyond.
    catchment_km : float, default 3.0
        2SFCA catchment d0.
    use_remaining : bool, default False
        Use remaining capacity instead of capacity as supply.
    service_types : list of str, optional
        Types to include; default every type present.
    population_col : str, default "population"
    per : float, default 10,000

    Returns
    -------
    ServiceAccess
    """
    lsoas = require_frame(lsoas, "lsoas")
    if not isinstance(lsoas, gpd.GeoDataFrame):
        raise WorkbenchError("lsoas must be a GeoDataFrame of LSOA polygons")
    require_columns(lsoas, ["lsoa_code", population_col], "lsoas", "study LSOAs")
    svc = services_bng(services)
    require_columns(svc, ["service_id", "service_type", "capacity"], "services", "services")
    bands = [float(b) for b in bands_km]
    if any(b <= 0 for b in bands):
        raise WorkbenchError(f"bands_km must be positive distances in km, found {list(bands_km)}")
    if not catchment_km > 0:
        raise WorkbenchError(f"catchment_km must be a positive distance, found {catchment_km!r}")
    if service_types is not None:
        unknown = sorted(set(service_types) - set(svc["service_type"]))
        if unknown:
            raise WorkbenchError(
                f"service_types {unknown} not among the services' types "
                f"{sorted(set(svc['service_type']))}"
            )
        svc = svc[svc["service_type"].isin(service_types)]
    if svc.empty:
        raise WorkbenchError("services: no services to measure access to")
    cap = pd.to_numeric(svc["capacity"], errors="coerce")
    if cap.isna().any() or (cap < 0).any():
        raise WorkbenchError(
            f"services, column 'capacity': expected numbers >= 0, found "
            f"{svc['capacity'][cap.isna() | (cap < 0)].iloc[0]!r}"
        )
    if use_remaining:
        require_columns(svc, ["caseload"], "services", "services")
        load = pd.to_numeric(svc["caseload"], errors="coerce")
        if load.isna().any():
            raise WorkbenchError("services, column 'caseload': blank caseload with use_remaining")
        supply = np.maximum(cap - load, 0.0).to_numpy()
    else:
        supply = cap.to_numpy(dtype=float)

    areas = to_bng(lsoas)
    pop = pd.to_numeric(areas[population_col], errors="coerce")
    if pop.isna().any() or (pop < 0).any():
        raise WorkbenchError(f"lsoas, column {population_col!r}: expected numbers >= 0")
    pop = pop.to_numpy(dtype=float)
    xy, method = area_centres(areas, weights)
    sxy = np.column_stack([svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy()])
    sid = svc["service_id"].astype(str).to_numpy()
    stype = svc["service_type"].astype(str).to_numpy()

    out = gpd.GeoDataFrame(
        {
            "lsoa_code": areas["lsoa_code"].to_numpy(),
            "population": pop,
            "centre_x": xy[:, 0],
            "centre_y": xy[:, 1],
            "centre_method": method,
        },
        geometry=areas.geometry.to_numpy(),
        crs=BNG,
    )
    beyond_rows = []
    svc_rows = []
    types = sorted(set(stype))
    for t in types:
        sel = stype == t
        dist, idx = cKDTree(sxy[sel]).query(xy, k=1)
        dkm = dist / 1000.0
        out[f"dist_km_{t}"] = dkm
        out[f"nearest_{t}"] = sid[sel][idx]
        access, ratio, cpop = two_step_fca(xy, pop, sxy[sel], supply[sel], catchment_km * 1000)
        out[f"access_{t}"] = access * per
        for j in range(int(sel.sum())):
            svc_rows.append(
                {
                    "service_id": sid[sel][j],
                    "service_type": t,
                    "supply": supply[sel][j],
                    "catchment_population": cpop[j],
                    "ratio_per": ratio[j] * per,
                }
            )
        for b in bands:
            far = dkm > b
            beyond_rows.append(
                {
                    "service_type": t,
                    "band_km": b,
                    "lsoas_beyond": int(far.sum()),
                    "population_beyond": float(pop[far].sum()),
                    "share_beyond": float(pop[far].sum() / pop.sum()) if pop.sum() else np.nan,
                }
            )
    out["dist_km_any"] = out[[f"dist_km_{t}" for t in types]].min(axis=1)
    settings = {
        "distance": "straight-line (Euclidean) in EPSG:27700, km",
        "centre": "population-weighted" if weights is not None else "LSOA centroid",
        "bands_km": bands,
        "catchment_km": float(catchment_km),
        "supply": "remaining capacity max(capacity - caseload, 0)" if use_remaining else "capacity",
        "per": per,
        "index": "2SFCA (binary catchment, edge included), places per residents",
    }
    beyond = pd.DataFrame(beyond_rows)
    beyond_spec = TableSpec(
        dims=("service_type", "band_km"),
        safe=("band_km", "lsoas_beyond", "population_beyond", "share_beyond"),
    )
    return ServiceAccess(
        out, need_table(beyond, beyond_spec, settings), pd.DataFrame(svc_rows), settings
    )
