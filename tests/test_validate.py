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


def _sample_toml(tmp_path: Path, police: Path, **study: str) -> Path:
    """The sample's area.toml with absolute paths, another police file and settings."""
    text = (SAMPLE / "area.toml").read_text()
    for line in text.splitlines():
        if "= " in line and ('"boundaries/' in line or '"imd/' in line or '"population/' in line
                             or '"lookups/' in line or '"synthetic/' in line
                             or '"national/' in line or line.startswith("commentary")
                             or line.startswith(("assessment_commentary", "ethnicity_population"))
                             ):  # fmt: skip
            rel = line.split('"')[1]
            text = text.replace(f'"{rel}"', json.dumps(str(SAMPLE / rel)))
    text = text.replace(
        '["police/leicestershire-street-2019-12_2022-10.zip"]', json.dumps([str(police)])
    )
    lines = text.splitlines()
    for k, v in study.items():
        lines = [f"{k} = {v}" if ln.split("=")[0].strip() == k else ln for ln in lines]
    text = "\n".join(lines) + "\n"
    # the commentary, published word for word, may only come from a named data folder
    text = text.replace("[study]\n", f'[study]\ndata_folders = ["{SAMPLE.as_posix()}"]\n', 1)
    cfg = tmp_path / "area.toml"
    cfg.write_text(text)
    return cfg


def test_three_months_removed_from_the_sample_zip_are_listed(tmp_path, capsys):
    import zipfile

    gone = {"2020-03", "2021-07", "2022-02"}
    src = SAMPLE / "police" / "leicestershire-street-2019-12_2022-10.zip"
    dst = tmp_path / "police.zip"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            if info.filename[:7] not in gone:
                zout.writestr(info.filename, zin.read(info))
    cfg = _sample_toml(tmp_path, dst)
    assert main(["validate", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "MISSING MONTHS: 3 of 35 months missing: 2020-03, 2021-07, 2022-02." in out
    assert "leicestershire           2020  #   #   .   #" in out
    assert main(["validate", str(cfg), "--json"]) == 0
    cov = json.loads(capsys.readouterr().out)["coverage"]
    assert cov["missing"] == sorted(gone) and cov["observed"] == 32 and cov["months"] == 35
    # the period running two months past the data stops, unless allowed
    late = _sample_toml(tmp_path, dst, period_end='"2022-12"')
    assert main(["validate", str(late)]) == 2
    err = capsys.readouterr().err
    assert "runs 2 month(s) after the data (2022-11 to 2022-12)" in err
    assert "allow_missing_months = true" in err


def test_report_validates_first_and_runs_no_notebook(tmp_path, capsys, monkeypatch):
    from workbench import report

    def no_notebook(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("a notebook ran on a study that fails validation")

    monkeypatch.setattr(report, "_execute", no_notebook)
    bad_pop = tmp_path / "pop.csv"
    bad_pop.write_text(
        (SAMPLE / "population" / "lsoa_pop_mid2019_total_leicester.csv")
        .read_text()
        .replace('E01013600,"1,995"', "E01013600,1.995")
    )
    cfg = _sample_toml(tmp_path, SAMPLE / "police" / "leicestershire-street-2019-12_2022-10.zip")
    good_pop = json.dumps(str(SAMPLE / "population" / "lsoa_pop_mid2019_total_leicester.csv"))
    cfg.write_text(cfg.read_text().replace(good_pop, json.dumps(str(bad_pop))))
    out = tmp_path / "out"
    rc = main(["report", str(cfg), "--theme", "overview", "--out", str(out)])
    assert rc == 2
    err = capsys.readouterr().err
    assert "pop.csv, row 1, column 'pop'" in err and "1.995" in err
    assert not out.exists()


def test_unexpected_error_is_one_line_exit_1(monkeypatch, capsys, tmp_path):
    from workbench import validate

    def boom(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(validate, "run_validate", boom)
    assert main(["validate", str(tmp_path / "area.toml")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unexpected ZeroDivisionError: division by zero")
    assert "Traceback" not in err
