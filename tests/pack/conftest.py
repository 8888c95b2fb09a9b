"""A tiny hand-made finished run (two themes) for the pack and community page tests."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from workbench.headlines import write_headlines
from workbench.pack import HeadlineContext, publish_headlines

DATE = "2024-04-01"

CONFIG = {
    "config": "/nowhere/area.toml",
    "name": "Testshire (hand-made)",
    "area_codes": ["E06000099"],
    "area_name": "Testshire",
    "period_start": "2022-04",
    "period_end": "2024-03",
    "suppression_threshold": 5,
    "per": 10000,
    "boundary_copyright_year": 2021,
    "commentary": None,
    "files": {
        "police_street": ["/x/street.csv"],
        "imd": "/x/imd.csv",
        "lsoa_boundaries": ["/x/lsoa.geojson"],
        "population": "/x/pop.csv",
        "waiting_times": "/x/synthetic_waiting_times.csv",
    },
}

# key_crime_figures as published: Drugs rate 52.11 (49.76 to 54.55); weapons hidden (*).
KEY_CRIME = """crime_type,period,count,previous_period,previous_count,pct_change,rate,lower,upper
Drugs,2023-04 to 2024-03,1846.0,2022-04 to 2023-03,1913.0,-3.5,52.11,49.76,54.55
Possession of weapons,2023-04 to 2024-03,*,2022-04 to 2023-03,460.0,*,*,*,*
"""
YEAR_ON_YEAR = """crime_type,period,first_month,last_month,count,previous_period,previous_count,\
change,pct_change,rate,lower,upper,previous_rate,england
Drugs,2022-04 to 2023-03,2022-04,2023-03,1913.0,,,,,54.01,51.61,56.48,,
Drugs,2023-04 to 2024-03,2023-04,2024-03,571.0,2022-04 to 2023-03,460.0,111.0,24.13,\
16.12,14.82,17.5,12.99,19.0
"""
WAITS = """data,financial_year,cohort,target,started,within_target,share,lower,upper
SYNTHETIC,2022-23,adult,3 weeks,1311.0,1206.0,0.92,0.904,0.933
SYNTHETIC,2023-24,adult,3 weeks,1362.0,1255.0,0.80,0.70,0.85
"""
ASSUMPTIONS = """**From the assumptions log**

| id | area | assumption or caveat | quality | impact |
|---|---|---|---|---|
| A07 | population | Rates use mid-2019 totals for every period. More words here. | High | High |
| A01 | police data | Points are snap points. | High | Medium |

<!-- assumptions: A07 A01 -->
"""


#: The SPC chart's legend as Outputs.figure records it (colours as drawn).
SPC_LEGEND = [
    {"label": "common cause", "colour": "#a6a6a6", "mark": "points"},
    {"label": "special cause neutral", "colour": "#7030a0", "mark": "points"},
    {"label": "mean", "colour": "#000000", "mark": "line"},
    {"label": "process limits (mean ± 2.66 mR-bar)", "colour": "#d62728", "mark": "dashed line"},
]


def records(theme: str, tables: dict[str, tuple[str, str, bool]]) -> list:
    """The headline records a theme run publishes for ``tables`` (name -> (file, CSV text,
    synthetic)), as :meth:`workbench.outputs.Outputs.table` does when it writes them."""
    found = []
    for name, (file, text, synthetic) in tables.items():
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        hidden = frame.eq("*")
        ctx = HeadlineContext(theme, name, file, synthetic)
        found += publish_headlines(ctx, frame, hidden)
    return found


def _png(path: Path, colour: tuple[int, int, int]) -> None:
    Image.new("RGB", (300, 200), colour).save(path)


def _map_html(path: Path, title: str) -> None:
    path.write_text(f"<!DOCTYPE html><html><head><title>{title}</title></head></html>")


@pytest.fixture
def tiny_run(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    overview = out / f"{DATE}_overview"
    supply = out / f"{DATE}_supply"
    for folder in (overview, supply):
        folder.mkdir(parents=True)
        (folder / "assumptions.md").write_text(ASSUMPTIONS)
    (overview / "key_crime_figures.csv").write_text(KEY_CRIME)
    (overview / "SYNTHETIC_waiting_times.csv").write_text(WAITS)
    _png(overview / "emerging_hotspots.png", (200, 50, 50))
    _map_html(overview / "emerging_hotspots.html", "Drugs: hot spots (2022-04 to 2024-03)")
    (supply / "year_on_year.csv").write_text(YEAR_ON_YEAR)
    _png(supply / "gistar.png", (50, 50, 200))
    _map_html(supply / "gistar.html", "Drugs: hot spots (Gi*) (2022-04 to 2024-03)")
    _png(supply / "spc_drugs.png", (50, 200, 50))
    write_headlines(
        overview / "headlines.json",
        "overview",
        records(
            "overview",
            {
                "key_crime_figures": ("key_crime_figures.csv", KEY_CRIME, False),
                "waiting_times": ("SYNTHETIC_waiting_times.csv", WAITS, True),
            },
        ),
    )
    write_headlines(
        supply / "headlines.json",
        "supply",
        records("supply", {"year_on_year": ("year_on_year.csv", YEAR_ON_YEAR, False)}),
    )
    logs = {
        overview: [
            {"kind": "table", "name": "key_crime_figures", "files": ["key_crime_figures.csv"]},
            {
                "kind": "table",
                "name": "waiting_times",
                "files": ["SYNTHETIC_waiting_times.csv"],
                "synthetic": True,
            },
            {
                "kind": "map",
                "name": "emerging_hotspots",
                "files": ["emerging_hotspots.html", "emerging_hotspots.png"],
            },
        ],
        supply: [
            {
                "kind": "figure",
                "name": "spc_drugs",
                "files": ["spc_drugs.png"],
                "legend": SPC_LEGEND,
            },
            {"kind": "table", "name": "year_on_year", "files": ["year_on_year.csv"]},
            {"kind": "map", "name": "gistar", "files": ["gistar.html", "gistar.png"]},
        ],
    }
    for folder, outputs in logs.items():
        theme = folder.name.split("_", 1)[1]
        log = {
            "theme": theme,
            "config": CONFIG,
            "outputs": outputs,
            "districts": {"E06000099": "Testshire District"},
        }
        if theme == "supply":
            log["parameters"] = {"hotspot_crime_type": "Drugs"}
        (folder / "run_log.json").write_text(json.dumps(log))
        (folder / "RUN_COMPLETE.json").write_text("{}")  # finished (the marker is last)
    return out
