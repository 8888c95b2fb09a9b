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
