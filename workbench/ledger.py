"""Row accounting: rows read, kept and dropped by reason, per input file."""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["FileLedger", "Ledger"]

logger = logging.getLogger(__name__)


@dataclass
class FileLedger:
    """Row counts of one input file.

    ``read`` must equal ``kept`` plus the sum of ``dropped``; :meth:`balanced` checks it.
    """

    file: str
    kind: str
    read: int = 0
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)

    def drop(self, reason: str, n: int) -> None:
        """Record ``n`` rows dropped for ``reason`` (no-op for ``n == 0``)."""
        if n:
            self.dropped[reason] += int(n)
            logger.info("%s: dropped %d row(s): %s", self.file, n, reason)

    @property
    def balanced(self) -> bool:
        """True when every row read is either kept or dropped with a reason."""
        return self.read == self.kept + sum(self.dropped.values())

    def to_dict(self) -> dict:
        """JSON-ready form: ``{"file", "kind", "read", "kept", "dropped": {reason: n}}``."""
        return {
            "file": self.file,
            "kind": self.kind,
            "read": int(self.read),
            "kept": int(self.kept),
            "dropped": {k: int(v) for k, v in sorted(self.dropped.items())},
        }


@dataclass
class Ledger:
    """The ledgers of every file a study loaded, in loading order."""

    files: list[FileLedger] = field(default_factory=list)

    def add(self, entry: FileLedger) -> FileLedger:
        """Append a file's ledger and return it."""
        self.files.append(entry)
        return entry

    @property
    def balanced(self) -> bool:
        """True when every file is balanced."""
        return all(f.balanced for f in self.files)

    def to_dict(self) -> dict:
        """``{"files": [...]}`` as documented for ``workbench validate --json``."""
        return {"files": [f.to_dict() for f in self.files]}

    def to_json(self, **kwargs) -> str:
        """The ledger as a JSON string."""
        return json.dumps(self.to_dict(), **kwargs)

    def to_frame(self) -> pd.DataFrame:
        """One row per file and drop reason: file, kind, read, kept, dropped, reason."""
        rows = []
        for f in self.files:
            reasons = f.dropped or {"": 0}
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
                    }
                )
        return pd.DataFrame(
            rows, columns=["file", "kind", "read", "kept", "dropped", "reason", "balanced"]
        )

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False, escape=True)
