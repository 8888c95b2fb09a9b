"""NDTMS ViewIt loader (issue 23): the real Barnet and England exports, subsets, bad files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workbench.errors import DataError
from workbench.ledger import Ledger
from workbench.loaders.ndtms import VIEWIT_MEASURES, read_viewit

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "barnet"
BARNET = SAMPLE / "ndtms_viewit_adult_la_barnet_2009_10_to_2021_22.csv"
ENGLAND = SAMPLE / "ndtms_viewit_adult_england_ethnicity_2009_10_to_2021_22.csv"


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(BARNET, dtype=str, keep_default_na=False)


def test_barnet_export_read_whole(raw):
    ledger = Ledger()
    v = read_viewit(BARNET, ledger)
    assert v.area == "Barnet" and v.rounded_to == 5
    assert len(v.frame) == len(raw) == 780
    # every one of the export's 239 measure columns is recognised
    assert sorted(v.measures) == sorted(c for c in raw.columns[5:]) == sorted(VIEWIT_MEASURES)
    assert v.years[0] == "2009-10" and v.years[-1] == "2021-22" and len(v.years) == 13
    # 'Total' (2009/10-2020/21) and 'TOTAL' (2021/22) rows are the same kind of row
    assert set(v.frame["sex"]) == {"Female", "Male", "Total"}
    assert set(v.frame["age_group"]) == {"18-29", "30-49", "50+", "Total"}
    entry = ledger.files[0]
    assert entry.read == entry.kept == 780 and entry.balanced
    # NULL = not collected: missing, never 0 (disability recorded from 2016-17 only)
    early = v.frame[v.frame["financial_year"] == "2015-16"]
    assert early["disability_any_newtx"].isna().all()
    assert v.not_collected["disability_any_newtx"] == [f"{y}-{y % 100 + 1:02d}" for y in
                                                       range(2009, 2016)]  # fmt: skip
    assert v.frame["scnr_completion_allintx"][v.frame["financial_year"] == "2021-22"].isna().all()
    # zero stays zero
    assert (v.frame["exits_movedaway_allintx"] == 0).sum() > 0


def test_england_export_names_and_exact_counts():
    e = read_viewit(ENGLAND, kind="ndtms_viewit_england", area="england")
    assert e.area == "England" and e.rounded_to is None
    assert e.measures == ["intreatment_allintx", *(f"eth_{g}_allintx" for g in
                          ("white", "mixed", "asian", "black", "other"))]  # fmt: skip
    # 2021/22 uses other drug group spellings (OPIATES, ALCOHOL & NON-OPIATES): one vocabulary
    assert set(e.frame["drug_group"]) == {
        "total", "opiate", "non_opiate_only", "alcohol_only", "non_opiate_and_alcohol"
    }  # fmt: skip
    first = e.totals().loc[("2009-10", "total")]
    assert first["intreatment_allintx"] == 311668  # the export's first row, by hand


def test_any_subset_of_columns(tmp_path, raw):
    path = tmp_path / "viewit_subset.csv"
    keep = ["ReportingPeriod", "Area", "sex", "age_group", "drug_group", "intreatment_allintx"]
    raw[keep].to_csv(path, index=False)
    v = read_viewit(path)
    assert v.measures == ["intreatment_allintx"]
    assert v.totals().loc[("2021-22", "opiate"), "intreatment_allintx"] == 605


def _write(tmp_path: Path, frame: pd.DataFrame, name: str = "viewit.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_renamed_measure_column_is_named(tmp_path, raw):
    path = _write(tmp_path, raw.rename(columns={"exits_droppedout_allintx": "dropped_out"}))
    with pytest.raises(DataError) as err:
        read_viewit(path)
    assert "viewit.csv" in str(err.value) and "'dropped_out'" in str(err.value)


def test_renamed_key_column(tmp_path, raw):
    path = _write(tmp_path, raw.rename(columns={"sex": "gender"}))
    with pytest.raises(DataError, match="'sex'"):
        read_viewit(path)


def test_mixed_areas_refused(tmp_path, raw):
    mixed = raw.copy()
    mixed.loc[100, "Area"] = "Enfield"
    with pytest.raises(DataError) as err:
        read_viewit(_write(tmp_path, mixed))
    assert err.value.row == 101 and err.value.column == "Area"


def test_wrong_area_refused():
    with pytest.raises(DataError, match="Enfield"):
        read_viewit(BARNET, area="Enfield")


def test_truncated_export(tmp_path):
    text = BARNET.read_text(encoding="utf-8")
    cut = tmp_path / "cut.csv"
    cut.write_text(text[: int(len(text) * 0.7)], encoding="utf-8")  # cut mid-row
    with pytest.raises(DataError, match="cut.csv"):
        read_viewit(cut)
    whole_rows = tmp_path / "rows.csv"
    whole_rows.write_text("\n".join(text.splitlines()[:-7]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="truncated"):
        read_viewit(whole_rows)


def test_bad_count_and_wrong_files(tmp_path, raw):
    bad = raw.copy()
    bad.loc[4, "intreatment_allintx"] = "12a"
    with pytest.raises(DataError) as err:
        read_viewit(_write(tmp_path, bad))
    assert err.value.row == 5 and err.value.column == "intreatment_allintx"
    fingertips = SAMPLE.parent / "national" / "fingertips_93517_ocu_not_in_treatment_extract.csv"
    with pytest.raises(DataError, match="ReportingPeriod"):
        read_viewit(fingertips)
    year = raw.copy()
    year.loc[0, "ReportingPeriod"] = "2009/11"
    with pytest.raises(DataError, match="financial year"):
        read_viewit(_write(tmp_path, year))
