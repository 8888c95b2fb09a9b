"""``workbench national`` on a SYNTHETIC country of 35,000 LSOAs: time of each part.

Generates (once, kept under ``--data``) police.uk street files for the synthetic grid of
:func:`workbench.engines.synthetic.national_lsoas` (``--months`` months, ``--rows-per-month``
rows a month, the deliberately bad rows included) and an LSOA boundary file with the same codes
whose polygons are irregular (the Voronoi cells of the squares' jittered centres, edges split
every 250 m, so each has about as many vertices as a generalised LSOA boundary, unlike the
squares), then runs :func:`workbench.national.run_national` with the chosen engine and prints
wall seconds of each part: reading the boundaries, aggregating, each map (the LSOA choropleth,
Gi* with FDR, the grid), and the map files' sizes. Goal (issue 24): the maps built in under
15 s for 35,000 LSOAs. The machine is shared: the load average is printed.

Usage::

    .venv/bin/python benchmarks/bench_national.py --data /tmp/bench-national
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _boundaries(lsoas, path: Path, seed: int = 2) -> None:
    """Irregular polygons with the grid's codes: Voronoi cells of jittered square centres."""
    import geopandas as gpd
    import numpy as np
    import shapely

    rng = np.random.default_rng(seed)
    c = lsoas.geometry.centroid
    x = c.x.to_numpy() + rng.uniform(-500, 500, len(c))
    y = c.y.to_numpy() + rng.uniform(-500, 500, len(c))
    pts = shapely.points(x, y)
    box = shapely.box(*lsoas.total_bounds)
    cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box)
    parts = gpd.GeoDataFrame(geometry=shapely.get_parts(cells), crs=lsoas.crs)
    # voronoi_polygons does not keep the input order: match each cell to its seed
    seeds = gpd.GeoDataFrame({"i": np.arange(len(pts))}, geometry=pts, crs=lsoas.crs)
    hit = gpd.sjoin(parts, seeds, predicate="contains").sort_values("i")
    geom = shapely.segmentize(shapely.intersection(hit.geometry.to_numpy(), box), 250.0)
    out = gpd.GeoDataFrame(
        {"lsoa_code": lsoas["lsoa_code"].to_numpy(), "lsoa_name": lsoas["lsoa_name"].to_numpy()},
        geometry=geom,
        crs=lsoas.crs,
    )
    out.to_file(path, driver="GPKG")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=None, help="keep generated files here")
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--rows-per-month", type=int, default=50_000)
    ap.add_argument("--engine", default="duckdb", choices=["duckdb", "dask", "memory"])
    ap.add_argument("--cell-size", type=float, default=2000.0)
    args = ap.parse_args()
    from workbench.engines.synthetic import national_lsoas, write_street_files
    from workbench.national import national_inputs, run_national

    base = args.data or Path(tempfile.mkdtemp(prefix="bench-national-"))
    police = base / f"police-{args.months}m-{args.rows_per_month}"
    bnd = base / "lsoas.gpkg"
    lsoas = national_lsoas(35_000)
    if not (police / "done.json").exists():
        t = time.perf_counter()
        info = write_street_files(
            police, lsoas, start="2023-01", months=args.months,
            rows_per_month=args.rows_per_month, seed=3,
        )  # fmt: skip
        (police / "done.json").write_text(json.dumps(info))
        print(f"generated {info['rows']:,} rows in {time.perf_counter() - t:.1f} s", flush=True)
    if not bnd.exists():
        t = time.perf_counter()
        _boundaries(lsoas, bnd)
        print(f"boundaries written in {time.perf_counter() - t:.1f} s", flush=True)
    settings = national_inputs(
        police, boundaries=[bnd], engine=args.engine, cell_size=args.cell_size
    )
    t, c = time.perf_counter(), time.process_time()
    run = run_national(settings, base / "out")
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    parts = ("tables_and_simplify", "lsoa_map", "gistar_map", "grid_map")
    maps_s = sum(run.seconds.get(k, 0) for k in parts)
    maps_cpu = sum(run.cpu_seconds.get(k, 0) for k in parts)
    figures = {
        "lsoas": 35_000,
        "engine": args.engine,
        "seconds": run.seconds,
        "cpu_seconds": run.cpu_seconds,
        "maps_seconds": round(maps_s, 2),
        "maps_cpu_seconds": round(maps_cpu, 2),
        "map_mb": {k: round(v["bytes"] / 1e6, 2) for k, v in run.maps.items()},
        "vertices": {
            k: [v.get("vertices_before"), v.get("vertices_after")]
            for k, v in run.maps.items()
            if "vertices_before" in v
        },
        "run_wall_s": round(wall, 1),
        "run_cpu_s_main_process": round(cpu, 1),
        "load_average": os.getloadavg(),
    }
    print(
        f"maps built in {maps_s:.1f} s wall, {maps_cpu:.1f} s CPU (goal: under 15 s for "
        "35,000 LSOAs; on a loaded machine the CPU seconds are the fair figure)"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
