"""``workbench national``: a SYNTHETIC folder of police.uk street files -> LSOA x month counts,
the national choropleth, Gi* (FDR) and grid maps, the run log; maps opened in Chromium.

Counts are checked against the raw CSVs read with pandas (clean files: every row kept), Gi*
against esda and scipy's Benjamini-Hochberg directly, a month one force lacks against the
file list.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.cli import main
from workbench.engines.synthetic import national_lsoas, write_street_files
from workbench.maps.browser import INSTALL_HINT, find_chromium, launch_browser

MONTHS = ["2021-01", "2021-02", "2021-03"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    base = tmp_path_factory.mktemp("national")
    lsoas = national_lsoas(240, cell=2_000.0, forces=3)
    police = base / "police"
    write_street_files(
        police, lsoas, start=MONTHS[0], months=3, rows_per_month=3_000, seed=7, bad_rows=False
    )
    # force 1 has no file for 2021-02: that month is missing for the whole country
    lacking = sorted((police / MONTHS[1]).glob("*-street.csv"))[1]
    lacking.unlink()
    bnd = base / "lsoas.gpkg"
    lsoas[["lsoa_code", "lsoa_name", "geometry"]].to_file(bnd, driver="GPKG")
    return base, police, bnd, lsoas


@pytest.fixture(scope="module")
def run(folder):
    base, police, bnd, _ = folder
    out = base / "out"
    rc = main(["national", str(police), "--boundaries", str(bnd), "--out", str(out)])
    assert rc == 0
    (run_folder,) = out.glob("*_national")
    return run_folder


def _raw(police: Path) -> pd.DataFrame:
    files = sorted(police.rglob("*-street.csv"))
    return pd.concat([pd.read_csv(f, dtype=str) for f in files], ignore_index=True)


def test_counts_and_gaps_match_the_raw_files(folder, run):
    _, police, _, lsoas = folder
    raw = _raw(police)
    table = pd.read_csv(run / "lsoa_counts.csv", dtype={"lsoa_code": str})
    assert list(table.columns[:3]) == ["lsoa_code", "lsoa_name", "total_months_held"]
    assert len(table) == len(lsoas)
    # the month force 1 lacks is blank for every LSOA, never 0
    assert table["2021-02"].isna().all()
    expect = raw.groupby(["LSOA code", "Month"]).size()
    for code in table["lsoa_code"].iloc[::37]:
        row = table.set_index("lsoa_code").loc[code]
        for m in ("2021-01", "2021-03"):
            assert row[m] == expect.get((code, m), 0), (code, m)
        held = sum(expect.get((code, m), 0) for m in ("2021-01", "2021-03"))
        assert row["total_months_held"] == held
    log = json.loads((run / "run_log.json").read_text())
    police_entry = [f for f in log["ledger"]["files"] if f["kind"] == "police_street"]
    assert police_entry[0]["read"] == len(raw) == police_entry[0]["kept"]
    assert log["coverage"]["missing"] == ["2021-02"]
    assert log["records_in_months_not_held_by_every_force"] == int(
        (raw["Month"] == "2021-02").sum()
    )
    assert "absent: no deprivation index file" in log["decile_profile"]
    assert not (run / "decile_profile.csv").exists()
    # the grid counts every record by its point
    assert log["records_outside_grid"] == 0
    assert log["maps"]["grid"]["cells"] > 0


def test_gistar_matches_esda_with_benjamini_hochberg(folder, run):
    import esda
    from libpysal.graph import Graph
    from scipy.stats import false_discovery_control

    _, police, _, lsoas = folder
    raw = _raw(police)
    raw = raw[raw["Month"] != "2021-02"]
    y = lsoas["lsoa_code"].map(raw.groupby("LSOA code").size()).fillna(0).to_numpy(float)
    g = Graph.build_contiguity(lsoas, rook=False)
    lg = esda.G_Local(y, g, transform="B", star=True, permutations=0)
    p = 2 * (1 - __import__("scipy").stats.norm.cdf(np.abs(lg.Zs)))
    q = false_discovery_control(p, method="bh")
    hot = int(((q <= 0.05) & (lg.Zs > 0)).sum())
    log = json.loads((run / "run_log.json").read_text())
    assert log["gistar"]["hot"] == hot
    html = (run / "national_gistar.html").read_text()
    assert "Hot spot 99%" in html and "Benjamini-Hochberg" in html


@pytest.fixture(scope="module")
def chromium():
    if find_chromium() is None:
        pytest.skip(INSTALL_HINT)
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")


def test_maps_open_in_chromium(run, chromium):
    with launch_browser() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        for name in ("national_lsoas.html", "national_gistar.html"):
            page.goto((run / name).resolve().as_uri(), wait_until="load")
            page.wait_for_function(
                "document.querySelectorAll('.leaflet-overlay-pane canvas').length > 0",
                timeout=30_000,
            )
            assert "wb-legend" in page.content()
        page.goto((run / "national_grid.html").resolve().as_uri(), wait_until="load")
        page.wait_for_function(
            "(() => { const i = document.querySelector('img.leaflet-image-layer');"
            " return i && i.complete && i.naturalWidth > 0; })()",
            timeout=30_000,
        )


def test_without_boundaries_stops_clearly(folder, capsys):
    _, police, _, _ = folder
    assert main(["national", str(police), "--out", str(police.parent / "x")]) == 2
    assert "--boundaries" in capsys.readouterr().err


def test_config_run_writes_the_decile_profile(tmp_path):
    """From the sample's area.toml: every record of the force's files, mapped on the study's
    LSOAs; the decile profile recomputed here from the published IMD 2019 and population files
    and the command's own LSOA table (counts per decile, residents, rate per 10,000)."""
    root = Path(__file__).resolve().parents[2] / "data" / "sample"
    out = tmp_path / "out"
    assert main(["national", str(root / "area.toml"), "--out", str(out)]) == 0
    (run,) = out.glob("*_national")
    log = json.loads((run / "run_log.json").read_text())
    assert log["engine"] == "duckdb" and log["decile_profile"].startswith("IMD 2019")
    files = log["ledger"]["files"]
    assert all(f["read"] == f["kept"] + sum(f["dropped"].values()) for f in files)
    imd = pd.read_csv(root / "imd" / "imd2019_file2_domains_ranks_deciles_leicester.csv")
    imd = imd.iloc[:, [0, 5]].set_axis(["lsoa_code", "decile"], axis=1)
    pop = pd.read_csv(root / "population" / "lsoa_pop_mid2019_total_leicester.csv", thousands=",")
    table = pd.read_csv(run / "lsoa_counts.csv")
    joined = (
        table[["lsoa_code", "total_months_held"]]
        .merge(imd, on="lsoa_code")
        .merge(pop.rename(columns={"lsoa": "lsoa_code"}), on="lsoa_code")
    )
    expect = joined.groupby("decile").agg(
        lsoas=("lsoa_code", "size"), count=("total_months_held", "sum"), pop=("pop", "sum")
    )
    prof = pd.read_csv(run / "decile_profile.csv").set_index("imd_decile")
    assert prof.loc[expect.index, "lsoas"].tolist() == expect["lsoas"].tolist()
    assert prof.loc[expect.index, "count"].tolist() == expect["count"].tolist()
    assert prof.loc[expect.index, "population"].tolist() == expect["pop"].tolist()
    rate = expect["count"] / expect["pop"] * 10_000
    np.testing.assert_allclose(prof.loc[expect.index, "rate"], rate, rtol=1e-9)
    # the force's records outside the study's LSOAs are counted, not lost
    assert log["records_in_lsoas_not_mapped"] > 0
    assert (
        sum(table["total_months_held"])
        + log["records_in_lsoas_not_mapped"]
        + log["records_in_months_not_held_by_every_force"]
        == log["records_kept"]
    )


def test_every_engine_gives_the_same_table_and_accounts_for_every_row(tmp_path):
    """With the deliberately bad rows (blank and unknown LSOA codes among them: kept, not
    mapped), the three engines write the same LSOA table, and each run log's kept records are
    the ledger's (Dask once dropped the rows without an LSOA code from its counts)."""
    pytest.importorskip("distributed")
    lsoas = national_lsoas(120, cell=2_000.0, forces=2)
    police = tmp_path / "police"
    write_street_files(police, lsoas, start=MONTHS[0], months=2, rows_per_month=1_500, seed=5)
    bnd = tmp_path / "lsoas.gpkg"
    lsoas[["lsoa_code", "lsoa_name", "geometry"]].to_file(bnd, driver="GPKG")
    tables, logs = {}, {}
    for engine in ("memory", "duckdb", "dask"):
        out = tmp_path / engine
        argv = ["national", str(police), "--boundaries", str(bnd), "--out", str(out)]
        assert main([*argv, "--engine", engine]) == 0, engine
        (run,) = out.glob("*_national")
        tables[engine] = (run / "lsoa_counts.csv").read_text()
        logs[engine] = json.loads((run / "run_log.json").read_text())
    raw = _raw(police)
    for engine, log in logs.items():
        entry = [f for f in log["ledger"]["files"] if f["kind"] == "police_street"][0]
        assert entry["read"] == len(raw), engine
        assert log["records_kept"] == entry["kept"], engine
        blank = int(raw["LSOA code"].isna().sum())
        assert blank > 0 and log["records_in_lsoas_not_mapped"] >= blank, engine
    assert tables["memory"] == tables["duckdb"] == tables["dask"]


def test_period_reads_its_months_only_and_a_month_without_files_is_a_gap(folder, tmp_path):
    """--period 2021-02:2021-04 over files of 2021-01 to 2021-03 (force 1 lacking 2021-02):
    January's rows are dropped as outside the period (counted), February is missing (a force
    lacks it), April is missing (no file), March is counted."""
    _, police, bnd, _ = folder
    out = tmp_path / "out"
    argv = ["national", str(police), "--boundaries", str(bnd), "--out", str(out)]
    assert main([*argv, "--period", "2021-02:2021-04"]) == 0
    (run,) = out.glob("*_national")
    raw = _raw(police)
    table = pd.read_csv(run / "lsoa_counts.csv", dtype={"lsoa_code": str}).set_index("lsoa_code")
    assert [c for c in table.columns if c.startswith("2021")] == ["2021-02", "2021-03", "2021-04"]
    assert table["2021-02"].isna().all() and table["2021-04"].isna().all()
    march = raw[raw["Month"] == "2021-03"].groupby("LSOA code").size()
    assert table["2021-03"].sum() == march.sum()
    assert (table["total_months_held"] == table["2021-03"]).all()
    log = json.loads((run / "run_log.json").read_text())
    entry = [f for f in log["ledger"]["files"] if f["kind"] == "police_street"][0]
    assert entry["dropped"]["outside the study period"] == int((raw["Month"] == "2021-01").sum())
    assert log["coverage"]["missing"] == ["2021-02", "2021-04"]
