"""The sample files agree with data/sample/README.md: every file listed exists; rows match."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
ROW = re.compile(r"^\|\s*(?P<file>[\w./-]+\.(?:csv|geojson|zip|xlsx))\s*\|\s*(?P<rows>\d+)\s*\|")
DATA_SUFFIXES = {".csv", ".geojson", ".zip", ".xlsx"}


def _listed() -> dict[str, int]:
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    listed = {}
    for line in text.splitlines():
        m = ROW.match(line)
        if m:
            listed[m["file"]] = int(m["rows"])
    return listed


def _count_rows(path: Path) -> int:
    """Data rows counted with the standard library only (independent of the loaders)."""
    if path.suffix == ".geojson":
        return len(json.loads(path.read_text(encoding="utf-8"))["features"])
    if path.suffix == ".zip":
        total = 0
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.endswith(".csv"):
                    with zf.open(name) as fh:
                        total += sum(1 for _ in csv.reader(io.TextIOWrapper(fh, "utf-8"))) - 1
        return total
    with path.open(newline="", encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]  # the SYNTHETIC label line
    return sum(1 for _ in csv.reader(lines)) - 1


def test_readme_lists_files() -> None:
    assert len(_listed()) >= 20


@pytest.mark.parametrize("name,rows", sorted(_listed().items()))
def test_listed_file_exists_with_rows(name: str, rows: int) -> None:
    path = SAMPLE / name
    assert path.is_file(), f"{name} is listed in data/sample/README.md but missing"
    assert _count_rows(path) == rows


def test_every_data_file_is_listed() -> None:
    listed = set(_listed())
    present = {
        str(p.relative_to(SAMPLE))
        for p in SAMPLE.rglob("*")
        if p.suffix in DATA_SUFFIXES and p.is_file()
    }
    assert present - listed == set(), "data files not described in data/sample/README.md"


def test_synthetic_files_are_labelled() -> None:
    for p in SAMPLE.rglob("*"):
        if p.is_file() and p.suffix in DATA_SUFFIXES and "synthetic" in p.parts:
            assert p.name.startswith("synthetic_"), p


def test_sample_under_25_mb() -> None:
    size = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert size < 25 * 1024 * 1024


def test_police_zip_layout_and_months() -> None:
    with zipfile.ZipFile(SAMPLE / "police" / "leicestershire-street-2019-12_2022-10.zip") as zf:
        names = zf.namelist()
    months = sorted(n.split("/")[0] for n in names)
    assert len(months) >= 24
    for n in names:
        assert re.fullmatch(r"\d{4}-\d{2}/\d{4}-\d{2}-leicestershire-street\.csv", n), n


def test_config_names_existing_files() -> None:
    from workbench.config import load_config

    cfg = load_config(SAMPLE / "area.toml")
    assert cfg.area_codes == ("E06000016",)
    assert str(cfg.period_start) == "2019-12" and str(cfg.period_end) == "2022-10"
    for value in cfg.files.values():
        for p in value if isinstance(value, list) else [value]:
            assert p is None or p.exists()
