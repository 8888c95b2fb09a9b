"""police.uk street crime and stop and search: a CSV, a folder of months, or the download zip."""

from __future__ import annotations

import logging
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import shapely

from workbench.errors import DataError
from workbench.geo import BNG, GB_LAT, GB_LON, to_bng_xy
from workbench.ledger import REASONS, FileLedger, Ledger
from workbench.loaders._io import (
    PYARROW_MIN_BYTES,
    check_not_spatial,
    display_name,
    match_columns,
    read_bytes_header,
    read_csv,
)
from workbench.loaders.area import StudyArea, assign_area

__all__ = [
    "STREET_COLUMNS",
    "SEARCH_COLUMNS",
    "read_street",
    "read_stop_search",
    "parse_months",
    "police_members",
]

logger = logging.getLogger(__name__)

#: workbench name -> published police.uk header(s), street crime files.
STREET_COLUMNS: dict[str, list[str]] = {
    "crime_id": ["Crime ID"],
    "month": ["Month"],
    "reported_by": ["Reported by"],
    "falls_within": ["Falls within"],
    "longitude": ["Longitude"],
    "latitude": ["Latitude"],
    "location": ["Location"],
    "lsoa_code": ["LSOA code"],
    "lsoa_name": ["LSOA name"],
    "crime_type": ["Crime type"],
    "outcome": ["Last outcome category"],
    "context": ["Context"],
}
_STREET_REQUIRED = ("month", "longitude", "latitude", "lsoa_code", "crime_type")

#: workbench name -> published police.uk header(s), stop and search files.
SEARCH_COLUMNS: dict[str, list[str]] = {
    "type": ["Type"],
    "date": ["Date"],
    "part_of_operation": ["Part of a policing operation"],
    "policing_operation": ["Policing operation"],
    "latitude": ["Latitude"],
    "longitude": ["Longitude"],
    "gender": ["Gender"],
    "age_range": ["Age range"],
    "self_defined_ethnicity": ["Self-defined ethnicity"],
    "officer_defined_ethnicity": ["Officer-defined ethnicity"],
    "legislation": ["Legislation"],
    "object_of_search": ["Object of search"],
    "outcome": ["Outcome"],
    "outcome_linked": ["Outcome linked to object of search"],
    "removal_of_clothing": ["Removal of more than just outer clothing"],
}
_SEARCH_REQUIRED = ("date", "latitude", "longitude", "object_of_search")
_SEARCH_OUT = [
    "type",
    "date",
    "month",
    "gender",
    "age_range",
    "self_defined_ethnicity",
    "officer_defined_ethnicity",
    "legislation",
    "object_of_search",
    "outcome",
    "outcome_linked",
    "part_of_operation",
    "policing_operation",
    "removal_of_clothing",
    "longitude",
    "latitude",
]

_MEMBER = {
    "street": re.compile(r"(?:^|/)(\d{4}-\d{2})-([^/]+)-street\.csv$", re.IGNORECASE),
    "stop_search": re.compile(r"(?:^|/)(\d{4}-\d{2})-([^/]+)-stop-and-search\.csv$", re.IGNORECASE),
}
_KIND_TEXT = {
    "street": "a police.uk street crime file",
    "stop_search": "a police.uk stop and search file",
}
_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
_FLOAT_COLS = frozenset({"longitude", "latitude"})


_WORKERS = min(4, os.cpu_count() or 1)


def police_members(
    path: Path, kind: str, stack: ExitStack, *, check_size: bool = True
) -> list[tuple[str, str, Callable[[], bytes]]]:
    """The police.uk CSVs in one configured path: ``(display name, base name, reader)``.

    ``path`` is a CSV, a folder (searched recursively for ``YYYY-MM-<force>-street.csv`` or
    ``-stop-and-search.csv``; any CSV if none is named that way) or a police.uk download zip.
    ``reader()`` returns the file's bytes; a zip stays open until ``stack`` closes.
    ``check_size``: refuse files that do not fit in memory together (a folder, a CSV, or a
    zip's declared uncompressed sizes: the in-memory loader); the DuckDB and Dask engines pass
    False, being bounded by their own memory limits and spilling: for them only each zip
    member's declared size must fit (a member is read whole before it is parsed).
    """
    path = Path(path)
    name = display_name(path)
    pattern = _MEMBER[kind]
    what = "street" if kind == "street" else "stop-and-search"
    if path.is_dir():
        csvs = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".csv")
        chosen = [p for p in csvs if pattern.search(p.as_posix())] or csvs
        if not chosen:
            raise DataError(
                name,
                f"a folder of police.uk monthly files (YYYY-MM-<force>-{what}.csv)",
                found="no CSV files in it",
                fix="Point [files] at the folder that holds the monthly CSVs, or at the zip.",
            )
        if check_size:
            _check_files_size(chosen, name)
        return [(display_name(p), p.name.lower(), p.read_bytes) for p in chosen]
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        try:
            zf = stack.enter_context(zipfile.ZipFile(path))
        except zipfile.BadZipFile as exc:
            raise DataError(
                name, "a zip file", found="a damaged or incomplete zip", fix="Download it again."
            ) from exc
        names = [n for n in zf.namelist() if not n.endswith("/")]
        chosen = [n for n in names if pattern.search(n)]
        # a zip's declared sizes bound what a member's read returns (a damaged or hostile zip
        # can declare anything): the in-memory loader reads every member, so their total must
        # fit; the DuckDB and Dask engines read one member at a time, so each must
        if check_size:
            _check_zip_size(zf, chosen, name)
        else:
            _check_zip_members(zf, chosen, name)
        if not chosen:
            sample = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "") or "nothing"
            others = [k for k, p in _MEMBER.items() if k != kind and any(map(p.search, names))]
            fix = (
                "This zip holds police.uk files of another kind; check the [files] key."
                if others
                else "Use the zip from data.police.uk's custom download, which holds "
                f"YYYY-MM/YYYY-MM-<force>-{what}.csv files."
            )
            raise DataError(
                name,
                f"police.uk files named YYYY-MM/YYYY-MM-<force>-{what}.csv in the zip",
                found=sample,
                fix=fix,
            )
        # ZipFile serialises the raw reads itself; decompression runs in the worker threads
        return [
            (f"{name}!{n}", n.rsplit("/", 1)[-1].lower(), partial(zf.read, n))
            for n in sorted(chosen)
        ]
    check_not_spatial(path, name, _KIND_TEXT[kind])
    if check_size:
        _check_files_size([path], name)
    return [(name, path.name.lower(), path.read_bytes)]


#: Environment variable: the largest total uncompressed size (bytes) of the police files
#: read from one zip; default a third of the memory available when the zip is opened.
MAX_UNCOMPRESSED_ENV = "WORKBENCH_MAX_UNCOMPRESSED_BYTES"


def _available_memory() -> int | None:
    """Bytes of memory available now (``MemAvailable`` on Linux), or None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _memory_limit() -> int | None:
    """Bytes of police text one load may read: ``WORKBENCH_MAX_UNCOMPRESSED_BYTES``, else a
    third of the memory available now (None when unknown)."""
    env = os.environ.get(MAX_UNCOMPRESSED_ENV)
    if env:
        return int(env)
    avail = _available_memory()
    return avail // 3 if avail else None


def _check_files_size(paths: list[Path], name: str) -> None:
    """Refuse, before reading, plain CSV files that together exceed :func:`_memory_limit`."""
    limit = _memory_limit()
    total = sum(p.stat().st_size for p in paths)
    if limit is not None and total > limit:
        raise DataError(
            name,
            f"police files that fit in memory (at most {limit / 1e9:.2f} GB)",
            found=f"{len(paths)} file(s) of {total / 1e9:.2f} GB",
            fix='Set engine = "duckdb" under [study] in area.toml (it reads from disk and '
            "spills beyond its memory limit), load fewer months or forces, or set "
            "WORKBENCH_MAX_UNCOMPRESSED_BYTES to raise the limit on a larger machine.",
        )


def _check_zip_members(zf: zipfile.ZipFile, members: list[str], name: str) -> None:
    """Refuse, before reading, a zip member that declares more bytes than one read may hold.

    The DuckDB and Dask engines read a zip one member at a time
    (:meth:`zipfile.ZipFile.read`, bounded by the member's declared ``file_size``), so the
    total may exceed memory; each member must fit within :func:`_memory_limit`.
    """
    limit = _memory_limit()
    if limit is None:
        return
    for n in members:
        size = zf.getinfo(n).file_size
        if size > limit:
            raise DataError(
                f"{name}!{n}",
                f"a police file that fits in memory when read (at most {limit / 1e9:.2f} GB "
                "uncompressed)",
                found=f"a member declaring {size / 1e9:.2f} GB uncompressed",
                fix="Unzip it and give the folder (DuckDB reads large CSVs from disk), or "
                "download it again if the zip is damaged, or set "
                "WORKBENCH_MAX_UNCOMPRESSED_BYTES on a larger machine.",
            )


def _check_zip_size(zf: zipfile.ZipFile, members: list[str], name: str) -> None:
    """Refuse, before reading, a zip whose members declare more bytes than memory can hold.

    The declared sizes (``ZipInfo.file_size``, from the central directory) bound what
    :meth:`zipfile.ZipFile.read` returns; the files are read into memory and parsed (about
    three times their size at peak), so the limit is a third of the available memory, or
    the ``WORKBENCH_MAX_UNCOMPRESSED_BYTES`` environment variable when set.
    """
    total = sum(zf.getinfo(n).file_size for n in members)
    limit = _memory_limit()
    if limit is not None and total > limit:
        raise DataError(
            name,
            f"police files that fit in memory (at most {limit / 1e9:.2f} GB uncompressed)",
            found=f"{len(members)} file(s) declaring {total / 1e9:.2f} GB uncompressed",
            fix='Set engine = "duckdb" under [study] in area.toml (it reads the zip one file '
            "at a time and spills beyond its memory limit), or download fewer months or forces "
            "per zip (a damaged zip: download it again), or set "
            "WORKBENCH_MAX_UNCOMPRESSED_BYTES.",
        )


def parse_months(text: pd.Series) -> pd.Series:
    """``YYYY-MM`` text to a monthly Period column (vectorised over the distinct values).

    Anything else (including blanks) becomes ``NaT``.
    """
    # pyarrow's dictionary encoding: each distinct text is parsed once, in Python
    arr = pa.array(text.astype("str").array)  # Arrow-backed text: no copy
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    enc = pc.dictionary_encode(pc.utf8_trim_whitespace(arr))
    values = enc.dictionary.to_pylist()
    ords = np.full(len(values) + 1, np.iinfo(np.int64).min, dtype=np.int64)  # last: missing
    for i, value in enumerate(values):
        if _MONTH_RE.match(value):
            try:
                ords[i] = pd.Period(value, freq="M").ordinal
            except ValueError:
                pass
    codes = enc.indices.fill_null(len(values)).to_numpy(zero_copy_only=False)
    vals = ords[codes]
    return pd.Series(pd.PeriodIndex.from_ordinals(vals, freq="M"), index=text.index)


def _read_arrow(data: bytes, cols: dict[str, str]) -> pa.Table | None:
    """Parse well-formed UTF-8 police.uk CSV bytes with pyarrow's multithreaded reader.

    Explicit column types (coordinates float64, everything else text; blank and quoted-blank
    cells missing, as pandas reads them) skip type inference, and the text stays in Arrow
    memory instead of becoming Python objects. Returns the table with workbench column names
    (converted to pandas once, after every file is concatenated), or ``None`` when pyarrow
    rejects the text, so that the caller's pandas path reports the exact row.
    """
    types = {h: pa.float64() if w in _FLOAT_COLS else pa.large_string() for h, w in cols.items()}
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            # monthly files are parsed in parallel already; a big file uses pyarrow's threads
            read_options=pacsv.ReadOptions(
                use_threads=len(data) >= PYARROW_MIN_BYTES, block_size=1 << 24
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                include_columns=list(cols),
                strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError, pa.ArrowTypeError) as exc:
        logger.debug("pyarrow rejected the file (%s); using pandas' parser", exc)
        return None
    return table.rename_columns([cols[h] for h in table.column_names])


def _read_member(
    name: str, reader: Callable[[], bytes], req: dict, opt: dict, kind: str
) -> tuple[pa.Table | pd.DataFrame, str, dict[str, str]]:
    """Read and parse one file; returns table (pyarrow) or frame (pandas), encoding, header map.

    Column names are the workbench names.
    """
    try:
        data = reader()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise DataError(
            name,
            "a readable file",
            found=f"a damaged file ({exc})",
            fix="Download the zip again.",
        ) from exc
    header, enc = read_bytes_header(data, name)
    cols = match_columns(header, req, name, _KIND_TEXT[kind], optional=opt)
    table = _read_arrow(data, cols) if enc in ("utf-8", "utf-8-sig") else None
    if table is not None:
        return table, enc, {w: h for h, w in cols.items()}
        # the general path (cp1252 text, or text pyarrow rejects: ragged rows, non-numeric
        # coordinates): types inferred by pandas, normalised after the concat, and every
        # problem turned into a DataError that names the row
    df = read_csv(data, name, usecols=list(cols), encoding=enc)
    del data
    df.columns = [cols[c] for c in df.columns]
    if enc != "utf-8":
        logger.warning("%s: read with encoding %s", name, enc)
    return df, enc, {w: h for h, w in cols.items()}


def _concat(frames: list[pa.Table | pd.DataFrame], order: list[str]) -> pd.DataFrame:
    """One pandas frame from the files' tables (pyarrow) and frames (pandas' fallback path).

    Arrow tables are concatenated first and converted once, column by column, each into one
    contiguous chunk (text stays Arrow-backed: pandas' ``str`` dtype); a column missing from
    some files is missing (null) in their rows.
    """
    if all(isinstance(f, pa.Table) for f in frames):
        names = [c for c in order if any(c in f.column_names for f in frames)]
        table = pa.concat_tables(
            [f.select([c for c in names if c in f.column_names]) for f in frames],
            promote_options="default",
        )
        frames.clear()
        data = {}
        for c in names:
            # one chunk per column: taking rows from 35 chunks is 25x slower than from one
            col = table.column(c).combine_chunks()
            data[c] = pd.Series(col.to_pandas(), copy=False)
            table = table.drop_columns([c])  # release each column once converted
        return pd.DataFrame(data, copy=False)
    frames = [f.to_pandas() if isinstance(f, pa.Table) else f for f in frames]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _normalise(
    df: pd.DataFrame,
    columns: dict[str, list[str]],
    names: list[str],
    member: np.ndarray,
    published: list[dict[str, str]],
    *,
    checks: bool = True,
) -> pd.DataFrame:
    """One pass over the concatenated members: coordinates to float (naming the first bad
    cell), text columns to str, missing optional columns added, coordinates checked per file.

    ``checks=False``: the per-file checks of coordinates and crime types are left to the
    caller (an engine that runs them on whole batches and passes only some rows here).
    """
    for w in ("longitude", "latitude"):
        col = df[w]
        if pd.api.types.is_numeric_dtype(col.dtype):
            df[w] = col.astype("float64")
            continue
        txt = col.astype("string").str.strip()
        num = pd.to_numeric(txt, errors="coerce")
        bad = (txt.notna() & (txt != "") & num.isna()).to_numpy(bool)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            k = int(member[pos])
            row = pos - int(np.flatnonzero(member == k)[0]) + 1
            raise DataError(
                names[k],
                "a number (decimal degrees)",
                found=repr(col.iloc[pos]),
                row=row,
                column=published[k].get(w, w),
                fix="Correct or blank that cell.",
            )
        df[w] = num.astype("float64")
    for w in columns:
        if w in ("longitude", "latitude"):
            continue
        if w not in df:
            df[w] = pd.Series(pd.NA, index=df.index, dtype="str")
            continue
        col = df[w]
        if not pd.api.types.is_string_dtype(col.dtype) or col.dtype == object:
            # an all-blank column (Context, usually) is parsed as float NaN; digits-only text
            # as numbers
            if col.isna().all():
                df[w] = pd.array(pa.nulls(len(col), pa.large_string()), dtype="str")
            else:
                df[w] = col.astype("str").where(col.notna())
    if checks:
        _check_coordinates(df, names, member, published)
        if "crime_type" in columns:
            _check_crime_types(df, names, member, published)
    return df


#: The police.uk street crime categories (data.police.uk/docs/api crime categories), with
#: the two used before May 2013.
CRIME_TYPES = frozenset(
    {
        "Anti-social behaviour",
        "Bicycle theft",
        "Burglary",
        "Criminal damage and arson",
        "Drugs",
        "Other crime",
        "Other theft",
        "Possession of weapons",
        "Public order",
        "Robbery",
        "Shoplifting",
        "Theft from the person",
        "Vehicle crime",
        "Violence and sexual offences",
        "Violent crime",
        "Public disorder and weapons",
    }
)


def _check_crime_types(
    df: pd.DataFrame, names: list[str], member: np.ndarray, published: list[dict[str, str]]
) -> None:
    """Raise, naming the file and row, at the first crime type police.uk does not publish.

    An unknown type (a typing slip, a renamed category) would silently fall out of every
    figure by type. Checked over the distinct values only.
    """
    arr = pa.array(df["crime_type"].array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    uniq = pc.unique(arr).to_pylist()
    unknown = [u for u in uniq if u is None or u not in CRIME_TYPES]
    if not unknown:
        return
    bad = ~np.asarray(pc.is_in(arr, value_set=pa.array(sorted(CRIME_TYPES))).fill_null(False))
    pos = int(np.flatnonzero(bad)[0])
    k = int(member[pos])
    row = pos - int(np.flatnonzero(member == k)[0]) + 1
    import difflib

    value = arr[pos].as_py()
    close = difflib.get_close_matches(str(value), sorted(CRIME_TYPES), n=1)
    raise DataError(
        names[k],
        "a police.uk crime type (" + ", ".join(sorted(CRIME_TYPES)[:4]) + ", ...)",
        found=(repr(value) if value is not None else "a blank")
        + f" ({int(bad.sum()):,} row(s) with unknown types)"
        + (f"; did you mean {close[0]!r}?" if close else ""),
        row=row,
        column=published[k].get("crime_type", "Crime type"),
        fix="Use the files as published by data.police.uk.",
    )


def _check_coordinates(
    df: pd.DataFrame, names: list[str], member: np.ndarray, published: list[dict[str, str]]
) -> None:
    """Raise, naming the file, when latitude/longitude are swapped in most of a file's rows or
    when none of a file's coordinates is in Great Britain."""
    lon, lat = df["longitude"].to_numpy(), df["latitude"].to_numpy()
    has = ~(np.isnan(lon) | np.isnan(lat))
    with np.errstate(invalid="ignore"):
        in_gb = has & (lon >= GB_LON[0]) & (lon <= GB_LON[1])
        in_gb &= (lat >= GB_LAT[0]) & (lat <= GB_LAT[1])
        swapped = has & (lat >= GB_LON[0]) & (lat <= GB_LON[1])
        swapped &= (lon >= GB_LAT[0]) & (lon <= GB_LAT[1])
    k = len(names)
    n_has = np.bincount(member[has], minlength=k)
    n_gb = np.bincount(member[in_gb], minlength=k)
    n_sw = np.bincount(member[swapped], minlength=k)
    for i in np.flatnonzero((n_has > 0) & ((n_sw > n_has / 2) | (n_gb == 0))):
        rows = np.flatnonzero(member == i)
        first = int(rows[0])
        lon_h = published[i].get("longitude", "Longitude")
        lat_h = published[i].get("latitude", "Latitude")
        if n_sw[i] > n_has[i] / 2:
            j = int(rows[swapped[rows]][0])
            raise DataError(
                names[i],
                f"longitude in {GB_LON[0]}..{GB_LON[1]} and latitude in {GB_LAT[0]}.."
                f"{GB_LAT[1]} (Great Britain)",
                found=f"{lon_h}={lon[j]:g}, {lat_h}={lat[j]:g} in most rows: latitude and "
                "longitude look swapped",
                row=j - first + 1,
                column=lon_h,
                fix="Swap the names of the Latitude and Longitude columns in the header.",
            )
        j = int(rows[has[rows]][0])
        raise DataError(
            names[i],
            "WGS84 longitude/latitude in Great Britain (e.g. -1.13, 52.63)",
            found=f"coordinates outside Great Britain in every row, e.g. ({lon[j]:g}, {lat[j]:g})",
            row=j - first + 1,
            column=lon_h,
            fix="police.uk files give decimal degrees; eastings/northings or another CRS "
            "are not police.uk columns.",
        )


@dataclass(frozen=True)
class _Members:
    """The files concatenated by :func:`_gather`: display names, the file of each row,
    published headers, and the month each file's name gives (None when not named so)."""

    names: list[str]
    member: np.ndarray
    published: list[dict[str, str]]
    month: list[str | None]


def _check_file_months(month: pd.Series, text: pd.Series, members: _Members) -> None:
    """Raise, naming the file, when a file's Month column cannot be right.

    (1) No row of a file has a parseable month (a spreadsheet reformatted the column):
    the whole month would vanish while the file name says it is held. (2) A monthly file
    (``YYYY-MM-<force>-street.csv``) holds rows of another month: the coverage read from
    the names would be wrong. Police.uk files never do either.
    """
    if not len(members.names) or not len(month):
        return
    k = len(members.names)
    mem = members.member
    ords = month.array.asi8
    valid = ~month.isna().to_numpy(bool)
    n_rows = np.bincount(mem, minlength=k)
    n_valid = np.bincount(mem[valid], minlength=k)
    for i in np.flatnonzero((n_rows > 0) & (n_valid == 0)):
        first = int(np.flatnonzero(mem == i)[0])
        raise DataError(
            members.names[i],
            "months written YYYY-MM (e.g. '2021-04') in the Month column",
            found=f"no parseable month in any of its {int(n_rows[i]):,} rows, e.g. "
            f"{text.iloc[first]!r}",
            row=1,
            column=members.published[i].get("month", "Month"),
            fix="Use the file as downloaded from data.police.uk (a spreadsheet may have "
            "reformatted the months).",
        )
    name_ord = np.array(
        [pd.Period(m, freq="M").ordinal if m else np.iinfo(np.int64).min for m in members.month],
        dtype=np.int64,
    )
    named = name_ord[mem] != np.iinfo(np.int64).min
    wrong = valid & named & (ords != name_ord[mem])
    if wrong.any():
        pos = int(np.flatnonzero(wrong)[0])
        i = int(mem[pos])
        row = pos - int(np.flatnonzero(mem == i)[0]) + 1
        n = int(wrong[mem == i].sum())
        raise DataError(
            members.names[i],
            f"rows of {members.month[i]}, the month in the file's name",
            found=f"{month.iloc[pos]} ({n:,} row(s) of other months)",
            row=row,
            column=members.published[i].get("month", "Month"),
            fix="Give each month's file its own name, as data.police.uk does.",
        )


def _gather(
    sources: Sequence[str | Path],
    kind: str,
    ledger: Ledger | None,
) -> tuple[pd.DataFrame, list[FileLedger], _Members]:
    """Read every file of every source; ``_src`` holds the index of the source.

    Files are decompressed and parsed by a small thread pool (zlib and pyarrow's parser release
    the GIL), in order; the first bad file raises its :class:`DataError`.
    """
    columns = STREET_COLUMNS if kind == "street" else SEARCH_COLUMNS
    required = _STREET_REQUIRED if kind == "street" else _SEARCH_REQUIRED
    req = {k: v for k, v in columns.items() if k in required}
    opt = {k: v for k, v in columns.items() if k not in required}
    entries: list[FileLedger] = []
    jobs: list[tuple] = []  # (source, name, duplicate of, future)
    month_of: list[tuple[str, str] | None] = []  # (month, force) from each file's name
    seen: dict[str, str] = {}
    with ExitStack() as stack:
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=_WORKERS))
        try:
            for s, src in enumerate(sources):
                src = Path(src)
                kind_label = "police_street" if kind == "street" else "stop_search"
                fl = FileLedger(display_name(src), kind_label)
                entries.append(fl)
                if not src.exists():
                    raise DataError(display_name(src), "a file, folder or zip", found="nothing")
                members = police_members(src, kind, stack)
                if len(members) > 1:
                    fl.file = f"{fl.file} ({len(members)} files)"
                for name, key, reader in members:
                    first = seen.setdefault(key, name)
                    fut = pool.submit(_read_member, name, reader, req, opt, kind)
                    jobs.append((s, name, first if first != name else None, fut))
                    named = _MEMBER[kind].search(name.replace("!", "/"))
                    month_of.append((named.group(1), named.group(2).lower()) if named else None)
            results = [fut.result() for *_, fut in jobs]
            # drop the futures: they would keep every file's frame alive after the concat
            jobs = [job[:3] for job in jobs]
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    if ledger is not None:
        ledger.extend(entries)
    frames, names, published, src_of, file_month = [], [], [], [], []
    for (s, name, dup_of), (df, enc, pub), named in zip(jobs, results, month_of, strict=True):
        entries[s].read += len(df)
        if named is not None and len(df):
            # coverage from the file name: a monthly file with at least one row holds its month
            entries[s].months.setdefault(named[1], set()).add(named[0])
        if enc != "utf-8":
            entries[s].note(f"read as {enc} (not plain UTF-8)", len(df))
        if dup_of is not None:
            logger.warning("%s is the same monthly file as %s; skipped", name, dup_of)
            entries[s].drop(REASONS["duplicate_file"], len(df))
            continue
        frames.append(df)
        names.append(name)
        published.append(pub)
        src_of.append(s)
        file_month.append(named[0] if named is not None else None)
    results = df = None
    if not frames:
        empty = pd.DataFrame({c: pd.Series(dtype="str") for c in columns})
        for c in ("longitude", "latitude"):
            empty[c] = empty[c].astype("float64")
        empty["_src"] = pd.Series(dtype="int16")
        return empty, entries, _Members([], np.empty(0, dtype=np.int64), [], [])
    lengths = np.array([len(f) for f in frames], dtype=np.int64)
    member = np.repeat(np.arange(len(lengths)), lengths)
    df = _concat(frames, list(columns))
    del frames
    df = _normalise(df, columns, names, member, published)
    df["_src"] = np.repeat(np.array(src_of, dtype=np.int16), lengths)
    return df, entries, _Members(names, member, published, file_month)


def _points_bng(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """EPSG:27700 points from WGS84 longitude/latitude, built once per distinct location.

    police.uk publishes anonymised snap points, so locations repeat: the sample's 141,589 kept
    crimes sit on 5,456 distinct points. Reprojecting and building each distinct point once
    (``pandas.factorize`` of the coordinate pairs as complex numbers) and sharing the
    immutable shapely geometries between rows is 8x faster than one point per row.
    """
    if not len(lon):
        return np.empty(0, dtype=object)
    codes, uniq = pd.factorize(np.asarray(lon, "float64") + 1j * np.asarray(lat, "float64"))
    pts = shapely.points(np.column_stack(to_bng_xy(uniq.real, uniq.imag)))
    return pts[codes]


_MIX = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio, odd: a bijective multiplier


def _duplicated_text(ids: pa.Array) -> np.ndarray:
    """True for each non-null value seen earlier in ``ids`` (the first one is not a duplicate).

    police.uk Crime IDs are 64 hex characters. When every non-null value has the same length,
    a multiple of 8 bytes, the values are read straight from the Arrow buffer as 64-bit words,
    hashed with numpy, and duplicates found on the hashes; every candidate is then compared
    byte for byte with the first value of its hash (so a hash collision can never drop a
    record: it sends the call to the exact path). This is ~5x faster than hashing the strings
    with pandas' or pyarrow's general hash tables (``Series.duplicated``), which took 50 ms of
    the 0.45 s sample load. Other columns take pandas' ``duplicated``.
    """
    n = len(ids)
    valid = ~np.asarray(ids.is_null(), dtype=bool)
    exact = None
    if n and valid.any() and pa.types.is_large_string(ids.type) and ids.buffers()[2] is not None:
        off = np.frombuffer(ids.buffers()[1], dtype=np.int64)[ids.offset : ids.offset + n + 1]
        lengths = np.diff(off)[valid]
        width = int(lengths[0])
        if width and width % 8 == 0 and (lengths == width).all():
            # nulls take no bytes, so the valid values are one contiguous block
            start = int(off[0])
            block = np.frombuffer(
                ids.buffers()[2], dtype=np.uint8, count=width * len(lengths), offset=start
            ).reshape(len(lengths), width)
            words = block.view("<u8")
            h = np.zeros(len(lengths), dtype=np.uint64)
            for j in range(words.shape[1]):
                h = (h ^ words[:, j]) * _MIX
            codes, _ = pd.factorize(h)  # numbered in order of first appearance
            repeat = pd.Series(codes, copy=False).duplicated().to_numpy(bool)
            first = np.flatnonzero(~repeat)  # first[k]: the first row with hash number k
            cand = np.flatnonzero(repeat)
            same = (block[cand] == block[first[codes[cand]]]).all(axis=1)
            if same.all():
                exact = np.zeros(len(lengths), dtype=bool)
                exact[cand] = True
    if exact is None:
        s = pd.Series(ids.to_pandas(), copy=False)
        return (s.notna() & s.duplicated(keep="first")).to_numpy(bool)
    out = np.zeros(n, dtype=bool)
    out[valid] = exact
    return out


class _Reasons:
    """Row-by-row drop reasons as small integer codes (0 = keep), first reason wins."""

    def __init__(self, n: int) -> None:
        self.code = np.zeros(n, dtype=np.int8)
        self.labels: list[str] = [""]

    def set(self, mask: np.ndarray, label: str) -> None:
        if label not in self.labels:
            self.labels.append(label)
        self.code[(self.code == 0) & mask] = self.labels.index(label)

    @property
    def keep(self) -> np.ndarray:
        return self.code == 0

    def record(self, src: np.ndarray, entries: list[FileLedger]) -> None:
        """Add the drops to each source file's ledger (and the kept rows)."""
        n_src = len(entries)
        counts = np.bincount(
            src.astype(np.int64) * len(self.labels) + self.code, minlength=n_src * len(self.labels)
        ).reshape(n_src, len(self.labels))
        for fl, row in zip(entries, counts, strict=True):
            fl.kept += int(row[0])
            for label, n in zip(self.labels[1:], row[1:], strict=True):
                fl.drop(label, int(n))


def _record_by_month(
    month: pd.Series,
    src: np.ndarray,
    r: _Reasons,
    note_code: np.ndarray,
    notes: np.ndarray,
    entries: list[FileLedger],
) -> None:
    """The ledger per month of each source (``FileLedger.by_month``): rows read, kept, dropped
    by reason and the attribution path of each kept row (its note), so that a month coded to
    2011 LSOAs, a mixed month and a 2021-coded month each show how every row was placed."""
    key = month.astype("string").fillna("unparseable").to_numpy(object)
    frame = pd.DataFrame(
        {"src": src, "month": key, "code": r.code, "note": np.asarray(note_code, dtype=np.int64)}
    )
    labels = np.array(r.labels, dtype=object)
    texts = np.append(np.asarray(notes, dtype=object), "")  # -1 (no note) -> ""
    for (s, m), g in frame.groupby(["src", "month"], sort=True):
        kept = g["code"].to_numpy() == 0
        dropped = pd.Series(labels[g["code"].to_numpy()[~kept]]).value_counts()
        noted = pd.Series(texts[g["note"].to_numpy()[kept]]).value_counts()
        led = entries[int(s)].month(
            str(m)
        )  # accumulated: the engines call the loader's rules once per batch
        led["read"] += len(g)
        led["kept"] += int(kept.sum())
        for k, v in dropped.items():
            led["dropped"][str(k)] = led["dropped"].get(str(k), 0) + int(v)
        for k, v in noted.items():
            if k != "":
                led["notes"][str(k)] = led["notes"].get(str(k), 0) + int(v)


def _filter(
    df: pd.DataFrame,
    entries: list[FileLedger],
    period: tuple[pd.Period, pd.Period] | None,
    area: StudyArea | None,
    month_reason: str,
    what: str,
    out_cols: list[str],
    *,
    points: bool = True,
    later: list[pd.DataFrame] | None = None,
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Apply every drop rule in one pass, build BNG points for the kept rows, fill the ledger.

    ``df`` is consumed: its columns are moved to the result one at a time, so that a
    national-size load never holds two copies of the table. ``points=False`` (the engines,
    which keep longitude and latitude and project them only when asked): no points are
    built and a plain DataFrame of ``out_cols`` is returned. ``later``: when a list, the
    records after the period that can supersede a kept record (:func:`_later_records`) are
    appended to it as one DataFrame (``crime_id``, ``month`` ordinal, ``_pos`` row position),
    for an engine to resolve Crime IDs repeated across its batches by the same rule.
    """
    r = _Reasons(len(df))
    street = "crime_id" in df
    codes = None
    if street:
        codes = df["lsoa_code"].str.strip()
        codes = codes.mask(codes == "")
    lon, lat = df["longitude"].to_numpy(), df["latitude"].to_numpy()
    r.set(np.isnan(lon) | np.isnan(lat), REASONS["no_coordinates"])
    with np.errstate(invalid="ignore"):
        in_gb = (lon >= GB_LON[0]) & (lon <= GB_LON[1]) & (lat >= GB_LAT[0]) & (lat <= GB_LAT[1])
    r.set(~in_gb, REASONS["outside_gb"])
    month = df["month"]
    bad_month = month.isna().to_numpy(bool)
    if len(df) and bad_month.all():
        raise DataError(
            ", ".join(e.file for e in entries),
            "months like '2021-04' in the Month column"
            if what == "crimes"
            else "ISO 8601 dates like '2021-04-01T10:30:00+01:00' in the Date column",
            found=f"no parseable {'month' if what == 'crimes' else 'date'} in any row",
            column="Month" if what == "crimes" else "Date",
            fix="Use the files as downloaded from data.police.uk (a spreadsheet may have "
            "reformatted the dates).",
        )
    r.set(bad_month, month_reason)
    tail = np.zeros(len(df), dtype=bool)  # valid records after the period's last month
    if period is not None and r.keep.any():
        start, end = period
        outside = ((month < start) | (month > end)).to_numpy(bool)
        valid = r.keep
        if outside[valid].all():
            m = month[valid]
            raise DataError(
                ", ".join(e.file for e in entries),
                f"{what} in the study period {start} to {end}",
                found=f"months {m.min()} to {m.max()}; no row is in the period",
                column="Month" if what == "crimes" else "Date",
                fix="Change period_start/period_end in area.toml, or give the files for the "
                "study period.",
            )
        if street:  # records after the period still supersede (see _later_records)
            tail = valid & (month > end).to_numpy(bool) & df["crime_id"].notna().to_numpy(bool)
        r.set(outside, REASONS["outside_period"])
    ok = r.keep
    new_codes = None
    if area is not None and (ok.any() or tail.any()):
        idx = np.flatnonzero(ok | tail)
        code_in = (
            codes.iloc[idx] if codes is not None else pd.Series(pd.NA, index=idx, dtype="string")
        )
        code_in.index = idx
        # coordinates are transformed inside only for the rows placed by location
        new_codes, reason, note = assign_area(code_in, (lon[idx], lat[idx]), area)
        # reasons and notes as integer codes over the distinct texts (no object arrays)
        why_code, whys = pd.factorize(reason.to_numpy())
        full = np.full(len(df), -1, dtype=np.int64)
        full[idx] = why_code
        for i, why in enumerate(whys):
            if why != "":
                r.set(full == i, why)  # first reason wins: a later record stays "outside"
                tail &= full != i  # a later record outside the area supersedes nothing
        note_code, notes = pd.factorize(note.to_numpy())
        t = np.full(len(df), -1, dtype=np.int64)
        t[idx] = note_code
    if street:
        # a repeated non-blank Crime ID among the records in the area, in the period or after
        # it: the LATEST record is kept (latest month, then the last row read), because
        # police.uk republishes a reclassified crime under the same ID. Records after the
        # period take part (and are then dropped as outside it), so whether a month's record
        # counts does not depend on where the period ends (_later_records)
        keep = r.keep | tail
        if later is not None:
            later.append(_later_records(df, tail))
        ids = pa.array(df["crime_id"].array)
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks()
        rows_kept = np.flatnonzero(keep)
        kept_ids = ids.filter(pa.array(keep))
        first_seen = _duplicated_text(kept_ids)  # repeats, in row order
        dup = np.zeros(len(df), dtype=bool)
        if first_seen.any():
            # only the rows of repeated IDs are reordered: newest first (month descending,
            # then row descending), and every record after the newest is the duplicate
            again = pc.unique(kept_ids.filter(pa.array(first_seen)))
            cand = rows_kept[np.asarray(pc.is_in(kept_ids, value_set=again).fill_null(False))]
            ords = df["month"].array.asi8[cand]
            newest_first = cand[np.lexsort((-cand, -ords))]
            dup[newest_first] = _duplicated_text(ids.take(pa.array(newest_first)))
        r.set(dup & r.keep, REASONS["duplicate"])
    if new_codes is not None:
        # notes of the rows finally kept (after the duplicate rule)
        keep_now = r.keep
        src = df["_src"].to_numpy()
        for i, what_note in enumerate(notes):
            if what_note == "":
                continue
            counts = np.bincount(src[keep_now & (t == i)], minlength=len(entries))
            for fl, n in zip(entries, counts, strict=True):
                fl.note(what_note, int(n))
    r.record(df["_src"].to_numpy(), entries)
    if street and new_codes is not None:
        _record_by_month(df["month"], df["_src"].to_numpy(), r, t, notes, entries)
    keep = r.keep
    rows = np.flatnonzero(keep)
    n_rows = len(df)
    del codes
    df.pop("_src")
    data = {}
    for c in out_cols:
        col = df.pop(c).array  # arrow-backed text stays arrow-backed (no Python objects)
        data[c] = col if len(rows) == n_rows else col.take(rows)
        del col
    out = pd.DataFrame(data, copy=False)
    del data
    if new_codes is not None and street:
        # only rows matched through the lookup or filled in by location change their code
        noted = np.asarray(notes != "", dtype=bool)[note_code]  # over idx
        changed = np.zeros(n_rows, dtype=bool)
        changed[idx] = noted
        changed &= keep  # a noted row may still have been dropped as a duplicate
        if changed.any():
            mask = changed[keep]
            values = new_codes.to_numpy(dtype=object)[changed[idx]]  # idx is ascending
            # replaced in Arrow memory: the column is never turned into Python strings
            lsoa = pa.array(out["lsoa_code"].array)
            if isinstance(lsoa, pa.ChunkedArray):
                lsoa = lsoa.combine_chunks()
            new = pa.array(values, type=lsoa.type, from_pandas=True)
            lsoa = pc.replace_with_mask(lsoa, pa.array(mask), new)
            out["lsoa_code"] = pd.array(lsoa, dtype="str")
    if not points:
        return out
    geom = _points_bng(lon[keep], lat[keep])
    del lon, lat
    return gpd.GeoDataFrame(out, geometry=geom, crs=BNG)


def _later_records(df: pd.DataFrame, tail: np.ndarray) -> pd.DataFrame:
    """The records after the study period that take part in the duplicate rule.

    Parameters
    ----------
    df : DataFrame
        The rows being judged (``crime_id``, ``month`` Period[M]).
    tail : ndarray of bool
        Rows with a Crime ID, valid coordinates and month, in the study area, in a month after
        the period's last month.

    Returns
    -------
    DataFrame
        ``crime_id``, ``month`` (Period ordinal) and ``_pos`` (row position in ``df``).

    Notes
    -----
    The duplicate rule keeps the latest record of a Crime ID over every month the files hold,
    not only the study period: a crime of March republished in April is counted in April,
    whether the period ends in March or later (else a financial year's count would change
    with ``--period``). Records before the period never matter (the latest record of a
    repeated ID is never one of them), so only those after it are kept here.
    """
    pos = np.flatnonzero(tail)
    return pd.DataFrame(
        {
            "crime_id": pd.array(df["crime_id"].array.take(pos), dtype="str"),
            "month": df["month"].array.asi8[pos],
            "_pos": pos.astype(np.int64),
        }
    )


def _months_from_column(df: pd.DataFrame, entries: list[FileLedger]) -> None:
    """Coverage of the sources whose file names give no month: the months of their rows.

    The force is the ``Reported by`` text as police.uk writes it in file names
    (:func:`force_slug`; else ``Falls within``, else the file's name).
    """
    todo = [i for i, fl in enumerate(entries) if not fl.months and fl.read]
    if not todo:
        return
    src = df["_src"].to_numpy()
    for i in todo:
        rows = np.flatnonzero(src == i)
        part = df.iloc[rows]
        month = part["month"]
        force = None
        for col in ("reported_by", "falls_within"):
            if col in part and part[col].notna().any():
                force = part[col].astype("str").where(part[col].notna(), "")
                break
        if force is None:
            force = pd.Series(entries[i].file, index=part.index)
        pairs = pd.DataFrame({"force": force.to_numpy(), "month": month.to_numpy()})
        pairs = pairs[pairs["month"].notna() & (pairs["force"] != "")].drop_duplicates()
        for f, m in zip(pairs["force"], pairs["month"], strict=True):
            entries[i].months.setdefault(force_slug(str(f)), set()).add(str(m))


_FORCE_SLUGS = {"british transport police": "btp", "police service of northern ireland":
                "northern-ireland"}  # fmt: skip


def force_slug(text: str) -> str:
    """A force as police.uk names its files: ``"Kent Police"`` -> ``"kent"``.

    The ``Reported by`` text of a single CSV is turned into the ``<force>`` of the monthly file
    names, so that a force given both ways counts as one in the coverage.

    Examples
    --------
    >>> force_slug("Devon & Cornwall Police"), force_slug("Metropolitan Police Service")
    ('devon-and-cornwall', 'metropolitan')
    """
    t = " ".join(text.lower().replace("&", " and ").split())
    if t in _FORCE_SLUGS:
        return _FORCE_SLUGS[t]
    for suffix in (" police service", " constabulary", " police"):
        if t.endswith(suffix):
            t = t[: -len(suffix)]
            break
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-") or text


def read_street(
    sources: Sequence[str | Path],
    *,
    period: tuple[pd.Period, pd.Period] | None = None,
    area: StudyArea | None = None,
    ledger: Ledger | None = None,
) -> gpd.GeoDataFrame:
    """Read police.uk street-level crime.

    Parameters
    ----------
    sources : sequence of path
        Each a CSV, a folder of monthly CSVs, or a police.uk custom-download zip
        (``YYYY-MM/YYYY-MM-<force>-street.csv``); many months and forces at once.
    period : (Period, Period), optional
        First and last month kept (inclusive). Rows outside are dropped with the reason
        "outside the study period"; a :class:`DataError` is raised only when no row at all is
        in the period.
    area : StudyArea, optional
        Keep only rows in the study area (by LSOA code, else by location); ``None`` keeps all.
    ledger : Ledger, optional
        Receives one :class:`FileLedger` per source.

    Returns
    -------
    GeoDataFrame
        EPSG:27700 points with crime_id, month (Period[M]), reported_by, falls_within,
        longitude, latitude, location, lsoa_code, lsoa_name, crime_type, outcome, context.

    Notes
    -----
    Drop reasons, in the order applied: no coordinates; coordinates outside Great Britain;
    unparseable month; outside the study period; outside the study area (the attribution rule
    of :func:`workbench.loaders.area.assign_area`); duplicate record (a non-blank Crime ID
    repeated: the latest record is kept, i.e. that of the latest month, then the last row
    read, because police.uk republishes a reclassified crime under the same ID; anti-social
    behaviour rows have no Crime ID and identical ones are separate incidents, so they are
    never deduplicated).

    The duplicate rule does not depend on the period: records are compared over every month
    the files hold (in the study area, with valid coordinates and month), then cut to the
    period. A record whose Crime ID reappears in a later month the files hold is a
    duplicate even when that month is after ``period`` (the later record is then dropped as
    outside the period), so a month's count is the same whatever window contains it.
    Records before the period cannot supersede one in it (they are older).
    """
    df, entries, members = _gather(sources, "street", ledger)
    if df.empty:
        df = df.assign(month=pd.Series(dtype="period[M]"))
    text = df["month"]
    df["month"] = parse_months(text)
    _check_file_months(df["month"], text, members)
    del text
    _months_from_column(df, entries)
    return _filter(
        df,
        entries,
        period,
        area,
        REASONS["bad_month"],
        "crimes",
        list(STREET_COLUMNS),
    )


def read_stop_search(
    sources: Sequence[str | Path],
    *,
    period: tuple[pd.Period, pd.Period] | None = None,
    area: StudyArea | None = None,
    ledger: Ledger | None = None,
) -> gpd.GeoDataFrame:
    """Read police.uk stop and search records (files ``YYYY-MM-<force>-stop-and-search.csv``).

    Dates (ISO 8601 with a UTC offset, as published) are converted to UK local time and stored
    without a time zone; ``month`` is the month of that local date. Records without coordinates
    cannot be placed in the area and are dropped with the reason "no coordinates". The area is
    decided by location (the files have no LSOA code). Other conventions as :func:`read_street`.
    """
    df, entries, _ = _gather(sources, "stop_search", ledger)
    when = pd.to_datetime(df["date"], errors="coerce", utc=True, format="ISO8601")
    df["date"] = when.dt.tz_convert("Europe/London").dt.tz_localize(None).astype("datetime64[ns]")
    df["month"] = df["date"].dt.to_period("M")
    return _filter(
        df, entries, period, area, REASONS["bad_date"], "stop and search records", _SEARCH_OUT
    )
