"""The need functions on the sample study (synthetic tables + real Leicester LSOAs).

Also checks the committed synthetic files against docs/templates.md (parsed here, not through
the loaders) and the patterns make_synthetic.py promises.
"""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path

import pandas as pd
import pytest

from workbench.config import PARTNERSHIP_TABLES
from workbench.need import (
    representation,
    service_access,
    unmet_need,
    waiting_times,
    young_people_access,
)
from workbench.stats.disclosure import check_suppressed

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
TABLES = list(PARTNERSHIP_TABLES)


def _template_columns() -> dict[str, list[str]]:
    """Column names of each template, read from the markdown tables of docs/templates.md."""
    text = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        m = re.match(r"^## (\w+):", line)
        if m:
            current = m.group(1)
            out[current] = []
            continue
        m = re.match(r"^\| (\w+) \|", line)
        if current and m and m.group(1) != "column":
            out[current].append(m.group(1))
    return out


@pytest.mark.parametrize("table", TABLES)
def test_synthetic_file_is_labelled_and_follows_template(table: str) -> None:
    path = SAMPLE / "synthetic" / f"synthetic_{table}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        first = fh.readline()
        header = next(csv.reader([fh.readline()]))
    assert first.startswith("# SYNTHETIC") and "NOT real Leicester data" in first
    assert header == _template_columns()[table]


def _read(table: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "synthetic" / f"synthetic_{table}.csv", skiprows=1)


def test_synthetic_patterns() -> None:
    demo, by_lsoa = _read("treatment_demographics"), _read("treatment_by_lsoa")
    # The LSOA table re-allocates exactly the demographics totals.
    a = demo.groupby(["financial_year", "substance_group"])["in_treatment"].sum()
    b = by_lsoa.groupby(["financial_year", "substance_group"])["in_treatment"].sum()
    pd.testing.assert_series_equal(a, b)
    assert by_lsoa["lsoa_code"].nunique() == 192
    finds = _read("needle_finds")
    assert finds["find_id"].is_unique
    assert {"<script>alert(1)</script>", "<img src=x onerror=alert(1)>"} <= set(finds["location"])
    per_year = finds.groupby(finds["date"].str[:4]).size()
    assert per_year.between(300, 600).all()
    services = _read("services")
    assert 12 <= len(services) <= 20
    assert (services["caseload"] > services["capacity"]).sum() in (1, 2)
    assert (services["service_type"] == "needle_exchange").sum() == 8
    yp = _read("young_people")
    assert (yp.groupby(["financial_year", "ward_code"])["population_10_17"].nunique() == 1).all()
    assert yp["ward_code"].nunique() == 22
    eth = pd.read_csv(SAMPLE / "census2021_leicester_ethnicity.csv")
    assert eth["percent"].sum() == pytest.approx(99.9)


@pytest.fixture(scope="module")
def study():
    study_mod = pytest.importorskip("workbench.study")
    return study_mod.Study.from_toml(SAMPLE / "area.toml")


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def test_sample_tables_in_a_few_lines(study) -> None:
    eth = pd.read_csv(SAMPLE / "census2021_leicester_ethnicity.csv")

    unmet, t1 = _timed(lambda: unmet_need(study.prevalence, study.treatment_demographics).frame)
    ocu = unmet.set_index("substance_group")
    assert 40 < ocu.loc["opiate_and_or_crack", "unmet_pct"] < 50
    assert ocu.loc["crack", "unmet_pct"] > ocu.loc["opiate", "unmet_pct"]
    assert (ocu["unmet_pct_at_lower"] < ocu["unmet_pct"]).all()
    assert (ocu["unmet_pct"] < ocu["unmet_pct_at_upper"]).all()

    rep, t2 = _timed(lambda: representation(study.treatment_demographics, eth, "ethnicity").frame)
    assert rep.loc["Asian", "flag"] == "under-represented"

    access, t3 = _timed(lambda: service_access(study.services, study.lsoas, use_remaining=True))
    assert len(access.lsoas) == 192
    assert (access.lsoas["dist_km_any"] >= 0).all()
    assert access.lsoas["dist_km_any"].max() < 5  # every service is inside the city

    yp, t4 = _timed(
        lambda: (
            young_people_access(
                study.young_people, "ward", years=["2021-22"], suppressed=True
            ).frame
        )
    )
    assert len(yp) == 22
    assert (yp["tier3_referred"] == "*").any()
    check_suppressed(yp, 5, count_columns=["cohort", "tier2_reached", "tier3_referred",
                                           "tier3_within_10_days"])  # fmt: skip

    waits, t5 = _timed(lambda: waiting_times(study.waiting_times, []).frame)
    adult = waits[waits["cohort"] == "adult"]
    assert adult["share"].between(0.85, 0.97).all()
    for seconds in (t1, t2, t3, t4, t5):
        assert seconds < 2.0
