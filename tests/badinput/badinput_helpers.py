"""Helpers of the bad-input corpus: the small study's settings and the area.toml writer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
MONTHS = ("2021-01", "2021-02", "2021-03")
N_LSOAS = 40


@dataclass
class MiniStudy:
    """Paths of a small valid study; ``files`` maps [files] keys to absolute paths."""

    root: Path
    files: dict[str, str | list[str]]
    study: dict[str, object] = field(default_factory=dict)
    thresholds: dict[str, object] = field(default_factory=dict)
    indicators: dict[str, object] = field(default_factory=dict)


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return repr(v)


def write_toml(
    path: Path,
    base: MiniStudy,
    *,
    study: dict | None = None,
    files: dict | None = None,
    thresholds: dict | None = None,
    indicators: dict | None = None,
    drop: tuple[str, ...] = (),
    extra: str = "",
) -> Path:
    """Write an area.toml: the base settings updated by the given ones (``None`` removes)."""
    sections = {
        "study": {**base.study, **(study or {})},
        "files": {**base.files, **(files or {})},
        "thresholds": {**base.thresholds, **(thresholds or {})},
        "indicators": {**base.indicators, **(indicators or {})},
    }
    lines = []
    for name, table in sections.items():
        if name == "indicators" and not table:
            continue
        lines.append(f"[{name}]")
        for k, v in table.items():
            if v is None or k in drop:
                continue
            lines.append(f"{k} = {_toml_value(v)}")
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path
