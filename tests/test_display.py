"""Tables for people: formats, intervals, footnotes (expected strings written out by hand)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import pandas as pd
import pytest
from matplotlib.figure import Figure

from workbench.display import (
    MISSING,
    TableCaptions,
    column_kind,
    declutter_labels,
    format_value,
    name_figure,
    name_figures,
    people_table,
)


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (9703.0, "count", "9,703"),
        (1296, "count", "1,296"),
        (0, "count", "0"),
        (36.2449, "rate", "36.2"),
        (36.25001, "rate", "36.3"),
        (12345.67, "rate", "12,345.7"),
        (0.7823, "share", "78.2%"),
        (1.0, "share", "100.0%"),
        (-8.64, "percent", "-8.6%"),
        (2.4, "ratio", "2.40"),
        (0.0004, "p", "<0.001"),
        (0.0123, "p", "0.012"),
        ("*", "count", "*"),
        (float("nan"), "rate", MISSING),
        (None, "count", MISSING),
        (pd.NA, "count", MISSING),
        ("Drugs", "text", "Drugs"),
    ],
)
def test_format_value(value, kind, expected):
    assert format_value(value, kind) == expected


def test_column_kind_by_name_then_values():
    assert column_kind("count", pd.Series([9703.0, "*", None])) == "count"
    assert column_kind("rate", pd.Series([1.0, 2.0])) == "rate"  # whole numbers, still a rate
    assert column_kind("share_of_events", pd.Series([0.1])) == "share"
    assert column_kind("pct_change", pd.Series([3.0])) == "percent"
    assert column_kind("imd_decile", pd.Series([1, 10])) == "label"  # no thousands separator
    assert column_kind("crime_type", pd.Series(["Drugs"])) == "text"
    assert column_kind("mean", pd.Series([14.667])) == "number"
    assert column_kind("hit_rate_fit", pd.Series([0.342])) == "share"  # a share, not a rate


def test_people_table_merges_intervals_and_adds_footnotes():
    raw = pd.DataFrame(
        {
            "crime_type": ["Drugs", "Robbery", "Burglary"],
            "count": [9703.0, "*", 12.0],
            "rate": [36.2449, "*", math.nan],
            "lower": [35.51, "*", math.nan],
            "upper": [36.99, "*", math.nan],
            "share_of_events": [0.5, 0.25, 0.125],
            "lower_share": [0.1, 0.2, 0.3],
        }
    )
    table = people_table(raw, "Area X, 2021", threshold=5)
    assert list(table.data.columns) == [
        "Crime type",
        "Count",
        "Rate per 10,000",
        "Rate per 10,000: 95% interval",
        "Share of events",
        "Lower share",
    ]
    assert table.data["Count"].tolist() == ["9,703", "*", "12"]
    assert table.data["Rate per 10,000"].tolist() == ["36.2", "*", MISSING]
    assert table.data["Rate per 10,000: 95% interval"].tolist() == ["35.5 to 37.0", "*", MISSING]
    assert table.data["Share of events"].tolist() == ["50.0%", "25.0%", "12.5%"]
    notes = " ".join(table.notes)
    assert "a count from 1 to 4" in notes and f"{MISSING} no value" in notes
    html = table._repr_html_()
    assert "Area X, 2021" in html and "35.5 to 37.0" in html and "9703" not in html


def test_people_table_named_interval_pairs_and_no_unneeded_notes():
    raw = pd.DataFrame(
        {
            "tier2_share": [0.4],
            "tier2_lower": [0.3312],
            "tier2_upper": [0.3951],
            "estimate": [1200.0],
            "lower_95": [1000.0],
            "upper_95": [1500.0],
        }
    )
    table = people_table(raw)
    assert table.data.iloc[0].tolist() == ["40.0%", "33.1% to 39.5%", "1,200", "1,000 to 1,500"]
    assert not any("*" in n for n in table.notes)
    assert not any("no value" in n for n in table.notes)


def test_hot_spot_rows_flagged_through_neighbours_say_so():
    raw = pd.DataFrame({"category": ["new hot spot", "new hot spot"], "offences": [0, "*"]})
    table = people_table(raw, hot_spot_count="offences")
    assert table.data["Note"].tolist()[0].startswith("flagged through its neighbours")
    assert table.data["Note"].tolist()[1] == ""
    assert any("neighbours" in n for n in table.notes)
    assert "Note" not in people_table(raw.iloc[[1]], hot_spot_count="offences").data


def test_name_figure_prefixes_the_place_once():
    fig = Figure()
    ax = fig.add_subplot()
    ax.set_title("Drugs: monthly offences (XmR)")
    name_figures({"spc": fig}, "Area X")
    name_figure(fig, "Area X")
    assert ax.get_title() == "Area X: Drugs: monthly offences (XmR)"
    untitled = name_figure(Figure(), "Area X")
    assert untitled._suptitle.get_text() == "Area X"


def test_unmet_need_range_and_fractional_population():
    raw = pd.DataFrame(
        {
            "unmet_pct": [43.14],
            "unmet_pct_at_lower": [36.94],
            "unmet_pct_at_upper": [48.81],
            "population": [123164.9],
        }
    )
    table = people_table(raw)
    assert table.data.columns.tolist() == [
        "Unmet need",
        "Unmet need: range from the 95% limits",
        "Population",
    ]
    assert table.data.iloc[0].tolist() == ["43.1%", "36.9% to 48.8%", "123,165"]


def test_declutter_hides_overlapping_labels_keeping_the_unusual():
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 100)
    # three labels on top of each other near the middle, one far away
    for name, (x, y) in {"A": (5, 50), "B": (5, 50.5), "C": (5.1, 51), "Far": (5, 95)}.items():
        ax.annotate(name, (x, y))
    declutter_labels(fig)
    shown = {t.get_text() for t in ax.texts if t.get_visible()}
    assert "Far" in shown
    assert len(shown & {"A", "B", "C"}) == 1  # the three overlap: one of them is kept


def test_table_captions_follow_the_written_table():
    class Writer:
        def table(self, name, result, *, synthetic=False, note=None):
            return result.copy()

    captions = TableCaptions("Area X", "January 2021 to December 2022")
    out = captions.watch(Writer())
    shown = out.table("key_crime_figures", pd.DataFrame({"count": [1]}), note="Rates per 10,000.")
    other = out.table("waits", pd.DataFrame({"count": [2]}), synthetic=True)
    assert captions.caption(shown) == "Area X: Key crime figures, January 2021 to December 2022"
    assert captions.notes(shown) == ["Rates per 10,000."]
    assert captions.caption(other).startswith("SYNTHETIC - Area X: Waits")
    assert captions.notes(other) == []
    unknown = pd.DataFrame({"count": [1]})  # equal to a written table, but not that table
    assert captions.caption(unknown) == "Area X, January 2021 to December 2022"


def test_counts_of_the_description_read_as_counts_whatever_their_name():
    """``year_earlier`` sounds like a year label (no thousands separator); the table's
    description says it is a count, so it reads 4,829."""
    from workbench.disclosure import Count, Described, TableSpec

    class Writer:
        def table(self, name, result, *, synthetic=False, note=None):
            return result.frame.copy()

    captions = TableCaptions("Area X", "2022")
    out = captions.watch(Writer())
    frame = pd.DataFrame({"crime_type": ["All crime"], "year_earlier": [4829], "year": [2021]})
    spec = TableSpec(dims=("crime_type", "year"), counts={"year_earlier": Count()})
    shown = out.table("six_months", Described(frame, spec))
    assert captions.kinds(shown) == {"year_earlier": "count"}
    html = people_table(shown, kinds=captions.kinds(shown))._repr_html_()
    assert "4,829" in html and "2021" in html and "2,021" not in html
    assert captions.kinds(pd.DataFrame({"year_earlier": [4829]})) == {}
