"""Fixtures of the indicator tests: the sample study and its indicators, loaded once."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
NATIONAL = SAMPLE / "national"


@pytest.fixture(scope="session")
def sample_study():
    from workbench.study import Study

    return Study.from_toml(SAMPLE / "area.toml")


@pytest.fixture(scope="session")
def sample_indicators(sample_study):
    from workbench.indicators import study_indicators

    return study_indicators(sample_study)


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the figures a test made: pandas plotting draws on pyplot's current axes."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
