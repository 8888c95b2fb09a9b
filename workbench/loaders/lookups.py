"""LSOA to local authority district lookups (ONS or the IoD2019 identifier columns)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from workbench.ledger import REASONS, FileLedger, Ledger
from workbench.loaders._io import display_name, match_columns, read_bytes_header, read_csv

__all__ = [
    "read_lsoa_lad_lookup",
    "read_ward_lookup",
    "read_partnership_lookup",
    "index_on_boundaries",
]

logger = logging.getLogger(__name__)

_REQ = {
    "lsoa_code": [
        "LSOA code (2011)",
        "LSOA11CD",
        "LSOA21CD",
        "lsoa11cd",
        "lsoa21cd",
        "lsoa_code",
        "lsoa",
    ],
    "lad_code": [
        "Local Authority District code (2019)",
        "LAD19CD",
        "LAD20CD",
        "LAD21CD",
        "LAD22CD",
        "LAD23CD",
        "LAD24CD",
        "LAD11CD",
        "LAD17CD",
        "LAD18CD",
        "lad_code",
        "lad",
    ],
}
_OPT = {
    "lsoa_name": ["LSOA name (2011)", "LSOA11NM", "LSOA21NM", "lsoa_name"],
    "lad_name": [
        "Local Authority District name (2019)",
        "LAD19NM",
        "LAD20NM",
        "LAD21NM",
        "LAD22NM",
        "LAD23NM",
        "LAD24NM",
        "LAD11NM",
        "lad_name",
    ],
}


def _open_lookup(
    path: str | Path, ledger: Ledger | None, kind: str
) -> tuple[Path, str, FileLedger, list[str], str]:
    """A lookup file opened for reading: its path, display name, ledger entry (added to
    ``ledger``), header and encoding."""
    path = Path(path)
    name = display_name(path)
    fl = FileLedger(name, kind)
    if ledger is not None:
        ledger.add(fl)
    header, enc = read_bytes_header(path.read_bytes(), name)
    return path, name, fl, header, enc


def _one_row_per_lsoa(df: pd.DataFrame, fl: FileLedger, target: str) -> pd.DataFrame:
    """A lookup's rows counted in ``fl``: rows without an LSOA or ``target`` code dropped as
    "no code", then repeated LSOA codes as duplicates (the first kept: ONS best-fit lookups
    repeat an LSOA once per row of a higher area)."""
    fl.read = len(df)
    blank = (df["lsoa_code"].isna() | df[target].isna()).to_numpy(bool)
    fl.drop(REASONS["no_code"], int(blank.sum()))
    df = df.loc[~blank]
    dup = df["lsoa_code"].duplicated().to_numpy(bool)
    fl.drop(REASONS["duplicate"], int(dup.sum()))
    return df.loc[~dup]


def read_lsoa_lad_lookup(path: str | Path, ledger: Ledger | None = None) -> pd.DataFrame:
    """Read an LSOA -> local authority district lookup.

    Returns
    -------
    DataFrame
        ``lsoa_code``, ``lad_code`` and, when present, ``lsoa_name``, ``lad_name``; one row per
        LSOA code (the first when repeated, e.g. in ONS best-fit lookups with several rows).
    """
    path, name, fl, header, enc = _open_lookup(path, ledger, "lsoa_lookup")
    cols = match_columns(header, _REQ, name, "an LSOA to district lookup", optional=_OPT)
    df = read_csv(path, name, usecols=list(cols), dtype=dict.fromkeys(cols, "str"), encoding=enc)
    df = df.rename(columns=cols)
    df = _one_row_per_lsoa(df, fl, "lad_code")
    fl.kept = len(df)
    return df.reset_index(drop=True)


def index_on_boundaries(
    index: pd.DataFrame, lookup: pd.DataFrame, ledger: FileLedger | None = None
) -> pd.DataFrame:
    """A deprivation index on the other census geography, carried to the boundaries' LSOAs.

    Parameters
    ----------
    index : DataFrame
        ``lsoa_code`` (the index's geography) and its measure columns.
    lookup : DataFrame
        ``from_code`` (the index's geography), ``to_code`` (the boundaries'), ``chgind``: the
        ONS LSOA 2011 to 2021 lookup as :func:`workbench.loaders.area.read_lsoa_2011_2021_lookup`
        orients it.
    ledger : FileLedger, optional
        When given, one note per way a boundary LSOA got its values (all LSOAs reached;
        :class:`~workbench.study.Study` notes the study LSOAs only).

    Returns
    -------
    DataFrame
        One row per boundary LSOA code reached, ``lsoa_code`` on the boundaries' geography and
        the index's columns, plus ``index_lsoa_code`` (the code(s) of the index, ``;``-joined)
        and ``index_path`` (how the LSOA got its values, for the ledger).

    Notes
    -----
    A boundary LSOA with **one** index LSOA (unchanged U; the parts of a split S each take
    their 2011 parent's rank and decile) takes its values. One with **several** (merged M
    2011 LSOAs; a 2011 LSOA seen from its 2021 parts) takes the values of the **most
    deprived** of them (lowest ``imd_rank``), a cautious choice stated in the ledger. Ranks and
    deciles stay those of the index (national within its country and geography); they are
    not re-ranked.
    """
    pairs = lookup[["from_code", "to_code", "chgind"]].rename(
        columns={"from_code": "lsoa_code", "to_code": "_to"}
    )
    m = pairs.merge(index, on="lsoa_code", how="inner")
    if "imd_rank" in m:
        m = m.sort_values(["_to", "imd_rank"], kind="stable")
    n_from = m.groupby("_to")["lsoa_code"].transform("size")
    codes = m.groupby("_to")["lsoa_code"].agg(lambda v: ";".join(sorted(v)))
    first = m.drop_duplicates("_to").set_index("_to")
    out = first.drop(columns=["lsoa_code", "chgind"]).copy()
    out["index_lsoa_code"] = codes.reindex(out.index)
    out.index.name = "lsoa_code"
    out = out.reset_index()
    ways = m.assign(_n=n_from).drop_duplicates("_to").set_index("_to")
    what = ways["chgind"].map({"U": "unchanged", "S": "split", "M": "merged", "X": "irregular"})
    how = (
        "the values of its one index LSOA (" + what.fillna("changed") + ", " + ways["chgind"] + ")"
    )
    how = how.where(ways["_n"] == 1, "several index LSOAs: the values of the most deprived")
    out["index_path"] = how.reindex(out["lsoa_code"]).to_numpy()
    if ledger is not None:
        for text, n in out["index_path"].value_counts().items():
            ledger.note(f"LSOA given {text}", int(n))
    return out


def read_ward_lookup(
    path: str | Path, ledger: Ledger | None = None, *, codes: frozenset[str] | None = None
) -> pd.DataFrame:
    """Read an ONS LSOA (2021) to electoral ward **best-fit** lookup.

    Parameters
    ----------
    path : path
        CSV with ``LSOA21CD`` (or ``LSOA11CD``) and ``WDyyCD``/``WDyyNM`` columns (e.g. the
        ONS "LSOA (2021) to Electoral Ward (2024) to LAD (2024) Best Fit Lookup").
    codes : frozenset, optional
        The study's LSOA codes: other rows are counted as outside the study area.

    Returns
    -------
    DataFrame
        ``lsoa_code``, ``ward_code``, ``ward_name``: one ward per LSOA.

    Notes
    -----
    Best fit: ONS gives each LSOA the one ward holding most of its population (wards do not
    nest in LSOAs), so ward figures built from it are approximate near ward edges and are
    labelled "best fit".
    """
    path, name, fl, header, enc = _open_lookup(path, ledger, "ward_lookup")
    ward_code = [h for h in header if re.fullmatch(r"WD\d\dCD", h.strip(), re.I)]
    ward_name = [h for h in header if re.fullmatch(r"WD\d\dNM", h.strip(), re.I)]
    req = {
        "lsoa_code": ["LSOA21CD", "LSOA11CD", "lsoa_code"],
        "ward_code": ward_code[:1] or ["WD24CD"],
    }
    opt = {"ward_name": ward_name[:1] or ["WD24NM"]}
    cols = match_columns(header, req, name, "an LSOA to ward lookup", optional=opt)
    df = read_csv(path, name, usecols=list(cols), dtype=dict.fromkeys(cols, "str"), encoding=enc)
    df = df.rename(columns=cols)
    df = _one_row_per_lsoa(df, fl, "ward_code")
    if codes is not None:
        inside = df["lsoa_code"].isin(codes).to_numpy(bool)
        fl.drop(REASONS["outside_area"], int((~inside).sum()))
        df = df.loc[inside]
    if "ward_name" not in df:
        df["ward_name"] = df["ward_code"]
    fl.kept = len(df)
    return df[["lsoa_code", "ward_code", "ward_name"]].reset_index(drop=True)


def read_partnership_lookup(
    path: str | Path, area_codes: tuple[str, ...], ledger: Ledger | None = None
) -> pd.DataFrame:
    """The Community Safety Partnership(s) and police force area(s) of the study districts.

    Reads the ONS "LAD to CSP to PFA" lookup (``LADyyCD``, ``CSPyyCD``, ``CSPyyNM``,
    ``PFAyyCD``, ``PFAyyNM``). The file is **not** one row per district: merged unitaries are
    listed once per predecessor CSP, so a study district may have several rows; all are kept.

    Returns
    -------
    DataFrame
        ``district_code``, ``csp_code``, ``csp_name``, ``pfa_code``, ``pfa_name`` for the study
        districts (distinct rows).
    """
    path, name, fl, header, enc = _open_lookup(path, ledger, "partnership_lookup")

    def pick(prefix: str, suffix: str) -> list[str]:
        return [h for h in header if re.fullmatch(rf"{prefix}\d\d{suffix}", h.strip(), re.I)][:1]

    req = {
        "district_code": pick("LAD", "CD") or ["LAD24CD"],
        "csp_code": pick("CSP", "CD") or ["CSP24CD"],
        "pfa_code": pick("PFA", "CD") or ["PFA24CD"],
    }
    opt = {
        "csp_name": pick("CSP", "NM") or ["CSP24NM"],
        "pfa_name": pick("PFA", "NM") or ["PFA24NM"],
    }
    cols = match_columns(header, req, name, "a LAD to CSP to PFA lookup", optional=opt)
    df = read_csv(path, name, usecols=list(cols), dtype=dict.fromkeys(cols, "str"), encoding=enc)
    df = df.rename(columns=cols)
    fl.read = len(df)
    inside = df["district_code"].isin(area_codes).to_numpy(bool)
    fl.drop(REASONS["outside_area"], int((~inside).sum()))
    df = df.loc[inside].drop_duplicates()
    fl.kept = int(inside.sum())
    for c in ("csp_name", "pfa_name"):
        if c not in df:
            df[c] = df[c.replace("_name", "_code")]
    return df[["district_code", "csp_code", "csp_name", "pfa_code", "pfa_name"]].reset_index(
        drop=True
    )
