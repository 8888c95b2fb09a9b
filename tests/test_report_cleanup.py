"""A failed `workbench report` leaves no hidden folders (issue 25, item 6).

The themed notebook is replaced by a small one that opens the study as every theme does (so
its outputs are staged in a hidden folder) and then fails; the run must stop with one error
naming the failing cell and leave no ``.<date>_<theme>.notebook`` work folder and no staged
``.<date>_<theme>.partial-*`` folder behind. The partly run notebook is kept as a visible file
named in the error.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from workbench import report
from workbench.errors import WorkbenchError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "area.toml"


def _failing_notebook(folder: Path) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        "config = None\nperiod_start = None\nperiod_end = None\nout_dir = None\n"
        "run_date = None\nstudy_cache = None"
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            "from workbench import report\n"
            'study, out = report.open_study("supply", config, period_start=period_start, '
            "period_end=period_end, out_dir=out_dir, run_date=run_date, "
            "study_cache=study_cache)\n"
            'out.note("half_done", "written before the failure")'
        ),
        nbformat.v4.new_code_cell('raise RuntimeError("stopped on purpose")'),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, folder / "01_supply.ipynb")


def test_failed_run_leaves_no_hidden_folders(tmp_path, monkeypatch):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _failing_notebook(notebooks)
    monkeypatch.setattr(report, "NOTEBOOKS", notebooks)
    out = tmp_path / "out"
    with pytest.raises(WorkbenchError) as err:
        report.run_report(SAMPLE, themes=["supply"], out=out, run_date="2024-01-31")
    # no hidden work folder, staged folder or lock of the theme (the run's own lock is
    # released too)
    hidden = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    assert hidden == []
    message = str(err.value)
    assert "failed in cell" in message and "stopped on purpose" in message
    kept = out / "2024-01-31_supply_failed.ipynb"
    assert kept.is_file() and str(kept) in message
    assert "stopped on purpose" in kept.read_text(encoding="utf-8")
    # nothing half-written is presented as a report either
    assert not (out / "2024-01-31_supply").exists()
