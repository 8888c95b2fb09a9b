"""Tests of workbench.outputs: suppressed tables, labels, run log, assumptions."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from workbench.config import load_config
from workbench.disclosure import Count, Derived, Described, TableSpec
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
    spec = TableSpec(
        dims=("place",),
        counts={"count": Count()},
        derived={"rate": Derived(("count",), "rate", "population", 10_000)},
        safe=("population",),
    )
    shown = out.table("places", Described(df, spec))
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
    spec = TableSpec(dims=("group",), counts={"n": Count()})
    out.table("caseload", Described(df, spec), synthetic=True)
    path = out.dir / "SYNTHETIC_caseload.csv"
    assert path.is_file()
    back = pd.read_csv(path)
    assert (back["data"] == "SYNTHETIC").all()
    notes = pd.read_excel(out.dir / "SYNTHETIC_caseload.xlsx", sheet_name="notes")["note"]
    assert notes.iloc[0].startswith("SYNTHETIC")


def test_table_needs_a_described_result_that_covers_every_numeric_column(out):
    with pytest.raises(WorkbenchError, match=r"Outputs.table\('x'\).*bare DataFrame"):
        out.table("x", pd.DataFrame({"n": [1]}))
    spec = TableSpec(counts={"count": Count()})
    # a column added to the frame outside Described is not described: the export stops
    result = Described(pd.DataFrame({"count": [10]}), spec)
    result.frame["n"] = [1]
    with pytest.raises(WorkbenchError, match=r"\['n'\] are not described"):
        out.table("x", result)
    # renaming through Described keeps the protection
    shown = out.table("x", Described(pd.DataFrame({"count": [1, 9]}), spec).rename({"count": "n"}))
    assert shown["n"].tolist() == ["*", 9]
    with pytest.raises(WorkbenchError, match="names a file"):
        out.table("a/b", Described(pd.DataFrame({"n": [10]}), TableSpec(counts={"n": Count()})))


def test_run_log_records_config_versions_and_files(out):
    out.table("t", Described(pd.DataFrame({"n": [10, 20]}), TableSpec(counts={"n": Count()})))
    log = json.loads(out.run_log({"crime_types": ["Drugs"]}).read_text(encoding="utf-8"))
    assert log["disclosure_audit"]["leaks_found"] == 0
    assert log["disclosure"]["open_data_in_full"] is True  # the sample's choice
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


def test_assumptions_filters_entries(tmp_path):
    log = tmp_path / "assumptions.toml"
    log.write_text(
        'title = "Log"\nintro = "Entries."\n'
        '[[entry]]\nid = "A01"\nsection = "General"\narea = "geography"\n'
        'text = "LSOA codes are 2011"\nquality = "High"\nimpact = "Low"\napplies_when = {}\n'
        '[[entry]]\nid = "A02"\nsection = "General"\narea = "police"\n'
        'text = "Snap points are anonymised"\nquality = "Medium"\nimpact = "Low"\n'
        "applies_when = {}\n"
        '[[entry]]\nid = "D01"\nsection = "Disclosure"\narea = "tables"\n'
        'text = "Suppression hides 1-4."\nquality = "High"\nimpact = "High"\n'
        "applies_when = {}\n",
        encoding="utf-8",
    )
    found = assumptions("lsoa", "SUPPRESSION", log=log)
    assert [e.id for e in found.entries] == ["A01", "D01"]
    md = found.to_markdown()
    assert "| id | area | assumption or caveat | quality | impact |" in md
    assert "| A01 | geography | LSOA codes are 2011 | High | Low |" in md
    assert "A02" not in md
    assert md.rstrip().endswith("<!-- assumptions: A01 D01 -->")
    assert "No entry" in assumptions("zzz", log=log).to_markdown()


def test_derived_columns_are_hidden_with_any_count_they_come_from(out):
    df = pd.DataFrame(
        {
            "group": ["A", "B", "C"],
            "started": [20, 12, 30],
            "within_target": [2, 10, 25],
            "share": [0.1, 10 / 12, 25 / 30],
            "lower": [0.03, 0.55, 0.66],
        }
    )
    spec = TableSpec(
        dims=("group",),
        counts={"started": Count(), "within_target": Count(part_of="started")},
        derived={
            "share": Derived(("within_target", "started"), "share"),
            "lower": Derived(("within_target", "started"), "wilson_lower"),
        },
    )
    shown = out.table("w1", Described(df, spec))
    # within_target 2 is 1-4: hidden with its share and limit; B's complement 12 - 10 = 2
    # is a count of people too: B's within_target is hidden, and its share
    assert shown.loc[0, "within_target"] == "*" and shown.loc[0, "share"] == "*"
    assert shown.loc[1, "within_target"] == "*" and shown.loc[1, "lower"] == "*"
    assert shown.loc[2, "within_target"] == 25
    with pytest.raises(WorkbenchError, match="without the count"):
        Described(df, spec).select(["group", "started", "share"])
