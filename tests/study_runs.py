"""Run-once mechanics of the suite's whole-study fixtures (tests/conftest.py).

A study report takes one to two minutes; under pytest-xdist each worker is its own process
with its own session fixtures, so without this each worker needing a study would run it.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

logger = logging.getLogger("tests.studies")

#: The session fixtures that run a whole study, in the order a module using several is
#: grouped by (its first); tests/conftest.py defines them.
STUDY_FIXTURES = (
    "sample_report",
    "oadby_report",
    "payload_run",
    "gloucester_report",
    "newport_report",
    "barnet_run",
)

#: The log of study runs of a session (in its shared temporary folder), shown at the end.
STUDY_LOG = "study_runs.log"


def worker() -> str:
    """``gw0``, ``gw1``... under pytest-xdist; ``master`` in a single-process run."""
    return os.environ.get("PYTEST_XDIST_WORKER", "master")


def shared_root(basetemp: Path) -> Path:
    """The temporary folder of the whole session, from this process's ``basetemp``: its
    parent under xdist (``pytest-N/popen-gw0``), the base folder itself without xdist."""
    return basetemp if worker() == "master" else basetemp.parent


def _encode(value: object) -> object:
    if isinstance(value, Path):
        return {"path": str(value)}
    if isinstance(value, dict):
        return {"dict": {k: _encode(v) for k, v in value.items()}}
    if value is None:
        return None
    raise TypeError(f"run_once: cannot share a {type(value).__name__} between workers")


def _decode(value: object) -> object:
    if value is None:
        return None
    assert isinstance(value, dict)
    if "path" in value:
        return Path(value["path"])
    return {k: _decode(v) for k, v in value["dict"].items()}


def _note(root: Path, line: str) -> None:
    logger.info(line)
    with open(root / STUDY_LOG, "a", encoding="utf-8") as log:
        log.write(line + "\n")


def run_once(root: Path, name: str, build: Callable[[Path], object]) -> object:
    """``build(folder)`` once per test session, its result shared by every xdist worker.

    Parameters
    ----------
    root : Path
        The folder every worker of the session shares (:func:`shared_root`).
    name : str
        The run's name (a folder name), unique in the suite.
    build : callable
        Runs the study into the empty folder it is given and returns a Path, a dict of
        Paths or None (what the other workers receive too).

    Returns
    -------
    The value ``build`` returned, in the worker that ran it or in any other.

    Notes
    -----
    The standard pattern of pytest-xdist's documentation: a ``filelock.FileLock`` in the
    temporary folder every worker of the session shares. The first worker to take the lock
    runs ``build`` and writes ``<name>.done.json`` before releasing it; a worker that finds
    the marker reuses the folder. A build that raised leaves a marker saying so, and the
    other workers fail at once instead of running the study a second time.
    """
    folder = root / name
    marker = root / f"{name}.done.json"
    asked = time.perf_counter()
    with FileLock(str(root / f"{name}.lock")):
        waited = time.perf_counter() - asked
        if marker.is_file():
            record = json.loads(marker.read_text(encoding="utf-8"))
            if not record["ok"]:
                pytest.fail(f"study run {name} failed in worker {record['worker']}")
            _note(
                root,
                f"{name}: reused by {worker()} (run by {record['worker']}; "
                f"waited {waited:.1f} s for it)",
            )
            return _decode(record["value"])
        folder.mkdir()
        start = time.perf_counter()
        record = {"worker": worker(), "ok": False, "value": None}
        try:
            value = build(folder)
            record.update(ok=True, value=_encode(value))
        finally:
            record["seconds"] = round(time.perf_counter() - start, 1)
            marker.write_text(json.dumps(record), encoding="utf-8")
            state = "ran" if record["ok"] else "FAILED"
            _note(root, f"{name}: {state} in {worker()} ({record['seconds']} s)")
        return value
