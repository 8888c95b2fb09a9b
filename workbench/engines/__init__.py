"""Engines under the police loader: in memory, DuckDB (embedded) or Dask (distributed).

All three read the same files, judge every row by the loader's own rules
(:mod:`workbench.engines._rows` imports them from :mod:`workbench.loaders.police`) and return
the same :class:`StreetAggregates`: LSOA × month × crime type counts, the row ledger and the
months each force's files hold. Analysis takes the aggregates whichever engine made them.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from workbench.coverage import Coverage
from workbench.errors import ConfigError
from workbench.geo import BNG
from workbench.ledger import FileLedger, Ledger
from workbench.loaders.area import StudyArea

from . import _rows
from ._rows import KEPT, KEY, coverage, list_members

__all__ = [
    "ENGINES",
    "AUTO_DUCKDB_ROWS",
    "BYTES_PER_ROW",
    "StreetAggregates",
    "aggregate_street",
    "choose_engine",
    "estimate_rows",
    "KEPT",
]

logger = logging.getLogger(__name__)

#: The engine names ``area.toml`` accepts (``[study] engine``).
ENGINES = ("auto", "memory", "duckdb", "dask")
#: ``engine = "auto"`` uses DuckDB from this many (estimated) rows; below it, the in-memory
#: loader. Set from ``benchmarks/bench_scale.py`` (see ``docs/scale.md``).
AUTO_DUCKDB_ROWS = 3_000_000
#: Bytes of CSV text per police.uk street-crime row, for the row estimate (measured on the
#: sample: 42,283,570 bytes, 174,009 rows, about 243 bytes a row).
BYTES_PER_ROW = 243


class _MemoryRows:
    """The kept rows of the in-memory loader (its GeoDataFrame)."""

    def __init__(self, gdf: gpd.GeoDataFrame) -> None:
        self.gdf = gdf

    def __len__(self) -> int:
        return len(self.gdf)

    def frame(self) -> pd.DataFrame:
        """The kept rows as :data:`KEPT` (``_ord``: position in the loader's result)."""
        g = self.gdf
        return pd.DataFrame(
            {
                "crime_id": g["crime_id"].array,
                "month": g["month"].array.asi8,
                "lsoa_code": g["lsoa_code"].array,
                "crime_type": g["crime_type"].array,
                "falls_within": g["falls_within"].array,
                "longitude": g["longitude"].to_numpy(np.float64),
                "latitude": g["latitude"].to_numpy(np.float64),
                "_ord": np.arange(len(g), dtype=np.int64),
            }
        )

    def counts(self) -> pd.DataFrame:
        g = self.gdf
        df = pd.DataFrame(
            {
                "lsoa_code": g["lsoa_code"].array,
                "month": g["month"].array.asi8,
                "crime_type": g["crime_type"].array,
            }
        )
        return df.groupby(KEY, observed=True, dropna=False).size().rename("count").reset_index()

    def grid_counts(self, x0, y0, cell, shape, crime_types=None) -> np.ndarray:
        df = self.frame()
        if crime_types is not None:
            df = df[df["crime_type"].isin(list(crime_types))]
        out = np.zeros(shape, dtype=np.int64)
        _rows.add_to_grid(out, df, x0, y0, cell)
        return out

    def points_within(self, polygons, crime_types=None) -> gpd.GeoDataFrame:
        df = self.frame()
        if crime_types is not None:
            df = df[df["crime_type"].isin(list(crime_types))]
        return _rows.concat_points([_rows.points_in(df, polygons)])

    def close(self) -> None:
        self.gdf = None


def _loader_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The loader's own result, without columns added after it (the attribution rule's)."""
    from workbench.loaders.police import STREET_COLUMNS

    cols = [*STREET_COLUMNS, gdf.geometry.name]
    return gdf[cols] if list(gdf.columns) != cols else gdf


@dataclass
class StreetAggregates:
    """What the analysis needs from police.uk street crime, whichever engine made it.

    Attributes
    ----------
    counts : DataFrame
        ``lsoa_code``, ``month`` (Period[M]), ``crime_type``, ``count`` (int64): kept records per
        LSOA, month and crime type, sorted by those keys. Combinations with no record are absent
        (zero only within months the force's files cover: see ``coverage``).
    ledger : Ledger
        One :class:`~workbench.ledger.FileLedger` per configured source: rows read, kept and
        dropped by reason (the loader's reasons).
    coverage : DataFrame
        ``force``, ``month``, ``files``, ``rows`` (Int64): the months each force's files hold
        (from the file names ``YYYY-MM-<force>-street.csv``; for a source not named so, from
        its rows' Month column, with ``files`` and ``rows`` missing). A month absent for a
        force is missing data.
    engine : str
        ``"memory"``, ``"duckdb"`` or ``"dask"``.
    """

    counts: pd.DataFrame
    ledger: Ledger
    coverage: pd.DataFrame
    engine: str
    rows: Any = field(default=None, repr=False)

    @property
    def n_kept(self) -> int:
        """Records kept (the sum of ``counts``)."""
        return int(self.counts["count"].sum())

    @property
    def held(self) -> Coverage:
        """The months the files hold, as the one coverage type (:class:`~workbench.coverage.
        Coverage`) over the first to the last month any force holds."""
        if not len(self.coverage):
            raise ValueError("the aggregates hold no month (no police file was read)")
        return Coverage.from_frame(self.coverage)

    def lsoa_month(self, crime_types: Sequence[str] | None = None) -> pd.DataFrame:
        """Counts per LSOA (rows) and month (columns) for the chosen crime types (all: None).

        Months run from the first to the last month any force covers. In a month every
        force's files hold (:attr:`held` ``.observed``), an LSOA with no record gets 0; a
        month some force's files lack is missing (``<NA>``) in every row, never zero or a
        partial count. Nullable ``Int64``.
        """
        c = self.counts
        if crime_types is not None:
            c = c[c["crime_type"].isin(list(crime_types))]
        wide = c.pivot_table(
            index="lsoa_code", columns="month", values="count", aggfunc="sum", fill_value=0
        )
        gaps = None
        if len(self.coverage):
            held = self.held
            wide = wide.reindex(columns=held.months, fill_value=0)
            gaps = wide.columns.isin(held.missing)
        wide = wide.astype("Int64")
        if gaps is not None and gaps.any():
            wide.loc[:, gaps] = pd.NA
        return wide

    def lsoa_totals(self, crime_types: Sequence[str] | None = None) -> pd.Series:
        """Counts per LSOA over the whole period for the chosen crime types."""
        c = self.counts
        if crime_types is not None:
            c = c[c["crime_type"].isin(list(crime_types))]
        return c.groupby("lsoa_code")["count"].sum().astype("int64")

    def grid_counts(
        self,
        origin: tuple[float, float],
        cell_size: float,
        shape: tuple[int, int],
        crime_types: Sequence[str] | None = None,
    ) -> np.ndarray:
        """Kept records per cell of a square grid (``shape = (rows, columns)`` from the
        lower-left ``origin``, BNG metres); row 0 is the southernmost. Records outside the grid
        are not counted."""
        return self.rows.grid_counts(origin[0], origin[1], cell_size, shape, crime_types)

    def points_within(
        self, polygons: gpd.GeoDataFrame, crime_types: Sequence[str] | None = None
    ) -> gpd.GeoDataFrame:
        """The kept records (columns :data:`~workbench.engines._rows.KEPT` plus BNG ``x``,
        ``y``) inside ``polygons``, as BNG points in reading order, for point methods (KDE,
        Gi* on a grid) on a sub-area."""
        if self.engine == "duckdb":
            from .embedded import points_within_duckdb

            return points_within_duckdb(self.rows, polygons.to_crs(BNG), crime_types)
        return self.rows.points_within(polygons, crime_types)

    def crimes(self) -> gpd.GeoDataFrame:
        """The kept records as :func:`workbench.loaders.police.read_street` returns them.

        Needs every column kept (``aggregate_street(..., columns="all")``). Same columns,
        types, CRS (EPSG:27700 points) and row order (the loader's reading order: sources as
        configured, files by name, rows as in the file) as the loader's GeoDataFrame.
        """
        if self.rows is None:
            raise ValueError("the aggregates are closed: their rows are gone")
        if isinstance(self.rows, _MemoryRows):
            return _loader_columns(self.rows.gdf)
        if tuple(self.rows.schema.kept) != tuple(_rows.FULL.kept):
            raise ValueError(
                'the engine kept only the columns of the counts: use columns="all" to have '
                "the rows themselves"
            )
        return _rows.to_crimes(self.rows.frame())

    def close(self) -> None:
        """Release the engine's kept rows (the DuckDB or Dask engine's temporary folder)."""
        if self.rows is not None:
            self.rows.close()
            self.rows = None


def estimate_rows(sources: Sequence[str | Path]) -> int:
    """Rows in the police.uk sources, estimated from their uncompressed size
    (:data:`BYTES_PER_ROW`)."""
    total = 0
    for src in sources:
        p = Path(src)
        if p.is_dir():
            total += sum(f.stat().st_size for f in p.rglob("*.csv"))
        elif p.is_file() and zipfile.is_zipfile(p):
            with zipfile.ZipFile(p) as zf:
                total += sum(i.file_size for i in zf.infolist())
        elif p.is_file():
            total += p.stat().st_size
    return total // BYTES_PER_ROW


def choose_engine(engine: str, sources: Sequence[str | Path]) -> str:
    """The engine to use: ``engine`` itself, or for ``"auto"`` DuckDB from
    :data:`AUTO_DUCKDB_ROWS` estimated rows and the in-memory loader below."""
    if engine not in ENGINES:
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, found {engine!r}")
    if engine != "auto":
        return engine
    n = estimate_rows(sources)
    chosen = "duckdb" if n >= AUTO_DUCKDB_ROWS else "memory"
    logger.info("engine auto: about %d rows -> %s", n, chosen)
    return chosen


def aggregate_street(
    sources: Sequence[str | Path],
    *,
    period: tuple[pd.Period, pd.Period] | None = None,
    area: StudyArea | None = None,
    engine: str = "auto",
    scheduler: str | None = None,
    client: Any = None,
    ledger: Ledger | None = None,
    memory_limit: str | None = "1GB",
    workdir: str | Path | None = None,
    crimes: gpd.GeoDataFrame | None = None,
    crimes_ledger: Sequence[FileLedger] | None = None,
    columns: str = "counts",
) -> StreetAggregates:
    """Read police.uk street crime with the chosen engine and aggregate it.

    Parameters
    ----------
    sources, period, area :
        As :func:`workbench.loaders.police.read_street`.
    engine : {"auto", "memory", "duckdb", "dask"}
        ``"auto"``: see :func:`choose_engine`.
    scheduler : str, optional
        Dask scheduler address (``"tcp://host:8786"``) for ``engine="dask"``; without it the
        active ``distributed.Client`` (or ``client``) is used, else Dask's local scheduler.
    ledger : Ledger, optional
        Receives the per-source ledgers too.
    memory_limit : str, default "1GB"
        DuckDB's working memory (its kept-rows table spills to a temporary folder beyond it;
        1 GB gave the fastest national runs here, see docs/scale.md). ``None``: DuckDB's
        default (80% of RAM).
    workdir : str or Path, optional
        Where the DuckDB or Dask engine's temporary folder of kept rows goes (default: the
        system's temporary folder; for Dask on several machines, one every worker reaches).
    crimes : GeoDataFrame, optional
        For ``engine="memory"``: rows already loaded by ``read_street`` with the same arguments
        (a :class:`~workbench.study.Study` passes its ``crimes``), with their ledger entries in
        ``crimes_ledger`` (already in the study's ledger, so not added to ``ledger`` again).
    columns : {"counts", "all"}
        ``"counts"``: the DuckDB and Dask engines read and keep only the columns the
        aggregates need (``_rows.LEAN``); ``"all"``: every published column, so that
        :meth:`StreetAggregates.crimes` can give the loader's GeoDataFrame (``_rows.FULL``;
        meant for a study area, whose rows fit in memory).

    Returns
    -------
    StreetAggregates

    Notes
    -----
    Every engine applies the loader's validation and drop rules (the in-memory engine *is*
    the loader; the others call its rule functions on each file or batch), so counts and
    ledgers agree exactly (``tests/engines``, ``benchmarks/bench_scale.py``).
    """
    sources = [Path(s) for s in sources]
    schema = _rows.schema_of(columns)
    chosen = choose_engine(engine, sources)
    members, entries = list_members(sources)
    read: dict[int, int] | None = None
    if chosen == "memory":
        from workbench.loaders.police import read_street

        own = Ledger()
        if crimes is None:
            crimes = read_street(sources, period=period, area=area, ledger=own)
            entries = own.files
        else:
            entries = list(crimes_ledger or [])
            ledger = None
        rows = _MemoryRows(crimes)
    elif chosen == "duckdb":
        from .embedded import run_duckdb

        rows, read = run_duckdb(
            members,
            entries,
            period=period,
            area=area,
            memory_limit=memory_limit,
            workdir=workdir,
            schema=schema,
        )
    else:
        from .distributed import connect, run_dask

        client = client or connect(scheduler)
        rows, read = run_dask(
            members,
            entries,
            period=period,
            area=area,
            client=client,
            schema=schema,
            workdir=workdir,
        )
    counts = rows.counts()
    counts["month"] = pd.PeriodIndex.from_ordinals(counts["month"].to_numpy(np.int64), freq="M")
    counts = counts.astype({"lsoa_code": "str", "crime_type": "str", "count": "int64"})
    counts = counts.sort_values(KEY, ignore_index=True)[[*KEY, "count"]]
    if ledger is not None and entries:
        ledger.extend(entries)
    cov = coverage(members, read, entries)
    logger.info(
        "%s engine: %d records kept in %d LSOA-month-type cells",
        chosen,
        int(counts["count"].sum()),
        len(counts),
    )
    return StreetAggregates(
        counts=counts, ledger=Ledger(list(entries)), coverage=cov, engine=chosen, rows=rows
    )
