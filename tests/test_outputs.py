"""Tests of workbench.outputs: suppressed tables, labels, run log, assumptions."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from workbench.config import load_config
from workbench.errors import WorkbenchError
from workbench.outputs import Outputs, assumptions, package_versions, run_dir

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample" / "area.toml"


@pytest.fixture
def out(tmp_path):
    return Outputs("supply", config=load_config(SAMPLE), out_dir=tmp_path, run_date="2024-03-31")


def test_run_dir_names_date_and_theme(tmp_path):
    assert run_dir(tmp_path, "supply", "2024-03-31") == tmp_path / "2024-03-31_supply"
    with pytest.raises(WorkbenchError, match="run_date"):
        run_dir(tmp_path, "supply", "31/03/2024")
    with pytest.raises(WorkbenchError, match="theme"):
        run_dir(tmp_path, "../x", "2024-03-31")


def test_table_is_suppressed_in_csv_and_xlsx(out):
    df = pd.DataFrame(
        {
            "place": ["A", "B", "C"],
            "count": [3, 12, 0],
            "population": [1000, 2000, 1500],
            "rate": [30.0, 60.0, 0.0],
        }
    )
    shown = out.table("places", df, count_columns=["count"], derived={"rate": "count"})
    csv = pd.read_csv(out.dir / "places.csv", dtype=str)
    # 3 is between 1 and 4: hidden, and its rate with it; 12 and 0 are shown;
    # the population is not a count of events and is left alone.
    assert csv["count"].tolist() == ["*", "12", "0"]
    assert csv["rate"].tolist() == ["*", "60.0", "0.0"]
    assert csv["population"].tolist() == ["1000", "2000", "1500"]
    assert shown["count"].tolist() == ["*", 12, 0]
    xlsx = pd.read_excel(out.dir / "places.xlsx", sheet_name=None)
    assert xlsx["table"]["count"].astype(str).tolist() == ["*", "12", "0"]
    assert any("shown as" in n for n in xlsx["notes"]["note"])


def test_synthetic_tables_are_labelled(out):
    df = pd.DataFrame({"group": ["x", "y"], "n": [10, 20]})
    out.table("caseload", df, count_columns=["n"], synthetic=True)
    path = out.dir / "SYNTHETIC_caseload.csv"
    assert path.is_file()
    back = pd.read_csv(path)
    assert (back["data"] == "SYNTHETIC").all()
    notes = pd.read_excel(out.dir / "SYNTHETIC_caseload.xlsx", sheet_name="notes")["note"]
    assert notes.iloc[0].startswith("SYNTHETIC")


def test_table_rejects_unknown_columns(out):
    with pytest.raises(WorkbenchError, match="not in the table"):
        out.table("x", pd.DataFrame({"n": [1]}), count_columns=["count"])
    with pytest.raises(WorkbenchError, match="names a file"):
        out.table("a/b", pd.DataFrame({"n": [10]}), count_columns=["n"])


def test_run_log_records_config_versions_and_files(out):
    out.table("t", pd.DataFrame({"n": [10, 20]}), count_columns=["n"])
    log = json.loads(out.run_log({"crime_types": ["Drugs"]}).read_text(encoding="utf-8"))
    assert log["theme"] == "supply"
    assert log["config"]["area_codes"] == ["E06000016"]
    assert log["config"]["suppression_threshold"] == 5
    assert log["packages"]["pandas"] == pd.__version__
    assert log["outputs"][0]["files"] == ["t.csv", "t.xlsx"]
    assert log["parameters"] == {"crime_types": ["Drugs"]}


def test_saved_sample_map_states_the_boundary_year(out):
    from workbench.maps import MapBuilder
    from workbench.study import Study

    study = Study.from_toml(SAMPLE)
    mb = MapBuilder("T", "2022", attributions=study.map_attributions)
    mb.add_outline(study.area, "Study area")
    html = out.map("outline", mb, png=False).read_text(encoding="utf-8")
    # the notice is a JSON string in the page script, so "©" is written as \u00a9
    assert "Contains OS data \\u00a9 Crown copyright and database right 2014." in html


def test_package_versions_marks_missing():
    v = package_versions(("pandas", "surely-not-a-package-xyz"))
    assert v["pandas"] == pd.__version__
    assert v["surely-not-a-package-xyz"] == "not installed"
    assert "python" in v


def test_assumptions_filters_rows_and_items(tmp_path):
    log = tmp_path / "assumptions.md"
    log.write_text(
        "# Log\n\n| id | assumption | quality |\n|---|---|---|\n"
        "| A1 | LSOA codes are 2011 | High |\n| A2 | Snap points are anonymised | Medium |\n\n"
        "- Suppression hides 1-4.\n- Unrelated item.\n",
        encoding="utf-8",
    )
    found = assumptions("lsoa", "SUPPRESSION", log=log)
    assert [e[1] for e in found.entries] == [
        "| A1 | LSOA codes are 2011 | High |",
        "- Suppression hides 1-4.",
    ]
    md = found.to_markdown()
    assert "| id | assumption | quality |" in md
    assert "A2" not in md
    assert "No entry" in assumptions("zzz", log=log).to_markdown()


def test_table_derived_from_hides_derived_columns_with_their_count(out):
    df = pd.DataFrame(
        {
            "group": ["A", "B", "C"],
            "started": [20, 12, 30],
            "within_target": [2, 10, 25],
            "share": [0.1, 10 / 12, 25 / 30],
            "lower": [0.03, 0.55, 0.66],
        }
    )
    # within_target 2 is between 1 and 4: hidden, with share and lower (upper is not in the
    # table and is skipped). Secondary suppression is a matter for stats.suppress; here only
    # the derived columns of row A are checked against the mapping form.
    by_name = out.table("w1", df, count_columns=["within_target"], derived_from="waiting_times")
    by_map = out.table(
        "w2",
        df,
        count_columns=["within_target"],
        derived_from={"within_target": ["share", "lower"]},
    )
    by_dict = out.table(
        "w3",
        df,
        count_columns=["within_target"],
        derived={"share": "within_target", "lower": "within_target"},
    )
    for shown in (by_name, by_map):
        assert shown.loc[0, "within_target"] == "*"
        assert shown.loc[0, "share"] == "*" and shown.loc[0, "lower"] == "*"
        pd.testing.assert_frame_equal(shown, by_dict)
    with pytest.raises(WorkbenchError, match="standard table"):
        out.table("w4", df, count_columns=["within_target"], derived_from="no_such_table")
    with pytest.raises(WorkbenchError, match="two count columns"):
        out.table(
            "w5",
            df,
            count_columns=["started", "within_target"],
            derived={"share": "started"},
            derived_from={"within_target": ["share"]},
        )
