"""One code path above the loaders: ``Study.crimes`` whichever engine reads the files, the same
coverage for files not named by month, and the loader's errors for malformed files.

The reference is the in-memory loader (``read_street``), whose own rules are tested against
hand-written files in ``tests/loaders``; here every engine must give exactly its result. The
Dask engine runs on Dask's local threaded scheduler (no client): a LocalCluster's start-up is
slow and is exercised in ``test_engines.py``.
"""

from __future__ import annotations

import filecmp
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from workbench.engines import aggregate_street
from workbench.engines.synthetic import national_lsoas, write_street_files
from workbench.errors import DataError
from workbench.ledger import REASONS
from workbench.study import Study

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
ENGINES = ["memory", "duckdb", "dask"]


def _police(study: Study) -> list[dict]:
    return [f.to_dict() for f in study.ledger.files if f.kind == "police_street"]


@pytest.fixture(scope="module")
def memory_study():
    study = Study.from_toml(SAMPLE / "area.toml", engine="memory")
    study.crimes  # noqa: B018
    return study


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
def test_study_crimes_is_the_loaders_frame(memory_study, engine):
    """Study.crimes through DuckDB or Dask equals the in-memory loader's, column for column,
    row for row (the loader's reading order, no sort needed), with the same ledger, coverage
    and attribution."""
    study = Study.from_toml(SAMPLE / "area.toml", engine=engine)
    got = study.crimes
    ref = memory_study.crimes
    pd.testing.assert_frame_equal(got, ref)
    assert got.crs == ref.crs
    assert study.ledger.to_dict() == memory_study.ledger.to_dict()
    assert study.coverage.table.equals(memory_study.coverage.table)
    assert study.attributions["crimes"].to_dict() == memory_study.attributions["crimes"].to_dict()
    # the counts after the rows come from them: the files are not read (or recorded) again
    counts = study.crime_counts
    assert len(_police(study)) == 1
    assert counts.n_kept == len(ref)
    pd.testing.assert_frame_equal(counts.counts, memory_study.crime_counts.counts)


def test_counts_first_then_rows_records_the_ledger_once(memory_study):
    """crime_counts (the columns of the counts only) then crimes (every column): the files
    are read twice but the ledger holds them once, and the rows are still the loader's."""
    study = Study.from_toml(SAMPLE / "area.toml", engine="duckdb")
    agg = study.crime_counts
    assert agg.engine == "duckdb"
    pd.testing.assert_frame_equal(study.crimes, memory_study.crimes)
    assert _police(study) == _police(memory_study)
    assert study.ledger.to_dict() == memory_study.ledger.to_dict()
    agg.close()


def test_lean_aggregates_refuse_to_give_rows():
    study = Study.from_toml(SAMPLE / "area.toml", engine="duckdb")
    agg = study.crime_counts
    with pytest.raises(ValueError, match='columns="all"'):
        agg.crimes()
    agg.close()


# -- coverage of files not named by month ----------------------------------------------------


@pytest.fixture(scope="module")
def renamed(tmp_path_factory):
    """Four monthly files (2 forces x 2 months) given as one ``street.csv``, as a folder of
    ``force_export_N.csv`` and as a zip of them."""
    root = tmp_path_factory.mktemp("renamed")
    lsoas = national_lsoas(100, forces=2)
    write_street_files(root / "monthly", lsoas, months=2, rows_per_month=300, bad_rows=False)
    files = sorted((root / "monthly").rglob("*.csv"))
    single = root / "street.csv"
    pd.concat([pd.read_csv(f, dtype=str) for f in files]).to_csv(single, index=False)
    folder = root / "folder"
    folder.mkdir()
    for i, f in enumerate(files):
        shutil.copy(f, folder / f"force_export_{i}.csv")
    zpath = root / "export.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for i, f in enumerate(files):
            zf.write(f, f"force_export_{i}.csv")
    return {"single": single, "folder": folder, "zip": zpath}


@pytest.mark.parametrize("kind", ["single", "folder"])
def test_coverage_of_renamed_files_from_the_month_column(renamed, kind):
    """Files not named YYYY-MM-<force>-street.csv: every engine takes the months from the
    rows (the loader's fallback), for the force in Reported by ("force-00" -> "force-00")."""
    expected = {f"force-{i:02d}": {"2021-01", "2021-02"} for i in range(2)}
    results = {e: aggregate_street([renamed[kind]], engine=e) for e in ENGINES}
    for e, agg in results.items():
        assert agg.ledger.files[0].months == expected, e
        assert agg.ledger.to_dict() == results["memory"].ledger.to_dict(), e
        pd.testing.assert_frame_equal(agg.coverage, results["memory"].coverage, obj=e)
        agg.close()
    cov = results["memory"].coverage
    assert len(cov) == 4 and cov["files"].isna().all() and cov["rows"].isna().all()
    months = results["duckdb"].lsoa_month().columns
    assert [str(m) for m in months] == ["2021-01", "2021-02"]


def test_zip_of_renamed_files_is_the_same_error(renamed):
    """A zip without police.uk-named members is refused the same way by every engine."""
    messages = []
    for e in ENGINES:
        with pytest.raises(DataError) as err:
            aggregate_street([renamed["zip"]], engine=e)
        messages.append(str(err.value))
    assert messages[0] == messages[1] == messages[2]
    assert "force_export_0.csv" in messages[0]


def test_study_coverage_of_a_renamed_file(tmp_path, memory_study):
    """The sample's zip unpacked into one CSV named street.csv: Study.coverage is the same for
    every engine, and the same as for the monthly files."""
    with zipfile.ZipFile(SAMPLE / "police" / "leicestershire-street-2019-12_2022-10.zip") as zf:
        members = sorted(n for n in zf.namelist() if n.endswith(".csv"))[:3]
        frames = [pd.read_csv(zf.open(n), dtype=str) for n in members]
    one = tmp_path / "street.csv"
    pd.concat(frames).to_csv(one, index=False)
    covs = {}
    for e in ENGINES:
        study = Study.from_toml(
            SAMPLE / "area.toml", engine=e, period_end="2020-02", allow_missing_months=True
        )
        study.config.files["police_street"] = [one]
        covs[e] = study.coverage
        assert covs[e].forces == ["leicestershire"], e
        assert [str(m) for m in covs[e].observed] == ["2019-12", "2020-01", "2020-02"], e
    for e in ENGINES:
        assert covs[e].table.equals(covs["memory"].table), e


# -- the loader's errors for malformed files --------------------------------------------------


def _edit_line(i, fn):
    def edit(data: bytes) -> bytes:
        lines = data.split(b"\n")
        lines[i] = fn(lines[i])
        return b"\n".join(lines)

    return edit


def _cells(i, value):
    def fn(line: bytes) -> bytes:
        parts = line.split(b",")
        parts[i] = value
        return b",".join(parts)

    return fn


#: (case, edit of the file's bytes, what the loader's error says; None: no error, same ledger)
BAD = [
    ("extra-field", _edit_line(7, lambda ln: ln + b",extra"), ("row 7", "Expected 12 fields")),
    (
        "missing-fields",
        _edit_line(7, lambda ln: b",".join(ln.split(b",")[:5])),
        ("row 7", "'Crime type'", "a blank"),
    ),
    (
        "unterminated-quote",
        _edit_line(7, lambda ln: ln.replace(b",", b',"', 7)),
        ("row 7", "'Longitude'", "expected a number"),
    ),
    (
        "undecodable-byte",
        _edit_line(7, lambda ln: ln.replace(b"On or near", b"On or n\x81ar")),
        ("UTF-8, UTF-8 with BOM or Windows cp1252", "byte 0x81"),
    ),
    (
        "undecodable-byte-after-64kb",
        _edit_line(550, lambda ln: ln.replace(b"On or near", b"On or n\x81ar")),
        ("UTF-8, UTF-8 with BOM or Windows cp1252", "byte 0x81"),
    ),
    ("cp1252-byte-after-64kb", _edit_line(550, lambda ln: ln.replace(b"On", b"\xe9On")), None),
    ("short-row-no-context", _edit_line(7, lambda ln: ln[:-1]), None),
    ("bad-month", _edit_line(7, _cells(1, b'"2021-13"')), None),
    (
        "month-of-another-file",
        _edit_line(7, _cells(1, b'"2021-05"')),
        ("row 7", "'Month'", "rows of 2021-01"),
    ),
    ("text-longitude", _edit_line(7, _cells(4, b"west")), ("row 7", "'Longitude'", "'west'")),
]


@pytest.mark.parametrize("where", ["folder", "zip"])
@pytest.mark.parametrize(("case", "edit", "says"), BAD, ids=[b[0] for b in BAD])
def test_malformed_file_same_outcome_every_engine(tmp_path, case, edit, says, where):
    """Each engine stops with the loader's own error (file, row, column, expected, found), or,
    where the loader reads the file, gives its ledger."""
    lsoas = national_lsoas(100, forces=1)
    info = write_street_files(tmp_path / "p", lsoas, months=1, rows_per_month=700, bad_rows=False)
    csv = next((tmp_path / "p").rglob("*.csv"))
    csv.write_bytes(edit(csv.read_bytes()))
    src = tmp_path / "p"
    if where == "zip":
        src = tmp_path / "p.zip"
        with zipfile.ZipFile(src, "w") as zf:
            zf.write(csv, csv.relative_to(tmp_path / "p").as_posix())
    outcome = {}
    for e in ENGINES:
        try:
            agg = aggregate_street([src], engine=e)
        except DataError as exc:
            outcome[e] = str(exc)
        else:
            outcome[e] = agg.ledger.to_dict()
            agg.close()
    assert outcome["duckdb"] == outcome["memory"]
    assert outcome["dask"] == outcome["memory"]
    ref = outcome["memory"]
    if says is None:
        assert isinstance(ref, dict) and ref["files"][0]["read"] == info["rows"]
        if case == "bad-month":
            assert ref["files"][0]["dropped"] == {REASONS["bad_month"]: 1}
        if case == "cp1252-byte-after-64kb":
            assert ref["files"][0]["notes"] == {"read as cp1252 (not plain UTF-8)": info["rows"]}
    else:
        assert isinstance(ref, str) and csv.name in ref
        for text in says:
            assert text in ref, (text, ref)


def test_duckdb_error_exits_2_from_the_cli(tmp_path, capsys):
    """``workbench validate`` with engine = "duckdb" on a malformed file: exit code 2."""
    from workbench.cli import main

    cfg = tmp_path / "cfg"
    cfg.mkdir()
    for p in SAMPLE.iterdir():
        if p.name != "police":
            (cfg / p.name).symlink_to(p)
    police = cfg / "police"
    police.mkdir()
    with zipfile.ZipFile(SAMPLE / "police" / "leicestershire-street-2019-12_2022-10.zip") as zf:
        for n in sorted(m for m in zf.namelist() if m.endswith(".csv")):
            (police / Path(n).name).write_bytes(zf.read(n))
    bad = police / "2020-06-leicestershire-street.csv"
    bad.write_bytes(_edit_line(3, lambda ln: ln.rstrip(b"\r") + b",extra\r")(bad.read_bytes()))
    text = (SAMPLE / "area.toml").read_text()
    text = text.replace(
        "[study]\n", f'[study]\nengine = "duckdb"\ndata_folders = ["{SAMPLE.as_posix()}"]\n', 1
    )
    text = text.replace("police/leicestershire-street-2019-12_2022-10.zip", "police")
    (cfg / "area.toml").unlink()
    (cfg / "area.toml").write_text(text)
    assert main(["validate", str(cfg / "area.toml")]) == 2
    err = capsys.readouterr().err
    assert "2020-06-leicestershire-street.csv, row 3" in err and "Expected 12 fields" in err


# -- a report through DuckDB -------------------------------------------------------------------


def _config(root: Path, engine: str) -> Path:
    """The sample study with ``[study] engine`` set (its folders linked, not copied: the
    sample folder is named in ``data_folders``, so the links may lead there)."""
    d = root / f"cfg_{engine}"
    d.mkdir()
    for p in SAMPLE.iterdir():
        if p.name != "area.toml":
            (d / p.name).symlink_to(p)
    text = (SAMPLE / "area.toml").read_text()
    study = f'[study]\nengine = "{engine}"\ndata_folders = ["{SAMPLE.as_posix()}"]\n'
    (d / "area.toml").write_text(text.replace("[study]\n", study, 1))
    return d / "area.toml"


def test_supply_report_tables_identical_with_duckdb(tmp_path, monkeypatch, sample_report):
    """The supply theme on the sample with engine = "duckdb" writes byte-identical CSV tables
    to the in-memory run (the session's sample report, whose ``engine = "auto"`` is the
    in-memory loader at this size): one code path above the loaders. (Maps drawn without the
    browser, to keep the test short: the tables are what is compared.)"""
    from workbench.engines import choose_engine
    from workbench.report import run_report

    assert choose_engine("auto", [SAMPLE / "police"]) == "memory"
    monkeypatch.setenv("WORKBENCH_CHROMIUM", "none")
    out = run_report(_config(tmp_path, "duckdb"), themes=["supply"], out=tmp_path / "duckdb")
    a, b = next(sample_report.glob("*_supply")), out["supply"]
    tables = sorted(p.relative_to(a) for p in a.rglob("*.csv"))
    assert {"year_on_year.csv", "top_lsoas.csv", "pai_by_method.csv"} <= {p.name for p in tables}
    assert tables == sorted(p.relative_to(b) for p in b.rglob("*.csv"))
    differ = [str(p) for p in tables if not filecmp.cmp(a / p, b / p, shallow=False)]
    assert differ == []


@pytest.mark.parametrize("engine", ["duckdb", "dask"])
def test_load_all_and_check_coverage_every_engine(memory_study, engine):
    """``workbench validate`` (load_all, then check_coverage) records the same ledger and
    coverage through each engine; ``crimes`` afterwards is still the loader's frame."""
    ref = Study.from_toml(SAMPLE / "area.toml", engine="memory")
    want = ref.load_all().to_dict()
    study = Study.from_toml(SAMPLE / "area.toml", engine=engine)
    assert study.load_all().to_dict() == want
    assert study.check_coverage().table.equals(ref.check_coverage().table)
    pd.testing.assert_frame_equal(study.crimes, memory_study.crimes)
    assert study.ledger.to_dict() == want


def test_second_reading_must_match_the_first():
    """crime_counts then crimes reads the files twice: a different ledger the second time
    (files changed while the study was open; here the recorded one is altered) is an error."""
    study = Study.from_toml(SAMPLE / "area.toml", engine="duckdb")
    study.crime_counts.close()
    next(f for f in study.ledger.files if f.kind == "police_street").kept -= 1
    with pytest.raises(DataError, match="Keep the police files unchanged"):
        study.crimes  # noqa: B018
