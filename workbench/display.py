"""Tables for people: plain-English headers, formatted numbers, intervals and footnotes.

The files a report writes (CSV, XLSX) keep raw numeric types for machines; this module only
changes how a table *looks* in a notebook and its HTML report. It uses pandas' ``Styler`` (a
maintained table renderer; no extra dependency) for the caption, alignment and HTML, and formats
the cells itself because the suppressed tables mix numbers with ``"*"``.

Conventions (each stated in the footnotes of the tables that use them):

- counts and other whole numbers: thousands separators, no decimals (``9,703``);
- rates: one decimal (``36.2``); percentages: one decimal with ``%``; shares held as
  proportions (0-1) are shown as percentages;
- a lower and an upper interval limit become one column, ``33.1 to 39.5``;
- a suppressed cell (``"*"`` in the written table) stays ``*``; a missing value is ``–``.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.disclosure.policy import SUPPRESSED
from workbench.figures import name_figure
from workbench.markup import SafeHTML, markdown_html, md_text
from workbench.numbers import MISSING, as_number, format_value
from workbench.stats.periods import table_window

__all__ = [
    "ACRONYMS",
    "HEADERS",
    "LONG_TABLE_ROWS",
    "MISSING",
    "SafeHTML",
    "markdown_html",
    "md_text",
    "SUPPRESSED",
    "PeopleTable",
    "TableCaptions",
    "column_kind",
    "declutter_labels",
    "format_value",
    "header_from_name",
    "name_figure",
    "name_figures",
    "people_table",
    "register",
]

logger = logging.getLogger(__name__)

#: Headers of columns whose name does not say it in words, for tables whose description
#: (:attr:`workbench.disclosure.spec.TableSpec.labels`) does not label them: the fallback.
#: Any other column's header is its name in words (:func:`header_from_name`). ``{per}`` is
#: the rate base.
HEADERS: dict[str, str] = {
    "previous_count": "Count, previous period",
    "change": "Change in count",
    "pct_change": "Change",
    "rate": "Rate per {per}",
    "lsoa_name": "LSOA",
    "ward_name": "Ward",
    "district_name": "District",
    "imd_decile": "Deprivation decile (1 = most deprived)",
    "cells": "Grid cells",
    "estimate": "Estimated users",
    "unmet_pct": "Unmet need",
    "unmet_pct_at_lower": "Unmet need at the estimate's lower limit",
    "unmet_pct_at_upper": "Unmet need at the estimate's upper limit",
    "service_id": "Service",
    "caseload_pct_of_capacity": "Caseload as a share of capacity",
    "cohort_rate": "Cohort per {per} aged 10-17",
    "population_10_17": "Population aged 10-17",
    "tier2_share": "Tier 2 reach",
    "tier3_10d_share": "Tier 3 within 10 days",
    "z": "z-score",
    "p": "p-value",
    "special_cause_months": "Months with a special cause",
    "mann_kendall_tau": "Mann-Kendall tau",
    "mann_kendall_p": "Mann-Kendall p-value",
    "month_of_year": "Month number",
    "month_name": "Month",
    "seasonal_index": "Seasonal index (1 = typical month)",
    "hot_layers": "Layers hot",
}

#: Tables with more rows than this are shown collapsed (:attr:`PeopleTable.collapsed`).
LONG_TABLE_ROWS = 100
#: The box every table for people sits in: it scrolls sideways when the table is wider.
SCROLL_CLASS = "wb-table-scroll"
SCROLL_STYLE = "overflow-x: auto; max-width: 100%;"

_INTERVAL_LOWER = re.compile(r"^(?:(?P<stem>.+)_)?lower(?P<suffix>_\d+)?$")
_SHARE = re.compile(r"(?:^|_)(?:share|proportion|hit_rate)(?:_|$)")
_PCT = re.compile(r"(?:^|_)(?:pct|percent)(?:_|$)")
_RATE = re.compile(r"(?:^|_)rate(?:_|$)")
_RATIO = re.compile(r"(?:^|_)(?:ratio|pai|rri|z)(?:_|$)")
_P = re.compile(r"(?:^p$|^p_|_p$|_p_|p_value|pvalue)")
_NOT_COUNT = re.compile(r"(?:^|_)(?:year|decile|quintile|rank|code|month|p)(?:_|$)")


_number = as_number


def column_kind(name: str, values: pd.Series) -> str:
    """How column ``name`` is shown: ``count``, ``share``, ``percent``, ``rate``, ``ratio``,
    ``p``, ``number`` or ``text``.

    Decided from the name first (``rate``, ``share``/``proportion``, ``pct``/``percent``,
    ``ratio``/``pai``/``rri``/``z``, ``p``), then from the values: a column whose values are all
    whole numbers (``9703.0`` included; ``"*"`` and missing ignored) is a count.
    """
    name = str(name).lower()
    numbers = [_number(v) for v in values]
    present = [v for v in numbers if v is not None]
    texts = [
        v for v, n in zip(values, numbers, strict=True) if n is None and not _is_blank_or_star(v)
    ]
    if texts or not present:
        return "text"
    if _P.search(name):
        return "p"
    if _SHARE.search(name) and "hit_rate" in name:
        return "share"
    if _PCT.search(name):
        return "percent"
    if _SHARE.search(name):
        return "share"
    if _RATE.search(name):
        return "rate"
    if _RATIO.search(name):
        return "ratio"
    if "population" in name:  # people: whole numbers even when re-cut bands give fractions
        return "count"
    if _NOT_COUNT.search(name) and all(float(v).is_integer() for v in present):
        return "label"
    if all(float(v).is_integer() for v in present):
        return "count"
    return "number"


def _is_blank_or_star(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() in ("", SUPPRESSED)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


#: Abbreviations written in capitals in a header made from a column name.
ACRONYMS: dict[str, str] = {
    "lsoa": "LSOA",
    "lsoas": "LSOAs",
    "msoa": "MSOA",
    "imd": "IMD",
    "pai": "PAI",
    "rri": "RRI",
    "ons": "ONS",
    "spc": "SPC",
    "kde": "KDE",
    "ndtms": "NDTMS",
}


def header_from_name(name: str) -> str:
    """A column name in words: underscores become spaces, the first letter a capital and
    abbreviations capitals (``lsoa_code`` -> ``LSOA code``).

    >>> header_from_name("crime_type"), header_from_name("lsoa_code"), header_from_name("pai")
    ('Crime type', 'LSOA code', 'PAI')
    """
    words = [ACRONYMS.get(w, w) for w in str(name).split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _header(name: str, headers: Mapping[str, str], per: int) -> str:
    """The header of column ``name``: the table's own (its description's labels, or the
    caller's), then :data:`HEADERS`, then the name in words."""
    text = headers.get(name) or HEADERS.get(name) or header_from_name(name)
    return text.replace("{per}", f"{per:,}")


@dataclass
class PeopleTable:
    """A table formatted for people (shown as HTML in notebooks and reports).

    ``data`` holds the cells as text, ``raw`` the table as given, ``notes`` the footnotes.
    """

    data: pd.DataFrame
    raw: pd.DataFrame
    caption: str = ""
    notes: list[str] = field(default_factory=list)
    text_columns: list[str] = field(default_factory=list)
    #: Interval columns ("33.1 to 39.5"): may break at their spaces, never inside a number.
    interval_columns: list[str] = field(default_factory=list)
    #: The file that holds every row (``"area_name_matches.csv"``), named when the table is
    #: collapsed.
    source: str | None = None
    #: Tables longer than this are shown collapsed (:attr:`collapsed`).
    long_rows: int = LONG_TABLE_ROWS

    @property
    def styler(self) -> Any:
        """A pandas ``Styler`` of the formatted table (caption, no index, numbers right)."""
        # Every cell and header came from a file or a setting (ward, LSOA, service names):
        # escaped by the Styler itself, so no text can become markup.
        styler = (
            self.data.style.hide(axis="index")
            .format(escape="html")
            .format_index(escape="html", axis=1)
        )
        if self.caption:
            styler = styler.set_caption(html.escape(self.caption))
        if self.text_columns:
            # text wraps (names, notes, evidence); numbers never break across lines, so a
            # table narrows to the page before it needs to scroll (issue 25 item 8)
            styler = styler.set_properties(
                subset=self.text_columns,
                **{
                    "text-align": "left !important",
                    "white-space": "normal !important",
                    "overflow-wrap": "anywhere",
                    "min-width": "6em",
                },
            )
        if self.interval_columns:
            styler = styler.set_properties(
                subset=self.interval_columns, **{"white-space": "normal !important"}
            )
        return styler.set_table_styles(
            [
                {
                    "selector": "caption",
                    "props": "caption-side: top; text-align: left; font-weight: bold; "
                    "padding-bottom: 4px;",
                },
                {"selector": "th", "props": "text-align: left; vertical-align: bottom;"},
                {
                    "selector": "td",
                    "props": "text-align: right; padding: 2px 6px; white-space: nowrap;",
                },
            ]
        )

    @property
    def collapsed(self) -> bool:
        """True when the table has more than :attr:`long_rows` rows: the report then shows a
        one-line summary that opens to the whole table (a ``<details>`` element), so a long
        list (every area name of the national tables) does not push the findings down."""
        return len(self.data) > self.long_rows

    def _repr_html_(self) -> str:
        # the table scrolls sideways inside its own box: a wide table is never clipped by
        # the page and never widens it (issue 25 item 8)
        # a box that may scroll is reachable by keyboard (tabindex) and named for screen
        # readers (WCAG 2.1.1; axe "scrollable-region-focusable")
        body = (
            f'<div class="{SCROLL_CLASS}" style="{SCROLL_STYLE}" tabindex="0" role="region" '
            f'aria-label="table (scrolls sideways when wider than the page)">'
            f"{self.styler.to_html()}</div>"
        )
        if self.notes:
            items = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
            body += f'<ul class="wb-table-notes" style="font-size: 0.85em;">{items}</ul>'
        if not self.collapsed:
            return body
        what = html.escape(self.caption) if self.caption else "Table"
        where = f"; every row is in <code>{html.escape(self.source)}</code>" if self.source else ""
        return (
            f'<details class="wb-long-table"><summary>{what}: {len(self.data):,} rows '
            f"(click to show){where}</summary>{body}</details>"
        )

    def __repr__(self) -> str:
        lines = [self.caption] if self.caption else []
        lines.append(self.data.to_string(index=False))
        lines += [f"  {n}" for n in self.notes]
        return "\n".join(lines)


def people_table(
    df: pd.DataFrame,
    caption: str = "",
    *,
    headers: Mapping[str, str] | None = None,
    kinds: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    per: int = 10_000,
    threshold: int = 5,
    hide: Iterable[str] = (),
    hot_spot_count: str | None = None,
    source: str | None = None,
    long_rows: int = LONG_TABLE_ROWS,
) -> PeopleTable:
    """Format a table for people.

    Parameters
    ----------
    df : DataFrame
        The table as written (suppressed cells ``"*"``). A geometry column is dropped.
    caption : str
        What the table shows and for which study and period.
    headers : mapping, optional
        Column -> header, on top of :data:`HEADERS`; other names lose their underscores.
    kinds : mapping, optional
        Column -> kind (see :func:`column_kind`) where the name and values do not say.
    notes : sequence of str
        Footnotes (method, sources); the ``*`` and ``–`` notes are added when used.
    per : int
        Rate base, for the ``rate`` header.
    threshold : int
        Suppression threshold, for the ``*`` footnote (counts 1 to ``threshold - 1``).
    hide : iterable of str
        Columns not to show.
    hot_spot_count : str, optional
        The count column of a hot spot table: rows where it is 0 get a note that Getis-Ord
        Gi* flags a zone through the counts of its neighbours.
    source : str, optional
        The file holding the whole table, named in the summary of a collapsed table.
    long_rows : int
        A table with more rows is shown collapsed behind a one-line summary
        (:attr:`PeopleTable.collapsed`).

    Returns
    -------
    PeopleTable

    Notes
    -----
    A column ``X_lower`` (or ``lower`` straight after the value column, or ``lower_95``)
    and its ``upper`` partner become one column ``"<value header>: 95% interval"`` shown as
    ``"a to b"``, formatted as the value column is. If either limit is ``*`` the interval is
    ``*``; if either is missing it is ``–``.

    Examples
    --------
    >>> t = people_table(pd.DataFrame({"count": [9703.0, "*"], "rate": [36.24, None],
    ...                                "lower": [35.5, None], "upper": [37.0, None]}))
    >>> t.data.to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'Count': ['9,703', '*'], 'Rate per 10,000': ['36.2', '–'],
     'Rate per 10,000: 95% interval': ['35.5 to 37.0', '–']}
    """
    headers = dict(headers or {})
    kinds = dict(kinds or {})
    table = df.copy()
    if not isinstance(table.index, pd.RangeIndex):
        table = table.reset_index()
    drop = [c for c in table.columns if c == "geometry" or c in set(hide)]
    table = table.drop(columns=drop)
    columns = [str(c) for c in table.columns]
    table.columns = columns
    kind_of = {c: kinds.get(c) or column_kind(c, table[c]) for c in columns}

    # interval pairs: lower column -> (upper column, value column)
    pairs: dict[str, tuple[str, str | None]] = {}
    ranges: set[str] = set()  # "X_at_lower"/"X_at_upper": X at the ends of another interval
    for i, col in enumerate(columns):
        match = _INTERVAL_LOWER.match(col)
        if not match:
            continue
        upper = col.replace("lower", "upper")
        if upper not in columns:
            continue
        stem = match.group("stem")
        value = None
        if stem and stem in columns:
            value = stem
        elif stem and stem.endswith("_at") and stem[:-3] in columns:
            value = stem[:-3]
            ranges.add(col)
        elif stem:  # "tier2_lower" belongs to the nearest earlier "tier2_..." column
            earlier = [c for c in columns[:i] if c.startswith(f"{stem}_") and c not in pairs]
            value = earlier[-1] if earlier else None
        elif stem is None and i > 0:
            value = columns[i - 1] if columns[i - 1] not in pairs else None
            if col.endswith("_95") and "estimate" in columns:
                value = "estimate"
        pairs[col] = (upper, value)
    uppers = {u for u, _ in pairs.values()}

    out: dict[str, list[str]] = {}
    text_columns: list[str] = []
    interval_columns: list[str] = []
    used_star = used_missing = False
    for col in columns:
        if col in uppers:
            continue
        if col in pairs:
            upper, value = pairs[col]
            kind = kind_of.get(value, kind_of[col]) if value else kind_of[col]
            if kind in ("count", "label", "text"):
                kind = "number" if kind_of[col] == "number" else kind_of[col]
            cells = []
            for lo, hi in zip(table[col], table[upper], strict=True):
                a, b = format_value(lo, kind), format_value(hi, kind)
                if SUPPRESSED in (a, b):
                    cells.append(SUPPRESSED)
                elif MISSING in (a, b):
                    cells.append(MISSING)
                else:
                    cells.append(f"{a} to {b}")
            base = _header(value, headers, per) if value else ""
            what = "range from the 95% limits" if col in ranges else "95% interval"
            name = f"{base}: {what}" if base else what
            out[name] = cells
            interval_columns.append(name)
        else:
            header = _header(col, headers, per)
            out[header] = [format_value(v, kind_of[col]) for v in table[col]]
            if kind_of[col] == "text":
                text_columns.append(header)
    shown = pd.DataFrame(out)
    flat = shown.to_numpy().ravel().tolist()
    used_star = SUPPRESSED in flat
    used_missing = MISSING in flat
    all_notes = list(notes)
    if hot_spot_count and hot_spot_count in table.columns:
        zero = [_number(v) == 0 for v in table[hot_spot_count]]
        if any(zero):
            shown["Note"] = [
                "flagged through its neighbours (no offence in the zone itself)" if z else ""
                for z in zero
            ]
            all_notes.append(
                "Getis-Ord Gi* tests each zone together with its neighbours, so a zone with no "
                "offences of its own is a hot spot when the zones around it have many."
            )
    if used_star:
        all_notes.append(
            f"* hidden to protect individuals: a count from 1 to {threshold - 1}, or a figure "
            "from which such a count could be worked out."
        )
    if used_missing:
        all_notes.append(f"{MISSING} no value (missing, not applicable or not computable).")
    if any(k in ("share", "percent") for k in kind_of.values()):
        all_notes.append("Percentages to one decimal place.")
    return PeopleTable(
        shown, df, caption, all_notes, text_columns, interval_columns, source, long_rows
    )


def declutter_labels(fig: Any, pad_px: float = 2.0) -> Any:
    """Hide point labels that would overlap another label; returns the figure.

    Labels (``ax.texts``, e.g. ward names on a funnel plot) are kept in order of their
    point's distance from the middle of the labelled points (the unusual points first), and
    a label whose box, grown by ``pad_px``, overlaps one already kept is hidden. The hidden
    labels' points stay; the table beside the chart names every area.

    matplotlib has no built-in label placement; this greedy rule is a few lines and needs no
    extra dependency (adjustText would move labels instead, and is not a dependency).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if hasattr(fig.canvas, "get_renderer") else FigureCanvasAgg(fig)
    canvas.draw()  # text extents are only right once the figure has been laid out
    renderer = canvas.get_renderer()
    for ax in fig.get_axes():
        texts = [t for t in ax.texts if t.get_visible() and t.get_text()]
        if len(texts) < 2:
            continue
        ys = [float(getattr(t, "xy", t.get_position())[1]) for t in texts]
        middle = float(pd.Series(ys).median())
        order = sorted(range(len(texts)), key=lambda i: -abs(ys[i] - middle))
        kept: list[Any] = []
        for i in order:
            box = texts[i].get_window_extent(renderer).expanded(1.0, 1.0).padded(pad_px)
            if any(box.overlaps(other) for other in kept):
                texts[i].set_visible(False)
            else:
                kept.append(box)
    return fig


def name_figures(figures: Mapping[str, Any], place: str) -> Mapping[str, Any]:
    """:func:`name_figure` on each figure of a name -> figure mapping; returns the mapping."""
    for fig in figures.values():
        name_figure(fig, place)
    return figures


def register(
    caption: Callable[[pd.DataFrame], str] | None = None,
    notes: Callable[[pd.DataFrame], Sequence[str]] | None = None,
    *,
    per: int = 10_000,
    threshold: int = 5,
    kinds: Callable[[pd.DataFrame], Mapping[str, str]] | None = None,
    source: Callable[[pd.DataFrame], str | None] | None = None,
    headers: Callable[[pd.DataFrame], Mapping[str, str]] | None = None,
) -> bool:
    """Show every DataFrame displayed in this IPython kernel as a :func:`people_table`.

    Tables a notebook displays without calling :func:`people_table` then still read as tables
    for people; ``caption(df)`` and ``notes(df)`` give each its caption and footnotes, and
    ``kinds(df)`` the kind of the columns the table's description knows (its counts),
    ``headers(df)`` the headers it gives and ``source(df)`` the file holding the whole table
    (named when a long table is shown collapsed).
    Returns False outside IPython. A table the formatter cannot handle falls back to pandas'
    own HTML (the error goes to the log, not into the report).
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    shell = get_ipython()
    if shell is None:
        return False

    def _html(df: pd.DataFrame) -> str | None:
        try:
            return people_table(
                df,
                caption(df) if caption else "",
                notes=list(notes(df)) if notes else [],
                kinds=dict(kinds(df)) if kinds else None,
                headers=dict(headers(df)) if headers else None,
                per=per,
                threshold=threshold,
                source=source(df) if source else None,
            )._repr_html_()
        except Exception as exc:  # noqa: BLE001 - never break a display
            logger.debug("people_table fell back to pandas HTML: %s", exc)
            return None

    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, _html)
    return True


class TableCaptions:
    """Captions and footnotes of the tables an :class:`~workbench.outputs.Outputs` writes.

    :meth:`watch` wraps the writer's ``table`` method on that one object so that the table it
    returns is remembered (by identity, with a reference kept) with its name, note and
    synthetic flag; :meth:`caption` and :meth:`notes` then describe a displayed table that is
    one of them: "<area>: <table name in words>, <period>" and the written note. The period
    is the table's own window (the ``window`` given to ``out.table``, else the months its
    columns name: :func:`workbench.stats.table_window`), the study period only for a table
    that names no months.
    """

    def __init__(self, place: str, period: str) -> None:
        self.place = place
        self.period = period
        # (table as written, name, note, synthetic, its description: a TableSpec or None,
        # its window's label or None, the CSV file written)
        self._tables: list[
            tuple[pd.DataFrame, str, str | None, bool, Any, str | None, str | None]
        ] = []

    def watch(self, out: Any) -> Any:
        """Remember every table ``out.table(...)`` returns; returns ``out``."""
        write = out.table

        def table(name: str, result: Any, *args: Any, **kwargs: Any) -> pd.DataFrame:
            shown = write(name, result, *args, **kwargs)
            spec = getattr(result, "spec", None)
            records = [r for r in getattr(out, "records", []) if r.get("name") == name]
            files = records[-1].get("files", []) if records else []
            csv = next((f for f in files if str(f).endswith(".csv")), None)
            synthetic = bool(kwargs.get("synthetic", False))
            window = kwargs.get("window") or table_window(result)
            label = window.label(words=True) if window is not None else None
            self._tables.append((shown, name, kwargs.get("note"), synthetic, spec, label, csv))
            return shown

        table.__doc__ = write.__doc__
        out.table = table
        return out

    def _find(
        self, df: pd.DataFrame
    ) -> tuple[str, str | None, bool, Any, str | None, str | None] | None:
        for shown, *about in reversed(self._tables):
            if shown is df:
                return tuple(about)  # type: ignore[return-value]
        return None

    def kinds(self, df: pd.DataFrame) -> dict[str, str]:
        """Column kinds of a displayed table from its description
        (:meth:`workbench.disclosure.spec.TableSpec.unit`): its counts are counts
        (``year_earlier`` reads 4,829, not 4829, whatever its name suggests), a share held
        as a percentage is not multiplied by 100 again, a p-value is a p-value."""
        found = self._find(df)
        spec = found[3] if found is not None else None
        if spec is None:
            return {}
        kinds = {}
        for c in df.columns:
            unit = spec.unit(str(c))
            if unit is None:
                continue
            if unit == "count" and column_kind(str(c), df[c]) not in ("count", "label"):
                continue  # a count column holding text or fractions: as its values say
            kinds[str(c)] = unit
        return kinds

    def headers(self, df: pd.DataFrame) -> dict[str, str]:
        """Headers of a displayed table from its description
        (:attr:`workbench.disclosure.spec.TableSpec.labels`, written by the analysis function
        that made the columns); :data:`HEADERS` covers the columns it does not label."""
        found = self._find(df)
        spec = found[3] if found is not None else None
        labels = getattr(spec, "labels", None) or {}
        return {str(c): labels[str(c)] for c in df.columns if str(c) in labels}

    def source(self, df: pd.DataFrame) -> str | None:
        """The CSV file a displayed table was written to (None for another table)."""
        found = self._find(df)
        return found[5] if found is not None else None

    def caption(self, df: pd.DataFrame) -> str:
        """The caption of a displayed table."""
        found = self._find(df)
        if found is None:
            return f"{self.place}, {self.period}"
        name, _, synthetic, _, window, _ = found
        words = name.replace("_", " ")
        label = "SYNTHETIC - " if synthetic else ""
        period = window or self.period
        return f"{label}{self.place}: {words[:1].upper()}{words[1:]}, {period}"

    def notes(self, df: pd.DataFrame) -> list[str]:
        """The written note of a displayed table (its conventions), if it has one."""
        found = self._find(df)
        if found is None or not found[1]:
            return []
        return [found[1]]
