"""Study configuration: the sample's area.toml and the [columns] table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workbench.config import load_config
from workbench.errors import ConfigError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def test_sample_config():
    cfg = load_config(SAMPLE / "area.toml", check_files=False)
    assert cfg.area_codes == ("E06000016",)
    assert cfg.period_start == pd.Period("2019-12", "M")
    assert cfg.file("police_street")[0].name == "leicestershire-street-2019-12_2022-10.zip"
    assert cfg.file("stop_search") == []
    assert cfg.file("lsoa_2011_2021_lookup") is None
    # the sample's ONS boundaries are 2014 (data/sample/README.md), in both sample studies
    assert cfg.boundary_copyright_year == 2014
    assert cfg.summary()["boundary_copyright_year"] == 2014
    other = load_config(SAMPLE / "area_oadby_wigston.toml", check_files=False)
    assert other.boundary_copyright_year == 2014


def test_columns_table_and_overrides(tmp_path):
    cfg_path = tmp_path / "area.toml"
    cfg_path.write_text(
        '[study]\nname = "x"\narea_codes = "E06000016"\nperiod_start = "2021-01"\n'
        'period_end = "2021-12"\n[files]\npolice_street = "p.zip"\nlsoa_boundaries = "b.gpkg"\n'
        'imd = "i.csv"\npopulation = "p.csv"\n[columns]\nlsoa_code = "CODE"\n'
    )
    cfg = load_config(cfg_path, check_files=False)
    assert cfg.columns == {"lsoa_code": "CODE"} and cfg.area_codes == ("E06000016",)
    cfg2 = cfg.with_overrides(period_start="2021-06")
    assert cfg2.period_start == pd.Period("2021-06", "M")
    with pytest.raises(ConfigError, match="period_end .* is before"):
        cfg.with_overrides(period_start="2022-06")


def test_unknown_columns_key(tmp_path):
    cfg_path = tmp_path / "area.toml"
    cfg_path.write_text(
        '[study]\nname = "x"\narea_codes = "E06000016"\nperiod_start = "2021-01"\n'
        'period_end = "2021-12"\n[files]\npolice_street = "p.zip"\nlsoa_boundaries = "b.gpkg"\n'
        'imd = "i.csv"\npopulation = "p.csv"\n[columns]\nlsoa_cd = "CODE"\n'
    )
    with pytest.raises(
        ConfigError,
        match=r"has unknown key\(s\) 'lsoa_cd' \('lsoa_cd': did you mean 'lsoa_code'\?\)",
    ):
        load_config(cfg_path, check_files=False)


MINIMAL = (
    '[study]\nname = "x"\narea_codes = "E06000016"\nperiod_start = "2021-01"\n'
    'period_end = "2021-12"\n{extra}[files]\npolice_street = "p.zip"\n'
    'lsoa_boundaries = "b.gpkg"\nimd = "i.csv"\npopulation = "p.csv"\n'
)


def test_boundary_copyright_year_optional_and_valid(tmp_path):
    cfg_path = tmp_path / "area.toml"
    cfg_path.write_text(MINIMAL.format(extra=""))
    cfg = load_config(cfg_path, check_files=False)
    assert cfg.boundary_copyright_year is None
    assert cfg.summary()["boundary_copyright_year"] is None
    cfg_path.write_text(MINIMAL.format(extra="boundary_copyright_year = 2021\n"))
    assert load_config(cfg_path, check_files=False).boundary_copyright_year == 2021


@pytest.mark.parametrize("value", ['"2014"', "14", "20140", "2014.0", "true"])
def test_boundary_copyright_year_rejects_non_years(tmp_path, value):
    cfg_path = tmp_path / "area.toml"
    cfg_path.write_text(MINIMAL.format(extra=f"boundary_copyright_year = {value}\n"))
    with pytest.raises(
        ConfigError, match=r"\[study\] boundary_copyright_year must be a 4-digit year"
    ):
        load_config(cfg_path, check_files=False)
