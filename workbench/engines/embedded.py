"""The embedded engine: DuckDB reads the police.uk CSVs; the loader's rules judge every row.

DuckDB's multithreaded CSV reader streams the files as Arrow record batches (so no more than
one batch of raw rows is in Python at a time). On each batch the loader's per-file checks run
on every row (:func:`workbench.engines._rows.check_files`); the rows no rule touches
(:func:`workbench.engines._rows.untouched`, nearly all of a police.uk file) are stored as read,
and only the others go through the loader's rules in pandas
(:func:`workbench.engines._rows.apply_rules`); repeated Crime IDs are resolved over all kept
rows at the end, by the loader's rule. The kept rows, in compact form, are Parquet parts in a
temporary folder (written by pyarrow in a background thread), queried by DuckDB through the
view ``kept`` (DuckDB keeps to its memory limit and spills to that folder). Counts, grid counts
and the points in a polygon are then queries on that view.

No DuckDB extension is used: the point-in-polygon step (rows placed by location) is the
loader's own geopandas join, run batch by batch; see ``docs/scale.md`` for why the
``duckdb-extension-spatial`` PyPI package was not chosen.
"""

from __future__ import annotations

import copy
import logging
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from workbench.errors import DataError
from workbench.geo import WGS84
from workbench.ledger import REASONS, FileLedger
from workbench.loaders import police
from workbench.loaders._io import match_columns, read_bytes_header
from workbench.loaders.area import StudyArea

from . import _rows
from ._rows import KEPT, LEAN, Member, MonthStats, Schema

__all__ = ["DuckDBRows", "run_duckdb", "points_within_duckdb"]

logger = logging.getLogger(__name__)

_PREFIX = 1 << 16  # bytes read to check a file's header before DuckDB reads it
_CHUNK = 8 << 20  # bytes streamed at a time to check a file's encoding


#: DuckDB's 64-bit hash of a Crime ID, NULL for a missing one (``hash(NULL)`` is a number):
#: computed by DuckDB's reader threads as the CSVs are read and stored with each row (``_h``),
#: so that repeated IDs are found by grouping one integer column, not the 64-character text.
def _hash_sql(column: str) -> str:
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE hash({column}) END"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBRows:
    """The kept rows of a DuckDB run: the view ``kept`` over Parquet parts in a temporary
    folder (less the duplicate records found at the end, table ``dropped``)."""

    def __init__(self, con, folder: Path, schema: Schema = LEAN) -> None:
        self.con = con
        self._folder = folder
        self.schema = schema

    def __len__(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM kept").fetchone()[0])

    def counts(self) -> pd.DataFrame:
        """Kept rows by :data:`KEY` (``month`` as Period ordinal)."""
        table = self.con.sql(
            "SELECT lsoa_code, month, crime_type, count(*) AS count FROM kept GROUP BY ALL"
        ).to_arrow_table()  # text stays Arrow-backed (no Python strings, unlike .df())
        return table.to_pandas()

    def frame(self) -> pd.DataFrame:
        """Every kept row and column (``schema.kept``), in reading order (``_ord``)."""
        cols = ", ".join(_q(c) for c in self.schema.kept)
        table = self.con.sql(f"SELECT {cols} FROM kept ORDER BY _ord").to_arrow_table()
        return police._concat([table], list(self.schema.kept))

    def grid_counts(
        self, x0: float, y0: float, cell: float, shape: tuple[int, int], crime_types=None
    ) -> np.ndarray:
        """Counts on a ``shape = (ny, nx)`` grid of ``cell`` metres from ``(x0, y0)``: kept
        rows projected to BNG batch by batch (:func:`workbench.geo.to_bng_xy`)."""
        out = np.zeros(shape, dtype=np.int64)
        for df in self.batches(["longitude", "latitude"], _types_where(crime_types)):
            _rows.add_to_grid(out, df, x0, y0, cell)
        return out

    def batches(self, columns: list[str], where: str = "TRUE", rows: int = 1_000_000):
        """The kept rows as pandas frames of at most ``rows`` rows."""
        cols = ", ".join(_q(c) for c in columns)
        reader = self.con.sql(f"SELECT {cols} FROM kept WHERE {where}").to_arrow_reader(rows)
        for batch in reader:
            yield batch.to_pandas()

    def close(self) -> None:
        """Close the database and remove its folder."""
        try:
            self.con.close()
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)

    def __del__(self) -> None:  # pragma: no cover - best effort clean-up
        try:
            self.close()
        except Exception:
            pass


def _types_where(crime_types) -> str:
    if crime_types is None:
        return "TRUE"
    return "crime_type IN (" + ", ".join(_lit(t) for t in crime_types) + ")"


def _inspect(m: Member, schema: Schema, extract: Path) -> tuple[dict, str, list[str], str]:
    """One member before DuckDB reads it: its header map (published -> workbench), the
    encoding of the WHOLE file as the loader decides it, its header row in file order
    (DuckDB's ``columns`` must follow it) and the path DuckDB reads.

    The file is streamed once in 8 MB pieces (a zip member is copied to ``extract`` on the
    way: DuckDB cannot read inside a zip without an extension). A file that is all ASCII, as
    police.uk files are, is UTF-8; any other byte sends the whole file to the loader's own
    check (``read_bytes_header``: UTF-8, UTF-8 with BOM or cp1252, else its error). DuckDB
    itself does not check the text of columns it is not asked for, so without this a cp1252
    byte in an unread column would pass unnoticed, where the loader notes or refuses it.
    """
    import zipfile
    from contextlib import ExitStack

    with ExitStack() as stack:
        if m.zip_member is None:
            fh = stack.enter_context(open(m.path, "rb"))
            path, out = m.path, None
        else:
            zf = stack.enter_context(zipfile.ZipFile(m.path))
            fh = stack.enter_context(zf.open(m.zip_member))
            target = extract / f"{m.number:06d}.csv"
            target.parent.mkdir(parents=True, exist_ok=True)
            out = stack.enter_context(open(target, "wb"))
            path = str(target)
        prefix, ascii_ = b"", True
        while chunk := fh.read(_CHUNK):
            if len(prefix) < _PREFIX:
                prefix += chunk[: _PREFIX - len(prefix)]
            ascii_ = ascii_ and chunk.isascii()
            if out is not None:
                out.write(chunk)
    if ascii_:
        data = prefix
        if len(data) == _PREFIX:  # cut at the last full line: the header check sees whole rows
            cut = data.rfind(b"\n")
            data = data[: cut + 1] if cut > 0 else data
        header, enc = read_bytes_header(data, m.name)
    else:  # the loader's own decision on the whole text
        header, enc = read_bytes_header(m.read(), m.name)
    cols = match_columns(
        header, schema.required, m.name, "a police.uk street crime file", optional=schema.optional
    )
    return cols, enc, header, path


def _select(cols: dict[str, str], schema: Schema, need_reported_by: bool = True) -> str:
    """SELECT list: workbench names; coordinates as numbers plus the text of unreadable ones.

    ``need_reported_by=False``: ``Reported by`` is not read (NULL) unless kept: the rules look
    at it only for a source whose coverage comes from the rows' months."""
    out = []
    by_w = {w: h for h, w in cols.items()}
    for w in schema.columns:
        if w not in by_w or (w == "reported_by" and not need_reported_by and w not in schema.kept):
            out.append(f"NULL::VARCHAR AS {w}")
            continue
        h = _q(by_w[w])
        if w in ("longitude", "latitude"):
            num = f"TRY_CAST(trim({h}) AS DOUBLE)"
            out.append(f"{num} AS {w}")
            out.append(f"CASE WHEN trim({h}) <> '' AND {num} IS NULL THEN {h} END AS _bad_{w}")
        else:
            out.append(f"{h} AS {w}")
    out.append(
        f"{_hash_sql(_q(by_w['crime_id']))} AS _h" if "crime_id" in by_w else "NULL::UBIGINT AS _h"
    )
    return ", ".join(out)


def run_duckdb(
    members: list[Member],
    entries: list[FileLedger],
    *,
    period: tuple[pd.Period, pd.Period] | None,
    area: StudyArea | None,
    batch_rows: int = 1_000_000,
    memory_limit: str | None = None,
    threads: int | None = None,
    workdir: str | Path | None = None,
    schema: Schema = LEAN,
) -> tuple[DuckDBRows, dict[int, int]]:
    """Read every member with DuckDB, apply the loader's rules, keep the rows in DuckDB.

    Returns the kept rows (duplicates across batches already removed; ``entries`` updated) and
    the rows read per file number. ``schema``: the columns read and kept
    (:data:`~workbench.engines._rows.LEAN` or ``FULL``).
    """
    import duckdb

    folder = Path(tempfile.mkdtemp(prefix="workbench-duckdb-", dir=workdir))
    # kept rows are written as Parquet parts (pyarrow, in a background thread) and queried
    # through a view: storing them in a DuckDB table cost 3.0 CPU-s a national year (6M rows)
    # in memory, more as a database file, against about 0.6 s for the parts
    con = duckdb.connect()
    con.execute(f"SET temp_directory = {_lit(str(folder / 'spill'))}")
    con.execute("SET preserve_insertion_order = true")
    if memory_limit:
        con.execute(f"SET memory_limit = {_lit(memory_limit)}")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    rows = DuckDBRows(con, folder, schema)
    before = copy.deepcopy(entries)
    loader_reads: set[int] = set()
    try:
        while True:
            shutil.rmtree(folder / "kept", ignore_errors=True)
            try:
                read = _scan(
                    con, members, entries, period, area, batch_rows, folder, schema, loader_reads
                )
                break
            except _Reroute as again:  # the loader reads a file DuckDB refused: start again
                logger.warning("%s; read by the loader's reader instead", again)
                loader_reads |= again.numbers
                for e, b in zip(entries, copy.deepcopy(before), strict=True):
                    e.__dict__.update(b.__dict__)
    except BaseException:
        rows.close()
        raise
    return rows, read


def _loader_error(m: Member, schema: Schema) -> DataError | None:
    """The loader's own error for one file (its reader, normalisation and per-file checks run
    on that file alone name the row, column, expected and found), or None when it has none."""
    try:
        frame, _, pub = police._read_member(
            m.name, m.read, schema.required, schema.optional, "street"
        )
        df = police._concat([frame], list(schema.columns))
        one = np.zeros(len(df), dtype=np.int64)
        df = police._normalise(df, schema.columns, [m.name], one, [pub])
        text_month = df["month"]
        police._check_file_months(
            police.parse_months(text_month),
            text_month,
            police._Members([m.name], one, [pub], [_month_of(m)]),
        )
    except DataError as err:
        return err
    return None


class _Reroute(Exception):
    """DuckDB refused files the loader's reader accepts (``numbers``: their file numbers)."""

    def __init__(self, numbers: set[int], why: str) -> None:
        super().__init__(why)
        self.numbers = numbers


def _refused(exc: Exception, paths: dict[str, Member], schema: Schema) -> Exception:
    """What to raise for a DuckDB error while reading ``paths``: the loader's own error for the
    file DuckDB names (its reader and row checks, run on that one file, name the row, column,
    expected and found), a :class:`_Reroute` when the loader reads that file without error,
    else a :class:`DataError` naming the files."""
    text = str(exc)
    hit = re.search(r"^\s*file = (.+?)\s*$", text, re.MULTILINE)
    m = paths.get(hit.group(1)) if hit else None
    if m is None:
        names = [mm.name for mm in paths.values()]
        return DataError(
            ", ".join(names[:3]) + (" ..." if len(names) > 3 else ""),
            "police.uk CSV text that DuckDB can read",
            found=text.splitlines()[0],
            fix='Set engine = "memory" in area.toml to have the row named exactly.',
        )
    err = _loader_error(m, schema)
    if err is not None:
        return err
    return _Reroute({m.number}, f"{m.name}: DuckDB: {text.splitlines()[0]}")


def _scan(
    con, members, entries, period, area, batch_rows, folder, schema, loader_reads=frozenset()
) -> dict[int, int]:
    member_source = np.array([m.source for m in members], dtype=np.int64)
    by_column = _rows.column_sources(members)
    req, opt, cols_all = schema.required, schema.optional, schema.columns
    read: dict[int, int] = {}
    stats = MonthStats()
    groups: dict[tuple, list[tuple[str, Member]]] = {}
    extract = folder / "zip"
    todo = [m for m in members if m.duplicate_of is None]
    fallback = [m for m in todo if m.number in loader_reads]
    todo = [m for m in todo if m.number not in loader_reads]
    # files read and checked in a few threads (file reads and zlib release the GIL); in
    # reading order, the first bad file's error first
    with ThreadPoolExecutor(max_workers=police._WORKERS) as pool:
        seen = list(pool.map(lambda m: _inspect(m, schema, extract), todo))
    for m, (cols, enc, header, path) in zip(todo, seen, strict=True):
        if enc not in ("utf-8", "utf-8-sig"):
            fallback.append(m)
            continue
        groups.setdefault((tuple(sorted(cols.items())), tuple(header)), []).append((path, m))
    fallback.sort(key=lambda m: m.number)
    writer = _Writer(folder / "kept", con.cursor(), schema)
    for (key, header), group in groups.items():
        cols = dict(key)
        paths: dict[str, Member] = dict(group)
        files = "[" + ", ".join(_lit(p) for p in paths) + "]"
        files_of = _file_hashes(con, paths)
        sql = (
            f"SELECT {_select(cols, schema, need_reported_by=bool(by_column))}, "
            f"hash(filename) AS _file FROM read_csv({files}, header = true, "
            "all_varchar = true, filename = true, delim = ',', quote = '\"', escape = '\"', "
            "auto_detect = false, columns = {"
            + ", ".join(f"{_lit(h)}: 'VARCHAR'" for h in header)
            + "})"
        )
        try:
            position: dict[int, int] = {}
            for batch in _gathered(_prefetch(con.sql(sql).to_arrow_reader(batch_rows)), batch_rows):
                stats = stats.merge(
                    _batch(
                        batch, files_of, position, cols, entries, period, area, writer, read,
                        schema, by_column,
                    )
                )  # fmt: skip
        except (duckdb_error(), OSError) as exc:
            # DuckDB's errors reach here as its own, or as OSError through the Arrow reader
            if not isinstance(exc, duckdb_error()) and "file = " not in str(exc):
                raise
            writer.close()
            raise _refused(exc, paths, schema) from exc
    # not UTF-8, or refused by DuckDB but read by the loader: the loader's own reader, then the
    # same rules
    for m in fallback:
        frame, enc, pub = police._read_member(m.name, m.read, req, opt, "street")
        df = police._concat([frame], list(cols_all))
        if enc != "utf-8":  # as the loader notes it
            entries[m.source].note(f"read as {enc} (not plain UTF-8)", len(df))
        n = len(df)
        read[m.number] = n
        entries[m.source].read += n
        kept, st = _rows.apply_rules(
            df,
            entries,
            src=np.full(n, m.source),
            order=_rows.make_order(np.full(n, m.number), np.arange(n)),
            names=[m.name],
            member=np.zeros(n, dtype=np.int64),
            published=[pub],
            period=period,
            area=area,
            file_months=[_month_of(m)],
            schema=schema,
            column_months=by_column,
        )
        stats = stats.merge(st)
        writer.insert(kept)
    for m in members:  # a file given twice: counted as read and dropped as a whole
        if m.duplicate_of is None:
            continue
        logger.warning("%s is the same monthly file as %s; skipped", m.name, m.duplicate_of)
        frame = police._read_member(m.name, m.read, req, opt, "street")[0]
        n = frame.num_rows if isinstance(frame, pa.Table) else len(frame)
        read[m.number] = n
        entries[m.source].read += n
        entries[m.source].drop(REASONS["duplicate_file"], n)
    writer.close()
    _rows.record_months(members, read, entries)
    _rows.months_from_column(stats, entries)
    _rows.check_whole_load(stats, entries, period)
    # candidates grouped on the 64-bit hash of the Crime ID stored with each row (_h);
    # a collision only adds candidates, which the loader's rule then judges on the text
    # records after the period take part in the rule (the loader's period-independent one)
    later = stats.later if stats.later is not None else _rows.empty_later()
    con.register("later_ids", pa.table({"crime_id": pa.array(later["crime_id"], pa.string())}))
    _open(con, folder / "kept", schema)
    cols = ", ".join(_q(c) for c in schema.kept)
    cands = con.sql(
        f"SELECT {cols} FROM kept WHERE _h IN (SELECT h FROM (SELECT _h AS h FROM kept "
        f"WHERE _h IS NOT NULL UNION ALL SELECT {_hash_sql('crime_id')} FROM later_ids) "
        "GROUP BY 1 HAVING count(*) > 1)"
    ).df()
    con.unregister("later_ids")
    dups = _rows.resolve_duplicates(cands, later)
    if len(dups):
        con.register("dups", pa.table({"_ord": dups["_ord"].to_numpy()}))
        con.execute("INSERT INTO dropped SELECT _ord FROM dups")
        con.unregister("dups")
    _rows.apply_duplicates(dups, entries, member_source)
    return read


def _month_of(m: Member) -> str | None:
    named = _rows.name_month(m)
    return named[0] if named else None


def _gathered(batches, rows: int):
    """Record batches joined into tables of at least ``rows`` rows (DuckDB yields batches of a
    few thousand rows; the loader's rules have a fixed cost per call, e.g. the area's code
    set converted once per ``isin``)."""
    held, n = [], 0
    for b in batches:
        held.append(b)
        n += b.num_rows
        if n >= rows:
            yield pa.Table.from_batches(held)
            held, n = [], 0
    if held:
        yield pa.Table.from_batches(held)


def _prefetch(reader, depth: int = 2):
    """Yield the reader's batches while a thread fetches the next ones, so that DuckDB parses
    CSV (without the GIL) while Python applies the rules to the previous batch."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()

    def work() -> None:
        try:
            for b in reader:
                q.put(b)
        except BaseException as exc:  # handed to the consumer
            q.put(exc)
        q.put(done)

    t = threading.Thread(target=work, daemon=True)
    t.start()
    while True:
        item = q.get()
        if item is done:
            break
        if isinstance(item, BaseException):
            raise item
        yield item
    t.join()


def duckdb_error():
    import duckdb

    return duckdb.Error


def _file_hashes(con, paths: dict[str, Member]) -> tuple[np.ndarray, list[Member]]:
    """DuckDB's hash of each file's path, sorted, and the files in that order: the batches
    carry ``hash(filename)`` (8 bytes a row) instead of the path's text (about 60)."""
    names = list(paths)
    got = con.execute(
        "SELECT hash(p) AS h FROM unnest($1::VARCHAR[]) WITH ORDINALITY AS t(p, i) ORDER BY i",
        [names],
    ).fetchnumpy()["h"]
    hashes = np.asarray(got, dtype=np.uint64)
    order = np.argsort(hashes, kind="stable")
    hashes = hashes[order]
    if len(hashes) > 1 and (hashes[1:] == hashes[:-1]).any():  # pragma: no cover - 2**-64
        raise DataError(", ".join(names[:3]), "file paths DuckDB tells apart", found="two alike")
    return hashes, [paths[names[i]] for i in order]


def _batch(
    batch, files_of, position, cols, entries, period, area, writer, read, schema, by_column
) -> MonthStats:
    """One table of DuckDB record batches through the loader's rules; kept rows inserted into
    ``kept``.

    The loader's per-file checks run on every row (:func:`~workbench.engines._rows.check_files`);
    rows no rule touches (:func:`~workbench.engines._rows.untouched`: the great majority of
    police.uk rows) are stored as read, in Arrow, and only the others go through the loader's
    rules in pandas (``apply_rules``). Repeated Crime IDs are resolved over every kept row at
    the end of the run (:func:`_scan`), as for records repeated across batches.
    """
    table = batch
    hashes, in_order = files_of
    fh = table.column("_file").to_numpy()
    at = np.minimum(np.searchsorted(hashes, fh), len(hashes) - 1)
    if not (hashes[at] == fh).all():  # pragma: no cover - DuckDB read a file not asked for
        raise RuntimeError("DuckDB returned rows of a file that was not in the list")
    per_all = np.bincount(at, minlength=len(in_order))
    present = np.flatnonzero(per_all)
    remap = np.zeros(len(in_order), dtype=np.int64)
    remap[present] = np.arange(len(present))
    codes = remap[at]
    mem = [in_order[i] for i in present]
    # row position within each file, across batches: rank within its file here + rows before
    per_file = np.bincount(codes, minlength=len(mem))
    by_file = np.argsort(codes, kind="stable")
    row = np.empty(len(codes), dtype=np.int64)
    row[by_file] = np.arange(len(codes)) - np.repeat(np.cumsum(per_file) - per_file, per_file)
    start = np.array([position.get(m.number, 0) for m in mem], dtype=np.int64)
    row += start[codes]
    for i, m in enumerate(mem):
        n = int(per_file[i])
        position[m.number] = int(start[i]) + n
        read[m.number] = read.get(m.number, 0) + n
        entries[m.source].read += n
    for w in ("longitude", "latitude"):
        bad = table.column(f"_bad_{w}")
        if bad.null_count < len(bad):
            pos = int(np.flatnonzero(~np.asarray(bad.is_null(), dtype=bool))[0])
            m = mem[int(codes[pos])]
            # the loader's reader on that one file names the row exactly
            raise _loader_error(m, schema) or DataError(
                m.name, "a number (decimal degrees)", found=repr(bad[pos].as_py())
            )
    names = [m.name for m in mem]
    published = [{w: h for h, w in cols.items()}] * len(mem)
    file_months = [_month_of(m) for m in mem]
    text = pd.Series(table.column("month").combine_chunks().to_pandas(), copy=False)
    months = police.parse_months(text)
    lon = table.column("longitude").to_numpy()
    lat = table.column("latitude").to_numpy()
    crime_type = (
        pd.Series(table.column("crime_type").combine_chunks().to_pandas(), copy=False)
        if "crime_type" in schema.columns
        else None
    )
    try:
        _rows.check_files(
            months,
            text,
            lon,
            lat,
            crime_type,
            police._Members(names, codes, published, file_months),
        )
    except DataError as err:  # rows numbered within the batch: the loader's on the file
        hit = next((m for m in mem if m.name == err.file), None)
        raise (_loader_error(hit, schema) if hit else None) or err from None
    del text, crime_type
    numbers = np.array([m.number for m in mem], dtype=np.int64)[codes]
    sources = np.array([m.source for m in mem], dtype=np.int64)[codes]
    order = _rows.make_order(numbers, row)
    nat = np.iinfo(np.int64).min
    name_ord = np.array(
        [
            pd.Period(fm, freq="M").ordinal if fm and m.source not in by_column else nat
            for fm, m in zip(file_months, mem, strict=True)
        ],
        dtype=np.int64,
    )
    ords = months.array.asi8
    lsoa = table.column("lsoa_code") if "lsoa_code" in schema.columns else None
    clean = _rows.untouched(ords, lon, lat, lsoa, name_ord[codes], period=period, area=area)
    stats = MonthStats(rows=0)
    if clean.any():
        idx = np.flatnonzero(clean)
        writer.insert(_stored(table, clean, ords, order, schema))
        _rows.record_untouched(entries, sources[idx], ords[idx], by_month=area is not None)
        stats = MonthStats(
            rows=len(idx),
            any_month=True,
            lo=int(ords[idx].min()),
            hi=int(ords[idx].max()),
            any_inside=True,
        )
    rest = np.flatnonzero(~clean)
    if not len(rest):
        return stats
    keep = list(schema.columns)
    part = table.select(keep)
    if len(rest) < len(clean):
        part = part.take(pa.array(rest))
    df = police._concat([part], keep)
    kept, st = _rows.apply_rules(
        df,
        entries,
        src=sources[rest],
        order=order[rest],
        names=names,
        member=codes[rest],
        published=published,
        period=period,
        area=area,
        file_months=file_months,
        schema=schema,
        column_months=by_column,
        checked=True,
    )
    writer.insert(kept)
    return stats.merge(st)


def _stored(table: pa.Table, clean: np.ndarray, ords, order, schema: Schema) -> pa.Table:
    """The ``kept`` columns of a DuckDB batch as read (text as DuckDB gives it, ``month`` its
    Period ordinal, ``_ord`` the reading order), ``_keep``, the rows to keep, and ``_h``: the
    whole batch goes into its part and the view reads the marked rows (selecting them here
    first cost 0.1 s a million rows)."""
    out = {}
    for c in schema.kept:
        if c == "month":
            out[c] = pa.array(ords, pa.int64())
        elif c == "_ord":
            out[c] = pa.array(order, pa.int64())
        else:
            out[c] = table.column(c)
    out["_keep"] = pa.array(clean)
    out["_h"] = table.column("_h")
    return pa.table(out)


class _Writer:
    """Writes kept rows as Parquet parts (``NNNNNN.parquet`` in ``folder``) in a background
    thread (pyarrow releases the GIL while it encodes), one part at a time, so the next
    batch is judged meanwhile. The first part is empty: the view has a file to read even
    when nothing is kept."""

    def __init__(self, folder: Path, hashes, schema: Schema = LEAN) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.hashes = hashes  # a DuckDB cursor
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.kept = list(schema.kept)
        self.schema = _rows.part_schema(schema, keep=True)
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.pending = None
        self.parts = 0
        self._write(self.schema.empty_table())

    def insert(self, kept: pd.DataFrame | pa.Table) -> None:
        self.wait()
        if len(kept):
            if isinstance(kept, pa.Table):  # every kept column and _keep
                tbl = kept
            else:  # rows judged by the loader's rules: their hash by the same DuckDB function
                tbl = pa.Table.from_pandas(kept[self.kept], preserve_index=False)
                tbl = tbl.append_column("_keep", pa.array(np.ones(len(tbl), dtype=bool)))
                self.hashes.register("judged", tbl)
                sql = f"SELECT *, {_hash_sql('crime_id')} AS _h FROM judged"
                tbl = self.hashes.sql(sql).to_arrow_table()
                self.hashes.unregister("judged")
            self.pending = self.pool.submit(self._write, tbl.select(self.schema.names))

    def _write(self, tbl: pa.Table) -> None:
        path = self.folder / f"{self.parts:06d}.parquet"
        self.parts += 1
        _rows.write_part(tbl, path, self.schema)

    def wait(self) -> None:
        if self.pending is not None:
            self.pending.result()
            self.pending = None

    def close(self) -> None:
        self.wait()
        self.pool.shutdown()


def _open(con, parts: Path, schema: Schema) -> None:
    """The view ``kept`` over the Parquet parts: the kept rows, less those in ``dropped``."""
    cols = ", ".join(_q(c) for c in schema.kept)
    files = _lit(str(parts / "*.parquet"))
    con.execute("CREATE OR REPLACE TABLE dropped (_ord BIGINT)")
    con.execute(
        f"CREATE OR REPLACE VIEW kept AS SELECT {cols}, _h FROM read_parquet({files}) "
        "WHERE _keep AND _ord NOT IN (SELECT _ord FROM dropped)"
    )


def points_within_duckdb(
    rows: DuckDBRows, polygons: gpd.GeoDataFrame, crime_types=None, chunk: int = 1_000_000
) -> gpd.GeoDataFrame:
    """Kept rows inside ``polygons`` (BNG): rows in the polygons' longitude/latitude box are
    fetched as Arrow batches, projected and joined with geopandas batch by batch."""
    xmin, ymin, xmax, ymax = polygons.to_crs(WGS84).total_bounds
    where = (
        f"{_types_where(crime_types)} AND longitude BETWEEN {xmin} AND {xmax} "
        f"AND latitude BETWEEN {ymin} AND {ymax}"
    )
    parts = [_rows.points_in(df, polygons) for df in rows.batches(KEPT, where, chunk)]
    return _rows.concat_points(parts)
