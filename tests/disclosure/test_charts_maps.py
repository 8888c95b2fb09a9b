"""Charts and maps on the disclosure path: each leak reproduced, then shown closed.

A chart of a protected series must be drawn from the published table (a withheld month is a
gap, and the mean and limits come from the months shown); a figure is checked against the
table it declares; a Gi* or emerging hot spot layer on protected data draws no class beside
a withheld count; and the run-level audit reads the figures' values and the saved HTML back.
Numbers are worked by hand in the comments.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pytest
import shapely

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from workbench.config import load_config  # noqa: E402
from workbench.deprivation import decile_rate_chart  # noqa: E402
from workbench.disclosure import Count, Derived, Described, TableSpec  # noqa: E402
from workbench.disclosure.audit import (  # noqa: E402
    audit_charts_and_maps,
    audit_folders,
    audit_map_html,
)
from workbench.disclosure.figures import plotted_values, reference  # noqa: E402
from workbench.errors import WorkbenchError  # noqa: E402
from workbench.maps import MapBuilder  # noqa: E402
from workbench.maps.layers import WITHHELD_COLOR  # noqa: E402
from workbench.maps.offline import save_map  # noqa: E402
from workbench.outputs import Outputs  # noqa: E402
from workbench.stats import in_months, monthly_long, spc_summary  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "area.toml"

# 12 months of police counts; March is 2 (hidden when police counts are protected)
MONTHS = [str(p) for p in pd.period_range("2023-01", "2023-12", freq="M")]
DRUGS = [10, 12, 2, 11, 9, 13, 10, 12, 11, 9, 10, 12]


def _out(tmp_path: Path, theme: str = "supply", *, protect_police: bool = True) -> Outputs:
    cfg = dataclasses.replace(load_config(SAMPLE), open_data_in_full=not protect_police)
    return Outputs(theme, config=cfg, out_dir=tmp_path, run_date="2024-03-31")


BY_MONTH = {"index": "month", "columns": "crime_type", "values": "count"}


def _monthly(out: Outputs) -> pd.DataFrame:
    frame = pd.DataFrame({"crime_type": "Drugs", "month": MONTHS, "count": DRUGS})
    return out.table("monthly_counts", monthly_long(frame))


def _reference_y(fig, label: str) -> float:
    ax = fig.axes[0]
    line = next(ln for ln in ax.lines if ln.get_label() == label)
    return float(line.get_ydata()[0])


def test_spc_of_protected_series_draws_no_hidden_month_and_limits_give_nothing_back(tmp_path):
    out = _out(tmp_path)
    shown = _monthly(out)
    assert shown.loc[2, "count"] == "*"  # March (2) withheld
    _, figs = spc_summary(
        out.plot_data(shown, **BY_MONTH), withheld=out.withheld(shown, **BY_MONTH)
    )
    fig = figs["spc_drugs"]
    values, refs = plotted_values(fig)
    assert 2.0 not in values and refs >= 3  # mean, upper and lower limit
    # the mean is that of the 11 months shown: (119) / 11 = 10.8182, so 11 x mean - the
    # shown months = 0: no hidden month is in it (12 x a mean of all months would give
    # 121 - 119 = 2 back)
    shown_values = [v for i, v in enumerate(DRUGS) if i != 2]
    assert sum(shown_values) == 119
    mean = _reference_y(fig, "mean")
    assert mean == pytest.approx(119 / 11)
    # moving ranges only between shown neighbours: |12-10|, |9-11|, |13-9|, |10-13|,
    # |12-10|, |11-12|, |9-11|, |10-9|, |12-10| = 2,2,4,3,2,1,2,1,2 -> 19 / 9; none
    # >= 3.267 x 2.111, so the upper limit is 119/11 + 2.66 x 19/9 = 16.4338
    upper = _reference_y(fig, "process limits (mean ± 2.66 mR-bar)")
    assert upper == pytest.approx(119 / 11 + 2.66 * 19 / 9)
    path = out.figure("spc_drugs", fig, data="monthly_counts")
    assert path.is_file()
    rec = next(r for r in out.records if r["kind"] == "figure")
    assert rec["data_files"] == ["monthly_counts.csv"] and 2.0 not in rec["values"]
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "withheld (disclosure control) (1 point)" in legend
    plt.close("all")


def test_spc_drawn_from_unsuppressed_counts_is_refused(tmp_path):
    out = _out(tmp_path)
    _monthly(out)
    # the leak: a chart of the counts before suppression plots March's 2 (line and point)
    _, figs = spc_summary(pd.DataFrame({"Drugs": DRUGS}, index=MONTHS))
    with pytest.raises(WorkbenchError, match=r"figure 'spc_drugs' plots 2 value.*first 2"):
        out.figure("spc_drugs", figs["spc_drugs"], data="monthly_counts")
    plt.close("all")


DECILES = pd.DataFrame(
    {
        "layer": ["Needle finds"] * 4,
        "imd_decile": [1, 2, 3, 4],
        "count": [12, 3, 0, 8],
        "population": [6000, 5000, 4000, 8000],
    }
)
DECILE_SPEC = TableSpec(
    dims=("layer", "imd_decile"),
    counts={"count": Count()},
    derived={"rate": Derived(("count",), "rate", "population", 10_000)},
    safe=("population",),
)


def test_decile_chart_has_no_point_for_a_hidden_decile(tmp_path):
    out = _out(tmp_path, "communities")
    frame = DECILES.assign(rate=(DECILES["count"] / DECILES["population"] * 10_000).round(3))
    # decile 2: 3 / 5,000 x 10,000 = 6.0, which with the population shown gives 3 back
    assert frame.loc[1, "rate"] == 6.0
    shown = out.table("rates_by_decile", Described(frame, DECILE_SPEC))
    assert shown.loc[1, "count"] == "*" and shown.loc[1, "rate"] == "*"
    fig = decile_rate_chart(out.plot_data(shown), logy=False)
    values, _ = plotted_values(fig)
    assert 6.0 not in values and sorted(values) == [0.0, 10.0, 20.0]
    out.figure("rates_by_decile", fig, data="rates_by_decile")
    # the old chart, drawn from the frame before suppression, plots 6.0: refused
    leaky = decile_rate_chart(frame, logy=False)
    with pytest.raises(WorkbenchError, match="rates_by_decile.*first 6"):
        out.figure("rates_by_decile_old", leaky, data="rates_by_decile")
    plt.close("all")


def test_figure_must_declare_its_table_and_plot_only_what_it_shows(tmp_path):
    out = _out(tmp_path, protect_police=False)
    _monthly(out)  # shown in full: 2 is shown, so a chart may plot it
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [10, 12, 99])
    with pytest.raises(WorkbenchError, match="data='<name given to out.table>'"):
        out.figure("chart", fig)
    with pytest.raises(WorkbenchError, match="give reason"):
        out.figure("chart", fig, data=None)
    with pytest.raises(WorkbenchError, match="names no table"):
        out.figure("chart", fig, data="no_such_table")
    with pytest.raises(WorkbenchError, match="figure 'chart' plots 1 value.*first 99"):
        out.figure("chart", fig, data="monthly_counts")
    # a reference line (a target) is not a data point
    fig2, ax2 = plt.subplots()
    ax2.plot([0, 1, 2], [10, 12, 2])
    reference(ax2.axhline(99))
    out.figure("chart", fig2, data="monthly_counts")
    # bars, scatter points and error bars are read too
    fig3, ax3 = plt.subplots()
    ax3.bar([0, 1], [10, 14])
    with pytest.raises(WorkbenchError, match="first 14"):
        out.figure("bars", fig3, data="monthly_counts")
    fig4, ax4 = plt.subplots()
    ax4.errorbar([0], [10], yerr=[[3], [2]])  # 7 is not shown; 12 is
    with pytest.raises(WorkbenchError, match="first 7"):
        out.figure("errors", fig4, data="monthly_counts")
    out.figure("indicators", fig4, data=None, reason="published indicator values")
    plt.close("all")


def test_run_audit_reads_figure_values_back_against_the_csv(tmp_path):
    out = _out(tmp_path)
    shown = _monthly(out)
    fig, ax = plt.subplots()
    ax.plot(range(12), out.plot_data(shown)["count"])
    out.figure("drugs", fig, data="monthly_counts")
    out.run_log()
    log = json.loads((out.final_dir / "run_log.json").read_text(encoding="utf-8"))
    audit = log["disclosure_audit"]
    assert audit["figures_checked"] == 1 and audit["figure_points_checked"] == 11
    assert audit["leaks_found"] == 0
    # a later hand edit hides June (13) in the CSV: the chart now plots a hidden cell
    csv = out.final_dir / "monthly_counts.csv"
    text = csv.read_text(encoding="utf-8").replace("2023-06,13", "2023-06,*")
    assert "2023-06,*" in text
    csv.write_text(text, encoding="utf-8")
    with pytest.raises(WorkbenchError, match=r"drugs\.png.*plotted value.*is 13"):
        from workbench.disclosure.audit import audit_run

        audit_run([out.final_dir], 5)
    plt.close("all")


def _cells() -> gpd.GeoDataFrame:
    polys = [shapely.box(450000 + i * 100, 300000, 450100 + i * 100, 300100) for i in range(4)]
    return gpd.GeoDataFrame(
        {
            "count": [0, 2, 7, 12],
            "z": [-1.0, 2.2, 2.1, 3.3],
            "p": [0.3, 0.03, 0.03, 0.001],
            "bin": [0, 2, 2, 3],  # the cell of 2 is a 95% hot spot
        },
        geometry=polys,
        crs=27700,
    )


def _features(html: str) -> list[dict]:
    match = re.search(r"geo_json_[0-9a-f]+_add\((\{.*\})\);", html)
    return json.loads(match.group(1))["features"]


def test_gistar_on_protected_layer_draws_no_class_or_z_for_a_hidden_cell(tmp_path):
    m = MapBuilder("t", "2023", sources=["x"]).add_gistar(_cells(), "Gi*", protected=True)
    path = save_map(m, tmp_path / "gi.html")
    html = path.read_text(encoding="utf-8")
    props = _features(html)[1]["properties"]
    assert props["f1"].startswith("*")  # count 2 withheld
    assert props["f0"] == "withheld (count fewer than 5)"  # no "Hot spot 95%"
    assert not re.search(r"\d", props["f2"] + props["f3"])  # no z, no p
    assert WITHHELD_COLOR in html and "Fewer than 5: class withheld" in html
    leaks, features, described = audit_map_html(path)
    assert described and features == 4 and leaks == []


def test_audit_flags_a_hand_made_leaking_map(tmp_path):
    # the old map: the cell of 2 coloured as a hot spot, with its z (protected=False), then
    # described as protected data: the audit reads the HTML and names each leak
    m = MapBuilder("t", "2023", sources=["x"]).add_gistar(_cells(), "Gi*", protected=False)
    path = save_map(m, tmp_path / "gi.html")
    html = path.read_text(encoding="utf-8").replace('"protected":false', '"protected":true')
    path.write_text(html, encoding="utf-8")
    leaks, features, _ = audit_map_html(path)
    kinds = sorted({(leak.kind, leak.row) for leak in leaks})
    assert features == 4
    assert ("map colour", "layer 'Gi*', feature 1") in kinds
    assert ("map derived", "layer 'Gi*', feature 1") in kinds
    assert all("feature 1" in leak.row for leak in leaks)  # the other cells are shown
    derived = {leak.column for leak in leaks if leak.kind == "map derived"}
    assert derived == {"f0"}  # the class; z and p beside "*" are "*" already
    # a count of 2 written into a pop-up is a leak by itself
    html2 = html.replace('"f1":"* (fewer than 5)"', '"f1":"2"')
    path.write_text(html2, encoding="utf-8")
    leaks2, _, _ = audit_map_html(path)
    assert [(x.kind, x.low) for x in leaks2] == [("map count", 2.0)]


def test_emerging_category_of_a_small_count_withheld_on_protected_layer(tmp_path):
    cells = _cells().assign(
        total=[0, 3, 9, 20],
        category=["No pattern", "New hot spot", "Persistent hot spot", "Intensifying hot spot"],
    )
    m = MapBuilder("t", "2023", sources=["x"]).add_emerging(
        cells, show_no_pattern=False, protected=True
    )
    path = save_map(m, tmp_path / "em.html")
    html = path.read_text(encoding="utf-8")
    cats = [f["properties"]["f0"] for f in _features(html)]
    assert "New hot spot" not in cats  # the cell of 3
    assert "Fewer than 5: category withheld" in cats
    leaks, features, _ = audit_map_html(path)
    assert leaks == [] and features == 3  # "No pattern" (0) not drawn


def test_map_audit_counts_in_run_log(tmp_path):
    out = _out(tmp_path)
    m = MapBuilder("t", "2023", sources=["x"]).add_gistar(_cells(), "Gi*", protected=True)
    out.map("gistar", m, png=False)
    result = audit_charts_and_maps(out.dir, out.records)
    assert result.maps_checked == 1 and result.map_features_checked == 4
    assert not result.leaks
    out.run_log()
    found = audit_folders([out.final_dir], 5)
    assert found.maps_checked == 1 and found.map_features_checked == 4
    assert "4 feature(s) of protected layers" in found.summary()


def test_spc_withheld_must_be_gaps():
    from workbench.stats import spc_chart

    with pytest.raises(WorkbenchError, match="withheld points must be NaN"):
        spc_chart(pd.Series(DRUGS, index=MONTHS), withheld=np.array([i == 2 for i in range(12)]))
    plt.close("all")


def test_spc_with_most_months_withheld_draws_no_limits():
    from workbench.stats import spc_chart

    # 12 months: 0 shown in 4, the other 8 withheld (1-4): no mean or limits of the zeros
    values = pd.Series([0, np.nan, np.nan] * 4)
    held = values.isna().to_numpy()
    fig = spc_chart(values, withheld=held)
    values_drawn, refs = plotted_values(fig)
    assert refs == 0 and values_drawn == [0.0] * 8  # line and points of the 4 zeros
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "8 of 12 points withheld (disclosure control)" in texts
    assert fig.axes[0].get_ylim()[1] >= 5.5  # the axis reaches the threshold
    table, _ = spc_summary(values.to_frame("x"), withheld=pd.DataFrame({"x": held}))
    assert table.loc[0, "latest_signal"].startswith("not assessed")
    assert table.loc[0, "withheld_months"] == 8
    # fewer withheld than shown, but no two shown months side by side: no moving range,
    # so no limits either (points and gaps only, not an error)
    gappy = pd.Series([5, np.nan, 6, np.nan, 7, np.nan, 8])
    table, figs = spc_summary(gappy.to_frame("x"), withheld=pd.DataFrame({"x": gappy.isna()}))
    assert table.loc[0, "latest_signal"].startswith("not assessed")
    assert plotted_values(figs["spc_x"])[1] == 0
    plt.close("all")


def test_quarter_beside_published_months_is_linked_and_protected(tmp_path):
    from workbench.disclosure.audit import audit_files
    from workbench.stats import compare_periods, monthly_counts

    # offences of January (7), February (6) and March (3)
    months = ["2023-01"] * 7 + ["2023-02"] * 6 + ["2023-03"] * 3
    events = pd.DataFrame({"month": months, "crime_type": "Drugs"})
    monthly = monthly_long(monthly_counts(events, by="crime_type"))
    quarter = compare_periods(events, freq="quarter", by="crime_type").astype(
        {"first_month": str, "last_month": str}
    )
    assert quarter.frame["count"].tolist() == [16]
    linked = in_months(quarter)
    q1 = linked.frame["period"].iloc[0]
    assert linked.spec.member_sets["period"][q1] == ("2023-01", "2023-02", "2023-03")
    # the leak: the quarter published beside its months, unlinked: 16 - 7 - 6 = 3
    old = _out(tmp_path / "old")
    old.table("monthly_counts", monthly)
    shown = old.table("quarterly", quarter)
    assert shown.loc[0, "count"] == 16
    found = audit_files(
        [
            (old.dir / "monthly_counts.csv", monthly.spec),
            (old.dir / "quarterly.csv", linked.spec),
        ],
        5,
    )
    assert [(x.low, x.high) for x in found.leaks if x.kind == "cell"] == [(3, 3)]
    # closed: linked, the quarter is withheld with the month it would give back
    new = _out(tmp_path / "new")
    new.table("monthly_counts", monthly)
    shown = new.table("quarterly", linked)
    assert shown.loc[0, "count"] == "*"
    assert new.audit_outputs().ok


def test_seasonal_profile_of_published_months_gives_no_withheld_month_back(tmp_path):
    from workbench.stats import seasonality

    out = _out(tmp_path)
    # three Decembers 0, 2 (withheld) and 6: from all months the mean 8 / 3 = 2.667 with
    # min 0 and max 6 gives 8 - 0 - 6 = 2 back
    months = ["2020-12", "2021-01", "2021-12", "2022-01", "2022-12", "2023-01"]
    frame = pd.DataFrame({"crime_type": "Weapons", "month": months, "count": [0, 7, 2, 8, 6, 9]})
    shown = out.table("monthly_counts", monthly_long(frame))
    profile = seasonality(out.plot_data(shown, **BY_MONTH), by="crime_type").frame
    dec = profile[profile["month_of_year"] == 12].iloc[0]
    assert dec["years_observed"] == 2 and dec["mean"] == 3.0  # (0 + 6) / 2, December 2021 out
    assert (dec["min"], dec["max"]) == (0.0, 6.0)


def test_compared_count_beside_a_hidden_count_is_the_same_cell():
    """Year on year: the first window is not compared (its previous year lacks a month), the
    second is. A compared count equal to its count is the same cell (else the table showed
    the year's count as "*" beside a compared count of 70), and a previous count is the
    cell of the period it names."""
    from workbench.stats import compare_periods

    # 36 months of one crime type, 3 a month; the first month missing, so the middle year
    # (its previous year lacks it) is not compared and the last year is
    months = [str(m) for m in pd.period_range("2020-01", "2022-12", freq="M")]
    events = pd.DataFrame({"month": np.repeat(months, 3), "crime_type": "Weapons"})
    observed = set(pd.period_range("2020-02", "2022-12", freq="M"))
    yearly = compare_periods(events, freq="year", by="crime_type", observed=observed).astype(
        {"first_month": str, "last_month": str}
    )
    frame = yearly.frame
    assert frame["compared_count"].isna().any() and frame["compared_count"].notna().any()
    linked = in_months(yearly).spec
    assert linked.counts["compared_count"].measure == linked.counts["count"].measure
    assert linked.counts["previous_count"].dims_from == {"period": "previous_period"}
    assert linked.counts["compared_previous_count"] == linked.counts["previous_count"]
    # a compared count that differs from its count on some row stays a cell of its own
    other = yearly.frame.assign(compared_count=yearly.frame["compared_count"] - 1)
    unlinked = in_months(Described(other, yearly.spec)).spec
    assert unlinked.counts["compared_count"].measure is None
