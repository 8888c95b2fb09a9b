"""Faults of the meeting pack (issue 26): its folder's marker is written last, a full disk or a
read-only folder is one clean line and exit code 2, a second pack run gets the lock message."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATE

from workbench.cli import main
from workbench.writing.folder import MARKER

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "area.toml"


def _newest_last(folder: Path) -> None:
    marker = (folder / MARKER).stat().st_mtime_ns
    late = [p.name for p in folder.rglob("*") if p.is_file() and p.stat().st_mtime_ns > marker]
    assert late == [], f"{folder.name}: written after the marker: {late}"


@pytest.fixture
def other_process():
    """A live process that is not this one (its id is put in a lock file)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    yield proc.pid
    proc.kill()
    proc.wait()


def test_pack_without_finished_theme_folders_is_refused(tiny_run, capsys):  # noqa: F811
    for marker in tiny_run.glob(f"*/{MARKER}"):
        marker.unlink()
    assert main(["pack", str(SAMPLE), "--out", str(tiny_run)]) == 2
    assert "RUN_COMPLETE.json" in capsys.readouterr().err


def test_pack_folder_gets_its_marker_last(tiny_run):  # noqa: F811
    from workbench.publish import run_pack

    run_pack(tiny_run, DATE, render=False)
    pack = tiny_run / f"{DATE}_pack"
    assert {"meeting_pack.pptx", "community_report.html", "run_log.json"} <= {
        p.name for p in pack.iterdir()
    }
    _newest_last(pack)


@pytest.mark.parametrize(
    "code, words",
    [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "the folder is read-only")],
)
def test_full_disk_and_read_only_folder_in_pack_are_one_clean_line(
    tiny_run,  # noqa: F811
    monkeypatch,
    capsys,
    code,
    words,
):
    import workbench.publish as pack

    def fail(path, data):
        raise OSError(code, "simulated", str(path))

    monkeypatch.setattr(pack, "write_atomic", fail)
    assert main(["pack", str(SAMPLE), "--out", str(tiny_run)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err and "unexpected" not in err
    assert not (tiny_run / f"{DATE}_pack" / MARKER).exists()


def test_second_pack_gets_the_lock_message(tiny_run, capsys, other_process):  # noqa: F811
    (tiny_run / f".{DATE}_pack.lock").write_text(f"{other_process}\n")
    assert main(["pack", str(SAMPLE), "--out", str(tiny_run)]) == 2
    err = capsys.readouterr().err.strip()
    assert "is being written by another run" in err and len(err.splitlines()) == 1
