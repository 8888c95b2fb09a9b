"""The run audit is the attacker (issue 26): hand-made tables with a known leak, a safe table,
and the red-team cases (a '*' is never 0, exact recovery, rank gaps, point layers).

Every expected bound is worked by hand in the comments; the audit reads the files written.
"""

from __future__ import annotations

import json
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from workbench.disclosure import (
    SUPPRESSED,
    Count,
    Model,
    Policy,
    Published,
    TableSpec,
    apply_mask,
    protect,
    rank_order,
    rate_columns,
)
from workbench.disclosure.audit import audit_files, audit_map_html, read_published


def _write(tmp_path, name, frame, hidden):
    path = tmp_path / f"{name}.csv"
    apply_mask(frame, hidden).to_csv(path, index=False)
    return path


def _mask(frame, cells):
    m = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    for r, c in cells:
        m.loc[r, c] = True
    return m


WARDS = TableSpec(dims=("ward",), counts={"n": Count("people")}, totals={"ward": "Total"})


# -- the attacker knows a '*' is at least 1 (zeros are shown) ---------------------------
def test_two_hidden_cells_summing_to_three_are_each_proved_small(tmp_path):
    # A=20, B=*, C=*, Total=23: B + C = 3 and each is at least 1 (a 0 would be shown),
    # so B and C are each 1 or 2: a leak the old audit (B, C >= 0: 0 to 3) did not count.
    frame = pd.DataFrame({"ward": ["A", "B", "C", "Total"], "n": [20, 1, 2, 23]})
    path = _write(tmp_path, "wards", frame, _mask(frame, [(1, "n"), (2, "n")]))
    found = audit_files([(path, WARDS)], 5)
    assert sorted((x.row, x.low, x.high) for x in found.leaks) == [
        ("ward=B", 1.0, 2.0),
        ("ward=C", 1.0, 2.0),
    ]
    # protected: the total (the equation) or a sibling goes too, and nothing is pinned
    (mask,) = protect([Published("wards", frame, WARDS, _mask(frame, []))], 5)
    safe = _write(tmp_path, "safe", frame, mask)
    assert audit_files([(safe, WARDS)], 5).ok
    assert mask["n"].sum() >= 3


def test_a_safe_table_has_no_leak_and_reports_its_intervals(tmp_path):
    # A=20, B=*(3), C=30, D=*(... secondary 12) with no total: B and D are only known to be
    # at least 1; nothing pins them.
    frame = pd.DataFrame({"ward": ["A", "B", "C", "D"], "n": [20, 3, 30, 12]})
    path = _write(tmp_path, "wards", frame, _mask(frame, [(1, "n"), (3, "n")]))
    found = audit_files([(path, WARDS)], 5)
    assert found.ok and found.hidden_cells == 2


def test_exact_recovery_of_a_large_hidden_cell_is_a_leak(tmp_path):
    # A=*(3), B=*(40), Total=43, and another table shows B=40: B is recovered exactly
    # (whatever its size), and A = 43 - 40 = 3 with it.
    frame = pd.DataFrame({"ward": ["A", "B", "Total"], "n": [3, 40, 43]})
    other = pd.DataFrame({"ward": ["B"], "n": [40]})
    p1 = _write(tmp_path, "wards", frame, _mask(frame, [(0, "n"), (1, "n")]))
    p2 = _write(tmp_path, "other", other, _mask(other, []))
    found = audit_files([(p1, WARDS), (p2, WARDS)], 5)
    got = sorted((x.row, x.low, x.high) for x in found.leaks)
    assert got == [("ward=A", 3.0, 3.0), ("ward=B", 40.0, 40.0)]


def test_protect_shows_again_a_secondary_cell_printed_elsewhere(tmp_path):
    # The Oadby and Wigston case: a 12-month total hidden (secondary) in one table while an
    # earlier table of the run prints it. Hiding it protects nothing: it is shown again and
    # the small cell is protected by other cells (here the total row).
    earlier = pd.DataFrame({"ward": ["B"], "n": [40]})
    first = Published("earlier", earlier, WARDS, _mask(earlier, []), fixed=True)
    frame = pd.DataFrame({"ward": ["A", "B", "C", "Total"], "n": [3, 40, 50, 93]})
    (mask,) = protect([Published("wards", frame, WARDS, _mask(frame, []))], 5, [first])
    assert not mask.loc[1, "n"]  # B = 40 stays shown (printed earlier)
    assert mask.loc[0, "n"]
    p = _write(tmp_path, "wards", frame, mask)
    e = _write(tmp_path, "earlier", earlier, _mask(earlier, []))
    assert audit_files([(p, WARDS), (e, WARDS)], 5).ok


# -- ranks ---------------------------------------------------------------------------------
RANKED = TableSpec(
    dims=("ward",),
    counts={"count": Count("offences")},
    derived=rate_columns(1_000, "rank"),
    safe=("population",),
)


def _ranked():
    # rates per 1,000: A 10.0 (20 of 2,000), B 4.0 (8 of 2,000), C 2.0 (2 of 1,000),
    # D 1.0 (2 of 2,000... shown? no: 2 is small), E 0.5 (1 of 2,000)
    frame = pd.DataFrame(
        {
            "ward": ["A", "B", "C", "D"],
            "count": [20, 8, 3, 6],
            "population": [2000, 2000, 1000, 4000],
        }
    )
    frame["rate"] = (frame["count"] / frame["population"] * 1000).round(1)
    frame["lower"] = frame["rate"] - 1
    frame["upper"] = frame["rate"] + 1
    frame = frame.sort_values("rate", ascending=False).reset_index(drop=True)
    frame["rank"] = range(1, len(frame) + 1)
    return frame


def test_the_gap_in_the_ranks_pins_a_hidden_count(tmp_path):
    # Rates: A 10.0, B 4.0, C 3.0 (3 of 1,000, hidden), D 1.5. Published in rank order with
    # C's row in place (rank "*"): ranks 1, 2, 4 shown, so C ranks 3: its rate is between
    # 1.5 and 4.0 (to 0.05), its count between 1.45 and 4.05 per 1,000 of 1,000: 2 to 4,
    # a small count proved (the Oadby and Wigston ward).
    frame = _ranked()
    hidden = Policy(5).mask(frame, RANKED)
    assert hidden.loc[2, "count"] and hidden.loc[2, "rank"]
    path = _write(tmp_path, "old", frame, hidden)
    found = audit_files([(path, RANKED)], 5)
    assert [(x.row, x.low, x.high) for x in found.leaks] == [("ward=C", 2.0, 4.0)]
    # published by the one path: withheld rows last, shown ranks 1, 2, 3
    shown, mask = rank_order(frame, hidden, RANKED)
    assert shown["ward"].tolist() == ["A", "B", "D", "C"]
    new = _write(tmp_path, "new", shown, mask)
    assert read_published(new, RANKED).values["rank"].tolist() == ["1", "2", "3", SUPPRESSED]
    assert audit_files([(new, RANKED)], 5).ok


# -- point layers --------------------------------------------------------------------------
def test_points_of_protected_events_are_withheld_and_the_audit_counts_them(tmp_path):
    from workbench.maps import MapBuilder
    from workbench.maps.layers import disclosure_note, points_layer

    # three needle finds in one LSOA whose count the tables withhold: drawn, a reader
    # counts 3 by area
    finds = gpd.GeoDataFrame(
        {"month": ["2024-01"] * 3, "location": ["a", "b", "c"]},
        geometry=[Point(-1.10 + i * 0.01, 52.6) for i in range(3)],
        crs=4326,
    )
    area = gpd.GeoDataFrame({"n": ["x"]}, geometry=[box(-1.2, 52.5, -1.0, 52.7)], crs=4326)
    for cluster in (False, True):  # drawn plain or in a marker cluster (the sample's map)
        old = points_layer(finds, "Needle finds", label="location", protected=False)
        old.cluster = cluster
        old.disclosure = {**disclosure_note(True, 5), "points": True}  # what it is: protected
        mb = MapBuilder("t", "2024").add_outline(area, "Area").add(old)
        leaks, checked, described = audit_map_html(mb.save(tmp_path / f"old{cluster}.html"))
        assert described and checked == 3
        assert [(x.kind, x.low) for x in leaks] == [("map points", 3.0)]
    # the default for dated records (events): withheld, legend says so, nothing to count
    mb = MapBuilder("t", "2024").add_outline(area, "Area")
    mb.add_points(finds, "Needle finds", label="location")
    leaks, checked, _ = audit_map_html(mb.save(tmp_path / "new.html"))
    assert leaks == [] and checked == 0
    # places (services: no date) are drawn
    services = finds.drop(columns="month")
    assert len(points_layer(services, "Services").data) == 3


# -- the policy object --------------------------------------------------------------------
def test_policy_small_rule_and_sources():
    p = Policy(5)
    assert p.small([np.nan, 0, 1, 4, 5, "3", "*"]).tolist() == [
        False,
        False,
        True,
        True,
        False,
        True,
        False,
    ]
    assert p.protects("partnership") and p.protects("open")
    assert not Policy(5, open_data_in_full=True).protects("open")
    with pytest.raises(Exception, match="threshold"):
        Policy(0)


def test_solver_time_and_intervals_are_reported(tmp_path):
    frame = pd.DataFrame({"ward": ["A", "B", "C", "Total"], "n": [20, 3, 30, 53]})
    path = _write(tmp_path, "w", frame, _mask(frame, [(1, "n"), (2, "n")]))
    pub = read_published(path, WARDS)
    model = Model([pub], 5)
    leaks, checked = model.leaks()
    # B + C = 33, each >= 1: B in [1, 32], C in [1, 32]
    assert leaks == [] and checked == 2
    assert sorted((lo, hi) for _, _, lo, hi in model.intervals) == [(1.0, 32.0), (1.0, 32.0)]
    assert model.programs == 4 and model.solver_seconds > 0
    result = audit_files([(path, WARDS)], 5).to_dict()
    assert result["solver_seconds"] > 0 and result["integer_programs"] == 4
    assert result["narrowest_interval"] == 32.0


# -- the whole sample run, as published ------------------------------------------------------
def test_sample_run_gives_no_hidden_cell_back(sample_report):
    """Every theme folder of the sample run attacked together (tables, figures, maps): no
    hidden cell recovered exactly, none proved to be 1 to 4, no point of protected data."""
    from workbench.disclosure.audit import audit_folders

    folders = sorted(f for f in sample_report.iterdir() if f.is_dir())
    assert len(folders) >= 5
    result = audit_folders(folders, 5)
    assert result.ok, result.message()
    assert result.hidden_cells > 50 and result.cells_checked >= result.hidden_cells
    # each hidden cell's range [1, high] holds at least 5 whole numbers (none 1 to 4)
    assert result.narrowest_interval is None or result.narrowest_interval >= 5
    assert result.integer_programs > 0
    # the needle finds on the communities map: withheld (a legend, no point)
    html = next(sample_report.glob("*_communities/*composite_hotspots.html")).read_text()
    assert "points withheld" in html
    # the treatment indicators' waiting-time rows are linked to the need tables
    log = json.loads(next(sample_report.glob("*_indicators/run_log.json")).read_text())
    specs = [r["disclosure"] for r in log["outputs"] if r["name"] == "treatment_indicators"]
    assert specs and "waits_within_target" in specs[0]["rows"]["values"]
    assert log["run_disclosure_audit"]["leaks_found"] == 0


def test_indicator_modality_rows_are_linked_to_the_waiting_times(tmp_path):
    # The sample's red-team case, by hand: the treatment theme shows 100 adults started in
    # 2020-21; the indicators theme shows 97 of them in community treatment and hides the
    # 3 in inpatient detox. 100 - 97 = 3: found only when the indicator rows are known to
    # count the same people (TableSpec.rows), as an outside attacker knows.
    from workbench.indicators import specs
    from workbench.need.waits import _waits_spec

    waits = pd.DataFrame(
        {
            "financial_year": ["2020-21"],
            "cohort": ["adult"],
            "started": [100],
            "within_target": [80],
        }
    )
    wspec = _waits_spec([]).restricted(waits.columns)
    rows = pd.DataFrame(
        {
            "indicator": ["waits_within_target"] * 2,
            "period": ["2020-21"] * 2,
            "area_name": ["L: adult, community", "L: adult, inpatient_detox"],
            "count": [78, 2],
            "denominator": [97, 3],
            "value": [80.4, 66.7],
            "lower": [71.4, 20.8],
            "upper": [87.1, 93.9],
            "note": ["adult, community", "adult, inpatient_detox"],
        }
    )
    ispec = specs.indicator_values()
    hidden = Policy(5).mask(rows, ispec)
    assert hidden.loc[1, "denominator"] and hidden.loc[1, "count"]
    p1 = _write(tmp_path, "waits", waits, _mask(waits, []))
    p2 = _write(tmp_path, "treatment_indicators", rows, hidden)
    unlinked = replace(ispec, rows={})
    assert audit_files([(p1, wspec), (p2, unlinked)], 5).ok  # the old audit: nothing
    found = audit_files([(p1, wspec), (p2, ispec)], 5)
    got = {(x.column, x.low, x.high) for x in found.leaks}
    assert ("denominator", 3.0, 3.0) in got and ("count", 2.0, 2.0) in got
    # protected against the waits table already published: the community row goes too
    first = Published("waits", waits, wspec, _mask(waits, []), fixed=True)
    (mask,) = protect([Published("ti", rows, ispec, _mask(rows, []))], 5, [first])
    assert mask.loc[0, "denominator"]
    p3 = _write(tmp_path, "safe", rows, mask)
    assert audit_files([(p1, wspec), (p3, ispec)], 5).ok


def test_districts_of_a_month_published_earlier_may_hide_zeros(tmp_path):
    # Oadby and Wigston, possession of weapons, April 2021: the study's month (5) was
    # published first; the districts hold 1 and 4. Both withheld, each is 5 minus the other,
    # and a "*" known to be at least 1 makes each 1 to 4: no cell left to hide can help.
    # The last resort: the district table says a "*" may be a zero (hidden to protect a
    # small count), so the reader knows only 0 to 5.
    month = TableSpec(dims=("month",), counts={"count": Count("offences")})
    by_area = TableSpec(dims=("area", "month"), counts={"count": Count("offences")})
    study = pd.DataFrame({"month": ["2021-04"], "count": [5]})
    dist = pd.DataFrame({"area": ["OW", "B"], "month": ["2021-04"] * 2, "count": [1, 4]})
    p0 = _write(tmp_path, "study", study, _mask(study, []))
    p1 = _write(tmp_path, "districts", dist, _mask(dist, [(0, "count"), (1, "count")]))
    found = audit_files([(p0, month), (p1, by_area)], 5)
    assert sorted((x.row, x.low, x.high) for x in found.leaks) == [
        ("area=B, month=2021-04", 1.0, 4.0),
        ("area=OW, month=2021-04", 1.0, 4.0),
    ]
    pub = Published("districts", dist, by_area, _mask(dist, []))
    (mask,) = protect([pub], 5, [Published("study", study, month, _mask(study, []), fixed=True)])
    assert mask["count"].tolist() == [True, True] and pub.spec.zeros_hidden
    assert audit_files([(p0, month), (p1, pub.spec)], 5).ok
    assert TableSpec.from_dict(pub.spec.to_dict()).zeros_hidden
