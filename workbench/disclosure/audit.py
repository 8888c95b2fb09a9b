"""The run-level audit: read the published CSV files back and attack them.

The audit never looks at the in-memory tables: it reads each CSV file as text, takes the
cells shown and the cells hidden (``"*"``), and with the table descriptions written in the
run log builds the attacker's :class:`~workbench.disclosure.model.Model` of every protected
table of the run together.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.disclosure.model import SUPPRESSED, Leak, Model, Published
from workbench.disclosure.spec import TableSpec
from workbench.errors import WorkbenchError

__all__ = [
    "AuditResult",
    "audit_files",
    "audit_folders",
    "audit_run",
    "read_published",
    "tables_of_folder",
]

logger = logging.getLogger(__name__)


@dataclass
class AuditResult:
    """What the audit checked and found."""

    files: list[str] = field(default_factory=list)
    cells_checked: int = 0
    hidden_cells: int = 0
    leaks: list[Leak] = field(default_factory=list)
    not_modelled: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no hidden value can be recovered."""
        return not self.leaks

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``run_log.json`` key ``disclosure_audit``)."""
        return {
            "files": self.files,
            "hidden_cells": self.hidden_cells,
            "cells_checked": self.cells_checked,
            "leaks_found": len(self.leaks),
            "leaks": [leak.to_dict() for leak in self.leaks],
            "measures_not_modelled": self.not_modelled,
        }

    def message(self) -> str:
        """One error message naming the files and cells that leak."""
        lines = [leak.message() for leak in self.leaks[:10]]
        more = f" (and {len(self.leaks) - 10} more)" if len(self.leaks) > 10 else ""
        return (
            f"disclosure audit: {len(self.leaks)} hidden value(s) can be worked out from the "
            f"published files{more}:\n  " + "\n  ".join(lines)
        )


def read_published(path: Path, spec: TableSpec, name: str | None = None) -> Published:
    """A CSV file as published: its text, which cells show ``"*"``, and its spec."""
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    hidden = text.apply(lambda col: col.str.strip() == SUPPRESSED)
    return Published(name or path.name, text, spec, hidden, text=text, fixed=True)


def audit_files(entries: Iterable[tuple[Path, TableSpec]], threshold: int) -> AuditResult:
    """Attack a set of published CSV files (with their specs) together.

    Returns
    -------
    AuditResult
        Files read, hidden cells, cells checked (hidden cells and complements whose range
        was bounded) and the leaks (see :class:`~workbench.disclosure.model.Model`).
    """
    tables = []
    for path, spec in entries:
        path = Path(path)
        if not path.is_file():
            raise WorkbenchError(f"disclosure audit: published file {path} is missing")
        tables.append(read_published(path, spec, name=f"{path.parent.name}/{path.name}"))
    result = AuditResult(files=[t.name for t in tables])
    if not tables:
        return result
    result.hidden_cells = int(
        sum(t.hidden[[c for c in t.spec.counts if c in t.hidden]].to_numpy().sum() for t in tables)
    )
    model = Model(tables, threshold)
    result.leaks, result.cells_checked = model.leaks()
    result.not_modelled = model.not_modelled
    logger.info(
        "Disclosure audit: %d file(s), %d hidden cell(s), %d checked, %d leak(s)",
        len(tables),
        result.hidden_cells,
        result.cells_checked,
        len(result.leaks),
    )
    return result


def tables_of_folder(
    folder: Path, records: Sequence[dict[str, Any]] | None = None
) -> list[tuple[Path, TableSpec]]:
    """The protected CSV files of a theme folder and their specs (from its run log)."""
    folder = Path(folder)
    if records is None:
        log = folder / "run_log.json"
        if not log.is_file():
            return []
        records = json.loads(log.read_text(encoding="utf-8")).get("outputs", [])
    out = []
    for rec in records:
        if rec.get("kind") != "table" or not rec.get("protected") or "disclosure" not in rec:
            continue
        csv = next((f for f in rec["files"] if f.endswith(".csv")), None)
        if csv:
            out.append((folder / csv, TableSpec.from_dict(rec["disclosure"])))
    return out


def audit_folders(folders: Iterable[Path], threshold: int) -> AuditResult:
    """Audit the protected tables of several theme folders (one run) together."""
    entries = [e for f in folders for e in tables_of_folder(Path(f))]
    return audit_files(entries, threshold)


def audit_run(folders: Iterable[Path], threshold: int) -> AuditResult:
    """The audit of a whole report run (every theme folder together).

    The result is added to each folder's ``run_log.json`` as ``run_disclosure_audit``.

    Raises
    ------
    WorkbenchError
        A hidden cell can be recovered from the files of the run (the message names the
        file and cell).
    """
    folders = [Path(f) for f in folders]
    result = audit_folders(folders, threshold)
    summary = {"folders": [f.name for f in folders], **result.to_dict()}
    for folder in folders:
        log = folder / "run_log.json"
        if log.is_file():
            data = json.loads(log.read_text(encoding="utf-8"))
            data["run_disclosure_audit"] = summary
            log.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    if not result.ok:
        raise WorkbenchError(result.message())
    logger.info(
        "Run disclosure audit: %d protected file(s), %d cell(s) checked, no leak",
        len(result.files),
        result.cells_checked,
    )
    return result
