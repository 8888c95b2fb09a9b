"""Area-level tables: wide (one column per area) and long (area code, period, value) files.

National comparison data come in two layouts. Repackaged tables (ONS deaths, NHS Digital
admissions, population, IMD averages) have one row per year and **one column per area named, not
coded**; Fingertips and ONS downloads have one row per area and period with an ONS code. Both are
read into one long form, and area names are matched to ONS codes with the match recorded for
every area (exact, after normalising, a merged area matched by its parts, or not matched) so
the ledger and the notebook can say how each name was placed.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import DataError
from workbench.ledger import REASONS, FileLedger, Ledger
from workbench.loaders._io import (
    csv_error,
    display_name,
    first_bad,
    norm,
    read_bytes_header,
    show,
    to_number,
)

__all__ = [
    "MATCH",
    "normalise_area_name",
    "read_area_names",
    "match_area_names",
    "read_area_wide",
    "read_area_long",
    "read_fingertips",
    "read_force_table",
    "name_matches",
    "match_summary",
    "read_group_population",
    "read_region_lists",
    "read_merged_members",
    "assign_regions",
    "check_years",
    "check_same_years",
    "check_long_names",
    "check_regions",
    "check_table_area_name",
    "area_codes_of",
    "check_study_in_tables",
]

logger = logging.getLogger(__name__)

#: How an area name was matched to a code (the ``match`` column), one wording each.
MATCH = {
    "exact": "exact name",
    "normalised": "name after normalising (case, spaces, '&', '.', 'X, City of')",
    "parts": "merged area: every part matched",
    "none": "not matched to a code",
}

_CODE_RE = re.compile(r"^[EWSNK]\d{8}$")
_SPLIT_RE = re.compile(r"\s+and\s+|\s*/\s*|\s*,\s*", re.IGNORECASE)
#: Years a file's name says it holds: ``..._2009_2018.csv``, ``..._2009_10_to_2018_19.csv``.
_NAME_YEARS_RE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)(?:_\d\d)?_(?:to_)?((?:19|20)\d\d)(?:_\d\d)?(?!\d)"
)


def _numbers(df: pd.DataFrame, columns: list[str], name: str, *, minimum: float) -> dict:
    """``{column: float Series}`` of text columns in one pass (blank = missing).

    Every cell must be blank or a finite number >= ``minimum`` ("1,296" accepted); the first
    other cell is refused with its row and column named. A table without any number at all
    is refused too (every figure of it would silently be missing).
    """
    text = pd.Series(df[columns].to_numpy().ravel(order="F"), dtype="string")
    text = text.str.replace(r"[,\s\u00a0]", "", regex=True)
    text = text.mask(text == "")
    num = pd.to_numeric(text, errors="coerce").astype("float64").to_numpy()
    given = text.notna().to_numpy()
    with np.errstate(invalid="ignore"):
        bad = given & (~np.isfinite(num) | (num < minimum))
    n = len(df)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        col, pos = columns[k // n], k % n
        raise DataError(
            name,
            f"a number >= {minimum:g}",
            found=show(df[col].iloc[pos]),
            row=int(df.index[pos]) + 1,
            column=col,
            fix="Correct or blank that cell (a blank means 'not published').",
        )
    if not given.any():
        raise DataError(
            name,
            "at least one number in the area columns",
            found="every cell blank",
            fix="Download the file again: a table of blanks would silently drop its indicator.",
        )
    return {c: pd.Series(num[i * n : (i + 1) * n], index=df.index) for i, c in enumerate(columns)}


def _read_frame(path: Path, name: str) -> pd.DataFrame:
    """Every cell of a CSV as text (blank = ``""``), or one :class:`DataError`.

    An empty, binary or non-text file, a header without rows, a row with more fields than
    the header (a comma inside a value) or fewer (a file cut short: the last row loses its
    last cells) is refused with the row named; nothing reaches the analyst as a pandas
    traceback.
    """
    data = path.read_bytes()
    header, enc = read_bytes_header(data, name)
    seen: set[str] = set()
    for h in (str(h).strip() for h in header):
        if h in seen:
            # pandas would rename the second 'Bristol' to 'Bristol.1' and read on
            raise DataError(
                name,
                "each column once",
                found=f"{h!r} twice",
                column=h,
                fix="Remove the repeated column: a repeated area is an error, never a choice.",
            )
        seen.add(h)
    try:
        df = pd.read_csv(
            io.BytesIO(data), dtype=str, keep_default_na=False, encoding=enc, engine="c"
        )
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise csv_error(name, exc) from exc
    df.columns = [str(c).replace("\ufeff", "").strip() for c in df.columns]
    # pandas pads a short row with blanks: count each row's fields as written
    widths = [len(r) for r in csv.reader(io.StringIO(data.decode(enc))) if r]
    short = pd.Series([w < len(header) for w in widths[1 : len(df) + 1]], dtype=bool)
    if short.any():
        p, i = first_bad(short)
        n = widths[p + 1]
        raise DataError(
            name,
            f"{len(df.columns)} fields on every row, as in the header",
            found=f"{n} (the row stops at column {df.columns[n]!r}: a file cut short?)",
            row=i,
            fix="Download the file again: a truncated file would silently lose areas or years.",
        )
    return df


def normalise_area_name(name: object) -> str:
    """A key for comparing area names written differently.

    Case, surrounding and repeated spaces, full stops and apostrophes are ignored; ``&`` is
    ``and``; an inverted ``"Bristol, City of"`` reads ``"city of bristol"``; ``"St"`` and
    ``"St."`` are the same.

    Examples
    --------
    >>> normalise_area_name(" Avon & Somerset ")
    'avon and somerset'
    >>> normalise_area_name("London, City of") == normalise_area_name("City of London")
    True
    """
    text = norm(name).replace("&", " and ").replace(".", "").replace("'", "")
    text = re.sub(r"\s+", " ", text).strip()
    m = re.match(r"^(.*), (city of|county of)$", text)
    if m:
        text = f"{m.group(2)} {m.group(1)}"
    return text


def read_area_names(path: str | Path, ledger: Ledger) -> pd.DataFrame:
    """Read a code/name list of areas (e.g. LAD 2019 codes and names).

    The code column is the first whose values look like ONS codes (``E06000016``); the name
    column is the first other text column.

    Returns
    -------
    DataFrame
        ``area_code``, ``area_name``.
    """
    path = Path(path)
    name = display_name(path)
    entry = ledger.add(FileLedger(name, "area_names"))
    df = _read_frame(path, name)
    entry.read = len(df)
    code_col = next(
        (c for c in df.columns if len(df) and df[c].str.strip().str.match(_CODE_RE).mean() > 0.9),
        None,
    )
    if code_col is None:
        raise DataError(
            name, "a column of ONS area codes such as E06000016", found=list(df.columns)
        )
    name_col = next(
        (
            c
            for c in df.columns
            if c != code_col and not df[c].str.strip().str.fullmatch(r"[\d.]*").all()
        ),
        None,
    )
    if name_col is None:
        raise DataError(name, "a column of area names", found=list(df.columns))
    out = pd.DataFrame(
        {"area_code": df[code_col].str.strip(), "area_name": df[name_col].str.strip()}
    )
    blank = out["area_code"].eq("")
    entry.drop(REASONS["no_code"], int(blank.sum()))
    out = out.loc[~blank]
    for col, header, what in (
        ("area_code", code_col, "each area code once"),
        ("area_name", name_col, "each area name once (a name must give one code)"),
    ):
        dup = out[col].duplicated(keep=False) & out[col].ne("")
        if dup.any():
            again = out[col].duplicated() & dup
            p, i = first_bad(again)
            first = int(out.index[out[col] == out[col].iloc[p]][0]) + 1
            raise DataError(
                name,
                what,
                found=f"{out[col].iloc[p]!r} again (first on row {first})",
                row=i,
                column=header,
                fix="Remove the repeated row: a repeated area is an error, never a choice.",
            )
    out = out.reset_index(drop=True)
    entry.kept = len(out)
    return out.astype("string")


def match_area_names(names: Iterable[str], lookup: pd.DataFrame | None) -> pd.DataFrame:
    """Match area names to ONS codes.

    Parameters
    ----------
    names : iterable of str
        Names as the table writes them.
    lookup : DataFrame or None
        ``area_code``, ``area_name`` (:func:`read_area_names`). ``None``: nothing is matched.

    Returns
    -------
    DataFrame
        One row per name: ``area_name``, ``area_code`` (codes of a merged area joined with
        ``+``; missing when not matched) and ``match`` (a value of :data:`MATCH`).

    Notes
    -----
    In order: the exact name; the name after :func:`normalise_area_name`; for a name with
    no match of its own, its parts split at " and ", "/" or "," (``"Bournemouth and Poole"``)
    when **every** part matches. Names such as counties (upper-tier areas that are not
    districts) stay unmatched and are reported, never guessed.
    """
    names = [str(n) for n in names]
    exact: dict[str, str] = {}
    keyed: dict[str, str] = {}
    if lookup is not None:
        for code, nm in zip(lookup["area_code"], lookup["area_name"], strict=True):
            exact.setdefault(str(nm), str(code))
            keyed.setdefault(normalise_area_name(nm), str(code))
    rows = []
    for nm in names:
        if nm in exact:
            rows.append((nm, exact[nm], MATCH["exact"]))
            continue
        key = normalise_area_name(nm)
        if key in keyed:
            rows.append((nm, keyed[key], MATCH["normalised"]))
            continue
        parts = [p for p in _SPLIT_RE.split(key) if p]
        codes = [keyed.get(p) for p in parts]
        if len(parts) > 1 and all(codes):
            rows.append((nm, "+".join(codes), MATCH["parts"]))
        else:
            rows.append((nm, pd.NA, MATCH["none"]))
    return pd.DataFrame(rows, columns=["area_name", "area_code", "match"]).astype("string")


def name_matches(table: pd.DataFrame) -> pd.DataFrame:
    """How each area of a long table was matched (one row per area): name, code, match."""
    cols = ["area_name", "area_code", "match"]
    return table[cols].drop_duplicates("area_name").reset_index(drop=True)


def match_summary(matches: pd.DataFrame, *, shown: int = 12) -> str:
    """How the area names of the national tables were matched, in one sentence.

    ``matches`` holds one row per table and name (``table``, ``area_name``, ``match``, as
    :meth:`workbench.loaders.national.NationalTables.matches`); each name is counted once.
    The report shows this line and keeps the full list in its CSV file.

    Examples
    --------
    >>> m = pd.DataFrame({"table": ["a", "a", "b", "b"],
    ...                   "area_name": ["Kent", "Bath & NE Somerset", "Kent", "Glos"],
    ...                   "match": [MATCH["exact"], MATCH["normalised"], MATCH["exact"],
    ...                             MATCH["none"]]})
    >>> print(match_summary(m))  # doctest: +NORMALIZE_WHITESPACE
    2 of 3 area names in 2 national table(s) matched to an ONS code: 1 by exact name, 1 after
    normalising; 1 not matched (kept, never placed): Glos.
    """
    if matches is None or not len(matches):
        return "No national table names areas: nothing to match."
    names = matches.drop_duplicates("area_name")
    n = len(names)
    how = names["match"].value_counts()
    words = {
        MATCH["exact"]: "by exact name",
        MATCH["normalised"]: "after normalising",
        MATCH["parts"]: "merged areas (every part matched)",
    }
    parts = [f"{int(how[m]):,} {w}" for m, w in words.items() if how.get(m, 0)]
    unmatched = names.loc[names["match"] == MATCH["none"], "area_name"].astype(str).tolist()
    tables = matches["table"].nunique() if "table" in matches else 1
    text = (
        f"{n - len(unmatched):,} of {n:,} area names in {tables} national table(s) matched "
        f"to an ONS code" + (f": {', '.join(parts)}" if parts else "")
    )
    if unmatched:
        listed = ", ".join(unmatched[:shown])
        more = f" and {len(unmatched) - shown:,} more" if len(unmatched) > shown else ""
        text += f"; {len(unmatched):,} not matched (kept, never placed): {listed}{more}"
    return text + "."


def _note_matches(entry: FileLedger, matches: pd.DataFrame) -> None:
    for how, n in matches["match"].value_counts().items():
        entry.note(f"area columns: {how}", int(n))
    unmatched = matches.loc[matches["match"] == MATCH["none"], "area_name"].tolist()
    if unmatched:
        logger.info(
            "%s: %d area(s) not matched to a code: %s%s",
            entry.file,
            len(unmatched),
            ", ".join(unmatched[:8]),
            " ..." if len(unmatched) > 8 else "",
        )


def read_area_wide(
    path: str | Path,
    ledger: Ledger,
    *,
    kind: str,
    names: pd.DataFrame | None = None,
    period_column: str | None = None,
) -> pd.DataFrame:
    """Read a wide area table (one row per period, one column per area) into long form.

    Parameters
    ----------
    path : str or Path
        CSV with a period column (``year`` by default: the first column) and one column per
        area, headed by the area's name.
    ledger : Ledger
        Receives one entry: rows (periods) read and kept; notes count the area columns by
        how they matched a code and the blank cells.
    kind : str
        What the table holds (the ledger's ``kind``), e.g. ``"deaths_misuse"``.
    names : DataFrame, optional
        Code/name lookup (:func:`read_area_names`) for matching names to codes.
    period_column : str, optional
        The period column; default the first column.

    Returns
    -------
    DataFrame
        ``period`` (text as written, e.g. ``"2018"``), ``area_name``, ``area_code``,
        ``match``, ``value`` (float; NaN where the cell is blank: suppressed or not
        published, never zero).

    Raises
    ------
    DataError
        A cell that is not a finite number (or below 0; below 1 for populations), a repeated
        period or area (also two columns of one code), a period that is not a year, a year
        missing (:func:`check_years`), a blank header over values, or no area column.
    """
    path = Path(path)
    name = display_name(path)
    entry = ledger.add(FileLedger(name, kind))
    df = _read_frame(path, name)
    df.columns = [str(c).replace("\ufeff", "").strip() for c in df.columns]
    entry.read = len(df)
    period_column = period_column or df.columns[0]
    if period_column not in df.columns:
        raise DataError(name, f"a period column {period_column!r}", found=list(df.columns))
    areas = [c for c in df.columns if c != period_column]
    unnamed = [c for c in areas if not c or c.startswith("Unnamed:")]
    for c in unnamed:
        if df[c].str.strip().ne("").any():
            raise DataError(
                name,
                "an area name at the head of every column with values",
                found="a blank header cell",
                column=c,
                fix="Put the area's name in the header: a column without one is no area.",
            )
    if unnamed:  # a trailing comma on every line (a spreadsheet export): empty columns
        entry.note("empty column(s) without a header ignored", len(unnamed))
        areas = [c for c in areas if c not in unnamed]
    if not areas:
        raise DataError(name, "one column per area after the period column", found="none")
    dup = pd.Index(areas).duplicated()
    if dup.any():
        raise DataError(name, "each area once", found=f"{areas[int(np.argmax(dup))]!r} twice")
    periods = df[period_column].str.strip()
    if periods.duplicated().any():
        raise DataError(
            name,
            "each period once",
            found=show(periods[periods.duplicated()].iloc[0]),
            row=int(np.argmax(periods.duplicated().to_numpy())) + 1,
            column=period_column,
        )
    check_years(periods, name, period_column, annual=kind != "imd_average")
    # counts, populations and IMD averages are never negative; a population is at least 1
    # (a population of 0 or below would blank or flip every rate divided by it)
    least = 1 if "population" in kind else 0
    values = _numbers(df, areas, name, minimum=least)
    blank = int(sum(v.isna().sum() for v in values.values()))
    entry.kept = len(df)
    matches = match_area_names(areas, names)
    coded = matches.loc[matches["area_code"].notna()]
    twice = coded["area_code"].duplicated()
    if twice.any():
        code = coded["area_code"].iloc[int(np.argmax(twice.to_numpy()))]
        both = coded.loc[coded["area_code"] == code, "area_name"].tolist()
        raise DataError(
            name,
            "each area once (one column per area code)",
            found=f"{len(both)} columns for {code}: " + ", ".join(map(repr, both)),
            column=both[-1],
            fix="Remove the repeated column: a repeated area is an error, never a choice.",
        )
    if names is None:
        entry.note("area columns (no code list given: names kept as written)", len(areas))
    else:
        _note_matches(entry, matches)
    entry.note("blank cells (suppressed or not published; kept as missing)", blank)
    long = pd.DataFrame(
        {
            "period": np.repeat(periods.to_numpy(), len(areas)),
            "area_name": np.tile(areas, len(df)),
            "value": np.column_stack([values[a].to_numpy() for a in areas]).ravel(),
        }
    )
    long = long.merge(matches, on="area_name", how="left")
    long = long[["period", "area_name", "area_code", "match", "value"]]
    return long.astype({"period": "string", "area_name": "string"})


#: Fingertips/ONS long-download headers -> our column names (normalised headers).
_LONG_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "indicator_id": ("indicator id", "indicator_id"),
    "indicator_name": ("indicator name", "indicator", "indicator_name"),
    "area_code": ("area code", "area_code", "geography code", "code"),
    "area_name": ("area name", "area_name", "geography", "name"),
    "area_type": ("area type", "area_type"),
    "period": ("time period", "period", "year", "time"),
    "value": ("value", "obs_value", "observation"),
    "lower_95": ("lower ci 95.0 limit", "lower_95", "lower ci 95 limit"),
    "upper_95": ("upper ci 95.0 limit", "upper_95", "upper ci 95 limit"),
    "lower_998": ("lower ci 99.8 limit", "lower_998"),
    "upper_998": ("upper ci 99.8 limit", "upper_998"),
    "count": ("count",),
    "denominator": ("denominator",),
    "sex": ("sex",),
    "age": ("age",),
    "category_type": ("category type", "category_type"),
    "category": ("category",),
    "value_note": ("value note", "value_note"),
    "recent_trend": ("recent trend", "recent_trend"),
    "compared_to_england": (
        "compared to england value or percentiles",
        "compared to england",
        "compared_to_england",
    ),
}
_LONG_REQUIRED = ("area_code", "period", "value")
_LONG_NUMBERS = ("value", "lower_95", "upper_95", "lower_998", "upper_998", "count", "denominator")


def read_area_long(path: str | Path, ledger: Ledger, *, kind: str) -> pd.DataFrame:
    """Read a long area table (Fingertips or ONS download: area code, period, value).

    Recognised headers (case ignored): Fingertips' ``Indicator ID``, ``Indicator Name``,
    ``Area Code``, ``Area Name``, ``Area Type``, ``Sex``, ``Age``, ``Category Type``,
    ``Category``, ``Time period``, ``Value``, ``Lower/Upper CI 95.0 limit``, ``Lower/Upper CI
    99.8 limit``, ``Count``, ``Denominator``, ``Value note``, ``Recent Trend``, ``Compared to
    England value or percentiles`` (the long download and the API's ``all_data_by_indicator``
    CSV share these); or simply ``area_code``, ``period``, ``value``. Rows differing only in
    sex, age or category are kept apart.

    Returns
    -------
    DataFrame
        The recognised columns under the names of ``_LONG_COLUMNS`` (``area_code``,
        ``period``, ``value`` always). Rows without an area code are dropped (ledger: "no
        area code"), a row repeated cell for cell is dropped as a duplicate record; a
        blank value stays missing.

    Raises
    ------
    DataError
        A required column missing, a malformed area code, a non-numeric value, a negative
        count or denominator, limits that do not hold the value, an (indicator, area, period,
        sex, age, category) repeated with other figures, or an area code with two names (or
        a name with two codes): see ``_check_long_rows``.
    """
    path = Path(path)
    name = display_name(path)
    entry = ledger.add(FileLedger(name, kind))
    df = _read_frame(path, name)
    entry.read = len(df)
    by_norm = {norm(c): c for c in df.columns}
    cols: dict[str, str] = {}
    for ours, options in _LONG_COLUMNS.items():
        for opt in options:
            if opt in by_norm:
                cols[ours] = by_norm[opt]
                break
    missing = [c for c in _LONG_REQUIRED if c not in cols]
    if missing:
        raise DataError(
            name,
            "columns for the area code, the period and the value (Fingertips: 'Area Code', "
            "'Time period', 'Value')",
            found=f"{list(df.columns)[:12]}",
        )
    out = pd.DataFrame({ours: df[col].str.strip() for ours, col in cols.items()})
    no_code = out["area_code"].eq("")
    entry.drop(REASONS["no_code"], int(no_code.sum()))
    out = out.loc[~no_code]
    bad = ~out["area_code"].str.match(_CODE_RE)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            name,
            "an ONS area code such as E06000016 or E92000001",
            found=show(out["area_code"].iloc[i]),
            row=int(out.index[i]) + 1,
            column=cols["area_code"],
        )
    for c in _LONG_NUMBERS:
        if c in out:
            least = 0 if c in ("count", "denominator") else None
            out[c] = to_number(out[c], name, cols[c], minimum=least)
    # a row repeated cell for cell is the same figure twice: set aside (ledger); a repeat
    # with other figures is an error (_check_long_rows), never a choice between them
    same = df.loc[out.index].duplicated()
    entry.drop(REASONS["duplicate"], int(same.sum()))
    out = out.loc[~same.to_numpy()]
    _check_long_rows(df.loc[out.index], out, name, cols)
    entry.kept = len(out)
    out = out.reset_index(drop=True)
    text = [c for c in out.columns if c not in _LONG_NUMBERS]
    return out.astype({c: "string" for c in text})


def read_fingertips(path: str | Path, ledger: Ledger) -> pd.DataFrame:
    """Read a Fingertips download (long CSV or the API's ``all_data_by_indicator`` CSV).

    The published value, 95% and 99.8% limits, count, denominator, recent trend and
    "Compared to England" rating are kept as published (:func:`read_area_long`, kind
    ``"fingertips"``); :func:`workbench.indicators.national.fingertips_published` reads the
    polarity from the published ratings.
    """
    return read_area_long(path, ledger, kind="fingertips")


def read_force_table(
    path: str | Path,
    ledger: Ledger,
    *,
    kind: str,
    forces: Iterable[str],
    period_column: str = "financial_year",
    force_column: str = "Police force",
) -> pd.DataFrame:
    """Read a long police-force table (e.g. Home Office seizures: year, force, one column per
    measure), matching the force names to ``forces``.

    Parameters
    ----------
    forces : iterable of str
        The canonical force names (e.g. the headers of the force population table). Names in
        the file are matched to them by :func:`normalise_area_name` (the Home Office tables
        write " Cumbria ", "Avon & Somerset" and "London, City of" in some years).

    Returns
    -------
    DataFrame
        ``period``, ``force`` (canonical name, or the stripped name when no canonical name
        matches), ``force_match`` (:data:`MATCH` wording, or "not one of the listed forces") and
        the measure columns as floats
        (blank = missing).

    Raises
    ------
    DataError
        A missing column, a malformed or missing financial year (:func:`check_years`), a
        measure that is not a finite number >= 0, or a force repeated in a year with other
        figures (a row repeated cell for cell is dropped as a duplicate record).
    """
    path = Path(path)
    name = display_name(path)
    entry = ledger.add(FileLedger(name, kind))
    df = _read_frame(path, name)
    entry.read = len(df)
    for col in (period_column, force_column):
        if col not in df.columns:
            raise DataError(name, f"a column {col!r}", found=list(df.columns)[:10])
    canonical = {normalise_area_name(f): f for f in forces}
    raw = df[force_column]
    stripped = raw.str.strip()
    keys = stripped.map(normalise_area_name)
    matched = keys.map(canonical)
    how = np.where(
        stripped.isin(list(canonical.values())) & stripped.eq(raw),
        MATCH["exact"],
        np.where(matched.notna(), MATCH["normalised"], "not one of the listed forces"),
    )
    out = pd.DataFrame(
        {
            "period": df[period_column].str.strip(),
            "force": matched.fillna(stripped),
            "force_match": how,
        }
    )
    check_years(out["period"], name, period_column, financial=True, rows=True)
    measures = [c for c in df.columns if c not in (period_column, force_column)]
    for c, v in _numbers(df, measures, name, minimum=0).items():
        out[c] = v
    # a row repeated cell for cell: set aside (ledger); a repeat with other figures: an error
    same = (df.duplicated() & out.duplicated(["period", "force"])).to_numpy()
    entry.drop(REASONS["duplicate"], int(same.sum()))
    out, how, stripped = out.loc[~same], how[~same], stripped.loc[~same]
    dup = out.duplicated(["period", "force"])
    if dup.any():
        p, i = first_bad(dup)
        key = out[["period", "force"]].iloc[p]
        same_key = (out["period"] == key["period"]) & (out["force"] == key["force"])
        first = int(out.index[same_key.to_numpy()][0]) + 1
        raise DataError(
            name,
            "one row per force and year",
            found=f"{stripped.iloc[p]!r} in {key['period']} again with other figures "
            f"(first on row {first})",
            row=i,
            column=force_column,
            fix="Remove the repeated row: a repeated force is an error, never a choice.",
        )
    out = out.reset_index(drop=True)
    entry.kept = len(out)
    for h, n in pd.Series(how).value_counts().items():
        entry.note(f"force rows: {h}", int(n))
    return out.astype({"period": "string", "force": "string", "force_match": "string"})


def read_group_population(
    path: str | Path, ledger: Ledger, *, kind: str = "group_population"
) -> pd.Series:
    """Residents by group (e.g. ethnic group): a CSV with a group column and ``population``.

    The group column is ``ethnicity`` or ``group`` (else the first column). Populations may
    carry thousands separators; a blank or repeated group is an error.

    Returns
    -------
    Series
        Population (float) indexed by group name.
    """
    path = Path(path)
    name = display_name(path)
    entry = ledger.add(FileLedger(name, kind))
    df = _read_frame(path, name)
    entry.read = len(df)
    by_norm = {norm(c): c for c in df.columns}
    group_col = by_norm.get("ethnicity") or by_norm.get("group") or df.columns[0]
    if "population" not in by_norm:
        raise DataError(name, "a 'population' column", found=list(df.columns))
    groups = df[group_col].str.strip()
    if groups.eq("").any() or groups.duplicated().any():
        bad = groups.eq("") | groups.duplicated()
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            name, "each group named once", found=show(groups.iloc[i]), row=i + 1, column=group_col
        )
    # a group of 0 residents (or none recorded) cannot be a denominator: its rate, and every
    # ratio to it when it is the reference group, would be blank
    pop = to_number(df[by_norm["population"]], name, by_norm["population"], minimum=1)
    if pop.isna().any():
        p, i = first_bad(pop.isna())
        raise DataError(
            name,
            "a number of residents for every group",
            found="a blank",
            row=i,
            column=by_norm["population"],
        )
    entry.kept = len(df)
    return pd.Series(pop.to_numpy(float), index=groups.to_numpy(), name="population")


def read_region_lists(path: str | Path, ledger: Ledger) -> pd.DataFrame:
    """Regions of areas from a Markdown list: ``## <Region>`` headings over tables whose rows end
    ``| <Local Authority> | <Merged location> |`` (the repackager's ``la_merged_locations.md``).

    Returns
    -------
    DataFrame
        ``key`` (normalised name: a merged location, each part of one written with "/", or a
        local authority), ``region`` and ``kind`` (``"merged location"`` or ``"local
        authority"``). The ledger counts the table rows read (``read``) and kept (rows naming a
        merged location or local authority under a region heading).
    """
    path = Path(path)
    name = display_name(path)
    entry = ledger.add(FileLedger(name, "area_regions"))
    region = None
    rows: list[tuple[str, str, str]] = []
    read = kept = 0
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            name,
            "a Markdown text file in UTF-8",
            found=f"byte {data[exc.start]:#04x} at position {exc.start} (binary data or "
            "another encoding)",
            fix="Save the file as UTF-8 text.",
        ) from exc
    for line in text.splitlines():
        m = re.match(r"^##\s+(.*?)\s*$", line)
        if m:
            region = m.group(1)
            continue
        if not line.startswith("|") or region is None:
            continue
        cells = [c.strip().replace("\ufeff", "") for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or set("".join(cells)) <= set("-: ") or cells[-1] == "Merged location":
            continue
        read += 1
        la, merged = cells[-2], cells[-1]
        if not (la or merged):
            continue
        kept += 1
        if merged:
            rows.append((normalise_area_name(merged), region, "merged location"))
            for part in merged.split("/"):
                rows.append((normalise_area_name(part), region, "merged location"))
        if la:
            rows.append((normalise_area_name(la), region, "local authority"))
    entry.read, entry.kept = read, kept
    entry.drop("row naming no area", read - kept)
    if not rows:
        raise DataError(name, "'## <Region>' headings over Markdown tables of areas", found="none")
    out = pd.DataFrame(rows, columns=["key", "region", "kind"]).drop_duplicates()
    twice = out.duplicated(["key", "kind"], keep=False)
    if twice.any():
        key = out.loc[twice, "key"].iloc[0]
        where = out.loc[twice & out["key"].eq(key), "region"].tolist()
        raise DataError(
            name,
            "each area under one region",
            found=f"{key!r} under {' and '.join(map(repr, where))}",
            fix="List the area under its own region only: every regional comparison uses it.",
        )
    return out


def read_merged_members(path: str | Path) -> dict[str, list[str]]:
    """The local authorities of each merged location of the repackager's Markdown lists.

    In each table a ``Merged location`` cell names the location of its row and of the rows
    below it whose cell is blank (a location of two authorities spans two rows). Keys are
    :func:`normalise_area_name` of the merged location; a key with two or more authorities
    is a merged area that no partnership corresponds to ("Cheshire", "East
    Berkshire"). The file is the one :func:`read_region_lists` reads (its
    ledger entry is made there).
    """
    members: dict[str, list[str]] = {}
    current: str | None = None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            current = None
            continue
        if not line.startswith("|"):
            continue
        cells = [c.strip().replace("\ufeff", "") for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or set("".join(cells)) <= set("-: ") or cells[-1] == "Merged location":
            continue
        la, merged = cells[-2], cells[-1]
        if merged:
            current = normalise_area_name(merged)
        if current is not None and la and la not in members.setdefault(current, []):
            members[current].append(la)
    return members


def assign_regions(names: Iterable[str], regions: pd.DataFrame) -> pd.DataFrame:
    """The region of each area name, and how it was found.

    Notes
    -----
    In order: the name as a merged location (after :func:`normalise_area_name`); the name as
    a local authority; every part of the name (split at " and ", "/" or ",") a local
    authority of one and the same region. Otherwise no region (reported, not guessed).

    Returns
    -------
    DataFrame
        ``area_name``, ``region`` (missing when not found), ``region_match``.
    """
    merged = regions.loc[regions["kind"] == "merged location"].drop_duplicates("key")
    las = regions.loc[regions["kind"] == "local authority"].drop_duplicates("key")
    by_merged = dict(zip(merged["key"], merged["region"], strict=True))
    by_la = dict(zip(las["key"], las["region"], strict=True))
    out = []
    for nm in names:
        key = normalise_area_name(nm)
        if key in by_merged:
            out.append((nm, by_merged[key], "merged location"))
        elif key in by_la:
            out.append((nm, by_la[key], "local authority"))
        else:
            parts = {by_la.get(p) for p in _SPLIT_RE.split(key) if p}
            if len(parts) == 1 and None not in parts:
                out.append((nm, parts.pop(), "every part a local authority of the region"))
            else:
                out.append((nm, pd.NA, "not found"))
    return pd.DataFrame(out, columns=["area_name", "region", "region_match"]).astype("string")


# -- validation: what the national and Fingertips tables claim ------------------------------------

_YEAR_RE = re.compile(r"^(\d{4})$")
_FINANCIAL_RE = re.compile(r"^(\d{4})[-/](\d{2}|\d{4})$")


def _years_text(years: Iterable[int]) -> str:
    ys = sorted(years)
    return ", ".join(map(str, ys[:12])) + (f" and {len(ys) - 12} more" if len(ys) > 12 else "")


def check_years(
    periods: pd.Series,
    name: str,
    column: str,
    *,
    annual: bool = True,
    financial: bool = False,
    rows: bool = False,
) -> list[int]:
    """Check the years of a national table: their form, gaps, and the years its name gives.

    Parameters
    ----------
    periods : Series
        The period column as text (``"2018"``; ``"2018-19"`` when ``financial``).
    name : str
        The file as named in messages (its years, e.g. ``..._2009_2018.csv`` or
        ``..._2009_10_to_2018_19.csv``, are what the file claims to hold).
    column : str
        The period column's header.
    annual : bool
        Every year between the first and the last must be present (deaths, admissions,
        populations, seizures). ``False`` for tables of editions (IMD averages 2015, 2019):
        only the first and last years the name gives must be present.
    financial : bool
        Financial years ``YYYY-YY`` (the second year must follow the first).
    rows : bool
        The table has several rows per year (a long force table): repeats are allowed here.

    Returns
    -------
    list of int
        The (first) years present, sorted.

    Raises
    ------
    DataError
        A period of another form, a year missing inside the range, or a year the file's
        name gives with no row: a truncated file would silently move every comparison to
        older years, so it is refused naming the missing years.

    Examples
    --------
    >>> check_years(pd.Series(["2009", "2010", "2011"]), "deaths_2009_2011.csv", "year")
    [2009, 2010, 2011]
    """
    pattern = _FINANCIAL_RE if financial else _YEAR_RE
    what = "a financial year such as '2018-19'" if financial else "a year such as '2018'"
    text = periods.astype(str).str.strip()
    found = text.str.extract(pattern)
    bad = found[0].isna()
    if financial and not bad.all():
        first = pd.to_numeric(found[0], errors="coerce")
        second = pd.to_numeric(found[1], errors="coerce")
        bad |= ~(second.eq((first + 1) % 100) | second.eq(first + 1))
    if bad.any():
        p, i = first_bad(bad)
        raise DataError(name, what, found=show(text.iloc[p]), row=i, column=column)
    years = sorted({int(y) for y in found[0]})
    claimed = _NAME_YEARS_RE.search(Path(name).name)
    want: set[int] = set()
    if annual:
        want |= set(range(years[0], years[-1] + 1))
    if claimed:
        lo, hi = int(claimed.group(1)), int(claimed.group(2))
        want |= set(range(lo, hi + 1)) if annual else {lo, hi}
    missing = sorted(want - set(years))
    if missing:
        span = (
            f"the years {claimed.group(1)} to {claimed.group(2)} its name gives"
            if claimed
            else f"every year from {years[0]} to {years[-1]}"
        )
        raise DataError(
            name,
            f"a row for each of {span}" + (" (financial years)" if financial else ""),
            found=f"no row for {_years_text(missing)} (rows for {years[0]} to {years[-1]}: "
            "a file cut short or a year left out?)",
            column=column,
            fix="Download the file again; the comparison would silently move to older years.",
        )
    return years


def check_same_years(tables: Mapping[str, tuple[str, Iterable[object]]], what: str) -> None:
    """Tables published together (the two deaths tables, the three admissions tables) must
    hold the same years: one that ends early was cut short.

    ``tables`` maps a setting (e.g. ``"deaths_poisoning"``) to (file name, its periods).

    Raises
    ------
    DataError
        Naming the file and the years it lacks that the others have.
    """
    held = {k: (f, {str(p) for p in ps}) for k, (f, ps) in tables.items()}
    if len(held) < 2:
        return
    every = set().union(*(ps for _, ps in held.values()))
    for key, (file, ps) in held.items():
        lack = sorted(every - ps)
        if lack:
            others = ", ".join(k for k in held if k != key)
            raise DataError(
                file,
                f"the same years as the other {what} ({others}): {min(every)} to {max(every)}",
                found=f"no row for {', '.join(lack[:12])}" + (" ..." if len(lack) > 12 else ""),
                fix="Download the file again (a file cut short silently moves the comparison "
                "to older years), or leave the shorter table out of [indicators].",
            )


def _check_long_rows(raw: pd.DataFrame, out: pd.DataFrame, name: str, cols: dict) -> None:
    """Rows of a long (Fingertips) table: one per indicator, area, period and breakdown; one
    name per area code and one code per area name; published limits around the value."""
    # Fingertips breaks an indicator down by sex, age and category: part of the key
    key = out[
        [
            c
            for c in ("indicator_id", "area_code", "period", "sex", "age", "category_type")
            + ("category",)
            if c in out
        ]
    ]
    dup = key.duplicated()
    if dup.any():
        p, i = first_bad(dup)
        row = key.iloc[p]
        first = int(key.index[(key == row).all(axis=1)][0]) + 1
        raise DataError(
            name,
            "one row per indicator, area, period (and sex, age, category)",
            found=f"{out['area_code'].iloc[p]!r} in {out['period'].iloc[p]!r} again "
            f"(first on row {first})",
            row=i,
            column=cols["area_code"],
            fix="Remove the repeated row: a repeated area is an error, never a choice.",
        )
    if "area_name" in out:
        named = out.loc[out["area_name"].ne("")]
        for by, other in (("area_code", "area_name"), ("area_name", "area_code")):
            n = named.groupby(by)[other].nunique()
            if (n > 1).any():
                k = n.index[n.to_numpy() > 1][0]
                rows = named.loc[named[by] == k]
                second = rows.loc[rows[other] != rows[other].iloc[0]]
                raise DataError(
                    name,
                    f"one {other.replace('_', ' ')} per {by.replace('_', ' ')}",
                    found=f"{k!r} with {rows[other].iloc[0]!r} (row {int(rows.index[0]) + 1}) "
                    f"and {second[other].iloc[0]!r}",
                    row=int(second.index[0]) + 1,
                    column=cols[other],
                    fix="Correct the area's name or code: a name under another area's code "
                    "would be read as that area.",
                )
    if {"lower_95", "upper_95", "value"} <= set(out.columns):
        v, lo, hi = out["value"], out["lower_95"], out["upper_95"]
        tol = 1e-9 * v.abs().fillna(0) + 1e-12
        bad = (lo > v + tol) | (hi < v - tol) | (lo > hi + tol)
        if bad.any():
            p, i = first_bad(bad)
            raise DataError(
                name,
                "lower limit <= value <= upper limit",
                found=f"{lo.iloc[p]:g} <= {v.iloc[p]:g} <= {hi.iloc[p]:g}",
                row=i,
                column=cols["value"],
            )


def area_codes_of(name: str, lookup: pd.DataFrame | None) -> set[str]:
    """The ONS codes an area name stands for in the code list (a merged area: every part's
    code); empty when the name is not matched (e.g. a county)."""
    if lookup is None:
        return set()
    code = match_area_names([name], lookup)["area_code"].iloc[0]
    return set() if pd.isna(code) else set(str(code).split("+"))


def check_table_area_name(
    setting: str,
    name: str,
    area_codes: Iterable[str],
    lookup: pd.DataFrame | None,
    table_names: Iterable[str],
) -> None:
    """``[indicators] table_area_name`` must be the study's area, not another one.

    The name must be an area of the national tables and, when the code list knows it, stand
    for codes that include every one of the study's ``area_codes`` (``"Bristol, City of"`` for
    E06000023; a merged ``"Bournemouth and Poole"`` for either). Otherwise another area's
    indicators would be published as the study's.

    Raises
    ------
    ConfigError
        Naming the setting, the name, the codes it stands for and the study's codes.
    """
    from workbench.errors import ConfigError

    want = set(area_codes)
    known = set(table_names)
    if known and name not in known:
        close = sorted(
            n for n in known if normalise_area_name(n)[:4] == normalise_area_name(name)[:4]
        )
        raise ConfigError(
            f"{setting}: table_area_name {name!r} is not an area of the national tables"
            + (f" (did you mean {', '.join(map(repr, close[:3]))}?)" if close else "")
        )
    codes = area_codes_of(name, lookup)
    if codes and not want <= codes:
        raise ConfigError(
            f"{setting}: table_area_name {name!r} is {'+'.join(sorted(codes))} in the area code "
            f"list, not the study's {', '.join(sorted(want))}: its figures would be published "
            "as the study's. Name the study's own area (or remove the setting)."
        )
    if not codes and lookup is not None:
        # a name the code list does not know (a county, a merged area): it must not be the
        # name of an area the code list places elsewhere when the study's own name is there
        own = set(lookup.loc[lookup["area_code"].isin(want), "area_name"])
        listed = sorted(known)
        coded = match_area_names(listed, lookup)["area_code"]
        mine = {
            n
            for n, c in zip(listed, coded, strict=True)
            if pd.notna(c) and set(str(c).split("+")) & want
        }
        if own and mine and name not in mine:
            raise ConfigError(
                f"{setting}: table_area_name {name!r} is not the study's area; the national "
                f"tables have the study ({', '.join(sorted(want))}) as "
                f"{', '.join(map(repr, sorted(mine)))}"
            )


def check_long_names(
    long: pd.DataFrame,
    file: str,
    lookup: pd.DataFrame | None,
    area_codes: Iterable[str],
    study_names: Iterable[str],
) -> None:
    """Area names of a long (Fingertips) table against the code list and the study.

    A row whose code is in the code list must carry that code's name (after
    :func:`normalise_area_name`), and no row under another code may carry one of the study's
    names: either would put one area's figures under another's name (Fingertips rows named
    like the study under another code would be taken as the study's).

    Raises
    ------
    DataError
        Naming the file, the row, the code, the name and what the code list says.
    """
    if "area_name" not in long:
        return
    want = set(area_codes)
    by_code = (
        {str(c): str(n) for c, n in zip(lookup["area_code"], lookup["area_name"], strict=True)}
        if lookup is not None
        else {}
    )

    def loose(text: object) -> str:
        # publishers write "Bristol" or "Bristol, City of", "Herefordshire" or
        # "Herefordshire, County of" for one code: the same name
        return re.sub(r"^(city of|county of) ", "", normalise_area_name(text))

    mine = {loose(n) for n in study_names if n}
    keys = long["area_name"].map(loose)
    for i, (code, nm, key) in enumerate(
        zip(long["area_code"], long["area_name"], keys, strict=True)
    ):
        if not nm:
            continue
        listed = by_code.get(str(code))
        if listed is not None and loose(listed) != key:
            raise DataError(
                file,
                f"the name the area code list gives {code} ({listed!r})",
                found=repr(nm),
                row=i + 1,
                column="Area Name",
                fix="Check the row's area code: a name under another area's code is read as "
                "that area.",
            )
        if key in mine and str(code) not in want:
            raise DataError(
                file,
                f"the study's name only under the study's codes ({', '.join(sorted(want))})",
                found=f"{nm!r} under {code}",
                row=i + 1,
                column="Area Code",
                fix="Correct the row's area code or name.",
            )


def check_regions(
    regions: pd.DataFrame,
    setting: str,
    *,
    lookup: pd.DataFrame | None = None,
    population: pd.DataFrame | None = None,
    region_population: pd.DataFrame | None = None,
    tolerance: float = 0.005,
) -> None:
    """The region lists against what the codes and the published totals say.

    ``regions`` is :func:`assign_regions` of the population table's areas. Two checks:

    * London's boroughs are exactly the areas with E09 codes (the ONS code of a London
      borough): an area the code list gives an E09 code must be listed under London, and no
      other area may be;
    * when the population table and the regions' population table (England's regions by year)
      are both given, each region's areas must add up to the region's published population
      in every year both hold, within ``tolerance`` (0.5%): an area listed under the wrong
      region moves its population from one region's total to another's.

    Raises
    ------
    ConfigError
        Naming the setting, the area, its code and the regions concerned.
    """
    from workbench.errors import ConfigError

    placed = regions.loc[regions["region"].notna()]
    if lookup is not None:
        coded = match_area_names(placed["area_name"].astype(str), lookup)["area_code"]
        for nm, region, code in zip(placed["area_name"], placed["region"], coded, strict=True):
            if pd.isna(code):
                continue
            codes = set(str(code).split("+"))
            london = all(c.startswith("E09") for c in codes)
            if london != (normalise_area_name(region) == "london"):
                raise ConfigError(
                    f"{setting}: {nm!r} ({'+'.join(sorted(codes))}) is listed under "
                    f"{region!r}, but its code says "
                    f"{'London' if london else 'not London (London boroughs have E09 codes)'}."
                    " Correct the region lists: every regional comparison depends on them."
                )
    if population is None or region_population is None:
        return
    pop = population.pivot_table(index="period", columns="area_name", values="value", aggfunc="sum")
    reg = region_population.pivot_table(
        index="period", columns="area_name", values="value", aggfunc="sum"
    )
    region_of = dict(zip(placed["area_name"], placed["region"], strict=True))
    years = sorted(set(pop.index) & set(reg.index))
    for region in sorted(set(region_of.values())):
        if region not in reg.columns:
            raise ConfigError(
                f"{setting}: region {region!r} is not a column of the regions' population "
                f"table (its regions: {', '.join(c for c in reg.columns if c != 'England')})"
            )
        members = [a for a, r in region_of.items() if r == region and a in pop.columns]
        for year in years:
            total = pop.loc[year, members].sum(min_count=1)
            published = reg.loc[year, region]
            if pd.isna(total) or pd.isna(published) or published <= 0:
                continue
            if abs(total - published) > tolerance * published:
                raise ConfigError(
                    f"{setting}: the {len(members)} areas listed under {region!r} add up to "
                    f"{total:,.0f} residents in {year}, but the regions' population table "
                    f"gives {published:,.0f}: an area is listed under the wrong region (or "
                    "missing from it). Correct the region lists."
                )


def check_study_in_tables(
    matches: pd.DataFrame, area_codes: Iterable[str], files: Mapping[str, str]
) -> None:
    """The study's area has one column, under one name, in every national area table.

    ``matches`` is one row per table and area name (``table``, ``area_name``, ``area_code``,
    ``match``: :meth:`workbench.indicators.national.NationalTables.matches`); ``files`` maps a
    table to its file. When any table has the study (codes equal to, or containing, the
    study's codes), every table must, under the same name: a table that names it otherwise
    (``"bristol"`` for ``"Bristol, City of"``) or leaves it out would silently drop the
    study's figures of that table or compare it with the wrong area.

    Raises
    ------
    DataError
        Naming the file, the study's codes and what the other tables call it.
    """
    want = set(area_codes)
    coded = matches.loc[matches["area_code"].notna()]
    has = coded.loc[coded["area_code"].map(lambda c: want <= set(str(c).split("+")))]
    if has.empty:
        return
    exact = has.loc[has["area_code"].map(lambda c: set(str(c).split("+")) == want)]
    pick = exact if len(exact) else has
    name = pick["area_name"].value_counts().index[0]
    for table in dict.fromkeys(matches["table"]):
        mine = pick.loc[pick["table"] == table, "area_name"].tolist()
        if mine == [name]:
            continue
        raise DataError(
            files.get(table, table),
            f"a column for the study's area {'+'.join(sorted(want))} named {name!r}, as in the "
            "other national tables",
            found=", ".join(map(repr, mine)) if mine else "none",
            column=mine[0] if mine else None,
            fix="Name the study's column as the other tables do (its figures would otherwise "
            "be left out or compared with another area).",
        )
