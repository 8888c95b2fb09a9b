"""The sample's reports caption each windowed table with its own months (issue 25, item 4).

Before session 28 every caption gave the study period (December 2019 to October 2022), also
for the 12-month and 6-month tables. Expected months are worked out by hand from the sample's
period (``data/sample/area.toml``: 2019-12 to 2022-10, every month held).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from bs4 import BeautifulSoup

#: Hand-worked windows of the sample: the latest 12 months end at the last month held
#: (2022-10); year on year goes back by whole 12-month windows (2019-11 is before the data);
#: financial quarters wholly inside the period run from 2019-20 Q4 (Jan-Mar 2020) to 2022-23
#: Q2 (Jul-Sep 2022); the latest six months are May to October 2022; the assessment's hot
#: spots use 18 months (May 2021 on), the change tests 24 (November 2020 on).
#: ``{(theme, table): its months in the run log}``.
EXPECTED = {
    ("overview", "key_crime_figures"): "2021-11 to 2022-10",
    ("overview", "six_months"): "2022-05 to 2022-10",
    ("overview", "most_deprived_share"): "2021-11 to 2022-10",
    ("overview", "assessment_hot_spots"): "2021-05 to 2022-10",
    ("supply", "year_on_year"): "2020-11 to 2022-10",
    ("supply", "quarterly"): "2020-01 to 2022-09",
    ("supply", "monthly_counts"): "2019-12 to 2022-10",
    ("supply", "change_lsoas"): "2020-11 to 2022-10",
    ("supply", "pai_by_method"): "2020-11 to 2022-10",
    ("supply", "top_lsoas"): "2021-11 to 2022-10",
    ("communities", "wards_ranked"): "2021-11 to 2022-10",
    ("communities", "rates_by_decile"): "2021-11 to 2022-10",
    ("communities", "lisa_lsoas"): "2021-11 to 2022-10",
}
#: The same in the captions of the HTML reports (tables displayed there).
CAPTIONS = {
    ("overview", "Key crime figures"): "November 2021 to October 2022",
    ("overview", "Six months"): "May 2022 to October 2022",
    ("supply", "Year on year"): "November 2020 to October 2022",
    ("supply", "Quarterly"): "January 2020 to September 2022",
}


def captions(folder: Path, theme: str) -> dict[str, str]:
    """``{table name in words: its period}`` from the captions of a theme's HTML report."""
    soup = BeautifulSoup((folder / f"{theme}.html").read_text(encoding="utf-8"), "lxml")
    out = {}
    for cap in soup.find_all("caption"):
        text = cap.get_text()
        if ": " in text and ", " in text:
            name, period = text.split(": ", 1)[1].rsplit(", ", 1)
            out[name] = period
    return out


def windows(folder: Path) -> dict[str, str | None]:
    """``{table: its window}`` from a theme's run log."""
    log = json.loads((folder / "run_log.json").read_text(encoding="utf-8"))
    return {r["name"]: r.get("window") for r in log["outputs"] if r["kind"] == "table"}


def check(run: Path) -> None:
    folders = {p.name.split("_", 1)[1]: p for p in run.iterdir() if p.is_dir()}
    for (theme, table), period in EXPECTED.items():
        if theme in folders:
            got = windows(folders[theme])
            assert got.get(table) == period, (theme, table, got.get(table))
    for (theme, table), period in CAPTIONS.items():
        if theme in folders:
            got = captions(folders[theme], theme)
            assert got.get(table) == period, (theme, table, got.get(table))
    if "overview" in folders:  # the XLSX notes give the table's months and the study's
        notes = pd.read_excel(folders["overview"] / "key_crime_figures.xlsx", sheet_name="notes")[
            "note"
        ]
        assert "months 2021-11 to 2022-10 (study period 2019-12 to 2022-10)" in notes.iloc[0]


def test_sample_tables_are_captioned_with_their_own_months(sample_report):
    check(sample_report)
