"""The run-once mechanics of the whole-study fixtures (tests/study_runs.py): two worker
processes asking for the same study at the same time run it once and both get its folder."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from study_runs import STUDY_FIXTURES, STUDY_LOG, run_once

HERE = Path(__file__).resolve().parent

#: A "worker": asks for study ``demo`` whose build takes a second and counts its runs.
WORKER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from study_runs import run_once

    root, go = Path(sys.argv[2]), Path(sys.argv[3])
    while not go.exists():  # both processes start the race together
        time.sleep(0.01)

    def build(out):
        with open(root / "builds.txt", "a") as f:
            f.write("built\\n")
        time.sleep(1.0)
        (out / "report.html").write_text("done")
        return {"demo": out / "report.html"}

    value = run_once(root, "demo", build)
    print(json.dumps({k: str(v) for k, v in value.items()}))
    """
)


def _start(root: Path, go: Path, name: str) -> subprocess.Popen:
    env = {**os.environ, "PYTEST_XDIST_WORKER": name}
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, str(HERE), str(root), str(go)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_workers_run_a_study_once_and_share_its_folder(tmp_path):
    go = tmp_path / "go"
    procs = [_start(tmp_path, go, name) for name in ("gw0", "gw1")]
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert (tmp_path / "builds.txt").read_text().splitlines() == ["built"]
    assert results[0] == results[1] == {"demo": str(tmp_path / "demo" / "report.html")}
    log = (tmp_path / STUDY_LOG).read_text().splitlines()
    ran = [line for line in log if ": ran in " in line]
    reused = [line for line in log if ": reused by " in line]
    assert len(ran) == 1 and len(reused) == 1, log
    runner = ran[0].split(" in ")[1].split()[0]
    assert f"(run by {runner}; waited " in reused[0]


def test_a_failed_study_is_not_run_again_by_the_next_worker(tmp_path, monkeypatch):
    def fails(out: Path) -> Path:
        raise RuntimeError("the report failed")

    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    with pytest.raises(RuntimeError, match="the report failed"):
        run_once(tmp_path, "broken", fails)
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    with pytest.raises(pytest.fail.Exception, match="failed in worker gw0"):
        run_once(tmp_path, "broken", lambda out: pytest.fail("must not run again"))


def test_modules_asking_for_a_study_at_run_time_name_it_for_the_scheduler():
    """A study asked for through ``request.getfixturevalue`` is invisible to the grouping
    (``item.fixturenames``): such a module names it in ``STUDIES_USED``, or it is sent away
    from the study's worker and waits for its lock (150 s idle on a 2-core run)."""
    tests = Path(__file__).resolve().parent
    names = {*STUDY_FIXTURES, "_report", "_run"}  # whole names, or the tail of an f-string
    missing = []
    for path in sorted(tests.rglob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
        strings = {
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
        }
        if "getfixturevalue(" in text and strings & names and "STUDIES_USED" not in text:
            missing.append(path.name)
    assert not missing
