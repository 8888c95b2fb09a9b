"""The study setting ``[report] commentary`` (the community page's commentary file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.config import load_config
from workbench.errors import ConfigError

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "area.toml"


def _study(tmp_path: Path, report: str) -> Path:
    """A minimal study on the sample's files (absolute paths) with the given [report] table."""
    d = SAMPLE.parent
    path = tmp_path / "area.toml"
    path.write_text(
        f"""[study]
name = "t"
area_codes = ["E06000016"]
period_start = "2021-01"
period_end = "2021-12"

[files]
police_street = ["{d}/police/leicestershire-street-2019-12_2022-10.zip"]
lsoa_boundaries = ["{d}/boundaries/lsoa2011_E06000016_leicester.geojson"]
imd = "{d}/imd/imd2019_file2_domains_ranks_deciles_leicester.csv"
population = "{d}/population/lsoa_pop_mid2019_total_leicester.csv"

{report}
""",
        encoding="utf-8",
    )
    return path


def test_sample_names_its_example_commentary():
    cfg = load_config(SAMPLE)
    assert cfg.commentary == SAMPLE.parent / "commentary.md"
    assert "EXAMPLE" in cfg.commentary.read_text(encoding="utf-8")
    assert cfg.summary()["commentary"] == str(SAMPLE.parent / "commentary.md")


def test_commentary_is_optional(tmp_path):
    assert load_config(_study(tmp_path, "")).commentary is None


def test_missing_commentary_file_is_one_clear_error(tmp_path):
    path = _study(tmp_path, '[report]\ncommentary = "nowhere.md"\n')
    with pytest.raises(ConfigError, match=r"\[report\] commentary names 'nowhere.md'"):
        load_config(path)


def test_unknown_report_setting_is_named(tmp_path):
    path = _study(tmp_path, '[report]\ncomentary = "commentary.md"\n')
    with pytest.raises(ConfigError, match=r"'comentary': did you mean 'commentary'\?"):
        load_config(path)
