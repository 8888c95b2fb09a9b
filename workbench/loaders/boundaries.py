"""Boundaries (LSOA, ward, district) from GeoJSON, GeoPackage or shapefile, in any CRS."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from workbench.errors import DataError
from workbench.geo import BNG, WGS84, guess_crs, repair_polygons
from workbench.ledger import REASONS, FileLedger, Ledger
from workbench.loaders._io import display_name, norm

__all__ = ["read_boundaries", "CODE_PATTERNS", "NAME_PATTERNS"]

logger = logging.getLogger(__name__)

#: Code column names recognised per layer (regular expressions, case-insensitive).
CODE_PATTERNS: dict[str, list[str]] = {
    "lsoa": [r"lsoa\d{2}cd", r"lsoa_?code", r"lsoa", r"code"],
    "ward": [r"w(ar)?d\d{2}cd", r"ward_?code", r"code"],
    "district": [r"lad\d{2}cd", r"lad_?code", r"code"],
}
#: Name column names recognised per layer.
NAME_PATTERNS: dict[str, list[str]] = {
    "lsoa": [r"lsoa\d{2}nm", r"lsoa_?name", r"name"],
    "ward": [r"w(ar)?d\d{2}nm", r"ward_?name", r"name"],
    "district": [r"lad\d{2}nm", r"lad_?name", r"name"],
}
_VALUE = {
    "lsoa": r"^[EW]01\d{6}$",
    "ward": r"^[EWSN]\d{8}$",
    "district": r"^[EWSN]\d{8}$",
}
_READABLE = {".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb", ".gml", ".kml"}


def _pick(columns: list[str], patterns: list[str]) -> str | None:
    for pat in patterns:
        for c in columns:
            if re.fullmatch(pat, norm(c)):
                return c
    return None


def read_boundaries(
    paths: str | Path | list[str | Path],
    layer: str = "lsoa",
    ledger: Ledger | None = None,
    *,
    code_column: str | None = None,
    name_column: str | None = None,
) -> tuple[gpd.GeoDataFrame, str | None]:
    """Read polygons, detect the code column, repair invalid polygons, reproject to BNG.

    Parameters
    ----------
    paths : path or list of paths
        GeoJSON, GeoPackage, shapefile (or anything pyogrio reads), in any CRS. A file with no
        CRS is taken as WGS84 or British National Grid from its coordinates' extent.
    layer : {"lsoa", "ward", "district"}
        What the polygons are; decides the output column names and the code detection.
    code_column, name_column : str, optional
        Use these columns (``[columns]`` ``lsoa_code``/``ward_code``/... in area.toml) instead of
        detecting them. Detection tries ``LSOA11CD``/``LSOA21CD``/``lsoa11cd``, ``WD13CD``,
        ``LAD13CD``, then ``*_code`` and ``code``, and checks the values look like ONS codes.

    Returns
    -------
    (GeoDataFrame, str or None)
        ``<layer>_code``, ``<layer>_name`` and geometry in EPSG:27700, one row per polygon; and
        the census year of the code column when its name tells it (``"2011"`` for LSOA11CD).

    Notes
    -----
    Invalid polygons (self-intersections from generalisation are common) are repaired with
    shapely's ``make_valid`` and counted in the ledger's notes; rows with no geometry are
    dropped ("no geometry"), and rows with no code ("no area code").
    """
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    frames = []
    vintage = None
    code = f"{layer}_code"
    seen: set[str] = set()
    for path in paths:
        fl = FileLedger(display_name(path), f"{layer}_boundaries")
        gdf, v = _read_one(Path(path), layer, fl, code_column, name_column)
        if ledger is not None:
            ledger.add(fl)
        vintage = vintage or v
        again = gdf[code].isin(seen).to_numpy(bool)
        if again.any():
            logger.warning(
                "%d %s code(s) of %s are in an earlier boundary file; first kept",
                int(again.sum()),
                layer,
                fl.file,
            )
            fl.drop("code already in an earlier boundary file", int(again.sum()))
            fl.kept -= int(again.sum())
            gdf = gdf.loc[~again]
        seen.update(gdf[code])
        frames.append(gdf)
    if not frames:
        raise DataError(f"[files] {layer} boundaries", "at least one boundary file", found="none")
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=BNG), vintage


def _read_one(
    path: Path,
    layer: str,
    fl: FileLedger,
    code_column: str | None,
    name_column: str | None,
) -> tuple[gpd.GeoDataFrame, str | None]:
    name = display_name(path)
    if path.suffix.lower() not in _READABLE:
        raise DataError(
            name,
            "a boundary file (GeoJSON, GeoPackage or shapefile)",
            found=f"a {path.suffix or 'file without extension'} file",
            fix="Export the boundaries as GeoJSON or GeoPackage, or check the [files] key.",
        )
    if path.stat().st_size == 0:
        raise DataError(
            name,
            "a boundary file with polygons",
            found="an empty file (0 bytes)",
            fix="Download the boundaries again.",
        )
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise DataError(
            name,
            "a boundary file GDAL can read (GeoJSON, GeoPackage or shapefile)",
            found=str(exc).splitlines()[0][:200],
            fix="Open it in QGIS to check it, and export it as GeoJSON or GeoPackage.",
        ) from exc
    fl.read = len(gdf)
    if len(gdf) == 0:
        raise DataError(name, "a boundary file with polygons", found="no features")
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    code = code_column or _pick(cols, CODE_PATTERNS[layer])
    if code is not None and code not in gdf.columns:
        raise DataError(
            name,
            f"the column {code!r} named in [columns]",
            found=f"columns {cols}",
            column=code,
            fix="Fix the [columns] table in area.toml.",
        )
    if code is None or not _codes_look_right(gdf[code], layer):
        if code_column is None:
            # any column whose values look like the codes
            code = next((c for c in cols if _codes_look_right(gdf[c], layer)), None)
        if code is None:
            raise DataError(
                name,
                f"a {layer.upper() if layer == 'lsoa' else layer} code column (e.g. "
                + {
                    "lsoa": "LSOA11CD, LSOA21CD, lsoa11cd",
                    "ward": "WD13CD, WD22CD",
                    "district": "LAD13CD, LAD19CD",
                }[layer]
                + ")",
                found="columns " + ", ".join(repr(c) for c in cols[:10]),
                fix=f'Name the code column in area.toml: [columns] {layer}_code = "...".',
            )
    nm = name_column or _pick([c for c in cols if c != code], NAME_PATTERNS[layer])
    years = re.findall(r"\d{2}", code)
    vintage = "20" + years[0] if years and years[0] in ("11", "21") else None
    out = gpd.GeoDataFrame(
        {
            f"{layer}_code": gdf[code].astype("string").str.strip().astype("str"),
            f"{layer}_name": gdf[nm].astype("str") if nm else gdf[code].astype("str"),
        },
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )
    missing = (out.geometry.isna() | out.geometry.is_empty).to_numpy(bool)
    fl.drop(REASONS["no_geometry"], int(missing.sum()))
    out = out.loc[~missing]
    nocode = out[f"{layer}_code"].isna().to_numpy(bool) | (out[f"{layer}_code"] == "").to_numpy()
    fl.drop(REASONS["no_code"], int(nocode.sum()))
    out = out.loc[~nocode]
    if out.crs is None:
        guess = guess_crs(out.total_bounds)
        if guess is None:
            raise DataError(
                name,
                "a CRS (a .prj file, or coordinates in WGS84 or British National Grid)",
                found=f"no CRS and coordinates {out.total_bounds.round(1).tolist()}",
                fix="Save the file with its CRS (QGIS: Export > Save Features As, choose a CRS).",
            )
        logger.warning("%s has no CRS; taken as %s from its coordinates", name, guess)
        fl.note(f"no CRS in the file; taken as {guess} from the coordinates", len(out))
        out = out.set_crs(guess)
    poly = out.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy(bool)
    if not poly.all():
        p = int(np.flatnonzero(~poly)[0])
        raise DataError(
            name,
            f"{layer} polygons (Polygon or MultiPolygon)",
            found=f"{int((~poly).sum())} feature(s) of type "
            + ", ".join(sorted(set(out.geom_type[~poly].astype(str))))
            + f", e.g. {out[f'{layer}_code'].iloc[p]!r}",
            row=p + 1,
            column="geometry",
            fix="Give area boundaries (polygons), not points (e.g. population-weighted "
            "centroids) or lines.",
        )
    _check_declared_crs(out, name)
    out, n_fixed = repair_polygons(out)
    fl.note("invalid polygon repaired with make_valid", n_fixed)
    out = out.to_crs(BNG)
    if not np.isfinite(out.total_bounds).all():
        raise DataError(
            name,
            "coordinates that can be reprojected to British National Grid",
            found="coordinates that become infinite when reprojected",
            column="geometry",
            fix="Check the file's CRS.",
        )
    dup = out[f"{layer}_code"].duplicated(keep=False).to_numpy(bool)
    if dup.any():
        # parts of one area stored as separate features: merged into one (multi)polygon
        n_before = len(out)
        out = out.dissolve(by=f"{layer}_code", as_index=False, sort=False)
        out = out[[f"{layer}_code", f"{layer}_name", "geometry"]]
        fl.drop("same code as another feature (polygons merged)", n_before - len(out))
    fl.kept = len(out)
    return out.reset_index(drop=True), vintage


def _check_declared_crs(gdf: gpd.GeoDataFrame, name: str) -> None:
    """Raise when the coordinates cannot be in the CRS the file declares.

    A GeoJSON with no ``crs`` member is WGS84 by definition (RFC 7946), and a ``CRS84``
    header says the same: eastings/northings in metres under either are the common mistake
    (every polygon then reprojects to infinity). Geographic CRSs must hold longitudes and
    latitudes of Great Britain; any other CRS must land in Great Britain's British National
    Grid extent once reprojected.
    """
    bounds = np.asarray(gdf.total_bounds, dtype=float)
    crs = gdf.crs
    label = crs.to_string() if crs is not None else "none"
    fits = guess_crs(bounds)
    if crs.is_geographic:
        if fits == WGS84:
            return
        looks = (
            "British National Grid eastings/northings (metres)"
            if fits == BNG
            else "numbers outside Great Britain's longitudes/latitudes"
        )
        raise DataError(
            name,
            f"longitude/latitude in Great Britain, as its CRS ({label}) declares (a GeoJSON "
            "without a crs member is WGS84 by definition)",
            found=f"coordinates {bounds.round(1).tolist()}: {looks}",
            column="geometry",
            fix="Save the file with its real CRS (QGIS: Export > Save Features As, CRS "
            "EPSG:27700 for British National Grid), or export it in WGS84.",
        )
    try:
        bng = np.asarray(gdf.to_crs(BNG).total_bounds, dtype=float)
    except Exception:  # pyproj errors for impossible transforms  # noqa: BLE001
        bng = np.full(4, np.nan)
    if np.isfinite(bng).all() and guess_crs(bng) == BNG:
        return
    hint = " (they look like longitude/latitude)" if fits == WGS84 else ""
    raise DataError(
        name,
        f"coordinates in its declared CRS ({label}) that fall in Great Britain",
        found=f"coordinates {bounds.round(1).tolist()}{hint}",
        column="geometry",
        fix="Save the file with its real CRS.",
    )


def _codes_look_right(values: pd.Series, layer: str) -> bool:
    text = values.astype("string").str.strip()
    if len(text) == 0:
        return False
    return bool(text.str.match(_VALUE[layer]).fillna(False).mean() >= 0.9)
