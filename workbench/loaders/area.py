"""The study area as the loaders see it: LSOA codes, polygons, and the 2011/2021 lookup."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from workbench.geo import BNG, locate_points, to_bng_xy
from workbench.ledger import REASONS, FileLedger
from workbench.loaders._io import display_name, match_columns, read_bytes_header, read_csv

__all__ = ["StudyArea", "read_lsoa_2011_2021_lookup", "assign_area"]

logger = logging.getLogger(__name__)

NOTE_LOOKUP = "LSOA code matched through the 2011/2021 lookup"
NOTE_LOOKUP_LOCATION = "LSOA code matched through the 2011/2021 lookup and location"
NOTE_FILLED = "LSOA code filled in by location (blank in the file)"


@dataclass
class StudyArea:
    """What a loader needs to keep only the study area's rows.

    Attributes
    ----------
    codes : frozenset of str
        LSOA codes of the study area (on the boundaries' geography).
    known : frozenset of str
        Every LSOA code the study's files know (IMD, lookups, all boundary files), inside or
        outside the study area. A code that is known but not in ``codes`` is outside the area.
    polygons : GeoDataFrame
        The study LSOAs (``lsoa_code``, geometry) in EPSG:27700, for point in polygon.
    lookup : DataFrame or None
        ``from_code`` -> ``to_code`` with ``chgind`` (other census geography -> the boundaries'
        geography), from an ONS LSOA 2011 to 2021 lookup, when the config names one.
    all_polygons : GeoDataFrame or None
        Every LSOA polygon of the boundary files (inside and outside the study), for the
        best-fit part of a split code whose point is in none of its parts' polygons.
    vintage : str
        ``"2011"`` or ``"2021"``: the census geography of the boundaries.
    """

    codes: frozenset[str]
    known: frozenset[str]
    polygons: gpd.GeoDataFrame
    lookup: pd.DataFrame | None = None
    vintage: str = "2011"
    all_polygons: gpd.GeoDataFrame | None = None

    @cached_property
    def outline(self) -> shapely.Geometry:
        """The union of the study polygons, prepared for fast point tests."""
        geom = shapely.union_all(self.polygons.geometry.to_numpy(), grid_size=0.01)
        shapely.prepare(geom)
        return geom


def read_lsoa_2011_2021_lookup(
    path: Path, boundary_vintage: str, ledger: FileLedger
) -> pd.DataFrame:
    """Read the ONS LSOA (2011) to LSOA (2021) lookup as ``from_code -> to_code`` pairs.

    The ONS file has ``LSOA11CD``, ``LSOA21CD`` and ``CHGIND`` (U unchanged, S split, M merged,
    X complex). Pairs are oriented from the other geography to ``boundary_vintage`` (columns
    ``from_code``, ``to_code``, ``chgind``, ``from_vintage``); one code can
    map to several (split or merged areas), which the caller resolves by location.
    """
    name = display_name(path)
    header, enc = read_bytes_header(Path(path).read_bytes(), name)
    cols = match_columns(
        header,
        {
            "lsoa11cd": ["LSOA11CD", "LSOA code (2011)"],
            "lsoa21cd": ["LSOA21CD", "LSOA code (2021)"],
        },
        name,
        "an ONS LSOA 2011 to 2021 lookup",
        optional={"chgind": ["CHGIND"]},
    )
    df = read_csv(
        Path(path), name, usecols=list(cols), dtype=dict.fromkeys(cols, "str"), encoding=enc
    )
    df = df.rename(columns=cols)
    ledger.read += len(df)
    blank = df["lsoa11cd"].isna() | df["lsoa21cd"].isna()
    ledger.drop(REASONS["no_code"], int(blank.sum()))
    df = df[~blank]
    ledger.kept += len(df)
    src, dst = ("lsoa21cd", "lsoa11cd") if boundary_vintage == "2011" else ("lsoa11cd", "lsoa21cd")
    if "chgind" not in df:
        df["chgind"] = ""
    df["chgind"] = df["chgind"].fillna("").astype(str).str.strip().str.upper()
    out = df[[src, dst, "chgind"]].rename(columns={src: "from_code", dst: "to_code"})
    out["from_vintage"] = "2011" if src == "lsoa11cd" else "2021"  # for the ledger's wording
    return out.drop_duplicates(["from_code", "to_code"]).reset_index(drop=True)


@lru_cache(maxsize=16)
def _lonlat_bounds(bng_bounds: tuple[float, float, float, float]) -> tuple[float, ...]:
    """WGS84 extent of a BNG rectangle (its edges sampled at 50 points each)."""
    minx, miny, maxx, maxy = bng_bounds
    t = np.linspace(0.0, 1.0, 50)
    xs = np.concatenate([minx + (maxx - minx) * t, np.full(50, maxx), maxx - (maxx - minx) * t,
                         np.full(50, minx)])  # fmt: skip
    ys = np.concatenate([np.full(50, miny), miny + (maxy - miny) * t, np.full(50, maxy),
                         maxy - (maxy - miny) * t])  # fmt: skip
    lon, lat = Transformer.from_crs(BNG, "EPSG:4326", always_xy=True).transform(xs, ys)
    return (float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat)))


def _inside(
    lonlat: tuple[np.ndarray, np.ndarray] | None, sel: np.ndarray, area: StudyArea
) -> np.ndarray:
    """True where a selected row's point is inside the study's polygons (their union,
    prepared once; far faster than finding the LSOA of each point)."""
    out = np.zeros(len(sel), dtype=bool)
    if lonlat is None or not len(sel):
        return out
    lon, lat = lonlat[0][sel], lonlat[1][sel]
    w, so, e, n = _lonlat_bounds(tuple(area.polygons.total_bounds))
    with np.errstate(invalid="ignore"):
        cut = (lon >= w - 0.01) & (lon <= e + 0.01) & (lat >= so - 0.01) & (lat <= n + 0.01)
    if cut.any():
        x, y = to_bng_xy(lon[cut], lat[cut])
        out[cut] = shapely.intersects_xy(area.outline, x, y)
    return out


def _locate(
    lonlat: tuple[np.ndarray, np.ndarray] | None,
    sel: np.ndarray,
    index: pd.Index,
    area: StudyArea,
) -> pd.Series:
    """The study LSOA holding each selected row's point (NA when in none or no location).

    Points outside the bounding box of the study's polygons are never tested (most rows of
    a force-wide file), so this costs little for rows far from the study.
    """
    located = pd.Series(pd.NA, index=index, dtype="string")
    if lonlat is None or not len(sel):
        return located
    # a cheap first cut in longitude/latitude (the polygons' WGS84 extent, 0.01 degree wider),
    # then the BNG extent, then point in polygon
    lon, lat = lonlat[0][sel], lonlat[1][sel]
    w, so, e, n = _lonlat_bounds(tuple(area.polygons.total_bounds))
    with np.errstate(invalid="ignore"):
        cut = (lon >= w - 0.01) & (lon <= e + 0.01) & (lat >= so - 0.01) & (lat <= n + 0.01)
    if not cut.any():
        return located
    x, y = to_bng_xy(lon[cut], lat[cut])
    idx = index[cut]
    minx, miny, maxx, maxy = area.polygons.total_bounds
    with np.errstate(invalid="ignore"):
        near = (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
    if near.any():
        pts = gpd.GeoSeries(shapely.points(x[near], y[near]), index=idx[near], crs=BNG)
        located[idx[near]] = locate_points(pts, area.polygons, "lsoa_code")
    return located


def assign_area(
    codes: pd.Series,
    lonlat: tuple[np.ndarray, np.ndarray] | None,
    area: StudyArea,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Decide, row by row, whether a record is in the study area (the attribution rule).

    The rule (docs/assumptions.md, "One attribution rule"): a record with a usable police
    ``LSOA code`` belongs to that LSOA (police.uk computes it from the same point against the
    full-resolution ONS boundaries); a record without one is placed by its point in the
    study's (generalised) LSOA polygons. In order:

    1. a code of the study area keeps the row;
    2. a code on the other census geography is matched through the 2011/2021 lookup when one
       is configured (several candidates are resolved by location);
    3. a code of another district (known to the study's files, matched through the lookup to
       a non-study LSOA, or a well-formed code on the boundaries' census geography that is
       not a study LSOA) drops the row: "LSOA code of a neighbouring district; point inside
       the study's (generalised) polygons" when its point is inside them, else "outside the
       study area";
    4. every other row (blank code, a code on the other census geography with no lookup, a
       malformed code) is placed by point in polygon: kept inside with the polygon's code and
       a note saying what its code was; dropped outside as "outside the study area".

    Parameters
    ----------
    codes : Series of str
        LSOA codes as given in the file (may be missing), or all-missing when the file has none.
    lonlat : (ndarray, ndarray) or None
        The rows' WGS84 longitude and latitude (None: no location available). Points in
        EPSG:27700 are built only for the rows that need point in polygon.

    Returns
    -------
    (Series of str, Series of str, Series of str)
        The LSOA code to keep (on the boundaries' geography), the drop reason ("" = keep) and a
        note for kept rows whose code was matched or placed by location ("" = none).
    """
    codes = codes.astype("string")
    if area.lookup is not None and "chgind" not in area.lookup:
        # a lookup without CHGIND (from_code -> to_code pairs only): change type unknown
        area = replace(area, lookup=area.lookup.assign(chgind=""))
    reason = pd.Series("", index=codes.index, dtype=object)
    note = pd.Series("", index=codes.index, dtype=object)
    out = codes.copy()
    in_study = codes.isin(area.codes).fillna(False).to_numpy(bool)
    known = codes.isin(area.known).fillna(False).to_numpy(bool)
    blank_all = codes.isna().to_numpy(bool)
    # what each row's code is: decides the rule, the note and the reason
    kind = np.full(len(codes), "unknown", dtype=object)
    kind[blank_all] = "blank"
    kind[known & ~in_study] = "neighbour"
    rest = ~in_study
    candidates: pd.Series | None = None
    other = rest & ~known & ~blank_all
    if area.lookup is not None:
        # rows whose code is a study code: counted by path (a per-month ledger line)
        direct = np.flatnonzero(in_study)
        if len(direct):
            unchanged = set(area.lookup.loc[area.lookup["chgind"] == "U", "from_code"])
            is_u = codes.iloc[direct].isin(unchanged).fillna(False).to_numpy(bool)
            note.iloc[direct[is_u]] = NOTE_UNCHANGED
            note.iloc[direct[~is_u]] = NOTE_DIRECT.format(vintage=area.vintage)
    if area.lookup is not None and other.any():
        sel = np.flatnonzero(other & codes.isin(area.lookup["from_code"]).fillna(False).to_numpy())
        if len(sel):
            new_code, why, text = _through_lookup(codes.iloc[sel], lonlat, sel, area)
            out.iloc[sel] = new_code
            reason.iloc[sel] = why
            note.iloc[sel] = text
            rest[sel] = False
            kind[sel] = "lookup"
        # unmatched codes on the boundaries' geography are LSOAs of other districts
        sel = np.flatnonzero(other & (kind == "unknown"))
        kind[sel[_same_vintage(codes.iloc[sel], area.vintage)]] = "neighbour"
        kind[sel[_other_vintage(codes.iloc[sel], area.vintage)]] = "vintage"
    elif other.any():
        sel = np.flatnonzero(other)
        kind[sel[_other_vintage(codes.iloc[sel], area.vintage)]] = "vintage"
        kind[sel[_same_vintage(codes.iloc[sel], area.vintage)]] = "neighbour"
    candidates = None
    if rest.any():
        sel = np.flatnonzero(rest)
        idx = codes.index[sel]
        k = kind[sel]
        neighbour = k == "neighbour"
        # rows placed by their point need the LSOA; rows with a neighbouring code are dropped
        # either way and need only "inside the study or not" (for the reason's wording)
        place = ~neighbour
        located = pd.Series(pd.NA, index=idx, dtype="string")
        if place.any():
            located[idx[place]] = _locate(lonlat, sel[place], idx[place], area)
        inside = np.array(located.notna().to_numpy(bool), dtype=bool)  # writable copy
        if neighbour.any():
            inside[neighbour] = _inside(lonlat, sel[neighbour], area)
        if candidates is not None and len(candidates):
            # split/merged codes: the lookup's candidates confirm the point's LSOA, or not
            for j in np.flatnonzero((k == "split") & inside):
                if located.iloc[j] not in candidates[idx[j]]:
                    k[j] = "split_other"
        keep = inside & ~neighbour
        out.iloc[sel[keep]] = located[keep].to_numpy()
        for what, text in _NOTES.items():
            note.iloc[sel[keep & (k == what)]] = text
        reason.iloc[sel[~inside]] = REASONS["outside_area"]
        reason.iloc[sel[inside & neighbour]] = REASONS["neighbour_inside"]
    return out, reason, note


NOTE_UNCHANGED = "LSOA code unchanged 2011-2021 (lookup U): placed by its code"
NOTE_DIRECT = "LSOA code of a study LSOA ({vintage} geography): placed by its code"
_CHG = {"U": "unchanged", "S": "split", "M": "merged", "X": "irregular"}


def _path_note(from_vintage: str, chg: str, how: str) -> str:
    """The ledger note of one path through the lookup, e.g. ``"2011 LSOA code split (S) in
    2021: placed by its point among its parts"``."""
    to = "2021" if from_vintage == "2011" else "2011"
    what = _CHG.get(chg, "changed")
    tag = f" ({chg})" if chg in _CHG else ""
    return f"{from_vintage} LSOA code {what}{tag} in {to}: {how}"


def _through_lookup(
    codes: pd.Series,
    lonlat: tuple[np.ndarray, np.ndarray] | None,
    sel: np.ndarray,
    area: StudyArea,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Place rows whose code is on the other census geography through the ONS lookup.

    The vintage rule (docs/loaders.md, "One attribution rule across LSOA vintages"):

    * one candidate (unchanged U, merged M, or the single parent of a split S code seen from
      2021 to 2011): **by code**;
    * several candidates (a split S code from 2011 to 2021, a merge seen the other way): **by
      the row's point** among the candidates' study polygons, else the **best-fit** candidate:
      the candidate polygon (of all boundary files) nearest to the point;
    * irregular (X): **by the point** in the study's polygons.

    A result outside the study drops the row ("LSOA code of a neighbouring district; point
    inside ..." when the point is inside the study's polygons, else "outside the study area").
    Each path is its own ledger note, so the ledger counts every path per file (month).

    Returns
    -------
    (ndarray, ndarray, ndarray)
        New code (object, None when dropped), drop reason ("" = keep) and note, per row.
    """
    lk = area.lookup
    if "from_vintage" in lk and len(lk):
        frm = str(lk["from_vintage"].iloc[0])
    else:
        frm = "2021" if area.vintage == "2011" else "2011"
    uniq = pd.Index(codes.unique())
    sub = lk[lk["from_code"].isin(uniq)]
    cands = sub.groupby("from_code")["to_code"].agg(list)
    chg = sub.groupby("from_code")["chgind"].agg(lambda v: "X" if "X" in set(v) else v.iloc[0])
    n = len(codes)
    new = np.full(n, None, dtype=object)
    why = np.full(n, "", dtype=object)
    note = np.full(n, "", dtype=object)
    code_arr = codes.astype(str).to_numpy()
    c_list = cands.reindex(code_arr).to_numpy()
    c_chg = chg.reindex(code_arr).fillna("").to_numpy()
    single = np.array([len(c) == 1 for c in c_list], dtype=bool)
    irregular = c_chg == "X"
    by_code = single & ~irregular
    if by_code.any():
        tgt = np.array([c[0] for c in c_list[by_code]], dtype=object)
        new[by_code] = tgt
        for ch in np.unique(c_chg[by_code]):
            m = by_code & (c_chg == ch)
            note[m] = _path_note(frm, ch, "placed by its code")
    need_point = ~by_code
    located = pd.Series(pd.NA, index=pd.RangeIndex(n), dtype="string")
    if need_point.any():
        where = np.flatnonzero(need_point)
        located.iloc[where] = _locate(lonlat, sel[where], pd.RangeIndex(n)[where], area).to_numpy()
    for i in np.flatnonzero(irregular):
        if pd.notna(located.iloc[i]):
            new[i] = located.iloc[i]
            note[i] = _path_note(frm, "X", "placed by its point")
    multi = need_point & ~irregular
    anywhere = _locate_all(lonlat, sel, np.flatnonzero(multi), area)
    for i in np.flatnonzero(multi):
        options = list(c_list[i])
        here = located.iloc[i]
        if pd.isna(here) or here not in options:
            here = anywhere.get(i)  # a part outside the study (the row is then dropped)
        if here is not None and here in options:
            new[i] = here
            note[i] = _path_note(frm, c_chg[i], "placed by its point among its parts")
            continue
        if area.all_polygons is None and pd.isna(located.iloc[i]):
            continue  # only the study's polygons are known and the point is outside them
        new[i] = _best_fit(options, lonlat, sel[i], area)
        note[i] = _path_note(frm, c_chg[i], "point in none of its parts; best-fit part")
    placed = np.array([v is not None for v in new], dtype=bool)
    in_study = placed & np.isin(new.astype(str), list(area.codes))
    out_rows = ~in_study
    if out_rows.any():
        inside = _inside(lonlat, sel[out_rows], area)
        reasons = np.where(inside, REASONS["neighbour_inside"], REASONS["outside_area"])
        why[out_rows] = reasons
        note[out_rows] = ""
        new[out_rows] = None
    return new, why, note


def _locate_all(
    lonlat: tuple[np.ndarray, np.ndarray] | None,
    sel: np.ndarray,
    rows: np.ndarray,
    area: StudyArea,
) -> dict[int, str]:
    """The LSOA of every boundary file (inside or outside the study) holding each row's point,
    for the rows given (positions into ``sel``); rows in no polygon are left out."""
    if lonlat is None or area.all_polygons is None or not len(rows):
        return {}
    x, y = to_bng_xy(lonlat[0][sel[rows]], lonlat[1][sel[rows]])
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return {}
    pts = gpd.GeoSeries(shapely.points(x[ok], y[ok]), index=rows[ok], crs=BNG)
    found = locate_points(pts, area.all_polygons[["lsoa_code", "geometry"]], "lsoa_code")
    return {int(i): str(v) for i, v in found.items() if pd.notna(v)}


def _best_fit(
    options: list[str],
    lonlat: tuple[np.ndarray, np.ndarray] | None,
    row: int,
    area: StudyArea,
) -> str:
    """The candidate LSOA whose polygon (any boundary file) is nearest to the row's point;
    the first candidate of the study (else the first) when no candidate polygon is known."""
    polys = area.all_polygons if area.all_polygons is not None else area.polygons
    known = polys[polys["lsoa_code"].isin(options)]
    if lonlat is not None and len(known):
        x, y = to_bng_xy(np.array([lonlat[0][row]]), np.array([lonlat[1][row]]))
        if np.isfinite(x[0]) and np.isfinite(y[0]):
            d = shapely.distance(known.geometry.to_numpy(), shapely.Point(x[0], y[0]))
            return str(known["lsoa_code"].iloc[int(np.argmin(d))])
    inside = [o for o in options if o in area.codes]
    return sorted(inside or options)[0]


#: Notes for rows kept because their point is inside the study, by what their code was.
_NOTES = {
    "blank": NOTE_FILLED,
    "unknown": "LSOA code not an LSOA code of a known geography; placed by its point",
    "vintage": "LSOA code on the other census geography (no lookup configured); placed by "
    "its point",
    "split": NOTE_LOOKUP_LOCATION,
    "split_other": "LSOA code split/merged in the lookup into other LSOAs; placed by its point",
}


def _by_unique(func):
    """Apply a per-code test to the distinct codes only (a force's file repeats each code)."""

    def wrapper(codes: pd.Series, vintage: str) -> np.ndarray:
        if not len(codes):
            return np.zeros(0, dtype=bool)
        idx, uniq = pd.factorize(codes.astype("string"), use_na_sentinel=True)
        res = func(pd.Series(uniq, dtype="string"), vintage)
        out = np.zeros(len(codes), dtype=bool)
        ok = idx >= 0
        out[ok] = res[idx[ok]]
        return out

    wrapper.__doc__ = func.__doc__
    return wrapper


@_by_unique
def _same_vintage(codes: pd.Series, vintage: str) -> np.ndarray:
    """True for well-formed LSOA codes that exist on the boundaries' census geography.

    2011: E01000001-E01033768 and W01000001-W01001896. 2021: the codes new in 2021,
    E01033769-E01035722 and W01001897-W01001958.
    """
    # on 2021 boundaries only the codes new in 2021 are certain: a lower number may be a
    # 2011 code retired in 2021 (placed by its point instead)
    low, top = ((33769, 1897), (35722, 1958)) if vintage == "2021" else ((1, 1), (33768, 1896))
    text = codes.fillna("").astype(str)
    ok = text.str.fullmatch(r"[EW]01\d{6}").to_numpy(bool)
    num = pd.to_numeric(text.str[3:].where(ok, ""), errors="coerce").to_numpy()
    with np.errstate(invalid="ignore"):
        eng = ok & text.str.startswith("E").to_numpy(bool) & (num >= low[0]) & (num <= top[0])
        wal = ok & text.str.startswith("W").to_numpy(bool) & (num >= low[1]) & (num <= top[1])
    return eng | wal


@_by_unique
def _other_vintage(codes: pd.Series, vintage: str) -> np.ndarray:
    """True for LSOA codes that exist only on the other census geography (2011 vs 2021).

    2011 LSOAs are E01000001-E01033768 and W01000001-W01001896; the 2021 census added
    E01033769 onwards and W01001897 onwards. On 2011 boundaries, a code above those is a 2021
    code; on 2021 boundaries, a 2011 code that was not kept in 2021 cannot be told from the
    number alone, so nothing is flagged.
    """
    if vintage != "2011":
        return np.zeros(len(codes), dtype=bool)
    text = codes.fillna("").astype(str)
    ok = text.str.fullmatch(r"[EW]01\d{6}").to_numpy(bool)
    num = pd.to_numeric(text.str[3:].where(ok, ""), errors="coerce").to_numpy()
    with np.errstate(invalid="ignore"):
        eng = text.str.startswith("E01").to_numpy(bool) & (num > 33768)
        wal = text.str.startswith("W01").to_numpy(bool) & (num > 1896)
    return eng | wal
