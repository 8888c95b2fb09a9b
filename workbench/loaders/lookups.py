"""LSOA to local authority district lookups (ONS or the IoD2019 identifier columns)."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from workbench.ledger import REASONS, FileLedger, Ledger
from workbench.loaders._io import display_name, match_columns, read_bytes_header, read_csv

__all__ = ["read_lsoa_lad_lookup"]

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


def read_lsoa_lad_lookup(path: str | Path, ledger: Ledger | None = None) -> pd.DataFrame:
    """Read an LSOA -> local authority district lookup.

    Returns
    -------
    DataFrame
        ``lsoa_code``, ``lad_code`` and, when present, ``lsoa_name``, ``lad_name``; one row per
        LSOA code (the first when repeated, e.g. in ONS best-fit lookups with several rows).
    """
    path = Path(path)
    name = display_name(path)
    fl = FileLedger(name, "lsoa_lookup")
    if ledger is not None:
        ledger.add(fl)
    header, enc = read_bytes_header(path.read_bytes(), name)
    cols = match_columns(header, _REQ, name, "an LSOA to district lookup", optional=_OPT)
    df = read_csv(path, name, usecols=list(cols), dtype=dict.fromkeys(cols, "str"), encoding=enc)
    df = df.rename(columns=cols)
    fl.read = len(df)
    blank = (df["lsoa_code"].isna() | df["lad_code"].isna()).to_numpy(bool)
    fl.drop(REASONS["no_code"], int(blank.sum()))
    df = df.loc[~blank]
    dup = df["lsoa_code"].duplicated().to_numpy(bool)
    fl.drop(REASONS["duplicate"], int(dup.sum()))
    df = df.loc[~dup]
    fl.kept = len(df)
    return df.reset_index(drop=True)
