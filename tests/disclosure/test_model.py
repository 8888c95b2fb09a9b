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
