"""A month the police files do not hold is missing in every engine's output (issue 20, item 2).

The defect reproduced: ``StreetAggregates.lsoa_month()`` reindexed the months with
``fill_value=0``, so a month no force's files held became a column of zeros, and a month one
force lacked kept the other force's counts beside zeros (a partial month counted as whole).
"""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.coverage import Coverage
from workbench.engines import aggregate_street
from workbench.engines.synthetic import national_lsoas, write_street_files

ENGINES = ["memory", "duckdb", "dask"]


@pytest.fixture(scope="module")
def gappy(tmp_path_factory):
    """2 forces x 5 months; 2021-02 lacks force-00's file, 2021-04 has no file at all."""
    root = tmp_path_factory.mktemp("gappy")
    lsoas = national_lsoas(60, forces=2)
    write_street_files(root, lsoas, months=5, rows_per_month=200, bad_rows=False)
    removed = [
        *root.rglob("2021-02-force-00-street.csv"),
        *root.rglob("2021-04-force-*-street.csv"),
    ]
    assert len(removed) == 3
    for f in removed:
        f.unlink()
    return root


def test_missing_months_are_missing_in_every_engine(gappy):
    results = {e: aggregate_street([gappy], engine=e) for e in ENGINES}
    try:
        wide = {e: agg.lsoa_month() for e, agg in results.items()}
    finally:
        for agg in results.values():
            agg.close()
    ref = wide["memory"]
    months = [str(m) for m in ref.columns]
    assert months == ["2021-01", "2021-02", "2021-03", "2021-04", "2021-05"]
    gaps = ref.isna().all(axis=0)
    assert [str(m) for m in ref.columns[gaps]] == ["2021-02", "2021-04"]
    assert not ref.loc[:, ~gaps].isna().any().any()
    # held months: every LSOA has a number (zero allowed), and the total is the records read
    assert int(ref.loc[:, ~gaps].sum().sum()) > 0
    for e in ENGINES:
        pd.testing.assert_frame_equal(wide[e], ref, obj=e)
    # the one coverage type, the same for every engine
    held = {e: agg.held for e, agg in results.items()}
    for e in ENGINES:
        assert [str(m) for m in held[e].missing] == ["2021-02", "2021-04"], e
        assert held[e].table.equals(held["memory"].table), e


def test_window_completeness_is_one_rule():
    from workbench.coverage import window_complete

    cov = Coverage.from_months(
        {"a": ["2021-01", "2021-02", "2021-03"], "b": ["2021-01", "2021-03"]},
        ("2021-01", "2021-03"),
    )
    assert cov.holds("2021-01", "2021-01") and cov.holds("2021-03", "2021-03")
    assert not cov.holds("2021-01", "2021-03")  # b lacks February
    assert window_complete(["2021-01", "2021-02"], "2021-01", "2021-02")
    assert not window_complete([], "2021-01", "2021-01")


def test_statistics_take_the_coverage_itself():
    """stats read the one coverage type: a Coverage gives the same gaps as its months."""
    from workbench import stats

    cov = Coverage.from_months({"a": ["2021-01", "2021-03"]}, ("2021-01", "2021-03"))
    counts = pd.Series([4, 0, 6], index=pd.period_range("2021-01", periods=3, freq="M"))
    by_cov = stats.monthly_counts(counts, observed=cov)
    by_months = stats.monthly_counts(counts, observed=cov.observed)
    pd.testing.assert_frame_equal(by_cov, by_months)
    assert by_cov.iloc[:, 0].isna().tolist() == [False, True, False]
