"""``workbench national``: police.uk street crime for every LSOA of a country, as maps.

Reads a folder (or zip) of police.uk street files, or the files a study's ``area.toml`` names,
with one engine (DuckDB by default: it reads from disk and spills beyond its memory limit),
aggregates them to LSOA x month counts and writes, into ``<out>/<date>_national/``:

* ``lsoa_counts.csv``: records per LSOA and month (a month some force's files lack is blank,
  never 0) and the total over the months every force holds;
* ``national_lsoas.html``: the LSOA choropleth of that total (:func:`workbench.maps.national.
  lsoa_map`);
* ``national_gistar.html``: Getis-Ord Gi* on the LSOA totals, queen contiguity, two-sided p
  adjusted by Benjamini-Hochberg (:func:`workbench.hotspots.national.national_gistar`);
* ``national_grid.html``: records per grid cell (:func:`workbench.maps.national.grid_map`);
* ``decile_profile.csv``: records by national deprivation decile (IMD 2019, IoD 2025 or
  WIMD 2019 from the config or ``--imd``, population from ``--population`` or the config),
  or, without those files, a line in the run log saying the profile is absent and why;
* ``run_log.json``: settings, the row ledger of every source (rows read = kept + dropped by
  reason), the months held per force, the timings; ``RUN_COMPLETE.json`` last.

Counts are police.uk open data, published street by street: shown in full (no suppression),
as ``[disclosure] open_data_in_full`` does for a study. Every LSOA of the boundary files is
mapped (a config's study area is not applied); the period is ``--period``, else a config's,
else every month the files hold.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from workbench.coverage import Coverage
from workbench.errors import DataError, WorkbenchError
from workbench.ledger import Ledger
from workbench.licences import OGL
from workbench.writing.cells import safe_csv_frame, whole_counts
from workbench.writing.folder import OutputFolder, write_errors

__all__ = ["NationalSettings", "NationalRun", "national_inputs", "run_national", "run_national_cli"]

logger = logging.getLogger(__name__)

#: Default grid cell (m): 2 km cells over England's extent keep the grid map's click lookup
#: within a tenth of a cell and the page under 15 MB.
GRID_CELL = 2_000.0


@dataclass(frozen=True)
class NationalSettings:
    """What one national run reads and how.

    Attributes
    ----------
    police : tuple of Path
        police.uk street sources (folders, CSVs or zips).
    boundaries : tuple of Path
        LSOA polygons (any CRS pyogrio reads); every polygon is mapped.
    imd, population : Path or None
        Deprivation index file and LSOA population file for the decile profile.
    engine : {"duckdb", "dask", "memory"}
    cell_size : float
        Grid map cell (m, British National Grid).
    config : Path or None
        The ``area.toml`` the files came from, if any.
    period : (Period, Period) or None
        First and last month read (None: every month the files hold).
    """

    police: tuple[Path, ...]
    boundaries: tuple[Path, ...]
    imd: Path | None = None
    population: Path | None = None
    engine: str = "duckdb"
    cell_size: float = GRID_CELL
    config: Path | None = None
    period: tuple[pd.Period, pd.Period] | None = None


@dataclass
class NationalRun:
    """The result of :func:`run_national`: where it wrote, what, and how long each part took."""

    folder: Path
    settings: NationalSettings
    maps: dict[str, dict] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    ledger: dict = field(default_factory=dict)
    coverage: dict = field(default_factory=dict)
    decile_profile: str = ""


def national_inputs(
    source: str | Path,
    *,
    boundaries: list[str | Path] | None = None,
    imd: str | Path | None = None,
    population: str | Path | None = None,
    engine: str | None = None,
    cell_size: float = GRID_CELL,
    period: str | None = None,
) -> NationalSettings:
    """Settings from a police folder/zip (with ``boundaries``) or from an ``area.toml``.

    From a config: ``[files] police_street``, ``lsoa_boundaries``, ``imd`` and ``population``
    (the arguments, when given, replace them) and ``[study] engine`` unless ``engine`` is
    given (``auto`` becomes DuckDB), and its period unless ``period`` (``"YYYY-MM:YYYY-MM"``)
    is given. From a folder: ``boundaries`` is required.
    """
    from workbench.months import span

    months = span(period, "--period") if period else None
    source = Path(source)
    config = None
    police: list[Path] = [source]
    bnd = [Path(b) for b in boundaries or []]
    imd_path = Path(imd) if imd else None
    pop_path = Path(population) if population else None
    chosen = engine
    if source.suffix.lower() == ".toml":
        from workbench.config import load_config

        cfg = load_config(source)
        config = source
        police = [Path(p) for p in cfg.files.get("police_street") or []]
        bnd = bnd or [Path(p) for p in cfg.files.get("lsoa_boundaries") or []]
        imd_path = imd_path or (Path(cfg.files["imd"]) if cfg.files.get("imd") else None)
        pop_path = pop_path or (
            Path(cfg.files["population"]) if cfg.files.get("population") else None
        )
        chosen = chosen or cfg.engine
        months = months or (cfg.period_start, cfg.period_end)
    elif not source.exists():
        raise DataError(
            str(source),
            "a folder or zip of police.uk street files, or an area.toml",
            found="nothing",
        )
    if not police:
        raise WorkbenchError(
            f"{source}: no police.uk street files ([files] police_street is empty)"
        )
    if not bnd:
        raise WorkbenchError(
            "workbench national needs LSOA boundaries to map: pass --boundaries FILE (or an "
            "area.toml whose [files] lsoa_boundaries names them)"
        )
    chosen = "duckdb" if chosen in (None, "auto") else chosen
    if chosen not in ("duckdb", "dask", "memory"):
        raise WorkbenchError(f"--engine must be duckdb, dask or memory, found {chosen!r}")
    if not (isinstance(cell_size, int | float) and math.isfinite(cell_size) and cell_size > 0):
        raise WorkbenchError(f"--cell-size must be a positive number of metres, found {cell_size}")
    return NationalSettings(
        police=tuple(police),
        boundaries=tuple(bnd),
        imd=imd_path,
        population=pop_path,
        engine=chosen,
        cell_size=float(cell_size),
        config=config,
        period=months,
    )


def _held(cov: pd.DataFrame, period: tuple[pd.Period, pd.Period] | None) -> Coverage | None:
    """The months the files hold within ``period`` (every month of it: one no file holds is
    missing), or over the files' own months without a period; None when nothing is held."""
    if period is not None:
        inside = (cov["month"] >= period[0]) & (cov["month"] <= period[1])
        return Coverage.from_frame(cov.loc[inside], period=period)
    return Coverage.from_frame(cov) if len(cov) else None


def _lsoa_table(agg: Any, lsoas: gpd.GeoDataFrame, held: Coverage | None) -> pd.DataFrame:
    """LSOA x month counts (blank where a force's files lack the month) and the total over the
    months every force holds."""
    wide = agg.lsoa_month().reindex(lsoas["lsoa_code"])
    if held is not None:
        wide = wide.reindex(columns=held.months)
    # an LSOA with no record at all: 0 in every held month, missing in the others
    gaps = pd.Index(held.missing) if held is not None else pd.Index([])
    filled = wide.fillna(0).astype("Int64")
    for m in gaps:
        if m in filled.columns:
            filled[m] = pd.array([pd.NA] * len(filled), dtype="Int64")
    filled.columns = [str(c) for c in filled.columns]
    filled.insert(0, "total_months_held", filled.sum(axis=1, skipna=True).astype("Int64"))
    filled.insert(0, "lsoa_name", lsoas["lsoa_name"].to_numpy())
    return filled.reset_index(names="lsoa_code")


def _grid(agg: Any, lsoas: gpd.GeoDataFrame, cell: float) -> tuple[np.ndarray, tuple, int]:
    """Records per ``cell`` m cell over the LSOAs' extent; the origin and the records outside."""
    x0, y0, x1, y1 = lsoas.total_bounds
    ox, oy = math.floor(x0 / cell) * cell, math.floor(y0 / cell) * cell
    shape = (int(math.ceil((y1 - oy) / cell)), int(math.ceil((x1 - ox) / cell)))
    values = agg.grid_counts((ox, oy), cell, shape)
    return values, (ox, oy), agg.n_kept - int(values.sum())


def _decile_profile(
    settings: NationalSettings, lsoas: gpd.GeoDataFrame, totals: pd.Series, ledger: Ledger
) -> tuple[pd.DataFrame | None, str]:
    """The decile profile, or None and why it is absent."""
    if settings.imd is None:
        return None, (
            "absent: no deprivation index file (give --imd with IMD 2019, IoD 2025 or WIMD "
            "2019, or an area.toml whose [files] imd names one)"
        )
    if settings.population is None:
        return None, (
            "absent: no LSOA population file (give --population, or an area.toml whose "
            "[files] population names one); rates by decile need residents"
        )
    from workbench.deprivation import decile_profile
    from workbench.loaders.imd import read_deprivation
    from workbench.loaders.population import read_population

    imd, index = read_deprivation(settings.imd, ledger)
    pop = read_population(settings.population, ledger)
    table = (
        lsoas[["lsoa_code"]]
        .merge(imd[["lsoa_code", "imd_decile"]], on="lsoa_code", how="inner")
        .merge(pop[["lsoa_code", "population"]], on="lsoa_code", how="inner")
    )
    if not len(table):
        return None, (
            f"absent: no LSOA of the boundaries is in both {settings.imd.name} and "
            f"{settings.population.name} (different LSOA vintages?)"
        )
    prof = decile_profile(totals, table)
    unplaced = len(lsoas) - len(table)
    return prof, (
        f"{index.label}: national deciles (1 = most deprived) of {len(table):,} LSOAs"
        + (
            f"; {unplaced:,} LSOA(s) without a decile or population are left out"
            if unplaced
            else ""
        )
    )


def run_national(
    settings: NationalSettings, out: str | Path = "output", *, run_date: str | None = None
) -> NationalRun:
    """Aggregate, map and write one national run (see the module docstring).

    Returns
    -------
    NationalRun

    Notes
    -----
    Totals are over the months every force's files hold (:class:`~workbench.coverage.
    Coverage` ``observed``); a month some force lacks is left out of every total and shown
    blank in ``lsoa_counts.csv``, so no LSOA is compared on a partial month. Gi*: queen
    contiguity, two-sided p, Benjamini-Hochberg FDR at 0.05 (bins at 90/95/99% of the adjusted
    p). The grid counts every kept record by its point; records outside the LSOAs' extent are
    counted in the run log.
    """
    from workbench.engines import aggregate_street
    from workbench.hotspots.national import lsoa_totals, national_gistar
    from workbench.loaders.boundaries import read_boundaries
    from workbench.maps.layers import GISTAR_CLASSES
    from workbench.maps.national import grid_map, lsoa_map, prepare

    run_date = run_date or _dt.date.today().isoformat()
    final = Path(out) / f"{run_date}_national"
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}  # CPU seconds of this process (all its threads: DuckDB's too)
    ledger = Ledger()
    t, c = time.perf_counter(), time.process_time()
    lsoas, _ = read_boundaries(list(settings.boundaries), "lsoa", ledger)
    if "lsoa_name" not in lsoas.columns:
        lsoas["lsoa_name"] = pd.array([None] * len(lsoas), dtype="str")
    lsoas = lsoas.reset_index(drop=True)
    seconds["boundaries"], cpu["boundaries"] = time.perf_counter() - t, time.process_time() - c
    client = None
    t, c = time.perf_counter(), time.process_time()
    if settings.engine == "dask":
        from workbench.engines.distributed import connect

        client = connect(None)
    agg = aggregate_street(
        list(settings.police),
        engine=settings.engine,
        ledger=ledger,
        client=client,
        period=settings.period,
    )
    seconds["aggregate"], cpu["aggregate"] = time.perf_counter() - t, time.process_time() - c
    unbalanced = [f.file for f in agg.ledger.files if not f.balanced]
    kept = sum(f.kept for f in agg.ledger.files)
    if unbalanced or kept != agg.n_kept:  # pragma: no cover - the engines' tests keep this
        raise WorkbenchError(
            f"{agg.engine} engine: rows not accounted for (ledger of {unbalanced or 'every file'}"
            f": {kept:,} kept, {agg.n_kept:,} counted); a bug, please report it"
        )
    held = _held(agg.coverage, settings.period)
    observed = list(held.observed) if held is not None else None
    counts = agg.counts if observed is None else agg.counts[agg.counts["month"].isin(observed)]
    folder = OutputFolder(final)
    run = NationalRun(folder=final, settings=settings)
    try:
        t, c = time.perf_counter(), time.process_time()
        table = _lsoa_table(agg, lsoas, held)
        zones = lsoa_totals(counts, lsoas)
        months_text = held.describe() if held is not None else "no month held (no police file read)"
        title = f"Police-recorded street crime per LSOA, {_period_words(held)}"
        note = f"police.uk street crime ({OGL}). {months_text}"
        prepared = prepare(zones)
        seconds["tables_and_simplify"], cpu["tables_and_simplify"] = (
            time.perf_counter() - t,
            time.process_time() - c,
        )
        t, c = time.perf_counter(), time.process_time()
        run.maps["lsoas"] = lsoa_map(
            zones,
            "count",
            folder.staging / "national_lsoas.html",
            title=title,
            attribution=note,
            prepared=prepared,
        )
        seconds["lsoa_map"], cpu["lsoa_map"] = time.perf_counter() - t, time.process_time() - c
        t, c = time.perf_counter(), time.process_time()
        gi = national_gistar(counts, lsoas)
        gi_frame = gi.frame if hasattr(gi, "frame") else gi
        zones["gi_bin"] = np.asarray(gi_frame["bin"], dtype=float)
        run.maps["gistar"] = lsoa_map(
            zones,
            "gi_bin",
            folder.staging / "national_gistar.html",
            title=f"Hot and cold spots (Gi*, FDR), {_period_words(held)}",
            categories=GISTAR_CLASSES,
            prepared=prepared,
            attribution="Getis-Ord Gi* on LSOA totals, queen contiguity, two-sided p adjusted "
            f"by Benjamini-Hochberg (FDR). {note}",
        )
        seconds["gistar_map"], cpu["gistar_map"] = time.perf_counter() - t, time.process_time() - c
        t, c = time.perf_counter(), time.process_time()
        values, origin, outside = _grid(agg, lsoas, settings.cell_size)
        run.maps["grid"] = grid_map(
            values,
            origin,
            settings.cell_size,
            folder.staging / "national_grid.html",
            title=f"Police-recorded street crime per {settings.cell_size / 1000:g} km cell, "
            f"{_period_words(held)}",
            label="records",
            attribution=note,
            # about 4 pixels a cell is enough to see each; more only costs reprojection
            max_pixels=min(2400, 4 * max(values.shape)),
        )
        seconds["grid_map"], cpu["grid_map"] = time.perf_counter() - t, time.process_time() - c
        prof, why = _decile_profile(settings, lsoas, zones.set_index("lsoa_code")["count"], ledger)
        run.decile_profile = why
        with write_errors(f"the national tables in {folder.staging}"):
            safe_csv_frame(whole_counts(table, list(table.columns[2:]))).to_csv(
                folder.staging / "lsoa_counts.csv", index=False
            )
            if prof is not None:
                safe_csv_frame(prof).to_csv(folder.staging / "decile_profile.csv", index=False)
        run.ledger = ledger.to_dict()
        run.coverage = held.to_dict() if held is not None else {}
        run.seconds = {k: round(v, 2) for k, v in seconds.items()}
        run.cpu_seconds = {k: round(v, 2) for k, v in cpu.items()}
        log = {
            "command": "workbench national",
            "settings": _jsonable(asdict(settings)),
            "engine": agg.engine,
            "records_kept": agg.n_kept,
            "records_outside_grid": outside,
            "records_in_lsoas_not_mapped": int(counts["count"].sum()) - int(zones["count"].sum()),
            "records_in_months_not_held_by_every_force": agg.n_kept - int(counts["count"].sum()),
            "lsoas_mapped": len(lsoas),
            "gistar": {"hot": gi.n_hot, "cold": gi.n_cold} if hasattr(gi, "n_hot") else {},
            "decile_profile": why,
            "maps": {k: _jsonable(v) for k, v in run.maps.items()},
            "seconds": run.seconds,
            "cpu_seconds": run.cpu_seconds,
            "coverage": run.coverage,
            "ledger": run.ledger,
            "disclosure": "police.uk open data, published street by street: counts in full",
        }
        with write_errors(f"the run log in {folder.staging}"):
            (folder.staging / "run_log.json").write_text(json.dumps(log, indent=2), "utf-8")
        folder.commit({"command": "workbench national", "date": run_date})
        for info in run.maps.values():
            info["path"] = final / Path(info["path"]).name
    except BaseException:
        folder.abort()
        raise
    finally:
        agg.close()
    return run


def _period_words(held: Coverage | None) -> str:
    if held is None:
        return "no months"
    a, b = held.period
    return f"{a.strftime('%B %Y')} to {b.strftime('%B %Y')}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path | pd.Period):
        return str(value)
    return value


def run_national_cli(
    source: str,
    *,
    out: str = "output",
    engine: str | None = None,
    boundaries: list[str] | None = None,
    imd: str | None = None,
    population: str | None = None,
    cell_size: float = GRID_CELL,
    period: str | None = None,
) -> int:
    """``workbench national``: run and print where the maps are; returns the exit code."""
    settings = national_inputs(
        source,
        boundaries=boundaries,
        imd=imd,
        population=population,
        engine=engine,
        cell_size=cell_size,
        period=period,
    )
    run = run_national(settings, out)
    print(f"National maps in {run.folder}")
    for name, info in run.maps.items():
        print(f"  {name}: {Path(info['path']).name} ({info['bytes'] / 1e6:.1f} MB)")
    print(f"  decile profile: {run.decile_profile}")
    missing = run.coverage.get("missing") or []
    if missing:
        print(
            f"  MISSING MONTHS (left out of totals, blank in lsoa_counts.csv): {', '.join(missing)}"
        )
    print("  seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in run.seconds.items()))
    return 0
