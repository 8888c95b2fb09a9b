"""The row-level rules every engine applies: the police loader's own, imported, never rewritten.

Each engine (in memory, DuckDB, Dask) only decides *how* rows are read and *where* the kept rows
live. *Which* rows are kept, and the reason recorded for each dropped row, comes from one place:
:mod:`workbench.loaders.police` (``_normalise``, ``parse_months``, ``_filter``,
``_duplicated_text``) and :data:`workbench.ledger.REASONS`. This module adapts those functions
to batches of rows:

* :func:`apply_rules` runs the loader's ``_filter`` on one batch (a file, or a DuckDB record
  batch spanning several files) and returns the kept rows in a compact form (:data:`KEPT`).
* The duplicate-record rule compares a record with every earlier one, across batches. ``_filter``
  applies it inside each batch; :func:`resolve_duplicates` applies the same function
  (``_duplicated_text``, in reading order) to the few rows whose Crime ID occurs in more than one
  batch, which each engine finds with its own grouping. "First in reading order" composed over
  batches equals "first in reading order" over all rows, so the ledgers are identical.
* :func:`coverage` lists the months each force's files hold, from the file names.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.ledger import REASONS, FileLedger
from workbench.loaders import police
from workbench.loaders.area import StudyArea

__all__ = [
    "KEPT",
    "KEY",
    "Member",
    "apply_rules",
    "coverage",
    "list_members",
    "resolve_duplicates",
    "empty_later",
    "check_whole_load",
    "MonthStats",
    "check_files",
    "untouched",
    "record_untouched",
    "part_schema",
    "write_part",
]

logger = logging.getLogger(__name__)

#: Columns of the compact kept rows every engine stores: ``month`` is the Period ordinal,
#: ``longitude``/``latitude`` as published (projected to BNG only when a spatial query asks),
#: ``_ord`` is the reading order (file number << 32 | row).
KEPT = [
    "crime_id",
    "month",
    "lsoa_code",
    "crime_type",
    "falls_within",
    "longitude",
    "latitude",
    "_ord",
]
#: The published columns the engines read for the aggregates (the others are not needed for
#: the counts, and the loader's rules do not look at them; ``reported_by`` gives the force of
#: a file not named by month, as the loader's coverage rule reads it).
COLUMNS = {
    k: v
    for k, v in police.STREET_COLUMNS.items()
    if k in ("crime_id", "month", "reported_by", "falls_within", "longitude", "latitude",
             "lsoa_code", "crime_type")
}  # fmt: skip
REQUIRED = {k: v for k, v in COLUMNS.items() if k in police._STREET_REQUIRED}
OPTIONAL = {k: v for k, v in COLUMNS.items() if k not in police._STREET_REQUIRED}


@dataclass(frozen=True)
class Schema:
    """What an engine reads and keeps of each row.

    ``columns``: the published columns read (workbench name -> published headers);
    ``kept``: the columns stored for each kept row (``month`` as its Period ordinal, ``_ord``
    the reading order). :data:`LEAN` serves the aggregates; :data:`FULL` keeps every column
    of :func:`workbench.loaders.police.read_street`'s result, so that the kept rows can be
    turned into exactly that GeoDataFrame (:func:`to_crimes`).
    """

    columns: dict
    kept: tuple

    @property
    def required(self) -> dict:
        return {k: v for k, v in self.columns.items() if k in police._STREET_REQUIRED}

    @property
    def optional(self) -> dict:
        return {k: v for k, v in self.columns.items() if k not in police._STREET_REQUIRED}

    @property
    def text(self) -> list[str]:
        """Kept columns holding text."""
        return [c for c in self.kept if c not in _NUMERIC]


_NUMERIC = {"month": "int64", "longitude": "float64", "latitude": "float64", "_ord": "int64"}
#: The aggregates' schema: :data:`COLUMNS` read, :data:`KEPT` kept.
LEAN = Schema(COLUMNS, tuple(KEPT))
#: Every published column read and kept (``Study.crimes`` through an engine).
FULL = Schema(dict(police.STREET_COLUMNS), (*police.STREET_COLUMNS, "_ord"))


def schema_of(columns: str) -> Schema:
    """:data:`LEAN` for ``"counts"``, :data:`FULL` for ``"all"``."""
    if columns not in ("counts", "all"):
        raise ValueError(f"columns must be 'counts' or 'all', found {columns!r}")
    return LEAN if columns == "counts" else FULL


def part_schema(schema: Schema, keep: bool = False) -> pa.Schema:
    """The Arrow schema of every Parquet part of an engine's kept rows: ``schema.kept`` (the
    same types whatever a part holds), ``_keep`` when ``keep`` (a part holding a whole batch,
    the rows to keep marked) and ``_h``, the 64-bit hash of the Crime ID."""
    types = {c: pa.from_numpy_dtype(np.dtype(t)) for c, t in _NUMERIC.items()}
    fields = [pa.field(c, types.get(c, pa.string())) for c in schema.kept]
    if keep:
        fields.append(pa.field("_keep", pa.bool_()))
    return pa.schema([*fields, pa.field("_h", pa.uint64())])


def write_part(table: pa.Table, path: str | Path, schema: pa.Schema) -> None:
    """One Parquet part of kept rows, cast to ``schema`` (:func:`part_schema`): no compression
    (a part lives only as long as the run), text other than the Crime ID dictionary-encoded
    (LSOA code, crime type, force: few distinct values), statistics for ``_ord`` only."""
    import pyarrow.parquet as pq

    text = [f.name for f in schema if pa.types.is_string(f.type) and f.name != "crime_id"]
    pq.write_table(
        table.cast(schema),
        path,
        compression="none",
        use_dictionary=text,
        write_statistics=["_ord"],
    )


def empty_kept(schema: Schema) -> pd.DataFrame:
    """No kept rows, with the schema's columns and types."""
    return pd.DataFrame({c: pd.Series(dtype=_NUMERIC.get(c, "str")) for c in schema.kept})


def empty_later() -> pd.DataFrame:
    """No records after the period (:attr:`MonthStats.later`)."""
    return pd.DataFrame(
        {
            "crime_id": pd.Series(dtype="str"),
            "month": pd.Series(dtype=np.int64),
            "_ord": pd.Series(dtype=np.int64),
        }
    )


def to_crimes(df: pd.DataFrame):
    """Kept rows of the :data:`FULL` schema as :func:`workbench.loaders.police.read_street`
    returns them: its columns in its order and types, EPSG:27700 points built by the loader's
    own ``_points_bng``, rows in reading order (``_ord``: the loader's order), a fresh
    RangeIndex."""
    import geopandas as gpd

    from workbench.geo import BNG

    df = df.sort_values("_ord", kind="stable", ignore_index=True)
    out = {}
    for c in police.STREET_COLUMNS:
        col = df[c]
        if c == "month":
            out[c] = pd.Series(
                pd.PeriodIndex.from_ordinals(col.to_numpy(np.int64), freq="M"), copy=False
            )
        elif c in ("longitude", "latitude"):
            out[c] = col.astype("float64").reset_index(drop=True)
        else:
            out[c] = _as_str(col)
    frame = pd.DataFrame(out)
    geom = police._points_bng(frame["longitude"].to_numpy(), frame["latitude"].to_numpy())
    return gpd.GeoDataFrame(frame, geometry=geom, crs=BNG)


def _as_str(col: pd.Series) -> pd.Series:
    """Text as the loader holds it (pandas ``str``, Arrow-backed; missing stays missing)."""
    if col.dtype == "str":
        return col.reset_index(drop=True)
    arr = pa.array(col.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    return pd.Series(pd.array(arr, dtype="str"))


#: The aggregation key of the national counts.
KEY = ["lsoa_code", "month", "crime_type"]
_SHIFT = 32  # _ord = file number << 32 | row within the batch stream of that file
_FORCE = re.compile(r"(\d{4}-\d{2})-(.+)-street\.csv$", re.IGNORECASE)
#: Where a sentinel row sits: in Great Britain, no Crime ID, no LSOA code.
_SENTINEL_LONLAT = (-1.5, 52.5)


@dataclass(frozen=True)
class Member:
    """One police.uk CSV of a configured source.

    ``number`` is its place in reading order (the in-memory loader's order: sources as
    configured, then the files of each source sorted by name); ``source`` the index of the
    configured source whose ledger it feeds; ``duplicate_of`` the name of an earlier file with
    the same base name (the loader drops such a file as a whole).
    """

    number: int
    source: int
    name: str
    base: str
    path: str
    zip_member: str | None = None
    duplicate_of: str | None = None

    def size(self) -> int:
        """Bytes of CSV (uncompressed size for a zip member)."""
        if self.zip_member is None:
            return Path(self.path).stat().st_size
        import zipfile

        with zipfile.ZipFile(self.path) as zf:
            return zf.getinfo(self.zip_member).file_size

    def read(self) -> bytes:
        """The file's bytes (from the zip when it is a zip member)."""
        if self.zip_member is None:
            return Path(self.path).read_bytes()
        import zipfile

        with zipfile.ZipFile(self.path) as zf:
            return zf.read(self.zip_member)


def list_members(sources: Sequence[str | Path]) -> tuple[list[Member], list[FileLedger]]:
    """The files of every source in the loader's reading order, and one ledger per source.

    Uses :func:`workbench.loaders.police.police_members` (the same file discovery and the same
    errors as the in-memory loader).
    """
    from contextlib import ExitStack

    from workbench.errors import DataError
    from workbench.loaders._io import display_name

    members: list[Member] = []
    entries: list[FileLedger] = []
    seen: dict[str, str] = {}
    with ExitStack() as stack:
        for s, src in enumerate(sources):
            src = Path(src)
            fl = FileLedger(display_name(src), "police_street")
            entries.append(fl)
            if not src.exists():
                raise DataError(display_name(src), "a file, folder or zip", found="nothing")
            # no in-memory size check: the engines are bounded by their own memory limits
            found = police.police_members(src, "street", stack, check_size=False)
            if len(found) > 1:
                fl.file = f"{fl.file} ({len(found)} files)"
            for name, base, reader in found:
                first = seen.setdefault(base, name)
                if isinstance(reader, partial):  # zf.read bound to a member name
                    path, member = str(src.resolve()), str(reader.args[0])
                else:  # Path.read_bytes of the file
                    path, member = str(Path(reader.__self__).resolve()), None
                members.append(
                    Member(
                        number=len(members),
                        source=s,
                        name=name,
                        base=base,
                        path=path,
                        zip_member=member,
                        duplicate_of=first if first != name else None,
                    )
                )
    return members, entries


def coverage(
    members: Sequence[Member],
    read: dict[int, int] | None = None,
    entries: Sequence[FileLedger] | None = None,
) -> pd.DataFrame:
    """Months held per force: from the file names (``YYYY-MM-<force>-street.csv``), and for a
    source none of whose files is named so, the months the loader's fallback recorded in its
    ledger (``entries[source].months``, from the rows' Month column).

    One row per force and month with ``files`` (how many files, duplicates excluded) and
    ``rows`` (rows read, when ``read``, rows read per file number, is given); both missing for
    months found from the Month column, whose files hold several months. A month absent here
    is missing data for that force, never zero.
    """
    rows = []
    named_sources = set()
    for m in members:
        if m.duplicate_of is not None:
            continue
        hit = _FORCE.search(m.base)
        if not hit:
            continue
        named_sources.add(m.source)
        rows.append(
            {
                "force": hit.group(2),
                "month": pd.Period(hit.group(1), freq="M"),
                "files": 1,
                "rows": (read or {}).get(m.number, 0),
            }
        )
    by_column = []
    for s, fl in enumerate(entries or []):
        if s in named_sources:
            continue
        for force, months in fl.months.items():
            by_column += [{"force": force, "month": pd.Period(mo, freq="M")} for mo in months]
    types = {"force": "str", "month": "period[M]", "files": "Int64", "rows": "Int64"}
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in types.items()})
    df = pd.DataFrame(rows) if rows else empty
    df = df.astype(types).groupby(["force", "month"], as_index=False).sum(min_count=1)
    if by_column:
        extra = pd.DataFrame(by_column).drop_duplicates()
        extra = extra.assign(files=pd.NA, rows=pd.NA).astype(types)
        df = pd.concat([df, extra], ignore_index=True) if len(df) else extra
    if read is None:
        df = df.assign(rows=pd.NA)
    return df.astype(types).sort_values(["force", "month"], ignore_index=True)


@dataclass
class MonthStats:
    """What the loader's two whole-load checks need to know about a batch."""

    rows: int = 0
    any_month: bool = False  # some row has a parseable month
    lo: int | None = None  # smallest / largest month (ordinal) of rows that pass the
    hi: int | None = None  # coordinate and month rules
    any_inside: bool = False  # some such row is in the study period
    #: distinct (``_src``, ``month``, ``reported_by``, ``falls_within``) of the rows of sources
    #: that may take their coverage from the Month column (:func:`months_from_column`)
    pairs: pd.DataFrame | None = None
    #: records after the study period that can supersede a kept record of the same Crime ID
    #: (``crime_id``, ``month`` ordinal, ``_ord``; see :func:`resolve_duplicates`)
    later: pd.DataFrame | None = None

    def merge(self, other: MonthStats) -> MonthStats:
        los = [v for v in (self.lo, other.lo) if v is not None]
        his = [v for v in (self.hi, other.hi) if v is not None]
        return MonthStats(
            self.rows + other.rows,
            self.any_month or other.any_month,
            min(los) if los else None,
            max(his) if his else None,
            self.any_inside or other.any_inside,
            _union(self.pairs, other.pairs),
            _stack(self.later, other.later),
        )


def _stack(a: pd.DataFrame | None, b: pd.DataFrame | None) -> pd.DataFrame | None:
    if a is None or b is None or not len(b):
        return b if a is None or (b is not None and not len(a)) else a
    return pd.concat([a, b], ignore_index=True)


def _union(a: pd.DataFrame | None, b: pd.DataFrame | None) -> pd.DataFrame | None:
    if a is None or b is None:
        return b if a is None else a
    return pd.concat([a, b], ignore_index=True).drop_duplicates(ignore_index=True)


def _pairs(df: pd.DataFrame, src: np.ndarray, sources: frozenset[int]) -> pd.DataFrame | None:
    """The distinct (source, month, Reported by, Falls within) of the rows of ``sources``:
    everything the loader's ``_months_from_column`` looks at, so that it gives the same
    months on these few rows as on all of them."""
    rows = np.flatnonzero(np.isin(src, list(sources)))
    if not len(rows):
        return None
    part = {"_src": src[rows], "month": df["month"].iloc[rows].to_numpy()}
    for c in ("reported_by", "falls_within"):
        part[c] = df[c].iloc[rows].to_numpy() if c in df else pd.NA
    return (
        pd.DataFrame(part)
        .astype({"reported_by": "str", "falls_within": "str"})
        .drop_duplicates(ignore_index=True)
    )


def column_sources(members: Sequence[Member]) -> frozenset[int]:
    """Sources with a file not named ``YYYY-MM-<force>-street.csv``: their coverage may come
    from the rows' months (the loader's fallback, applied to a source whose named files give
    no month)."""
    return frozenset(m.source for m in members if m.duplicate_of is None and not name_month(m))


def months_from_column(stats: MonthStats, entries: list[FileLedger]) -> None:
    """The loader's coverage fallback (``police._months_from_column``, unchanged) on the
    distinct rows the engines collected: a source whose file names give no month holds the
    months of its rows, for the force its Reported by (else Falls within) column names."""
    if stats.pairs is None or not len(stats.pairs):
        return
    pairs = stats.pairs.copy()
    pairs["_src"] = pairs["_src"].astype(np.int64)
    police._months_from_column(pairs, entries)


def _month_stats(df: pd.DataFrame, period: tuple[pd.Period, pd.Period] | None) -> MonthStats:
    month = df["month"]
    has = month.notna().to_numpy(bool)
    lon, lat = df["longitude"].to_numpy(), df["latitude"].to_numpy()
    with np.errstate(invalid="ignore"):
        ok = (lon >= police.GB_LON[0]) & (lon <= police.GB_LON[1])
        ok &= (lat >= police.GB_LAT[0]) & (lat <= police.GB_LAT[1])
    ok &= has
    stats = MonthStats(rows=len(df), any_month=bool(has.any()))
    if ok.any():
        ords = month.array.asi8[ok]
        stats.lo, stats.hi = int(ords.min()), int(ords.max())
        stats.any_inside = period is None or bool(
            ((ords >= period[0].ordinal) & (ords <= period[1].ordinal)).any()
        )
    return stats


def check_whole_load(
    stats: MonthStats, entries: list[FileLedger], period: tuple[pd.Period, pd.Period] | None
) -> None:
    """Raise the loader's whole-load errors (no parseable month in any row; no row in the study
    period) for the load as a whole, with the loader's own wording (its ``_filter`` is run on
    two rows standing for the load)."""
    if not stats.rows:
        return
    if not stats.any_month:
        months = pd.PeriodIndex([None], freq="M")
    elif period is not None and stats.lo is not None and not stats.any_inside:
        months = pd.PeriodIndex.from_ordinals([stats.lo, stats.hi], freq="M")
    else:
        return
    n = len(months)
    frame = pd.DataFrame(
        {
            "crime_id": pd.Series([pd.NA] * n, dtype="str"),
            "longitude": [_SENTINEL_LONLAT[0]] * n,
            "latitude": [_SENTINEL_LONLAT[1]] * n,
            "lsoa_code": pd.Series([pd.NA] * n, dtype="str"),
            "month": pd.Series(months),
            "_src": np.zeros(n, np.int16),
        }
    )
    probe = [FileLedger(e.file, e.kind) for e in entries]
    police._filter(frame, probe, period, None, REASONS["bad_month"], "crimes", [])
    raise AssertionError("the loader's whole-load check did not fire")  # pragma: no cover


def apply_rules(
    df: pd.DataFrame,
    entries: list[FileLedger],
    *,
    src: np.ndarray,
    order: np.ndarray,
    names: list[str],
    member: np.ndarray,
    published: list[dict[str, str]],
    period: tuple[pd.Period, pd.Period] | None,
    area: StudyArea | None,
    file_months: Sequence[str | None] | None = None,
    schema: Schema = LEAN,
    column_months: frozenset[int] = frozenset(),
    checked: bool = False,
) -> tuple[pd.DataFrame, MonthStats]:
    """The loader's validation and drop rules on one batch of raw rows; the kept rows.

    Parameters
    ----------
    df : DataFrame
        Raw rows with workbench column names (:data:`workbench.loaders.police.STREET_COLUMNS`);
        coordinates numeric or text, ``month`` text. Consumed.
    entries : list of FileLedger
        One per configured source; receives kept and dropped counts (and notes).
    src, order : ndarray
        Per row: the source index (into ``entries``) and the reading-order number ``_ord``.
    names, member, published :
        For the loader's error messages: the batch's file names, each row's position in
        ``names`` and each file's published header names.
    file_months : sequence of str or None
        The month each file's name gives (:func:`name_month`), for the loader's check that a
        monthly file holds only its month.
    schema : Schema
        What is read and kept (:data:`LEAN` or :data:`FULL`).
    column_months : frozenset of int
        Sources (indices into ``entries``) that may take their coverage from the rows' months
        (a file not named by month): their distinct (source, month, Reported by, Falls within)
        are collected in ``MonthStats.pairs`` for :func:`months_from_column`.
    checked : bool
        The per-file checks (coordinates, crime types, each file's months against its name)
        were already run by the caller on every row of the files (:func:`check_files`), and
        ``df`` holds only some of those rows: they are not run again on this part.

    Returns
    -------
    (DataFrame, MonthStats)
        Columns ``schema.kept`` (the loader's kept rows; ``lsoa_code`` as the loader sets it,
        e.g. filled in by location), one row per kept record, in reading order; and what
        :func:`check_whole_load` needs.

    Notes
    -----
    Runs :func:`workbench.loaders.police._normalise`, ``parse_months`` and ``_filter`` unchanged.
    Two checks of ``_filter`` are meant for a whole load ("no parseable month in any row", "no
    row in the study period"); when one would fire on this batch alone, a sentinel row (in
    Great Britain, in the period, no Crime ID or LSOA code, ledger entry of its own) is added so
    that every real row is judged by the same rules, and removed afterwards. The engines raise
    those two errors for the load as a whole (:func:`check_whole_load`).
    """
    df = police._normalise(df, schema.columns, names, member, published, checks=not checked)
    text = df["month"]
    df["month"] = police.parse_months(text)
    if file_months is not None and not checked:
        # the loader's check of each file's months against its name
        police._check_file_months(
            df["month"], text, police._Members(names, member, published, list(file_months))
        )
    del text
    stats = _month_stats(df, period)
    src = np.asarray(src, dtype=np.int64)
    if column_months:
        stats.pairs = _pairs(df, src, column_months)
    order = np.asarray(order, dtype=np.int64)
    entries_here = entries
    if len(df) and (not stats.any_month or (stats.lo is not None and not stats.any_inside)):
        start = period[0] if period is not None else pd.Period("2000-01", freq="M")
        extra = {c: pd.Series([pd.NA], dtype="str") for c in df.columns}
        extra["longitude"] = pd.Series([_SENTINEL_LONLAT[0]])
        extra["latitude"] = pd.Series([_SENTINEL_LONLAT[1]])
        extra["month"] = pd.Series(pd.PeriodIndex([start], freq="M"))
        df = pd.concat([df, pd.DataFrame(extra)[df.columns]], ignore_index=True)
        src = np.append(src, len(entries))
        order = np.append(order, -1)
        entries_here = [*entries, FileLedger("sentinel", "sentinel")]
    df["_src"] = src.astype(np.int16)
    df["_ord"] = order
    # the loader also builds a BNG point per kept row; the aggregates keep longitude and
    # latitude instead, and spatial queries project them when asked (points=False: about 40%
    # of the engine's CPU time on a national year went to points it then dropped)
    kept = list(schema.kept)
    later: list[pd.DataFrame] = []
    gdf = police._filter(
        df,
        entries_here,
        period,
        area,
        REASONS["bad_month"],
        "crimes",
        kept,
        points=False,
        later=later,
    )
    if later and len(later[0]):
        tail = later[0]
        stats.later = pd.DataFrame(
            {
                "crime_id": tail["crime_id"].array,
                "month": tail["month"].to_numpy(np.int64),
                "_ord": order[tail["_pos"].to_numpy()],
            }
        )
    out = pd.DataFrame(
        {
            c: gdf[c].array.asi8
            if c == "month"
            else np.asarray(gdf[c], dtype=_NUMERIC[c])
            if c in _NUMERIC
            else gdf[c].array
            for c in kept
        }
    )
    if entries_here is not entries:
        out = out[out["_ord"] >= 0].reset_index(drop=True)
    return out, stats


def check_files(
    months: pd.Series,
    text: pd.Series,
    lon: np.ndarray,
    lat: np.ndarray,
    crime_type: pd.Series | None,
    members: police._Members,
) -> None:
    """The loader's per-file checks on every row of a batch, unchanged: each file's months
    against its name and not all unparseable (``_check_file_months``), coordinates not
    swapped and not all outside Great Britain (``_check_coordinates``), only police.uk crime
    types (``_check_crime_types``; skipped when ``crime_type`` is None, a schema without it).

    An engine that passes only some of a batch's rows through :func:`apply_rules`
    (``checked=True``) runs these first on the whole batch: a check of a file's rows as a
    whole would misjudge a file from a part of it.
    """
    police._check_file_months(months, text, members)
    frame = pd.DataFrame({"longitude": lon, "latitude": lat}, copy=False)
    police._check_coordinates(frame, members.names, members.member, members.published)
    if crime_type is not None:
        police._check_crime_types(
            pd.DataFrame({"crime_type": crime_type}, copy=False),
            members.names,
            members.member,
            members.published,
        )


def untouched(
    months: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    lsoa_code: pa.Array | pa.ChunkedArray | None,
    file_month: np.ndarray,
    *,
    period: tuple[pd.Period, pd.Period] | None,
    area: StudyArea | None,
) -> np.ndarray:
    """Rows that no rule of the loader's ``_filter`` drops, notes or changes, apart from the
    duplicate-record rule: an engine stores them as read and judges only the others.

    A row is untouched when its coordinates are numbers in Great Britain, its month (as
    :func:`workbench.loaders.police.parse_months` reads it, ``months`` its ordinals) is the
    month its file's name gives (``file_month``, per row; ``iNaT`` for a file not named by
    month, whose rows are never untouched) and lies in ``period``, and, with an ``area``
    without a 2011/2021 lookup, its LSOA code is, exactly as written, one of the area's
    codes (rule 1 of :func:`workbench.loaders.area.assign_area`: kept, no note, code
    unchanged). With a lookup every row is judged by the loader (the lookup notes how each
    row was placed).

    Notes
    -----
    The test is deliberately narrower than the rules (a code with spaces around it, a month
    outside the file's name or a study with a lookup go the loader's way), so a row taken
    as untouched is one the loader keeps unchanged; tests/engines/test_untouched.py runs the
    loader on every row of files with every kind of bad row and checks exactly that.
    Duplicate records are then resolved over all kept rows (:func:`resolve_duplicates`).
    """
    from workbench.geo import GB_LAT, GB_LON
    from workbench.loaders.area import _value_set

    nat = np.iinfo(np.int64).min
    months = np.asarray(months, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        ok = (lon >= GB_LON[0]) & (lon <= GB_LON[1]) & (lat >= GB_LAT[0]) & (lat <= GB_LAT[1])
    ok &= (months != nat) & (months == np.asarray(file_month, dtype=np.int64))
    if period is not None:
        ok &= (months >= period[0].ordinal) & (months <= period[1].ordinal)
    if area is not None:
        if area.lookup is not None or lsoa_code is None:
            return np.zeros(len(months), dtype=bool)
        hit = pc.is_in(lsoa_code, value_set=_value_set(area.codes)).fill_null(False)
        ok &= np.asarray(hit, dtype=bool)
    return ok


def record_untouched(
    entries: list[FileLedger], src: np.ndarray, months: np.ndarray, by_month: bool
) -> None:
    """Count rows stored as :func:`untouched` as kept in their source's ledger (and, when
    ``by_month``, the study has an area, in its month's ledger, as ``_filter`` counts it)."""
    src = np.asarray(src, dtype=np.int64)
    for s, n in zip(*np.unique(src, return_counts=True), strict=True):
        entries[int(s)].kept += int(n)
    if not by_month or not len(src):
        return
    lo = int(months.min())
    width = int(months.max()) - lo + 1
    key = src * width + (months - lo)
    for k, n in zip(*np.unique(key, return_counts=True), strict=True):
        s, o = divmod(int(k), width)
        led = entries[s].month(str(pd.Period(ordinal=o + lo, freq="M")))
        led["read"] += int(n)
        led["kept"] += int(n)


def resolve_duplicates(candidates: pd.DataFrame, later: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which of the kept rows sharing a Crime ID across batches are duplicate records.

    ``candidates`` holds every kept row whose Crime ID (or its hash) occurs more than once in the
    whole load, or also among ``later`` (columns :data:`KEPT`). The loader keeps the LATEST
    record of a repeated Crime ID (latest month, then the last row read): the candidates are
    put newest first (``month`` descending, then reading order ``_ord`` descending) and judged
    by the loader's own ``_duplicated_text`` — every record after the newest is a duplicate.
    Returns those rows (kept rows only).

    ``later``: the records after the study period that take part in the rule
    (:attr:`MonthStats.later`; ``crime_id``, ``month``, ``_ord``). They are never kept, but a
    kept record whose Crime ID reappears among them is a duplicate, as in the loader.

    Notes
    -----
    Batches compose: each batch already kept its newest record of an ID (the loader's
    ``_filter``), and the newest over all batches is the newest of those, so the result is the
    loader's over the whole load. The rule is the loader's, period-independent one
    (:func:`workbench.loaders.police.read_street`, Notes).
    """
    if candidates.empty:
        return candidates.iloc[:0]
    candidates = candidates.assign(_later=False)
    if later is not None and len(later):
        ids = candidates["crime_id"].astype("str")
        tail = later[later["crime_id"].astype("str").isin(ids)]
        if len(tail):
            candidates = pd.concat([candidates, tail.assign(_later=True)], ignore_index=True)
    cands = candidates.sort_values(
        ["month", "_ord"], ascending=[False, False], kind="stable", ignore_index=True
    )
    ids = pa.array(cands["crime_id"].astype("str").array, type=pa.large_string())
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    dup = police._duplicated_text(ids) & ~cands["_later"].to_numpy(bool)
    return cands[dup].drop(columns="_later").reset_index(drop=True)


def name_month(m: Member) -> tuple[str, str] | None:
    """``(month, force)`` from a file's name, as the loader reads it (``None``: not a
    ``YYYY-MM-<force>-street.csv`` name)."""
    named = police._MEMBER["street"].search(m.name.replace("!", "/"))
    return (named.group(1), named.group(2).lower()) if named else None


def record_months(members: Sequence[Member], read: dict[int, int], entries) -> None:
    """The loader's coverage record: each monthly file with at least one row holds its month
    for its force (``FileLedger.months``), duplicates of a file included as the loader does."""
    for m in members:
        named = name_month(m)
        if named is not None and read.get(m.number, 0):
            entries[m.source].months.setdefault(named[1], set()).add(named[0])


def source_of(order: np.ndarray, member_source: np.ndarray) -> np.ndarray:
    """The source index of rows given their ``_ord`` (file number in the high bits)."""
    return member_source[np.asarray(order, dtype=np.int64) >> _SHIFT]


def make_order(file_number: np.ndarray, row: np.ndarray) -> np.ndarray:
    """``_ord`` from file numbers and row positions within each file."""
    return (np.asarray(file_number, dtype=np.int64) << _SHIFT) | np.asarray(row, dtype=np.int64)


def apply_duplicates(
    dups: pd.DataFrame, entries: list[FileLedger], member_source: np.ndarray
) -> None:
    """Move the cross-batch duplicates from kept to "duplicate record" in the source ledgers."""
    if dups.empty:
        return
    src = source_of(dups["_ord"].to_numpy(), member_source)
    for s, n in zip(*np.unique(src, return_counts=True), strict=True):
        entries[int(s)].kept -= int(n)
        entries[int(s)].drop(REASONS["duplicate"], int(n))
    # the month's ledger too, where the rules kept one (a study with an area)
    months = dups["month"].to_numpy(np.int64)
    pairs, counts = np.unique(np.c_[src, months], axis=0, return_counts=True)
    why = REASONS["duplicate"]
    for (s, o), n in zip(pairs, counts, strict=True):
        led = entries[int(s)].by_month.get(str(pd.Period(ordinal=int(o), freq="M")))
        if led is not None:
            led["kept"] -= int(n)
            led["dropped"][why] = led["dropped"].get(why, 0) + int(n)


def add_to_grid(out: np.ndarray, df: pd.DataFrame, x0: float, y0: float, cell: float) -> None:
    """Add rows (``longitude``, ``latitude``) to grid counts ``out[row, col]`` (BNG cells of
    ``cell`` metres from ``(x0, y0)``; rows off the grid are not counted)."""
    from workbench.geo import to_bng_xy

    if not len(df):
        return
    x, y = to_bng_xy(df["longitude"].to_numpy(), df["latitude"].to_numpy())
    ny, nx = out.shape
    r = np.floor((y - y0) / cell).astype(np.int64)
    c = np.floor((x - x0) / cell).astype(np.int64)
    ok = (r >= 0) & (r < ny) & (c >= 0) & (c < nx)
    out += np.bincount(r[ok] * nx + c[ok], minlength=ny * nx).reshape(ny, nx)


def points_in(df: pd.DataFrame, polygons) -> pd.DataFrame:
    """The rows of ``df`` (:data:`KEPT`) inside ``polygons`` (any CRS), with BNG ``x``, ``y``
    (a geopandas spatial join)."""
    import geopandas as gpd

    from workbench.geo import BNG, to_bng_xy

    x, y = to_bng_xy(df["longitude"].to_numpy(), df["latitude"].to_numpy())
    pts = gpd.GeoDataFrame(
        df.assign(x=x, y=y), geometry=gpd.points_from_xy(x, y), crs=BNG
    ).reset_index(drop=True)
    poly = polygons.to_crs(BNG)
    hit = gpd.sjoin(pts, poly[[poly.geometry.name]], predicate="within")
    return pts.loc[np.unique(hit.index.to_numpy())]


def concat_points(parts: list) -> object:
    """One GeoDataFrame (EPSG:27700) of the rows from :func:`points_in`, in reading order."""
    import geopandas as gpd

    from workbench.geo import BNG

    parts = [p for p in parts if len(p)]
    if not parts:
        cols = {c: [] for c in [*KEPT, "x", "y"]}
        return gpd.GeoDataFrame(cols, geometry=[], crs=BNG)
    out = pd.concat(parts, ignore_index=True).sort_values("_ord", ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=BNG)
