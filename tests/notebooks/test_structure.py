"""The themed notebooks are source: stripped, one parameters cell, no code definitions."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from workbench.report import NOTEBOOKS, THEMES

PARAMETERS = {"config", "period_start", "period_end", "out_dir", "run_date", "study_cache"}
#: The sample area's name and its sample-specific wording must not be written into the
#: notebooks: sentences about the study are computed from it (issue 13).
SAMPLE_WORDS = re.compile(r"\bLeicester\b|mid-2019|in the sample study", re.IGNORECASE)


@pytest.mark.parametrize("name", sorted(THEMES.values()))
def test_notebook_structure(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    assert "**Purpose.**" in first.source and "**How to use.**" in first.source
    code = [c for c in nb.cells if c.cell_type == "code"]
    # committed without outputs or execution counts
    assert all(not c.outputs and c.execution_count is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    targets = [t for node in ast.parse(tagged[0].source).body for t in node.targets]
    # one name per line, or a pair of related settings on one line (``a, b = 1, 2``)
    names = {n.id for t in targets for n in (t.elts if isinstance(t, ast.Tuple) else [t])}
    assert PARAMETERS <= names
    assert "config = None" in tagged[0].source  # the sample study, found by the workbench
    # every notebook starts through workbench.report.open_study (log file, study cache)
    assert any("report.open_study(" in c.source for c in code)
    for cell in code:
        for node in ast.walk(ast.parse(cell.source)):
            assert not isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
            ), f"{name}: definitions belong in workbench/, found one in {cell.source[:60]!r}"
    # logic in modules, narrative in notebooks: every code cell 12 lines at most (issue 20)
    long = [c.source.splitlines()[0] for c in code if len(c.source.splitlines()) > 12]
    assert long == [], f"{name}: code cells over 12 lines, starting {long}"
    # every code cell after the parameters is preceded by prose somewhere before it
    assert sum(c.cell_type == "markdown" for c in nb.cells) >= 6


#: Data reshaping that belongs in workbench functions (logic in modules, narrative in notebooks).
RESHAPING = ("pd.concat(", ".pivot(", ".merge(", ".unstack(", ".dropna(")


@pytest.mark.parametrize("name", sorted(THEMES.values()))
def test_notebooks_leave_reshaping_to_workbench(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        found = [r for r in RESHAPING if r in cell.source]
        assert not found, f"{name}: {found} in {cell.source[:60]!r}; move it into workbench/"
        for node in ast.walk(ast.parse(cell.source)):
            # Tables say what they hold through the analysis result (a Described whose
            # description the analysis function built), not with column lists or specs
            # written in the notebook.
            if isinstance(node, ast.keyword):
                assert node.arg not in ("derived", "count_columns", "derived_from"), (
                    f"{name}: {node.arg}= in a notebook; publish the analysis result"
                )
            if isinstance(node, ast.Call):
                called = getattr(node.func, "attr", getattr(node.func, "id", ""))
                assert called not in ("TableSpec", "Described", "Count", "Derived"), (
                    f"{name}: {called}(...) in a notebook; the analysis function describes "
                    "its result"
                )
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("table", "masked")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "out"
            ):
                assert len(node.args) == 2, f"{name}: out.{node.func.attr}(name, result) expected"


@pytest.mark.parametrize("name", sorted(THEMES.values()))
def test_notebook_maps_state_the_studys_attributions(name):
    """Every map made in a notebook carries the study's licence statements (boundary year)."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("MapBuilder", "ChoroplethExplorer"):
                keywords = {k.arg for k in node.keywords}
                assert "attributions" in keywords, f"{name}: {called} without attributions="


@pytest.mark.parametrize("name", sorted(THEMES.values()))
def test_notebooks_do_not_name_the_sample(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for cell in nb.cells:
        found = SAMPLE_WORDS.search(cell.source)
        assert found is None, f"{name}: {found.group(0)!r} in {cell.source[:80]!r}"


def test_notebooks_ship_in_the_package():
    """The notebooks live in the package (package data), not in the repository layout."""
    assert NOTEBOOKS.parent.name == "workbench"
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(THEMES.values())
