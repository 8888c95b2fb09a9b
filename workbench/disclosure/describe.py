"""The disclosure description of each analysis result the workbench publishes.

One function per analysis function, named after it, returning the
:class:`~workbench.disclosure.spec.TableSpec` of its result: which columns identify a row,
which count people or events (and the measure they count, so that the same number in two
tables, or its total, is recognised), which are derived from counts, which are safe. A
notebook passes it with the result to :meth:`workbench.outputs.Outputs.table`; a renamed
column is renamed in the spec with :meth:`TableSpec.rename`, and a numeric column the spec
does not describe stops the export, so no column escapes suppression by being renamed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from workbench.disclosure.spec import ALL, Count, Derived, TableSpec

__all__ = [
    "capacity_table",
    "POLICE_OFFENCES",
    "in_months",
    "monthly_police",
    "collection_times",
    "compare_methods",
    "compare_periods",
    "decile_groups",
    "deprivation_by_layer",
    "deprivation_reach",
    "emerging_summary",
    "hotspot_lsoas",
    "monthly_counts",
    "rank_areas",
    "reach_by_decile",
    "representation",
    "seasonality",
    "service_beyond",
    "top_zones",
    "unmet_need",
    "waiting_times",
    "young_people_access",
]


def decile_groups() -> dict[str, tuple[str, ...]]:
    """``"20% most deprived"`` -> national IMD deciles ``("1", "2")`` (10% to 100%)."""
    return {
        f"{10 * k}% most deprived": tuple(str(d) for d in range(1, k + 1)) for k in range(1, 11)
    }


def _wilson(num: str, den: str, share: str, lower: str, upper: str) -> dict[str, Derived]:
    return {
        share: Derived((num, den), "share"),
        lower: Derived((num, den), "wilson_lower"),
        upper: Derived((num, den), "wilson_upper"),
    }


def compare_periods(by: str = "crime_type", measure: str | None = None) -> TableSpec:
    """:func:`workbench.stats.compare_periods` (police counts: open data)."""
    compared = ("compared_count", "compared_previous_count")
    derived = {c: Derived(compared) for c in ("change", "pct_change")}
    derived.update({c: Derived(("count",)) for c in ("rate", "lower", "upper")})
    derived["previous_rate"] = Derived(("previous_count",))
    return TableSpec(
        dims=(by, "period"),
        counts={
            "count": Count(measure),
            "previous_count": Count(),
            "compared_count": Count(),
            "compared_previous_count": Count(),
        },
        derived=derived,
        # how many months each period holds: coverage, not counts of people or events
        safe=("months_expected", "months_observed", "previous_months_observed", "months_compared"),
        source="open",
    )


def monthly_counts(column: str = "count") -> TableSpec:
    """:func:`workbench.stats.monthly_counts` of police records (one count column)."""
    return TableSpec(dims=("month",), counts={column: Count()}, source="open")


def seasonality() -> TableSpec:
    """:func:`workbench.stats.seasonality`: monthly minimum and maximum are counts."""
    return TableSpec(
        dims=("crime_type", "month_of_year"),
        counts={"min": Count(), "max": Count()},
        derived={"mean": Derived(("min", "max")), "seasonal_index": Derived(("min", "max"))},
        safe=("years", "years_observed"),
        source="open",
    )


def emerging_summary() -> TableSpec:
    """:func:`workbench.hotspots.emerging_summary` (grid cells are not people)."""
    return TableSpec(
        dims=("category",), counts={"offences": Count()}, safe=("cells",), source="open"
    )


def hotspot_lsoas() -> TableSpec:
    """:func:`workbench.deprivation.hotspot_lsoas`: LSOAs with persistent/emerging hot spots."""
    return TableSpec(
        dims=("lsoa_code", "category"),
        counts={"offences": Count()},
        safe=("cells", "imd_decile"),
        incomplete=("lsoa_code",),
        source="open",
    )


def compare_methods() -> TableSpec:
    """:func:`workbench.hotspots.compare_methods`: shares and indices over whole periods."""
    return TableSpec(
        dims=("method",),
        safe=("cells", "area_share", "hit_rate_fit", "pai_fit", "hit_rate_test", "pai_test", "rri"),
        source="open",
    )


def _rate(per: float, *more: str) -> dict[str, Derived]:
    """``rate`` of ``count`` per ``per`` of ``population`` with its limits (and ``more``)."""
    return {
        "rate": Derived(("count",), "rate", "population", per),
        **{c: Derived(("count",)) for c in ("lower", "upper", *more)},
    }


def top_zones(per: float = 10_000) -> TableSpec:
    """:func:`workbench.hotspots.top_zones`: the top LSOAs only (not every member listed)."""
    return TableSpec(
        dims=("lsoa_code",),
        counts={"count": Count()},
        derived=_rate(per),
        safe=("population", "imd_decile"),
        incomplete=("lsoa_code",),
        source="open",
    )


def rank_areas(per: float = 10_000) -> TableSpec:
    """:func:`workbench.hotspots.rank_areas` (wards)."""
    return TableSpec(
        dims=("ward_code",),
        counts={"count": Count()},
        derived=_rate(per, "rank"),
        safe=("population",),
        source="open",
    )


def deprivation_by_layer(
    kind: str = "most_deprived_share",
    label: str = "layer",
    *,
    per: float = 10_000,
    partnership: bool = False,
    measure: str = "events by layer",
) -> TableSpec:
    """:func:`workbench.deprivation.by_layer` (``kind`` = its ``kind``).

    ``partnership=True`` when a layer comes from a partnership table (needle finds): the
    whole table is then protected. The counts of both kinds share ``measure`` (cells of the
    same layer and decile, or group of deciles, are the same number).
    """
    source = "partnership" if partnership else "open"
    if kind == "decile_profile":
        return TableSpec(
            dims=(label, "imd_decile"),
            counts={"count": Count(measure)},
            derived=_rate(per, "share_of_events", "ratio"),
            safe=("lsoas", "population", "share_of_population"),
            dim_names={label: "layer"},
            source=source,
        )
    return TableSpec(
        dims=(label, "group"),
        counts={"count": Count(measure), "total_count": Count(measure, fixed={"group": ALL})},
        derived={
            **_wilson("count", "total_count", "share_of_events", "lower", "upper"),
            "ratio": Derived(("count", "total_count")),
        },
        safe=("share_of_population", "lsoas", "population", "total_population"),
        member_sets={"group": decile_groups()},
        dim_names={label: "layer", "group": "imd_decile"},
        source=source,
    )


def unmet_need() -> TableSpec:
    """:func:`workbench.need.unmet_need`: unmet percentages reveal the treatment count."""
    return TableSpec(
        dims=("substance_group",),
        counts={"in_treatment": Count("unmet_need.in_treatment")},
        derived={
            c: Derived(("in_treatment",))
            for c in ("unmet_pct", "unmet_pct_at_lower", "unmet_pct_at_upper")
        },
        safe=("estimate", "lower_95", "upper_95"),
    )


def waiting_times(by: str | Sequence[str] = ()) -> TableSpec:
    """:func:`workbench.need.waiting_times` with its ``by`` grouping."""
    by = [by] if isinstance(by, str) else list(by)
    return TableSpec(
        dims=("financial_year", "cohort", *by),
        counts={
            "started": Count("waits.started"),
            "within_target": Count("waits.within_target", part_of="started"),
        },
        derived={
            **_wilson("within_target", "started", "share", "lower", "upper"),
            "below_standard": Derived(("within_target", "started")),
        },
        safe=("blank_rows",),
    )


def collection_times() -> TableSpec:
    """:func:`workbench.need.collection_times` (needle finds: a partnership table)."""
    return TableSpec(
        dims=("year",),
        counts={
            "finds": Count("needles.finds"),
            "within_target": Count("needles.within_target", part_of="finds"),
        },
        derived={
            **_wilson("within_target", "finds", "proportion", "lower", "upper"),
            "median_hours": Derived(("finds",)),
            "p90_hours": Derived(("finds",)),
        },
    )


def young_people_access(by: str | Sequence[str] = "ward", per: float = 10_000) -> TableSpec:
    """:func:`workbench.need.young_people_access` grouped ``by`` ward and/or group."""
    by = [by] if isinstance(by, str) else list(by)
    dims = ["financial_year"] + [{"ward": "ward_code"}.get(b, b) for b in by]
    return TableSpec(
        dims=tuple(dims),
        counts={
            "cohort": Count("yp.cohort"),
            "tier2_reached": Count("yp.tier2_reached", part_of="cohort"),
            "tier3_referred": Count("yp.tier3_referred"),
            "tier3_within_10_days": Count("yp.tier3_within_10_days", part_of="tier3_referred"),
        },
        derived={
            "cohort_rate": Derived(("cohort",), "rate", "population_10_17", per),
            "cohort_rate_lower": Derived(("cohort",)),
            "cohort_rate_upper": Derived(("cohort",)),
            **_wilson("tier2_reached", "cohort", "tier2_share", "tier2_lower", "tier2_upper"),
            **_wilson(
                "tier3_within_10_days",
                "tier3_referred",
                "tier3_10d_share",
                "tier3_10d_lower",
                "tier3_10d_upper",
            ),
        },
        safe=("population_10_17",),
    )


def representation(group_column: str, measure: str = "treatment.in_treatment") -> TableSpec:
    """:func:`workbench.need.representation` by ``group_column`` (with its Total row).

    Tables by sex and by age band count the same people (one ``measure``: their totals
    are one cell); pass another ``measure`` for a breakdown with another total (ethnicity
    recorded).
    """
    from workbench.need.representation import REPRESENTATION_SHARES

    # the flag (under/over-represented) is read from the ratio's interval: derived too
    derived = {c: Derived(("in_treatment",)) for c in (*REPRESENTATION_SHARES, "flag")}
    return TableSpec(
        dims=(group_column,),
        counts={"in_treatment": Count(measure)},
        derived=derived,
        safe=("population", "share_population"),
        totals={group_column: "Total"},
    )


def deprivation_reach() -> TableSpec:
    """``need.deprivation_reach(...).shares``: treatment in the most deprived deciles."""
    return TableSpec(
        dims=("group",),
        counts={
            "count": Count("treatment_by_lsoa.count"),
            "total_count": Count("treatment_by_lsoa.count", fixed={"group": ALL}),
        },
        derived={
            **_wilson("count", "total_count", "share_of_events", "lower", "upper"),
            **{
                c: Derived(("count", "total_count"))
                for c in ("ratio", "ratio_lower", "ratio_upper")
            },
        },
        safe=("lsoas", "population", "total_population", "share_of_population"),
        member_sets={"group": decile_groups()},
        dim_names={"group": "imd_decile"},
    )


def reach_by_decile(per: float = 10_000) -> TableSpec:
    """``need.deprivation_reach(...).by_decile``: treatment by national IMD decile."""
    return TableSpec(
        dims=("imd_decile",),
        counts={"count": Count("treatment_by_lsoa.count")},
        derived=_rate(per, "share_of_events", "ratio"),
        safe=("lsoas", "population", "share_of_population"),
    )


def service_beyond() -> TableSpec:
    """``need.service_access(...).beyond``: populations, not counts of people in services."""
    return TableSpec(
        dims=("service_type", "band_km"),
        safe=("band_km", "lsoas_beyond", "population_beyond", "share_beyond"),
    )


def capacity_table() -> TableSpec:
    """:func:`workbench.need.capacity_table`: caseload is a count of people."""
    return TableSpec(
        dims=("service_id",),
        counts={"caseload": Count("services.caseload")},
        derived={"caseload_pct_of_capacity": Derived(("caseload",))},
        safe=("capacity", "tier", "median_wait_weeks"),
    )


#: What police.uk monthly counts and their sums over periods count: one measure, so a
#: quarter, a 12-month window and a district's month are sums or parts of the months.
POLICE_OFFENCES = "police offences"


def monthly_police(by: str = "crime_type", area: str | None = None) -> TableSpec:
    """:func:`workbench.stats.monthly_table` (or a district version with ``area``).

    One row per (``area``,) ``by`` and month, ``count`` counting :data:`POLICE_OFFENCES`:
    the study's month is the margin of the districts' months, and each month is a member
    of the quarters and 12-month windows linked with :func:`in_months`, so no table of the
    run gives a withheld month back.
    """
    dims = (*([area] if area else []), by, "month")
    return TableSpec(dims=dims, counts={"count": Count(POLICE_OFFENCES)}, source="open")


def in_months(
    spec: TableSpec,
    frame: Any,
    *,
    period: str = "period",
    count: str = "count",
    measure: str = POLICE_OFFENCES,
    area: str | None = None,
    all_areas: str = "All districts",
) -> TableSpec:
    """``spec`` of a :func:`workbench.stats.compare_periods` table with its counts linked to
    the monthly counts: the ``count`` of a period is the sum of its months.

    ``frame`` is the table (its ``period``, ``first_month`` and ``last_month`` columns give
    each period's months). The period dimension is named ``month`` and each period stands
    for its months (``member_sets``); ``count`` counts ``measure``
    (:data:`POLICE_OFFENCES`, as :func:`monthly_police`). ``area``: a column naming the
    district of each row (:func:`workbench.districts.key_figures_by_district`), whose
    ``all_areas`` rows are the whole study.
    """
    import pandas as pd

    members = {
        str(p): tuple(str(m) for m in pd.period_range(str(f), str(last), freq="M"))
        for p, f, last in zip(frame[period], frame["first_month"], frame["last_month"], strict=True)
    }
    counts = dict(spec.counts)
    counts[count] = replace(counts[count], measure=measure)
    linked = replace(
        spec,
        counts=counts,
        dim_names={**spec.dim_names, period: "month"},
        member_sets={**spec.member_sets, period: members},
    )
    if area is not None:
        linked = replace(linked.with_dims(area), totals={**linked.totals, area: all_areas})
    return linked
