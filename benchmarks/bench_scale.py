"""National scale: files -> LSOA x month counts with the in-memory, DuckDB and Dask engines.

Generates a SYNTHETIC national file set (35,000 LSOA-like squares in 43 force bands, about
6,000,000 rows a year, months in the police.uk custom-download layout
``YYYY-MM/YYYY-MM-<force>-street.csv``, and in every file a few deliberately bad rows: no
coordinates, outside Great Britain, unparseable month, blank and unknown LSOA codes, a
repeated record) for each number of years asked, then runs each engine in a child process on
it, with the whole synthetic country as the study area, and reports:

* wall time, CPU seconds (the child's and its reaped children's, ``os.times``) and peak
  resident memory of the child (the sum over its process tree, so a Dask LocalCluster's
  workers count), sampled every 0.5 s with psutil;
* the same for a plain DuckDB ``GROUP BY`` over the same files (``plain``: no validation,
  duplicates, attribution or ledger), and each engine's CPU seconds as a multiple of it (the
  goal for the DuckDB engine is 2x); on a shared machine the CPU ratio is the fair figure;
* whether every engine gave identical LSOA x month x crime type counts and identical ledgers;
* for the largest set: national Gi* with FDR on the LSOA totals (queen contiguity), emerging hot
  spots on every LSOA's monthly series and an IMD decile profile (synthetic deciles), each from
  the DuckDB aggregates.

The in-memory engine runs only while the estimated rows are below ``--memory-max-rows``
(default 7,000,000: one national year); see the README's performance section for its limit.

The last line printed is one JSON object. Usage::

    .venv/bin/python benchmarks/bench_scale.py --years 1            # quick
    .venv/bin/python benchmarks/bench_scale.py --years 1 3 5 --data /tmp/national
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

N_LSOA = 35_000


def _generate(folder: Path, years: int, rows_per_year: int, seed: int) -> dict:
    from workbench.engines.synthetic import national_lsoas, write_street_files

    done = folder / "done.json"
    if done.exists():
        return json.loads(done.read_text())
    lsoas = national_lsoas(N_LSOA)
    t = time.perf_counter()
    info = write_street_files(
        folder, lsoas, start="2020-01", months=12 * years, rows_per_month=rows_per_year // 12,
        seed=seed,
    )  # fmt: skip
    info["seconds"] = round(time.perf_counter() - t, 1)
    done.write_text(json.dumps(info))
    return info


def _plain(src: str, out: str, workdir: str) -> None:
    """The baseline: one plain DuckDB ``GROUP BY`` over the same files (no validation, no
    duplicates, no attribution, no ledger), with the engine's memory limit."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET memory_limit = '1GB'")
    con.execute(f"SET temp_directory = '{Path(workdir) / 'plain-spill'}'")
    t, cpu0 = time.perf_counter(), _cpu()
    glob = str(Path(src) / "**" / "*.csv").replace("'", "''")
    df = con.execute(
        f"""SELECT "LSOA code" AS lsoa_code, "Month" AS month, "Crime type" AS crime_type,
               count(*) AS count
            FROM read_csv('{glob}', header = true, all_varchar = true)
            GROUP BY ALL"""
    ).df()
    seconds = time.perf_counter() - t
    df.to_parquet(Path(out) / "counts.pq")
    _done(out, seconds, int(df["count"].sum()), cpu0)


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (Dask's worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _done(out: str, seconds: float, kept: int, cpu0: float) -> None:
    """time.json: wall seconds of the aggregation, rows kept, CPU seconds of the whole child
    (imports included) and of the aggregation alone (from ``cpu0``)."""
    cpu = _cpu()
    (Path(out) / "time.json").write_text(
        json.dumps({"seconds": seconds, "kept": kept, "cpu": cpu, "aggregate_cpu": cpu - cpu0})
    )


def _child(engine: str, src: str, out: str, workdir: str) -> None:
    """Run one engine; write counts (parquet), ledger and timing to ``out``."""
    if engine == "plain":
        _plain(src, out, workdir)
        return
    from workbench.engines import aggregate_street
    from workbench.engines.synthetic import national_area, national_lsoas

    area = national_area(national_lsoas(N_LSOA))
    client = cluster = None
    if engine == "dask":
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    t, cpu0 = time.perf_counter(), _cpu()
    agg = aggregate_street(
        [src], area=area, engine=engine, client=client, memory_limit="1GB", workdir=workdir
    )
    seconds = time.perf_counter() - t
    agg.counts.assign(month=agg.counts["month"].astype(str)).to_parquet(Path(out) / "counts.pq")
    (Path(out) / "ledger.json").write_text(agg.ledger.to_json())
    agg.close()
    if client is not None:
        client.close()
        cluster.close()
    _done(out, seconds, agg.n_kept, cpu0)


def _measure(engine: str, src: Path, out: Path, workdir: Path) -> dict:
    import psutil

    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, __file__, "--child", engine, str(src), str(out), str(workdir)]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)})
    p = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = p.memory_info().rss
            for c in p.children(recursive=True):
                try:
                    rss += c.memory_info().rss
                except psutil.Error:
                    pass
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.5)
    wall = time.perf_counter() - t
    if proc.returncode:
        return {"engine": engine, "error": f"exit code {proc.returncode}"}
    inner = json.loads((out / "time.json").read_text())
    return {
        "engine": engine,
        "wall_s": round(wall, 1),
        "aggregate_s": round(inner["seconds"], 1),
        "cpu_s": round(inner["cpu"], 1),
        "aggregate_cpu_s": round(inner["aggregate_cpu"], 1),
        "peak_gb": round(peak / 1e9, 2),
        "kept": inner["kept"],
    }


def _analysis(counts_path: Path) -> dict:
    """National Gi* + FDR, emerging hot spots and a decile profile from the aggregates."""
    import numpy as np
    import pandas as pd

    from workbench.deprivation import decile_profile
    from workbench.engines.synthetic import national_lsoas
    from workbench.hotspots.national import national_emerging, national_gistar

    counts = pd.read_parquet(counts_path)
    counts["month"] = pd.PeriodIndex(counts["month"], freq="M")
    lsoas = national_lsoas(N_LSOA)
    out = {}
    t = time.perf_counter()
    gi = national_gistar(counts, lsoas)
    out["gistar_s"] = round(time.perf_counter() - t, 1)
    out["gistar_hot"] = int(((gi["bin"] > 0) & gi["significant"]).sum())
    t = time.perf_counter()
    em = national_emerging(counts, lsoas)
    out["emerging_s"] = round(time.perf_counter() - t, 1)
    out["emerging_categories"] = {k: v for k, v in em.category_counts.items() if v}
    rng = np.random.default_rng(5)
    imd = pd.DataFrame(
        {
            "lsoa_code": lsoas["lsoa_code"],
            "imd_decile": (rng.permutation(N_LSOA) * 10 // N_LSOA + 1).astype(int),
            "population": rng.integers(1000, 3000, N_LSOA),
        }
    )
    t = time.perf_counter()
    totals = counts.groupby("lsoa_code")["count"].sum()
    prof = decile_profile(totals, imd)
    out["decile_profile_s"] = round(time.perf_counter() - t, 2)
    out["decile_rows"] = len(prof)
    return out


def _clock(fn, *args, **kwargs):
    """``fn(...)``, wall seconds and CPU seconds of this process (all threads)."""
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - w, time.process_time() - c


def _kde(n_points: int = 1_000_000, side: int = 500, h: float = 500.0) -> dict:
    """KDE of ``n_points`` on a ``side`` x ``side`` grid of 100 m cells, in the same run:
    the whole ``kde()`` call with ``method="auto"`` (given the study area, so the grid is built
    inside the call, and given a built grid), the exact path, and KDEpy's FFTKDE (biweight =
    quartic kernel) plus the grid construction ``kde()`` needs. CPU seconds (process time) are
    the fair figure on a shared machine; wall seconds are printed too. KDEpy bins on its
    output grid (bins h/5 here); it is also timed on a grid 4x finer per side, the nearest to
    ``kde``'s bins of at most h/16 (equal accuracy)."""
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import box

    from workbench.hotspots import grid, kde

    rng = np.random.default_rng(11)
    cs = 100.0
    ext = side * cs
    k = n_points // 2
    x = np.r_[rng.normal(0.4 * ext, 0.08 * ext, k), rng.uniform(0, ext, n_points - k)]
    y = np.r_[rng.normal(0.6 * ext, 0.05 * ext, k), rng.uniform(0, ext, n_points - k)]
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=27700)
    area = gpd.GeoDataFrame(geometry=[box(0, 0, ext, ext)], crs=27700)
    kde(pts.iloc[:1000], bandwidth=h, zones=area, cell_size=250.0, method="fft")  # imports
    out: dict = {"points": n_points, "cells": side * side, "bandwidth_m": h}
    g, out["grid_wall_s"], out["grid_cpu_s"] = _clock(grid, area, cell_size=cs)
    auto, out["kde_auto_wall_s"], out["kde_auto_cpu_s"] = _clock(kde, pts, bandwidth=h, zones=g)
    _, out["kde_auto_with_grid_wall_s"], out["kde_auto_with_grid_cpu_s"] = _clock(
        kde, pts, bandwidth=h, zones=area, cell_size=cs
    )
    out["kde_auto_method"] = auto.method
    exact, out["exact_wall_s"], out["exact_cpu_s"] = _clock(
        kde, pts, bandwidth=h, zones=g, method="exact"
    )
    d = np.abs(auto["density"].to_numpy() - exact["density"].to_numpy())
    peak = float(exact["density"].max())
    out["auto_max_error_share_of_peak"] = float(d.max() / peak)
    out["auto_error_bound_share_of_peak"] = float(auto.error_bound / peak)
    try:
        from KDEpy import FFTKDE
    except ImportError:
        out["kdepy_cpu_s"] = None
    else:
        data = np.column_stack([x, y])

        def kdepy(m: int) -> None:
            # KDEpy's bw is the kernel's standard deviation; its grid must contain every point
            FFTKDE(kernel="biweight", bw=h / 3.0).fit(data).evaluate((m * side, m * side))

        kdepy(1)
        _, out["kdepy_wall_s"], out["kdepy_cpu_s"] = _clock(kdepy, 1)
        _, out["kdepy_fine_wall_s"], out["kdepy_fine_cpu_s"] = _clock(kdepy, 4)
        ref = out["kdepy_cpu_s"] + out["grid_cpu_s"]
        # the goal: the whole kde() call (given the grid) against FFTKDE + building that grid
        out["ratio_kde_call_to_kdepy_plus_grid_cpu"] = round(out["kde_auto_cpu_s"] / ref, 2)
        # kde() building (and clipping) its own grid from the study area
        out["ratio_kde_call_with_grid_to_kdepy_plus_grid_cpu"] = round(
            out["kde_auto_with_grid_cpu_s"] / ref, 2
        )
        out["ratio_kde_call_to_kdepy_fine_plus_grid_cpu"] = round(
            out["kde_auto_with_grid_cpu_s"] / (out["kdepy_fine_cpu_s"] + out["grid_cpu_s"]), 2
        )
    for key, v in list(out.items()):
        if isinstance(v, float):
            out[key] = round(v, 3) if v >= 1e-3 else v
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=int, nargs="+", default=[1, 3, 5])
    ap.add_argument("--data", type=Path, default=None, help="keep generated files here")
    ap.add_argument("--engines", nargs="+", default=["memory", "duckdb", "dask", "plain"])
    ap.add_argument("--rows-per-year", type=int, default=6_000_000)
    ap.add_argument("--memory-max-rows", type=int, default=7_000_000)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--no-analysis", action="store_true")
    ap.add_argument("--part", choices=["engines", "kde", "all"], default="all")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    import pandas as pd

    base = args.data or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    figures: dict = {"runs": []}
    if args.part in ("kde", "all"):
        figures["kde"] = _kde()
        print(f"KDE: {figures['kde']}", flush=True)
    last_counts = None
    for years in args.years if args.part != "kde" else []:
        src = base / f"national-{years}y"
        info = _generate(src, years, args.rows_per_year, args.seed)
        print(f"{years} year(s): {info['files']:,} files, {info['rows']:,} rows", flush=True)
        results = {}
        for engine in args.engines:
            if engine == "memory" and info["rows"] > args.memory_max_rows:
                print(f"  memory: skipped ({info['rows']:,} rows > --memory-max-rows)")
                continue
            out = base / "out" / f"{years}y-{engine}"
            r = _measure(engine, src, out, base)
            r["years"], r["rows"] = years, info["rows"]
            figures["runs"].append(r)
            print(f"  {engine}: {r}", flush=True)
            if "error" not in r and engine != "plain":
                results[engine] = out
        runs = {r["engine"]: r for r in figures["runs"] if r.get("years") == years}
        plain = runs.get("plain", {})
        for engine in ("memory", "duckdb", "dask"):
            for key in ("cpu_s", "aggregate_cpu_s"):
                if plain.get(key) and key in runs.get(engine, {}):
                    ratio = round(runs[engine][key] / plain[key], 2)
                    figures[f"{key}_ratio_{engine}_to_plain_{years}y"] = ratio
                    print(f"  {engine} / plain DuckDB GROUP BY, {key}: {ratio}x (goal for "
                          "duckdb: 2x)")  # fmt: skip
        ref = None
        agree = True
        for engine, out in results.items():
            counts = pd.read_parquet(out / "counts.pq")
            ledger = json.loads((out / "ledger.json").read_text())
            if ref is None:
                ref = (engine, counts, ledger)
                continue
            same = counts.equals(ref[1]) and ledger == ref[2]
            agree &= same
            print(f"  {engine} vs {ref[0]}: counts and ledger identical = {same}")
        figures[f"agree_{years}y"] = agree if len(results) > 1 else None
        if "duckdb" in results:
            last_counts = results["duckdb"] / "counts.pq"
            figures[f"ledger_{years}y"] = json.loads(
                (results["duckdb"] / "ledger.json").read_text()
            )["files"][0]
    if last_counts is not None and not args.no_analysis:
        a = _analysis(last_counts)
        print(f"analysis on the {args.years[-1]}-year aggregates: {a}")
        figures["analysis"] = a
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
