"""Need results carry their settings and suppression summary (issue 20, items 1 and 4).

Before, the settings of a need table and the summary of what its display hid rode in
``DataFrame.attrs``: pandas drops them when frames are concatenated with different attrs
and nothing checked they were there. Now they are fields of the result objects
(:mod:`workbench.need.results`, :class:`workbench.stats.Suppression`), which survive a
``merge`` / ``concat`` of the frame (:meth:`with_frame`) and the ``Described`` methods. These
tests fail on the code before (no ``settings`` / ``suppression`` on the results, attrs on
the frames).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd

from workbench import stats
from workbench.need import unmet_need, unmet_need_table, waiting_times

ROOT = Path(__file__).resolve().parents[2]

WAITS = pd.DataFrame(
    [
        ("2021-22", "Q1", "S1", "psychosocial", "adult", 40, 36),
        ("2021-22", "Q2", "S1", "psychosocial", "adult", 10, 9),
        ("2021-22", "Q1", "S2", "psychosocial", "adult", 40, 30),
    ],
    columns=["financial_year", "quarter", "service_id", "modality", "cohort", "started",
             "within_target"],
)  # fmt: skip
SERVICES = pd.DataFrame({"service_id": ["S1", "S2"], "name": ["North", "South"]})


def test_display_keeps_its_summary_and_settings_through_merge_and_concat() -> None:
    # Hand count: S1 Q1 36 of 40 (4 not in time) and S1 Q2 9 of 10 (1 not in time): the
    # two within_target cells are hidden as complements; S2 30 of 40 (10) is shown.
    shown = waiting_times(WAITS, ["quarter", "service_id"], suppressed=True, standard=0.9)
    assert shown.suppression["complement"] == 2 and shown.suppression["primary"] == 0
    assert shown.frame.attrs == {}  # nothing pandas could drop or mix
    assert shown.settings["conf"] == 0.95 and shown.settings["standard"] == 0.9
    merged = shown.frame.merge(SERVICES, on="service_id", how="left")
    kept = shown.with_frame(merged)
    assert kept.suppression == shown.suppression and kept.settings == shown.settings
    rows = kept.frame.set_index(["quarter", "service_id"])
    assert rows.loc[("Q1", "S1"), "name"] == "North" and rows.loc[("Q1", "S2"), "name"] == "South"
    assert rows["within_target"].to_dict() == {
        ("Q1", "S1"): "*",
        ("Q1", "S2"): 30,
        ("Q2", "S1"): "*",
    }
    both = pd.concat([shown.frame, merged], ignore_index=True)
    assert both.attrs == {}
    assert shown.suppression["complement"] == 2  # the object is untouched by the concat


def test_need_table_settings_follow_the_described_methods() -> None:
    prev = pd.DataFrame(
        [("2019-20", "E1", "Town", "opiate", "15-64", 800, 700, 900)],
        columns=["year", "area_code", "area_name", "substance_group", "age_band", "estimate",
                 "lower_95", "upper_95"],
    )  # fmt: skip
    treat = pd.DataFrame(
        [("2021-22", "opiate", "18-24", 200)],
        columns=["financial_year", "substance_group", "age_band", "in_treatment"],
    )
    result = unmet_need(prev, treat)
    assert result.frame.attrs == {}
    assert result.settings["treatment_year"] == "2021-22"
    # 800 estimated, 200 in treatment: unmet (800 - 200) / 800 = 75%
    assert result.frame["unmet_pct"].tolist() == [75.0]
    table = unmet_need_table(result)  # select(...).round(1): the settings come along
    assert type(table) is type(result) and table.settings == result.settings
    renamed = table.rename({"unmet_pct": "unmet_percent"})
    assert renamed.settings == result.settings and "unmet_percent" in renamed.spec.derived
    assert result.with_frame(result.frame.copy()).settings == result.settings


def test_suppression_summary_is_on_the_result_not_the_frame() -> None:
    s = pd.Series({"A": 3, "B": 12, "C": 40, "Total": 55})
    assert stats.suppress(s).attrs == {}
    r = stats.suppression(s)
    assert r.shown.tolist() == ["*", "*", 40, 55]
    assert r.shown.attrs == {} and r.mask.attrs == {}
    # A is small (primary); with the total shown, B goes too (secondary).
    assert (r.summary["primary"], r.summary["secondary"]) == (1, 1)
    stacked = pd.concat([r.to_frame(), r.to_frame()])
    assert len(stacked) == 8 and r.summary["primary"] == 1


def test_need_composes_no_disclosure_rule_by_hand() -> None:
    """need/ asks the disclosure policy (``Policy``); it imports none of the rules it
    composes (primary, derived, mask application) nor the plain-table adapter."""
    rules = {"primary_mask", "derived_mask", "apply_mask", "protect", "suppression_mask"}
    found = []
    for path in sorted((ROOT / "workbench" / "need").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                found += [f"{path.name}: {a.name}" for a in node.names if a.name in rules]
            if isinstance(node, ast.FunctionDef) and node.name in ("hide_cells", "display_table"):
                found.append(f"{path.name}: def {node.name}")
    assert found == []
