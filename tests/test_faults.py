"""Faults (issue 26): the completion marker is written last, a machine that cannot hold the
outputs gives one clean line and exit code 2, and a second run into one folder gets the lock
message."""

from __future__ import annotations

import errno
import json
import subprocess
import sys
from pathlib import Path

import pytest

from workbench import report
from workbench.cli import main
from workbench.writing.folder import MARKER, FolderLock, OutputFolder, mark_complete

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "area.toml"


def _newest_last(folder: Path) -> None:
    """The marker is the newest file of ``folder``."""
    marker = (folder / MARKER).stat().st_mtime_ns
    others = [p for p in folder.rglob("*") if p.is_file() and p.name != MARKER]
    assert others, folder
    late = [p.name for p in others if p.stat().st_mtime_ns > marker]
    assert late == [], f"{folder.name}: written after the marker: {late}"


def test_marker_is_written_last_in_every_folder_of_a_run(sample_report):
    folders = [f for f in sample_report.iterdir() if f.is_dir() and not f.name.startswith(".")]
    assert any(f.name.endswith("_pack") for f in folders)
    for folder in folders:
        assert (folder / MARKER).is_file(), folder
        _newest_last(folder)
    for folder in folders:  # each theme's marker comes after its report HTML and notebook
        theme = folder.name.split("_", 1)[1]
        if theme != "pack":
            assert {f"{theme}.html", f"{theme}.ipynb"} <= {p.name for p in folder.iterdir()}
    pack = next(f for f in folders if f.name.endswith("_pack"))
    assert json.loads((pack / MARKER).read_text())["kind"] == "pack"


def test_a_folder_moved_in_without_its_marker_is_not_complete(tmp_path):
    final = tmp_path / "2024-01-01_supply"
    folder = OutputFolder(final)
    (folder.staging / "table.csv").write_text("a\n1\n")
    folder.commit({"theme": "supply"}, mark=False)
    assert (final / "table.csv").is_file() and not (final / MARKER).exists()
    (final / "supply.html").write_text("<p>report</p>")
    mark_complete(final, {"theme": "supply"})
    assert json.loads((final / MARKER).read_text())["theme"] == "supply"
    _newest_last(final)


@pytest.mark.parametrize(
    "code, words",
    [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "the folder is read-only")],
)
def test_os_errors_of_a_report_are_exit_2_not_a_bug(monkeypatch, capsys, tmp_path, code, words):
    # an OSError escaping anywhere in the run (papermill writing the notebook, nbconvert the
    # HTML) is about the machine, not a bug: exit 2 with one line
    def fail(*args, **kwargs):
        raise OSError(code, "simulated", str(tmp_path / "out" / "x.ipynb"))

    monkeypatch.setattr(report, "run_report", fail)
    assert main(["report", str(SAMPLE), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err and "unexpected" not in err


def test_other_os_errors_stay_unexpected(monkeypatch, capsys, tmp_path):
    def fail(*args, **kwargs):
        raise OSError(errno.EBADF, "bad file descriptor")

    monkeypatch.setattr(report, "run_report", fail)
    assert main(["report", str(SAMPLE), "--out", str(tmp_path)]) == 1
    assert "unexpected OSError" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_read_only_output_folder_for_real(tmp_path, capsys):
    import os

    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        assert main(["report", str(SAMPLE), "--out", str(out), "--theme", "supply"]) == 2
    finally:
        out.chmod(0o755)
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "permission denied" in err


@pytest.fixture
def other_process():
    """A live process that is not this one (its id is put in a lock file)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    yield proc.pid
    proc.kill()
    proc.wait()


def test_second_report_into_the_same_folder_gets_the_lock_message(tmp_path, capsys, other_process):
    out = tmp_path / "out"
    out.mkdir()
    date = "2024-05-01"
    (out / f".{date}_run.lock").write_text(f"{other_process}\n")
    # run_report with a fixed date through the CLI's error handling
    code = main_with_date(["report", str(SAMPLE), "--out", str(out)], date)
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "is being written by another run" in err and str(other_process) in err
    assert not any(p.name.startswith(f"{date}_") for p in out.iterdir())


def main_with_date(argv: list[str], date: str) -> int:
    original = report.run_report

    def dated(*args, **kwargs):
        return original(*args, run_date=date, **kwargs)

    report.run_report = dated
    try:
        return main(argv)
    finally:
        report.run_report = original


def test_lock_of_an_ended_run_is_taken_over(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    final = tmp_path / "2024-01-01_run"
    (tmp_path / ".2024-01-01_run.lock").write_text(done.stdout)
    with FolderLock(final) as lock:
        assert lock.lock.read_text().split()[0] != done.stdout.strip()
    assert not lock.lock.exists()
