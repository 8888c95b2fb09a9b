"""Deprivation indices as data: IMD 2019 (England, 2011 LSOAs), IoD 2025 (England, 2021 LSOAs)
and WIMD 2019 (Wales, 2011 LSOAs), read in their published layouts."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
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

__all__ = [
    "read_imd",
    "read_deprivation",
    "detect_index",
    "DeprivationIndex",
    "INDICES",
    "DOMAINS",
    "N_LSOA_2011",
]

logger = logging.getLogger(__name__)

#: Number of LSOAs (2011) in England: IMD 2019 ranks run from 1 (most deprived) to this.
N_LSOA_2011 = 32_844

#: Number of LSOAs (2021) in England: IoD 2025 ranks run from 1 (most deprived) to this.
N_LSOA_2021 = 33_755
#: Number of LSOAs (2011) in Wales: WIMD 2019 ranks run from 1 (most deprived) to this.
N_LSOA_WALES_2011 = 1_909


@dataclass(frozen=True)
class DeprivationIndex:
    """Which deprivation index a file holds: it travels with the study into every label.

    Attributes
    ----------
    key : str
        ``"imd2019"``, ``"iod2025"`` or ``"wimd2019"`` (the ``[study] deprivation_index`` value).
    label : str
        Short name used in titles, axes, notes and legends (``"IoD 2025"``).
    long_name : str
        Publisher's name of the index.
    year : int
    geography : str
        Census geography of its LSOAs: ``"2011"`` or ``"2021"``.
    country : str
        ``"England"`` or ``"Wales"``: deciles and ranks are national within this country.
    n_areas : int
        Number of LSOAs ranked (rank 1 = most deprived, rank ``n_areas`` = least).
    publisher : str

    Notes
    -----
    Scores of different indices are never compared (each index has its own scale and
    indicators); ranks and deciles within each index are.
    """

    key: str
    label: str
    long_name: str
    year: int
    geography: str
    country: str
    n_areas: int
    publisher: str

    @property
    def decile_text(self) -> str:
        """``"national IoD 2025 decile (England, 2021 LSOAs; 1 = most deprived 10%)"``."""
        return (
            f"national {self.label} decile ({self.country}, {self.geography} LSOAs; "
            "1 = most deprived 10%)"
        )

    @property
    def deciles_note(self) -> str:
        """One sentence for table notes: which deciles and what "most deprived" means."""
        return (
            f"Most deprived = national {self.label} deciles ({self.long_name}, {self.country}, "
            f"{self.geography} LSOAs; 1 = most deprived 10%)."
        )

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "key": self.key,
            "label": self.label,
            "long_name": self.long_name,
            "year": self.year,
            "geography": self.geography,
            "country": self.country,
            "n_areas": self.n_areas,
            "publisher": self.publisher,
        }


#: The indices the workbench reads, by ``[study] deprivation_index`` key.
INDICES: dict[str, DeprivationIndex] = {
    "imd2019": DeprivationIndex(
        "imd2019",
        "IMD 2019",
        "English Indices of Deprivation 2019",
        2019,
        "2011",
        "England",
        N_LSOA_2011,
        "MHCLG",
    ),
    "iod2025": DeprivationIndex(
        "iod2025",
        "IoD 2025",
        "English Indices of Deprivation 2025",
        2025,
        "2021",
        "England",
        N_LSOA_2021,
        "MHCLG",
    ),
    "wimd2019": DeprivationIndex(
        "wimd2019",
        "WIMD 2019",
        "Welsh Index of Multiple Deprivation 2019",
        2019,
        "2011",
        "Wales",
        N_LSOA_WALES_2011,
        "Welsh Government",
    ),
}

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
#: WIMD 2019 (Welsh Government ranks and scores as repackaged: ``IMD_rank``, ``Access_score``)
#: domain prefixes -> short name.
_WIMD_DOMAINS: dict[str, str] = {
    "imd": "imd",
    "wimd": "imd",
    "income": "income",
    "employment": "employment",
    "health": "health",
    "education": "education",
    "housing": "housing",
    "access": "access_to_services",
    "environment": "physical_environment",
    "crime": "community_safety",
}
_WIMD_MEASURE = re.compile(r"^(?P<domain>[a-z]+)[ _](?P<what>score|rank|decile)$")
_MEASURE = re.compile(r"^(?P<domain>.+?) (?P<what>score|rank|decile)\b.*$")

#: LSOA code columns by census geography (normalised headers).
_CODES_2011 = ["LSOA code (2011)", "lsoa11cd", "LSOA11CD", "lsoa11_code"]
_CODES_2021 = ["LSOA code (2021)", "lsoa21cd", "LSOA21CD", "lsoa21_code"]
_CODES_ANY = ["lsoa", "lsoa_code", "LSOA code"]
_IDS_OPT = {
    "lsoa_name": [
        "LSOA name (2011)",
        "LSOA name (2021)",
        "lsoa11nm",
        "LSOA11NM",
        "LSOA21NM",
        "lsoa_name",
    ],
    "lad_code": [
        "Local Authority District code (2019)",
        "Local Authority District code (2024)",
        "lad19cd",
        "LAD19CD",
        "LAD24CD",
        "lad_code",
    ],
    "lad_name": [
        "Local Authority District name (2019)",
        "Local Authority District name (2024)",
        "lad19nm",
        "LAD19NM",
        "LAD24NM",
        "lad_name",
    ],
    "nation": ["nation"],
}
#: mySociety composite_uk_imd columns (UK_IMD_E.csv) that carry official IMD 2019 values.
_MYSOCIETY = {
    "overall_local_score": "imd_score",
    "income_score": "income_score",
    "employment_score": "employment_score",
}


def _measure_columns(header: list[str], welsh: bool = False) -> dict[str, str]:
    """Published measure headers -> ``<domain>_<score|rank|decile>``."""
    out: dict[str, str] = {}
    for h in header:
        n = norm(h)
        if welsh:
            m = _WIMD_MEASURE.match(n)
            if m and m["domain"] in _WIMD_DOMAINS:
                out[h] = f"{_WIMD_DOMAINS[m['domain']]}_{m['what']}"
            continue
        if n in _MYSOCIETY:
            out[h] = _MYSOCIETY[n]
            continue
        m = _MEASURE.match(n)
        if m and m["domain"] in DOMAINS:
            out[h] = f"{DOMAINS[m['domain']]}_{m['what']}"
    return out


def _has(header: list[str], names: list[str]) -> str | None:
    by_norm = {norm(h): h for h in header}
    return next((by_norm[norm(a)] for a in names if norm(a) in by_norm), None)


def detect_index(header: list[str], first_code: str | None = None) -> DeprivationIndex | None:
    """The index a file's header belongs to (None when it is none of them).

    * an LSOA code column on the **2021** geography (``LSOA code (2021)``, ``LSOA21CD``) with
      the English long headers: IoD 2025;
    * a **2011** code column (``LSOA code (2011)``, ``LSOA11CD``) or mySociety's ``lsoa`` with
      the English long headers: IMD 2019;
    * WIMD measure columns (``WIMD_rank``, or ``IMD_rank`` with ``Access_rank``,
      ``Environment_rank``, ``Housing_rank``, or ``IMD_rank`` on Welsh ``W01`` codes, as
      ``first_code`` shows) with a 2011 code column: WIMD 2019.
    """
    names = {norm(h) for h in header}
    short = names & {
        "imd_rank",
        "wimd_rank",
        "imd_score",
        "wimd_score",
        "imd_decile",
        "wimd_decile",
    }
    welsh_domains = names & {"access_rank", "access_score", "environment_rank", "housing_rank"}
    welsh_codes = bool(first_code) and str(first_code).strip().upper().startswith("W01")
    welsh = bool(short) and (
        bool(welsh_domains)
        or welsh_codes
        or bool(short & {"wimd_rank", "wimd_score", "wimd_decile"})
    )
    if welsh and (_has(header, _CODES_2011) or _has(header, _CODES_ANY)):
        return INDICES["wimd2019"]
    if not _measure_columns(header):
        return None
    if _has(header, _CODES_2021):
        return INDICES["iod2025"]
    if _has(header, _CODES_2011) or _has(header, _CODES_ANY):
        return INDICES["imd2019"]
    return None


def read_imd(
    path: str | Path,
    ledger: Ledger | None = None,
    *,
    kind: str = "imd",
    require_decile: bool = False,
    expect: str | None = None,
) -> pd.DataFrame:
    """Read a deprivation index file (see :func:`read_deprivation`); the frame only.

    Examples
    --------
    >>> from workbench.loaders.imd import INDICES
    >>> INDICES["iod2025"].label, INDICES["iod2025"].geography
    ('IoD 2025', '2021')
    """
    return read_deprivation(path, ledger, kind=kind, require_decile=require_decile, expect=expect)[
        0
    ]


def read_deprivation(
    path: str | Path,
    ledger: Ledger | None = None,
    *,
    kind: str = "imd",
    require_decile: bool = False,
    expect: str | None = None,
) -> tuple[pd.DataFrame, DeprivationIndex]:
    """Read a deprivation index file and say which index it is.

    Reads IMD 2019 (File 1, 2, 5, 7 or mySociety scores; 2011 LSOAs), the English Indices of
    Deprivation 2025 (File 7 and the File 1/2 layouts, ``LSOA code (2021)``; 2021 LSOAs) and
    the Welsh Index of Multiple Deprivation 2019 (ranks and scores, 2011 LSOAs).

    Parameters
    ----------
    path : path
        CSV with the published long headers (e.g. ``LSOA code (2011)`` or ``LSOA code
        (2021)``, ``Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)``),
        mySociety's ``UK_IMD_E.csv``, or WIMD 2019 ranks/scores (``lsoa11_code``,
        ``IMD_rank``, ``Income_rank``, ..., ``Access_rank``).
    ledger : Ledger, optional
    kind : str
        The ledger's kind label (``"imd"`` or ``"imd_scores"``).
    require_decile : bool
        Raise when the file has no IMD decile column and none can be derived from ranks.
    expect : str, optional
        The index the study declares (``[study] deprivation_index``: ``"imd2019"``,
        ``"iod2025"``, ``"wimd2019"``). A file of another index stops with a
        :class:`DataError` that names both; it never suggests renaming a column.

    Returns
    -------
    (DataFrame, DeprivationIndex)
        ``lsoa_code`` plus whatever the file has of ``lsoa_name``, ``lad_code``, ``lad_name``,
        ``imd_score``, ``imd_rank``, ``imd_decile`` and ``<domain>_score|rank|decile``, and the
        index detected from the header.

    Notes
    -----
    Rank 1 and decile 1 are the most deprived; deciles are national within the index's
    country (England: 32,844 LSOAs 2011 for IMD 2019, 33,755 LSOAs 2021 for IoD 2025; Wales:
    1,909 LSOAs 2011 for WIMD 2019). mySociety's ``income_score``/``employment_score`` are
    percentages; they are divided by 100 to match the official File 5 proportions. WIMD
    deciles: the Welsh Government publishes ranks and scores; a decile column in the file is
    kept and noted in the ledger as not published; without one the decile is computed from
    the rank, ``ceil(rank x 10 / 1,909)``, and noted. Scores of different indices are never
    comparable; ranks and deciles within each index are.
    """
    path = Path(path)
    name = display_name(path)
    check_not_spatial(path, name, "a deprivation index file (IMD 2019, IoD 2025 or WIMD 2019)")
    fl = FileLedger(name, kind)
    if ledger is not None:
        ledger.add(fl)
    data = path.read_bytes()
    header, enc = read_bytes_header(data, name)
    index = detect_index(header, _first_code(data, enc, header))
    if expect is not None and expect not in INDICES:
        raise DataError(
            name,
            "deprivation_index one of " + ", ".join(repr(k) for k in INDICES),
            found=repr(expect),
            column="[study] deprivation_index",
        )
    if index is None:
        raise DataError(
            name,
            "a deprivation index file: IMD 2019 or IoD 2025 columns such as 'Index of Multiple "
            "Deprivation (IMD) Rank (where 1 is most deprived)' with 'LSOA code (2011)' or "
            "'LSOA code (2021)', or WIMD 2019 columns such as 'WIMD_rank'",
            found="columns " + ", ".join(repr(h) for h in header[:6]),
            fix="Use the published file of the index (IoD 2025 File 7 or File 1/2, IMD 2019 "
            "File 1, 2, 5 or 7, or WIMD 2019 ranks) with its headers as published.",
        )
    if expect is not None and index.key != expect:
        want = INDICES[expect]
        code_col = _has(header, _CODES_2021) or _has(header, _CODES_2011) or "?"
        raise DataError(
            name,
            f"a {want.long_name} file ({want.label}, {want.country}, {want.geography} LSOAs), "
            "as [study] deprivation_index says",
            found=f"a {index.long_name} file ({index.label}, codes on {index.geography} LSOAs, "
            f"column {code_col!r})",
            column="[study] deprivation_index",
            fix=f'Set deprivation_index = "{index.key}" in area.toml to use this file, or give '
            f"the {want.label} file. Do not rename its code column: {index.geography} codes "
            f"are not {want.geography} codes (use lsoa_2011_2021_lookup to join them).",
        )
    code_names = {"2011": _CODES_2011, "2021": _CODES_2021}[index.geography] + _CODES_ANY
    ids = match_columns(
        header, {"lsoa_code": code_names}, name, f"an {index.label} file", optional=_IDS_OPT
    )
    welsh = index.country == "Wales"
    measures = _measure_columns(header, welsh=welsh)
    n_areas = index.n_areas
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
        # scores may be negative (health, education and sub-domain scores are standardised);
        # ranks and deciles start at 1
        df[c] = to_number(df[c], name, src[c], integer=integer, minimum=None if not integer else 1)
        if c.endswith("_decile"):
            _check_range(df[c], 1, 10, name, src[c], "a decile from 1 (most deprived) to 10")
        elif c.endswith("_rank"):
            _check_range(
                df[c],
                1,
                n_areas,
                name,
                src[c],
                f"a national {index.label} rank from 1 (most deprived) to {n_areas:,}",
            )
    if welsh:
        if "imd_decile" in df:
            fl.note(
                "WIMD deciles taken from the file (not Welsh Government columns: computed "
                "from the published ranks by the file's maker)",
                len(df),
            )
        for rank in [c for c in df.columns if c.endswith("_rank")]:
            dec = rank[: -len("_rank")] + "_decile"
            if dec not in df:
                df[dec] = np.ceil(df[rank].astype("Float64") * 10 / n_areas).astype("Int64")
                src[dec] = f"{src[rank]} (decile computed from the rank)"
                if dec == "imd_decile":
                    fl.note("WIMD decile computed from the rank: ceil(rank x 10 / 1,909)", len(df))
    if require_decile and "imd_decile" not in df:
        close = [h for h in header if "decile" in norm(h) or "imd" in norm(h)][:4]
        raise DataError(
            name,
            "the column 'Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived "
            "10% of LSOAs)'",
            found="no IMD decile column"
            + (f" (columns like it: {', '.join(repr(c) for c in close)})" if close else ""),
            column="Index of Multiple Deprivation (IMD) Decile",
            fix=f"Use File 1, 2 or 7 of the {index.long_name} with its headers as published "
            "(every deprivation profile needs the national decile).",
        )
    _check_deciles_match_ranks(df, name, src, n_areas)
    for c in ("income_score", "employment_score"):
        if src.get(c, "").strip().lower() == c:  # mySociety percentages -> proportions
            df[c] = df[c] / 100.0
    check_unique_codes(df, name, src["lsoa_code"])
    from workbench.schemas import IMD_SCHEMA, validate  # local: schemas import pandera

    df = validate(df, IMD_SCHEMA, name, src)
    fl.kept = len(df)
    logger.info("%s: %s (%s, %s LSOAs), %d rows", name, index.label, index.country,
                index.geography, len(df))  # fmt: skip
    return df.reset_index(drop=True), index


def _first_code(data: bytes, encoding: str, header: list[str]) -> str | None:
    """The LSOA code of the first data row (to tell Welsh from English short headers)."""
    col = _has(header, _CODES_2011 + _CODES_2021 + _CODES_ANY)
    if col is None:
        return None
    import csv
    import io

    text = data[:65536].decode(encoding, errors="replace")
    rows = csv.reader(io.StringIO(text))
    head = next(rows, None)
    first = next(rows, None)
    if not head or not first or col not in head:
        return None
    i = head.index(col)
    return first[i] if i < len(first) else None


def _check_deciles_match_ranks(
    df: pd.DataFrame, name: str, src: dict[str, str], n_areas: int = N_LSOA_2011
) -> None:
    """Each ``<domain>_decile`` must be the national decile of its ``<domain>_rank``.

    Deciles split the index's ranks into tenths: decile = ceil(rank x 10 / n_areas)
    (IMD 2019: decile 1 = ranks 1-3,284 of 32,844), with one rank of tolerance at each edge.
    A decile column that contradicts its rank column is a renamed or shifted column, and every
    profile by decile
    would be wrong.
    """
    for dec in [c for c in df.columns if c.endswith("_decile")]:
        rank = dec[: -len("_decile")] + "_rank"
        if rank not in df:
            continue
        r = df[rank].astype("Float64")
        expected = np.ceil(r * 10 / n_areas).astype("Int64")
        # one rank of tolerance at each tenth's edge (3,284.4 ranks per decile: the published
        # split may round the edges either way); a shifted or renamed column is far off
        d = df[dec].astype("Float64")
        width = n_areas / 10
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
