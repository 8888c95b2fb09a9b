"""English Indices of Deprivation 2019 (MHCLG) in the published layouts, LSOA 2011."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
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
    show,
    to_number,
)

__all__ = ["read_imd", "DOMAINS", "N_LSOA_2011"]

logger = logging.getLogger(__name__)

#: Number of LSOAs (2011) in England: IMD 2019 ranks run from 1 (most deprived) to this.
N_LSOA_2011 = 32_844

#: Published domain / index names (lower case, before " score|rank|decile") -> short name.
DOMAINS: dict[str, str] = {
    "index of multiple deprivation (imd)": "imd",
    "income": "income",
    "employment": "employment",
    "education, skills and training": "education",
    "health deprivation and disability": "health",
    "crime": "crime",
    "barriers to housing and services": "barriers",
    "living environment": "living_environment",
    "income deprivation affecting children index (idaci)": "idaci",
    "income deprivation affecting older people (idaopi)": "idaopi",
    "children and young people sub-domain": "cyp",
    "adult skills sub-domain": "adult_skills",
    "geographical barriers sub-domain": "geographical_barriers",
    "wider barriers sub-domain": "wider_barriers",
    "indoors sub-domain": "indoors",
    "outdoors sub-domain": "outdoors",
}
_MEASURE = re.compile(r"^(?P<domain>.+?) (?P<what>score|rank|decile)\b.*$")

_IDS = {
    "lsoa_code": ["LSOA code (2011)", "lsoa11cd", "LSOA11CD", "lsoa", "lsoa_code", "LSOA code"],
}
_IDS_OPT = {
    "lsoa_name": ["LSOA name (2011)", "lsoa11nm", "LSOA11NM", "lsoa_name"],
    "lad_code": ["Local Authority District code (2019)", "lad19cd", "LAD19CD", "lad_code"],
    "lad_name": ["Local Authority District name (2019)", "lad19nm", "LAD19NM", "lad_name"],
    "nation": ["nation"],
}
#: mySociety composite_uk_imd columns (UK_IMD_E.csv) that carry official IMD 2019 values.
_MYSOCIETY = {
    "overall_local_score": "imd_score",
    "income_score": "income_score",
    "employment_score": "employment_score",
}


def _measure_columns(header: list[str]) -> dict[str, str]:
    """Published measure headers -> ``<domain>_<score|rank|decile>``."""
    out: dict[str, str] = {}
    for h in header:
        n = norm(h)
        if n in _MYSOCIETY:
            out[h] = _MYSOCIETY[n]
            continue
        m = _MEASURE.match(n)
        if m and m["domain"] in DOMAINS:
            out[h] = f"{DOMAINS[m['domain']]}_{m['what']}"
    return out


def read_imd(
    path: str | Path,
    ledger: Ledger | None = None,
    *,
    kind: str = "imd",
    require_decile: bool = False,
) -> pd.DataFrame:
    """Read an IMD 2019 file: File 1, File 2, File 5 (scores), File 7, or mySociety scores.

    Parameters
    ----------
    path : path
        CSV with the published long headers (e.g. ``LSOA code (2011)``, ``Index of Multiple
        Deprivation (IMD) Rank (where 1 is most deprived)``), or mySociety's ``UK_IMD_E.csv``
        (``lsoa``, ``overall_local_score``, ``income_score``, ``employment_score``).
    ledger : Ledger, optional
    kind : str
        The ledger's kind label (``"imd"`` or ``"imd_scores"``).
    require_decile : bool
        Raise when the file has no IMD decile column (the study's ``imd`` file: every
        deprivation profile needs it).

    Returns
    -------
    DataFrame
        ``lsoa_code`` plus whatever the file has of ``lsoa_name``, ``lad_code``, ``lad_name``,
        ``imd_score``, ``imd_rank``, ``imd_decile`` and ``<domain>_score|rank|decile`` for the
        domains in :data:`DOMAINS`. Conventions: rank 1 and decile 1 are the most deprived
        (deciles are national, over all 32,844 LSOAs of England). mySociety's
        ``income_score``/``employment_score`` are percentages (2.7 = 2.7%); they are divided by
        100 to match the official File 5 scores (proportions, 0.027).

    Raises
    ------
    DataError
        No LSOA code column, no IMD measure column, a non-numeric value, a decile outside
        1..10, a rank outside 1..32,844, or an LSOA code given twice.
    """
    path = Path(path)
    name = display_name(path)
    check_not_spatial(path, name, "an IMD 2019 file")
    fl = FileLedger(name, kind)
    if ledger is not None:
        ledger.add(fl)
    header, enc = read_bytes_header(path.read_bytes(), name)
    ids = match_columns(header, _IDS, name, "an IMD 2019 file", optional=_IDS_OPT)
    measures = _measure_columns(header)
    if not measures:
        raise DataError(
            name,
            "IMD 2019 columns such as 'Index of Multiple Deprivation (IMD) Rank (where 1 is "
            "most deprived)' or '... Score'",
            found="columns " + ", ".join(repr(h) for h in header[:6]),
            fix="Use File 1, 2, 5 or 7 of the English Indices of Deprivation 2019 as published.",
        )
    if require_decile and "imd_decile" not in measures.values():
        close = [h for h in header if "decile" in norm(h) or "imd" in norm(h)][:4]
        raise DataError(
            name,
            "the column 'Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived "
            "10% of LSOAs)'",
            found="no IMD decile column"
            + (f" (columns like it: {', '.join(repr(c) for c in close)})" if close else ""),
            column="Index of Multiple Deprivation (IMD) Decile",
            fix="Use File 1 or File 2 of the English Indices of Deprivation 2019 with its "
            "headers as published (every deprivation profile needs the national decile).",
        )
    cols = {**ids, **measures}
    df = read_csv(path, name, usecols=list(cols), dtype=dict.fromkeys(cols, "str"), encoding=enc)
    df = df.rename(columns=cols)
    fl.read = len(df)
    if "nation" in df:  # mySociety's UK file: keep England (IMD 2019 is English)
        other = (df["nation"].astype("string").str.strip() != "E").fillna(True).to_numpy(bool)
        fl.drop("not an English LSOA (nation is not 'E')", int(other.sum()))
        df = df.loc[~other].drop(columns="nation")
    src = {v: k for k, v in cols.items()}
    code = df["lsoa_code"].astype("string").str.strip()
    blank = code.isna() | (code == "")
    fl.drop(REASONS["no_code"], int(blank.sum()))
    df = df.loc[~blank.to_numpy()].copy()
    df["lsoa_code"] = code[~blank].astype("str")
    for c in measures.values():
        integer = not c.endswith("_score")
        df[c] = to_number(df[c], name, src[c], integer=integer, minimum=0 if not integer else 1)
        if c.endswith("_decile"):
            _check_range(df[c], 1, 10, name, src[c], "a decile from 1 (most deprived) to 10")
        elif c.endswith("_rank"):
            _check_range(
                df[c],
                1,
                N_LSOA_2011,
                name,
                src[c],
                f"a national rank from 1 (most deprived) to {N_LSOA_2011:,}",
            )
    _check_deciles_match_ranks(df, name, src)
    for c in ("income_score", "employment_score"):
        if src.get(c, "").strip().lower() == c:  # mySociety percentages -> proportions
            df[c] = df[c] / 100.0
    check_unique_codes(df, name, src["lsoa_code"])
    from workbench.schemas import IMD_SCHEMA, validate  # local: schemas import pandera

    df = validate(df, IMD_SCHEMA, name, src)
    fl.kept = len(df)
    return df.reset_index(drop=True)


def _check_deciles_match_ranks(df: pd.DataFrame, name: str, src: dict[str, str]) -> None:
    """Each ``<domain>_decile`` must be the national decile of its ``<domain>_rank``.

    IMD 2019 deciles split the 32,844 ranks into tenths: decile = ceil(rank x 10 / 32,844)
    (decile 1 = ranks 1-3,284), with one rank of tolerance at each edge. A decile column that
    contradicts its rank column is a renamed or shifted column, and every profile by decile
    would be wrong.
    """
    for dec in [c for c in df.columns if c.endswith("_decile")]:
        rank = dec[: -len("_decile")] + "_rank"
        if rank not in df:
            continue
        r = df[rank].astype("Float64")
        expected = np.ceil(r * 10 / N_LSOA_2011).astype("Int64")
        # one rank of tolerance at each tenth's edge (3,284.4 ranks per decile: the published
        # split may round the edges either way); a shifted or renamed column is far off
        d = df[dec].astype("Float64")
        width = N_LSOA_2011 / 10
        fits = (r > (d - 1) * width - 1) & (r <= d * width + 1)
        bad = (d.notna() & r.notna() & ~fits).fillna(False)
        if bad.any():
            p, i = first_bad(bad)
            raise DataError(
                name,
                f"the national decile of the rank in {src[rank]!r} (rank "
                f"{int(r.iloc[p]):,} is decile {int(expected.iloc[p])})",
                found=show(df[dec].iloc[p]),
                row=i,
                column=src[dec],
                fix="Check that the decile and rank columns are the ones published, not "
                "shifted, renamed or computed locally.",
            )


def _check_range(values: pd.Series, lo: int, hi: int, name: str, column: str, what: str) -> None:
    bad = values.notna() & ((values < lo) | (values > hi))
    if bad.any():
        p, i = first_bad(bad)
        raise DataError(name, what, found=show(values.iloc[p]), row=i, column=column)
