"""A police month whose row count collapses against its neighbours is flagged and missing."""

import pandas as pd

from workbench.coverage import Coverage, collapsed_months

MONTHS = [f"2021-{i:02d}" for i in range(1, 8)]


def _rows(**changed: int) -> dict[str, int]:
    rows = dict.fromkeys(MONTHS, 1000)
    rows.update({k.replace("_", "-"): v for k, v in changed.items()})
    return rows


def test_a_tenth_of_the_rows_is_flagged_a_lockdown_swing_is_not():
    # 100 < 0.25 x median(1000, ...) = 250: flagged; 700 (a 30% fall) and 300 are not
    found = collapsed_months({"kent": _rows(**{"2021_04": 100, "2021_02": 700, "2021_06": 300})})
    assert list(found) == ["kent"]
    assert list(found["kent"]) == [pd.Period("2021-04", "M")]
    assert found["kent"][pd.Period("2021-04", "M")] == (
        "100 rows against a median of 1,000 in the neighbouring months"
    )


def test_small_counts_and_lone_months_are_not_judged():
    # neighbours' median 20 < 40 rows: too small to call a collapse
    assert collapsed_months({"x": {m: (0 if m == "2021-04" else 20) for m in MONTHS}}) == {}
    # one neighbour only (window 3): no judgement
    assert collapsed_months({"x": {"2021-01": 1000, "2021-06": 5}}) == {}


def test_flagged_month_is_missing_not_observed_and_the_edges_stay():
    cov = Coverage.from_months({"kent": MONTHS}, ("2021-01", "2021-07"))
    flagged = cov.with_collapsed({"kent": _rows(**{"2021_07": 50})})
    assert [str(m) for m in flagged.missing] == ["2021-07"]
    assert len(flagged.observed) == 6 and len(cov.observed) == 7
    # the files still hold the month: not "after the data" (that would refuse the period)
    assert len(flagged.after_data) == 0
    assert flagged.to_dict()["collapsed"] == {
        "kent": {"2021-07": "50 rows against a median of 1,000 in the neighbouring months"}
    }
    assert flagged.to_frame().loc["kent", "2021-07"] == "collapsed"
    assert f"{'kent':<24} 2021  #   #   #   #   #   #   !" in flagged.to_text()
    assert "Held but collapsed (treated as missing, not as counts): kent 2021-07" in (
        flagged.describe()
    )
