"""Time the hot spot explorer per setting on the sample (a benchmark, not a timed test).

Run: .venv/bin/python benchmarks/bench_widgets.py [--config data/sample/area.toml]

Builds :class:`workbench.widgets.HotspotExplorer` on the sample study and changes one control
at a time, as an analyst would: cell size 50 m and the default, KDE and Gi* on the grid,
period, crime type, bandwidth, the points layer. For each change it prints wall and CPU
seconds of the whole update (compute, map, offline iframe) and of the computation alone.
Goal (issue 24): at most 1 s per change at 50 m cells for KDE and Gi*, 0.3 s for typical
settings. The first change to a new cell size also builds that grid's cache (per-month
counts per cell, queen weights, the image's pixels: above ``RASTER_CELLS`` cells the surface
is drawn as one image); it is printed separately. The machine is shared, so CPU
seconds are the fairer figure; the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _clock(fn):
    w, c = time.perf_counter(), time.process_time()
    fn()
    return round(time.perf_counter() - w, 3), round(time.process_time() - c, 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, default=ROOT / "data" / "sample" / "area.toml")
    args = ap.parse_args()
    import warnings

    from workbench.study import Study
    from workbench.widgets import HotspotExplorer

    warnings.simplefilter("ignore")
    print(f"load average at start {os.getloadavg()}")
    study = Study.from_toml(args.config)
    _ = study.crimes, study.lsoas, study.area  # loading is not part of a change
    wall, cpu = _clock(lambda: HotspotExplorer(study))
    ex = HotspotExplorer(study)
    print(f"{len(study.crimes):,} records; explorer built in {wall} s wall, {cpu} s CPU")
    months = [v for _, v in ex.period.options]
    types = list(ex.crime_type.options)
    default_cs = int(ex.cell_size.value)
    rows = []
    for control in ex.controls:  # one update per change below, called explicitly
        control.unobserve(ex._changed, names="value")

    def change(label: str, **values) -> None:
        def run() -> None:
            for name, value in values.items():
                getattr(ex, name).value = value
            ex.update()

        w, c = _clock(run)
        wc, cc = _clock(ex.compute)
        n = len(ex.result) if ex.result is not None else 0
        rows.append({"setting": label, "wall_s": w, "cpu_s": c, "compute_wall_s": wc,
                     "compute_cpu_s": cc, "cells": n})  # fmt: skip
        print(f"{label:<58} {w:6.2f} s wall {c:6.2f} s CPU (compute {wc:5.2f} / {cc:5.2f})"
              f"  {n:,} zones", flush=True)  # fmt: skip

    for cs in (default_cs, 50):
        tag = f"{cs} m"
        change(f"KDE, {tag} cells (first use of this cell size)", method="kde", cell_size=cs)
        change(f"KDE, {tag}: crime type -> {types[1]}", crime_type=types[1])
        change(f"KDE, {tag}: crime type -> {types[0]}", crime_type=types[0])
        change(f"KDE, {tag}: last 12 months", period=(months[-12], months[-1]))
        change(f"KDE, {tag}: bandwidth 250 m", bandwidth=250)
        change(f"KDE, {tag}: bandwidth 600 m", bandwidth=600)
        change(f"KDE, {tag}: + points layer", layer="points")
        change(f"KDE, {tag}: whole period, points layer", period=(months[0], months[-1]))
        change(f"KDE, {tag}: hot spots only", layer="hotspots")
        change(f"Gi* grid, {tag}", method="gistar_grid")
        change(f"Gi* grid, {tag}: crime type -> {types[1]}", crime_type=types[1])
        change(f"Gi* grid, {tag}: last 12 months", period=(months[-12], months[-1]))
        change(f"Gi* grid, {tag}: whole period", period=(months[0], months[-1]))
        change(f"Gi* grid, {tag}: crime type -> {types[0]}", crime_type=types[0])
    print(f"load average {os.getloadavg()}")
    print(json.dumps({"default_cell_size": default_cs, "changes": rows}))


if __name__ == "__main__":
    main()
