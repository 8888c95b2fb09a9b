"""Population by LSOA: totals and optional sex/age bands (thousands separators accepted)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from workbench.errors import DataError
from workbench.ledger import REASONS, FileLedger, Ledger
from workbench.loaders._io import (
    check_not_spatial,
    check_unique_codes,
    display_name,
    first_bad,
    match_columns,
    norm,
    read_bytes_header,
    read_csv,
    to_number,
)

__all__ = [
    "read_population",
    "census_ethnic_groups",
    "population_source",
    "CENSUS_ETHNIC_GROUPS",
]

logger = logging.getLogger(__name__)

_CODE = [
    "LSOA code (2011)",
    "lsoa_code",
    "lsoa",
    "LSOA11CD",
    "LSOA21CD",
    "LSOA code",
    "LSOA Code",
    "LSOA 2021 Code",
    "LSOA 2011 Code",
    "Area Codes",
    "geography code",
]
_TOTAL = [
    "population",
    "Total population: mid 2015 (excluding prisoners)",
    "pop",
    "Total",
    "All Ages",
    "All ages",
    "total_population",
    "Population",
    "Census 2021: All usual residents",
    "All usual residents",
]
#: ONS code and name headers such as ``LAD24CD`` / ``WD24NM``: identifiers, never counts.
_ONS_ID = re.compile(r"[a-z]+\d{2}(?:cd|nm)")
_SKIP = {
    "la",
    "lad",
    "lsoa name (2011)",
    "lsoa_name",
    "lsoa11nm",
    "lsoa21nm",
    "local authority district code (2019)",
    "local authority district name (2019)",
    "lad_code",
    "lad_name",
    "la code (2021 boundaries)",
    "la name (2021 boundaries)",
    "lsoa name",
    "lad24cd",
    "lad24nm",
}

#: Census 2021 TS021 broad ethnic groups (headers as published by nomis / the ONS bulk file,
#: after "ethnic group: ") -> the short names used in the representation tables.
CENSUS_ETHNIC_GROUPS = {
    "asian, asian british or asian welsh": "Asian",
    "black, black british, black welsh, caribbean or african": "Black",
    "mixed or multiple ethnic groups": "Mixed",
    "white": "White",
    "other ethnic group": "Other",
}


def _band_name(header: str) -> str:
    """``'F0 to 15'`` -> ``'pop_f0_to_15'``; text after ':' and in brackets is dropped."""
    full = norm(header)
    group = full.split(":", 1)[1].strip() if ":" in full else ""
    if "ethnic group" in full.split(":")[0] and group in CENSUS_ETHNIC_GROUPS:
        return "pop_ethnic_" + CENSUS_ETHNIC_GROUPS[group].lower()
    text = re.sub(r"\(.*?\)", "", full.split(":")[0])
    return "pop_" + re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def read_population(
    path: str | Path,
    ledger: Ledger | None = None,
    *,
    codes: frozenset[str] | None = None,
    known: frozenset[str] | None = None,
    code_column: str | None = None,
    total_column: str | None = None,
    kind: str = "population",
) -> pd.DataFrame:
    """Read LSOA population: total and any band columns.

    Parameters
    ----------
    path : path
        CSV with an LSOA code column (``LSOA code (2011)``, ``lsoa``, ``LSOA11CD``, ...) and a
        total column (``Total population: mid 2015 (excluding prisoners)``, ``pop``, ``Total``,
        ``All Ages``, ...). Every other numeric column is kept as a band, named
        ``pop_<slug>`` (e.g. ``F0 to 15`` -> ``pop_f0_to_15``). Numbers may carry thousands
        separators ("1,296").
    codes : frozenset, optional
        The study's LSOA codes; rows for other codes are dropped ("outside the study area" when
        the code is in ``known``, else "unknown or retired LSOA code").
    code_column, total_column : str, optional
        Header names to use instead of detecting them (``[columns]`` in area.toml).

    Returns
    -------
    DataFrame
        ``lsoa_code``, ``population`` (float; whole numbers in published files) and bands.

    Raises
    ------
    DataError
        Missing code or total column (closest header suggested), a non-numeric or negative
        population (row and column named), or an LSOA code given twice.
    """
    path = Path(path)
    name = display_name(path)
    check_not_spatial(path, name, "a population file")
    fl = FileLedger(name, kind)
    if ledger is not None:
        ledger.add(fl)
    header, enc = read_bytes_header(path.read_bytes(), name)
    req = {
        "lsoa_code": [code_column] if code_column else _CODE,
        "population": [total_column] if total_column else _TOTAL,
    }
    cols = match_columns(header, req, name, "a population file")
    bands = {
        h: _band_name(h)
        for h in header
        if h not in cols
        and norm(h) not in _SKIP
        and "name" not in norm(h)
        and "code" not in norm(h)
        and not _ONS_ID.fullmatch(norm(h))  # LAD24CD, LSOA21NM (issue 23: Census 2021 files)
    }
    # headers that differ only after ':' (Census 2021 "ethnic group: White", "...: Asian")
    # keep that text, so that no two columns get one name (issue 23)
    seen = list(bands.values())
    bands = {
        h: (b if seen.count(b) == 1 else "pop_" + re.sub(r"[^a-z0-9]+", "_", norm(h)).strip("_"))
        for h, b in bands.items()
    }
    usecols = {**cols, **bands}
    df = read_csv(
        path, name, usecols=list(usecols), dtype=dict.fromkeys(usecols, "str"), encoding=enc
    )
    df = df.rename(columns=usecols)
    fl.read = len(df)
    code = df["lsoa_code"].astype("string").str.strip()
    blank = (code.isna() | (code == "")).to_numpy(bool)
    fl.drop(REASONS["no_code"], int(blank.sum()))
    df = df.loc[~blank].copy()
    df["lsoa_code"] = code[~blank].astype("str")
    src = {v: k for k, v in usecols.items()}
    df["population"] = to_number(
        df["population"],
        name,
        src["population"],
        integer=True,
        minimum=0,
        expected="a population count: a whole number of people ('1,296' accepted)",
    ).astype("float64")
    for b in bands.values():
        df[b] = to_number(
            df[b], name, src[b], integer=True, minimum=0, expected="a whole number of people"
        ).astype("float64")
    check_unique_codes(df, name, src["lsoa_code"])
    from workbench.schemas import POPULATION_SCHEMA, validate

    validate(df, POPULATION_SCHEMA, name, src)
    if codes is not None:
        in_area = df["lsoa_code"].isin(codes).to_numpy(bool)
        is_known = df["lsoa_code"].isin(known or codes).to_numpy(bool)
        fl.drop(REASONS["outside_area"], int((~in_area & is_known).sum()))
        fl.drop(REASONS["unknown_lsoa"], int((~in_area & ~is_known).sum()))
        df = df.loc[in_area]
    if kind == "population":
        # the rates' denominator: a blank ("n/a" reads as blank) or zero population in the
        # study would give no rate or an infinite one
        bad = df["population"].isna() | (df["population"] <= 0)
        if bad.any():
            p, i = first_bad(bad)
            val = df["population"].iloc[p]
            raise DataError(
                name,
                "a population of at least 1 for every study LSOA",
                found="a blank or 'n/a' cell" if pd.isna(val) else f"{val:g}",
                row=i,
                column=src["population"],
                fix=f"Give the population of {df['lsoa_code'].iloc[p]} (rates per resident "
                "need it).",
            )
    fl.kept = len(df)
    return df.reset_index(drop=True)


def census_ethnic_groups(lsoas: pd.DataFrame) -> pd.DataFrame | None:
    """Census 2021 usual residents by broad ethnic group, summed over the study LSOAs.

    Parameters
    ----------
    lsoas : DataFrame
        The study LSOAs with the ``pop_ethnic_*`` columns that :func:`read_population` makes
        from a Census 2021 TS021 file (``Census 2021 ethnic group: White``, ...).

    Returns
    -------
    DataFrame or None
        ``ethnicity`` (Asian, Black, Mixed, White, Other), ``population`` (int) and
        ``source``; None when the population file has no ethnic group columns.

    Notes
    -----
    Census day counts (21 March 2021), not mid-year estimates; each LSOA cell carries the
    ONS cell-key perturbation, so group sums may differ by a few from published district
    totals.

    Examples
    --------
    >>> df = pd.DataFrame({"pop_ethnic_white": [10.0, 5.0], "pop_ethnic_asian": [1.0, 2.0]})
    >>> census_ethnic_groups(df)[["ethnicity", "population"]].values.tolist()
    [['Asian', 3], ['White', 15]]
    """
    cols = {f"pop_ethnic_{v.lower()}": v for v in CENSUS_ETHNIC_GROUPS.values()}
    have = [c for c in cols if c in lsoas]
    if not have:
        return None
    rows = [(cols[c], int(lsoas[c].sum())) for c in have]
    out = pd.DataFrame(rows, columns=["ethnicity", "population"])
    out["source"] = (
        f"ONS Census 2021 TS021 Ethnic group, usual residents of the {len(lsoas)} study LSOAs"
    )
    return out.sort_values("ethnicity").reset_index(drop=True)


def population_source(path: str | Path | None, year: int | None) -> str:
    """How a population file should be named to a reader.

    A Census 2021 file (a ``Census 2021: All usual residents`` / ``All usual residents``
    column) is "Census 2021 usual residents" (census day, 21 March 2021, not a mid-year
    estimate); any other file is an ONS mid-year estimate of ``year`` (``[study]
    population_year``), or says that the year is not stated.
    """
    if not path:
        return "population: not configured"
    path = Path(path)
    try:
        header, _ = read_bytes_header(path.read_bytes()[:65536], display_name(path))
    except Exception:  # noqa: BLE001 - the loader reports a bad file; this only names it
        header = []
    names = {norm(h) for h in header}
    if names & {"census 2021: all usual residents", "all usual residents"}:
        return f"Census 2021 usual residents (21 March 2021; {path.name})"
    if year:
        return f"ONS mid-{year} LSOA population estimates ({path.name})"
    return f"LSOA population from {path.name} (year not stated in the study settings)"
