"""Coverage: months held per force, observed and missing months (hand-written expectations)."""

from __future__ import annotations

import json

import pandas as pd

from workbench.coverage import Coverage


def _p(text: str) -> pd.Period:
    return pd.Period(text, freq="M")


def test_two_forces_missing_is_union_of_gaps():
    cov = Coverage.from_months(
        {
            "b-force": ["2020-01", "2020-02", "2020-04"],
            "a-force": ["2020-01", "2020-03", "2020-04"],
        },
        ("2020-01", "2020-04"),
    )
    assert cov.forces == ["a-force", "b-force"]
    assert [str(m) for m in cov.observed] == ["2020-01", "2020-04"]
    assert [str(m) for m in cov.missing] == ["2020-02", "2020-03"]
    assert not cov.complete
    assert list(cov.table.columns) == [_p("2020-01"), _p("2020-02"), _p("2020-03"), _p("2020-04")]
    assert cov.table.dtypes.eq(bool).all()
    assert cov.describe() == (
        "2 of 4 months missing: 2020-02, 2020-03 (a-force lacks 2020-02; b-force lacks 2020-03)."
    )


def test_months_outside_period_ignored_and_edges():
    cov = Coverage.from_months(
        {"x": ["2019-11", "2020-02", "2020-03", "2020-07"]}, ("2020-01", "2020-05")
    )
    assert [str(m) for m in cov.before_data] == ["2020-01"]
    assert [str(m) for m in cov.after_data] == ["2020-04", "2020-05"]
    assert len(cov.observed) == 2


def test_complete_and_serialisable():
    cov = Coverage.from_months(
        {"x": pd.period_range("2020-01", "2020-12", freq="M")}, ("2020-01", "2020-12")
    )
    assert cov.complete
    assert cov.describe() == "All 12 months of 2020-01 to 2020-12 are held for every force (x)."
    d = json.loads(json.dumps(cov.to_dict()))
    assert d["missing"] == [] and d["observed"] == 12 and d["months"] == 12
    frame = cov.to_frame()
    assert list(frame.columns[:2]) == ["2020-01", "2020-02"]
    assert set(frame.to_numpy().ravel()) == {"present"}
    text = cov.to_text()
    assert text.splitlines()[1].startswith("x ") and text.count("#") >= 12


def test_no_forces_every_month_missing():
    cov = Coverage.from_months({}, ("2020-01", "2020-03"))
    assert len(cov.missing) == 3 and len(cov.observed) == 0
    assert "No police files" in cov.describe()
