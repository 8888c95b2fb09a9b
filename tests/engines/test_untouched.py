"""Rows the DuckDB engine stores without the loader's pandas rules are rows those rules keep
unchanged.

:func:`workbench.engines._rows.untouched` picks the rows no rule drops, notes or changes (the
duplicate-record rule apart, which the engine applies over all kept rows at the end). The
check here is the loader's own verdict: ``apply_rules`` (the loader's ``_filter``) is run on
every row, SYNTHETIC files with every kind of bad row plus rows written to be near misses,
and every row taken as untouched must be kept with its LSOA code as written, or dropped only
as a duplicate record.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from workbench.engines import _rows, aggregate_street
from workbench.engines.synthetic import national_area, national_lsoas, write_street_files
from workbench.ledger import REASONS, FileLedger
from workbench.loaders import police

P = pd.Period


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    lsoas = national_lsoas(400, forces=2)
    folder = tmp_path_factory.mktemp("untouched")
    write_street_files(folder, lsoas, start="2021-01", months=3, rows_per_month=1500, seed=3)
    return folder, lsoas


def _near_misses(df: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Rows of the first file changed so that some rule of the loader notices them."""
    base = df.iloc[[0] * 9].copy()
    base["lsoa_code"] = [
        f" {codes[0]}",  # spaces around a study code: the loader strips before matching
        f"{codes[1]} ",
        "E01999999",  # a well-formed code that is not the area's: placed by point
        None,  # blank: placed by point
        codes[2].lower(),  # not a code as written
        codes[3],
        codes[4],
        codes[5],
        codes[6],
    ]
    base["month"] = [base["month"].iloc[0]] * 5 + [
        f" {base['month'].iloc[0]}",  # whitespace around the month: the loader trims it
        base["month"].iloc[0],
        base["month"].iloc[0],
        "\u0662\u0660\u0662\u0661-01",  # Arabic-Indic digits: whatever parse_months makes
    ]
    base["longitude"] = ["-1.5"] * 6 + ["nan", "-20.0", "-1.5"]
    base["latitude"] = ["52.5"] * 9
    base["crime_id"] = None
    return base


def _frame(folder: Path) -> tuple[pd.DataFrame, list[str], np.ndarray, list[str]]:
    header = {h: w for w, hs in police.STREET_COLUMNS.items() for h in hs}
    parts, names = [], []
    for f in sorted(folder.rglob("*.csv")):
        d = pd.read_csv(f, dtype=str, keep_default_na=False, na_values=[""])
        parts.append(d.rename(columns=header)[list(police.STREET_COLUMNS)])
        names.append(f.name)
    member = np.concatenate([np.full(len(p), i) for i, p in enumerate(parts)])
    return pd.concat(parts, ignore_index=True), names, member, [p for p in names]


def _verdict(df, names, member, area, period):
    """The loader's rules on every row: kept rows and the ledger."""
    n = len(df)
    entries = [FileLedger("all", "police_street")]
    frame = df.copy()
    for c in ("longitude", "latitude"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce")
    for c in frame.columns:
        if c not in ("longitude", "latitude"):
            frame[c] = frame[c].astype("str").where(frame[c].notna())
    kept, _ = _rows.apply_rules(
        frame,
        entries,
        src=np.zeros(n, dtype=np.int64),
        order=np.arange(n, dtype=np.int64),
        names=names,
        member=member,
        published=[{}] * len(names),
        period=period,
        area=area,
        schema=_rows.FULL,
        checked=True,
    )
    return kept, entries[0]


def _mask(df, names, member, area, period):
    months = police.parse_months(df["month"]).array.asi8
    file_month = np.array(
        [P(police._MEMBER["street"].search(n).group(1), freq="M").ordinal for n in names]
    )[member]
    lon = pd.to_numeric(df["longitude"], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(df["latitude"], errors="coerce").to_numpy(float)
    lsoa = pa.array(df["lsoa_code"].astype("str").array, type=pa.string(), from_pandas=True)
    return _rows.untouched(months, lon, lat, lsoa, file_month, period=period, area=area)


@pytest.mark.parametrize(
    "period", [None, (P("2021-02", freq="M"), P("2021-02", freq="M"))], ids=["all", "feb"]
)
def test_untouched_rows_are_kept_unchanged_by_the_loaders_rules(files, period):
    folder, lsoas = files
    area = national_area(lsoas)
    df, names, member, _ = _frame(folder)
    misses = _near_misses(df, sorted(area.codes))
    df = pd.concat([df, misses], ignore_index=True)
    member = np.concatenate([member, np.zeros(len(misses), dtype=member.dtype)])
    clean = _mask(df, names, member, area, period)
    # most rows of police.uk-like files are untouched; the near misses of code and
    # coordinates are not (the two months are judged below, like every other row)
    assert clean[: -len(misses)].mean() > (0.9 if period is None else 0.28)
    assert not clean[-len(misses) :][[0, 1, 2, 3, 4, 6, 7]].any()

    kept, ledger = _verdict(df, names, member, area, period)
    by_ord = kept.set_index("_ord")
    rows = np.flatnonzero(clean)
    here = np.isin(rows, by_ord.index.to_numpy())
    # each untouched row is kept with its code as written, or dropped as a duplicate record
    pd.testing.assert_series_equal(
        by_ord.loc[rows[here], "lsoa_code"].reset_index(drop=True),
        df["lsoa_code"].iloc[rows[here]].astype("str").reset_index(drop=True),
        check_names=False,
    )
    gone = rows[~here]
    assert len(gone) <= ledger.dropped.get(REASONS["duplicate"], 0)
    ids = df["crime_id"]
    assert ids.iloc[gone].notna().all()
    # each repeats a Crime ID (the newer record kept, or after the period and superseding)
    assert (ids.value_counts().loc[ids.iloc[gone]] > 1).all()

    # the untouched rows alone: nothing dropped but repeats, nothing noted
    alone, led = _verdict(df.iloc[rows].reset_index(drop=True), names, member[rows], area, period)
    assert set(led.dropped) <= {REASONS["duplicate"]}
    assert not led.notes
    assert led.kept + sum(led.dropped.values()) == len(rows)


def test_no_row_is_untouched_with_a_lookup_or_an_unnamed_file(files):
    folder, lsoas = files
    area = national_area(lsoas)
    df, names, member, _ = _frame(folder)
    lookup = pd.DataFrame({"from_code": ["E01000001"], "to_code": ["E01000001"], "chgind": "U"})
    months = police.parse_months(df["month"]).array.asi8
    lon = pd.to_numeric(df["longitude"], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(df["latitude"], errors="coerce").to_numpy(float)
    lsoa = pa.array(df["lsoa_code"].astype("str").array, type=pa.string(), from_pandas=True)
    with_lookup = dataclasses.replace(area, lookup=lookup)
    fm = np.full(len(df), np.iinfo(np.int64).min)  # no file named by month
    assert not _rows.untouched(months, lon, lat, lsoa, fm, period=None, area=area).any()
    named = np.array(
        [P(police._MEMBER["street"].search(n).group(1), freq="M").ordinal for n in names]
    )[member]
    assert _rows.untouched(months, lon, lat, lsoa, named, period=None, area=area).any()
    assert not _rows.untouched(months, lon, lat, lsoa, named, period=None, area=with_lookup).any()


def test_duckdb_engine_on_near_misses_matches_the_loader(files, tmp_path):
    """Files with near misses written into them: the DuckDB engine's counts and ledger
    (by month too) are the in-memory loader's."""
    folder, lsoas = files
    area = national_area(lsoas)
    copy = tmp_path / "files"
    shutil.copytree(folder, copy)
    first = sorted(copy.rglob("*.csv"))[0]
    raw = pd.read_csv(first, dtype=str, keep_default_na=False)
    near = raw.iloc[[0, 1, 2, 3, 4]].copy()
    near["LSOA code"] = [f" {raw['LSOA code'].iloc[0]}", "E01999999", "", "x", raw["LSOA code"][4]]
    near["Month"] = [raw["Month"].iloc[0]] * 4 + [f"{raw['Month'].iloc[0]} "]
    near["Crime ID"] = ["", "", "", "", raw["Crime ID"].iloc[0]]  # the last repeats row 1
    pd.concat([raw, near], ignore_index=True).to_csv(first, index=False)
    for period in (None, (P("2021-01", freq="M"), P("2021-02", freq="M"))):
        ref = aggregate_street([copy], area=area, engine="memory", period=period)
        got = aggregate_street([copy], area=area, engine="duckdb", period=period)
        pd.testing.assert_frame_equal(got.counts, ref.counts)
        assert got.ledger.to_dict() == ref.ledger.to_dict()
        assert got.ledger.files[0].by_month == ref.ledger.files[0].by_month
        got.close()
