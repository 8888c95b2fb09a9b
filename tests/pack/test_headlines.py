"""Typed headline records (issue 20 item 5, issue 25 item 7): written by the theme run, read by
the pack; the pack has no empty slide, no cut title, districts by name and SPC alt text from the
chart's own colours."""

from __future__ import annotations

import json
import logging
import re

import numpy as np
import pandas as pd
import pytest
from conftest import DATE
from pptx import Presentation

from workbench.errors import WorkbenchError
from workbench.headlines import (
    Comparison,
    Headline,
    Interval,
    Period,
    read_headlines,
    write_headlines,
)
from workbench.pack import (
    TITLE_SIZES,
    colour_name,
    find_run,
    headlines,
    legend_words,
    publish_headlines,
    spc_chart,
    title_size,
)
from workbench.publish import run_pack


def _record(**kw) -> Headline:
    base = {
        "theme": "overview",
        "table": "key_crime_figures",
        "name": "Drugs",
        "kind": "crime",
        "unit": "rate",
        "value": 52.11,
        "period": Period("2023-04 to 2024-03", "2023-04", "2024-03", 12, 12),
        "source": "key_crime_figures.csv",
        "synthetic": False,
    }
    return Headline(**{**base, **kw})


def test_records_round_trip(tmp_path):
    records = [
        _record(
            per=10_000,
            base=1846.0,
            interval=Interval(49.76, 54.55, "95%: Byar"),
            comparisons=(
                Comparison("last year", 54.0, "similar", before=1913.0, before_unit="count"),
                Comparison("England", None, None),
            ),
            attribution="data.police.uk",
            plain="There were 1,846 drug offences.",
        ),
        _record(name="Weapons", value=None, base=None, hidden=("value", "base")),
        _record(unit="share", value=0.8, denominator=1362.0, synthetic=True, kind="waiting"),
    ]
    path = write_headlines(tmp_path / "headlines.json", "overview", records)
    back = read_headlines(path)
    assert back == records
    assert back[0].comparison("last year").rating == "similar" and back[0].direction == "similar"
    # a missing value stays null in the file, never 0 or NaN
    doc = json.loads(path.read_text())
    assert doc["headlines"][1]["value"] is None and doc["headlines"][1]["hidden"] == [
        "value",
        "base",
    ]


def test_unreadable_or_missing_record_file(tmp_path):
    assert read_headlines(tmp_path / "none.json") is None
    bad = tmp_path / "headlines.json"
    bad.write_text('{"version": 99, "headlines": []}')
    with pytest.raises(WorkbenchError, match="headlines.json.*version 1 expected, found 99"):
        read_headlines(bad)
    with pytest.raises(WorkbenchError, match="unit expected one of"):
        _record(unit="per cent")


def test_hidden_cell_never_enters_a_record():
    from workbench.pack import HeadlineContext

    frame = pd.DataFrame(
        {
            "crime_type": ["Drugs"],
            "period": ["2023-04 to 2024-03"],
            "count": [3.0],  # the value written; hidden by disclosure control
            "previous_count": [10.0],
            "pct_change": [-70.0],
            "rate": [0.08],
            "lower": [0.02],
            "upper": [0.25],
        }
    )
    hidden = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    hidden[["count", "pct_change", "rate", "lower", "upper"]] = True
    (h,) = publish_headlines(
        HeadlineContext("overview", "key_crime_figures", "key_crime_figures.csv"), frame, hidden
    )
    assert h.value is None and h.base is None and h.interval.lower is None
    assert set(h.hidden) == {"value", "base"} and h.plain == ""

    def numbers(node):
        if isinstance(node, dict):
            return [x for v in node.values() for x in numbers(v)]
        if isinstance(node, list | tuple):
            return [x for v in node for x in numbers(v)]
        return [node] if isinstance(node, int | float) and not isinstance(node, bool) else []

    leaves = numbers(json.loads(json.dumps(h.as_dict())))
    assert not {3.0, -70.0, 0.08, 0.02, 0.25} & set(leaves)  # no hidden value in the record


def test_theme_without_records_has_no_slide_and_one_sentence(tiny_run):
    # the supply theme published no headline figure: no record file, the run log counts 0
    supply = tiny_run / f"{DATE}_supply"
    (supply / "headlines.json").unlink()
    log = json.loads((supply / "run_log.json").read_text())
    (supply / "run_log.json").write_text(json.dumps({**log, "headline_records": 0}))
    log = run_pack(tiny_run, render=False)
    titles = [(s["kind"], s["title"]) for s in log["slides"]]
    assert ("figures", "Supply: drug offences and weapons") not in titles
    prs = Presentation(str(tiny_run / f"{DATE}_pack" / "meeting_pack.pptx"))
    text = " ".join(
        shape.text_frame.text
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_text_frame
    )
    assert "No headline table was written" not in text
    assert "No figures slide for Supply: the theme published no headline figure" in text


def test_old_run_without_record_files_is_one_clear_message(tiny_run, caplog):
    for path in tiny_run.glob("*/headlines.json"):
        path.unlink()
    run = find_run(tiny_run)
    with caplog.at_level(logging.WARNING, logger="workbench.pack"):
        assert headlines(run, "overview") == []
    assert "run `workbench report` again" in caplog.text
    log = run_pack(tiny_run, render=False)  # no crash
    assert [s["kind"] for s in log["slides"]].count("figures") == 0
    prs = Presentation(str(tiny_run / f"{DATE}_pack" / "meeting_pack.pptx"))
    closing = prs.slides[len(prs.slides) - 1]
    text = " ".join(s.text_frame.text for s in closing.shapes if s.has_text_frame)
    assert "written before headline records (headlines.json) existed" in text


def test_titles_are_never_cut():
    long = (
        "Communities: SYNTHETIC Testshire: composite hot spots of anti-social behaviour, "
        "needle finds and drug offences"
    )
    size = title_size(long)
    assert size < 30
    chars, lines = next((c, n) for s, c, n in TITLE_SIZES if s == size)
    import textwrap

    assert len(textwrap.wrap(long, chars)) <= lines
    assert title_size("Supply: drug offences and weapons") == 30


def test_colour_names_by_hand():
    # NHS "Making Data Count" colours of the SPC chart; matplotlib's tab:red, black
    assert colour_name("#a6a6a6") == "grey"
    assert colour_name("#7030a0") == "purple"
    assert colour_name("#e46c0a") == "orange"
    assert colour_name("#00b0f0") == "blue"
    assert colour_name("#d62728") == "red"
    assert colour_name("#000000") == "black"


def test_spc_alt_text_names_the_colours_drawn(tmp_path):
    """The alt text is made from the figure's own legend: every colour of the points drawn is
    named, and a colour not drawn (orange, for a chart without a concern) is not."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.collections import PathCollection

    from workbench.outputs import figure_legend
    from workbench.stats import spc_chart as draw

    rng = np.random.default_rng(3)
    months = pd.period_range("2020-01", periods=30, freq="M")
    counts = pd.Series(rng.poisson(50, 30).astype(float), index=months)
    counts.iloc[-8:] += 40  # a shift: special cause points
    fig = draw(counts, title="Drugs")
    legend = figure_legend(fig)
    words = legend_words(legend)
    # the colours of the points as matplotlib drew them (independent of figure_legend)
    drawn = {
        colour_name(matplotlib.colors.to_hex(c.get_facecolor()[0]))
        for ax in fig.axes
        for c in ax.collections
        if isinstance(c, PathCollection)
    }
    assert drawn  # points were drawn
    for name in drawn:
        assert f"{name} points" in words
    named = set(re.findall(r": ([a-z ]+?) (?:points|line|dashed line|shading)(?:;|$)", words))
    assert named <= drawn | {"black", "red", "grey", "light grey", "white"}
    if "orange" not in drawn:
        assert "orange" not in words

    # through the pack: the picture's alt text carries the recorded legend
    from conftest import CONFIG

    from workbench.pack import Run

    folder = tmp_path / f"{DATE}_supply"
    folder.mkdir()
    fig.savefig(folder / "spc_drugs.png", dpi=50)
    rec = {"kind": "figure", "name": "spc_drugs", "files": ["spc_drugs.png"], "legend": legend}
    run = Run(tmp_path, DATE, {"supply": folder}, {"supply": {"config": CONFIG, "outputs": [rec]}})
    pic = spc_chart(run)
    assert words in pic.alt and "orange and blue" not in pic.alt


def test_card_formats_by_unit_and_says_an_incomplete_window():
    from workbench.pack import card

    h = _record(
        per=10_000,
        base=1846.0,
        interval=Interval(49.76, 54.55, "95%"),
        period=Period("2023-04 to 2024-03", "2023-04", "2024-03", 9, 12),
    )
    shown = card(h)
    assert shown.value == "52.1 per 10,000 residents" and shown.interval == "49.8 to 54.5"
    assert shown.label == "Drugs, April 2023 to March 2024 (9 of 12 months)"
    share = card(_record(unit="share", value=0.386, base=713.0, denominator=1846.0))
    assert (share.value, share.base) == ("38.6%", "n = 713 of 1,846")
    percent = card(_record(unit="percent", value=52.5))
    assert percent.value == "52.5%"  # a percentage is not multiplied again


def test_numeric_year_is_a_label_not_a_float():
    from workbench.pack import HeadlineContext

    frame = pd.DataFrame(
        {
            "year": [2021.0, 2022.0],
            "finds": [429.0, 380.0],
            "within_target": [414.0, 373.0],
            "proportion": [0.965, 0.982],
            "lower": [0.943, 0.962],
            "upper": [0.979, 0.991],
        }
    )
    (h,) = publish_headlines(
        HeadlineContext("communities", "needle_collection", "needle_collection.csv"), frame, None
    )
    assert h.period.label == "2022" and h.comparison("last year").text == "2021"
    assert h.direction == "similar"  # 0.965 lies inside 0.962 to 0.991


def test_incomplete_year_is_not_called_a_year():
    """A latest-12-months window with 9 months of data: the sentence says 9 of 12 months, and
    no rate is published for it (stats.compare_periods gives none)."""
    from workbench.pack import HeadlineContext

    frame = pd.DataFrame(
        {
            "crime_type": ["Drugs", "Anti-social behaviour"],
            "period": ["2021-11 to 2022-10"] * 2,
            "months_observed": [9, 12],
            "count": [120.0, 400.0],
            "previous_count": [150.0, 380.0],
            "pct_change": [None, 5.3],
            "rate": [None, 40.1],
            "lower": [None, 36.3],
            "upper": [None, 44.2],
        }
    )
    ctx = HeadlineContext("overview", "key_crime_figures", "key_crime_figures.csv")
    drugs, asb = publish_headlines(ctx, frame, None)
    assert drugs.period.months_covered == 9 and drugs.period.months_expected == 12
    assert "in the 9 months with police data of the 12 to the end of October 2022" in drugs.plain
    assert "in the year" not in drugs.plain and drugs.value is None
    assert "There were 400 " in asb.plain and "in the year to the end of October 2022" in asb.plain
