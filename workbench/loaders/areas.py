"""Area-level tables: wide (one column per area) and long (area code, period, value) files.

National comparison data come in two layouts. Repackaged tables (ONS deaths, NHS Digital
admissions, population, IMD averages) have one row per year and **one column per area named, not
coded**; Fingertips and ONS downloads have one row per area and period with an ONS code. Both are
read into one long form, and area names are matched to ONS codes with the match recorded for
every area (exact, after normalising, a merged area matched by its parts, or not matched) so
the ledger and the notebook can say how each name was placed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import DataError
from workbench.ledger import REASONS, FileLedger, Ledger
from workbench.loaders._io import display_name, norm, show, to_number

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
    "read_group_population",
    "read_region_lists",
    "read_merged_members",
    "assign_regions",
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
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
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
    out = out.loc[~blank].reset_index(drop=True)
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
        A cell that is not a number, a repeated period or area, or no area column.
    """
    path = Path(path)
    name = display_name(path)
    entry = ledger.add(FileLedger(name, kind))
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.columns = [str(c).replace("\ufeff", "").strip() for c in df.columns]
    entry.read = len(df)
    period_column = period_column or df.columns[0]
    if period_column not in df.columns:
        raise DataError(name, f"a period column {period_column!r}", found=list(df.columns))
    areas = [c for c in df.columns if c != period_column]
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
    values = {a: to_number(df[a], name, a) for a in areas}
    blank = int(sum(v.isna().sum() for v in values.values()))
    entry.kept = len(df)
    matches = match_area_names(areas, names)
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
        area code"), repeated (indicator, area, period) rows are dropped as duplicates; a
        blank value stays missing.

    Raises
    ------
    DataError
        A required column missing, a malformed area code or a non-numeric value.
    """
    path = Path(path)
    name = display_name(path)
    entry = ledger.add(FileLedger(name, kind))
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
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
            out[c] = to_number(out[c], name, cols[c])
    key = [
        c
        for c in ("indicator_id", "area_code", "period", "sex", "age", "category_type", "category")
        if c in out
    ]
    dup = out.duplicated(key)
    entry.drop(REASONS["duplicate"], int(dup.sum()))
    out = out.loc[~dup].reset_index(drop=True)
    entry.kept = len(out)
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
    """
    path = Path(path)
    name = display_name(path)
    entry = ledger.add(FileLedger(name, kind))
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
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
    for c in df.columns:
        if c not in (period_column, force_column):
            out[c] = to_number(df[c], name, c)
    dup = out.duplicated(["period", "force"])
    entry.drop(REASONS["duplicate"], int(dup.sum()))
    out = out.loc[~dup].reset_index(drop=True)
    entry.kept = len(out)
    for h, n in pd.Series(how[~dup.to_numpy()]).value_counts().items():
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
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
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
    pop = to_number(df[by_norm["population"]], name, by_norm["population"], minimum=0)
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
    for line in path.read_text(encoding="utf-8").splitlines():
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
    return pd.DataFrame(rows, columns=["key", "region", "kind"]).drop_duplicates(["key", "kind"])


def read_merged_members(path: str | Path) -> dict[str, list[str]]:
    """The local authorities of each merged location of the repackager's Markdown lists.

    In each table a ``Merged location`` cell names the location of its row and of the rows
    below it whose cell is blank (a location of two authorities spans two rows). Keys are
    :func:`normalise_area_name` of the merged location; a key with two or more authorities
    is a merged area that no partnership corresponds to ("Leicestershire & Rutland",
    "Cheshire", "East Berkshire"). The file is the one :func:`read_region_lists` reads (its
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
