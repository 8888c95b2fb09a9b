"""One month parser for every entry point (issue 20, item 3).

The defect reproduced: ``[study] period_start = "2021"`` was refused by the config while
``stats.monthly_counts(start="2021")`` read it as January 2021. The same text now means the
same month everywhere, or is refused everywhere: config file, overrides (notebook parameters
and the CLI's ``--period-start``), the CLI's ``--period``, statistics and hotspot change.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from workbench import hotspots, stats
from workbench.config import load_config
from workbench.errors import ConfigError, WorkbenchError
from workbench.report import parse_period

REFUSED = ["2021", 2021, "2021-4", "2021-13", "April 2021", "2021Q2", pd.Period("2021Q2", "Q")]
ACCEPTED = {"2021-04": "2021-04", " 2021-04 ": "2021-04", pd.Period("2021-04", "M"): "2021-04"}


def _toml(tmp_path, start):
    p = tmp_path / "area.toml"
    value = start if isinstance(start, int) else f'"{start}"'
    p.write_text(
        f'[study]\nname = "x"\narea_codes = "E06000016"\nperiod_start = {value}\n'
        'period_end = "2022-03"\n[files]\npolice_street = "p.zip"\nlsoa_boundaries = "b.gpkg"\n'
        'imd = "i.csv"\npopulation = "p.csv"\n'
    )
    return p


def _entry_points(tmp_path):
    """Each entry point as a function of one month setting -> the month it uses."""
    base = load_config(_toml(tmp_path, "2021-01"), check_files=False)
    counts = pd.Series([1, 2, 3], index=pd.period_range("2021-01", periods=3, freq="M"))
    pts = gpd.GeoDataFrame(
        {"month": pd.period_range("2021-01", periods=6, freq="M")},
        geometry=[Point(10 + 20 * i, 50) for i in range(6)],
        crs=27700,
    )
    zones = gpd.GeoDataFrame(geometry=[box(0, 0, 200, 100)], crs=27700)

    def config_file(v):
        if isinstance(v, pd.Period):
            v = str(v) if v.freqstr == "M" else "2021Q2"
        return load_config(_toml(tmp_path, v), check_files=False).period_start

    def cli(v):
        return pd.Period(parse_period(f"{v}:2022-03")[0], freq="M")

    def monthly(v):
        return stats.monthly_counts(counts, start=v, end="2021-06").index[0]

    def split(v):
        r = hotspots.change(pts, v, zones)
        return pd.Period("2021-01", "M") + r.total_before

    return {
        "config file": config_file,
        "override / notebook parameter": lambda v: base.with_overrides(period_start=v).period_start,
        "CLI --period": cli,
        "stats.monthly_counts": monthly,
        "hotspots.change split": split,
        "workbench.months.month": _month,
    }


def _month(v):
    from workbench.months import month

    return month(v)


@pytest.mark.parametrize("value", REFUSED, ids=str)
def test_refused_everywhere(tmp_path, value):
    for name, entry in _entry_points(tmp_path).items():
        if name == "CLI --period" and not isinstance(value, str):
            continue  # the command line only gives text
        with pytest.raises(WorkbenchError, match="YYYY-MM|two months"):
            entry(value)
            pytest.fail(f"{name} accepted {value!r}")


@pytest.mark.parametrize("value", list(ACCEPTED), ids=str)
def test_same_month_everywhere(tmp_path, value):
    expected = pd.Period(ACCEPTED[value], "M")
    for name, entry in _entry_points(tmp_path).items():
        if name == "CLI --period" and not isinstance(value, str):
            continue
        if name == "config file" and isinstance(value, str) and value != value.strip():
            continue  # TOML keeps the spaces; they are stripped like everywhere else
        assert entry(value) == expected, name


def test_config_refuses_with_the_file_name(tmp_path):
    with pytest.raises(ConfigError, match=r"area\.toml.*period_start.*'2021'"):
        load_config(_toml(tmp_path, "2021"), check_files=False)


def test_span():
    from workbench.months import span

    assert span("2021-04:2022-03") == (pd.Period("2021-04", "M"), pd.Period("2022-03", "M"))
    with pytest.raises(WorkbenchError, match="before"):
        span("2022-03:2021-04")
    with pytest.raises(ConfigError):
        parse_period("2021:2022")
