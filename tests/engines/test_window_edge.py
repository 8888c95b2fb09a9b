"""De-duplication of repeated Crime IDs does not depend on the study period (issue 25, item 4).

A crime published in March and republished (same Crime ID) in April is one crime, counted in
April: the latest record wins over every month the files hold. Before session 28 the rule
looked only at the records inside the period, so a window ending in March counted it in March
and a window ending in April did not: a financial year's count changed with ``--period``.

Hand-made files (expected counts worked out by hand in the comments), every engine.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from workbench.engines import aggregate_street
from workbench.ledger import REASONS, Ledger
from workbench.loaders.area import StudyArea
from workbench.loaders.police import read_street

HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]  # fmt: skip
IN, OUT = "E01000001", "E01000002"  # the study LSOA and a known LSOA outside the study


def _row(crime_id: str, month: str, lsoa: str = IN) -> list[str]:
    return [
        crime_id, month, "Test Police", "Test Police", "-1.13", "52.63", "On or near X",
        lsoa, "Test 001A", "Possession of weapons", "", "",
    ]  # fmt: skip


#: e1: March and April (one crime: April's). e2: in the area in March, republished outside it
#: in April (the records compared are those in the area, so March's stands). m1, m2: March
#: only. a1: April only. f1: February and March (March's). Blank ID rows: never merged.
FILES = {
    "2022-02": [_row("f1", "2022-02")],
    "2022-03": [
        _row("e1", "2022-03"),
        _row("e2", "2022-03"),
        _row("m1", "2022-03"),
        _row("m2", "2022-03"),
        _row("f1", "2022-03"),
        _row("", "2022-03"),
    ],
    "2022-04": [_row("e1", "2022-04"), _row("e2", "2022-04", OUT), _row("a1", "2022-04")],
}
# Hand counts per month, whatever the window: February 0 (f1 is March's); March e2, m1, m2,
# f1 and the blank-ID row = 5 (e1 is April's); April e1, a1 = 2 (e2's April record is outside
# the area).
EXPECTED = {"2022-02": 0, "2022-03": 5, "2022-04": 2}
WINDOWS = [
    ("2021-04", "2022-03"),  # the financial year 2021-22: ends in March
    ("2022-02", "2022-03"),
    ("2022-03", "2022-03"),
    ("2022-03", "2022-04"),  # starts in March
    ("2022-04", "2022-04"),  # starts in April
    ("2022-02", "2022-04"),
]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for month, rows in FILES.items():
        path = tmp_path / "police" / month / f"{month}-test-street.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\r\n")
            w.writerow(HEADER)
            w.writerows(rows)
    return tmp_path / "police"


@pytest.fixture
def area() -> StudyArea:
    squares = gpd.GeoDataFrame(
        {"lsoa_code": [IN, OUT]},
        geometry=[box(458000, 304000, 459000, 305000), box(459000, 304000, 460000, 305000)],
        crs="EPSG:27700",
    )
    return StudyArea(
        codes=frozenset({IN}), known=frozenset({IN, OUT}), polygons=squares[squares.lsoa_code == IN]
    )


def _period(first: str, last: str) -> tuple[pd.Period, pd.Period]:
    return pd.Period(first, "M"), pd.Period(last, "M")


@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: f"{w[0]}:{w[1]}")
def test_a_months_count_is_the_same_in_every_window(files, area, window):
    first, last = _period(*window)
    gdf = read_street([files], period=(first, last), area=area)
    got = gdf["month"].astype(str).value_counts().to_dict()
    for month, n in EXPECTED.items():
        if first <= pd.Period(month, "M") <= last:
            assert got.get(month, 0) == n, (window, month)
    # the crime republished in April is April's, never March's
    march = gdf[gdf["month"] == pd.Period("2022-03", "M")]
    assert "e1" not in set(march["crime_id"].dropna())


def test_financial_year_ending_at_the_edge(files, area):
    """FY 2021-22 holds 5 crimes whether the period ends in March or runs on into April."""
    fy = _period("2021-04", "2022-03")
    ledger = Ledger()
    alone = read_street([files], period=fy, area=area, ledger=ledger)
    longer = read_street([files], period=_period("2021-04", "2022-04"), area=area)
    in_fy = longer[longer["month"] <= fy[1]]
    assert len(alone) == len(in_fy) == 5
    f = ledger.files[0]
    # e1 (March) is a duplicate of its April record; f1 (February) of its March record; the
    # three April rows are outside the period (e2's April record is outside the area too, but
    # the first reason is recorded)
    assert f.dropped[REASONS["duplicate"]] == 2
    assert f.dropped[REASONS["outside_period"]] == 3
    assert f.kept == 5 and f.balanced


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: f"{w[0]}:{w[1]}")
def test_engines_apply_the_same_rule(files, area, engine, window):
    if engine == "dask":
        pytest.importorskip("dask")
    period = _period(*window)
    res = aggregate_street([files], period=period, area=area, engine=engine)
    by_month = res.counts.groupby("month")["count"].sum()
    got = {str(m): int(n) for m, n in by_month.items()}
    for month, n in EXPECTED.items():
        if period[0] <= pd.Period(month, "M") <= period[1]:
            assert got.get(month, 0) == n, (engine, window, month)
    ref = aggregate_street([files], period=period, area=area, engine="memory")
    assert res.ledger.to_dict() == ref.ledger.to_dict()


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
def test_later_records_in_other_batches(files, area, engine):
    """The April record supersedes the March one when they are read in different batches
    (DuckDB batches of 2 rows; one Dask task per file)."""
    from workbench.engines import _rows

    fy = _period("2021-04", "2022-03")
    members, entries = _rows.list_members([files])
    if engine == "duckdb":
        from workbench.engines.embedded import run_duckdb

        rows, _ = run_duckdb(members, entries, period=fy, area=area, batch_rows=2)
    else:
        pytest.importorskip("dask")
        from workbench.engines.distributed import run_dask

        rows, _ = run_dask(members, entries, period=fy, area=area, blocksize=1)
    got = rows.counts().groupby("month")["count"].sum()
    # hand counts: February 0, March 5 (see EXPECTED)
    assert int(got.sum()) == 5
    assert entries[0].dropped[REASONS["duplicate"]] == 2
    if hasattr(rows, "close"):
        rows.close()


def test_the_samples_financial_year_is_the_same_in_every_window():
    """On the sample's real files one crime of March 2021 is republished in a later month:
    FY 2020-21 held 44,888 records with ``--period 2020-04:2021-03`` and 44,887 with the full
    period before session 28; every window now gives the same count."""
    from workbench.study import Study

    study = Study.from_toml(Path(__file__).resolve().parents[2] / "data/sample/area.toml")
    fy = _period("2020-04", "2021-03")
    counts = set()
    for window in (fy, _period("2019-12", "2022-10"), _period("2020-04", "2021-04")):
        gdf = read_street(study._path("police_street"), period=window, area=study.study_area)
        counts.add(int(((gdf["month"] >= fy[0]) & (gdf["month"] <= fy[1])).sum()))
    assert len(counts) == 1
