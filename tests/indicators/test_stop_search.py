"""Stop and search disparity on a hand-made police.uk file; ratios worked out by hand here."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from indicator_paths import SAMPLE

from workbench.config import load_config
from workbench.indicators import ethnic_group, publish_disparity, search_disparity
from workbench.loaders.police import read_stop_search
from workbench.outputs import Outputs

Z = 1.959963984540054
HEADER = (
    "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,"
    "Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,"
    "Outcome,Outcome linked to object of search,Removal of more than just outer clothing"
)
SELF = {
    "White": "White - English/Welsh/Scottish/Northern Irish/British",
    "Black": "Black/African/Caribbean/Black British - African",
    "Asian": "Asian/Asian British - Indian",
    "Other": "Other ethnic group - Any other ethnic group",
    "Unknown": "Other ethnic group - Not stated",
}
# group -> (linked True, linked False, linked blank)
PLAN = {
    "White": (10, 8, 2),
    "Black": (3, 12, 0),
    "Asian": (5, 5, 0),
    "Other": (1, 1, 0),
    "Unknown": (0, 0, 3),
}
POP = {"White": 10_000, "Black": 2_500, "Asian": 5_000, "Mixed": 1_000, "Other": 500}


@pytest.fixture
def searches(tmp_path):
    lines = [HEADER]
    for group, (t, f, blank) in PLAN.items():
        for linked in ["True"] * t + ["False"] * f + [""] * blank:
            lines.append(
                f"Person search,2022-03-05T10:00:00+00:00,False,,52.6369,-1.1398,Male,18-24,"
                f"{SELF[group]},,Misuse of Drugs Act 1971 (section 23),Controlled drugs,"
                f"A no further action disposal,{linked},False"
            )
    p = tmp_path / "2022-03-leicestershire-stop-and-search.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return read_stop_search([p])


def test_hand_made_disparity(searches) -> None:
    assert len(searches) == 50
    t = search_disparity(searches, POP).frame.set_index("group")
    # searches per 1,000 residents
    assert t.loc["White", "searches"] == 20 and t.loc["White", "rate"] == pytest.approx(2.0)
    assert t.loc["Black", "rate"] == pytest.approx(6.0)
    assert t.loc["Asian", "rate"] == pytest.approx(2.0)
    assert t.loc["Other", "rate"] == pytest.approx(4.0)
    assert t.loc["Mixed", "searches"] == 0 and t.loc["Mixed", "rate"] == 0.0
    assert t.loc["All", "rate"] == pytest.approx(50 / 19_000 * 1000)
    # ratios to White and log-normal intervals: exp(ln RR -/+ z sqrt(1/a + 1/b))
    se_black = math.sqrt(1 / 15 + 1 / 20)
    assert t.loc["Black", "ratio"] == pytest.approx(3.0)
    assert t.loc["Black", "ratio_lower"] == pytest.approx(3.0 * math.exp(-Z * se_black))
    assert t.loc["Black", "ratio_upper"] == pytest.approx(3.0 * math.exp(Z * se_black))
    assert t.loc["Black", "ratio_lower"] == pytest.approx(1.5360, abs=1e-4)
    assert t.loc["Black", "ratio_upper"] == pytest.approx(5.8595, abs=1e-4)
    se_asian = math.sqrt(1 / 10 + 1 / 20)
    assert t.loc["Asian", "ratio"] == pytest.approx(1.0)
    assert t.loc["Asian", "ratio_upper"] == pytest.approx(math.exp(Z * se_asian))
    se_other = math.sqrt(1 / 2 + 1 / 20)
    assert t.loc["Other", "ratio_lower"] == pytest.approx(2.0 * math.exp(-Z * se_other))
    assert t.loc["White", "ratio"] == pytest.approx(1.0)
    assert pd.isna(t.loc["Mixed", "ratio"])  # no searches: ratio undefined
    # unknown ethnicity: counted, no rate
    assert t.loc["Not stated / unknown", "searches"] == 3
    assert pd.isna(t.loc["Not stated / unknown", "rate"])
    # linked to the object of search, among records where it is known; Wilson interval
    assert (t.loc["White", "linked"], t.loc["White", "linked_known"]) == (10, 18)
    x, n = 10, 18
    centre, half = 2 * x + Z**2, Z * math.sqrt(Z**2 + 4 * x * (1 - x / n))
    assert t.loc["White", "linked_rate"] == pytest.approx(100 * 10 / 18)
    assert t.loc["White", "linked_lower"] == pytest.approx(100 * (centre - half) / (2 * (n + Z**2)))
    assert t.loc["All", "linked"] == 19 and t.loc["All", "linked_known"] == 45


def test_officer_defined_groups() -> None:
    s = pd.Series(["White", "Black", "Asian", "Mixed", "Other", None, "Unknown text"])
    assert ethnic_group(s).tolist() == [
        "White",
        "Black",
        "Asian",
        "Mixed",
        "Other",
        "Not stated / unknown",
        "Not stated / unknown",
    ]


def test_published_with_suppression(searches, tmp_path) -> None:
    from dataclasses import replace

    cfg = replace(load_config(SAMPLE / "area.toml"), open_data_in_full=False)
    out = Outputs("indicators", config=cfg, out_dir=tmp_path, run_date="2024-01-01")
    shown = publish_disparity(out, search_disparity(searches, POP)).set_index("group")
    # 2 searches of the Other group (1-4) are hidden with everything derived from them
    assert shown.loc["Other", "searches"] == "*"
    assert shown.loc["Other", "ratio"] == "*"
    # secondary suppression: another non-zero group is hidden with it (which one is the
    # attacker-checked picker's choice); zeros and the total stay shown
    others = shown.drop(index=["Other", "All", "Mixed"])
    assert (others["searches"].astype(str) == "*").sum() >= 1
    assert str(shown.loc["Mixed", "searches"]) == "0"
    assert str(shown.loc["All", "searches"]) == "50"
    out.run_log()
    assert list((tmp_path).rglob("stop_search_disparity.csv"))


def test_published_in_full_when_the_study_says_so(searches, tmp_path) -> None:
    cfg = load_config(SAMPLE / "area.toml")
    assert cfg.open_data_in_full  # the sample shows police.uk counts in full
    out = Outputs("indicators", config=cfg, out_dir=tmp_path, run_date="2024-01-01")
    shown = publish_disparity(out, search_disparity(searches, POP)).set_index("group")
    assert str(shown.loc["Other", "searches"]) == "2"
