"""The attacker's model: margins, groups of categories, incomplete lists, errors."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.disclosure import ALL, Count, Model, Published, TableSpec, primary_mask, protect
from workbench.errors import WorkbenchError


def _pub(name, frame, spec, hidden=None):
    if hidden is None:
        hidden = primary_mask(frame, spec, 5)
    return Published(name, frame, spec, hidden)


def test_top_list_is_not_taken_for_every_member():
    # A top-2 list (incomplete) and the total of all LSOAs: the total is not the sum of the
    # two listed, so nothing is pinned (a complete list would pin L2 = 100 - 60 = 40).
    top = pd.DataFrame({"lsoa": ["L1", "L2"], "n": [60, 3]})
    total = pd.DataFrame({"n": [100]})
    m = TableSpec(dims=("lsoa",), counts={"n": Count("events")}, incomplete=("lsoa",))
    t = TableSpec(counts={"n": Count("events")})
    leaks, checked = Model([_pub("top", top, m), _pub("total", total, t)], 5).leaks()
    assert leaks == [] and checked == 1
    complete = TableSpec(dims=("lsoa",), counts={"n": Count("events")})
    total2 = pd.DataFrame({"n": [63]})
    leaks, _ = Model([_pub("top", top, complete), _pub("total", total2, t)], 5).leaks()
    assert [(x.row, x.low, x.high) for x in leaks] == [("lsoa=L2", 3.0, 3.0)]


def test_groups_of_categories_and_fixed_totals():
    # deciles 1..3 = 2, 10, 30 (decile 1 hidden); "20% most deprived" = deciles 1-2 = 12
    deciles = pd.DataFrame({"d": ["1", "2", "3"], "n": [2, 10, 30]})
    groups = pd.DataFrame({"g": ["10%", "20%"], "n": [2, 12], "total": [42, 42]})
    s1 = TableSpec(dims=("d",), counts={"n": Count("e")})
    s2 = TableSpec(
        dims=("g",),
        counts={"n": Count("e"), "total": Count("e", fixed={"g": ALL})},
        member_sets={"g": {"10%": ("1",), "20%": ("1", "2")}},
        dim_names={"g": "d"},
    )
    p1, p2 = _pub("deciles", deciles, s1), _pub("groups", groups, s2)
    leaks, _ = Model([p1, p2], 5).leaks()
    # decile 1 = 12 - 10 (group 20%) = 42 - 10 - 30 (total): found by both routes
    assert any(x.file == "deciles" and x.low == x.high == 2 for x in leaks)
    (m1,) = protect([_pub("deciles", deciles, s1)], 5)
    p1.hidden = m1
    (m2,) = protect([_pub("groups", groups, s2)], 5, [p1])
    p2.hidden = m2
    assert Model([p1, p2], 5).leaks()[0] == []


def test_a_cell_fixed_by_earlier_tables_is_an_error():
    # published earlier in the run: ward B (20) and the total (23); the new table holds
    # only ward A (3): hiding it is not enough, and nothing else in it can be hidden
    s = TableSpec(dims=("w",), counts={"n": Count("c")})
    st = TableSpec(counts={"n": Count("c")})
    ward_b = pd.DataFrame({"w": ["B"], "n": [20]})
    total = pd.DataFrame({"n": [23]})
    context = [_pub("ward_b", ward_b, s), _pub("total", total, st)]
    with pytest.raises(WorkbenchError, match="no cell left to hide"):
        protect([_pub("ward_a", pd.DataFrame({"w": ["A"], "n": [3]}), s)], 5, context)


def test_tables_that_disagree_about_a_measure_are_named():
    s = TableSpec(dims=("w",), counts={"n": Count("cohort")})
    st = TableSpec(counts={"n": Count("cohort")})
    wards = pd.DataFrame({"w": ["A", "B", "C"], "n": [10, 20, 3]})
    again = pd.DataFrame({"w": ["A"], "n": [12]})  # ward A again, with another count
    total = pd.DataFrame({"n": [33]})
    tables = [_pub("wards", wards, s), _pub("again", again, s), _pub("total", total, st)]
    with pytest.raises(WorkbenchError, match="disagree about cohort"):
        Model(tables, 5).leaks()


def test_a_previous_count_is_the_cell_of_the_period_it_names():
    # months M1..M3 published (M2 = 2, hidden); the period "A" = M1..M3 is not published as
    # a count, but row "B" of a year-on-year table shows A's total as its previous count:
    # previous_count reads its period from previous_period (Count.dims_from), so the model
    # adds A = M1 + M2 + M3 and pins M2 = 30 - 10 - 18 = 2.
    months = pd.DataFrame({"month": ["M1", "M2", "M3"], "n": [10, 2, 18]})
    sm = TableSpec(dims=("month",), counts={"n": Count("e")})
    yoy = pd.DataFrame({"period": ["B"], "previous_period": ["A"], "previous_count": [30]})
    linked = TableSpec(
        dims=("period",),
        counts={"previous_count": Count("e", dims_from={"period": "previous_period"})},
        member_sets={"period": {"A": ("M1", "M2", "M3"), "B": ("M4", "M5", "M6")}},
        dim_names={"period": "month"},
    )
    pubs = [_pub("months", months, sm), _pub("yoy", yoy, linked)]
    leaks, _ = Model(pubs, 5).leaks()
    assert [(x.file, x.row, x.low, x.high) for x in leaks] == [("months", "month=M2", 2, 2)]
    # read from the row's own period (B = M4..M6) nothing is pinned
    own = TableSpec(
        dims=("period",),
        counts={"previous_count": Count("e")},
        member_sets=linked.member_sets,
        dim_names=linked.dim_names,
    )
    assert Model([pubs[0], _pub("yoy", yoy, own)], 5).leaks()[0] == []
    # a selection that drops previous_period cannot place the count: a measure of its own
    kept = linked.restricted(["period", "previous_count"])
    assert kept.counts["previous_count"] == Count()
    assert TableSpec.from_dict(linked.to_dict()) == linked


def test_secondary_suppression_does_not_hide_a_figure_shown_elsewhere():
    # Earlier in the run: district B's figure (6). Now districts A, B, C and their total:
    # A is 3 (hidden), so one more cell must go. B is the smallest sibling, but its 6 is
    # already published: hiding it would protect nothing (and show "*" beside a known
    # value), so C is hidden instead and B stays shown.
    spec = TableSpec(dims=("area",), counts={"n": Count("e")}, totals={"area": "All"})
    earlier = _pub("district_b", pd.DataFrame({"area": ["B"], "n": [6]}), spec)
    districts = pd.DataFrame({"area": ["A", "B", "C", "All"], "n": [3, 6, 31, 40]})
    now = _pub("districts", districts, spec)
    (mask,) = protect([now], 5, [earlier])
    assert mask["n"].tolist() == [True, False, True, False]
    now.hidden = mask
    assert Model([earlier, now], 5).leaks()[0] == []
