"""Fixtures of the indicator tests: the sample study and its indicators, loaded once."""

from __future__ import annotations

import matplotlib
import pytest
from indicator_paths import SAMPLE

matplotlib.use("Agg")


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
