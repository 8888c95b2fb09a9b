"""``workbench test``: the whole suite on every core, named files in one process."""

from __future__ import annotations

import pytest

from workbench import cli


def test_parallel_on_two_cores_keeps_modules_and_notebooks_together():
    pytest.importorskip("xdist")
    assert cli.parallel_args(2) == ["-n", "2", "--dist", "loadscope"]
    assert cli.parallel_args(1) == []


@pytest.fixture
def pytest_argv(monkeypatch) -> list[list[str]]:
    """The argument lists ``run_tests`` gives pytest (pytest itself not run)."""
    calls: list[list[str]] = []
    monkeypatch.setattr(pytest, "main", lambda args: calls.append(list(args)) or 0)
    monkeypatch.setattr(cli, "parallel_args", lambda: ["-n", "2", "--dist", "loadscope"])
    return calls


def test_whole_suite_runs_in_parallel_and_passes_arguments(pytest_argv):
    assert cli.run_tests(["--", "-k", "rates"]) == 0
    (argv,) = pytest_argv
    assert argv[0].endswith("tests")
    assert argv[argv.index("-n") + 1] == "2"
    assert argv[-2:] == ["-k", "rates"]  # `workbench test -- -k rates`: the `--` dropped
    assert "--" not in argv


def test_named_files_run_in_one_process_unless_asked(pytest_argv):
    cli.run_tests(["tests/test_assumptions.py", "-k", "unique"])
    cli.run_tests(["tests/test_assumptions.py", "-n", "2"])
    cli.run_tests(["-p", "no:xdist"])
    first, second, third = pytest_argv
    assert "-n" not in first and "tests/test_assumptions.py" in first
    assert not first[0].endswith("tests")  # only the named file
    assert second[-2:] == ["-n", "2"]
    assert "-n" not in third
