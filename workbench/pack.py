"""The meeting pack: one PowerPoint per run, built from a finished run's published files.

Everything on the slides is read from what the run already wrote and suppressed (the theme
folders' CSV tables, PNG maps and figures, ``assumptions.md`` and ``run_log.json``); no input
file and no analysis frame is read again, so the pack carries the same figures, and the same
hidden cells, as the analyst's reports. The same :class:`Headline` objects feed the community
page (:mod:`workbench.community`).
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.assumptions import by_id as assumption_entries
from workbench.assumptions import ids_in
from workbench.config import PARTNERSHIP_TABLES
from workbench.disclosure.policy import SUPPRESSED
from workbench.display import format_value
from workbench.errors import WorkbenchError
from workbench.writing.folder import is_complete

__all__ = [
    "Headline",
    "Run",
    "PACK_THEMES",
    "build_pptx",
    "compare",
    "find_run",
    "map_title",
    "headlines",
    "render_slides",
    "write_atomic",
]

logger = logging.getLogger(__name__)

#: Themes in the order the pack presents them, with their slide titles.
PACK_THEMES: dict[str, str] = {
    "overview": "Summary: the key figures",
    "supply": "Supply: drug offences and weapons",
    "communities": "Communities: where harm is concentrated",
    "young_people": "Young people: reach and access",
    "treatment": "Treatment: need, reach and waiting times",
    "indicators": "Indicators: against England and similar areas",
}

#: The maps shown for each theme (run-log names, in order), at most two per theme.
KEY_MAPS: dict[str, tuple[str, ...]] = {
    "overview": ("emerging_hotspots",),
    "supply": ("gistar", "emerging"),
    "communities": ("composite_hotspots",),
    "young_people": ("need_and_services",),
    "treatment": ("service_access",),
}

#: Text shown where a value is missing (not zero).
MISSING = "–"
#: What the England column says when the published table carries no England value.
NO_ENGLAND = "Not available"
#: Headline rows per slide (legible when projected).
ROWS_PER_SLIDE = 5

# Slide look: 16:9, dark text on white; colours from the Okabe-Ito colour-blind-safe palette.
_INK = (0x1A, 0x1A, 0x1A)
_BLUE = (0x00, 0x4C, 0x8C)  # darker than Okabe-Ito blue (#0072B2) for 7:1 text contrast
_VERMILION = (0xA8, 0x3A, 0x00)  # Okabe-Ito vermilion darkened for text contrast
_GREY = (0x4D, 0x4D, 0x4D)
_FONT = "Calibri"

_PERIOD_RE = re.compile(r"\b(\d{4})-(0[1-9]|1[0-2])\b")
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


# --------------------------------------------------------------------------------------------
# The run: its folders, logs and published tables
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    """A finished run of ``workbench report``: the theme folders of one date under one folder.

    Attributes
    ----------
    out_dir : Path
        The parent output folder.
    date : str
        ``YYYY-MM-DD`` of the run (in every folder name).
    folders : dict
        Theme -> its folder ``<out_dir>/<date>_<theme>``.
    logs : dict
        Theme -> its parsed ``run_log.json``.
    """

    out_dir: Path
    date: str
    folders: dict[str, Path]
    logs: dict[str, dict[str, Any]]

    @property
    def themes(self) -> list[str]:
        """The run's themes in pack order."""
        return [t for t in PACK_THEMES if t in self.folders] + [
            t for t in self.folders if t not in PACK_THEMES
        ]

    @property
    def config(self) -> dict[str, Any]:
        """The study settings recorded in the run logs (the same in every theme)."""
        for theme in self.themes:
            cfg = self.logs[theme].get("config")
            if cfg:
                return cfg
        raise WorkbenchError(f"no run log under {self.out_dir} records the study settings")

    def record(self, theme: str, name: str, kind: str) -> dict[str, Any] | None:
        """The run-log record of output ``name`` of ``kind`` in ``theme`` (``None``: absent)."""
        if theme not in self.logs:
            return None
        for rec in self.logs[theme].get("outputs", []):
            if rec.get("name") == name and rec.get("kind") == kind:
                return rec
        return None

    def file(self, theme: str, name: str, kind: str, suffix: str) -> Path | None:
        """The written file of an output with ``suffix`` (``.csv``, ``.png``), if it exists."""
        rec = self.record(theme, name, kind)
        if rec is None:
            return None
        for fname in rec.get("files", []):
            path = self.folders[theme] / fname
            if path.suffix == suffix and path.is_file():
                return path
        return None

    def table(self, theme: str, name: str) -> Table | None:
        """A published table, read as text so ``*`` and blanks stay as published."""
        path = self.file(theme, name, "table", ".csv")
        if path is None:
            return None
        rec = self.record(theme, name, "table") or {}
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        return Table(name, path, df, bool(rec.get("synthetic")), rec.get("note") or "")

    def records(self, theme: str, kind: str) -> list[dict[str, Any]]:
        """All run-log records of ``kind`` in ``theme``."""
        return [r for r in self.logs.get(theme, {}).get("outputs", []) if r.get("kind") == kind]


@dataclass
class Table:
    """One published (suppressed) table: cells as text, exactly as written."""

    name: str
    path: Path
    df: pd.DataFrame
    synthetic: bool
    note: str


def find_run(out_dir: str | Path, run_date: str | None = None) -> Run:
    """The themes of one run under ``out_dir``: folders ``<date>_<theme>`` with a run log.

    Parameters
    ----------
    out_dir : str or Path
        The folder ``workbench report --out`` wrote to.
    run_date : str, optional
        ``YYYY-MM-DD``; default the latest date that has a theme folder.

    Raises
    ------
    WorkbenchError
        No finished theme folder (one with ``run_log.json`` and the completion marker
        ``RUN_COMPLETE.json``) is found.
    """
    out = Path(out_dir).resolve()
    found: dict[str, dict[str, Path]] = {}
    if out.is_dir():
        for folder in sorted(out.iterdir()):
            match = re.match(r"^(\d{4}-\d{2}-\d{2})_(.+)$", folder.name)
            if not match or not folder.is_dir() or match.group(2) == "pack":
                continue
            # finished: the run log and the completion marker (written last) are there
            if (folder / "run_log.json").is_file() and is_complete(folder):
                found.setdefault(match.group(1), {})[match.group(2)] = folder
    if not found:
        raise WorkbenchError(
            f"no finished run under {out}: expected folders <YYYY-MM-DD>_<theme> with a "
            "run_log.json and RUN_COMPLETE.json (run `workbench report` first)"
        )
    date = run_date or max(found)
    if date not in found:
        raise WorkbenchError(
            f"no finished run dated {date} under {out}; dates found: {', '.join(sorted(found))}"
        )
    folders = found[date]
    logs = {
        t: json.loads((f / "run_log.json").read_text(encoding="utf-8")) for t, f in folders.items()
    }
    return Run(out, date, folders, logs)


# --------------------------------------------------------------------------------------------
# Headline figures from the published tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """One headline figure, formatted from a published table (never recomputed).

    ``value``, ``interval`` and ``base`` are ``*`` where the table hides the cell; the
    comparisons say "not known" rather than guess.
    """

    theme: str
    label: str
    period: str
    value: str
    interval: str
    base: str
    last_year: str
    england: str
    note: str
    plain: str
    source: str
    synthetic: bool
    direction: str | None = None  # "higher" / "lower" / "similar" against last year
    kind: str = ""  # "crime" (counts and rates), "deprived" (share in most deprived), ...

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields (for the run log)."""
        return asdict(self)


def _num(text: Any) -> float | None:
    """A published cell as a number; ``None`` for hidden (``*``), blank or non-numeric."""
    if text is None:
        return None
    s = str(text).strip().replace(",", "")
    if s in ("", SUPPRESSED, "nan", "NaN", "None"):
        return None
    try:
        value = float(s)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _hidden(text: Any) -> bool:
    return str(text).strip() == SUPPRESSED


def fmt_count(text: Any) -> str:
    """A count as published: thousands separators, ``*`` kept, missing as a dash
    (:func:`workbench.display.format_value`, the reports' formatter).

    >>> fmt_count("1846.0"), fmt_count("*"), fmt_count("")
    ('1,846', '*', '–')
    """
    return format_value(_cell(text), "count")


def fmt_number(text: Any, digits: int = 1) -> str:
    """A rate or ratio to ``digits`` decimals (``*`` kept, missing as a dash)."""
    return format_value(_cell(text), "rate", digits)


def fmt_share(text: Any, digits: int = 1, *, already_percent: bool = False) -> str:
    """A share (0-1, or a percentage with ``already_percent``) as a percentage.

    >>> fmt_share("0.386"), fmt_share("46.8", already_percent=True)
    ('38.6%', '46.8%')
    """
    return format_value(_cell(text), "percent" if already_percent else "share", digits)


def _cell(text: Any) -> Any:
    """A published cell for the formatter: ``*`` kept, a number, or None (blank, text)."""
    return SUPPRESSED if _hidden(text) else _num(text)


def _interval(lo: Any, hi: Any, fmt: Callable[[Any], str]) -> str:
    if _hidden(lo) or _hidden(hi):
        return SUPPRESSED
    if _num(lo) is None or _num(hi) is None:
        return MISSING
    return f"{fmt(lo)} to {fmt(hi)}"


def compare(lower: float | None, upper: float | None, reference: float | None) -> str | None:
    """Whether a 95% interval lies above, below or around a reference value.

    The rule Fingertips uses against a benchmark: ``"higher"`` when the whole interval is
    above the reference, ``"lower"`` when it is below, ``"similar"`` when it contains it;
    ``None`` when any of the three is unknown.

    Notes
    -----
    The reference (last year's value, the England value) is treated as fixed. Against last
    year this is less strict than a test of the difference of two uncertain values: it can
    call "higher" a change that a two-sample test would not (stated on the closing slide).

    >>> compare(49.8, 54.6, 54.0), compare(14.8, 17.5, 13.0), compare(None, 1.0, 0.5)
    ('similar', 'higher', None)
    """
    if lower is None or upper is None or reference is None:
        return None
    if lower > reference:
        return "higher"
    if upper < reference:
        return "lower"
    return "similar"


def month_words(text: str) -> str:
    """``"2021-11 to 2022-10"`` -> ``"November 2021 to October 2022"`` (other text unchanged).

    >>> month_words("2021-11 to 2022-10")
    'November 2021 to October 2022'
    """
    return _PERIOD_RE.sub(lambda m: f"{_MONTHS[int(m.group(2)) - 1]} {m.group(1)}", str(text))


#: Plain names of police.uk crime types (count nouns) for sentences.
CRIME_NOUNS: dict[str, str] = {
    "Drugs": "drug offences",
    "Possession of weapons": "offences of carrying a weapon",
    "Anti-social behaviour": "reports of anti-social behaviour",
    "Needle finds": "needle finds",  # the partnership layer of the communities theme
}


def _noun(crime_type: str) -> str:
    return CRIME_NOUNS.get(crime_type, f"{crime_type.lower()} crimes")


def _england(row: pd.Series, lo: Any, hi: Any, fmt: Callable[[Any], str]) -> str:
    """The England comparison where the table carries an ``england`` column."""
    if "england" not in row.index:
        return NO_ENGLAND
    ref = _num(row["england"])
    rating = compare(_num(lo), _num(hi), ref)
    if rating is None:
        return "Not known"
    return f"{rating.capitalize()} than England ({fmt(row['england'])})".replace(
        "Similar than", "Similar to"
    )


def _vs(rating: str | None, before: str, now: str, change: str = "") -> str:
    if rating is None:
        return f"Not known ({before} to {now})" if before != MISSING else "No earlier year"
    word = {"higher": "Higher", "lower": "Lower", "similar": "Similar"}[rating]
    extra = f", {change}" if change else ""
    return f"{word} ({before} to {now}{extra})"


def _judgement(rating: str | None) -> str:
    return {
        "higher": "This rise is bigger than the usual ups and downs from one year to the next.",
        "lower": "This fall is bigger than the usual ups and downs from one year to the next.",
        "similar": "This is within the usual ups and downs from one year to the next.",
    }.get(rating or "", "")


def _crime_figures(run: Run, theme: str, table: Table) -> list[Headline]:
    """Counts and rates of crime types, latest 12 months against the 12 before."""
    df = table.df
    if "last_month" in df.columns:
        df = df[df["last_month"] == df["last_month"].max()]
    per = int(run.config.get("per", 10_000))
    out = []
    for _, row in df.iterrows():
        crime = row["crime_type"]
        count, prev = row.get("count"), row.get("previous_count")
        rate_text = fmt_number(row.get("rate"))
        lo, hi = row.get("lower"), row.get("upper")
        prev_rate = _num(row.get("previous_rate"))
        c, p, r = _num(count), _num(prev), _num(row.get("rate"))
        compared = _num(row.get("compared_previous_count", prev))
        if prev_rate is None and c and compared is not None and r is not None:
            # Same population both years (the tables' note): last year's rate scales with its
            # count, only when the two years were compared (both hold all 12 months: an 8-month
            # count is not a year's, issue 25)
            prev_rate = r * compared / c
        rating = compare(_num(lo), _num(hi), prev_rate)
        pct = _num(row.get("pct_change"))
        change = f"{pct:+.1f}%" if pct is not None else ""
        period = str(row.get("period", ""))
        plain = ""
        if c is not None and not _hidden(count):
            plain = (
                f"There were {fmt_count(count)} {_noun(crime)} in the year to the end of "
                f"{month_words(period).split(' to ')[-1]}. "
            )
            if p is not None and pct is not None:
                more = "more" if pct > 0 else "fewer"
                plain += (
                    f"That is {abs(pct):.0f}% {more} than the year before ({fmt_count(prev)}). "
                )
            if r is not None:
                plain += f"It is about {r:,.0f} for every {per:,} people living here. "
            plain += _judgement(rating)
        out.append(
            Headline(
                theme=theme,
                label=crime,
                period=month_words(period),
                value=f"{rate_text} per {per:,} residents",
                interval=_interval(lo, hi, fmt_number),
                base=f"n = {fmt_count(count)}",
                last_year=_vs(rating, fmt_count(prev), fmt_count(count), change),
                england=_england(row, lo, hi, fmt_number),
                note="",
                plain=plain.strip(),
                source=table.path.name,
                synthetic=table.synthetic,
                direction=rating,
                kind="crime",
            )
        )
    return out


def deprivation_index_of(run: Run) -> dict:
    """The deprivation index a run used (from its run logs; issue 21): ``label``, ``country``,
    ``year``, ``long_name``. Runs written before issue 21 used IMD 2019 (England)."""
    for log in run.logs.values():
        index = log.get("deprivation_index")
        if isinstance(index, dict) and index.get("label"):
            return index
    return {
        "label": "IMD 2019",
        "country": "England",
        "year": 2019,
        "long_name": "English Indices of Deprivation 2019",
    }


def _deprived_share(run: Run, theme: str, table: Table) -> list[Headline]:
    """Share of events in the 20% most deprived neighbourhoods, against their population share."""
    country = deprivation_index_of(run)["country"]
    label = deprivation_index_of(run)["label"]
    df = table.df
    df = df[df["group"].str.startswith("20%")]
    label_col = "crime_type" if "crime_type" in df.columns else "layer"
    out = []
    for _, row in df.iterrows():
        lo, hi = row.get("lower"), row.get("upper")
        pop = row.get("share_of_population")
        rating = compare(_num(lo), _num(hi), _num(pop))
        what = str(row[label_col])
        plain = ""
        if _num(pop) == 0:
            plain = (
                "None of the neighbourhoods here is among the fifth that are the most "
                f"deprived in {country}."
            )
        elif _num(row.get("share_of_events")) is not None:
            side = {
                "higher": "So these areas have more than their share.",
                "lower": "So these areas have less than their share.",
                "similar": "So these areas have about their share.",
            }.get(rating or "", "")
            plain = (
                f"{fmt_share(row['share_of_events'], 0)} of {_noun(what)} happened in the "
                f"most deprived fifth of neighbourhoods in {country}. "
                f"{fmt_share(pop, 0)} of people here live in these areas. {side}"
            ).strip()
        out.append(
            Headline(
                theme=theme,
                label=f"{what}: share in the 20% most deprived areas ({label})",
                period="latest 12 months",
                value=fmt_share(row.get("share_of_events")),
                interval=_interval(lo, hi, fmt_share),
                base=f"n = {fmt_count(row.get('count'))} of {fmt_count(row.get('total_count'))}",
                last_year="Not in this table",
                england=NO_ENGLAND,
                note=f"{(rating or 'not known').capitalize()} against the population share "
                f"({fmt_share(pop)})",
                plain=plain,
                source=table.path.name,
                synthetic=table.synthetic,
                kind="deprived",
            )
        )
    return out


def _by_year(
    run: Run,
    theme: str,
    table: Table,
    *,
    year: str,
    group: str | None,
    share: str,
    lower: str,
    upper: str,
    numerator: str,
    denominator: str,
    label: Callable[[pd.Series], str],
    plain: Callable[[pd.Series, str | None], str],
) -> list[Headline]:
    """A share by year (and group): the latest year against the year before."""
    df = table.df
    out = []
    groups = [(None, df)] if group is None else list(df.groupby(group, sort=False))
    for _, sub in groups:
        sub = sub.sort_values(year)
        row = sub.iloc[-1]
        before = sub.iloc[-2] if len(sub) > 1 else None
        prev_share = _num(before[share]) if before is not None else None
        rating = compare(_num(row[lower]), _num(row[upper]), prev_share)
        out.append(
            Headline(
                theme=theme,
                label=label(row),
                period=str(row[year]),
                value=fmt_share(row[share]),
                interval=_interval(row[lower], row[upper], fmt_share),
                base=f"n = {fmt_count(row[numerator])} of {fmt_count(row[denominator])}",
                last_year=(
                    _vs(rating, fmt_share(before[share]), fmt_share(row[share]))
                    if before is not None
                    else "No earlier year"
                ),
                england=_england(row, row[lower], row[upper], fmt_share),
                note="",
                plain=plain(row, rating) if _num(row[share]) is not None else "",
                source=table.path.name,
                synthetic=table.synthetic,
                direction=rating,
            )
        )
    return out


def _waiting_times(run: Run, theme: str, table: Table) -> list[Headline]:
    def plain(row: pd.Series, rating: str | None) -> str:
        who = "adults" if row["cohort"] == "adult" else "young people"
        text = (
            f"{fmt_share(row['share'], 0)} of {who} who started treatment in "
            f"{row['financial_year']} began within {row['target']} of being referred."
        )
        if rating == "similar":
            text += " That is much the same as the year before."
        elif rating:
            text += f" That is {'better' if rating == 'higher' else 'worse'} than the year before."
        return text

    return _by_year(
        run,
        theme,
        table,
        year="financial_year",
        group="cohort",
        share="share",
        lower="lower",
        upper="upper",
        numerator="within_target",
        denominator="started",
        label=lambda r: (
            f"Starting treatment within {r['target']} ({r['cohort'].replace('_', ' ')})"
        ),
        plain=plain,
    )


def _needle_collection(run: Run, theme: str, table: Table) -> list[Headline]:
    def plain(row: pd.Series, rating: str | None) -> str:
        return (
            f"In {row['year']}, {fmt_share(row['proportion'], 0)} of reported needles were "
            "collected within a day."
        )

    return _by_year(
        run,
        theme,
        table,
        year="year",
        group=None,
        share="proportion",
        lower="lower",
        upper="upper",
        numerator="within_target",
        denominator="finds",
        label=lambda r: "Needle finds collected within 24 hours",
        plain=plain,
    )


def _unmet_need(run: Run, theme: str, table: Table) -> list[Headline]:
    df = table.df
    chosen = df[df["substance_group"] == "opiate_and_or_crack"]
    out = []
    for _, row in (chosen if len(chosen) else df).iterrows():
        # The unmet share at the prevalence estimate's lower and upper limits: shown from the
        # smaller to the larger (a higher estimate means more unmet need).
        lo, hi = row.get("unmet_pct_at_lower"), row.get("unmet_pct_at_upper")
        a, b = _num(lo), _num(hi)
        if a is not None and b is not None and a > b:
            lo, hi = hi, lo
        group = str(row["substance_group"]).replace("_and_or_", " and/or ").replace("_", " ")
        plain = ""
        if _num(row.get("unmet_pct")) is not None:
            plain = (
                f"We estimate that about {fmt_share(row['unmet_pct'], 0, already_percent=True)} "
                f"of people who use {group.replace('opiate', 'opiates (such as heroin)')} "
                "are not in treatment."
            )
        out.append(
            Headline(
                theme=theme,
                label=f"Unmet need ({group})",
                period=f"prevalence {row.get('prevalence_year', '')}, "
                f"treatment {row.get('treatment_year', '')}",
                value=fmt_share(row.get("unmet_pct"), already_percent=True),
                interval=_interval(lo, hi, lambda v: fmt_share(v, already_percent=True)),
                base=f"n = {fmt_count(row.get('in_treatment'))} in treatment of an estimated "
                f"{fmt_count(row.get('estimate'))}",
                last_year="Not in this table",
                england=NO_ENGLAND,
                note="Range from the prevalence estimate's 95% interval",
                plain=plain,
                source=table.path.name,
                synthetic=table.synthetic,
            )
        )
    return out


def _young_people_access(run: Run, theme: str, table: Table) -> list[Headline]:
    out = []
    names = {
        "LAC": "looked-after children",
        "PRU": "pupil referral units",
        "YOT": "youth offending",
    }
    for _, row in table.df.iterrows():
        group = str(row["group"])
        plain = ""
        if _num(row.get("tier2_share")) is not None:
            plain = (
                f"Youth workers reached {fmt_share(row['tier2_share'], 0)} of young people in "
                f"the {names.get(group, group)} group in {row.get('financial_year', '')}."
            )
        out.append(
            Headline(
                theme=theme,
                label=f"Tier 2 reach: {group} ({names.get(group, group)})",
                period=str(row.get("financial_year", "")),
                value=fmt_share(row.get("tier2_share")),
                interval=_interval(row.get("tier2_lower"), row.get("tier2_upper"), fmt_share),
                base=f"n = {fmt_count(row.get('tier2_reached'))} of {fmt_count(row.get('cohort'))}",
                last_year="Not in this table",
                england=NO_ENGLAND,
                note="",
                plain=plain,
                source=table.path.name,
                synthetic=table.synthetic,
            )
        )
    return out


Extractor = Callable[[Run, str, Table], list[Headline]]


#: Per theme, the published tables its headlines come from and how to read each.
def _indicator_figures(run: Run, theme: str, table: Table) -> list[Headline]:
    """Indicators with an England value: the rating the indicators theme published.

    The rating (better / similar / worse, or higher / similar / lower where there is no good
    direction) is the Fingertips one that :mod:`workbench.indicators.compare` computed and
    published beside the value; it is not recomputed here. Rows without an England value
    (local-only measures) are left to the theme's report.
    """
    out = []
    for _, row in table.df.iterrows():
        if _num(row.get("england")) is None:
            continue
        rating = str(row.get("rating", "") or "").strip()
        unit = str(row.get("unit", "") or "")
        value = fmt_number(row.get("value"))
        value = f"{value}%" if unit == "%" and value not in (SUPPRESSED, MISSING) else value
        england = fmt_number(row.get("england"))
        if rating in ("better", "worse", "higher", "lower"):
            versus = f"{rating.capitalize()} than England ({england})"
        elif rating == "similar":
            versus = f"Similar to England ({england})"
        else:
            versus = f"Not known (England {england})"
        trend = str(row.get("trend", "") or "").strip()
        base = f"n = {fmt_count(row.get('count'))}"
        if _num(row.get("denominator")) is not None:
            base += f" of {fmt_count(row.get('denominator'))}"
        name = str(row.get("name", row.get("indicator", "")))
        # issue 22: what kind of figure it is, where it comes from and how current it is
        measure = str(row.get("measure", "") or "").strip()
        label = f"{name} ({measure})" if measure else name
        notes = [str(row.get("note", "") or "").strip()]
        latest = str(row.get("latest_period", "") or "").strip()
        if latest and latest != str(row.get("period", "")):
            notes.append(f"latest local period {latest}")
        row_synthetic = str(row.get("synthetic", "")).strip().lower() in ("true", "1")
        out.append(
            Headline(
                theme=theme,
                label=label,
                period=month_words(str(row.get("period", ""))),
                value=value,
                interval=_interval(row.get("lower"), row.get("upper"), fmt_number),
                base=base,
                last_year=f"Trend: {trend}" if trend else "Not known",
                england=versus,
                note="; ".join(n for n in notes if n),
                plain=f"{name}: {value} in {month_words(str(row.get('period', '')))}; "
                f"England {england}."
                + (" Not adjusted for age." if measure == "crude rate" else ""),
                source=table.path.name,
                synthetic=table.synthetic or row_synthetic,
                direction=None,
                kind="indicator",
            )
        )
    return out


HEADLINE_TABLES: dict[str, tuple[tuple[str, Extractor], ...]] = {
    "overview": (
        ("key_crime_figures", _crime_figures),
        ("most_deprived_share", _deprived_share),
        ("unmet_need", _unmet_need),
        ("waiting_times", _waiting_times),
    ),
    "supply": (("year_on_year", _crime_figures),),
    "communities": (
        ("most_deprived_shares", _deprived_share),
        ("needle_finds_most_deprived_shares", _deprived_share),
        ("needle_collection", _needle_collection),
    ),
    "young_people": (("access_by_group", _young_people_access),),
    "treatment": (("unmet_need", _unmet_need), ("waiting_times", _waiting_times)),
    "indicators": (("indicators_vs_england", _indicator_figures),),
}


def headlines(run: Run, theme: str) -> list[Headline]:
    """The headline figures of one theme, read from its published tables.

    A table the run did not write (not configured, too short a period) gives no headline;
    a table whose columns are not the expected ones is skipped with a warning rather than
    stopping the pack.
    """
    found: list[Headline] = []
    for name, extract in HEADLINE_TABLES.get(theme, ()):
        table = run.table(theme, name)
        if table is None or table.df.empty:
            continue
        try:
            found += extract(run, theme, table)
        except KeyError as exc:
            logger.warning("Table %s has no column %s: no headline taken from it", table.path, exc)
    return found


# --------------------------------------------------------------------------------------------
# Notes and assumptions
# --------------------------------------------------------------------------------------------


def applicable_assumptions(run: Run) -> list[dict[str, str]]:
    """The assumptions-log entries the run's themes listed, each once, from the log's data.

    Each theme's ``assumptions.md`` names the ids of the entries it listed
    (:func:`workbench.assumptions.id_marker`); the entries themselves are read from the
    package's log (:func:`workbench.assumptions.by_id`), so two entries are never merged and
    none is lost. A theme folder without the marker (a run made before it) lists none.
    """
    ids: list[str] = []
    for theme in run.themes:
        path = run.folders[theme] / "assumptions.md"
        if not path.is_file():
            continue
        found = ids_in(path.read_text(encoding="utf-8"))
        if not found and "| id |" in path.read_text(encoding="utf-8"):
            logger.warning("%s names no assumption ids (made before they were recorded)", path)
        ids += found
    return [e.as_dict() for e in assumption_entries(ids)]


def _shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters (with an ellipsis)."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-") + "…"


def _first_sentence(text: str, limit: int = 140) -> str:
    text = re.sub(r"`|\*\*", "", text)  # Markdown code and bold marks, not a lone "*"
    first = re.split(r"(?<=\.)\s", text, maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def sources(
    cfg: dict[str, Any], *, plain: bool = False, index: dict[str, Any] | None = None
) -> list[str]:
    """Names of the data sources the study configured (from the run log's settings).

    ``plain=True`` names the partnership's own tables in everyday words (community page).
    ``index`` is the run's deprivation index (:func:`deprivation_index_of`), named as used.
    """
    index = index or {}
    files = cfg.get("files", {}) or {}
    year = cfg.get("boundary_copyright_year")
    found = []
    if files.get("police_street"):
        found.append("Police recorded crime and anti-social behaviour, data.police.uk (OGL v3.0)")
    if files.get("stop_search"):
        found.append("Stop and search, data.police.uk (OGL v3.0)")
    if files.get("imd"):
        name = index.get("long_name", "English Indices of Deprivation 2019")
        found.append(f"{name}, {index.get('publisher', 'MHCLG')} (OGL v3.0)")
    if files.get("lsoa_boundaries"):
        found.append(
            "ONS boundaries (Crown copyright" + (f" {year}" if year else "") + "; OGL v3.0)"
        )
    if files.get("population"):
        census = "census" in str(index.get("population_source", "")).lower()
        found.append(
            "ONS Census 2021 usual residents (OGL v3.0)"
            if census
            else "ONS population estimates (OGL v3.0)"
        )
    partnership = [k.replace("_", " ") for k in PARTNERSHIP_TABLES if files.get(k)]
    if partnership:
        synthetic = any(
            "synthetic" in Path(str(files[k])).name.lower()
            for k in files
            if k.replace("_", " ") in partnership
        )
        listed = (
            "the partnership's own records (treatment, waiting times, needle finds, "
            "young people's services)"
            if plain
            else "Partnership tables: " + ", ".join(partnership)
        )
        found.append(
            listed + (" (SYNTHETIC in this sample: invented, not real)" if synthetic else "")
        )
    return found


def data_notes(run: Run, hl: Sequence[Headline]) -> list[str]:
    """The conventions behind the pack's figures (closing slide and community page)."""
    cfg = run.config
    threshold = int(cfg.get("suppression_threshold", 5))
    notes = [
        f"Small numbers: counts from 1 to {threshold - 1} are hidden as “*”, and other cells "
        "that would reveal them are hidden too; the pack shows only the published tables.",
        f"Rates are per {int(cfg.get('per', 10_000)):,} residents with a 95% interval (exact "
        "Poisson below 10 events, Byar's approximation from 10); shares have Wilson 95% "
        "intervals.",
        "Against last year: “higher” or “lower” when last year's value lies outside this "
        "year's 95% interval, otherwise “similar” (last year taken as fixed, as Fingertips "
        "does for a benchmark).",
        "Against England: rated the same way where a published table carries the England "
        "value (column “england”)"
        + (
            "."
            if any(h.england != NO_ENGLAND for h in hl)
            else "; no table of this run does, so the column says “Not available”."
        ),
        "Colours: ColorBrewer schemes marked colour-blind safe (RdBu for hot and cold "
        "spots, RdYlBu for deprivation, sequential Reds, Blues, YlOrRd and OrRd); charts "
        "use blue and orange, never red against green.",
    ]
    if any(h.synthetic for h in hl):
        notes.insert(
            0,
            "SYNTHETIC: figures marked SYNTHETIC come from invented sample tables; do not quote "
            "them as facts.",
        )
    return notes


# --------------------------------------------------------------------------------------------
# The PowerPoint
# --------------------------------------------------------------------------------------------


@dataclass
class SlideInfo:
    """What one slide holds (for the run log and tests)."""

    number: int
    kind: str
    title: str
    pictures: list[str] = field(default_factory=list)


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename,
    so a stopped run never leaves a truncated file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)  # mkstemp makes the file private; give it the usual mode
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class _Deck:
    """A python-pptx presentation with the pack's slide kinds (16:9, real text, alt text)."""

    def __init__(self) -> None:
        from pptx import Presentation
        from pptx.util import Inches

        self.prs = Presentation()
        self.prs.slide_width = Inches(13.333)
        self.prs.slide_height = Inches(7.5)
        self.slides: list[SlideInfo] = []

    # -- helpers --------------------------------------------------------------------------
    @staticmethod
    def _style(run: Any, size: int, *, bold: bool = False, color: tuple = _INK) -> None:
        from pptx.dml.color import RGBColor
        from pptx.util import Pt

        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = _FONT
        run.font.color.rgb = RGBColor(*color)

    def _new(self, kind: str, title: str) -> Any:
        from pptx.util import Inches, Pt

        slide = self.prs.slides.add_slide(self.prs.slide_layouts[5])  # "Title Only"
        shape = slide.shapes.title
        shape.left, shape.top = Inches(0.5), Inches(0.3)
        shape.width, shape.height = Inches(12.3), Inches(0.9)
        frame = shape.text_frame
        frame.word_wrap = True
        frame.text = title
        para = frame.paragraphs[0]
        from pptx.enum.text import PP_ALIGN

        para.alignment = PP_ALIGN.LEFT
        # one line of 12.3 inches holds about 50 characters at 30 pt and 62 at 24 pt
        self._style(para.runs[0], 30 if len(title) <= 50 else 24, bold=True, color=_BLUE)
        frame.margin_left = Pt(0)
        self.slides.append(SlideInfo(len(self.slides) + 1, kind, title))
        return slide

    def _text(
        self,
        slide: Any,
        box: tuple[float, float, float, float],
        lines: Iterable[str | tuple[str, dict[str, Any]]],
        size: int = 18,
    ) -> Any:
        from pptx.util import Inches, Pt

        shape = slide.shapes.add_textbox(*(Inches(v) for v in box))
        frame = shape.text_frame
        frame.word_wrap = True
        first = True
        for item in lines:
            text, opts = (item, {}) if isinstance(item, str) else item
            para = frame.paragraphs[0] if first else frame.add_paragraph()
            first = False
            para.space_after = Pt(6)
            run = para.add_run()
            run.text = text
            self._style(
                run,
                opts.get("size", size),
                bold=opts.get("bold", False),
                color=opts.get("color", _INK),
            )
        return shape

    def _picture(self, slide: Any, path: Path, box: tuple[float, float, float, float], alt: str):
        from PIL import Image
        from pptx.util import Inches

        left, top, width, height = box
        with Image.open(path) as img:
            w, h = img.size
        scale = min(width / w, height / h)
        pw, ph = w * scale, h * scale
        pic = slide.shapes.add_picture(
            str(path),
            Inches(left + (width - pw) / 2),
            Inches(top + (height - ph) / 2),
            Inches(pw),
            Inches(ph),
        )
        pic._element.nvPicPr.cNvPr.set("descr", alt)  # the picture's alt text
        self.slides[-1].pictures.append(alt)
        return pic

    # -- slide kinds ----------------------------------------------------------------------
    def title_slide(self, title: str, lines: list[str], source_lines: list[str]) -> None:
        slide = self._new("title", title)
        shape = slide.shapes.title
        from pptx.util import Inches

        shape.top, shape.height = Inches(1.2), Inches(1.4)
        self.slides[-1].kind = "title"
        for para in shape.text_frame.paragraphs:
            for run in para.runs:
                self._style(run, 40, bold=True, color=_BLUE)
        self._text(slide, (0.5, 2.7, 12.3, 2.0), lines, size=22)
        self._text(
            slide,
            (0.5, 4.9, 12.3, 2.4),
            [("Sources", {"bold": True, "size": 16})] + [(s, {"size": 14}) for s in source_lines],
        )

    def figures_slide(self, title: str, rows: Sequence[Headline], synthetic: bool) -> None:
        from pptx.dml.color import RGBColor
        from pptx.util import Inches, Pt

        slide = self._new("figures", title)
        top = 1.3
        if synthetic:
            self._text(
                slide,
                (0.5, 1.2, 12.3, 0.5),
                [
                    (
                        "SYNTHETIC: rows marked so come from invented sample tables. "
                        "Do not quote them as facts.",
                        {"bold": True, "color": _VERMILION, "size": 16},
                    )
                ],
            )
            top = 1.75
        headers = ["Figure", "Value (95% interval)", "Base", "Against last year", "Against England"]
        widths = [3.3, 2.5, 2.4, 2.0, 2.1]
        n = len(rows) + 1
        shape = slide.shapes.add_table(
            n, len(headers), Inches(0.5), Inches(top), Inches(sum(widths)), Inches(0.5 * n)
        )
        table = shape.table
        for j, w in enumerate(widths):
            table.columns[j].width = Inches(w)
        for j, text in enumerate(headers):
            cell = table.cell(0, j)
            cell.text = text
            cell.fill.solid()
            cell.fill.fore_color.rgb = RGBColor(*_BLUE)
            self._style(cell.text_frame.paragraphs[0].runs[0], 15, bold=True, color=(255, 255, 255))
        height = 0.55  # the header row
        for i, h in enumerate(rows, start=1):
            label = (f"{h.label} (SYNTHETIC)" if h.synthetic else h.label) + (
                f", {h.period}" if h.period else ""
            )
            value = (
                h.value
                if h.interval in (SUPPRESSED, MISSING)
                and h.value
                in (
                    SUPPRESSED,
                    MISSING,
                )
                else f"{h.value} ({h.interval})"
            )
            base = h.base + (f"; {h.note}" if h.note else "")
            texts = [label, value, base, h.last_year, h.england]
            # height the renderer will give the row: 14 pt text wraps at about 9.5
            # characters an inch; 0.24 in a line plus the cell margins
            lines = max(
                math.ceil(max(len(t), 1) / (9.5 * (w - 0.2)))
                for t, w in zip(texts, widths, strict=True)
            )
            height += lines * 0.24 + 0.12
            for j, text in enumerate(texts):
                cell = table.cell(i, j)
                cell.text = text
                for para in cell.text_frame.paragraphs:
                    for run in para.runs:
                        self._style(run, 14)
                cell.margin_top = cell.margin_bottom = Pt(3)
        messages = [h.plain for h in rows if h.plain][:3]
        below = top + height + 0.3
        if len(rows) <= 3 and messages and below < 5.2:
            # room under a short table: the figures in a sentence each, for the discussion
            self._text(
                slide,
                (0.5, below, 12.3, 6.7 - below),
                [("In words", {"bold": True, "size": 16})]
                + [(f"• {m}", {"size": 15}) for m in messages],
            )
        self._text(
            slide,
            (0.5, 6.85, 12.3, 0.5),
            [
                (
                    "Source: "
                    + ", ".join(sorted({h.source for h in rows}))
                    + ". * = hidden to protect individuals (a small number, or one that would"
                    + " reveal it); – = not available.",
                    {"size": 12, "color": _GREY},
                )
            ],
        )

    def picture_slide(self, title: str, path: Path, alt: str, caption: str) -> None:
        slide = self._new("map" if "map" in alt.lower()[:12] else "chart", title)
        self._picture(slide, path, (0.5, 1.25, 12.3, 5.45), alt)
        self._text(slide, (0.5, 6.8, 12.3, 0.6), [(caption, {"size": 12, "color": _GREY})])

    def closing_slide(self, notes: list[str], entries: list[dict[str, str]]) -> None:
        slide = self._new("closing", "Data notes and assumptions")
        self._text(
            slide,
            (0.5, 1.25, 6.0, 6.0),
            [("Data notes", {"bold": True, "size": 16})]
            + [(f"• {n}", {"size": 13}) for n in notes],
            size=13,
        )
        high = [e for e in entries if e.get("impact", "").lower().startswith("high")]
        shown = high[:7]
        lines: list[str | tuple[str, dict[str, Any]]] = [
            (
                f"Assumptions that apply (high impact: {len(shown)} of {len(entries)})",
                {"bold": True, "size": 16},
            )
        ]
        for e in shown:
            lines.append(
                (
                    f"{e.get('id', '')}: {_first_sentence(e.get('assumption or caveat', ''))}",
                    {"size": 13},
                )
            )
        lines.append(
            (
                f"All {len(entries)} entries, with quality and impact ratings: assumptions.md in "
                "each theme folder.",
                {"size": 12, "color": _GREY},
            )
        )
        self._text(slide, (6.8, 1.25, 6.0, 6.0), lines, size=13)

    def save(self, path: Path) -> Path:
        import io

        buf = io.BytesIO()
        self.prs.save(buf)
        return write_atomic(path, buf.getvalue())


def map_title(path: Path) -> str | None:
    """The ``<title>`` of a saved map (its title and period), if it has one."""
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:20_000]
    except OSError:
        return None
    from bs4 import BeautifulSoup

    title = BeautifulSoup(head, "lxml").title
    return title.get_text().strip() if title is not None and title.get_text().strip() else None


@dataclass(frozen=True)
class Picture:
    """A map or figure PNG of the run with its title and alt text."""

    theme: str
    name: str
    path: Path
    title: str
    alt: str
    synthetic: bool


def key_maps(run: Run, theme: str, limit: int = 2) -> list[Picture]:
    """The theme's key maps that have a PNG, with alt text naming what they show."""
    area = run.config.get("area_name", "the study area")
    found = []
    names = list(KEY_MAPS.get(theme, ())) or [r["name"] for r in run.records(theme, "map")]
    for name in names:
        png = run.file(theme, name, "map", ".png")
        html_file = run.file(theme, name, "map", ".html")
        if png is None:
            continue
        rec = run.record(theme, name, "map") or {}
        title = (html_file and map_title(html_file)) or name.replace("_", " ")
        synthetic = bool(rec.get("synthetic"))
        alt = (
            f"Map of {area}: {title}."
            + (" Built from SYNTHETIC (invented) data." if synthetic else "")
            + " The map has its legend (colour key), a scale bar in kilometres and miles, and "
            "its sources and licences; the figures behind it are in the theme's tables."
        )
        found.append(Picture(theme, name, png, title, alt, synthetic))
    return found[:limit]


def spc_chart(run: Run) -> Picture | None:
    """The XmR (SPC) chart of the headline series: the hot spot crime type's, else the first."""
    theme = "supply"
    figures = [r for r in run.records(theme, "figure") if r["name"].startswith("spc_")]
    if not figures:
        return None
    wanted = (run.logs[theme].get("parameters") or {}).get("hotspot_crime_type", "")
    slug = "spc_" + re.sub(r"[^a-z0-9]+", "_", str(wanted).lower()).strip("_")
    rec = next((r for r in figures if r["name"] == slug), figures[0])
    path = run.file(theme, rec["name"], "figure", ".png")
    if path is None:
        return None
    series = rec["name"][4:].replace("_", " ")
    title = f"{series.capitalize()}: monthly counts, statistical process control (XmR) chart"
    alt = (
        f"Chart of monthly {series} counts in {run.config.get('area_name', 'the area')}, "
        f"{run.config.get('period_start')} to {run.config.get('period_end')}, with the mean "
        "and the process limits (mean plus or minus 2.66 average moving ranges); points that "
        "signal special cause variation are orange, the others blue."
    )
    return Picture(theme, rec["name"], path, title, alt, bool(rec.get("synthetic")))


def build_pptx(run: Run, path: Path) -> tuple[list[SlideInfo], dict[str, list[Headline]]]:
    """Write the meeting pack for ``run`` to ``path``; returns its slides and headlines."""
    cfg = run.config
    deck = _Deck()
    area = cfg.get("area_name") or cfg.get("name", "Study")
    period = (
        f"{month_words(cfg.get('period_start', ''))} to {month_words(cfg.get('period_end', ''))}"
    )
    deck.title_slide(
        f"{area}: partnership meeting pack",
        [
            f"Study: {cfg.get('name', area)}",
            f"Districts: {', '.join(cfg.get('area_codes', []))}",
            f"Period: {period}",
            f"Run of {run.date}; pack made {_dt.date.today().isoformat()}",
        ],
        sources(cfg, index=deprivation_index_of(run)),
    )
    by_theme: dict[str, list[Headline]] = {}
    spc = spc_chart(run) if "supply" in run.folders else None
    for theme in run.themes:
        title = PACK_THEMES.get(theme, theme.replace("_", " ").capitalize())
        rows = headlines(run, theme)
        by_theme[theme] = rows
        for k in range(0, len(rows), ROWS_PER_SLIDE):
            chunk = rows[k : k + ROWS_PER_SLIDE]
            suffix = f" ({k // ROWS_PER_SLIDE + 1} of {math.ceil(len(rows) / ROWS_PER_SLIDE)})"
            deck.figures_slide(
                title + (suffix if len(rows) > ROWS_PER_SLIDE else ""),
                chunk,
                any(h.synthetic for h in chunk),
            )
        if not rows:
            slide = deck._new("figures", title)
            deck._text(
                slide,
                (0.5, 1.4, 12.3, 1.0),
                [
                    "No headline table was written for this theme in this run (input not "
                    "configured or period too short); see the theme's report."
                ],
            )
        for pic in key_maps(run, theme):
            # the map's own period goes to the caption so that the title fits on one line
            match = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", pic.title)
            name, when = (match.group(1), match.group(2)) if match else (pic.title, "")
            name = re.sub(r"^SYNTHETIC[^-]*-\s*", "", name)
            label = "SYNTHETIC " if pic.synthetic else ""
            deck.picture_slide(
                _shorten(f"{title.split(':')[0]}: {label}{name}", 62),
                pic.path,
                pic.alt,
                f"{pic.title}. Map file: {pic.path.parent.name}/{pic.path.name} (interactive: "
                f"{pic.path.with_suffix('.html').name}). Legend, scale bar and attribution on "
                "the map." + (f" Period: {month_words(when)}." if when else ""),
            )
        if theme == "supply" and spc is not None:
            deck.picture_slide(
                f"Supply: {spc.title}",
                spc.path,
                spc.alt,
                f"Chart file: {spc.path.parent.name}/{spc.path.name}. NHS “Making Data Count” "
                "method; limits at the mean ± 2.66 × the average moving range.",
            )
    all_rows = [h for rows in by_theme.values() for h in rows]
    deck.closing_slide(data_notes(run, all_rows), applicable_assumptions(run))
    deck.save(path)
    return deck.slides, by_theme


# --------------------------------------------------------------------------------------------
# Rendering slides to PNG (LibreOffice headless, pdftoppm)
# --------------------------------------------------------------------------------------------


def render_slides(
    pptx: str | Path, folder: str | Path, *, resolution: int = 72, timeout: int = 300
) -> list[Path]:
    """PNG images of every slide, rendered by LibreOffice headless and ``pdftoppm``.

    Returns ``[]`` (and logs why) when LibreOffice (``soffice``) or poppler's ``pdftoppm`` is
    not installed: the pack itself does not need them. Files are ``slide_01.png``, ...

    Notes
    -----
    LibreOffice runs with a private, temporary user profile so that it neither clashes with
    an open LibreOffice nor writes to the user's profile.
    """
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    if soffice is None or pdftoppm is None:
        logger.warning(
            "Slides not rendered to PNG: %s not found (Debian: apt-get install "
            "libreoffice-impress poppler-utils)",
            "soffice" if soffice is None else "pdftoppm",
        )
        return []
    pptx = Path(pptx).resolve()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wb_render_") as tmp:
        profile = Path(tmp) / "profile"
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            tmp,
            str(pptx),
        ]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            logger.warning("LibreOffice could not render %s: %s", pptx, exc)
            return []
        pdf = Path(tmp) / f"{pptx.stem}.pdf"
        if not pdf.is_file():
            logger.warning("LibreOffice wrote no PDF for %s", pptx)
            return []
        prefix = Path(tmp) / "slide"
        subprocess.run(
            [pdftoppm, "-png", "-r", str(resolution), str(pdf), str(prefix)],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        written = []
        for page in sorted(Path(tmp).glob("slide-*.png")):
            number = int(page.stem.split("-")[-1])
            target = folder / f"slide_{number:02d}.png"
            write_atomic(target, page.read_bytes())
            written.append(target)
    return written
