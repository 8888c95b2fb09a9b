"""A study's config written elsewhere (a test's tmp folder) with its data left in place.

Tests that need a variant of a sample study's settings write it into ``tmp_path``, never
beside the sample (tests run in parallel and a clean clone must stay clean). Every quoted
value that names an existing file or folder relative to the original config becomes an
absolute path, and the original folder is named in ``[study] data_folders`` so the
configured paths may lie outside the new study folder.
"""

from __future__ import annotations

import re
from pathlib import Path

_QUOTED = re.compile(r'"([^"\n]+)"')


def relocated_config(config: Path, folder: Path, text: str | None = None) -> Path:
    """Write ``text`` (default: ``config``'s own text) as ``folder/area.toml`` with the paths
    it names resolved against ``config``'s folder; return the new file."""
    base = config.resolve().parent
    text = config.read_text(encoding="utf-8") if text is None else text

    def absolute(m: re.Match[str]) -> str:
        value = m.group(1)
        path = base / value
        return f'"{path.as_posix()}"' if "/" in value or path.exists() else m.group(0)

    lines = []
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip() if "=" in line else ""
        lines.append(_QUOTED.sub(absolute, line) if key and not key.startswith("#") else line)
    out = "\n".join(lines) + "\n"
    out = out.replace("[study]\n", f'[study]\ndata_folders = ["{base.as_posix()}"]\n', 1)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "area.toml"
    path.write_text(out, encoding="utf-8")
    return path
