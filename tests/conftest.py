"""Session fixtures shared across test modules.

The sample study's full ``workbench report`` (every theme, the meeting pack, the community
page and the run's disclosure audit) is the slowest thing the suite does; it runs once per
session and the report, pack and engine tests read the same folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CONFIG = ROOT / "data" / "sample" / "area.toml"


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory) -> Path:
    """The output folder of ``workbench report data/sample/area.toml`` (run once).

    Tests read it; none may write into it.
    """
    out = tmp_path_factory.mktemp("sample_report")
    assert main(["report", str(SAMPLE_CONFIG), "--out", str(out)]) == 0
    return out


GLOUCESTER_CONFIG = ROOT / "data" / "sample" / "area_gloucester.toml"
NEWPORT_CONFIG = ROOT / "data" / "sample" / "area_newport.toml"


@pytest.fixture(scope="session")
def gloucester_study():
    """The Gloucester study (IoD 2025, 2021 LSOAs), loaded once per session."""
    from workbench.study import Study

    return Study.from_toml(GLOUCESTER_CONFIG)


@pytest.fixture(scope="session")
def newport_study():
    """The Newport study (WIMD 2019, 2021 LSOAs), loaded once per session."""
    from workbench.study import Study

    return Study.from_toml(NEWPORT_CONFIG)


@pytest.fixture(scope="session")
def gloucester_report(tmp_path_factory) -> Path:
    """``workbench report data/sample/area_gloucester.toml`` (run once per session)."""
    out = tmp_path_factory.mktemp("gloucester_report")
    assert main(["report", str(GLOUCESTER_CONFIG), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def newport_report(tmp_path_factory) -> Path:
    """``workbench report data/sample/area_newport.toml`` (run once per session)."""
    out = tmp_path_factory.mktemp("newport_report")
    assert main(["report", str(NEWPORT_CONFIG), "--out", str(out)]) == 0
    return out
