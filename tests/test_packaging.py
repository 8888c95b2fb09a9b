"""A non-editable install runs `workbench report`: notebooks and documents ship as package data.

The wheel is built from this checkout and installed with ``--no-deps`` into a fresh virtual
environment that borrows this environment's installed dependencies through a ``.pth`` line (so
the test is offline and takes seconds, not a download of every dependency). The borrowed folder
is added as a plain path, so this checkout's editable hook is not loaded: the installed
``workbench`` is the wheel's; ``JUPYTER_PATH`` points at the borrowed data files (nbconvert's
templates) that a full install would put in the new environment. The report runs from a
folder outside the checkout, with ``PYTHONPATH`` cleared and the browser hidden, as on a fresh
machine without Chromium.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "area.toml"


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = ROOT / "build"
    existed = build.exists()
    done = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        timeout=600,
    )
    if not existed and build.exists():  # setuptools' scratch folder in the checkout
        import shutil

        shutil.rmtree(build, ignore_errors=True)
    if done.returncode != 0 and "No matching distribution found for setuptools" in done.stderr:
        pytest.skip("building the wheel needs setuptools>=77 from a package index (offline)")
    assert done.returncode == 0, done.stderr[-3000:]
    (found,) = out.glob("workbench-*.whl")
    return found


def test_wheel_holds_the_files_read_at_run_time(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for notebook in (ROOT / "workbench" / "notebooks").glob("*.ipynb"):
        assert f"workbench/notebooks/{notebook.name}" in names
    assert "workbench/resources/assumptions.toml" in names
    # the log is a real file in the wheel, read by the installed package
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read("workbench/resources/assumptions.toml").decode("utf-8")
    assert "[[entry]]" in text


def test_installed_wheel_runs_a_report(wheel, tmp_path):
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", "--without-pip", str(venv)]).returncode == 0
    python = venv / "bin" / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    # this environment's dependencies, as a plain path (its .pth hooks are not run)
    (site / "borrowed_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["WORKBENCH_CHROMIUM"] = "none"
    # the borrowed dependencies' data files (nbconvert's templates, the kernelspec), which a
    # real install puts under the new environment's share/jupyter
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    installed = _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", str(wheel)],
        env=env,
        timeout=300,
    )
    if installed.returncode != 0 and "no such option: --python" in installed.stderr:
        pytest.skip("pip is older than 22.3 (no --python option)")
    assert installed.returncode == 0, installed.stderr[-3000:]
    where = _run(
        [str(python), "-c", "import workbench.report as r; print(r.NOTEBOOKS)"],
        env=env,
        cwd=tmp_path,
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout
    out = tmp_path / "out"
    done = _run(
        [str(python), "-m", "workbench.cli", "report", str(SAMPLE), "--theme", "young_people"]
        + ["--out", str(out)],
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    folder = next(out.glob("*_young_people"))
    page = (folder / "young_people.html").read_text(encoding="utf-8")
    assert "Leicester" in page  # the sample study, named in its own report
    assert (folder / "assumptions.md").read_text(encoding="utf-8").strip()
    assert (folder / "need_and_services.png").is_file() or (
        folder / "SYNTHETIC_need_and_services.png"
    ).is_file()


def test_package_does_not_name_the_sample_area():
    """The package (code, notebooks, shipped documents) is for any area: no sample name."""
    # "Leicestershire Police" is a force, not an area
    pattern = re.compile(r"\bLeicester\b|\bOadby and Wigston\b|\bBlaby\b")
    found = []
    for path in sorted((ROOT / "workbench").rglob("*")):
        if path.suffix in (".py", ".ipynb", ".md") and path.is_file():
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert not found, "\n".join(found)
