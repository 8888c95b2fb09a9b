"""A report over a gap in the police data runs to the end (issue 25, item 6).

The sample's police zip without 2020-05, 2020-08 and 2020-11 (one month in each of three
financial quarters), reported with ``--period 2020-04:2021-03``: one quarter of the four is
fully observed, too few for the emerging hot spot trend (3 needed). The supply and overview
themes, which stopped there before, must finish with one note in place of that section.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from workbench import hotspots
from workbench.cli import main
from workbench.errors import Attempt, TooLittleData, WorkbenchError, optional

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
ZIP = "police/leicestershire-street-2019-12_2022-10.zip"
REMOVED = ["2020-05", "2020-08", "2020-11"]


def test_optional_gives_a_note_only_for_too_little_data():
    def refuse() -> None:
        raise TooLittleData("need at least 3 observed quarter periods, found 1")

    def broken() -> None:
        raise WorkbenchError("a real error")

    skipped = optional("Emerging hot spots", refuse)
    assert isinstance(skipped, Attempt) and not skipped.ok and skipped.value is None
    assert skipped.note == (
        "Emerging hot spots: not made for this period (need at least 3 observed quarter "
        "periods, found 1)."
    )
    made = optional("Sum", sum, [1, 2, 3])
    assert made.ok and made.value == 6 and made.note == ""
    with pytest.raises(WorkbenchError, match="a real error"):
        optional("Broken", broken)


def test_emerging_refuses_two_quarters_as_too_little_data():
    months = pd.PeriodIndex(["2020-04", "2020-05", "2020-07"], freq="M")
    pts = gpd.GeoDataFrame(
        {"month": months}, geometry=[Point(5, 5), Point(5, 5), Point(15, 5)], crs="EPSG:27700"
    )
    zones = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs="EPSG:27700")
    attempt = optional("Emerging hot spots", hotspots.emerging, pts, period="quarter", zones=zones)
    assert not attempt.ok
    assert "need at least 3 observed quarter periods for a trend, found 2" in attempt.note


def test_spc_refuses_a_single_observed_month_as_too_little_data():
    from workbench import stats

    months = pd.period_range("2020-04", "2020-06", freq="M")
    values = pd.Series([12.0, np.nan, np.nan], index=months)
    attempt = optional("SPC of drug offences", stats.spc, values)
    assert not attempt.ok
    assert "an XmR chart needs at least 2 observed values, found 1" in attempt.note


def _gap_study(tmp: Path) -> Path:
    (tmp / "police").mkdir(parents=True)
    with (
        zipfile.ZipFile(SAMPLE / ZIP) as src,
        zipfile.ZipFile(tmp / ZIP, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            if info.filename.split("/")[0] not in REMOVED:
                dst.writestr(info, src.read(info))
    text = (SAMPLE / "area.toml").read_text(encoding="utf-8")
    text = re.sub(
        r'"((?:boundaries|imd|population|lookups|synthetic|treatment|national)/[^"]+'
        r'|census2021_leicester_ethnicity\.csv|assessment_commentary\.md|commentary\.md)"',
        lambda m: '"' + (SAMPLE / m.group(1)).as_posix() + '"',
        text,
    )
    text = text.replace("[study]\n", f'[study]\ndata_folders = ["{SAMPLE.as_posix()}"]\n', 1)
    toml = tmp / "area.toml"
    toml.write_text(text, encoding="utf-8")
    return toml


def test_report_over_a_gap_runs_to_the_end_with_a_note(tmp_path):
    toml = _gap_study(tmp_path / "study")
    out = tmp_path / "out"
    args = ["report", str(toml), "--period", "2020-04:2021-03", "--out", str(out)]
    assert main([*args, "--theme", "supply", "--theme", "overview"]) == 0
    note = (
        "Emerging hot spots: not made for this period (emerging: need at least 3 observed "
        "quarter periods for a trend, found 1 (2020Q2 to 2021Q1; 3 missing))."
    )
    for theme in ("supply", "overview"):
        (folder,) = out.glob(f"*_{theme}")
        page = (folder / f"{theme}.html").read_text(encoding="utf-8")
        assert note in page
        assert (folder / "RUN_COMPLETE.json").is_file()
        # the section's outputs are left out, not drawn empty
        assert not list(folder.glob("emerging*"))
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
