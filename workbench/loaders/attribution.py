"""One attribution rule: the LSOA, ward, district and IMD decile of each point, decided once.

The rule (docs/assumptions.md, "One attribution rule"): a record with a police ``LSOA code``
of the study belongs to that LSOA (police.uk computes the code from the same anonymised point
against the full-resolution ONS boundaries, which the study's generalised polygons only
approximate); a record without one (no code, stop and search, needle finds) belongs to the
study LSOA its point falls in. The ward is the study ward its point falls in; the district and
the IMD decile are those of its LSOA. The loaders store the result on the rows
(``lsoa_code``, ``ward_code``, ``district_code``, ``imd_decile``) and every analysis counts by
these columns, so a figure is the same in every report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from workbench.geo import locate_points

__all__ = ["Attribution", "attribute_points", "ATTRIBUTION_COLUMNS", "paths_by_month"]

logger = logging.getLogger(__name__)

#: Columns :func:`attribute_points` adds (or replaces).
ATTRIBUTION_COLUMNS = ("lsoa_code", "ward_code", "district_code", "imd_decile")


@dataclass(frozen=True)
class Attribution:
    """How the rule placed one layer's rows (reported by ``workbench validate``).

    Attributes
    ----------
    layer : str
    rows : int
        Rows attributed.
    by_point : int
        Rows with no police LSOA code of the study, placed by point in polygon.
    by_code : int
        Rows placed by their police LSOA code.
    disagree : int
        Rows placed by their police LSOA code whose point falls in another study LSOA's
        (generalised) polygon or in none: where the two rules disagree.
    no_ward : int
        Rows in no ward polygon (``ward_code`` missing); 0 when no wards are configured.
    """

    layer: str
    rows: int
    by_point: int
    by_code: int
    disagree: int
    no_ward: int

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "layer": self.layer,
            "rows": self.rows,
            "by_point": self.by_point,
            "by_code": self.by_code,
            "disagree": self.disagree,
            "no_ward": self.no_ward,
        }


def _locate_distinct(geoms: gpd.GeoSeries, polygons: gpd.GeoDataFrame, column: str) -> pd.Series:
    """:func:`workbench.geo.locate_points` run once per distinct point (police.uk snap points
    repeat: 5,456 distinct among the sample's 141,589 crimes), mapped back to every row."""
    if not len(geoms):
        return pd.Series(pd.NA, index=geoms.index, dtype="string")
    xy = shapely.get_coordinates(geoms.to_numpy(), include_z=False)
    if len(xy) != len(geoms):  # empty or non-point geometries: no shortcut
        return locate_points(geoms, polygons, column).astype("string")
    codes, uniq = pd.factorize(xy[:, 0] + 1j * xy[:, 1])
    pts = gpd.GeoSeries(shapely.points(uniq.real, uniq.imag), crs=geoms.crs)
    found = locate_points(pts, polygons, column).astype("string").to_numpy()
    return pd.Series(pd.array(found[codes], dtype="string"), index=geoms.index)


def attribute_points(
    points: gpd.GeoDataFrame,
    lsoas: gpd.GeoDataFrame,
    wards: gpd.GeoDataFrame | None = None,
    *,
    layer: str = "points",
) -> tuple[gpd.GeoDataFrame, Attribution]:
    """Add ``lsoa_code``, ``ward_code``, ``district_code`` and ``imd_decile`` to points.

    Parameters
    ----------
    points : GeoDataFrame
        EPSG:27700 points. An ``lsoa_code`` column, when present, is the police's code (as
        the loader matched it); a study code there is kept.
    lsoas : GeoDataFrame
        The study LSOAs: ``lsoa_code``, ``lad_code``, ``imd_decile``, polygons (EPSG:27700).
    wards : GeoDataFrame, optional
        Study wards: ``ward_code``, polygons. When ``lsoas`` has a ``ward_code`` column (the
        ONS LSOA to ward best-fit lookup), each row takes its LSOA's ward instead.
    layer : str
        Name used in the returned :class:`Attribution` and the log.

    Returns
    -------
    (GeoDataFrame, Attribution)
        A copy of ``points`` with the columns added (``lsoa_code`` and ``ward_code`` as
        ``str`` with missing values, ``district_code`` ``str``, ``imd_decile`` ``Int64``), and
        the counts of how the rule placed them.

    Notes
    -----
    A point on an edge shared by two polygons goes to the first found by the spatial index
    (:func:`workbench.geo.locate_points`), the same as :func:`workbench.hotspots.count`.
    """
    out = points.copy()
    n = len(out)
    located = _locate_distinct(out.geometry, lsoas[["lsoa_code", "geometry"]], "lsoa_code")
    given = (
        out["lsoa_code"].astype("string")
        if "lsoa_code" in out
        else pd.Series(pd.NA, index=out.index, dtype="string")
    )
    study_codes = pd.Index(lsoas["lsoa_code"].astype(str))
    by_code = given.isin(study_codes).fillna(False).to_numpy(bool)
    by_point = ~by_code & located.notna().to_numpy(bool)
    final = given.where(by_code, located)
    disagree = int((by_code & (located != given).fillna(True).to_numpy(bool)).sum())
    out["lsoa_code"] = final.astype("str")
    lsoa_info = lsoas.set_index(lsoas["lsoa_code"].astype(str))
    codes = final.to_numpy(dtype=object)
    if "lad_code" in lsoa_info:
        out["district_code"] = pd.array(
            pd.Series(codes).map(lsoa_info["lad_code"].astype(str)).to_numpy(object),
            dtype="str",
        )
    if "imd_decile" in lsoa_info:
        out["imd_decile"] = pd.array(
            pd.Series(codes).map(lsoa_info["imd_decile"]).to_numpy(object), dtype="Int64"
        )
    no_ward = 0
    if "ward_code" in lsoa_info:
        # wards from the ONS best-fit lookup: the ward of the row's LSOA (not by point)
        ward_of = pd.Series(codes).map(lsoa_info["ward_code"].astype("string"))
        out["ward_code"] = pd.array(ward_of.to_numpy(object), dtype="str")
        no_ward = int(ward_of.isna().sum())
    elif wards is not None and len(wards):
        ward = _locate_distinct(out.geometry, wards[["ward_code", "geometry"]], "ward_code")
        out["ward_code"] = ward.astype("str")
        no_ward = int(ward.isna().sum())
    else:
        out["ward_code"] = pd.Series(pd.NA, index=out.index, dtype="str")
    result = Attribution(
        layer=layer,
        rows=n,
        by_point=int(by_point.sum()),
        by_code=int(by_code.sum()),
        disagree=disagree,
        no_ward=no_ward,
    )
    if result.disagree:
        logger.info(
            "%s: %d row(s) have a police LSOA code of the study whose point falls in another "
            "study LSOA's (generalised) polygon; the police code is used",
            layer,
            result.disagree,
        )
    lost = int((~by_point & ~by_code).sum())
    if lost:
        logger.warning("%s: %d row(s) in no study LSOA by code or point", layer, lost)
    return out, result


def paths_by_month(entries: list) -> pd.DataFrame:
    """Police rows per month and attribution path, from the ledger (``FileLedger.by_month``).

    Parameters
    ----------
    entries : list of FileLedger
        The police street files' ledgers.

    Returns
    -------
    DataFrame
        One row per month: ``read``, ``kept``, ``dropped`` and one column per attribution path
        (the ledger notes of kept rows: "LSOA code of a study LSOA (2021 geography): placed
        by its code", "2011 LSOA code split (S) in 2021: placed by its point among its
        parts", ...), zeros where a path was not used. ``read = kept + dropped`` in every
        row, and the path columns add up to ``kept`` when every kept row has a path.
    """
    rows: dict[str, dict[str, int]] = {}
    for fl in entries:
        for month, led in getattr(fl, "by_month", {}).items():
            row = rows.setdefault(month, {"read": 0, "kept": 0, "dropped": 0})
            row["read"] += led["read"]
            row["kept"] += led["kept"]
            row["dropped"] += sum(led["dropped"].values())
            for note, n in led["notes"].items():
                row[note] = row.get(note, 0) + n
    out = pd.DataFrame.from_dict(rows, orient="index").fillna(0).astype("int64")
    out.index.name = "month"
    return out.sort_index()
