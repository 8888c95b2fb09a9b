"""Numbers shown as what they are (issue 20 item 5): one formatter driven by each table's own
description; no share shown above 100% or below 0%, no p-value shown as 0."""

from __future__ import annotations

import pandas as pd
from number_scan import prose_problems, report_prose, scan_run, table_problems, text_problems

from workbench.disclosure.spec import Count, Derived, Described, TableSpec
from workbench.display import TableCaptions, format_value, people_table


class _Writer:
    """An Outputs stand-in: ``table`` returns the frame as written."""

    def table(self, name, result, **kwargs):
        return result.frame.copy()


def _shown(result: Described) -> pd.DataFrame:
    captions = TableCaptions("Testshire", "2023")
    out = captions.watch(_Writer())
    shown = out.table("outcomes", result)
    return people_table(shown, kinds=captions.kinds(shown)).data


def test_a_share_held_as_a_percentage_is_not_multiplied_again():
    # drug offence outcomes: offences / all x 100, as workbench.indicators.drug_outcomes
    # writes it; a share column the old header regex multiplied by 100 again (2750.0%)
    frame = pd.DataFrame({"outcome": ["Charged", "No further action"], "offences": [11, 29]})
    frame["share"] = frame["offences"] / 40 * 100
    spec = TableSpec(
        dims=("outcome",),
        counts={"offences": Count()},
        derived={"share": Derived(("offences",))},
        units={"share": "percent"},
    )
    shown = _shown(Described(frame, spec))
    assert shown["Share"].tolist() == ["27.5%", "72.5%"]
    # without the description the name decides, as before: the defect this replaces
    assert people_table(frame).data["Share"].tolist() == ["2750.0%", "7250.0%"]


def test_kinds_come_from_the_description():
    frame = pd.DataFrame(
        {
            "group": ["a", "b"],
            "x": [3.0, 12.0],
            "n": [40.0, 50.0],
            "share": [0.075, 0.24],
            "lower": [0.026, 0.143],
            "upper": [0.199, 0.374],
            "p_previous": [0.00004, 0.5],
            "year_earlier": [4829.0, 12.0],
        }
    )
    spec = TableSpec(
        dims=("group",),
        counts={"x": Count(), "n": Count(), "year_earlier": Count()},
        derived={
            "share": Derived(("x", "n"), "share"),
            "lower": Derived(("x", "n"), "wilson_lower"),
            "upper": Derived(("x", "n"), "wilson_upper"),
            "p_previous": Derived(("x", "n")),
        },
        units={"p_previous": "p"},
    )
    assert spec.unit("share") == "share" and spec.unit("x") == "count"
    assert spec.unit("p_previous") == "p" and spec.unit("group") is None
    shown = _shown(Described(frame, spec))
    assert shown["Share"].tolist() == ["7.5%", "24.0%"]
    assert shown["Share: 95% interval"].tolist() == ["2.6% to 19.9%", "14.3% to 37.4%"]
    assert shown["P previous"].tolist() == ["<0.001", "0.500"]
    assert shown["Year earlier"].tolist() == ["4,829", "12"]


def test_units_follow_renames_and_json():
    spec = TableSpec(counts={"n": Count()}, units={"pct": "percent"}, safe=("pct",))
    assert spec.rename({"pct": "percent_charged"}).units == {"percent_charged": "percent"}
    assert TableSpec.from_dict(spec.to_dict()).units == {"pct": "percent"}
    assert spec.restricted(["n"]).units == {}


def test_p_value_never_reads_zero():
    assert format_value(1e-9, "p") == "<0.001"
    assert format_value(0.0, "p") == "<0.001"
    assert people_table(pd.DataFrame({"p_previous": [1e-6]})).data.iloc[0, 0] == "<0.001"


def test_the_scan_finds_what_it_looks_for():
    html = (
        "<table><tr><th>Share</th><th>Change</th><th>p-value</th></tr>"
        "<tr><td>2750.0%</td><td>150.0%</td><td>0.000</td></tr></table>"
    )
    found = table_problems(html, "t")
    assert len(found) == 2 and "2750.0%" in found[0] and "p-value shown as 0.000" in found[1]
    assert text_problems("42.0% of offences; up 150% on last year", "t") == []
    assert len(text_problems("2750.0% of offences", "t")) == 1


def test_the_scan_finds_p_values_as_zero_and_scientific_notation():
    # the strategic assessment's priorities before issue 25: "p = 2.12e-07" in the evidence
    html = (
        "<table><tr><th>Evidence</th><th>p-value</th></tr>"
        "<tr><td>645 against 471 (+37%, p = 2.12e-07)</td><td>0.00</td></tr></table>"
    )
    found = table_problems(html, "t")
    assert len(found) == 2 and "scientific notation" in found[0] and "0.00" in found[1]
    assert len(prose_problems("a rise (p = 1.85e-06) and p = 0.000", "t")) == 2
    assert prose_problems("a rise (p < 0.001), p = 0.012, 1,234 offences, 2e3x", "t") == []
    # code cells, scripts and styles are not prose
    page = (
        '<details class="wb-code"><pre>x = 1e-9</pre></details><script>var a = 1e-10;</script>'
        "<p>p = 0.041</p>"
    )
    assert prose_problems(report_prose(page), "t") == []


def test_p_values_in_sentences_are_never_zero_or_scientific():
    # the assessment's evidence, written with the one formatter (workbench.numbers)
    from workbench.indicators.assessment import candidate_priorities

    six = pd.DataFrame(
        {
            "crime_type": ["Drugs", "Robbery"],
            "latest": [645, 90],
            "latest_months": ["2022-05 to 2022-10"] * 2,
            "year_earlier": [471, 60],
            "change_year_pct": [36.9, 50.0],
            "p_year": [2.12e-07, 0.0412],
        }
    )
    evidence = " ".join(candidate_priorities(six_months=six)["evidence"])
    assert "p < 0.001" in evidence and "p = 0.041" in evidence
    assert prose_problems(evidence, "priorities") == []


def test_no_share_outside_0_to_100_and_no_zero_p_in_a_sample_run(sample_report, capsys):
    problems, files = scan_run(sample_report)
    with capsys.disabled():
        print(f"\nnumber scan: {files} file(s), {len(problems)} problem(s)")
    assert files >= 10
    assert problems == [], problems[:10]
