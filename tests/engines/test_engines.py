"""The three engines (in memory, DuckDB, Dask) give identical counts, ledgers and coverage.

Expected values are worked out from how the SYNTHETIC files are written (one bad row of each
kind per file, one repeated record per force-month after the first), not from the engines.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.config import load_config
from workbench.engines import (
    AUTO_DUCKDB_ROWS,
    _rows,
    aggregate_street,
    choose_engine,
    estimate_rows,
)
from workbench.engines.embedded import run_duckdb
from workbench.engines.synthetic import national_area, national_lsoas, write_street_files
from workbench.errors import ConfigError, DataError
from workbench.ledger import REASONS
from workbench.study import Study

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "area.toml"
ENGINES = ["memory", "duckdb", "dask"]
P = pd.Period


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    lsoas = national_lsoas(600, forces=3)
    folder = tmp_path_factory.mktemp("national")
    info = write_street_files(folder, lsoas, start="2021-01", months=3, rows_per_month=3000)
    return folder, lsoas, info


def _run(engine, sources, client, **kw):
    dask_client = client if engine == "dask" else None
    return aggregate_street(sources, engine=engine, client=dask_client, **kw)


def _same(results):
    ref = results["memory"]
    for name, res in results.items():
        pd.testing.assert_frame_equal(res.counts, ref.counts, obj=f"{name} counts")
        # sorted by the key whatever the engine
        by_key = res.counts.sort_values(_rows.KEY, ignore_index=True, na_position="last")
        pd.testing.assert_frame_equal(res.counts, by_key, obj=f"{name} counts order")
        assert res.ledger.to_dict() == ref.ledger.to_dict(), name
        cov = res.coverage[["force", "month", "files"]]
        pd.testing.assert_frame_equal(cov, ref.coverage[["force", "month", "files"]])
    duck, dask = results["duckdb"].coverage, results["dask"].coverage
    pd.testing.assert_frame_equal(duck, dask)


def test_engines_agree_on_the_sample(client):
    study = Study.from_toml(SAMPLE)
    paths = study._path("police_street")
    results = {
        e: _run(e, paths, client, period=study.period, area=study.study_area) for e in ENGINES
    }
    _same(results)
    ref = results["memory"]
    # the loader's own result, summed independently of the engines
    crimes = study.crimes
    assert ref.n_kept == len(crimes)
    by_type = crimes.groupby("crime_type").size()
    got = ref.counts.groupby("crime_type")["count"].sum()
    pd.testing.assert_series_equal(got.sort_index(), by_type.sort_index(), check_names=False)
    # 35 monthly files of one force, 2019-12 to 2022-10
    cov = results["duckdb"].coverage
    assert len(cov) == 35 and set(cov["force"]) == {"leicestershire"}
    assert cov["rows"].sum() == ref.ledger.files[0].read
    for r in results.values():
        r.close()


def test_engines_agree_on_synthetic_files_with_bad_rows(synthetic, client):
    folder, lsoas, info = synthetic
    area = national_area(lsoas)
    results = {e: _run(e, [folder], client, area=area) for e in ENGINES}
    _same(results)
    fl = results["memory"].ledger.files[0]
    files = info["files"]  # 3 forces x 3 months = 9
    assert files == 9 and fl.read == info["rows"]
    assert fl.dropped[REASONS["no_coordinates"]] == files
    assert fl.dropped[REASONS["outside_gb"]] == files
    assert fl.dropped[REASONS["bad_month"]] == files
    assert fl.dropped[REASONS["duplicate"]] == 3 * 2  # every force-month but the first
    assert sum(fl.dropped.values()) == 4 * files - 3
    assert fl.notes["LSOA code filled in by location (blank in the file)"] == files
    # one code per file that the study does not know: placed by its point (issue 11's rule)
    assert sum(n for k, n in fl.notes.items() if "placed by its point" in k) == files
    # coverage: every force holds the 3 months its files are named for
    assert fl.months == {f"force-{i:02d}": {"2021-01", "2021-02", "2021-03"} for i in range(3)}
    assert fl.balanced
    for r in results.values():
        r.close()


def test_grid_counts_and_points_within_agree(synthetic, client):
    folder, lsoas, _ = synthetic
    area = national_area(lsoas)
    results = {e: _run(e, [folder], client, area=area) for e in ENGINES}
    x0, y0, _, _ = lsoas.total_bounds
    grids = {e: r.grid_counts((x0, y0), 4000.0, (20, 20)) for e, r in results.items()}
    for g in grids.values():
        np.testing.assert_array_equal(g, grids["memory"])
    # every kept record is on the synthetic grid, so the grid holds them all
    assert grids["memory"].sum() == results["memory"].n_kept
    poly = lsoas.iloc[:40].dissolve()
    inside = {e: r.points_within(poly) for e, r in results.items()}
    ref = inside["memory"].sort_values(["x", "y"]).reset_index(drop=True)
    # a hand count: LSOAs 1-40 are whole squares, points strictly inside them
    codes = set(lsoas["lsoa_code"].iloc[:40])
    assert len(ref) == int(
        results["memory"].counts.loc[lambda d: d["lsoa_code"].isin(codes), "count"].sum()
    )
    for e in ("duckdb", "dask"):
        got = inside[e].sort_values(["x", "y"]).reset_index(drop=True)
        np.testing.assert_array_equal(got[["x", "y"]].to_numpy(), ref[["x", "y"]].to_numpy())
    for r in results.values():
        r.close()


def test_duckdb_small_batches_resolve_repeats_across_batches(synthetic):
    """Records repeated across DuckDB record batches are judged like the loader does."""
    folder, lsoas, _ = synthetic
    area = national_area(lsoas)
    ref = aggregate_street([folder], area=area, engine="memory")
    members, entries = _rows.list_members([folder])
    rows, _ = run_duckdb(members, entries, period=None, area=area, batch_rows=700)
    got = rows.counts()
    assert entries[0].to_dict() == ref.ledger.files[0].to_dict()
    assert int(got["count"].sum()) == ref.n_kept
    rows.close()


def test_dask_small_tasks_resolve_repeats_across_tasks(synthetic, client):
    """Repeated records in different Dask tasks (one file a task) are judged like the loader."""
    from workbench.engines.distributed import run_dask

    folder, lsoas, _ = synthetic
    area = national_area(lsoas)
    ref = aggregate_street([folder], area=area, engine="memory")
    members, entries = _rows.list_members([folder])
    rows, _ = run_dask(members, entries, period=None, area=area, client=client, blocksize=1)
    assert entries[0].to_dict() == ref.ledger.files[0].to_dict()
    got = rows.counts()
    assert int(got["count"].sum()) == ref.n_kept


def test_period_narrower_than_the_files(synthetic, client):
    """Whole files outside the period are judged row by row (no error), as by the loader."""
    folder, lsoas, _ = synthetic
    area = national_area(lsoas)
    period = (P("2021-02", "M"), P("2021-02", "M"))
    results = {e: _run(e, [folder], client, area=area, period=period) for e in ENGINES}
    _same(results)
    counts = results["memory"].counts
    assert set(counts["month"].astype(str)) == {"2021-02"}
    assert results["memory"].ledger.files[0].dropped[REASONS["outside_period"]] > 0


def test_no_row_in_period_is_the_loaders_error(synthetic, client):
    folder, lsoas, _ = synthetic
    period = (P("2030-01", "M"), P("2030-02", "M"))
    messages = []
    for e in ENGINES:
        with pytest.raises(DataError) as err:
            _run(e, [folder], client, area=national_area(lsoas), period=period)
        messages.append(str(err.value))
    assert messages[0] == messages[1] == messages[2]
    assert "no row is in the period" in messages[0]


def test_zip_and_folder_and_duplicate_file(tmp_path, synthetic, client):
    """A custom-download zip reads like the folder; a monthly file given twice is dropped."""
    folder, lsoas, _ = synthetic
    zpath = tmp_path / "download.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for p in sorted(Path(folder).rglob("*.csv")):
            zf.write(p, p.relative_to(folder).as_posix())
    again = tmp_path / "again"
    first = sorted(Path(folder).rglob("*.csv"))[0]
    again.mkdir()
    shutil.copy(first, again / first.name)
    area = national_area(lsoas)
    results = {e: _run(e, [zpath, again], client, area=area) for e in ENGINES}
    _same(results)
    led = results["duckdb"].ledger.files
    assert led[1].dropped == {REASONS["duplicate_file"]: led[1].read}


def test_bad_coordinate_is_named_like_the_loader(tmp_path, client):
    lsoas = national_lsoas(100, forces=1)
    write_street_files(tmp_path, lsoas, months=1, rows_per_month=200, bad_rows=False)
    csv = next(tmp_path.rglob("*.csv"))
    lines = csv.read_text().splitlines()
    parts = lines[7].split(",")
    parts[4] = '"west"'  # Longitude
    lines[7] = ",".join(parts)
    csv.write_text("\n".join(lines) + "\n")
    messages = []
    for e in ENGINES:
        with pytest.raises(DataError) as err:
            _run(e, [tmp_path], client)
        messages.append(str(err.value))
    assert "row 7" in messages[0] and "west" in messages[0]
    assert messages[0] == messages[1] == messages[2]


def test_auto_engine_by_estimated_rows(synthetic):
    folder, _, info = synthetic
    n = estimate_rows([folder])
    assert 0.5 * info["rows"] < n < 2 * info["rows"]
    assert choose_engine("auto", [folder]) == ("duckdb" if n >= AUTO_DUCKDB_ROWS else "memory")
    assert choose_engine("dask", [folder]) == "dask"
    with pytest.raises(ConfigError, match="engine must be one of"):
        choose_engine("spark", [folder])


def _toml(path, extra):
    path.write_text(
        '[study]\nname = "x"\narea_codes = ["E06000016"]\nperiod_start = "2020-01"\n'
        f'period_end = "2020-12"\n{extra}\n[files]\npolice_street = ["p.zip"]\n'
        'lsoa_boundaries = ["b.geojson"]\nimd = "i.csv"\npopulation = "p.csv"\n'
    )
    return load_config(path, check_files=False)


def test_config_engine_and_scheduler(tmp_path):
    base = tmp_path / "area.toml"
    cfg = _toml(base, 'engine = "dask"\nscheduler = "tcp://10.1.2.3:8786"')
    assert (cfg.engine, cfg.scheduler) == ("dask", "tcp://10.1.2.3:8786")
    assert _toml(base, "").engine == "auto" and load_config(SAMPLE).engine == "auto"
    with pytest.raises(ConfigError, match="engine must be one of"):
        _toml(base, 'engine = "spark"')
    with pytest.raises(ConfigError, match="scheduler"):
        _toml(base, 'engine = "duckdb"\nscheduler = "tcp://x:1"')
    with pytest.raises(ConfigError, match="scheduler"):
        _toml(base, 'engine = "dask"\nscheduler = "10.1.2.3"')


def test_study_crime_counts_one_path_for_every_engine():
    """Study.crime_counts gives the same aggregates whichever engine the config names."""
    mem = Study.from_toml(SAMPLE, engine="memory")
    duck = Study.from_toml(SAMPLE, engine="duckdb")
    a, b = mem.crime_counts, duck.crime_counts
    assert (a.engine, b.engine) == ("memory", "duckdb")
    pd.testing.assert_frame_equal(a.counts, b.counts)
    assert a.ledger.to_dict() == b.ledger.to_dict()
    # the study's ledger holds the street file once
    kinds = [f.kind for f in duck.ledger.files]
    assert kinds.count("police_street") == 1
    pd.testing.assert_frame_equal(a.lsoa_month(["Drugs"]), b.lsoa_month(["Drugs"]))
    b.close()


def test_validate_with_duckdb_engine_gives_the_same_ledger():
    """``workbench validate`` (Study.load_all) with engine = "duckdb" reads the police files
    through the engine and records the same ledger as the in-memory loader."""
    mem = Study.from_toml(SAMPLE, engine="memory").load_all().to_dict()
    duck = Study.from_toml(SAMPLE, engine="duckdb").load_all().to_dict()
    assert duck == mem


def test_out_of_core_engines_read_files_bigger_than_the_memory_guard(
    tmp_path, synthetic, client, monkeypatch
):
    """The in-memory size guard (a third of MemAvailable; here patched to 100 kB, far below the
    synthetic files) stops the in-memory loader only, naming the DuckDB engine; DuckDB and Dask
    read the same folder, and the same files as one zip, bounded by their own memory limits
    (the zip's total declared size beyond the limit, each member within it). A member that
    alone declares more than the limit is refused by them too, naming the member."""
    folder, lsoas, info = synthetic
    files = sorted(Path(folder).rglob("*.csv"))
    size = sum(p.stat().st_size for p in files)
    largest = max(p.stat().st_size for p in files)
    limit = max(100_000, largest + 1)
    assert size > limit > largest
    monkeypatch.setenv("WORKBENCH_MAX_UNCOMPRESSED_BYTES", str(limit))
    area = national_area(lsoas)
    with pytest.raises(DataError) as err:
        _run("memory", [folder], client, area=area)
    assert "fit in memory" in str(err.value) and 'engine = "duckdb"' in str(err.value)
    zpath = tmp_path / "download.zip"
    with zipfile.ZipFile(zpath, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in files:
            zf.write(p, p.relative_to(folder).as_posix())
    with pytest.raises(DataError) as err:
        _run("memory", [zpath], client, area=area)
    assert 'engine = "duckdb"' in str(err.value) and "declaring" in str(err.value)
    for engine in ("duckdb", "dask"):
        res = _run(engine, [folder], client, area=area)
        assert res.ledger.files[0].read == info["rows"], engine
        assert res.ledger.files[0].balanced
        res.close()
        # the zip: its total is beyond the limit, each member within it: read
        res = _run(engine, [zpath], client, area=area)
        assert res.ledger.files[0].read == info["rows"], engine
        assert res.ledger.files[0].balanced
        res.close()
    # one member beyond the limit: refused before reading, the member named
    monkeypatch.setenv("WORKBENCH_MAX_UNCOMPRESSED_BYTES", str(largest - 1))
    big = max(files, key=lambda p: p.stat().st_size).relative_to(folder).as_posix()
    for engine in ("duckdb", "dask"):
        with pytest.raises(DataError) as err:
            _run(engine, [zpath], client, area=area)
        assert big in str(err.value) and "a member declaring" in str(err.value), engine


def test_engines_leave_no_temporary_folder(synthetic, client, tmp_path):
    """A run that stops (no row in the period) and a closed run leave nothing in ``workdir``."""
    folder, lsoas, _ = synthetic
    late = (P("2030-01", freq="M"), P("2030-02", freq="M"))
    for engine in ("duckdb", "dask"):
        with pytest.raises(DataError):
            _run(engine, [folder], client, area=national_area(lsoas), period=late, workdir=tmp_path)
        assert not list(tmp_path.iterdir()), engine
        res = _run(engine, [folder], client, area=national_area(lsoas), workdir=tmp_path)
        assert list(tmp_path.iterdir()), engine  # the kept rows' parts, while open
        res.close()
        assert not list(tmp_path.iterdir()), engine
