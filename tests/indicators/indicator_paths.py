"""Paths of the sample data used by the indicator tests (a uniquely named module to import)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
NATIONAL = SAMPLE / "national"
