"""The assumptions log is data: unique ids, rendered to docs/assumptions.md, read by the pack."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from workbench.assumptions import (
    APPLIES_KEYS,
    LOG,
    StudyFacts,
    applicable,
    by_id,
    id_marker,
    ids_in,
    load_log,
    render_log,
)
from workbench.errors import DataError

ROOT = Path(__file__).resolve().parents[1]


def test_ids_are_unique_and_well_formed():
    raw = tomllib.loads(LOG.read_text(encoding="utf-8"))["entry"]
    ids = [e["id"] for e in raw]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert len(load_log()) == len(raw) > 100


def test_a_repeated_id_is_refused(tmp_path):
    log = tmp_path / "log.toml"
    entry = (
        '[[entry]]\nid = "A01"\nsection = "S"\narea = "a"\ntext = "t"\n'
        'quality = "High"\nimpact = "Low"\napplies_when = {}\n'
    )
    log.write_text(entry + entry, encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_log(log)
    assert err.value.row == 2 and err.value.column == "id" and "A01" in str(err.value)


def test_docs_file_is_the_rendered_log():
    """docs/assumptions.md is generated: run `python -m workbench.assumptions` after editing
    workbench/resources/assumptions.toml."""
    committed = (ROOT / "docs" / "assumptions.md").read_text(encoding="utf-8")
    assert committed == render_log()


def test_every_entry_appears_once_in_the_docs():
    text = render_log()
    for e in load_log():
        assert text.count(f"| {e.id} |") == 1, e.id


def test_entries_once_dropped_by_the_pack_are_kept():
    """The engines' S01 and the statistics' S04 shared ids with other entries, and the pack
    kept one entry per id; now each has its own id and the pack's lookup returns both."""
    log = load_log()
    stats = [e for e in log if e.section == "Statistics" and e.id == "S04"]
    engines = [e for e in log if e.section.startswith("Scale") and "in batches" in e.text]
    assert len(stats) == 1 and len(engines) == 1 and engines[0].id != "S01"
    ids = ids_in(id_marker([stats[0], engines[0]]))
    assert [e.id for e in by_id(ids)] == [stats[0].id, engines[0].id]


def _one_entry(tmp_path, applies_when: str | None):
    log = tmp_path / "log.toml"
    text = (
        '[[entry]]\nid = "A01"\nsection = "S"\narea = "a"\ntext = "t"\n'
        'quality = "High"\nimpact = "Low"\n'
    )
    if applies_when is not None:
        text += f"applies_when = {applies_when}\n"
    log.write_text(text, encoding="utf-8")
    return log


@pytest.mark.parametrize(
    ("applies_when", "column", "found"),
    [
        (None, "applies_when", "nothing"),
        ('{ file = ["wards"] }', "applies_when", "file"),
        ('{ files = ["ward"] }', "applies_when.files", "ward"),
        ('{ files = "wards" }', "applies_when.files", "'wards'"),
        ("{ files = [] }", "applies_when.files", "[]"),
        ('{ synthetic = "yes" }', "applies_when.synthetic", "'yes'"),
        ('{ lsoa_vintage = ["2001"] }', "applies_when.lsoa_vintage", "2001"),
        ("{ in_reports = true }", "applies_when.in_reports", "True"),
    ],
)
def test_applies_when_is_checked(tmp_path, applies_when, column, found):
    """Every entry says when it applies; an unknown key or a value of the wrong kind stops
    the log with one DataError naming the row and the field."""
    with pytest.raises(DataError) as err:
        load_log(_one_entry(tmp_path, applies_when))
    assert err.value.row == 1 and err.value.column == column
    assert found in str(err.value)


def test_every_entry_of_the_log_says_when_it_applies():
    raw = tomllib.loads(LOG.read_text(encoding="utf-8"))["entry"]
    assert all("applies_when" in e for e in raw)
    assert {k for e in load_log() for k in e.applies_when} <= set(APPLIES_KEYS)


def test_index_labels_of_the_log_are_the_package_indices():
    from workbench.loaders.imd import INDICES

    labels = {i.label for i in INDICES.values()}
    for e in load_log():
        assert set(e.applies_when.get("index", ())) <= labels, e.id


@pytest.mark.parametrize(
    ("conditions", "facts", "holds"),
    [
        ({}, StudyFacts(files=frozenset()), True),
        ({"files": ("wards", "ward_lookup")}, StudyFacts(files=frozenset({"ward_lookup"})), True),
        ({"files": ("wards",)}, StudyFacts(files=frozenset({"ward_lookup"})), False),
        (
            {"files": ("ward_lookup",), "without_files": ("wards",)},
            StudyFacts(files=frozenset({"ward_lookup", "wards"})),
            False,
        ),
        ({"index": ("IMD 2019",)}, StudyFacts(index="IoD 2025"), False),
        ({"index": ("IMD 2019",)}, StudyFacts(index="IMD 2019"), True),
        ({"synthetic": True}, StudyFacts(synthetic=False), False),
        ({"synthetic": False}, StudyFacts(synthetic=False), True),
        ({"lsoa_vintage": ("2011",), "country": ("Wales",)}, StudyFacts(lsoa_vintage="2011"), True),
        ({"lsoa_vintage": ("2011",)}, StudyFacts(lsoa_vintage="2021"), False),
        ({"files": ("wards",)}, StudyFacts(), True),  # unknown facts place no condition
        ({"in_reports": False}, StudyFacts(), False),
    ],
)
def test_conditions(tmp_path, conditions, facts, holds):
    entry = load_log(_one_entry(tmp_path, "{}"))[0]
    from dataclasses import replace

    assert replace(entry, applies_when=conditions).applies(facts) is holds
    assert applicable([replace(entry, applies_when=conditions)], facts) == (
        [replace(entry, applies_when=conditions)] if holds else []
    )


def test_facts_from_a_run_log():
    """The meeting pack reads the facts from the run log's settings and deprivation index."""
    settings = {
        "area_codes": ["E07000081", "E07000082"],
        "boundary_vintage": None,
        "open_data_in_full": True,
        "files": {"police_street": ["x.zip"], "stop_search": [], "wards": None},
        "indicators": {"seizures": "s.csv"},
    }
    index = {"label": "IoD 2025", "country": "England", "population_source": "Census 2021 usual"}
    facts = StudyFacts.from_settings(settings, index, synthetic=False)
    assert facts == StudyFacts(
        files=frozenset({"police_street"}),
        indicators=frozenset({"seizures"}),
        index="IoD 2025",
        country="England",
        lsoa_vintage=None,
        population="census2021",
        synthetic=False,
        several_districts=True,
        open_data_in_full=True,
    )


def test_the_pack_keeps_only_entries_that_hold_for_the_run(tmp_path):
    """A theme note listing an entry the study's recorded settings rule out (a report made
    before the entry's conditions, or by hand) does not reach the pack's closing slide."""

    from workbench.pack import Run, applicable_assumptions

    folder = tmp_path / "2024-01-01_overview"
    folder.mkdir()
    (folder / "assumptions.md").write_text(id_marker(by_id(["A01", "A07", "A08", "A17"])))
    settings = {"area_codes": ["E07000081"], "files": {"population": "p.csv"}}
    index = {"label": "IoD 2025", "country": "England", "population_source": "Census 2021"}
    log = {"config": settings, "deprivation_index": index, "outputs": []}
    run = Run(tmp_path, "2024-01-01", {"overview": folder}, {"overview": log})
    # A01 needs police or stop and search files, A08 synthetic tables; A17 is IoD 2025's
    assert [e["id"] for e in applicable_assumptions(run)] == ["A07", "A17"]
