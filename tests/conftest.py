"""Session fixtures shared across test modules.

A whole study report (every theme, the meeting pack, the community page and the run's
disclosure audit) is the slowest thing the suite does. Each study runs ONCE per test session,
also when the suite runs on several processes (pytest-xdist, as ``workbench test`` does):
the fixtures go through :func:`study_runs.run_once`, where the first worker to need a study
runs it under a file lock in the session's shared temporary folder and writes a marker; any
other worker waits for the lock and reuses the folder. The terminal summary lists who ran
what.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import pytest
from study_runs import STUDY_FIXTURES, STUDY_LOG, run_once, shared_root, worker

from workbench.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CONFIG = ROOT / "data" / "sample" / "area.toml"
GLOUCESTER_CONFIG = ROOT / "data" / "sample" / "area_gloucester.toml"
NEWPORT_CONFIG = ROOT / "data" / "sample" / "area_newport.toml"
OADBY_CONFIG = ROOT / "data" / "sample" / "area_oadby_wigston.toml"

#: Test module -> the study it uses, written by the workers as they collect and read by
#: the scheduler in the controller (which sees test ids only, not their fixtures).
STUDY_GROUPS = "study_groups.json"


def pytest_collection_modifyitems(config, items) -> None:
    """In an xdist worker, write which test modules use a study (a fixture of
    :data:`STUDY_FIXTURES`, directly or through another fixture): the scheduler
    (:func:`pytest_xdist_make_scheduler`) sends the modules of one study to one worker, so
    the other works on the rest instead of waiting for the lock of
    :func:`study_runs.run_once`."""
    if worker() == "master":
        return
    # a module goes with the first study (in STUDY_FIXTURES order) that ANY of its tests
    # uses: grouped by its first test only, a module whose later tests need the sample was
    # sent away from the sample's worker and waited two minutes for its lock
    # a module that asks for its studies at run time (``request.getfixturevalue``), which
    # ``fixturenames`` cannot show, names them in ``STUDIES_USED``: unnamed, it was grouped
    # with another study and waited two and a half minutes for the sample's lock
    rank: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        names = set(getattr(item, "fixturenames", ()))
        names.update(getattr(getattr(item, "module", None), "STUDIES_USED", ()))
        used = [i for i, f in enumerate(STUDY_FIXTURES) if f in names]
        if used:
            rank[module] = min(used[0], rank.get(module, len(STUDY_FIXTURES)))
    group = {module: STUDY_FIXTURES[i] for module, i in rank.items()}
    root = shared_root(config._tmp_path_factory.getbasetemp())
    part = root / f"{STUDY_GROUPS}.{worker()}"
    part.write_text(json.dumps(group), encoding="utf-8")
    part.replace(root / STUDY_GROUPS)  # whole, whichever worker writes it last


class _StudiesFirst(OrderedDict):
    """xdist's queue of work units, handing out the study groups before anything else.

    The studies are the longest units (one to two minutes each); handed out last (xdist
    orders units by their number of tests, and a study's modules have few) they made the
    run's tail: one worker still running reports while the other had nothing left to do.
    """

    def popitem(self, last: bool = True):
        if not last:
            for key in self:
                if key.startswith("study:"):
                    return key, self.pop(key)
        return super().popitem(last)


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadscope`` with study groups: a test module (a notebook's cells for nbval)
    goes to one worker, as under xdist's ``loadscope``, and the modules using one study
    (:func:`pytest_collection_modifyitems`) go to one worker together, study groups first,
    then the largest units (xdist's order). Other ``--dist`` modes are xdist's own."""
    if getattr(config.option, "dist", None) != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    groups_file = config._tmp_path_factory.getbasetemp() / STUDY_GROUPS

    class StudyScopeScheduling(LoadScopeScheduling):
        def __init__(self, config, log=None) -> None:
            super().__init__(config, log)
            self.workqueue = _StudiesFirst()
            self._groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self._groups is None:  # read once every worker has collected
                self._groups = (
                    json.loads(groups_file.read_text(encoding="utf-8"))
                    if groups_file.is_file()
                    else {}
                )
            study = self._groups.get(nodeid.split("::", 1)[0])
            return f"study:{study}" if study else nodeid.rsplit("::", 1)[0]

    return StudyScopeScheduling(config, log)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """List the session's study runs (each once, in which worker, and who reused it)."""
    if worker() != "master":
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
    """:func:`study_runs.run_once` for fixtures: ``study_once(name, build)``, in the folder
    every worker of the session shares."""
    root = shared_root(tmp_path_factory.getbasetemp())
    return lambda name, build: run_once(root, name, build)


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
