"""The layer contract (pyproject.toml ``[tool.importlinter]``, docs/architecture.md) holds.

core -> loaders -> analysis -> presentation -> orchestration: a module imports only its own
layer and the layers below, with function-level imports counted, and no two sibling modules
import each other (directly or through others).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "workbench"

pytest.importorskip("importlinter.cli", reason="pip install -e '.[dev]'")


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def _layer_modules(layer: str) -> list[str]:
    return [m.strip() for m in re.split(r"[:|]", layer) if m.strip()]


def _top_level_modules() -> set[str]:
    names = {f"workbench.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    names |= {f"workbench.{p.parent.name}" for p in PACKAGE.glob("*/__init__.py")}
    return names


def test_import_contracts_kept() -> None:
    """``lint-imports`` passes: every contract of pyproject.toml is kept.

    Run in a child process: import-linter configures logging, which would change what later
    tests' ``caplog`` sees.
    """
    code = (
        "import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_every_module_has_a_layer() -> None:
    """Each top-level module of the package is named in exactly one layer, so a new module
    cannot sit outside the contract (import-linter checks only the modules it is told of)."""
    layers = _contracts()["layers"]["layers"]
    named = [m for layer in layers for m in _layer_modules(layer)]
    assert len(named) == len(set(named)), "a module is named in two layers"
    assert set(named) == _top_level_modules()


def test_architecture_doc_lists_every_module_under_its_layer() -> None:
    """docs/architecture.md names every top-level module in the table of its layer (the
    contract's layers, top first: orchestration, presentation, analysis, loaders, core)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    headings = ["### Orchestration", "### Presentation", "### Analysis", "### Loaders", "### Core"]
    documented: dict[str, int] = {}
    for i, heading in enumerate(headings):
        assert heading in text, heading
        section = text.split(heading, 1)[1].split("\n#", 1)[0]
        for line in section.splitlines():
            m = re.match(r"^\| `(workbench\.\w+)` \|", line)
            if m:
                documented[m.group(1)] = i
    layers = _contracts()["layers"]["layers"]
    expected = {m: i for i, layer in enumerate(layers) for m in _layer_modules(layer)}
    assert documented == expected


def test_workbench_test_command_runs_pytest(tmp_path: Path) -> None:
    """``workbench test`` (no make) runs pytest on the clone; named paths narrow it."""
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "test", "tests/test_assumptions.py"]
        + ["-q", "-k", "unique"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout


def test_no_symlinks_in_the_repository() -> None:
    """The package ships real files (Windows checkouts have no symlinks)."""
    done = subprocess.run(
        ["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.skip("not a git checkout")
    links = [line.split("\t")[1] for line in done.stdout.splitlines() if line.startswith("120000")]
    assert not links
