"""Disclosure descriptions (TableSpec) of the tables the indicators theme and assessment publish.

Each function returns the :class:`~workbench.disclosure.spec.TableSpec` of the matching
table of ``workbench.indicators``, which carries it with the table as a
:class:`~workbench.disclosure.Described` (``StudyIndicators.described``,
``Assessment.described``, :func:`~workbench.indicators.search_disparity`,
:func:`~workbench.indicators.catalogue.catalogue_table`): the description is written
beside the indicators code, never paired with a table by hand in a notebook.
"""

from __future__ import annotations

from dataclasses import replace

from workbench.disclosure.spec import Count, Derived, TableSpec

__all__ = [
    "text_only",
    "comparison",
    "similar_areas",
    "drug_outcomes",
    "indicator_values",
    "stop_search_disparity",
    "six_months",
    "hot_spots",
]


def text_only(*dims: str) -> TableSpec:
    """A table of text (name matches, the catalogue, priorities): nothing to protect."""
    return TableSpec(dims=dims, source="open")


def _value_columns(source: str, safe: tuple[str, ...] = ()) -> TableSpec:
    """Rows of ``VALUE_COLUMNS``: count and denominator are counts; value and limits derive."""
    both = ("count", "denominator")
    return TableSpec(
        dims=("indicator", "period", "area_name"),
        counts={"count": Count(), "denominator": Count()},
        derived={c: Derived(both) for c in ("value", "lower", "upper")},
        safe=safe,
        source=source,
    )


def comparison() -> TableSpec:
    """:func:`workbench.indicators.compare_with_england` (it may hold partnership rows)."""
    spec = _value_columns(
        "partnership",
        safe=(
            "england",
            "england_lower",
            "england_upper",
            "trend_p",
            "trend_n",
            "region_value",
            "region_lower",
            "region_upper",
            "n_areas",
            "area_min",
            "area_q25",
            "area_q75",
            "area_max",
        ),
    )
    return TableSpec(
        dims=("indicator", "area", "period"),
        counts=spec.counts,
        derived=spec.derived,
        safe=spec.safe,
        source="partnership",
    )


#: Rows of the treatment indicators that count the same people as the need tables: the
#: run audit links them (``TableSpec.rows``), as an outside attacker does (issue 26: the
#: sample's waiting times of one service came back from the service table's total minus the
#: shown services plus these modality rows).
LINKED_ROWS = {
    "key": "indicator",
    "values": {
        "waits_within_target": {
            "counts": {"count": "waits.within_target", "denominator": "waits.started"},
            "dims": {"financial_year": "period"},
            "split": {"column": "note", "into": ["cohort", "modality"]},
        },
        "young_people_tier3": {
            "counts": {"count": "yp.tier3_within_10_days", "denominator": "yp.tier3_referred"},
            "dims": {"financial_year": "period"},
        },
    },
}


def indicator_values(source: str = "partnership") -> TableSpec:
    """Rows of :data:`workbench.indicators.national.VALUE_COLUMNS` (e.g. treatment indicators)."""
    return replace(_value_columns(source), rows=LINKED_ROWS)


def similar_areas() -> TableSpec:
    """:func:`workbench.indicators.similar_areas`: published area statistics only."""
    return TableSpec(
        dims=("area_name",),
        safe=(
            "rank",
            "imd_score",
            "population",
            "imd_diff_sd",
            "size_diff_sd",
            "distance",
        ),
        source="open",
    )


def drug_outcomes() -> TableSpec:
    """The outcome table of :func:`workbench.indicators.drug_outcomes` (police.uk)."""
    return TableSpec(
        dims=("outcome",),
        counts={"offences": Count()},
        derived={"share": Derived(("offences",))},
        source="open",
        units={"share": "percent"},  # offences / all drug offences x 100
    )


def stop_search_disparity(per: float = 1_000) -> TableSpec:
    """:func:`workbench.indicators.search_disparity` (police.uk stop and search)."""
    derived = {
        "rate": Derived(("searches",), "rate", population="population", per=per),
        "lower": Derived(("searches",)),
        "upper": Derived(("searches",)),
        "ratio": Derived(("searches",)),
        "ratio_lower": Derived(("searches",)),
        "ratio_upper": Derived(("searches",)),
        # percentages (x 100): not the fractions the audit's share and Wilson kinds invert
        "linked_rate": Derived(("linked", "linked_known")),
        "linked_lower": Derived(("linked", "linked_known")),
        "linked_upper": Derived(("linked", "linked_known")),
    }
    return TableSpec(
        dims=("group",),
        counts={
            "searches": Count("stop_search.searches"),
            "linked_known": Count(part_of="searches"),
            "linked": Count(part_of="linked_known"),
        },
        derived=derived,
        safe=("population",),
        totals={"group": "All"},
        source="open",
        units={
            **{c: "percent" for c in ("linked_rate", "linked_lower", "linked_upper")},
            **{c: "ratio" for c in ("ratio", "ratio_lower", "ratio_upper")},
        },
    )


def six_months() -> TableSpec:
    """:func:`workbench.indicators.six_month_comparison` (police.uk counts)."""
    return TableSpec(
        dims=("crime_type",),
        counts={"latest": Count(), "previous": Count(), "year_earlier": Count()},
        derived={
            "change_previous_pct": Derived(("latest", "previous")),
            "p_previous": Derived(("latest", "previous")),
            "change_year_pct": Derived(("latest", "year_earlier")),
            "p_year": Derived(("latest", "year_earlier")),
        },
        totals={"crime_type": "All crime and anti-social behaviour"},
        source="open",
        units={
            "change_previous_pct": "percent",
            "change_year_pct": "percent",
            "p_previous": "p",
            "p_year": "p",
        },
    )


def hot_spots() -> TableSpec:
    """:func:`workbench.indicators.deprived_hot_spots` (police.uk counts by LSOA)."""
    return TableSpec(
        dims=("lsoa_code",),
        counts={"count_p1": Count(), "count_p2": Count(), "count_p3": Count()},
        derived={"rate_p3": Derived(("count_p3",))},
        safe=("imd_decile",),
        incomplete=("lsoa_code",),
        source="open",
    )
