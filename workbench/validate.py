"""``workbench validate``: load every file of a study and print the row ledger."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TextIO

from workbench.errors import WorkbenchError

__all__ = ["run_validate"]

logger = logging.getLogger(__name__)


def run_validate(
    config: str | Path,
    as_json: bool = False,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Load every configured file of the study in ``config`` and print its ledger.

    Parameters
    ----------
    config : path
        The study's ``area.toml``.
    as_json : bool
        Print ``{"files": [{"file", "kind", "read", "kept", "dropped": {reason: n}}]}``
        (plus ``"notes"`` for files with notes) instead of a table.
    out, err : file-like, optional
        Where to print (default: standard output and standard error).

    Returns
    -------
    int
        0 when every file loaded and balanced (rows read = kept + dropped); 2 on bad input or
        configuration (the error's one-line message is printed, without a traceback); 1 when a
        ledger does not balance (a bug in the workbench, never expected).
    """
    from workbench.study import Study

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        study = Study.from_toml(config)
        ledger = study.load_all()
    except WorkbenchError as exc:
        print(f"error: {' '.join(str(exc).split())}", file=err)
        return 2
    cov = study.coverage
    checks = study.checks()
    if as_json:
        print(json.dumps({**ledger.to_dict(), "checks": checks}, indent=2), file=out)
    else:
        print(
            f"Study: {study.config.name} ({study.config.period_start} to "
            f"{study.config.period_end}), {len(ledger.files)} file(s)",
            file=out,
        )
        print(ledger.to_text(), file=out)
        print("", file=out)
        print("Police coverage (months of the study period held, by force):", file=out)
        print(cov.to_text(), file=out)
        if not cov.complete:
            print(
                f"MISSING MONTHS: {cov.describe()} They are treated as missing (gaps), "
                "never as zero.",
                file=out,
            )
        for line in checks.get("messages", []):
            print(line, file=out)
    if not ledger.balanced:
        logger.error("ledger not balanced: %s", [f.file for f in ledger.files if not f.balanced])
        return 1
    return 0
