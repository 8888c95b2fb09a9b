"""Inputs stay inside the study: regular files only, no link out of the study folder (issue 26)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.config import load_config
from workbench.errors import ConfigError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
FILES = {
    "police_street": "police/leicestershire-street-2019-12_2022-10.zip",
    "lsoa_boundaries": "boundaries/lsoa2011_E06000016_leicester.geojson",
    "imd": "imd/imd2019_file2_domains_ranks_deciles_leicester.csv",
    "population": "population/lsoa_pop_mid2019_total_leicester.csv",
}


@pytest.fixture
def study(tmp_path: Path) -> Path:
    """A study folder holding copies of four sample files (relative paths in its area.toml)."""
    for rel in FILES.values():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE / rel, tmp_path / rel)
    return tmp_path


def _toml(folder: Path, files: dict[str, str] | None = None, extra: str = "", study: str = ""):
    files = {**FILES, **(files or {})}
    lines = [
        "[study]",
        'name = "t"',
        'area_codes = ["E06000016"]',
        'period_start = "2021-01"',
        'period_end = "2021-06"',
        study,
        "[files]",
    ]
    for k, v in files.items():
        lines.append(
            f'{k} = ["{v}"]' if k in ("police_street", "lsoa_boundaries") else f'{k} = "{v}"'
        )
    path = folder / "area.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def test_a_study_with_its_files_inside_loads(study):
    cfg = load_config(_toml(study))
    assert cfg.file("imd") == (study / FILES["imd"]).resolve()


def test_commentary_outside_the_study_is_refused(study, capsys):
    path = _toml(study, extra='[report]\ncommentary = "/etc/passwd"\n')
    with pytest.raises(ConfigError, match="outside the study folder"):
        load_config(path)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "root:" not in err


def test_commentary_linked_to_a_system_file_is_refused(study):
    (study / "notes.md").symlink_to("/etc/passwd")
    with pytest.raises(ConfigError, match="outside the study folder"):
        load_config(_toml(study, extra='[report]\ncommentary = "notes.md"\n'))
    os.symlink("/etc/passwd", study / "assessment.md")
    with pytest.raises(ConfigError, match="outside the study folder"):
        load_config(_toml(study, extra='[indicators]\nassessment_commentary = "assessment.md"\n'))


def test_commentary_must_be_a_markdown_file(study):
    shutil.copy(SAMPLE / FILES["imd"], study / "imd.csv")
    with pytest.raises(ConfigError, match="Markdown or text file"):
        load_config(_toml(study, extra='[report]\ncommentary = "imd.csv"\n'))


def test_a_named_data_folder_allows_files_and_links_there(study, tmp_path_factory):
    shared = tmp_path_factory.mktemp("shared")
    (shared / "commentary.md").write_text("Words.", encoding="utf-8")
    (study / "imd_link.csv").symlink_to(SAMPLE / FILES["imd"])
    extra = f'[report]\ncommentary = "{shared / "commentary.md"}"\n'
    with pytest.raises(ConfigError, match="outside the study folder"):
        load_config(_toml(study, extra=extra))
    with pytest.raises(ConfigError, match="a link leading outside the study folder"):
        load_config(_toml(study, {"imd": "imd_link.csv"}))
    cfg = load_config(
        _toml(
            study,
            {"imd": "imd_link.csv"},
            extra=extra,
            study=f'data_folders = ["{shared}", "{SAMPLE}"]',
        )
    )
    assert cfg.commentary == shared / "commentary.md"
    assert cfg.data_folders == (shared.resolve(), SAMPLE.resolve())


def test_link_to_dev_zero_is_refused(study, capsys):
    (study / "zero.csv").symlink_to("/dev/zero")
    path = _toml(study, {"population": "zero.csv"})
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "population" in err and "zero.csv" in err


def test_device_inside_the_study_is_refused(study, capsys):
    path = _toml(study, {"imd": "/dev/zero"})
    with pytest.raises(ConfigError, match="a device; expected a regular file"):
        load_config(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_named_pipe_does_not_hang_validate(study):
    os.mkfifo(study / "pop.csv")
    path = _toml(study, {"population": "pop.csv"})
    # a separate process with a time limit: a hang fails the test instead of blocking it
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "named pipe" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_folder_where_a_file_is_expected_is_refused(study):
    (study / "imd_dir").mkdir()
    with pytest.raises(ConfigError, match="a folder; expected a regular file"):
        load_config(_toml(study, {"imd": "imd_dir"}))
