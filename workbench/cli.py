"""Command line: ``workbench validate``, ``report``, ``pack`` and ``test``.

The one entry point, on every platform (no ``make`` needed): ``pip install .`` installs the
``workbench`` command; ``python -m workbench.cli`` is the same.
"""

from __future__ import annotations

import argparse
import errno
import importlib.util
import logging
import os
import sys
from pathlib import Path

from workbench.errors import WorkbenchError

__all__ = ["main"]

logger = logging.getLogger(__name__)

#: Operating-system errors that are about the machine, not a bug: one line and exit code 2.
_SYSTEM_ERRORS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the folder is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="workbench",
        description="Open analysis workbench for community safety and drug partnerships.",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="load every file of a study and print the row ledger")
    v.add_argument("config", help="the study's area.toml")
    v.add_argument("--json", action="store_true", help="print the ledger as JSON")

    r = sub.add_parser("report", help="run the themed notebooks and write HTML reports and maps")
    r.add_argument("config", help="the study's area.toml")
    r.add_argument("--theme", action="append", help="theme(s) to run (default: all)")
    r.add_argument("--period", help="period override, 'YYYY-MM:YYYY-MM'")
    r.add_argument("--out", default="output", help="output folder (default: output)")

    k = sub.add_parser(
        "pack", help="build the meeting pack and the community page from a finished run"
    )
    k.add_argument("config", help="the study's area.toml (its [report] commentary is used)")
    k.add_argument("--out", default="output", help="the run's output folder (default: output)")
    k.add_argument("--date", help="the run's date YYYY-MM-DD (default: the latest run)")

    t = sub.add_parser(
        "test",
        help="run the test suite of a clone (pytest on tests/, on every core); "
        "extra arguments go to pytest",
    )
    t.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed to pytest, e.g. -k rates")
    return p


#: The package folder (a clone's is below its root).
PACKAGE = Path(__file__).resolve().parent


def checkout_root(start: Path | None = None) -> Path | None:
    """The clone holding the test suite: the working folder or the package's parent folder,
    whichever has ``tests/`` and ``pyproject.toml``; None for an installed wheel."""
    for root in (Path.cwd() if start is None else start, PACKAGE.parent):
        if (root / "tests").is_dir() and (root / "pyproject.toml").is_file():
            return root
    return None


def _cores() -> int:
    """CPU cores this process may use (its affinity where the system says, else all)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def parallel_args(cores: int | None = None) -> list[str]:
    """pytest-xdist arguments for the whole suite: one worker per core, whole test modules
    (and each notebook's cells) kept on one worker; none on one core or without xdist.

    Notes
    -----
    ``--dist loadscope`` sends each test module (and each notebook, whose cells nbval runs
    in order in one kernel) to one worker, so module fixtures run once; the suite's
    tests/conftest.py also keeps the modules using one study on one worker, studies first.
    Session fixtures that run a whole study run once across the workers in any case (a file
    lock: tests/study_runs.py).
    """
    cores = _cores() if cores is None else cores
    if cores < 2 or importlib.util.find_spec("xdist") is None:
        return []
    return ["-n", str(cores), "--dist", "loadscope"]


def run_tests(pytest_args: list[str] | None = None) -> int:
    """``workbench test``: pytest on the clone's ``tests/``, as ``make test`` does; returns
    pytest's exit code.

    Every cell of the themed notebooks is checked in the suite's one run of the sample study
    (tests/notebooks/test_executed.py: what nbval's ``--nbval-lax`` checks, without running
    the notebooks a second time); ``workbench test workbench/notebooks`` runs nbval itself.

    Arguments go to pytest; when some name test files or folders, only those run
    (``workbench test tests/test_assumptions.py -k unique``). The whole suite runs on every
    core (:func:`parallel_args`, pytest-xdist); named files run in one process unless the
    arguments say otherwise (``-n 2``); ``-n 0`` runs the whole suite in one process.
    """
    root = checkout_root()
    if root is None:
        raise WorkbenchError(
            "workbench test runs the test suite of a clone of the repository (its tests/ "
            "folder); run it from the clone, after pip install -e '.[dev]'"
        )
    try:
        import pytest
    except ImportError as exc:  # pragma: no cover - dev dependency
        raise WorkbenchError("workbench test needs pytest: pip install -e '.[dev]'") from exc
    extra = list(pytest_args or [])
    if extra[:1] == ["--"]:  # `workbench test -- -k rates`: the rest is pytest's
        extra = extra[1:]
    named = [a for a in extra if not a.startswith("-") and Path(a).exists()]
    # the whole suite, unless test files or folders are named (then only those)
    suite = [] if named else [str(root / "tests")]
    workers = [] if named or "no:xdist" in extra else parallel_args()
    return int(pytest.main([*suite, "--nbval-lax", "-p", "no:cacheprovider", *workers, *extra]))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``workbench`` console script; returns the exit code.

    Exit codes: 0 success, 2 bad input or configuration, or a machine that cannot hold the
    outputs (read-only folder, full disk: one-line message, no traceback), 1 an unexpected
    error (a bug: one line; ``-v`` shows the traceback).
    """
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == "validate":
            from workbench.validate import run_validate

            return run_validate(args.config, as_json=args.json)
        if args.command == "report":
            from workbench.report import run_report_cli

            return run_report_cli(args.config, themes=args.theme, period=args.period, out=args.out)
        if args.command == "pack":
            from workbench.publish import run_pack_cli

            return run_pack_cli(args.config, out=args.out, run_date=args.date)
        if args.command == "test":
            return run_tests(args.pytest_args)
    except WorkbenchError as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except OSError as exc:
        reason = _SYSTEM_ERRORS.get(exc.errno or -1)
        if reason is None:
            if args.verbose:
                raise
            return _unexpected(exc)
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: could not write{where}: {reason} ({exc.strerror or exc})", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # a bug, not bad input: one line, the traceback with -v
        if args.verbose:
            raise
        return _unexpected(exc)
    return 1  # pragma: no cover - argparse rejects other commands


def _unexpected(exc: BaseException) -> int:
    print(
        f"error: unexpected {type(exc).__name__}: {' '.join(str(exc).split())[:300]} "
        "(a bug in the workbench, not your data? run with -v for the traceback and report it)",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
