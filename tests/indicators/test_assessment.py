"""The strategic assessment: six-month windows, hot spots, rule-based priorities, commentary."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench.indicators import (
    RULES,
    candidate_priorities,
    deprived_hot_spots,
    read_commentary,
    six_month_comparison,
    strategic_assessment,
)


def _crimes(counts: dict[tuple[str, str], int], lsoa: str = "L1") -> pd.DataFrame:
    rows = []
    for (month, crime_type), n in counts.items():
        rows += [{"month": pd.Period(month, "M"), "crime_type": crime_type, "lsoa_code": lsoa}] * n
    return pd.DataFrame(rows)


def _binom_two_sided(k: int, n: int) -> float:
    """Exact two-sided binomial p at p = 0.5 (sum of outcomes no more likely than k)."""
    probs = [math.comb(n, i) / 2**n for i in range(n + 1)]
    return min(1.0, sum(p for p in probs if p <= probs[k] * (1 + 1e-7)))


def test_six_months_hand_made() -> None:
    counts = {}
    for m in pd.period_range("2021-01", "2022-06", freq="M"):
        counts[(str(m), "Other theft")] = 1
    for m, n in (("2021-01", 10), ("2021-07", 20), ("2022-01", 30)):
        counts[(m, "Drugs")] = n
    t = six_month_comparison(_crimes(counts)).set_index("crime_type")
    d = t.loc["Drugs"]
    assert (d["latest"], d["previous"], d["year_earlier"]) == (30, 20, 10)
    assert d["change_year_pct"] == pytest.approx(200.0)
    assert d["p_year"] == pytest.approx(_binom_two_sided(30, 40))
    assert d["p_previous"] == pytest.approx(_binom_two_sided(30, 50))
    assert d["latest_months"] == "2022-01 to 2022-06"
    assert d["year_earlier_months"] == "2021-01 to 2021-06"
    assert t.loc["All crime and anti-social behaviour", "latest"] == 36


def test_six_months_missing_month_is_not_zero() -> None:
    counts = {(str(m), "Drugs"): 2 for m in pd.period_range("2021-01", "2022-06", freq="M")}
    del counts[("2021-03", "Drugs")]  # no police file that month
    t = six_month_comparison(_crimes(counts)).set_index("crime_type")
    assert np.isnan(t.loc["Drugs", "year_earlier"]) and np.isnan(t.loc["Drugs", "p_year"])
    assert t.loc["Drugs", "previous"] == 12


def test_hot_spots_hand_made() -> None:
    lsoas = pd.DataFrame(
        {
            "lsoa_code": [f"L{i}" for i in range(1, 11)],
            "lsoa_name": [f"N{i}" for i in range(1, 11)],
            "imd_decile": [1, 2, 5, 5, 5, 5, 5, 5, 5, 5],
            "population": [1000] * 10,
        }
    )
    counts = {}
    months = pd.period_range("2021-01", "2022-06", freq="M")
    frames = []
    for i, m in enumerate(months):
        period = i // 6  # 0, 1, 2
        if i % 6:
            continue  # put each period's counts in its first month
        per = {"L1": 50, "L2": 60 if period == 2 else 0}
        per.update({f"L{j}": j - 2 for j in range(3, 11)})
        for code, n in per.items():
            frames.append(_crimes({(str(m), "Drugs"): n}, code))
        counts[m] = per
    fill = _crimes({(str(m), "Other theft"): 1 for m in months}, "L3")
    crimes = pd.concat([*frames, fill], ignore_index=True)
    h = deprived_hot_spots(crimes, lsoas, top_share=0.2).set_index("lsoa_code")
    assert h.loc["L1", "pattern"] == "persistent" and h.loc["L1", "most_deprived"]
    assert h.loc["L2", "pattern"] == "emerging" and h.loc["L2", "most_deprived"]
    assert (h.loc["L2", "count_p1"], h.loc["L2", "count_p3"]) == (0, 60)
    assert "L10" not in h.index  # hot in the first two periods only


def test_priorities_rules() -> None:
    comparison = pd.DataFrame(
        [
            {
                "name": "Deaths",
                "area": "X",
                "value": 9.0,
                "lower": 7.0,
                "upper": 11.0,
                "england": 4.0,
                "period": "2016-2018",
                "rating": "worse",
                "trend": "worsening",
                "trend_p": 0.01,
                "trend_n": 6,
            },
            {
                "name": "Admissions",
                "area": "X",
                "value": 3.0,
                "lower": 2.0,
                "upper": 4.0,
                "england": 3.5,
                "period": "2019/20",
                "rating": "similar",
                "trend": "no trend",
                "trend_p": 0.5,
                "trend_n": 6,
            },
        ]
    )
    six = pd.DataFrame(
        {
            "crime_type": ["Shoplifting", "Drugs", "All crime and anti-social behaviour"],
            "latest": [150.0, 105.0, 300.0],
            "year_earlier": [100.0, 100.0, 250.0],
            "change_year_pct": [50.0, 5.0, 20.0],
            "p_year": [0.001, 0.7, 0.01],
            "latest_months": ["2022-01 to 2022-06"] * 3,
        }
    )
    hot = pd.DataFrame(
        {
            "lsoa_name": ["N1", "N2", "N3"],
            "pattern": ["persistent", "emerging", "persistent"],
            "most_deprived": [True, True, False],
        }
    )
    treatment = pd.DataFrame(
        [
            {
                "indicator": "waits_within_target",
                "period": "2021-22",
                "value": 80.0,
                "lower": 70.0,
                "upper": 88.0,
                "count": 40,
                "denominator": 50,
                "note": "adult, pharmacological",
            },
            {
                "indicator": "waits_within_target",
                "period": "2021-22",
                "value": 92.0,
                "lower": 85.0,
                "upper": 96.0,
                "count": 46,
                "denominator": 50,
                "note": "adult, psychosocial",
            },
        ]
    )
    p = candidate_priorities(
        comparison=comparison, six_months=six, hot_spots=hot, treatment=treatment
    )
    assert p["rule"].tolist() == ["R1 + R2", "R3", "R4", "R5", "R6"]
    assert p["priority"].tolist() == [
        "Reduce: Deaths",
        "Address the rise in Shoplifting",
        "Focus on persistent drugs hot spots in the most deprived neighbourhoods",
        "Focus on emerging drugs hot spots in the most deprived neighbourhoods",
        "Improve waiting times: adult, pharmacological",
    ]
    assert p.loc[2, "evidence"] == "1 LSOA(s): N1"  # N3 is not among the most deprived
    assert p["rule_text"].str.len().gt(40).all()
    assert candidate_priorities().empty


def test_commentary_sections(tmp_path) -> None:
    p = tmp_path / "c.md"
    p.write_text(
        "<!-- note -->\nOpening words.\n## hot spots\nThe market area.\n## Funding\nBudget.\n",
        encoding="utf-8",
    )
    c = read_commentary(p)
    assert c == {"Summary": "Opening words.", "Hot spots": "The market area.", "Funding": "Budget."}


def test_sample_assessment_names_priorities(sample_study, sample_indicators) -> None:
    a = strategic_assessment(
        sample_study,
        comparison=sample_indicators.comparison,
        treatment=sample_indicators.treatment,
    )
    assert len(a.priorities) >= 3
    for _, r in a.priorities.iterrows():
        for rule in r["rule"].split(" + "):
            assert rule in RULES
        assert r["rule_text"] and r["evidence"]
    assert a.six_months.loc[a.six_months["crime_type"] == "Drugs", "latest"].item() == sum(
        (sample_study.crimes["crime_type"] == "Drugs")
        & (sample_study.crimes["month"] >= pd.Period("2022-05", "M"))
    )
    assert "Priorities" in a.commentary
    assert set(a.flags["flag"]) <= {
        "worse than England",
        "worsening",
        "worse than England and worsening",
    }


def test_short_period_assessment_says_what_is_missing() -> None:
    from indicator_paths import SAMPLE

    from workbench.study import Study

    study = Study.from_toml(SAMPLE / "area.toml", period_start="2022-02", period_end="2022-10")
    a = strategic_assessment(study)
    assert a.hot_spots.empty and "18 months" in " ".join(a.notes)
    assert not a.six_months.empty  # nine months: six-month windows, but no year earlier
    assert a.six_months["year_earlier"].isna().all()
    assert set(a.priorities["rule"]) <= {"R3", "R6"} and not (a.priorities["rule"] == "R3").any()


def test_second_study_short_period_has_no_indicators_but_an_assessment() -> None:
    """Oadby and Wigston (no [indicators], no partnership tables), ten months: nothing to
    compare, no 12-month window, no hot spot periods; the assessment still says so."""
    from indicator_paths import SAMPLE

    from workbench.indicators import study_indicators
    from workbench.study import Study

    study = Study.from_toml(
        SAMPLE / "area_oadby_wigston.toml", period_start="2022-01", period_end="2022-10"
    )
    ind = study_indicators(study)
    assert ind.values.empty and ind.comparison.empty and not ind.has_england
    assert not ind.has_trends
    assert ind.similar is None and ind.outcomes is None
    a = strategic_assessment(study, comparison=ind.comparison, treatment=ind.treatment)
    assert a.flag_table().empty and list(a.flag_table().columns)[-2:] == ["flag", "currency"]
    assert len(a.six_months) and a.hot_spots.empty and a.notes
