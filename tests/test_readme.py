"""The README's Python API example runs as written (on the sample study)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.report import external_loads

ROOT = Path(__file__).resolve().parents[1]


def _api_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_api_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = _api_example().replace(
        '"data/sample/area.toml"', repr(str(ROOT / "data/sample/area.toml"))
    )
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    html = (tmp_path / "drugs.html").read_text(encoding="utf-8")
    assert "L.map(" in html  # Leaflet inlined and a map created
    assert external_loads(html) == []  # nothing fetched from another host
    rates = namespace["rates"]
    assert {"count", "population", "rate", "lower", "upper", "method"} <= set(rates.columns)
    assert int(rates["count"].sum()) == 5157  # Leicester Drugs rows, data/sample/SOURCES.md
    assert set(namespace["hot"]["bin"].unique()) <= {-3, -2, -1, 0, 1, 2, 3}
