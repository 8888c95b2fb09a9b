"""``workbench validate`` through workbench.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

from workbench.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def test_validate_sample_json_balanced(capsys):
    assert main(["validate", str(SAMPLE / "area.toml"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    kinds = {f["kind"] for f in data["files"]}
    assert {"police_street", "lsoa_boundaries", "imd", "population", "ward_boundaries"} <= kinds
    for f in data["files"]:
        assert set(f) >= {"file", "kind", "read", "kept", "dropped"}
        assert f["read"] == f["kept"] + sum(f["dropped"].values()), f["file"]
    police = next(f for f in data["files"] if f["kind"] == "police_street")
    assert police["read"] == 180_720  # SOURCES.md


def test_validate_table_output(capsys):
    assert main(["validate", str(SAMPLE / "area.toml")]) == 0
    out = capsys.readouterr().out
    assert "every file balanced" in out and "dropped: outside the study area" in out


def test_validate_bad_input_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "2021-01-x-street.csv"
    bad.write_text("Crime ID,Month,Longitute,Latitude,LSOA code,Crime type\n")
    cfg = tmp_path / "area.toml"
    cfg.write_text(
        (SAMPLE / "area.toml").read_text().split("[files]")[0]
        + f'[files]\npolice_street = ["{bad}"]\n'
        + f'lsoa_boundaries = ["{SAMPLE / "boundaries/lsoa2011_E06000016_leicester.geojson"}"]\n'
        + f'imd = "{SAMPLE / "imd/imd2019_file2_domains_ranks_deciles_leicester.csv"}"\n'
        + f'population = "{SAMPLE / "population/lsoa_pop_mid2019_total_leicester.csv"}"\n'
    )
    assert main(["validate", str(cfg)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "2021-01-x-street.csv" in err and "header row only" in err


def test_validate_missing_config(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.toml")]) == 2
    assert "study configuration file not found" in capsys.readouterr().err
