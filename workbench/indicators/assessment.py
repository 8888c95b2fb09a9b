"""A strategic assessment: the latest six months, indicators, hot spots, candidate priorities.

Every priority is derived by an explicit rule (:data:`RULES`), shown beside it; the analyst's
commentary is read from a Markdown file and placed beside the section it names.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from workbench.disclosure.spec import Described
from workbench.errors import ConfigError, WorkbenchError
from workbench.indicators.local import months_covered
from workbench.numbers import p_clause

__all__ = [
    "RULES",
    "SECTIONS",
    "ALL_RECORDS",
    "six_month_windows",
    "six_month_comparison",
    "indicator_flags",
    "deprived_hot_spots",
    "candidate_priorities",
    "period_end",
    "data_currency",
    "read_commentary",
    "Assessment",
    "strategic_assessment",
]

logger = logging.getLogger(__name__)

#: The rules that turn findings into candidate priorities (id -> wording shown beside each).
RULES: dict[str, str] = {
    "R1": "Indicator significantly worse than England: its 95% interval lies entirely on the "
    "bad side of the England value (Fingertips method).",
    "R2": "Indicator worsening: Mann-Kendall trend over the years available, p < 0.05, in the "
    "bad direction.",
    "R3": "Crime up on the same six months a year earlier by at least {min_rise:.0f}% and "
    "significantly (exact conditional binomial test of the two counts, p < 0.05); the "
    "{top} largest rises.",
    "R4": "Persistent hot spots in the most deprived areas: LSOAs among the top {top_pc:.0f}% "
    "for {crime} per resident in each of the last three six-month periods, in national IMD "
    "deciles {deciles}.",
    "R5": "Emerging hot spots in the most deprived areas: LSOAs in the top {top_pc:.0f}% for "
    "{crime} in the latest six months but in neither of the two before, in national IMD "
    "deciles {deciles}.",
    "R6": "Treatment access: a cohort and modality whose share starting within the waiting-"
    "time target is below {wait_target:.0f}% with the whole 95% interval below it (latest "
    "year).",
}

#: The total row of :func:`six_month_comparison`: every police.uk record, ASB included.
ALL_RECORDS = "All crime and anti-social behaviour"
#: Columns of :func:`six_month_comparison` and :func:`deprived_hot_spots` (empty tables too).
SIX_MONTH_COLUMNS = [
    "crime_type",
    "latest",
    "previous",
    "year_earlier",
    "change_previous_pct",
    "p_previous",
    "change_year_pct",
    "p_year",
    "latest_months",
    "previous_months",
    "year_earlier_months",
]
HOT_SPOT_COLUMNS = [
    "lsoa_code",
    "lsoa_name",
    "imd_decile",
    "most_deprived",
    "count_p1",
    "count_p2",
    "count_p3",
    "rate_p3",
    "pattern",
    "periods",
]

#: Assessment sections, in order; commentary headings are matched to these (case ignored).
SECTIONS = ("Summary", "Six months", "Indicators", "Hot spots", "Priorities")


def six_month_windows(
    covered: pd.PeriodIndex, end: pd.Period | None = None
) -> dict[str, tuple[pd.Period, pd.Period] | None]:
    """The latest six months, the previous six and the same six a year earlier.

    Each window is ``None`` when any of its months has no police data.
    """
    if len(covered) == 0:
        raise WorkbenchError("no police months to assess")
    end = end or covered.max()
    have = set(covered)

    def window(stop: pd.Period) -> tuple[pd.Period, pd.Period] | None:
        start = stop - 5
        ok = all(m in have for m in pd.period_range(start, stop, freq="M"))
        return (start, stop) if ok else None

    return {"latest": window(end), "previous": window(end - 6), "year_earlier": window(end - 12)}


def _binom_p(a: int, b: int) -> float:
    """Two-sided exact test that two Poisson counts over equal exposure have equal means."""
    if a + b == 0:
        return 1.0
    return float(sps.binomtest(int(a), int(a + b), 0.5).pvalue)


def six_month_comparison(
    crimes: pd.DataFrame, end: pd.Period | None = None, *, covered: Any = None
) -> pd.DataFrame:
    """Counts by crime type: latest six months against the previous six and a year earlier.

    Conventions
    -----------
    Windows from :func:`six_month_windows` (months with no police data make a window missing,
    never zero). Change in % with both counts; significance by the exact conditional test of
    two Poisson counts over equal exposure (the latest count given the sum is Binomial(n,
    0.5) under no change; two-sided p), the same resident population being assumed in both.

    Returns
    -------
    DataFrame
        One row per crime type and the total :data:`ALL_RECORDS` (police.uk counts
        anti-social behaviour among its records, so the total is named for what it holds):
        ``crime_type``, ``latest``, ``previous``, ``year_earlier``, ``change_previous_pct``,
        ``p_previous``, ``change_year_pct``, ``p_year``, and the windows as text in
        ``latest_months`` etc.
    """
    windows = six_month_windows(months_covered(crimes, covered), end)
    if windows["latest"] is None:
        raise WorkbenchError("the latest six months are not all covered by police data")
    types = sorted(crimes["crime_type"].dropna().unique())
    counts: dict[str, pd.Series] = {}
    for key, w in windows.items():
        if w is None:
            continue
        sel = crimes.loc[(crimes["month"] >= w[0]) & (crimes["month"] <= w[1]), "crime_type"]
        c = sel.value_counts().reindex(types, fill_value=0)
        c[ALL_RECORDS] = int(len(sel))
        counts[key] = c
    out = pd.DataFrame({"crime_type": [*types, ALL_RECORDS]})
    for key in ("latest", "previous", "year_earlier"):
        out[key] = (
            counts[key].reindex(out["crime_type"]).to_numpy(float) if key in counts else np.nan
        )
    for key, tag in (("previous", "previous"), ("year_earlier", "year")):
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"change_{tag}_pct"] = (out["latest"] - out[key]) / out[key] * 100
        out[f"p_{tag}"] = [
            np.nan if np.isnan(b) else _binom_p(int(a), int(b))
            for a, b in zip(out["latest"], out[key], strict=True)
        ]
    for key, w in windows.items():
        out[f"{key}_months"] = "" if w is None else f"{w[0]} to {w[1]}"
    return out


def period_end(period: object) -> pd.Period | None:
    """The last month of an indicator period label (None when the label is not recognised).

    Examples
    --------
    >>> str(period_end("2018/19")), str(period_end("2018-19")), str(period_end("2016-2018"))
    ('2019-03', '2019-03', '2018-12')
    >>> str(period_end("2021-11 to 2022-10")), str(period_end("2019")), str(period_end("2017 - 19"))
    ('2022-10', '2019-12', '2019-12')
    """
    text = str(period).strip()
    m = re.fullmatch(r".*?(\d{4})-(\d{2}) to (\d{4})-(\d{2})", text)
    if m:
        return pd.Period(f"{m.group(3)}-{m.group(4)}", freq="M")
    m = re.fullmatch(r"(\d{4}) - (\d{2})", text)
    if m:  # Fingertips' pooled calendar years "2017 - 19"
        return pd.Period(f"{m.group(1)[:2]}{m.group(2)}-12", freq="M")
    m = re.fullmatch(r"(\d{4})\s*[/-]\s*(\d{2})", text)
    if m:  # financial year 2018/19 or 2018-19: ends March of the second year
        return pd.Period(f"{int(m.group(1)) + 1}-03", freq="M")
    m = re.fullmatch(r"(\d{4})\s*-\s*(\d{4})", text)
    if m:  # pooled calendar years
        return pd.Period(f"{m.group(2)}-12", freq="M")
    m = re.fullmatch(r"(\d{4})", text)
    if m:
        return pd.Period(f"{m.group(1)}-12", freq="M")
    return None


def data_currency(
    comparison: pd.DataFrame, police_end: pd.Period | None, max_gap_months: int = 24
) -> pd.DataFrame:
    """Each indicator's latest period against the end of the police data.

    Conventions
    -----------
    An indicator is **dated** when its latest period ends more than ``max_gap_months`` (two
    years) before the last month of police data. Dated indicators are still shown, flagged,
    and candidate priorities resting on them say so and are listed after the others.

    Returns
    -------
    DataFrame
        ``comparison`` with ``period_end`` (text, YYYY-MM), ``months_before_police`` and
        ``dated`` (bool) added.
    """
    out = comparison.copy()
    ends = [period_end(p) for p in out.get("latest_period", out.get("period", []))]
    out["period_end"] = [str(e) if e is not None else "" for e in ends]
    gaps = [
        (police_end - e).n if e is not None and police_end is not None else np.nan for e in ends
    ]
    out["months_before_police"] = gaps
    out["dated"] = [bool(g > max_gap_months) if not np.isnan(g) else False for g in gaps]
    return out


def indicator_flags(comparison: pd.DataFrame) -> pd.DataFrame:
    """Indicators worse than England or worsening (from ``compare_with_england``)."""
    if comparison.empty:
        return comparison
    worse = comparison["rating"].eq("worse")
    worsening = comparison["trend"].eq("worsening")
    out = comparison.loc[worse | worsening].copy()
    out["flag"] = np.where(
        worse[worse | worsening] & worsening[worse | worsening],
        "worse than England and worsening",
        np.where(worse[worse | worsening], "worse than England", "worsening"),
    )
    return out


def deprived_hot_spots(
    crimes: pd.DataFrame,
    lsoas: pd.DataFrame,
    *,
    crime_type: str = "Drugs",
    end: pd.Period | None = None,
    top_share: float = 0.10,
    deciles: tuple[int, ...] = (1, 2),
    covered: Any = None,
) -> pd.DataFrame:
    """Persistent and emerging LSOA hot spots, and whether they are among the most deprived.

    Conventions
    -----------
    Three consecutive six-month periods ending at ``end`` (default the last month with data;
    all months must have data). In each, an LSOA's rate = its ``crime_type`` count / its
    population; the hot spots of a period are the LSOAs at or above the ``1 - top_share``
    quantile of rates that have at least one crime. **Persistent** = a hot spot in all three
    periods; **emerging** = a hot spot in the latest period only. ``most_deprived`` = national
    IMD decile in ``deciles`` (1 = most deprived). LSOAs without a population are left out.

    Returns
    -------
    DataFrame
        LSOAs that are hot spots in the latest period or persistent: ``lsoa_code``,
        ``lsoa_name``, ``imd_decile``, ``most_deprived``, ``count_p1``, ``count_p2``,
        ``count_p3`` (oldest to latest), ``rate_p3`` (per 1,000), ``pattern``
        (``persistent`` / ``emerging`` / ``recurring``).
    """
    covered = months_covered(crimes, covered)
    if len(covered) == 0:
        raise WorkbenchError("no months of police data")
    end = end or covered.max()
    periods = [(end - 17 + 6 * i, end - 12 + 6 * i) for i in range(3)]
    have = set(covered)
    if not all(m in have for m in pd.period_range(periods[0][0], end, freq="M")):
        raise WorkbenchError(f"hot spots need 18 months of police data ending {end}")
    base = lsoas[["lsoa_code", "lsoa_name", "imd_decile", "population"]].copy()
    base = base.loc[base["population"].notna() & (base["population"] > 0)]
    sel = crimes.loc[crimes["crime_type"] == crime_type]
    hot = []
    for i, (a, b) in enumerate(periods, start=1):
        c = sel.loc[(sel["month"] >= a) & (sel["month"] <= b), "lsoa_code"].value_counts()
        base[f"count_p{i}"] = base["lsoa_code"].map(c).fillna(0).astype(int)
        r = base[f"count_p{i}"] / base["population"] * 1000
        base[f"rate_p{i}"] = r
        cut = r[base[f"count_p{i}"] > 0].quantile(1 - top_share)
        hot.append((r >= cut) & (base[f"count_p{i}"] > 0))
    pattern = np.select(
        [hot[0] & hot[1] & hot[2], hot[2] & ~hot[0] & ~hot[1], hot[2]],
        ["persistent", "emerging", "recurring"],
        default="",
    )
    base["pattern"] = pattern
    base["most_deprived"] = base["imd_decile"].isin(list(deciles)).fillna(False).astype(bool)
    out = base.loc[base["pattern"] != ""]
    cols = ["lsoa_code", "lsoa_name", "imd_decile", "most_deprived"]
    cols += ["count_p1", "count_p2", "count_p3", "rate_p3", "pattern"]
    out = out[cols].sort_values(["pattern", "rate_p3"], ascending=[False, False])
    return out.reset_index(drop=True).assign(periods=" | ".join(f"{a} to {b}" for a, b in periods))


def candidate_priorities(
    *,
    comparison: pd.DataFrame | None = None,
    six_months: pd.DataFrame | None = None,
    hot_spots: pd.DataFrame | None = None,
    treatment: pd.DataFrame | None = None,
    crime_type: str = "Drugs",
    min_rise: float = 10.0,
    top: int = 3,
    top_share: float = 0.10,
    deciles: tuple[int, ...] = (1, 2),
    wait_target: float = 90.0,
) -> pd.DataFrame:
    """A short list of candidate priorities, each with the rule that produced it.

    Parameters
    ----------
    comparison : DataFrame, optional
        :func:`workbench.indicators.compare.compare_with_england` (rules R1, R2).
    six_months : DataFrame, optional
        :func:`six_month_comparison` (rule R3).
    hot_spots : DataFrame, optional
        :func:`deprived_hot_spots` (rules R4, R5).
    treatment : DataFrame, optional
        :func:`workbench.indicators.local.treatment_indicators` (rule R6).

    Returns
    -------
    DataFrame
        ``priority``, ``evidence``, ``rule`` (id) and ``rule_text`` (:data:`RULES`, filled
        in), in rule order. Empty when no rule fires.
    """
    fill = {
        "min_rise": min_rise,
        "top": top,
        "top_pc": top_share * 100,
        "crime": f"'{crime_type}' offences",
        "deciles": "-".join(str(d) for d in (min(deciles), max(deciles))) if deciles else "(none)",
        "wait_target": wait_target,
    }
    rows: list[dict[str, str]] = []

    def add(rule: str, priority: str, evidence: str, dated: str = "") -> None:
        rows.append(
            {
                "priority": priority,
                "evidence": evidence,
                "dated": dated,
                "rule": rule,
                "rule_text": RULES[rule].format(**fill),
                "currency": "DATED" if dated else "current",
            }
        )

    def dated_note(r: pd.Series) -> str:
        if not bool(r.get("dated", False)):
            return ""
        return (
            f"DATED: the latest figure ({r['period']}, to {r['period_end']}) is "
            f"{int(r['months_before_police'])} months older than the police data; check a "
            "newer release before ranking this"
        )

    if comparison is not None and len(comparison):
        for _, r in comparison.loc[comparison["rating"] == "worse"].iterrows():
            add(
                "R1",
                f"Reduce: {r['name']}",
                f"{r['area']} {r['value']:.1f} (95% CI {r['lower']:.1f}-{r['upper']:.1f}) against "
                f"England {r['england']:.1f}, {r['period']} ({r.get('measure', 'rate')})",
                dated_note(r),
            )
        for _, r in comparison.loc[comparison["trend"] == "worsening"].iterrows():
            evidence = (
                f"worsening over {int(r['trend_n'])} periods (Mann-Kendall "
                f"{p_clause(r['trend_p'])}); latest {r['value']:.1f} in {r['period']}"
            )
            same = [row for row in rows if row["priority"] == f"Reduce: {r['name']}"]
            if same:  # one priority per indicator: both rules shown beside it
                same[0]["evidence"] += f"; {evidence}"
                same[0]["rule"] += " + R2"
                same[0]["rule_text"] += " " + RULES["R2"]
            else:
                add("R2", f"Reverse the trend: {r['name']}", evidence, dated_note(r))
    if six_months is not None and len(six_months):
        s = six_months.loc[six_months["crime_type"] != ALL_RECORDS]
        rise = s.loc[
            (s["change_year_pct"] >= min_rise) & (s["p_year"] < 0.05) & s["year_earlier"].notna()
        ].sort_values("change_year_pct", ascending=False)
        for _, r in rise.head(top).iterrows():
            add(
                "R3",
                f"Address the rise in {r['crime_type']}",
                f"{int(r['latest']):,} in {r['latest_months']} against {int(r['year_earlier']):,} "
                f"a year earlier ({r['change_year_pct']:+.0f}%, {p_clause(r['p_year'])})",
            )
    if hot_spots is not None and len(hot_spots):
        for pattern, rule in (("persistent", "R4"), ("emerging", "R5")):
            h = hot_spots.loc[(hot_spots["pattern"] == pattern) & hot_spots["most_deprived"]]
            if len(h):
                names = ", ".join(h["lsoa_name"].astype(str).head(5))
                more = f" and {len(h) - 5} more" if len(h) > 5 else ""
                add(
                    rule,
                    f"Focus on {pattern} {crime_type.lower()} hot spots in the most deprived "
                    "neighbourhoods",
                    f"{len(h)} LSOA(s): {names}{more}",
                )
    if treatment is not None and len(treatment):
        w = treatment.loc[treatment["indicator"] == "waits_within_target"]
        if len(w):
            latest = w.loc[w["period"] == w["period"].max()]
            for _, r in latest.loc[latest["upper"] < wait_target].iterrows():
                add(
                    "R6",
                    f"Improve waiting times: {r['note']}",
                    f"{r['value']:.0f}% within target (95% CI {r['lower']:.0f}-{r['upper']:.0f}%; "
                    f"{int(r['count'])} of {int(r['denominator'])}), {r['period']}",
                )
    for row in rows:  # the currency warning closes the evidence
        dated = row.pop("dated")
        row["evidence"] += f". {dated}" if dated else ""
    out = pd.DataFrame(rows, columns=["priority", "evidence", "rule", "rule_text", "currency"])
    # indicators older than the police data by more than two years are not ranked with the rest
    order = out["currency"].eq("DATED").to_numpy()
    return pd.concat([out.loc[~order], out.loc[order]], ignore_index=True)


def read_commentary(path: str | Path | None) -> dict[str, str]:
    """The analyst's commentary, split by its ``## `` headings (section -> Markdown text).

    Headings are matched to :data:`SECTIONS` ignoring case; other headings are kept under
    their own names (shown at the end). HTML comments are removed. ``None`` gives ``{}``.

    Raises
    ------
    ConfigError
        The file named in the config does not exist.
    """
    if path is None:
        return {}
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"[indicators] assessment_commentary names {p}, which does not exist")
    text = re.sub(r"<!--.*?-->", "", p.read_text(encoding="utf-8"), flags=re.DOTALL)
    out: dict[str, str] = {}
    current = "Summary"
    lines: list[str] = []
    known = {s.lower(): s for s in SECTIONS}

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            out[current] = (out.get(current, "") + "\n\n" + body).strip()

    for line in text.splitlines():
        m = re.match(r"^##\s+(.*?)\s*$", line)
        if m:
            flush()
            lines = []
            current = known.get(m.group(1).lower(), m.group(1))
        else:
            lines.append(line)
    flush()
    return out


@dataclass
class Assessment:
    """The parts of a strategic assessment (each a table), and the commentary by section."""

    six_months: pd.DataFrame
    indicators: pd.DataFrame
    flags: pd.DataFrame
    hot_spots: pd.DataFrame
    priorities: pd.DataFrame
    commentary: dict[str, str] = field(default_factory=dict)
    #: What could not be assessed and why (e.g. fewer than 18 months of police data).
    notes: list[str] = field(default_factory=list)

    def described(self, part: str) -> Described:
        """``six_months``, ``hot_spots`` or ``priorities`` with its disclosure description
        (:mod:`workbench.indicators.specs`: police.uk counts, the changes and rates derived
        from them; priorities are text)."""
        from workbench.indicators import specs

        makers = {
            "six_months": (self.six_months, specs.six_months),
            "hot_spots": (self.hot_spots, specs.hot_spots),
            "priorities": (self.priorities, lambda: specs.text_only("priority")),
        }
        if part not in makers:
            raise WorkbenchError(f"Assessment.described: part must be one of {list(makers)}")
        frame, spec = makers[part]
        return Described.of(frame, spec())

    def flag_table(self) -> pd.DataFrame:
        """Indicators worse than England or worsening: name, area, period, measure, value,
        England, rating, trend, flag and currency (``DATED`` when the figure ends more than two
        years before the police data; an empty table with these columns when none is flagged).
        """
        cols = ["name", "area", "period", "measure", "value", "england", "rating", "trend", "flag"]
        if self.flags.empty:
            return pd.DataFrame(columns=[*cols, "currency"])
        out = self.flags.reindex(columns=cols).reset_index(drop=True)
        dated = self.flags["dated"] if "dated" in self.flags else pd.Series(False, self.flags.index)
        out["currency"] = np.where(dated.to_numpy(bool), "DATED", "current")
        return out

    def flags_shown(self) -> Any:
        """:meth:`flag_table`, or one sentence in its place when no indicator is flagged
        (never an empty table header): how many indicators were compared, or that none was."""
        n = len(self.indicators)
        if n == 0:
            sentence = (
                "No indicator could be compared with England for this study (the indicators "
                "report says why)."
            )
        else:
            sentence = (
                f"No indicator is significantly worse than England or getting worse "
                f"({n} indicator{'s' if n != 1 else ''} compared)."
            )
        return rows_or_sentence(self.flag_table(), sentence)

    def comment(self, section: str) -> Any:
        """The analyst's commentary for ``section`` as safe HTML (raw HTML shown as text,
        only http(s)/mailto links; :func:`workbench.display.markdown_html`); empty when there
        is none."""
        from workbench.markup import SafeHTML

        text = self.commentary.get(section, "")
        return SafeHTML.markdown(
            f"**Analyst's commentary ({section.lower()}).** {text}" if text else ""
        )

    def other_comments(self) -> Any:
        """Commentary under headings that are not assessment sections (shown at the end)."""
        from workbench.markup import SafeHTML, md_text

        extra = {k: v for k, v in self.commentary.items() if k not in SECTIONS}
        return SafeHTML.markdown("\n\n".join(f"**{md_text(k)}.** {v}" for k, v in extra.items()))


def rows_or_sentence(table: pd.DataFrame, sentence: str) -> Any:
    """``table`` when it has rows, else ``sentence`` as one paragraph (escaped): a table
    without rows is never shown as a bare header."""
    import html

    from workbench.markup import SafeHTML

    return table if len(table) else SafeHTML(f"<p>{html.escape(sentence)}</p>")


def strategic_assessment(
    study: Any,
    *,
    comparison: pd.DataFrame | None = None,
    treatment: pd.DataFrame | None = None,
    crime_type: str = "Drugs",
) -> Assessment:
    """Assemble the strategic assessment of a study.

    The six-month windows and the hot spot periods end at the last month with police data in
    the study period. A part that the data cannot support (fewer than six, or eighteen, months)
    is left empty and the reason is in :attr:`Assessment.notes`; the rest is still made.

    Parameters
    ----------
    study : workbench.study.Study
        Its crimes, LSOAs and ``[indicators] assessment_commentary``.
    comparison : DataFrame, optional
        Indicators against England (:func:`workbench.indicators.compare_with_england`).
    treatment : DataFrame, optional
        :func:`workbench.indicators.local.treatment_indicators` for rule R6.
    """
    crimes = study.crimes
    covered = study.coverage.observed
    notes: list[str] = []
    try:
        six = six_month_comparison(crimes, covered=covered)
    except WorkbenchError as exc:  # fewer than six months of data: said, not failed
        notes.append(f"Six-month comparison not made: {exc}.")
        six = pd.DataFrame(columns=SIX_MONTH_COLUMNS)
    try:
        hot = deprived_hot_spots(crimes, study.lsoas, crime_type=crime_type, covered=covered)
    except WorkbenchError as exc:
        notes.append(f"Hot spots not assessed: {exc}.")
        hot = pd.DataFrame(columns=HOT_SPOT_COLUMNS)
    for note in notes:
        logger.warning(note)
    comp = comparison if comparison is not None else pd.DataFrame()
    if len(comp):
        police_end = months_covered(crimes, covered).max() if len(crimes) else None
        comp = data_currency(comp, police_end)
        for _, r in comp.loc[comp["dated"]].iterrows():
            notes.append(
                f"{r['name']}: latest period {r['latest_period']} ends {r['period_end']}, "
                f"{int(r['months_before_police'])} months before the police data end "
                f"({police_end}); flagged DATED."
            )
    flags = indicator_flags(comp) if len(comp) else comp
    wait_target = float(study.config.thresholds.get("wait_target_pct", 90.0))
    pri = candidate_priorities(
        comparison=comp if len(comp) else None,
        six_months=six,
        hot_spots=hot,
        treatment=treatment,
        crime_type=crime_type,
        wait_target=wait_target,
    )
    commentary = read_commentary(study.config.indicators.get("assessment_commentary"))
    return Assessment(six, comp, flags, hot, pri, commentary, notes)
