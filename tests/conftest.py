"""Session fixtures shared across test modules.

A whole study report (every theme, the meeting pack, the community page and the run's
disclosure audit) is the slowest thing the suite does. Each study runs ONCE per test session,
also when the suite runs on several processes (pytest-xdist, as ``workbench test`` does): the
fixtures go through :func:`run_once`, where the first worker to need a study runs it under a
file lock in the session's shared temporary folder and writes a marker; any other worker
waits for the lock and reuses the folder. The terminal summary lists who ran what.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CONFIG = ROOT / "data" / "sample" / "area.toml"
GLOUCESTER_CONFIG = ROOT / "data" / "sample" / "area_gloucester.toml"
NEWPORT_CONFIG = ROOT / "data" / "sample" / "area_newport.toml"
OADBY_CONFIG = ROOT / "data" / "sample" / "area_oadby_wigston.toml"

logger = logging.getLogger("tests.studies")

#: The log of study runs of a session (in its shared temporary folder), shown at the end.
STUDY_LOG = "study_runs.log"


def _worker() -> str:
    """``gw0``, ``gw1``... under pytest-xdist; ``master`` in a single-process run."""
    return os.environ.get("PYTEST_XDIST_WORKER", "master")


def _shared_root(factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of the whole session: the parent of each xdist worker's own
    (``pytest-N/popen-gw0``), the base folder itself without xdist."""
    base = factory.getbasetemp()
    return base if _worker() == "master" else base.parent


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


def run_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]):
    """``build(folder)`` once per test session, its result shared by every xdist worker.

    Parameters
    ----------
    factory : pytest.TempPathFactory
        The session's ``tmp_path_factory``.
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
    root = _shared_root(factory)
    folder = root / name
    marker = root / f"{name}.done.json"
    from filelock import FileLock

    with FileLock(str(root / f"{name}.lock")):
        if marker.is_file():
            record = json.loads(marker.read_text(encoding="utf-8"))
            if not record["ok"]:
                pytest.fail(f"study run {name} failed in worker {record['worker']}")
            _note(root, f"{name}: reused by {_worker()} (run by {record['worker']})")
            return _decode(record["value"])
        folder.mkdir()
        start = time.perf_counter()
        record = {"worker": _worker(), "ok": False, "value": None}
        try:
            value = build(folder)
            record.update(ok=True, value=_encode(value))
        finally:
            record["seconds"] = round(time.perf_counter() - start, 1)
            marker.write_text(json.dumps(record), encoding="utf-8")
            state = "ran" if record["ok"] else "FAILED"
            _note(root, f"{name}: {state} in {_worker()} ({record['seconds']} s)")
        return value


#: The session fixtures that run a whole study, in the order a module using several is
#: grouped by (its first).
STUDY_FIXTURES = (
    "sample_report",
    "oadby_report",
    "payload_run",
    "gloucester_report",
    "newport_report",
    "barnet_run",
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    """Under ``--dist loadgroup`` (``workbench test``), put every test module that uses a
    study (a fixture of :data:`STUDY_FIXTURES`, directly or through another fixture) in the
    xdist group of that study, so one worker runs the study and all its modules while the
    other works on the rest instead of waiting for the lock of :func:`run_once`."""
    if not config.getvalue("loadgroup"):
        return
    group: dict[str, str] = {}
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        used = [f for f in STUDY_FIXTURES if f in getattr(item, "fixturenames", ())]
        if used and module not in group:
            group[module] = used[0]
    for item in items:
        name = group.get(item.nodeid.split("::", 1)[0])
        if name is not None:
            item.add_marker(pytest.mark.xdist_group(name))


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` as ``loadscope`` with groups: a test module (a notebook's cells
    for nbval) goes to one worker, as under ``loadscope``, and the modules of one study's
    group (:func:`pytest_collection_modifyitems`) go to one worker together. Largest units
    first (xdist's order). Other ``--dist`` modes are xdist's own."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class StudyScopeScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.rfind("@") > nodeid.rfind("]"):
                return "group:" + nodeid.rsplit("@", 1)[1]
            return nodeid.rsplit("::", 1)[0]

    return StudyScopeScheduling(config, log)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """List the session's study runs (each once, in which worker, and who reused it)."""
    if _worker() != "master":
        return
    factory = getattr(config, "_tmp_path_factory", None)
    log = factory.getbasetemp() / STUDY_LOG if factory is not None else None
    if log is None or not log.is_file():
        return
    terminalreporter.section("study runs (each once per session)")
    for line in log.read_text(encoding="utf-8").splitlines():
        terminalreporter.write_line(line)


def _report(config: Path) -> Callable[[Path], Path]:
    """A ``build`` for :func:`run_once`: ``workbench report CONFIG --out FOLDER``."""

    def build(out: Path) -> Path:
        assert main(["report", str(config), "--out", str(out)]) == 0
        return out

    return build


@pytest.fixture(scope="session")
def study_once(tmp_path_factory) -> Callable[[str, Callable[[Path], object]], object]:
    """:func:`run_once` for fixtures of test modules: ``study_once(name, build)``."""
    return lambda name, build: run_once(tmp_path_factory, name, build)


@pytest.fixture(scope="session")
def sample_report(study_once) -> Path:
    """The output folder of ``workbench report data/sample/area.toml`` (run once).

    Tests read it; none may write into it.
    """
    return study_once("sample_report", _report(SAMPLE_CONFIG))


@pytest.fixture(scope="session")
def oadby_report(study_once) -> Path:
    """``workbench report data/sample/area_oadby_wigston.toml`` (run once per session)."""
    return study_once("oadby_report", _report(OADBY_CONFIG))


@pytest.fixture(scope="session")
def gloucester_study():
    """The Gloucester study (IoD 2025, 2021 LSOAs), loaded once per session."""
    from workbench.study import Study

    return Study.from_toml(GLOUCESTER_CONFIG)


@pytest.fixture(scope="session")
def newport_study():
    """The Newport study (WIMD 2019, 2021 LSOAs), loaded once per session."""
    from workbench.study import Study

    return Study.from_toml(NEWPORT_CONFIG)


@pytest.fixture(scope="session")
def gloucester_report(study_once) -> Path:
    """``workbench report data/sample/area_gloucester.toml`` (run once per session)."""
    return study_once("gloucester_report", _report(GLOUCESTER_CONFIG))


@pytest.fixture(scope="session")
def newport_report(study_once) -> Path:
    """``workbench report data/sample/area_newport.toml`` (run once per session)."""
    return study_once("newport_report", _report(NEWPORT_CONFIG))
