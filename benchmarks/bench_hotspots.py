"""Benchmark the hotspot engine; the last line printed is one JSON object with the figures.

Run: .venv/bin/python benchmarks/bench_hotspots.py [--quick]

1. KDE: 100,000 points onto a 250 x 250 grid (100 m cells), bandwidth 5 cells (500 m),
   against scipy.stats.gaussian_kde evaluated at the same cell centres. gaussian_kde is far
   too slow on all 62,500 centres, so it is timed on a random subset of centres and scaled up
   linearly (its cost is proportional to the number of evaluation points); this is stated in
   the output.
2. Gi* with FDR on a 187 x 187 lattice of square polygons (34,969, about England's 2011
   LSOA count), queen weights, self included; the time includes building the weights.
3. LISA, 999 permutations, the same lattice, n_jobs=2.
4. Emerging hot spots: 36 monthly periods, 100 x 100 = 10,000 cells, 100,000 points.

The machine may be shared with other jobs, so timings are pessimistic.
"""

from __future__ import annotations

import json
import math
import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import stats
from shapely.geometry import box

from workbench.hotspots import emerging, gistar, grid, kde, lisa

BNG = "EPSG:27700"


def _timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def bench_kde(rng, subset: int) -> dict:
    cs, side, h, n = 100.0, 250, 500.0, 100_000
    area = gpd.GeoDataFrame(geometry=[box(0, 0, side * cs, side * cs)], crs=BNG)
    cells, t_grid = _timed(grid, area, cell_size=cs)
    x = np.r_[rng.normal(8000, 2500, n // 2), rng.uniform(0, side * cs, n - n // 2)]
    y = np.r_[rng.normal(15000, 3000, n // 2), rng.uniform(0, side * cs, n - n // 2)]
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=BNG)
    kde(pts, bandwidth=h, zones=cells)  # warm-up
    ours = min(_timed(kde, pts, bandwidth=h, zones=cells)[1] for _ in range(3))
    data = np.vstack([x, y])
    sigma = math.sqrt((np.var(x, ddof=1) + np.var(y, ddof=1)) / 2)
    # Gaussian sd with the same per-axis spread as the quartic kernel (h / sqrt(8)).
    g = stats.gaussian_kde(data, bw_method=(h / math.sqrt(8)) / sigma)
    idx = rng.choice(len(cells), subset, replace=False)
    centres = np.vstack([cells["x"].to_numpy()[idx], cells["y"].to_numpy()[idx]])
    _, t_sub = _timed(g.evaluate, centres)
    theirs = t_sub * len(cells) / subset
    print(
        f"KDE 100,000 points, {len(cells):,} cells, h = 5 cells: ours {ours:.3f} s "
        f"(grid build {t_grid:.3f} s, not included); scipy gaussian_kde {theirs:.1f} s "
        f"(timed on {subset:,} of {len(cells):,} centres = {t_sub:.2f} s, scaled linearly); "
        f"ratio {theirs / ours:.0f}x"
    )
    return {
        "kde_seconds": round(ours, 4),
        "kde_grid_build_seconds": round(t_grid, 4),
        "gaussian_kde_seconds_scaled": round(theirs, 2),
        "gaussian_kde_subset_centres": subset,
        "kde_speedup": round(theirs / ours, 1),
    }


def _lattice(side: int, rng) -> gpd.GeoDataFrame:
    xx, yy = np.meshgrid(np.arange(side), np.arange(side))
    xx, yy = xx.ravel() * 500.0, yy.ravel() * 500.0
    base = 2 + 6 * np.exp(-((xx - 30_000) ** 2 + (yy - 60_000) ** 2) / (2 * 8000.0**2))
    v = rng.poisson(base).astype(float)
    return gpd.GeoDataFrame({"v": v}, geometry=shapely.box(xx, yy, xx + 500, yy + 500), crs=BNG)


def bench_local(rng, permutations: int) -> dict:
    lat = _lattice(187, rng)
    r, t_gi = _timed(gistar, lat, "v", weights="queen", fdr=True)
    print(
        f"Gi* + FDR, {len(lat):,} polygons, queen (self included): {t_gi:.2f} s "
        f"(weights included); {r.n_hot} hot, {r.n_cold} cold"
    )
    lm, t_lisa = _timed(lisa, lat, "v", permutations=permutations, seed=1, n_jobs=2)
    print(f"LISA {permutations} permutations, {len(lat):,} polygons, n_jobs=2: {t_lisa:.2f} s")
    return {
        "gistar_polygons": len(lat),
        "gistar_fdr_seconds": round(t_gi, 3),
        "lisa_permutations": permutations,
        "lisa_seconds": round(t_lisa, 2),
    }


def bench_emerging(rng) -> dict:
    area = gpd.GeoDataFrame(geometry=[box(0, 0, 10_000, 10_000)], crs=BNG)
    cells = grid(area, cell_size=100)
    n = 100_000
    months = pd.period_range("2020-01", periods=36, freq="M")
    x = rng.uniform(0, 10_000, n)
    y = rng.uniform(0, 10_000, n)
    m = rng.integers(0, 36, n)
    pts = gpd.GeoDataFrame({"month": months[m]}, geometry=gpd.points_from_xy(x, y), crs=BNG)
    r, t = _timed(emerging, pts, "month", cells)
    print(f"Emerging hot spots, {len(cells):,} cells x 36 months, {n:,} points: {t:.2f} s")
    return {"emerging_cells": len(cells), "emerging_periods": 36, "emerging_seconds": round(t, 2)}


def main() -> None:
    quick = "--quick" in sys.argv
    rng = np.random.default_rng(2024)
    figures: dict = {"note": "2-core machine shared with other jobs; timings are pessimistic"}
    figures.update(bench_kde(rng, subset=200 if quick else 1000))
    figures.update(bench_local(rng, permutations=99 if quick else 999))
    figures.update(bench_emerging(rng))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
