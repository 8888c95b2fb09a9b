"""Benchmark: offline map size and build+save time against GeoDataFrame.explore().

Two cases:

* sample: the Leicester sample's drug-offence Gi* grid, IMD 2019 deciles, wards and the study
  area outline (real data via workbench.study and workbench.hotspots);
* synthetic: 1,000 irregular "LSOAs" around Leicester (Voronoi cells of random points, edges
  densified every 40 m and moved by up to 12 m by a smooth function of position, so they carry
  about as many vertices as real generalised LSOA boundaries), with two choropleth layers (rate
  per 10,000 and IMD decile).

Baseline, measured in the same run: ``GeoDataFrame.explore()`` of the same layers into one
folium map (same columns shown, ``m.save``). Note the baseline links Leaflet, jQuery and
Bootstrap from CDNs while ours inlines Leaflet (about 150 kB), so the size ratio is
conservative for us. Target: ours at most half the baseline's size.

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.maps import MapBuilder, os_attribution, save_map  # noqa: E402
from workbench.maps.builder import OGL  # noqa: E402

SAMPLE = ROOT / "data" / "sample" / "area.toml"


def _explore(layers: list[tuple[gpd.GeoDataFrame, dict]], path: Path) -> tuple[int, float]:
    t0 = time.perf_counter()
    m = None
    for gdf, kw in layers:
        m = gdf.explore(m=m, **kw)
    folium.LayerControl().add_to(m)
    m.save(path)
    return path.stat().st_size, time.perf_counter() - t0


def _ours(builder_fn, path: Path) -> tuple[int, float]:
    t0 = time.perf_counter()
    mb = builder_fn()
    save_map(mb, path, offline=True)
    return path.stat().st_size, time.perf_counter() - t0


def sample_case(tmp: Path) -> dict:
    from workbench.hotspots import count, gistar, grid
    from workbench.study import Study

    study = Study.from_toml(SAMPLE)
    drugs = study.crimes[study.crimes["crime_type"] == "Drugs"]
    gi = gistar(count(drugs, grid(study.area)), "count")
    lsoas, wards, area = study.lsoas, study.wards, study.area

    def build() -> MapBuilder:
        mb = MapBuilder(
            "Drug offences: hot spots (Gi*)",
            "December 2019 to October 2022",
            sources=["data.police.uk", "English Indices of Deprivation 2019"],
            attributions=[OGL, os_attribution(2014)],
        )
        mb.add_gistar(gi).add_imd(lsoas, show=False)
        mb.add_outline(wards, "Wards", label="ward_name", show=False)
        mb.add_outline(area, "Leicester")
        return mb

    ours, t_ours = _ours(build, tmp / "sample_ours.html")
    base, t_base = _explore(
        [
            (
                gi[["count", "z", "p", "bin", "geometry"]],
                {"column": "bin", "cmap": "RdBu_r", "categorical": True, "name": "Gi*"},
            ),
            (
                lsoas[["lsoa_name", "imd_decile", "geometry"]],
                {"column": "imd_decile", "cmap": "RdYlBu", "categorical": True, "name": "IMD"},
            ),
            (wards[["ward_name", "geometry"]], {"style_kwds": {"fill": False}, "name": "Wards"}),
            (area[["name", "geometry"]], {"style_kwds": {"fill": False}, "name": "Leicester"}),
        ],
        tmp / "sample_explore.html",
    )
    return {
        "cells": len(gi),
        "lsoas": len(lsoas),
        "ours_bytes": ours,
        "explore_bytes": base,
        "size_ratio": round(ours / base, 3),
        "ours_s": round(t_ours, 3),
        "explore_s": round(t_base, 3),
    }


def synthetic_lsoas(n: int = 1000, seed: int = 1) -> gpd.GeoDataFrame:
    """``n`` irregular polygons tiling a 24 x 18 km box around Leicester (BNG)."""
    rng = np.random.default_rng(seed)
    x0, y0, w, h = 446_000.0, 295_000.0, 24_000.0, 18_000.0
    pts = shapely.MultiPoint(
        np.column_stack([x0 + rng.uniform(0, w, n), y0 + rng.uniform(0, h, n)])
    )
    box = shapely.box(x0, y0, x0 + w, y0 + h)
    cells = [c.intersection(box) for c in shapely.voronoi_polygons(pts, extend_to=box).geoms]
    dense = shapely.segmentize(np.array(cells, dtype=object), 40.0)

    def wobble(xy: np.ndarray) -> np.ndarray:
        # A smooth function of position: rings stay closed and shared edges stay shared.
        dx = 12 * np.sin(xy[:, 0] * 0.0137 + xy[:, 1] * 0.0291)
        dy = 12 * np.cos(xy[:, 0] * 0.0223 - xy[:, 1] * 0.0171)
        return xy + np.column_stack([dx, dy])

    jittered = shapely.transform(dense, wobble)
    geoms = shapely.make_valid(jittered)
    pop = rng.integers(1000, 2500, n)
    cnt = rng.poisson(pop / 10_000 * 60)
    rate = cnt / pop * 10_000
    return gpd.GeoDataFrame(
        {
            "lsoa_code": [f"E01{i:06d}" for i in range(n)],
            "lsoa_name": [f"Synthetic {i // 4:03d}{'ABCD'[i % 4]}" for i in range(n)],
            "imd_decile": rng.integers(1, 11, n),
            "population": pop,
            "count": cnt,
            "rate": rate,
            "lower": rate * 0.7,
            "upper": rate * 1.4,
        },
        geometry=list(geoms),
        crs="EPSG:27700",
    )


def synthetic_case(tmp: Path) -> dict:
    lsoas = synthetic_lsoas()
    vertices = int(shapely.get_num_coordinates(lsoas.geometry.values).sum())

    def build() -> MapBuilder:
        mb = MapBuilder("Drug offences per 10,000 residents", "2022", sources=["synthetic"])
        mb.add_rates(lsoas, "Rate per 10,000").add_imd(lsoas, show=False)
        return mb

    ours, t_ours = _ours(build, tmp / "synthetic_ours.html")
    cols = ["lsoa_name", "count", "population", "rate", "lower", "upper", "geometry"]
    base, t_base = _explore(
        [
            (
                lsoas[cols],
                {"column": "rate", "scheme": "quantiles", "k": 5, "name": "Rate"},
            ),
            (
                lsoas[["lsoa_name", "imd_decile", "geometry"]],
                {"column": "imd_decile", "categorical": True, "cmap": "RdYlBu", "name": "IMD"},
            ),
        ],
        tmp / "synthetic_explore.html",
    )
    return {
        "lsoas": len(lsoas),
        "vertices": vertices,
        "ours_bytes": ours,
        "explore_bytes": base,
        "size_ratio": round(ours / base, 3),
        "under_3mb": ours < 3_000_000,
        "ours_s": round(t_ours, 3),
        "explore_s": round(t_base, 3),
    }


def main() -> dict:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        result = {"synthetic_1000": synthetic_case(tmp)}
        if SAMPLE.is_file():
            result["sample"] = sample_case(tmp)
    for case, figures in result.items():
        print(
            f"{case}: ours {figures['ours_bytes'] / 1e6:.2f} MB in {figures['ours_s']:.2f} s; "
            f"explore() {figures['explore_bytes'] / 1e6:.2f} MB in {figures['explore_s']:.2f} s; "
            f"size ratio {figures['size_ratio']:.2f}"
        )
    ratios = [f["size_ratio"] for f in result.values()]
    result["target_met"] = all(r <= 0.5 for r in ratios)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
