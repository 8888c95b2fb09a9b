"""The meeting pack: one PowerPoint per run, built from a finished run's published files.

Everything on the slides is read from what the run already wrote and suppressed: the headline
records each theme published as it wrote its tables (``headlines.json``,
:mod:`workbench.headlines`; made here by :func:`publish_headlines`, called by
:meth:`workbench.outputs.Outputs.table` on the frame it writes and the cells it hides), PNG
maps and figures, ``assumptions.md`` and ``run_log.json``. No input file is read again and no
table CSV is parsed for figures, so the pack carries the same figures, and the same hidden
cells, as the analyst's reports. The same :class:`~workbench.headlines.Headline` records feed
the community page (:mod:`workbench.community`).
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.assumptions import StudyFacts, ids_in
from workbench.assumptions import by_id as assumption_entries
from workbench.config import PARTNERSHIP_TABLES
from workbench.disclosure.policy import SUPPRESSED
from workbench.display import format_value
from workbench.errors import WorkbenchError
from workbench.headlines import FILE as HEADLINES_FILE
from workbench.headlines import Comparison, Headline, Interval, Period, compare, read_headlines
from workbench.writing.folder import is_complete

__all__ = [
    "Headline",
    "HeadlineContext",
    "PUBLISHERS",
    "Run",
    "PACK_THEMES",
    "build_pptx",
    "card",
    "compare",
    "find_run",
    "map_title",
    "headlines",
    "publish_headlines",
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
    study_folder : Path, optional
        The folder of the study's ``area.toml``, when known (given by ``workbench report``):
        the run logs name the study's files relative to it, never by an absolute path.
    """

    out_dir: Path
    date: str
    folders: dict[str, Path]
    logs: dict[str, dict[str, Any]]
    study_folder: Path | None = None

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
# Headline records: published by the theme run as it writes each table, read by the pack
# --------------------------------------------------------------------------------------------


def _num(value: Any) -> float | None:
    """A cell as a number; ``None`` for hidden (``*``), blank, missing or non-numeric."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", "")
        if value in ("", SUPPRESSED):
            return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def fmt_count(value: Any) -> str:
    """A count: thousands separators, ``*`` kept, missing as a dash
    (:func:`workbench.display.format_value`, the reports' formatter).

    >>> fmt_count("1846.0"), fmt_count("*"), fmt_count("")
    ('1,846', '*', '–')
    """
    return format_value(_cell(value), "count")


def fmt_number(value: Any, digits: int = 1) -> str:
    """A rate or ratio to ``digits`` decimals (``*`` kept, missing as a dash)."""
    return format_value(_cell(value), "rate", digits)


def fmt_share(value: Any, digits: int = 1, *, already_percent: bool = False) -> str:
    """A share (0-1, or a percentage with ``already_percent``) as a percentage.

    >>> fmt_share("0.386"), fmt_share("46.8", already_percent=True)
    ('38.6%', '46.8%')
    """
    return format_value(_cell(value), "percent" if already_percent else "share", digits)


def _cell(value: Any) -> Any:
    """A cell for the formatter: ``*`` kept, a number, or None (blank, text)."""
    if isinstance(value, str) and value.strip() == SUPPRESSED:
        return SUPPRESSED
    return _num(value)


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


def _judgement(rating: str | None) -> str:
    return {
        "higher": "This rise is bigger than the usual ups and downs from one year to the next.",
        "lower": "This fall is bigger than the usual ups and downs from one year to the next.",
        "similar": "This is within the usual ups and downs from one year to the next.",
    }.get(rating or "", "")


def deprivation_index_of(run: Run) -> dict:
    """The deprivation index a run used (from its run logs; issue 21): ``label``, ``country``,
    ``year``, ``long_name``. Runs written before issue 21 used IMD 2019 (England)."""
    for log in run.logs.values():
        index = log.get("deprivation_index")
        if isinstance(index, dict) and index.get("label"):
            return index
    return dict(_IMD2019)


_IMD2019 = {
    "label": "IMD 2019",
    "country": "England",
    "year": 2019,
    "long_name": "English Indices of Deprivation 2019",
}

#: Interval methods, as the analysis functions compute them (docs/indicators.md).
RATE_CI = "95%: exact Poisson below 10 events, Byar's approximation from 10"
SHARE_CI = "95%: Wilson score"
POLICE = "Police recorded crime and anti-social behaviour, data.police.uk (OGL v3.0)"


@dataclass(frozen=True)
class HeadlineContext:
    """What a headline publisher needs besides the table: where and how it is published.

    Attributes
    ----------
    theme, table : str
        The theme and the table's run-log name.
    source : str
        The table's file name (``key_crime_figures.csv``).
    synthetic : bool
        The table comes from invented sample data.
    per : int
        Rates are per this many residents.
    index : dict
        The run's deprivation index (``label``, ``country``, ``long_name``).
    """

    theme: str
    table: str
    source: str
    synthetic: bool = False
    per: int = 10_000
    index: dict = field(default_factory=lambda: dict(_IMD2019))


class _Row:
    """One row of a table as published: numbers, with the cells disclosure control hid."""

    def __init__(self, row: pd.Series, hidden: pd.Series | None) -> None:
        self.row = row
        self.hidden_cells = hidden

    def hid(self, col: str) -> bool:
        if self.hidden_cells is not None and col in self.hidden_cells.index:
            if bool(self.hidden_cells[col]):
                return True
        return isinstance(self.row.get(col), str) and self.row[col].strip() == SUPPRESSED

    def num(self, col: str) -> float | None:
        """The cell as a number; ``None`` when absent, hidden or missing."""
        if col not in self.row.index or self.hid(col):
            return None
        return _num(self.row[col])

    def text(self, col: str) -> str:
        value = self.row.get(col)
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))  # a year or group number written as a float: 2022, not 2022.0
        return str(value).strip()


def _rows(frame: pd.DataFrame, hidden: pd.DataFrame | None) -> list[_Row]:
    return [
        _Row(row, hidden.loc[i] if hidden is not None and i in hidden.index else None)
        for i, row in frame.iterrows()
    ]


def _months(label: str) -> tuple[str | None, str | None]:
    found = _PERIOD_RE.findall(label)
    if len(found) == 2:
        return f"{found[0][0]}-{found[0][1]}", f"{found[1][0]}-{found[1][1]}"
    return None, None


def _window(r: _Row, label: str) -> Period:
    first, last = _months(label)
    first = r.text("first_month") or first
    last = r.text("last_month") or last
    covered = r.num("months_observed")
    expected = r.num("months_expected")
    if expected is None and first and last:
        expected = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1
    return Period(
        label,
        first,
        last,
        int(covered) if covered is not None else None,
        int(expected) if expected is not None else None,
    )


def _hidden_fields(r: _Row, **cols: str) -> tuple[str, ...]:
    return tuple(name for name, col in cols.items() if col and r.hid(col))


def _crime_figures(ctx: HeadlineContext, frame: pd.DataFrame, hidden: Any) -> list[Headline]:
    """Counts and rates of crime types, latest 12 months against the 12 before."""
    rows = _rows(frame, hidden)
    if rows and "last_month" in frame.columns:
        latest = max(r.text("last_month") for r in rows)
        rows = [r for r in rows if r.text("last_month") == latest]
    out = []
    for r in rows:
        crime = r.text("crime_type")
        c, p, rate = r.num("count"), r.num("previous_count"), r.num("rate")
        lo, hi = r.num("lower"), r.num("upper")
        prev_rate = r.num("previous_rate")
        # the counts compared (the months both windows hold); older tables: the counts
        cc = r.num("compared_count") if "compared_count" in r.row.index else c
        cp = r.num("compared_previous_count") if "compared_count" in r.row.index else p
        if prev_rate is None and cc and cp is not None and rate is not None:
            # Same population both years (the tables' note): last year's rate scales with
            # its count over the same months.
            prev_rate = rate * cp / cc
        rating = compare(lo, hi, prev_rate)
        pct = r.num("pct_change")
        period = _window(r, r.text("period"))
        plain = ""
        if c is not None:
            end = month_words(period.label).split(" to ")[-1]
            held, due = period.months_covered, period.months_expected
            if held is not None and due and held < due:
                # a window with months missing: its count is not a year's count
                plain = (
                    f"There were {fmt_count(c)} {_noun(crime)} in the {held} months with "
                    f"police data of the {due} to the end of {end}. "
                )
            else:
                plain = (
                    f"There were {fmt_count(c)} {_noun(crime)} in the year to the end of {end}. "
                )
            if p is not None and pct is not None:
                more = "more" if pct > 0 else "fewer"
                plain += f"That is {abs(pct):.0f}% {more} than the year before ({fmt_count(p)}). "
            if rate is not None:
                plain += f"It is about {rate:,.0f} for every {ctx.per:,} people living here. "
            plain += _judgement(rating)
        comparisons = [
            Comparison(
                "last year",
                prev_rate,
                rating,
                before=p,
                before_unit="count",
                change_pct=pct,
                hidden=r.hid("previous_count") or r.hid("pct_change"),
            )
        ]
        if "england" in r.row.index:
            england = r.num("england")
            comparisons.append(Comparison("England", england, compare(lo, hi, england)))
        out.append(
            Headline(
                theme=ctx.theme,
                table=ctx.table,
                name=crime,
                kind="crime",
                unit="rate",
                per=ctx.per,
                value=rate,
                base=c,
                interval=Interval(lo, hi, RATE_CI, r.hid("lower") or r.hid("upper")),
                period=period,
                source=ctx.source,
                attribution=POLICE,
                synthetic=ctx.synthetic,
                comparisons=tuple(comparisons),
                plain=plain.strip(),
                hidden=_hidden_fields(r, value="rate", base="count"),
            )
        )
    return out


def _deprived_share(ctx: HeadlineContext, frame: pd.DataFrame, hidden: Any) -> list[Headline]:
    """Share of events in the 20% most deprived neighbourhoods, against their population share."""
    country, label = ctx.index.get("country", "England"), ctx.index.get("label", "IMD 2019")
    label_col = "crime_type" if "crime_type" in frame.columns else "layer"
    # the layers' counts are those of the latest 12 months (their totals are the key figures')
    out = []
    for r in _rows(frame, hidden):
        if not r.text("group").startswith("20%"):
            continue
        lo, hi, share, pop = (
            r.num("lower"),
            r.num("upper"),
            r.num("share_of_events"),
            r.num("share_of_population"),
        )
        rating = compare(lo, hi, pop)
        what = r.text(label_col)
        plain = ""
        if pop == 0:
            plain = (
                "None of the neighbourhoods here is among the fifth that are the most "
                f"deprived in {country}."
            )
        elif share is not None:
            side = {
                "higher": "So these areas have more than their share.",
                "lower": "So these areas have less than their share.",
                "similar": "So these areas have about their share.",
            }.get(rating or "", "")
            plain = (
                f"{fmt_share(share, 0)} of {_noun(what)} happened in the "
                f"most deprived fifth of neighbourhoods in {country}. "
                f"{fmt_share(pop, 0)} of people here live in these areas. {side}"
            ).strip()
        out.append(
            Headline(
                theme=ctx.theme,
                table=ctx.table,
                name=f"{what}: share in the 20% most deprived areas ({label})",
                kind="deprived",
                unit="share",
                value=share,
                base=r.num("count"),
                denominator=r.num("total_count"),
                interval=Interval(lo, hi, SHARE_CI, r.hid("lower") or r.hid("upper")),
                period=Period("latest 12 months"),
                source=ctx.source,
                attribution=ctx.index.get("long_name", label),
                synthetic=ctx.synthetic,
                comparisons=(
                    Comparison(
                        "population share", pop, rating, hidden=r.hid("share_of_population")
                    ),
                ),
                note=f"{(rating or 'not known').capitalize()} against the population share "
                f"({fmt_share(pop)})",
                plain=plain,
                hidden=_hidden_fields(
                    r, value="share_of_events", base="count", denominator="total_count"
                ),
            )
        )
    return out


def _by_year(
    ctx: HeadlineContext,
    frame: pd.DataFrame,
    hidden: Any,
    *,
    kind: str,
    year: str,
    group: str | None,
    share: str,
    numerator: str,
    denominator: str,
    label: Callable[[_Row], str],
    plain: Callable[[_Row, str | None], str],
) -> list[Headline]:
    """A share by year (and group): the latest year against the year before."""
    rows = _rows(frame, hidden)
    groups: dict[str, list[_Row]] = {}
    for r in rows:
        groups.setdefault(r.text(group) if group else "", []).append(r)
    out = []
    for members in groups.values():
        members = sorted(members, key=lambda r: r.text(year))
        r = members[-1]
        before = members[-2] if len(members) > 1 else None
        lo, hi = r.num("lower"), r.num("upper")
        prev = before.num(share) if before is not None else None
        rating = compare(lo, hi, prev)
        comparisons = ()
        if before is not None:
            comparisons = (
                Comparison(
                    "last year",
                    prev,
                    rating,
                    before=prev,
                    before_unit="share",
                    hidden=before.hid(share),
                    text=before.text(year),
                ),
            )
        out.append(
            Headline(
                theme=ctx.theme,
                table=ctx.table,
                name=label(r),
                kind=kind,
                unit="share",
                value=r.num(share),
                base=r.num(numerator),
                denominator=r.num(denominator),
                interval=Interval(lo, hi, SHARE_CI, r.hid("lower") or r.hid("upper")),
                period=Period(r.text(year)),
                source=ctx.source,
                attribution="the partnership's own records",
                synthetic=ctx.synthetic,
                comparisons=comparisons,
                plain=plain(r, rating) if r.num(share) is not None else "",
                hidden=_hidden_fields(r, value=share, base=numerator, denominator=denominator),
            )
        )
    return out


def _waiting_times(ctx: HeadlineContext, frame: pd.DataFrame, hidden: Any) -> list[Headline]:
    def plain(r: _Row, rating: str | None) -> str:
        who = "adults" if r.text("cohort") == "adult" else "young people"
        text = (
            f"{fmt_share(r.num('share'), 0)} of {who} who started treatment in "
            f"{r.text('financial_year')} began within {r.text('target')} of being referred."
        )
        if rating == "similar":
            text += " That is much the same as the year before."
        elif rating:
            text += f" That is {'better' if rating == 'higher' else 'worse'} than the year before."
        return text

    return _by_year(
        ctx,
        frame,
        hidden,
        kind="waiting",
        year="financial_year",
        group="cohort",
        share="share",
        numerator="within_target",
        denominator="started",
        label=lambda r: (
            f"Starting treatment within {r.text('target')} ({r.text('cohort').replace('_', ' ')})"
        ),
        plain=plain,
    )


def _needle_collection(ctx: HeadlineContext, frame: pd.DataFrame, hidden: Any) -> list[Headline]:
    def plain(r: _Row, rating: str | None) -> str:
        return (
            f"In {r.text('year')}, {fmt_share(r.num('proportion'), 0)} of reported needles were "
            "collected within a day."
        )

    return _by_year(
        ctx,
        frame,
        hidden,
        kind="needles",
        year="year",
        group=None,
        share="proportion",
        numerator="within_target",
        denominator="finds",
        label=lambda r: "Needle finds collected within 24 hours",
        plain=plain,
    )


def _unmet_need(ctx: HeadlineContext, frame: pd.DataFrame, hidden: Any) -> list[Headline]:
    rows = _rows(frame, hidden)
    chosen = [r for r in rows if r.text("substance_group") == "opiate_and_or_crack"]
    out = []
    for r in chosen or rows:
        # The unmet share at the prevalence estimate's lower and upper limits: shown from the
        # smaller to the larger (a higher estimate means more unmet need).
        a, b = r.num("unmet_pct_at_lower"), r.num("unmet_pct_at_upper")
        if a is not None and b is not None and a > b:
            a, b = b, a
        group = r.text("substance_group").replace("_and_or_", " and/or ").replace("_", " ")
        plain = ""
        if r.num("unmet_pct") is not None:
            plain = (
                f"We estimate that about {fmt_share(r.num('unmet_pct'), 0, already_percent=True)}"
                f" of people who use {group.replace('opiate', 'opiates (such as heroin)')} "
                "are not in treatment."
            )
        out.append(
            Headline(
                theme=ctx.theme,
                table=ctx.table,
                name=f"Unmet need ({group})",
                kind="unmet",
                unit="percent",
                value=r.num("unmet_pct"),
                base=r.num("in_treatment"),
                denominator=r.num("estimate"),
                base_words="in treatment of an estimated",
                interval=Interval(
                    a,
                    b,
                    "range from the prevalence estimate's 95% interval",
                    r.hid("unmet_pct_at_lower") or r.hid("unmet_pct_at_upper"),
                ),
                period=Period(
                    f"prevalence {r.text('prevalence_year')}, treatment {r.text('treatment_year')}"
                ),
                source=ctx.source,
                attribution="prevalence estimates and the partnership's treatment numbers",
                synthetic=ctx.synthetic,
                note="Range from the prevalence estimate's 95% interval",
                plain=plain,
                hidden=_hidden_fields(
                    r, value="unmet_pct", base="in_treatment", denominator="estimate"
                ),
            )
        )
    return out


_YP_GROUPS = {
    "LAC": "looked-after children",
    "PRU": "pupil referral units",
    "YOT": "youth offending",
}


def _young_people_access(ctx: HeadlineContext, frame: pd.DataFrame, hidden: Any) -> list[Headline]:
    out = []
    for r in _rows(frame, hidden):
        group = r.text("group")
        words = _YP_GROUPS.get(group, group)
        share = r.num("tier2_share")
        plain = ""
        if share is not None:
            plain = (
                f"Youth workers reached {fmt_share(share, 0)} of young people in "
                f"the {words} group in {r.text('financial_year')}."
            )
        out.append(
            Headline(
                theme=ctx.theme,
                table=ctx.table,
                name=f"Tier 2 reach: {group} ({words})",
                kind="young_people",
                unit="share",
                value=share,
                base=r.num("tier2_reached"),
                denominator=r.num("cohort"),
                interval=Interval(
                    r.num("tier2_lower"),
                    r.num("tier2_upper"),
                    SHARE_CI,
                    r.hid("tier2_lower") or r.hid("tier2_upper"),
                ),
                period=Period(r.text("financial_year")),
                source=ctx.source,
                attribution="the partnership's own records",
                synthetic=ctx.synthetic,
                plain=plain,
                hidden=_hidden_fields(
                    r, value="tier2_share", base="tier2_reached", denominator="cohort"
                ),
            )
        )
    return out


def _indicator_figures(ctx: HeadlineContext, frame: pd.DataFrame, hidden: Any) -> list[Headline]:
    """Indicators with an England value: the rating the indicators theme computed.

    The rating (better / similar / worse, or higher / similar / lower where there is no good
    direction) is the Fingertips one :mod:`workbench.indicators.compare` computed; it is not
    recomputed here. Rows without an England value (local-only measures) are left to the
    theme's report.
    """
    out = []
    for r in _rows(frame, hidden):
        england = r.num("england")
        if england is None:
            continue
        unit = "percent" if r.text("unit") == "%" else "rate"
        rating = r.text("rating") or None
        if rating not in ("better", "worse", "higher", "lower", "similar"):
            rating = None
        name = r.text("name") or r.text("indicator")
        measure = r.text("measure")
        notes = [r.text("note")]
        latest = r.text("latest_period")
        if latest and latest != r.text("period"):
            notes.append(f"latest local period {latest}")
        value = r.num("value")
        shown = format_value(value, unit)
        trend = r.text("trend")
        label = f"{name} ({measure})" if measure else name
        if {"area", "name"} <= set(frame) and (frame["name"] == r.text("name")).sum() > 1:
            label = f"{label}, {r.text('area')}"  # the same indicator for each district too
        out.append(
            Headline(
                theme=ctx.theme,
                table=ctx.table,
                name=label,
                kind="indicator",
                unit=unit,
                value=value,
                base=r.num("count"),
                denominator=r.num("denominator"),
                interval=Interval(
                    r.num("lower"), r.num("upper"), "95%, as published with the indicator"
                ),
                period=Period(r.text("period")),
                source=ctx.source,
                attribution=r.text("source") or "Fingertips (OHID), OGL v3.0",
                synthetic=ctx.synthetic or r.text("synthetic").lower() in ("true", "1"),
                comparisons=(
                    Comparison("England", england, rating),
                    Comparison("last year", None, None, text=f"Trend: {trend}" if trend else ""),
                ),
                note="; ".join(n for n in notes if n),
                plain=f"{name}: {shown} in {month_words(r.text('period'))}; "
                f"England {format_value(england, unit)}."
                + (" Not adjusted for age." if measure == "crude rate" else ""),
                hidden=_hidden_fields(r, value="value", base="count", denominator="denominator"),
            )
        )
    return out


Publisher = Callable[[HeadlineContext, pd.DataFrame, Any], list[Headline]]

#: The tables that carry each theme's headline figures, and the function that publishes a
#: :class:`~workbench.headlines.Headline` record from each (called by
#: :meth:`workbench.outputs.Outputs.table` as it writes the table, on the frame it writes
#: and the cells it hides).
PUBLISHERS: dict[str, dict[str, Publisher]] = {
    "overview": {
        "key_crime_figures": _crime_figures,
        "most_deprived_share": _deprived_share,
        "unmet_need": _unmet_need,
        "waiting_times": _waiting_times,
    },
    "supply": {"year_on_year": _crime_figures},
    "communities": {
        "most_deprived_shares": _deprived_share,
        "needle_finds_most_deprived_shares": _deprived_share,
        "needle_collection": _needle_collection,
    },
    "young_people": {"access_by_group": _young_people_access},
    "treatment": {"unmet_need": _unmet_need, "waiting_times": _waiting_times},
    "indicators": {"indicators_vs_england": _indicator_figures},
}


def publish_headlines(
    ctx: HeadlineContext, frame: pd.DataFrame, hidden: pd.DataFrame | None = None
) -> list[Headline]:
    """The headline records of a table being published (none for a table without any).

    Parameters
    ----------
    ctx : HeadlineContext
        The theme, table name, file and settings.
    frame : DataFrame
        The table's values as written (before hidden cells are replaced by ``*``).
    hidden : DataFrame of bool, optional
        The cells disclosure control hides: a hidden value is never put in a record.

    Notes
    -----
    A table whose columns are not the expected ones gives no record, with a warning; the
    pack then says that the theme published no headline figure.
    """
    publisher = PUBLISHERS.get(ctx.theme, {}).get(ctx.table)
    if publisher is None or frame.empty:
        return []
    try:
        return publisher(ctx, frame, hidden)
    except KeyError as exc:
        logger.warning("Table %s has no column %s: no headline published", ctx.source, exc)
        return []


def headlines(run: Run, theme: str) -> list[Headline]:
    """The headline figures of one theme: the records its run wrote (``headlines.json``).

    A theme whose run log counts no record (``headline_records`` 0, no file) has none; a
    theme folder written before records existed (neither) gives none and one warning, and
    :func:`without_figures` says so on the closing slide.
    """
    folder = run.folders.get(theme)
    if folder is None:
        return []
    found = read_headlines(folder / HEADLINES_FILE)
    if found is None and "headline_records" in run.logs.get(theme, {}):
        return []  # the theme published no headline figure
    if found is None:
        logger.warning(
            "%s has no %s (a run made before headline records were written): no headline "
            "figures for %s; run `workbench report` again to get them",
            folder,
            HEADLINES_FILE,
            theme,
        )
        return []
    return found


# --------------------------------------------------------------------------------------------
# Headline records as slide text
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """A headline record as the slide's table row shows it (text)."""

    label: str
    value: str
    interval: str
    base: str
    last_year: str
    england: str


def _shown(h: Headline, field_name: str, number: float | None, unit: str) -> str:
    if field_name in h.hidden:
        return SUPPRESSED
    return format_value(number, unit)


def _versus(c: Comparison | None, h: Headline) -> str:
    """The "against last year" cell."""
    if c is None:
        return "Not in this table"
    if c.reference is None and c.before is None and c.rating is None:
        return c.text or "Not known"
    now_unit = c.before_unit or h.unit
    now = h.base if now_unit == "count" else h.value
    now_text = _shown(h, "base" if now_unit == "count" else "value", now, now_unit)
    before = SUPPRESSED if c.hidden else format_value(c.before, now_unit)
    if c.rating is None:
        return f"Not known ({before} to {now_text})" if before != MISSING else "No earlier year"
    change = f", {c.change_pct:+.1f}%" if c.change_pct is not None else ""
    return f"{c.rating.capitalize()} ({before} to {now_text}{change})"


def _england_text(c: Comparison | None, h: Headline) -> str:
    if c is None:
        return NO_ENGLAND
    value = format_value(c.reference, h.unit)
    if c.rating is None:
        return f"Not known (England {value})" if c.reference is not None else "Not known"
    if c.rating == "similar":
        return f"Similar to England ({value})"
    return f"{c.rating.capitalize()} than England ({value})"


def card(h: Headline) -> Card:
    """The text of one headline's row on a figures slide (formats by the record's unit)."""
    value = _shown(h, "value", h.value, h.unit)
    if h.unit == "rate" and h.per and value != MISSING:
        value += f" per {h.per:,} residents"
    iv = h.interval
    if iv is None or iv.hidden or "value" in h.hidden:
        interval = SUPPRESSED if (iv is not None and iv.hidden) or "value" in h.hidden else MISSING
    elif iv.lower is None or iv.upper is None:
        interval = MISSING
    else:
        interval = f"{format_value(iv.lower, h.unit)} to {format_value(iv.upper, h.unit)}"
    base = f"n = {_shown(h, 'base', h.base, 'count')}"
    if h.denominator is not None or "denominator" in h.hidden:
        base += f" {h.base_words} {_shown(h, 'denominator', h.denominator, 'count')}"
    if h.note:
        base += f"; {h.note}"
    label = (f"{h.name} (SYNTHETIC)" if h.synthetic else h.name) + (
        f", {month_words(h.period.label)}" if h.period.label else ""
    )
    covered, expected = h.period.months_covered, h.period.months_expected
    if covered is not None and expected and covered < expected:
        label += f" ({covered} of {expected} months)"  # an incomplete window says so
    return Card(
        label,
        value,
        interval,
        base,
        _versus(h.comparison("last year"), h),
        _england_text(h.comparison("England"), h),
    )


# --------------------------------------------------------------------------------------------
# Notes and assumptions
# --------------------------------------------------------------------------------------------


def applicable_assumptions(run: Run) -> list[dict[str, str]]:
    """The assumptions-log entries the run's themes listed, each once, from the log's data.

    Each theme's ``assumptions.md`` names the ids of the entries it listed
    (:func:`workbench.assumptions.id_marker`); the entries themselves are read from the
    package's log (:func:`workbench.assumptions.by_id`), so two entries are never merged and
    none is lost. A theme folder without the marker (a run made before it) lists none.
    An entry is kept only when its ``applies_when`` conditions hold for the study's facts as
    the run logs record them (:meth:`workbench.assumptions.StudyFacts.from_settings`): the
    log's field decides, never the entry's text.
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
    if not ids:
        return []
    synthetic = any(
        bool(rec.get("synthetic")) for log in run.logs.values() for rec in log.get("outputs", [])
    )
    try:
        facts = StudyFacts.from_settings(run.config, deprivation_index_of(run), synthetic)
    except WorkbenchError:  # no run log records the settings: the reports' lists stand
        facts = StudyFacts()
    return [e.as_dict() for e in assumption_entries(ids) if e.applies(facts)]


def _first_sentence(text: str, limit: int = 140) -> str:
    text = re.sub(r"`|\*\*", "", text)  # Markdown code and bold marks, not a lone "*"
    first = re.split(r"(?<=\.)\s", text, maxsplit=1)[0]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


#: The partnership tables (``[files]`` keys) in everyday words, for the list of sources
#: (only the tables the study configured are named).
PARTNERSHIP_WORDS: dict[str, str] = {
    "treatment_demographics": "treatment",
    "treatment_by_lsoa": "treatment",
    "treatment_outcomes": "treatment",
    "services": "treatment",
    "prevalence": "estimates of drug use",
    "waiting_times": "waiting times",
    "needle_finds": "needle finds",
    "young_people": "young people's services",
}


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
        kinds = dict.fromkeys(PARTNERSHIP_WORDS[k] for k in PARTNERSHIP_WORDS if files.get(k))
        listed = (
            "the partnership's own records" + (f" ({', '.join(kinds)})" if kinds else "")
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
            if any(h.comparison("England") is not None for h in hl)
            else "; no table of this run does, so the column says “Not available”."
        ),
        "Colours: the maps use ColorBrewer schemes marked colour-blind safe (RdBu for hot "
        "and cold spots, RdYlBu for deprivation, sequential Reds, Blues, YlOrRd and OrRd); "
        "each chart's legend, and its alt text, says what its colours mean.",
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


#: Title sizes (points) and the characters one line of the 12.3-inch title box holds at each
#: (Calibri bold, about 0.5 em a character), with the lines the 0.9-inch box holds.
TITLE_SIZES: tuple[tuple[int, int, int], ...] = ((30, 50, 1), (24, 62, 1), (20, 74, 2), (16, 92, 3))


def title_size(title: str) -> int:
    """The font size for a slide title: the largest of :data:`TITLE_SIZES` at which the
    title fits the title box, wrapped at word boundaries (the smallest if none does)."""
    import textwrap

    for size, chars, lines in TITLE_SIZES:
        if len(textwrap.wrap(title, chars)) <= lines:
            return size
    return TITLE_SIZES[-1][0]


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
        # never cut: the largest size at which the title fits the box (wrapped if need be)
        self._style(para.runs[0], title_size(title), bold=True, color=_BLUE)
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
            c = card(h)
            value = (
                c.value
                if c.interval in (SUPPRESSED, MISSING) and c.value in (SUPPRESSED, MISSING)
                else f"{c.value} ({c.interval})"
            )
            texts = [c.label, value, c.base, c.last_year, c.england]
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


def colour_name(colour: str) -> str:
    """A plain name for a colour (``#rrggbb``): grey, black, white or a hue word.

    >>> colour_name("#7030a0"), colour_name("#a6a6a6"), colour_name("#e46c0a")
    ('purple', 'grey', 'orange')
    """
    import colorsys

    text = colour.lstrip("#")
    r, g, b = (int(text[i : i + 2], 16) / 255 for i in (0, 2, 4))
    hue, light, sat = colorsys.rgb_to_hls(r, g, b)
    if sat < 0.15 or max(r, g, b) - min(r, g, b) < 0.08:
        if light < 0.15:
            return "black"
        return "white" if light > 0.95 else ("light grey" if light > 0.8 else "grey")
    degrees = hue * 360
    for limit, name in (
        (15, "red"),
        (45, "orange"),
        (70, "yellow"),
        (165, "green"),
        (255, "blue"),
        (320, "purple"),
        (345, "pink"),
        (361, "red"),
    ):
        if degrees < limit:
            return name
    return "red"  # pragma: no cover


def legend_words(legend: Sequence[dict[str, str]]) -> str:
    """A chart's legend (as :meth:`workbench.outputs.Outputs.figure` recorded it) in words:
    ``"special cause neutral: purple points; mean: black line"``."""
    return "; ".join(
        f"{item['label']}: {colour_name(item['colour'])} {item.get('mark', 'mark')}"
        for item in legend
        if item.get("label") and item.get("colour")
    )


def spc_chart(run: Run) -> Picture | None:
    """The XmR (SPC) chart of the headline series: the hot spot crime type's, else the first.

    The alt text names what the chart draws and in which colours, from the legend the run
    recorded when it saved the figure (a run made before that says to read the legend).
    """
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
    words = legend_words(rec.get("legend") or [])
    alt = (
        f"Chart of monthly {series} counts in {run.config.get('area_name', 'the area')}, "
        f"{month_words(str(run.config.get('period_start')))} to "
        f"{month_words(str(run.config.get('period_end')))}, with the mean and the process "
        "limits (mean plus or minus 2.66 average moving ranges). "
        + (
            f"What is drawn, and in which colour: {words}."
            if words
            else "The chart's legend names the colour of each kind of point."
        )
    )
    return Picture(theme, rec["name"], path, title, alt, bool(rec.get("synthetic")))


def district_names(run: Run) -> list[str]:
    """The study's districts by name (from the run logs), else by code where no name is known."""
    codes = [str(c) for c in run.config.get("area_codes", [])]
    names: dict[str, str] = {}
    for theme in run.themes:
        names.update(run.logs[theme].get("districts") or {})
    return [names.get(code) or code for code in codes]


def _theme_title(theme: str) -> str:
    return PACK_THEMES.get(theme, theme.replace("_", " ").capitalize())


def build_pptx(run: Run, path: Path) -> tuple[list[SlideInfo], dict[str, list[Headline]]]:
    """Write the meeting pack for ``run`` to ``path``; returns its slides and headlines.

    A theme without headline records gets no figures slide; the closing slide says in one
    sentence which themes have none and why.
    """
    cfg = run.config
    deck = _Deck()
    area = cfg.get("area_name") or cfg.get("name", "Study")
    period = (
        f"{month_words(cfg.get('period_start', ''))} to {month_words(cfg.get('period_end', ''))}"
    )
    districts = district_names(run)
    deck.title_slide(
        f"{area}: partnership meeting pack",
        [
            f"Study: {cfg.get('name', area)}",
            f"{'District' if len(districts) == 1 else 'Districts'}: {', '.join(districts)}",
            f"Period: {period}",
            f"Run of {run.date}; pack made {_dt.date.today().isoformat()}",
        ],
        sources(cfg, index=deprivation_index_of(run)),
    )
    by_theme: dict[str, list[Headline]] = {}
    spc = spc_chart(run) if "supply" in run.folders else None
    for theme in run.themes:
        title = _theme_title(theme)
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
        for pic in key_maps(run, theme):
            # the map's own period goes to the caption so that the title stays short
            match = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", pic.title)
            name, when = (match.group(1), match.group(2)) if match else (pic.title, "")
            name = re.sub(r"^SYNTHETIC[^-]*-\s*", "", name)
            label = "SYNTHETIC " if pic.synthetic else ""
            deck.picture_slide(
                f"{title.split(':')[0]}: {label}{name}",
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
    notes = data_notes(run, all_rows)
    missing = without_figures(run, by_theme)
    if missing:
        notes.append(missing)
    deck.closing_slide(notes, applicable_assumptions(run))
    deck.save(path)
    return deck.slides, by_theme


def without_figures(run: Run, by_theme: dict[str, list[Headline]]) -> str:
    """One sentence naming the themes that have no figures slide, and why ("" if none)."""
    old = [
        t
        for t in run.themes
        if not (run.folders[t] / HEADLINES_FILE).is_file()
        and "headline_records" not in run.logs.get(t, {})
    ]
    empty = [t for t in run.themes if not by_theme.get(t) and t not in old]

    def names(themes: list[str]) -> str:
        return ", ".join(_theme_title(t).split(":")[0] for t in themes)

    parts = []
    if empty:
        parts.append(
            f"No figures slide for {names(empty)}: the theme published no headline figure in "
            "this run (its input is not configured, or the period is too short for it)."
        )
    if old:
        parts.append(
            f"No figures slide for {names(old)}: the theme folder was written before headline "
            f"records ({HEADLINES_FILE}) existed; run `workbench report` again to add them."
        )
    return " ".join(parts)


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
