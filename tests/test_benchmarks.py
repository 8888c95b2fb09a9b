"""The benchmarks (``benchmarks/``, run by hand and by ``make bench``, not by the suite) still
fit the package: every name they import from ``workbench`` exists, and none reads settings
from ``DataFrame.attrs`` (the result objects carry them since issue 20; ``bench_scale`` and
``bench_hotspots`` still read ``.attrs`` and stopped with AttributeError)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCHMARKS = sorted((Path(__file__).resolve().parents[1] / "benchmarks").glob("bench_*.py"))


def test_there_are_benchmarks():
    assert len(BENCHMARKS) >= 5


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.name)
def test_benchmark_imports_exist_and_no_attrs(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    missing = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("workbench"):
            module = importlib.import_module(node.module)
            missing += [
                f"{node.module}.{a.name}" for a in node.names if not hasattr(module, a.name)
            ]
    assert not missing
    attrs = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "attrs"]
    assert not attrs, f"{path.name} reads .attrs on lines {attrs}"
