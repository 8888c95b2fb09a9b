"""The worked examples in the hotspot modules' docstrings (each states its hand calculation)."""

import doctest
import importlib
import warnings

import pytest

MODULES = ["grids", "kde", "gistar", "evaluate", "emerging"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"workbench.hotspots.{name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # e.g. "fewer than 30 zones"
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
