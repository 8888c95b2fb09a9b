"""Row accounting: rows read, kept and dropped by reason, per input file."""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["FileLedger", "Ledger", "REASONS"]

logger = logging.getLogger(__name__)

#: The drop reasons the loaders use (one wording each, so ledgers can be compared).
REASONS = {
    "no_coordinates": "no coordinates",
    "outside_gb": "coordinates outside Great Britain",
    "outside_area": "outside the study area",
    "outside_period": "outside the study period",
    "duplicate": "duplicate record",
    "duplicate_file": "duplicate file (the same monthly file given twice)",
    "bad_month": "unparseable month",
    "bad_date": "unparseable date",
    "no_date": "no date (blank)",
    "unknown_lsoa": "unknown or retired LSOA code",
    "lsoa_vintage": "LSOA code on another census geography (2011/2021) and no lookup configured",
    "neighbour_inside": "LSOA code of a neighbouring district; point inside the study's "
    "(generalised) polygons",
    "no_geometry": "no geometry",
    "no_code": "no area code",
}


@dataclass
class FileLedger:
    """Row counts of one input file.

    ``read`` must equal ``kept`` plus the sum of ``dropped``; :meth:`balanced` checks it.
    ``notes`` counts things done to kept rows that the analyst should know about (polygons
    repaired, counts left blank, rows matched through a lookup); they are not drops.
    """

    file: str
    kind: str
    read: int = 0
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)
    #: police street files: ``{force: {"YYYY-MM", ...}}``, the months the files hold (from
    #: their names, else their Month column); see :class:`workbench.coverage.Coverage`.
    months: dict[str, set[str]] = field(default_factory=dict)
    #: police street files read with an area (issue 21): ``{"YYYY-MM": {"read", "kept",
    #: "dropped": {reason: n}, "notes": {attribution path: n}}}``, the ledger of each month
    #: (in ``workbench validate`` through ``Study.checks()["vintage_paths"]``, not in
    #: :meth:`to_dict`, which the engines compare).
    by_month: dict[str, dict] = field(default_factory=dict)

    def month(self, month: str) -> dict:
        """The ledger of one month (``by_month[month]``), made empty on first use."""
        return self.by_month.setdefault(month, {"read": 0, "kept": 0, "dropped": {}, "notes": {}})

    def drop(self, reason: str, n: int) -> None:
        """Record ``n`` rows dropped for ``reason`` (no-op for ``n == 0``)."""
        if n:
            self.dropped[reason] += int(n)
            logger.info("%s: dropped %d row(s): %s", self.file, n, reason)

    def note(self, what: str, n: int) -> None:
        """Record ``n`` kept rows that were changed or flagged (no-op for ``n == 0``)."""
        if n:
            self.notes[what] += int(n)
            logger.info("%s: %d row(s): %s", self.file, n, what)

    @property
    def balanced(self) -> bool:
        """True when every row read is either kept or dropped with a reason."""
        return self.read == self.kept + sum(self.dropped.values())

    def to_dict(self) -> dict:
        """JSON-ready form: ``{"file", "kind", "read", "kept", "dropped": {reason: n}}``.

        A ``"notes"`` mapping is added when there are notes.
        """
        out = {
            "file": self.file,
            "kind": self.kind,
            "read": int(self.read),
            "kept": int(self.kept),
            "dropped": {k: int(v) for k, v in sorted(self.dropped.items())},
        }
        if self.notes:
            out["notes"] = {k: int(v) for k, v in sorted(self.notes.items())}
        if self.months:
            out["months"] = {k: sorted(v) for k, v in sorted(self.months.items())}

        return out


@dataclass
class Ledger:
    """The ledgers of every file a study loaded, in loading order."""

    files: list[FileLedger] = field(default_factory=list)
    #: The study's police coverage (:meth:`workbench.coverage.Coverage.to_dict`), set by
    #: :attr:`workbench.study.Study.coverage`; ``None`` until then.
    coverage: dict | None = None

    def add(self, entry: FileLedger) -> FileLedger:
        """Append a file's ledger and return it."""
        self.files.append(entry)
        return entry

    def extend(self, entries: list[FileLedger]) -> None:
        """Append several files' ledgers."""
        self.files.extend(entries)

    @property
    def balanced(self) -> bool:
        """True when every file is balanced."""
        return all(f.balanced for f in self.files)

    def to_dict(self) -> dict:
        """``{"files": [...]}`` as documented for ``workbench validate --json``, plus
        ``"coverage"`` (months of the study period the police files hold) once known."""
        out: dict = {"files": [f.to_dict() for f in self.files]}
        if self.coverage is not None:
            out["coverage"] = self.coverage
        return out

    def to_json(self, **kwargs) -> str:
        """The ledger as a JSON string."""
        return json.dumps(self.to_dict(), **kwargs)

    def to_frame(self) -> pd.DataFrame:
        """One row per file and drop reason: file, kind, read, kept, dropped, reason, balanced,
        notes (the file's notes, ``"what: n"`` joined with "; ")."""
        rows = []
        for f in self.files:
            reasons = f.dropped or {"": 0}
            notes = "; ".join(f"{k}: {v:,}" for k, v in sorted(f.notes.items()))
            for reason, n in reasons.items():
                rows.append(
                    {
                        "file": f.file,
                        "kind": f.kind,
                        "read": f.read,
                        "kept": f.kept,
                        "dropped": n,
                        "reason": reason,
                        "balanced": f.balanced,
                        "notes": notes,
                    }
                )
        return pd.DataFrame(
            rows,
            columns=["file", "kind", "read", "kept", "dropped", "reason", "balanced", "notes"],
        )

    def to_text(self) -> str:
        """A plain-text table for the terminal: one block per file, reasons indented."""
        lines = [f"{'kind':<22} {'read':>9} {'kept':>9} {'dropped':>9}  file"]
        for f in self.files:
            n_drop = sum(f.dropped.values())
            mark = "" if f.balanced else "  UNBALANCED"
            lines.append(f"{f.kind:<22} {f.read:>9,} {f.kept:>9,} {n_drop:>9,}  {f.file}{mark}")
            for reason, n in sorted(f.dropped.items()):
                lines.append(f"{'':<22} {'':>9} {'':>9} {n:>9,}    dropped: {reason}")
            for what, n in sorted(f.notes.items()):
                lines.append(f"{'':<22} {'':>9} {n:>9,} {'':>9}    note: {what}")
        lines.append(
            "every file balanced (read = kept + dropped)"
            if self.balanced
            else "NOT balanced: some rows are unaccounted for"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        # one line without paths: the plain-text form a notebook keeps beside the HTML table
        # (no absolute path of the analyst's machine in a saved notebook, issue 25 item 8)
        read = sum(f.read for f in self.files)
        kept = sum(f.kept for f in self.files)
        state = "balanced" if self.balanced else "NOT balanced"
        return f"<Ledger: {len(self.files)} file(s), {read:,} rows read, {kept:,} kept; {state}>"

    def _repr_html_(self) -> str:
        # in a notebook, paths are shown relative to the folder all the files share (the full
        # paths stay in to_frame(), to_json() and the run log)
        # (absolute ones relative to the folder they share: a report never shows an absolute
        # path of the analyst's machine, issue 25 item 8; relative ones are already short)
        frame = self.to_frame()
        if len(frame):
            paths = [str(p) for p in frame["file"]]
            absolute = [p for p in paths if os.path.isabs(p)]
            try:
                root = os.path.commonpath([os.path.dirname(p) for p in absolute])
            except ValueError:  # no absolute path, or paths on several drives
                root = ""
            if root:
                frame["file"] = [os.path.relpath(p, root) if os.path.isabs(p) else p for p in paths]
        read = sum(f.read for f in self.files)
        kept = sum(f.kept for f in self.files)
        state = (
            "every file balanced (read = kept + dropped)"
            if self.balanced
            else "<strong>NOT balanced: some rows are unaccounted for</strong>"
        )
        summary = (
            f"Row ledger: {len(self.files)} file(s), {read:,} rows read, {kept:,} kept, "
            f"{read - kept:,} dropped or outside the study; {state}. Open for every file "
            "and reason."
        )
        table = frame.to_html(index=False, escape=True, classes="workbench-ledger")
        # a long note gets room to read rather than a one-word column
        style = "<style>table.workbench-ledger td:last-child{min-width:22em}</style>"
        # collapsed: the summary line is what a reader needs; the table is one click away
        return f"{style}<details><summary>{summary}</summary>{table}</details>"
