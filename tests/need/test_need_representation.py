"""representation and population_by_treatment_band against hand-worked values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from workbench.errors import WorkbenchError
from workbench.need import population_by_treatment_band, representation

# Wilson 95% limits, z = 1.959964, worked out with
# (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2)):
WILSON = {
    (30, 100): (0.2189488524, 0.3958485471),
    (60, 100): (0.5020025860, 0.6905987142),
    (10, 100): (0.0552291368, 0.1743656622),
}


def _treatment() -> pd.DataFrame:
    rows = [
        ("A", "opiate", 20), ("A", "alcohol", 10),
        ("B", "opiate", 60),
        ("C", "alcohol", 10),
        ("Not stated", "opiate", 5),
    ]  # fmt: skip
    df = pd.DataFrame(rows, columns=["ethnicity", "substance_group", "in_treatment"])
    df["financial_year"] = "2021-22"
    df["sex"] = "Male"
    old = df.assign(financial_year="2020-21", in_treatment=0)
    return pd.concat([old, df], ignore_index=True)


POP = pd.DataFrame({"ethnicity": ["A", "B", "C"], "population": [500, 300, 200]})


def test_shares_ratios_and_flags() -> None:
    result = representation(_treatment(), POP, "ethnicity")
    out = result.frame
    # n = 30 + 60 + 10 = 100 (Not stated left out). Population shares 0.5, 0.3, 0.2.
    assert out.loc["Total", "in_treatment"] == 100
    assert result.settings["excluded"] == {"Not stated": 5.0}
    for group, x, share in (("A", 30, 0.5), ("B", 60, 0.3), ("C", 10, 0.2)):
        row = out.loc[group]
        lo, hi = WILSON[(x, 100)]
        assert_allclose(row["share_treatment"], x / 100, rtol=1e-12)
        assert_allclose([row["share_lower"], row["share_upper"]], [lo, hi], rtol=1e-8)
        assert_allclose(row["share_population"], share, rtol=1e-12)
        assert_allclose(row["ratio"], x / 100 / share, rtol=1e-12)
        assert_allclose([row["ratio_lower"], row["ratio_upper"]], [lo / share, hi / share],
                        rtol=1e-8)  # fmt: skip
    # A: ratio 0.6, upper 0.3958/0.5 = 0.79 < 1; B: 2.0, lower 0.502/0.3 = 1.67 > 1;
    # C: 0.5, upper 0.1744/0.2 = 0.87 < 1.
    assert out.loc["A", "flag"] == "under-represented"
    assert out.loc["B", "flag"] == "over-represented"
    assert out.loc["C", "flag"] == "under-represented"


def test_filters_by_substance_group() -> None:
    out = representation(_treatment(), POP, "ethnicity", substance_groups=["alcohol"]).frame
    # alcohol: A 10, C 10 -> n 20; B 0.
    assert list(out["in_treatment"]) == [10, 0, 10, 20]
    assert out.loc["B", "share_treatment"] == 0


def test_suppressed_display_hides_small_counts_and_their_ratios() -> None:
    tr = _treatment()
    tr.loc[(tr["financial_year"] == "2021-22") & (tr["ethnicity"] == "C"), "in_treatment"] = 3
    shown = representation(tr, POP, "ethnicity", suppressed=True)
    out = shown.frame
    # C = 3 is hidden; with the Total shown, the smallest other count (A = 30) is hidden too.
    assert out.loc["C", "in_treatment"] == "*"
    assert out.loc["C", "ratio_upper"] == "*" and out.loc["C", "flag"] == "*"
    assert out.loc["A", "in_treatment"] == "*"
    assert out.loc["B", "in_treatment"] == 60
    assert shown.suppression["primary"] == 1


def test_missing_population_group_is_an_error() -> None:
    with pytest.raises(WorkbenchError, match=r"no row for ethnicity \['C'\]"):
        representation(_treatment(), POP[POP["ethnicity"] != "C"], "ethnicity")
    with pytest.raises(WorkbenchError, match="population must have columns"):
        representation(_treatment(), POP.rename(columns={"population": "n"}), "ethnicity")


def test_population_by_treatment_band_splits_evenly() -> None:
    bands = pd.DataFrame(
        {
            "lsoa": ["x", "y"],
            "F0 to 15": [10, 10],
            "F16 to 29": [70, 70],  # 140 over 14 years: 10 a year
            "F30 to 44": [75, 75],  # 150 over 15 years
            "F45 to 64": [100, 100],  # 200 over 20 years
            "F65 and over": ["1,000", 0],  # thousands separator
            "M0 to 15": [0, 0],
            "M16 to 29": [14, 0],
            "M30 to 44": [15, 0],
            "M45 to 64": [20, 0],
            "M65 and over": [5, 0],
        }
    )
    out = population_by_treatment_band(bands).frame.set_index(["sex", "age_band"])["population"]
    # Female: 18-24 = 7 years x 10 = 70; 25-29 = 50; 30-34 = 50; 35-39 = 50;
    # 40-49 = 5 x 10 (from 30-44) + 5 x 10 (from 45-64) = 100; 50-64 = 15 x 10 = 150; 65+ = 1000.
    assert_allclose(out.loc["Female"].to_numpy(), [70, 50, 50, 50, 100, 150, 1000], rtol=1e-12)
    # Male: 1 a year everywhere: 7, 5, 5, 5, 10, 15, 5.
    assert_allclose(out.loc["Male"].to_numpy(), [7, 5, 5, 5, 10, 15, 5], rtol=1e-12)
    with pytest.raises(WorkbenchError, match="F16 to 29"):
        population_by_treatment_band(pd.DataFrame({"lsoa": ["x"], "total": [1]}))


def test_group_with_no_population_has_no_ratio() -> None:
    pop = pd.concat([POP, pd.DataFrame({"ethnicity": ["D"], "population": [0]})])
    out = representation(_treatment(), pop, "ethnicity").frame
    assert out.loc["D", "in_treatment"] == 0
    assert np.isnan(out.loc["D", "ratio"]) and out.loc["D", "flag"] == ""


def test_population_by_treatment_band_takes_loader_names_and_skips_missing_rows() -> None:
    # Study.lsoas names (workbench.loaders.population slugs) and a third LSOA with one band
    # missing: it is left out of every band and counted.
    bands = pd.DataFrame(
        {
            "lsoa_code": ["x", "y", "z"],
            "population": [1, 2, 3],  # ignored: not a sex x age column
            "pop_f0_to_15": [0, 0, 5],
            "pop_f16_to_29": [14, 28, 500],  # 42 over 14 years: 3 a year
            "pop_f30_to_44": [15, 0, 500],  # 1 a year
            "pop_f45_to_64": [40, 0, np.nan],  # 2 a year; z is missing here
            "pop_f65_and_over": [9, 1, 500],
            "pop_m0_to_15": [0, 0, 5],
            "pop_m16_to_29": [0, 0, 500],
            "pop_m30_to_44": [0, 0, 500],
            "pop_m45_to_64": [0, 0, 500],
            "pop_m65_and_over": [0, 0, 500],
        }
    )
    result = population_by_treatment_band(bands)
    assert result.settings == {"rows_used": 2, "rows_left_out": 1}
    out = result.frame
    female = out[out["sex"] == "Female"].set_index("age_band")["population"]
    # 18-24: 7 x 3 = 21; 25-29: 5 x 3 = 15; 30-34, 35-39: 5 x 1 = 5;
    # 40-49: 5 x 1 + 5 x 2 = 15; 50-64: 15 x 2 = 30; 65+: 9 + 1 = 10.
    assert_allclose(female.to_numpy(), [21, 15, 5, 5, 15, 30, 10], rtol=1e-12)
    by_sex = population_by_treatment_band(bands, by="sex").frame.set_index("sex")["population"]
    assert_allclose(by_sex.to_numpy(), [101, 0], rtol=1e-12)
    by_age = population_by_treatment_band(bands, by="age_band").frame.set_index("age_band")
    assert_allclose(by_age.loc["40-49", "population"], 15, rtol=1e-12)
    with pytest.raises(WorkbenchError, match="every one"):
        population_by_treatment_band(bands.iloc[[2]])
    with pytest.raises(WorkbenchError, match="expected numbers"):
        population_by_treatment_band(bands.assign(pop_f65_and_over=["9", "x", "1"]))
    with pytest.raises(WorkbenchError, match="by"):
        population_by_treatment_band(bands, by="ethnicity")
