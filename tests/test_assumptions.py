"""The assumptions log is data: unique ids, rendered to docs/assumptions.md, read by the pack."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from workbench.assumptions import (
    LOG,
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
        'quality = "High"\nimpact = "Low"\n'
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
