"""The distributed engine: the same per-file rules as tasks on a Dask cluster.

Each group of police.uk files is one ``dask.delayed`` task that reads them with the loader's own
reader, applies the loader's rules (:func:`workbench.engines._rows.apply_rules`) and writes the
kept rows as a Parquet part into the run's folder; the kept rows are then a ``dask.dataframe``
read from those parts (``dask.dataframe.read_parquet``), so no worker holds them in memory
between queries (persisted on the workers, a national five years took 8 GB summed over the
processes). On a cluster of several machines the folder (``workdir``) must be one every worker
can reach. Counts are a Dask ``groupby``; repeated Crime IDs are found with a Dask
``value_counts`` on a hash of the ID and judged by the loader's rule on the client
(:func:`workbench.engines._rows.resolve_duplicates`); points in a polygon use dask-geopandas.
Dask does all scheduling, partitioning and data movement: nothing here decides which worker
runs what.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from workbench.geo import BNG
from workbench.ledger import REASONS, FileLedger
from workbench.loaders import police
from workbench.loaders.area import StudyArea

from . import _rows
from ._rows import LEAN, Member, MonthStats, Schema

__all__ = ["DaskRows", "run_dask", "connect"]

logger = logging.getLogger(__name__)


def connect(scheduler: str | None):
    """A ``distributed.Client`` for ``scheduler`` (``"tcp://host:8786"``), or ``None``.

    ``None`` uses the client already active in this process (for example one made with a
    ``LocalCluster``) or, when there is none, Dask's default local scheduler.
    """
    if not scheduler:
        return None
    from distributed import Client

    return Client(scheduler)


def _meta(schema: Schema = LEAN) -> pd.DataFrame:
    return _rows.empty_kept(schema).assign(_h=pd.Series(dtype="uint64"))


class _Files:
    """Files of one task (a plain object: Dask passes it whole, as it does not look inside
    it for tasks the way it does with lists and dataclasses)."""

    def __init__(self, members: list[Member]) -> None:
        self.members = list(members)

    def __iter__(self):
        return iter(self.members)


def _process(
    group: _Files,
    n_sources: int,
    period: tuple[pd.Period, pd.Period] | None,
    area: StudyArea | None,
    schema: Schema,
    by_column: frozenset[int],
    out: str,
) -> tuple[str, list[dict], MonthStats, dict[int, int]]:
    """Some files: read (loader's reader), judged together (loader's rules); the path of the
    Parquet part the kept rows were written to (in the folder ``out``), ledgers, stats and
    rows read per file number."""
    entries = [FileLedger("", "police_street") for _ in range(n_sources)]
    frames, names, published, numbers, sources, lengths = [], [], [], [], [], []
    file_months: list[str | None] = []
    read: dict[int, int] = {}
    for m in group:
        frame, enc, pub = police._read_member(
            m.name, m.read, schema.required, schema.optional, "street"
        )
        n = frame.num_rows if isinstance(frame, pa.Table) else len(frame)
        read[m.number] = n
        entries[m.source].read += n
        if m.duplicate_of is not None:
            entries[m.source].drop(REASONS["duplicate_file"], n)
            continue
        if enc != "utf-8":
            entries[m.source].note(f"read as {enc} (not plain UTF-8)", n)
        frames.append(frame)
        names.append(m.name)
        named = _rows.name_month(m)
        file_months.append(named[0] if named else None)
        published.append(pub)
        numbers.append(m.number)
        sources.append(m.source)
        lengths.append(n)
    if frames:
        lengths_a = np.asarray(lengths, dtype=np.int64)
        member = np.repeat(np.arange(len(frames)), lengths_a)
        df = police._concat(frames, list(schema.columns))  # empties ``frames``
        starts = np.repeat(np.cumsum(lengths_a) - lengths_a, lengths_a)
        row = np.arange(len(member)) - starts
        kept, stats = _rows.apply_rules(
            df,
            entries,
            src=np.asarray(sources, dtype=np.int64)[member],
            order=_rows.make_order(np.asarray(numbers, dtype=np.int64)[member], row),
            names=names,
            member=member,
            published=published,
            period=period,
            area=area,
            file_months=file_months,
            schema=schema,
            column_months=by_column,
        )
    else:
        kept, stats = _rows.empty_kept(schema), MonthStats()
    kept = kept.astype({c: "str" for c in schema.text})
    kept["_h"] = pd.util.hash_pandas_object(kept["crime_id"], index=False).to_numpy(np.uint64)
    ledgers = [e.to_dict() for e in entries]
    from pathlib import Path

    path = Path(out) / f"part-{min(m.number for m in group):06d}.parquet"
    table = pa.Table.from_pandas(kept, preserve_index=False)
    _rows.write_part(table, path, _rows.part_schema(schema))
    return str(path), ledgers, stats, read


def _blocks(members: list[Member], blocksize: int) -> list[list[Member]]:
    """Consecutive files grouped into tasks of about ``blocksize`` bytes of CSV, as
    ``dask.dataframe.read_csv`` groups bytes into partitions (the loader's rules have a fixed
    cost per call, so one task per small monthly file would spend most of its time on it)."""
    groups: list[list[Member]] = []
    size = 0
    for m in members:
        n = m.size()
        if not groups or size + n > blocksize:
            groups.append([])
            size = 0
        groups[-1].append(m)
        size += n
    return groups


class DaskRows:
    """The kept rows of a Dask run: a ``dask.dataframe`` over the run's Parquet parts (less
    the duplicate records), read by the workers for each query."""

    def __init__(self, ddf, client=None, schema: Schema = LEAN, folder=None) -> None:
        self.ddf = ddf
        self.client = client
        self.schema = schema
        self._folder = folder

    def __len__(self) -> int:
        return int(self.ddf.map_partitions(len).compute().sum())

    def frame(self) -> pd.DataFrame:
        """Every kept row and column (``schema.kept``), gathered, in reading order."""
        df = self.ddf.drop(columns="_h").compute()
        return df.sort_values("_ord", kind="stable", ignore_index=True)

    def counts(self) -> pd.DataFrame:
        """Kept rows by :data:`KEY` (``month`` as Period ordinal); a kept row without an LSOA
        code (no study area to place it) is counted under a missing code, as in memory."""
        out = self.ddf.groupby(_rows.KEY, observed=True, dropna=False).size().compute()
        return out.rename("count").reset_index()

    def grid_counts(
        self, x0: float, y0: float, cell: float, shape: tuple[int, int], crime_types=None
    ) -> np.ndarray:
        """Counts on a ``shape = (ny, nx)`` grid of ``cell`` metres from ``(x0, y0)``: each
        partition projected and binned on its worker, the grids summed."""
        ddf = self.ddf
        if crime_types is not None:
            ddf = ddf[ddf["crime_type"].isin(list(crime_types))]

        def part(df: pd.DataFrame) -> list:
            out = np.zeros(shape, dtype=np.int64)
            _rows.add_to_grid(out, df, x0, y0, cell)
            return [out]

        grids = ddf.to_delayed()
        import dask

        parts = dask.compute(*[dask.delayed(part)(g) for g in grids])
        return np.sum([p[0] for p in parts], axis=0).astype(np.int64)

    def points_within(self, polygons: gpd.GeoDataFrame, crime_types=None) -> gpd.GeoDataFrame:
        """Kept rows inside ``polygons`` (BNG), by a dask-geopandas spatial join.

        ``dask_geopandas.points_from_xy`` drops the CRS it is given (dask-geopandas 0.5), so it
        is set again before the join.
        """
        import dask_geopandas

        from workbench.geo import to_bng_xy

        ddf = self.ddf.drop(columns="_h")
        if crime_types is not None:
            ddf = ddf[ddf["crime_type"].isin(list(crime_types))]

        def project(df: pd.DataFrame) -> pd.DataFrame:
            x, y = to_bng_xy(df["longitude"].to_numpy(), df["latitude"].to_numpy())
            return df.assign(x=x, y=y)

        meta = _meta(self.schema).drop(columns="_h").assign(x=pd.Series(dtype="float64"))
        meta["y"] = pd.Series(dtype="float64")
        ddf = ddf.map_partitions(project, meta=meta)
        geom = dask_geopandas.points_from_xy(ddf, "x", "y", crs=BNG)
        pts = dask_geopandas.from_dask_dataframe(ddf, geometry=geom).set_crs(
            BNG, allow_override=True
        )
        poly = polygons.to_crs(BNG)
        joined = dask_geopandas.sjoin(pts, poly[[poly.geometry.name]], predicate="within")
        out = joined.compute()
        out = out[~out["_ord"].duplicated()].drop(columns="index_right")
        return _rows.concat_points([out])

    def close(self) -> None:
        """Forget the rows and remove the run's folder of Parquet parts."""
        self.ddf = None
        if self._folder is not None:
            import shutil

            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __del__(self) -> None:  # pragma: no cover - best effort clean-up
        try:
            self.close()
        except Exception:
            pass


def run_dask(
    members: list[Member],
    entries: list[FileLedger],
    *,
    period: tuple[pd.Period, pd.Period] | None,
    area: StudyArea | None,
    client=None,
    blocksize: int = 128_000_000,
    schema: Schema = LEAN,
    workdir=None,
) -> tuple[DaskRows, dict[int, int]]:
    """Read and judge every member as Dask tasks; repeated Crime IDs resolved; kept rows
    written as Parquet parts in a temporary folder and read from there.

    ``client``: a ``distributed.Client`` (``None``: the active one, or Dask's local scheduler).
    ``blocksize``: bytes of CSV per task (see :func:`_blocks`). ``schema``: the columns read
    and kept (:data:`~workbench.engines._rows.LEAN` or ``FULL``). ``workdir``: where the
    temporary folder goes (default: the system's temporary folder; on a cluster of several
    machines, a folder every worker can reach).
    """
    import tempfile

    folder = tempfile.mkdtemp(prefix="workbench-dask-", dir=workdir)
    try:  # the parts written so far go with the folder when the run stops
        return _judged(members, entries, period, area, schema, folder, blocksize, client)
    except BaseException:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        raise


def _judged(members, entries, period, area, schema, folder, blocksize, client):
    """:func:`run_dask` once its folder is made."""
    import dask
    import dask.dataframe as dd

    area_d = dask.delayed(area, traverse=False) if area is not None else None
    by_column = _rows.column_sources(members)
    tasks = [
        dask.delayed(_process, pure=True)(
            _Files(g), len(entries), period, area_d, schema, by_column, folder
        )
        for g in _blocks(members, blocksize)
    ]
    results = dask.compute(*tasks)
    paths = sorted(r[0] for r in results)
    ddf = dd.read_parquet(paths, index=False) if paths else dd.from_pandas(_meta(schema))
    stats = MonthStats()
    read: dict[int, int] = {}
    for _, ledgers, st, got in results:
        stats = stats.merge(st)
        read.update(got)
        for e, d in zip(entries, ledgers, strict=True):
            e.read += d["read"]
            e.kept += d["kept"]
            for k, v in d["dropped"].items():
                e.drop(k, v)
            for k, v in d.get("notes", {}).items():
                e.note(k, v)
    del tasks
    _rows.record_months(members, read, entries)
    _rows.months_from_column(stats, entries)
    _rows.check_whole_load(stats, entries, period)
    has_id = ddf[~ddf["crime_id"].isna()]
    vc = has_id["_h"].value_counts()
    repeated = vc[vc > 1].compute()
    # records after the period take part in the rule (the loader's period-independent one)
    later = stats.later if stats.later is not None else _rows.empty_later()
    later_h = pd.util.hash_pandas_object(later["crime_id"].astype("str"), index=False).to_numpy(
        np.uint64
    )
    dups = _rows.resolve_duplicates(_rows.empty_kept(schema))
    if len(repeated) or len(later_h):
        hashes = np.union1d(repeated.index.to_numpy(np.uint64), later_h)
        cands = has_id[has_id["_h"].isin(hashes)].compute().drop(columns="_h")
        dups = _rows.resolve_duplicates(cands, later)
    member_source = np.array([m.source for m in members], dtype=np.int64)
    _rows.apply_duplicates(dups, entries, member_source)
    if len(dups):
        ddf = ddf[~ddf["_ord"].isin(dups["_ord"].to_numpy(np.int64))]
    return DaskRows(ddf, client, schema, folder), read
