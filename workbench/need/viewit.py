"""Treatment on NDTMS ViewIt exports: numbers and trend, waits, exits and completions,
representation by ethnic group, disability and sexuality.

Every function takes a :class:`workbench.loaders.ndtms.ViewIt` and reads the tool's own
``Total`` rows (never adding sex or age rows again). ``NULL`` (not collected) stays missing.
Local authority counts are rounded to the nearest 5 at source: a share of two rounded counts
is more uncertain than its Wilson interval says (each count may be off by up to 2), which
:func:`rounding_note` states in words for every table.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from workbench.disclosure.spec import Count, Derived, Described, TableSpec, wilson_columns
from workbench.errors import WorkbenchError
from workbench.loaders.ndtms import ViewIt
from workbench.need.representation import representation
from workbench.stats.rates import proportion
from workbench.stats.trend import mann_kendall

__all__ = [
    "DRUG_GROUP_LABELS",
    "ETHNIC_GROUPS",
    "EXIT_REASONS",
    "completions",
    "profile_vs_england",
    "published_unmet_need",
    "treatment_numbers_chart",
    "exits_by_reason",
    "new_presentation_profile",
    "TREND_MEASURES",
    "rounding_note",
    "treatment_numbers",
    "treatment_trend",
    "viewit_representation",
    "viewit_treatment_demographics",
    "waits_within_target",
]

logger = logging.getLogger(__name__)

#: Drug groups of the ViewIt exports -> labels for people.
DRUG_GROUP_LABELS = {
    "opiate": "Opiate",
    "non_opiate_only": "Non-opiate only",
    "non_opiate_and_alcohol": "Non-opiate and alcohol",
    "alcohol_only": "Alcohol only",
    "total": "All drug groups",
}
#: Ethnic group columns (people in treatment) -> the Census 2021 broad groups.
ETHNIC_GROUPS = {
    "eth_white_allintx": "White",
    "eth_mixed_allintx": "Mixed",
    "eth_asian_allintx": "Asian",
    "eth_black_allintx": "Black",
    "eth_other_allintx": "Other",
}
#: Exit reasons of the export (``exits_<reason>_allintx``) -> labels.
EXIT_REASONS = {
    "successfulcompletion": "Successful completion",
    "droppedout": "Dropped out",
    "treatmentdeclined": "Treatment declined",
    "treatmentwithdrawn": "Treatment withdrawn",
    "prison": "Prison",
    "transferredincustody": "Transferred in custody",
    "transferrednotincustody": "Transferred (not in custody)",
    "referredon": "Referred on",
    "movedaway": "Moved away",
    "died": "Died",
    "noappropriatetreatment": "No appropriate treatment",
    "notknown": "Not known",
    "other": "Other",
    "inconsistent": "Inconsistent data",
}
_PROFILES = {
    "disability": {
        "disability_any_newtx": "Any disability",
        "disability_nodisability_newtx": "No disability",
        "disability_notstated_newtx": "Not stated",
        "disability_allmissing_newtx": "Missing",
    },
    "sexuality": {
        "sexuality_hetero_newtx": "Heterosexual",
        "sexuality_gaylesbian_newtx": "Gay or lesbian",
        "sexuality_bi_newtx": "Bisexual",
        "sexuality_other_newtx": "Other",
        "sexuality_notstated_newtx": "Not stated",
        "sexuality_missing_newtx": "Missing",
    },
}


def rounding_note(export: ViewIt) -> str:
    """One sentence on source rounding for a table made from ``export``.

    Examples
    --------
    >>> import pandas as pd
    >>> rounding_note(ViewIt(pd.DataFrame(), "England", "e.csv", None, {}))
    'England counts from e.csv are exact (not rounded).'
    """
    if export.rounded_to is None:
        return f"{export.area} counts from {export.file} are exact (not rounded)."
    return (
        f"{export.area} counts from {export.file} are rounded to the nearest "
        f"{export.rounded_to} at source (NDTMS), so each may be off by up to "
        f"{export.rounded_to // 2}: a share of two rounded counts is more uncertain than its "
        "Wilson interval shows, most of all for small counts."
    )


def _need(export: ViewIt, *columns: str) -> None:
    missing = [c for c in columns if c not in export.frame.columns]
    if missing:
        raise WorkbenchError(f"{export.file} has no column {missing} (export it from ViewIt)")


def _years(export: ViewIt, years: Sequence[str] | str | None) -> list[str]:
    if years is None:
        return export.years
    years = [years] if isinstance(years, str) else list(years)
    unknown = [y for y in years if y not in export.years]
    if unknown:
        raise WorkbenchError(f"{export.file} has no year {unknown}; it has {export.years}")
    return years


def _totals(export: ViewIt, years: Sequence[str] | str | None = None) -> pd.DataFrame:
    t = export.totals().reset_index()
    return t[t["financial_year"].isin(_years(export, years))]


def _label(frame: pd.DataFrame) -> pd.DataFrame:
    order = {g: i for i, g in enumerate(DRUG_GROUP_LABELS)}
    frame = frame.assign(_order=frame["drug_group"].map(order))
    frame = frame.sort_values(["financial_year", "_order"]).drop(columns="_order")
    frame["drug_group"] = frame["drug_group"].map(DRUG_GROUP_LABELS)
    return frame.reset_index(drop=True)


def treatment_numbers(export: ViewIt, years: Sequence[str] | str | None = None) -> Described:
    """Adults in treatment and new presentations, by year and drug group.

    Returns
    -------
    Described
        ``financial_year``, ``drug_group``, ``in_treatment`` (``intreatment_allintx``),
        ``new_presentations`` (``newpresentation_newtx``) from the tool's Total sex x Total
        age rows; ``All drug groups`` is the tool's total (not the sum of the four groups).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"financial_year": ["2021-22"], "sex": ["Total"],
    ...     "age_group": ["Total"], "drug_group": ["opiate"],
    ...     "intreatment_allintx": pd.array([605], "Int64"),
    ...     "newpresentation_newtx": pd.array([150], "Int64")})
    >>> row = treatment_numbers(ViewIt(rows, "Barnet", "b.csv", 5, {})).frame.iloc[0]
    >>> [str(v) for v in row.tolist()]
    ['2021-22', 'Opiate', '605', '150']
    """
    _need(export, "intreatment_allintx", "newpresentation_newtx")
    t = _totals(export, years)
    frame = _label(
        t[["financial_year", "drug_group", "intreatment_allintx", "newpresentation_newtx"]]
        .rename(
            columns={
                "intreatment_allintx": "in_treatment",
                "newpresentation_newtx": "new_presentations",
            }
        )
        .copy()
    )
    spec = TableSpec(
        dims=("financial_year", "drug_group"),
        counts={
            "in_treatment": Count("viewit.in_treatment"),
            "new_presentations": Count("viewit.new_presentations"),
        },
        totals={"drug_group": DRUG_GROUP_LABELS["total"]},
    )
    return Described(frame, spec)


#: Measures of :func:`treatment_trend` -> labels.
TREND_MEASURES = {
    "intreatment_allintx": "Adults in treatment",
    "newpresentation_newtx": "New presentations",
}


def treatment_trend(
    export: ViewIt, measures: Sequence[str] | str = tuple(TREND_MEASURES)
) -> Described:
    """Mann-Kendall trend of numbers in treatment and new presentations, per drug group.

    Conventions
    -----------
    Two-sided Mann-Kendall test (tie-corrected, :func:`workbench.stats.trend.mann_kendall`)
    over every year the measure was collected (``NULL`` years left out; fewer than 3 years:
    no row), on the tool's Total rows. The first and last counts are shown with their years.
    """
    measures = [measures] if isinstance(measures, str) else list(measures)
    _need(export, *measures)
    t = _totals(export)
    order = {v: i for i, v in enumerate(DRUG_GROUP_LABELS)}
    rows = []
    for measure in measures:
        for group in sorted(t["drug_group"].unique(), key=order.get):
            part = t[t["drug_group"] == group].set_index("financial_year")[measure]
            s = part.astype("float64").dropna().sort_index()
            if len(s) < 3:
                continue
            mk = mann_kendall(s.to_numpy())
            rows.append(
                {
                    "measure": TREND_MEASURES.get(measure, measure),
                    "drug_group": DRUG_GROUP_LABELS[group],
                    "first_year": s.index[0],
                    "first_count": s.iloc[0],
                    "last_year": s.index[-1],
                    "last_count": s.iloc[-1],
                    "years": len(s),
                    "tau": mk.tau,
                    "p": mk.p,
                    "trend": mk.trend,
                }
            )
    spec = TableSpec(
        dims=("measure", "drug_group"),
        counts={"first_count": Count(None), "last_count": Count(None)},
        derived={c: Derived(("first_count", "last_count")) for c in ("tau", "p", "trend")},
        safe=("years",),
    )
    return Described(pd.DataFrame(rows), spec)


def waits_within_target(
    export: ViewIt,
    years: Sequence[str] | str | None = None,
    *,
    standard: float | None = None,
    conf: float = 0.95,
) -> Described:
    """Share of new presentations waiting 3 weeks or less for their first intervention.

    Conventions
    -----------
    started = the three wait bands of ``waitsfirst_*_newtx`` added (3 weeks and under, 3-6,
    over 6: these are disjoint, not totals); share = 3 weeks and under / started, with a
    Wilson interval. A year with any band ``NULL`` is left out. ``below_standard`` is True
    where the whole interval is below ``standard``.
    """
    bands = ["waitsfirst_3weeksandunder_newtx", "waitsfirst_3to6weeks_newtx",
             "waitsfirst_over6weeks_newtx"]  # fmt: skip
    _need(export, *bands)
    t = _totals(export, years)
    t = t[t[bands].notna().all(axis=1)]
    started = t[bands].sum(axis=1).astype("float64")
    within = t[bands[0]].astype("float64")
    frame = pd.DataFrame(
        {
            "financial_year": t["financial_year"],
            "drug_group": t["drug_group"],
            "started": started,
            "within_3_weeks": within,
        }
    )
    frame = frame[frame["started"] > 0]
    p = proportion(frame["within_3_weeks"], frame["started"], conf)
    frame["share"], frame["lower"], frame["upper"] = p["proportion"], p["lower"], p["upper"]
    derived = wilson_columns("within_3_weeks", "started", "share", "lower", "upper")
    if standard is not None:
        frame["standard"] = standard
        frame["below_standard"] = frame["upper"] < standard
        derived["below_standard"] = Derived(("within_3_weeks", "started"))
    spec = TableSpec(
        dims=("financial_year", "drug_group"),
        counts={
            "started": Count("viewit.waits_started"),
            "within_3_weeks": Count("viewit.waits_within_3_weeks", part_of="started"),
        },
        derived=derived,
        safe=("standard",) if standard is not None else (),
        totals={"drug_group": DRUG_GROUP_LABELS["total"]},
    )
    return Described(_label(frame), spec)


def exits_by_reason(export: ViewIt, year: str | None = None) -> Described:
    """Exits from treatment in one year by reason and drug group (counts, as exported).

    Reasons not in the export (or ``NULL``) are left out; ``Total`` is the tool's total drug
    group. The share of exits is each reason / all exits of the drug group listed.
    """
    year = year or export.years[-1]
    cols = {f"exits_{k}_allintx": v for k, v in EXIT_REASONS.items()}
    cols = {c: v for c, v in cols.items() if c in export.frame.columns}
    if not cols:
        raise WorkbenchError(f"{export.file} has no exits_* column")
    t = _totals(export, year)
    long = t.melt(["financial_year", "drug_group"], list(cols), "reason", "exits")
    long = long.dropna(subset=["exits"])
    long["reason"] = long["reason"].map(cols)
    wide = long.pivot(index="reason", columns="drug_group", values="exits")
    wide = wide.reindex([v for v in cols.values() if v in wide.index])
    wide = wide[[g for g in DRUG_GROUP_LABELS if g in wide.columns]]
    wide.columns = [DRUG_GROUP_LABELS[g] for g in wide.columns]
    wide = wide.astype("float64").reset_index()
    wide.insert(0, "financial_year", year)
    groups = [c for c in wide.columns if c in DRUG_GROUP_LABELS.values()]
    spec = TableSpec(
        dims=("financial_year", "reason"),
        counts={g: Count(f"viewit.exits {g}") for g in groups},
    )
    return Described(wide, spec)


def completions(
    export: ViewIt, years: Sequence[str] | str | None = None, *, conf: float = 0.95
) -> Described:
    """Successful completions as a share of adults in treatment, by year and drug group.

    Conventions
    -----------
    share = ``exits_successfulcompletion_allintx`` / ``intreatment_allintx`` (both the tool's
    Total rows of the year), Wilson interval. Where the export has the ``scnr_`` figures (the
    completion/representation cohort; ``NULL`` = not collected, e.g. 2021-22 in the Barnet
    export), also ``scnr_re_presentations`` (``scnr_representation_allintx``) as a share of
    ``scnr_completion_allintx``: completions that came back into treatment, as NDTMS
    names them (re-presentation), with a Wilson interval.
    """
    _need(export, "intreatment_allintx", "exits_successfulcompletion_allintx")
    t = _totals(export, years)
    frame = pd.DataFrame(
        {
            "financial_year": t["financial_year"],
            "drug_group": t["drug_group"],
            "in_treatment": t["intreatment_allintx"].astype("float64"),
            "successful_completions": t["exits_successfulcompletion_allintx"].astype("float64"),
        }
    )
    ok = frame["in_treatment"] > 0
    p = proportion(frame.loc[ok, "successful_completions"], frame.loc[ok, "in_treatment"], conf)
    frame["completion_share"] = p["proportion"]
    frame["completion_lower"] = p["lower"]
    frame["completion_upper"] = p["upper"]
    counts = {
        "in_treatment": Count("viewit.in_treatment"),
        "successful_completions": Count("viewit.completions", part_of="in_treatment"),
    }
    derived = wilson_columns("successful_completions", "in_treatment", "completion_share",
                             "completion_lower", "completion_upper")  # fmt: skip
    if {"scnr_completion_allintx", "scnr_representation_allintx"} <= set(t.columns):
        frame["scnr_completions"] = t["scnr_completion_allintx"].astype("float64").to_numpy()
        frame["scnr_re_presentations"] = (
            t["scnr_representation_allintx"].astype("float64").to_numpy()
        )
        ok = frame["scnr_completions"] > 0
        q = proportion(frame.loc[ok, "scnr_re_presentations"], frame.loc[ok, "scnr_completions"])
        frame["re_presentation_share"] = q["proportion"]
        frame["re_presentation_lower"] = q["lower"]
        frame["re_presentation_upper"] = q["upper"]
        counts["scnr_completions"] = Count("viewit.scnr_completions")
        counts["scnr_re_presentations"] = Count("viewit.scnr_representations",
                                               part_of="scnr_completions")  # fmt: skip
        derived.update(
            wilson_columns(
                "scnr_re_presentations",
                "scnr_completions",
                "re_presentation_share",
                "re_presentation_lower",
                "re_presentation_upper",
            )  # fmt: skip
        )
    spec = TableSpec(
        dims=("financial_year", "drug_group"),
        counts=counts,
        derived=derived,
        totals={"drug_group": DRUG_GROUP_LABELS["total"]},
    )
    return Described(_label(frame), spec)


def viewit_treatment_demographics(export: ViewIt, year: str | None = None) -> pd.DataFrame:
    """Numbers in treatment by ethnic group in the ``treatment_demographics`` template layout.

    One row per ethnic group from the tool's Total x Total x all-drug-groups row of ``year``
    (``financial_year``, ``substance_group`` = ``all``, ``sex`` / ``age_band`` = ``all``,
    ``ethnicity``, ``in_treatment``), plus ``Not stated`` = in treatment − the five groups
    (from rounded counts when the export is rounded; never below 0). NULL stays missing.
    """
    _need(export, "intreatment_allintx", *ETHNIC_GROUPS)
    year = year or export.years[-1]
    row = _totals(export, year).set_index("drug_group").loc["total"]
    groups = {v: row[c] for c, v in ETHNIC_GROUPS.items()}
    if any(pd.isna(v) for v in groups.values()) or pd.isna(row["intreatment_allintx"]):
        raise WorkbenchError(f"{export.file}: ethnic groups not collected in {year}")
    rest = max(int(row["intreatment_allintx"]) - int(sum(groups.values())), 0)
    groups["Not stated"] = rest
    return pd.DataFrame(
        {
            "financial_year": year,
            "substance_group": "all",
            "sex": "all",
            "age_band": "all",
            "ethnicity": list(groups),
            "in_treatment": [int(v) for v in groups.values()],
        }
    )


def viewit_representation(
    export: ViewIt,
    population: pd.DataFrame,
    england: ViewIt | None = None,
    year: str | None = None,
    *,
    conf: float = 0.95,
) -> Described:
    """People in treatment by ethnic group against the area's population and England's
    treatment population.

    Conventions
    -----------
    :func:`workbench.need.representation` twice on the same treatment counts (the five
    recorded groups; ``Not stated`` left out): once against ``population`` (Census 2021
    usual residents of the area, all ages: the census table has no ethnic group by adult
    age on small areas), once against England's numbers in treatment by ethnic group
    (``england``'s Total rows of the same year, taken as exact). ``ratio`` /
    ``ratio_england`` = share in treatment / comparator share, with the Wilson limits
    divided by the comparator share.
    """
    year = year or export.years[-1]
    tr = viewit_treatment_demographics(export, year)
    measure = f"viewit.in_treatment {year} by ethnicity (recorded)"
    res = representation(tr, population, "ethnicity", year=year, conf=conf, measure=measure)
    frame = res.frame.copy()
    spec = res.spec
    if england is not None:
        eng = viewit_treatment_demographics(england, year)
        eng_pop = eng.rename(columns={"in_treatment": "population"})[["ethnicity", "population"]]
        eng_pop = eng_pop[eng_pop["ethnicity"] != "Not stated"]
        other = representation(tr, eng_pop, "ethnicity", year=year, conf=conf, measure=measure)
        o = other.frame
        frame["england_in_treatment"] = o["population"]
        frame["share_england"] = o["share_population"]
        frame["ratio_england"] = o["ratio"]
        frame["ratio_england_lower"] = o["ratio_lower"]
        frame["ratio_england_upper"] = o["ratio_upper"]
        frame["flag_england"] = o["flag"]
        new = ("ratio_england", "ratio_england_lower", "ratio_england_upper", "flag_england")
        spec = TableSpec(
            dims=spec.dims,
            counts=spec.counts,
            derived={**spec.derived, **{c: Derived(("in_treatment",)) for c in new}},
            safe=(*spec.safe, "england_in_treatment", "share_england"),
            totals=spec.totals,
        )
    return Described(frame.rename_axis("ethnicity").reset_index(), spec)


def new_presentation_profile(
    export: ViewIt, kind: str = "disability", years: Sequence[str] | str | None = None
) -> Described:
    """New presentations by disability or sexuality (all drug groups), years recorded only.

    Conventions
    -----------
    Counts of the tool's Total row per year; share = category / new presentations of the
    year (``newpresentation_newtx``) with a Wilson interval. Years in which the categories
    were not collected (``NULL``) are left out and named in the log. Categories of the
    export overlap for disability (``Any disability`` counts people with one or more; the
    kinds of disability are not shown), so shares need not add to 1.
    """
    if kind not in _PROFILES:
        raise WorkbenchError(f"kind must be one of {list(_PROFILES)}, found {kind!r}")
    cols = {c: v for c, v in _PROFILES[kind].items() if c in export.frame.columns}
    _need(export, "newpresentation_newtx", *cols)
    t = _totals(export, years)
    t = t[t["drug_group"].eq("total")]
    recorded = t[list(cols)].notna().all(axis=1)
    if (~recorded).any():
        logger.info("%s: %s not collected in %s", export.file, kind,
                    list(t.loc[~recorded, "financial_year"]))  # fmt: skip
    t = t[recorded]
    long = t.melt(["financial_year", "newpresentation_newtx"], list(cols), "category", "count")
    long["category"] = long["category"].map(cols)
    frame = pd.DataFrame(
        {
            "financial_year": long["financial_year"],
            kind: long["category"],
            "count": long["count"].astype("float64"),
            "new_presentations": long["newpresentation_newtx"].astype("float64"),
        }
    )
    p = proportion(frame["count"], frame["new_presentations"].where(frame["new_presentations"] > 0))
    frame["share"], frame["lower"], frame["upper"] = p["proportion"], p["lower"], p["upper"]
    spec = TableSpec(
        dims=("financial_year", kind),
        counts={
            "count": Count(f"viewit.new_presentations by {kind}", part_of="new_presentations"),
            "new_presentations": Count("viewit.new_presentations", fixed={kind: "__all__"}),
        },
        derived=wilson_columns("count", "new_presentations", "share", "lower", "upper"),
    )
    frame = frame.sort_values(["financial_year"], kind="stable").reset_index(drop=True)
    return Described(frame, spec)


def treatment_numbers_chart(numbers: pd.DataFrame, column: str = "in_treatment") -> Figure:
    """Lines of one column of :func:`treatment_numbers` (as shown) over the years, one per
    drug group; a year whose count is not shown is a gap.

    Parameters
    ----------
    numbers : DataFrame
        The published table (``Outputs.plot_data`` of it): ``financial_year``,
        ``drug_group`` and ``column``.
    column : str, default "in_treatment"
    """
    import matplotlib.pyplot as plt

    wide = numbers.pivot(index="financial_year", columns="drug_group", values=column)
    wide = wide[[g for g in DRUG_GROUP_LABELS.values() if g in wide.columns]]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    wide.apply(pd.to_numeric, errors="coerce").plot(ax=ax, marker="o")
    what = "Adults in treatment" if column == "in_treatment" else "New presentations"
    ax.set_title(f"{what} by drug group and financial year (NDTMS ViewIt)")
    ax.set_xlabel("Financial year")
    ax.set_ylabel("People (rounded to 5 at source)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def profile_vs_england(
    export: ViewIt, england: ViewIt, by: str = "sex", year: str | None = None
) -> Described:
    """People in treatment by sex or age group against England's treatment population.

    Conventions
    -----------
    The tool's rows of one sex (Total age) or one age group (Total sex), all drug groups, of
    ``year``; :func:`workbench.need.representation` with England's numbers in treatment of
    the same year as the comparator (exact counts), so ``ratio`` = the area's share /
    England's share with the Wilson limits divided by England's share. No population by sex
    and age on 2021 small areas was available for the borough, so England's treatment
    population is the only comparator here.
    """
    if by not in ("sex", "age_group"):
        raise WorkbenchError(f"by must be 'sex' or 'age_group', found {by!r}")
    year = year or export.years[-1]

    def rows(e: ViewIt) -> pd.DataFrame:
        f = e.frame
        _need(e, "intreatment_allintx")
        other = "age_group" if by == "sex" else "sex"
        sel = f[f["financial_year"].eq(year) & f["drug_group"].eq("total")
                & f[other].eq("Total") & f[by].ne("Total")]  # fmt: skip
        if sel["intreatment_allintx"].isna().any() or sel.empty:
            raise WorkbenchError(f"{e.file}: numbers in treatment by {by} missing for {year}")
        return pd.DataFrame({"financial_year": year, "substance_group": "all", by: sel[by],
                             "in_treatment": sel["intreatment_allintx"].astype(int)})  # fmt: skip

    eng = rows(england).rename(columns={"in_treatment": "population"})
    res = representation(rows(export), eng, by, year=year, exclude=(),
                         measure=f"viewit.in_treatment {year} by {by}")  # fmt: skip
    frame = res.frame.rename(
        columns={"population": "england_in_treatment", "share_population": "share_england"}
    )
    spec = TableSpec(
        dims=res.spec.dims,
        counts=res.spec.counts,
        derived=res.spec.derived,
        safe=("england_in_treatment", "share_england"),
        totals=res.spec.totals,
    )
    return Described(frame.rename_axis(by).reset_index(), spec)


def published_unmet_need(
    long_tables: Sequence[pd.DataFrame],
    area_codes: Sequence[str],
    indicator_id: str = "93517",
) -> Described | None:
    """The published share of opiate and/or crack users not in treatment (Fingertips 93517)
    for the study area, beside England, as published (never recomputed).

    Parameters
    ----------
    long_tables : list of DataFrame
        Fingertips downloads as read by :func:`workbench.loaders.areas.read_area_long`
        (``Study.national.long``).
    area_codes : list of str
        The study's area codes.
    indicator_id : str, default "93517"

    Returns
    -------
    Described or None
        One row per area (the study's, then England ``E92000001``) and period: value (%),
        ``lower_95`` / ``upper_95`` (the published 95% limits), count and denominator (the
        publisher's modelled figures), the publisher's comparison with England. None when
        no table has a row for the study area (the notebook says so in one line).
    """
    frames = [
        t for t in long_tables
        if "indicator_id" in t.columns and t["indicator_id"].astype(str).eq(indicator_id).any()
    ]  # fmt: skip
    if not frames:
        return None
    allrows = pd.concat(frames, ignore_index=True)
    allrows = allrows[allrows["indicator_id"].astype(str).eq(indicator_id)]
    area = allrows[allrows["area_code"].isin(list(area_codes))]
    if area.empty:
        return None
    england = allrows[allrows["area_code"].eq("E92000001")]
    england = england[england["period"].isin(area["period"])]
    keep = ["area_code", "area_name", "period", "value", "lower_95", "upper_95", "count",
            "denominator", "compared_to_england"]  # fmt: skip
    frame = pd.concat([area, england], ignore_index=True)
    frame = frame[[c for c in keep if c in frame.columns]].sort_values(["period", "area_code"])
    numbers = [c for c in ("value", "lower_95", "upper_95", "count", "denominator") if c in frame]
    spec = TableSpec(dims=("area_code", "period"), safe=tuple(numbers), source="open")
    return Described(frame.reset_index(drop=True), spec)
