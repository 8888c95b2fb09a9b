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


def _cfg(tmp_path, study_extra: str = "", thresholds: str = "") -> Path:
    p = tmp_path / "area.toml"
    p.write_text(
        '[study]\nname = "x"\narea_codes = ["E06000016"]\nperiod_start = "2021-01"\n'
        f'period_end = "2021-12"\n{study_extra}\n[files]\npolice_street = "p.zip"\n'
        'lsoa_boundaries = "b.gpkg"\nimd = "i.csv"\npopulation = "p.csv"\n'
        f"[thresholds]\n{thresholds}\n"
    )
    return p


def test_defaults_and_new_switches(tmp_path):
    cfg = load_config(_cfg(tmp_path), check_files=False)
    assert (cfg.suppression_threshold, cfg.per) == (5, 10_000)
    assert cfg.allow_missing_months is False and cfg.allow_low_suppression is False
    assert cfg.thresholds == {
        "adult_wait_weeks": 3, "young_people_wait_days": 10, "distance_bands_km": [2, 5],
        "alpha": 0.05,
    }  # fmt: skip
    cfg = load_config(
        _cfg(tmp_path, "suppression_threshold = 2\nallow_low_suppression = true\n"
                       "allow_missing_months = true"),
        check_files=False,
    )  # fmt: skip
    assert cfg.suppression_threshold == 2 and cfg.allow_missing_months is True
    assert cfg.summary()["allow_low_suppression"] is True


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"period_start": "2021"}, r"period_start must be a month written \"YYYY-MM\""),
        ({"period_end": 202112}, r"period_end must be a month"),
        ({"suppression_threshold": 2}, "at least 3"),
        ({"per": 0}, "per must be a whole number >= 1"),
        ({"thresholds": {"alpha": 2}}, r"\[thresholds\] alpha"),
    ],
)
def test_overrides_are_checked_too(tmp_path, override, message):
    cfg = load_config(_cfg(tmp_path), check_files=False)
    with pytest.raises(ConfigError, match=message):
        cfg.with_overrides(**override)


def test_did_you_mean_names_the_closest_key(tmp_path):
    with pytest.raises(ConfigError, match=r"'suppresion_threshold': did you mean "
                       r"'suppression_threshold'\?"):  # fmt: skip
        load_config(_cfg(tmp_path, "suppresion_threshold = 1"), check_files=False)
    with pytest.raises(ConfigError, match=r"'per' belongs in \[study\]"):
        load_config(_cfg(tmp_path, thresholds="per = 100"), check_files=False)
