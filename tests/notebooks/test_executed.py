"""Every cell of every themed notebook runs without an error on the sample study.

What nbval's ``--nbval-lax`` checks (each code cell executes; outputs are not compared), read
from the session's one run of the sample study (``sample_report``, tests/conftest.py: papermill
with the study's parameters injected) instead of executing the six notebooks a second time on
the same study (issue 24 item 6). The notebooks' defaults are that study (``config = None``:
tests/notebooks/test_structure.py), so the run is the one a user opening a notebook gets.
``workbench test workbench/notebooks`` still runs them under nbval itself.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from workbench.report import NOTEBOOKS, THEMES, default_config

ROOT = Path(__file__).resolve().parents[2]


def _cells() -> list[tuple[str, str]]:
    """(theme, cell id) of every code cell of the committed notebooks, in order."""
    found = []
    for theme, name in sorted(THEMES.items()):
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        found += [(theme, c.id) for c in nb.cells if c.cell_type == "code"]
    return found


@pytest.fixture(scope="module")
def executed(sample_report) -> dict[str, nbformat.NotebookNode]:
    """Theme -> the notebook as the sample report executed it (``<date>_<theme>/<theme>.ipynb``)."""
    runs = {}
    for theme in THEMES:
        (folder,) = [p for p in sample_report.iterdir() if p.name.endswith(f"_{theme}")]
        runs[theme] = nbformat.read(folder / f"{theme}.ipynb", as_version=4)
    return runs


def test_the_notebooks_defaults_are_the_sample_study():
    assert default_config() == ROOT / "data" / "sample" / "area.toml"


@pytest.mark.parametrize(("theme", "cell_id"), _cells(), ids=lambda v: str(v))
def test_cell_ran_without_error(executed, theme, cell_id):
    cells = {c.id: c for c in executed[theme].cells if c.cell_type == "code"}
    assert cell_id in cells, f"{THEMES[theme]}: cell {cell_id} missing from the executed run"
    cell = cells[cell_id]
    assert cell.execution_count is not None, f"{THEMES[theme]}: cell {cell_id} did not run"
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert errors == [], f"{THEMES[theme]} cell {cell_id}: {errors[0].ename}: {errors[0].evalue}"
    # papermill marks a failed cell in its metadata too
    assert cell.metadata.get("papermill", {}).get("exception") in (None, False)
