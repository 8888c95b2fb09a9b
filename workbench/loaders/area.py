"""The study area as the loaders see it: LSOA codes, polygons, and the 2011/2021 lookup."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

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
        ``from_code`` -> ``to_code`` (other census geography -> the boundaries' geography), from
        an ONS LSOA 2011 to 2021 lookup, when the config names one.
    vintage : str
        ``"2011"`` or ``"2021"``: the census geography of the boundaries.
    """

    codes: frozenset[str]
    known: frozenset[str]
    polygons: gpd.GeoDataFrame
    lookup: pd.DataFrame | None = None
    vintage: str = "2011"


def read_lsoa_2011_2021_lookup(
    path: Path, boundary_vintage: str, ledger: FileLedger
) -> pd.DataFrame:
    """Read the ONS LSOA (2011) to LSOA (2021) lookup as ``from_code -> to_code`` pairs.

    The ONS file has ``LSOA11CD``, ``LSOA21CD`` and ``CHGIND`` (U unchanged, S split, M merged,
    X complex). Pairs are oriented from the other geography to ``boundary_vintage``; one code can
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
    out = df[[src, dst]].rename(columns={src: "from_code", dst: "to_code"}).drop_duplicates()
    return out.reset_index(drop=True)


def assign_area(
    codes: pd.Series,
    lonlat: tuple[np.ndarray, np.ndarray] | None,
    area: StudyArea,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Decide, row by row, whether a record is in the study area.

    Rules, in order: (1) an LSOA code of the study area keeps the row; (2) a code the study
    knows but outside the area drops it ("outside the study area"); (3) a code on the other
    census geography is matched through the 2011/2021 lookup when one is configured (several
    candidates are resolved by location); (4) rows with no code, or a code that still does not
    match, are placed by point in polygon: outside the area they are dropped as "outside the
    study area"; inside it, a blank code is filled from the polygon, while an unmatched code is
    dropped as "unknown or retired LSOA code" (reported, never guessed).

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
        note for kept rows whose code was matched or filled in ("" = none).
    """
    codes = codes.astype("string")
    reason = pd.Series("", index=codes.index, dtype=object)
    note = pd.Series("", index=codes.index, dtype=object)
    out = codes.copy()
    in_study = codes.isin(area.codes).fillna(False).to_numpy(bool)
    known = codes.isin(area.known).fillna(False).to_numpy(bool)
    reason[known & ~in_study] = REASONS["outside_area"]
    rest = ~known
    candidates: pd.Series | None = None
    if area.lookup is not None and rest.any():
        lk = area.lookup
        sub = codes[rest]
        present = sub.isin(lk["from_code"]).fillna(False)
        if present.any():
            uniq = pd.Index(sub[present].unique())
            grouped = lk[lk["from_code"].isin(uniq)].groupby("from_code")["to_code"].agg(list)
            single = grouped[grouped.str.len() == 1].str[0]
            multi = grouped[grouped.str.len() > 1]
            mapped = sub[present].map(single)
            ok = mapped.notna()
            idx_ok = mapped.index[ok]
            new = mapped[ok].astype("string")
            out[idx_ok] = new
            pos = codes.index.get_indexer(idx_ok)
            inside = new.isin(area.codes).to_numpy(bool)
            reason.iloc[pos[~inside]] = REASONS["outside_area"]
            rest[pos] = False
            note.iloc[pos[inside]] = NOTE_LOOKUP
            candidates = sub[present].map(multi).dropna()
            n_multi = len(candidates)
            if n_multi:
                logger.info("%d row(s) have a code split/merged in the lookup", n_multi)
    if rest.any():
        idx = codes.index[rest]
        if lonlat is None:
            located = pd.Series(pd.NA, index=idx, dtype="string")
        else:
            sel = np.flatnonzero(rest)
            x, y = to_bng_xy(lonlat[0][sel], lonlat[1][sel])
            pts = gpd.GeoSeries(shapely.points(x, y), index=idx, crs=BNG)
            located = locate_points(pts, area.polygons, "lsoa_code")
        blank = codes[idx].isna()
        outside = located.isna()
        pos = codes.index.get_indexer(idx)
        reason.iloc[pos[outside.to_numpy()]] = REASONS["outside_area"]
        fill = (~outside & blank).to_numpy()
        out.iloc[pos[fill]] = located[fill].to_numpy()
        note.iloc[pos[fill]] = NOTE_FILLED
        unmatched = (~outside & ~blank).to_numpy(bool).copy()
        if candidates is not None and len(candidates):
            # split/merged codes: keep when the point's LSOA is one of the lookup's candidates
            cand_ok = pd.Series(False, index=idx)
            common = candidates.index.intersection(idx)
            for i in common:
                loc = located[i]
                cand_ok[i] = (not pd.isna(loc)) and loc in candidates[i]
            resolved = unmatched & cand_ok.to_numpy()
            out.iloc[pos[resolved]] = located[resolved].to_numpy()
            note.iloc[pos[resolved]] = NOTE_LOOKUP_LOCATION
            unmatched &= ~resolved
        if area.lookup is None:
            why = REASONS["lsoa_vintage"]
        else:
            why = REASONS["unknown_lsoa"]
        reason.iloc[pos[unmatched]] = why
    return out, reason, note
