"""Which months of the study period the police files hold, force by force.

A month absent from the files is *missing*, never zero: time-based outputs use
:attr:`Coverage.observed` (the months every force's files hold) and mark the others as gaps.
The months come from the files themselves (see :func:`workbench.loaders.police.read_street`):
the ``YYYY-MM`` in monthly file names (``YYYY-MM-<force>-street.csv``, also inside the
police.uk zip's ``YYYY-MM/`` folders), else the ``Month`` column of a single CSV.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.months import words as month_words

__all__ = ["Coverage", "Window", "collapsed_months", "window_complete"]

logger = logging.getLogger(__name__)

_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _months(start: pd.Period, end: pd.Period) -> pd.PeriodIndex:
    return pd.period_range(start, end, freq="M")


def _text(months: Iterable[pd.Period], limit: int = 12) -> str:
    items = [str(m) for m in months]
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
    return ", ".join(items)


def window_complete(held: Iterable[pd.Period | str], start: Any, end: Any) -> bool:
    """True when every month from ``start`` to ``end`` (inclusive) is among ``held``.

    The one test of a window's completeness (a quarter, a year, a comparison period): a
    window with any month the data do not hold is not complete and is not compared as if
    it were.

    Examples
    --------
    >>> window_complete(["2021-01", "2021-02", "2021-03"], "2021-01", "2021-03")
    True
    >>> window_complete(["2021-01", "2021-03"], "2021-01", "2021-03")
    False
    """
    have = {pd.Period(m, freq="M") for m in held}
    a, b = pd.Period(start, freq="M"), pd.Period(end, freq="M")
    return all(m in have for m in _months(a, b))


@dataclass(frozen=True)
class Window:
    """The months a table or chart covers, and how many of them the data hold.

    Parameters
    ----------
    first, last : Period
        First and last month of the window (inclusive, freq ``M``).
    held : int
        Months of the window the data hold (:attr:`Coverage.observed`).
    periods : int
        How many periods the table compares over the window (1 for one window; the number
        of quarters or years for a period-on-period table).
    complete_periods : int
        How many of those periods hold all their months.

    Notes
    -----
    The one rule for rates over an incomplete window (also in ``docs/periods.md``): every
    table and chart states its window and, when months are missing, ``"n of m months"``
    (:meth:`label`), in its caption. Where periods stand side by side (year on year,
    quarters, the key figures: :func:`workbench.stats.compare_periods`), a rate is shown
    only for a period holding all its months; an incomplete period shows its count and
    ``months_observed``, never a rate (a 9-month rate beside a 12-month one reads as a fall
    of a quarter). A table inside one window (wards, deprivation deciles) compares areas
    over the same months, so its rates are shown, labelled with the window's months. A
    missing month is a gap, never a zero.

    Examples
    --------
    >>> w = Window(pd.Period("2020-04", "M"), pd.Period("2021-03", "M"), held=9)
    >>> w.label()
    '2020-04 to 2021-03 (9 of 12 months with data)'
    >>> Window(pd.Period("2021-01", "M"), pd.Period("2021-03", "M"), held=3).label()
    '2021-01 to 2021-03'
    """

    first: pd.Period
    last: pd.Period
    held: int
    periods: int = 1
    complete_periods: int | None = None

    @classmethod
    def of(cls, held: Iterable[pd.Period | str] | None, first: Any, last: Any) -> Window:
        """The window from ``first`` to ``last`` with the months ``held`` lists (``None``:
        every month held)."""
        a, b = pd.Period(first, freq="M"), pd.Period(last, freq="M")
        span = _months(a, b)
        if held is None:
            n = len(span)
        else:
            have = {pd.Period(m, freq="M") for m in held}
            n = sum(m in have for m in span)
        return cls(a, b, n, 1, int(n == len(span)))

    @property
    def months(self) -> int:
        """Months in the window."""
        return len(_months(self.first, self.last))

    @property
    def complete(self) -> bool:
        """True when the data hold every month of the window."""
        return self.held == self.months

    def contains(self, months: pd.Series) -> pd.Series:
        """True for each month (a Series of ``Period[M]``) inside the window."""
        return (months >= self.first) & (months <= self.last)

    def label(self, words: bool = False) -> str:
        """``"2021-04 to 2022-03"``, with ``" (9 of 12 months with data)"`` when months are
        missing, and ``"; 1 of 2 periods hold all months"`` for a table of periods.
        ``words``: months as ``"April 2021"`` (:func:`workbench.months.words`, for captions)."""
        name = month_words if words else str
        text = f"{name(self.first)} to {name(self.last)}"
        if self.first == self.last:
            text = name(self.first)
        if not self.complete:
            text += f" ({self.held} of {self.months} months with data)"
        if self.periods > 1 and self.complete_periods is not None:
            if self.complete_periods < self.periods:
                text += f"; {self.complete_periods} of {self.periods} periods hold all months"
        return text


@dataclass(frozen=True, eq=False)
class Coverage:
    """Months of the study period held by each force's police files.

    Parameters
    ----------
    table : DataFrame
        Index: force (str, as in the file names, e.g. ``"avon-and-somerset"``); columns: every
        month of the study period (``pd.Period``, freq ``M``) in order; values: bool, True when
        that force's files hold the month.
    period : (Period, Period)
        First and last month of the study, inclusive.

    Notes
    -----
    A month is *observed* when every force's files hold it; a month some force lacks is
    *missing* for the whole study (a partial month would under-count, which is the silent
    error this class exists to prevent). With no force at all, every month is missing.

    Examples
    --------
    >>> cov = Coverage.from_months(
    ...     {"avon-and-somerset": ["2020-01", "2020-03"]},
    ...     (pd.Period("2020-01", "M"), pd.Period("2020-03", "M")),
    ... )
    >>> cov.describe()
    '1 of 3 months missing: 2020-02.'
    >>> [str(m) for m in cov.observed]
    ['2020-01', '2020-03']
    """

    table: pd.DataFrame
    period: tuple[pd.Period, pd.Period]
    #: ``{force: {month: reason}}``: months the files hold whose row count collapsed against
    #: the neighbouring months (:func:`collapsed_months`); treated as missing, never as counts.
    collapsed: Mapping[str, Mapping[pd.Period, str]] | None = None

    @classmethod
    def from_months(
        cls,
        months: Mapping[str, Iterable[pd.Period | str]],
        period: tuple[pd.Period | str, pd.Period | str],
    ) -> Coverage:
        """Build from ``{force: months its files hold}`` (months outside the period ignored)."""
        start, end = (pd.Period(p, freq="M") for p in period)
        cols = _months(start, end)
        rows = {}
        for force in sorted(months):
            held = {pd.Period(m, freq="M") for m in months[force]}
            rows[str(force)] = [m in held for m in cols]
        table = pd.DataFrame.from_dict(rows, orient="index", columns=cols, dtype=bool)
        if table.empty:
            table = pd.DataFrame(index=pd.Index([], dtype=str), columns=cols, dtype=bool)
        table.index.name = "force"
        table.columns.name = "month"
        return cls(table=table, period=(start, end))

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        period: tuple[pd.Period | str, pd.Period | str] | None = None,
    ) -> Coverage:
        """Build from rows of ``force``, ``month`` (e.g. an engine's per-file coverage table).

        ``period`` default: the first to the last month any force holds.
        """
        if period is None:
            if len(frame) == 0:
                raise ValueError("Coverage.from_frame: no rows and no period")
            months = pd.PeriodIndex(frame["month"], freq="M")
            period = (months.min(), months.max())
        held: dict[str, list] = {}
        for force, month in zip(frame["force"], frame["month"], strict=True):
            held.setdefault(str(force), []).append(month)
        return cls.from_months(held, period)

    def window(self, start: pd.Period | str, end: pd.Period | str) -> Window:
        """The window from ``start`` to ``end``, with the months of it every force holds."""
        return Window.of(self.observed, start, end)

    def latest(self, months: int = 12) -> Window:
        """The latest ``months`` months: those ending at the last month the data hold
        (:attr:`observed`; the end of the period when none is held), with how many of them
        are held. The one definition of "the latest 12 months" of a report.

        Examples
        --------
        >>> cov = Coverage.from_months({"kent": ["2021-01", "2021-03"]}, ("2020-01", "2021-04"))
        >>> cov.latest(3).label()
        '2021-01 to 2021-03 (2 of 3 months with data)'
        """
        obs = self.observed
        end = obs.max() if len(obs) else self.period[1]
        return self.window(end - (months - 1), end)

    def holds(self, start: pd.Period | str, end: pd.Period | str) -> bool:
        """True when every force holds every month from ``start`` to ``end``
        (:func:`window_complete` of :attr:`observed`)."""
        return window_complete(self.observed, start, end)

    # -- the months ---------------------------------------------------------------------------
    @property
    def months(self) -> pd.PeriodIndex:
        """Every month of the study period."""
        return _months(*self.period)

    @property
    def forces(self) -> list[str]:
        """The forces whose files were read."""
        return [str(f) for f in self.table.index]

    @property
    def _all(self) -> pd.Series:
        if len(self.table.index) == 0:
            return pd.Series(False, index=self.months)
        held = self.table.all(axis=0).reindex(self.months, fill_value=False)
        for months in (self.collapsed or {}).values():
            held.loc[held.index.isin(list(months))] = False
        return held

    def with_collapsed(self, rows: Mapping[str, Mapping[pd.Period | str, int]]) -> Coverage:
        """This coverage with the months whose row count collapsed flagged (and so missing).

        ``rows`` gives each force's rows per month (:func:`collapsed_months`).
        """
        found = collapsed_months(rows)
        found = {
            f: {m: r for m, r in ms.items() if m in set(self.months)} for f, ms in found.items()
        }
        found = {f: ms for f, ms in found.items() if ms}
        for force, months in found.items():
            for m, why in months.items():
                logger.warning("Police coverage: %s %s %s; treated as missing", force, m, why)
        return Coverage(table=self.table, period=self.period, collapsed=found or None)

    @property
    def observed(self) -> pd.PeriodIndex:
        """Study months that every force's files hold."""
        s = self._all
        return pd.PeriodIndex(s.index[s.to_numpy(bool)], freq="M")

    @property
    def missing(self) -> pd.PeriodIndex:
        """Study months that some force's files lack."""
        s = self._all
        return pd.PeriodIndex(s.index[~s.to_numpy(bool)], freq="M")

    @property
    def complete(self) -> bool:
        """True when no month of the study period is missing."""
        return len(self.missing) == 0

    @property
    def before_data(self) -> pd.PeriodIndex:
        """Missing months at the start of the period, before the first month any force holds."""
        return self._edge(leading=True)

    @property
    def after_data(self) -> pd.PeriodIndex:
        """Missing months at the end of the period, after the last month any force holds."""
        return self._edge(leading=False)

    def _edge(self, leading: bool) -> pd.PeriodIndex:
        anyf = (
            self.table.any(axis=0).to_numpy(bool)
            if len(self.table.index)
            else pd.Series(False, index=self.months).to_numpy(bool)
        )
        months = self.months
        if not anyf.any():
            return months
        if leading:
            first = int(anyf.argmax())
            return months[:first]
        last = len(anyf) - 1 - int(anyf[::-1].argmax())
        return months[last + 1 :]

    def lacking(self, force: str) -> pd.PeriodIndex:
        """Study months the files of ``force`` lack."""
        row = self.table.loc[force].to_numpy(bool)
        return pd.PeriodIndex(self.months[~row], freq="M")

    # -- display ------------------------------------------------------------------------------
    def describe(self) -> str:
        """One plain-English sentence, e.g. ``"3 of 35 months missing: 2020-03, ..."``."""
        n = len(self.months)
        span = f"{self.period[0]} to {self.period[1]}"
        if not self.forces:
            return f"No police files: all {n} months of {span} are missing."
        missing = self.missing
        if not len(missing):
            who = ", ".join(self.forces)
            return f"All {n} months of {span} are held for every force ({who})."
        flagged = [
            f"{force} {m}: {why}"
            for force, months in sorted((self.collapsed or {}).items())
            for m, why in sorted(months.items())
        ]
        tail = (
            " Held but collapsed (treated as missing, not as counts): " + "; ".join(flagged) + "."
            if flagged
            else ""
        )
        word = "month" if n == 1 else "months"
        text = f"{len(missing)} of {n} {word} missing: {_text(missing)}"
        parts = []
        for force in self.forces:
            lack = self.lacking(force)
            if len(lack):
                parts.append(f"{force} lacks {_text(lack, 6)}")
        if parts and len(self.forces) > 1:
            text += " (" + "; ".join(parts) + ")"
        return text + "." + tail

    def to_frame(self) -> pd.DataFrame:
        """Force x month table of ``"present"`` / ``"missing"`` (columns ``"YYYY-MM"``)."""
        values = self.table.to_numpy(bool)
        frame = pd.DataFrame(np.where(values, "present", "missing"), index=self.table.index.copy())
        for force, months in (self.collapsed or {}).items():
            for m in months:
                frame.loc[force, self.table.columns.get_loc(m)] = "collapsed"
        frame.columns = [str(m) for m in self.table.columns]
        frame.columns.name = "month"
        return frame

    def to_text(self) -> str:
        """A terminal table: one line per force and year, one column per calendar month.

        ``#`` present, ``.`` missing, ``!`` held but collapsed (treated as missing), blank
        outside the study period.
        """
        head = f"{'force':<24} {'year':<5} " + " ".join(f"{m:<3}" for m in _MONTH_ABBR)
        lines = [head]
        months = self.months
        for force in self.forces:
            held = dict(zip(months, self.table.loc[force].to_numpy(bool), strict=True))
            for year in range(self.period[0].year, self.period[1].year + 1):
                cells = []
                for mo in range(1, 13):
                    p = pd.Period(year=year, month=mo, freq="M")
                    flag = p in (self.collapsed or {}).get(force, {})
                    cells.append(
                        " " if p not in held else ("!" if flag else "#" if held[p] else ".")
                    )
                lines.append(
                    f"{force[:24]:<24} {year:<5} " + " ".join(f"{c:<3}" for c in cells).rstrip()
                )
        lines.append("(# present, . missing, ! collapsed: treated as missing)")
        lines.append(self.describe())
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-ready form for the ledger and the run log.

        ``{"period": ["YYYY-MM", "YYYY-MM"], "months": n, "observed": n,
        "missing": ["YYYY-MM", ...], "forces": {force: {"missing": [...]}},
        "description": "..."}``.
        """
        return {
            "period": [str(self.period[0]), str(self.period[1])],
            "months": len(self.months),
            "observed": len(self.observed),
            "missing": [str(m) for m in self.missing],
            "forces": {f: {"missing": [str(m) for m in self.lacking(f)]} for f in self.forces},
            "collapsed": {
                f: {str(m): why for m, why in sorted(ms.items())}
                for f, ms in sorted((self.collapsed or {}).items())
            },
            "description": self.describe(),
        }

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return f"<p>{self.describe()}</p>" + self.to_frame().to_html(escape=True)


def collapsed_months(
    rows: Mapping[str, Mapping[pd.Period | str, int]],
    *,
    ratio: float = 0.25,
    window: int = 3,
    min_rows: int = 40,
) -> dict[str, dict[pd.Period, str]]:
    """Months whose row count collapsed against the neighbouring months, force by force.

    Parameters
    ----------
    rows : mapping
        ``{force: {month: rows}}`` (months the force's files hold).
    ratio : float
        A month is collapsed when its rows are below ``ratio`` x the median of the held
        months up to ``window`` months either side (at least two of them).
    min_rows : int
        Neighbours with a median below this are too small to judge (no flag).

    Returns
    -------
    dict
        ``{force: {month: "n rows against a median of m in the neighbouring months"}}``.

    Notes
    -----
    A file cut to a tenth of its rows still "holds" its month; counted as a month it would
    publish a near-zero as a true figure. Flagged months are missing (:attr:`Coverage.observed`
    leaves them out), never zero. Natural swings (the 2020 lockdown months moved crime by
    about a quarter) stay well above a quarter of the neighbours' median.

    Examples
    --------
    >>> m = {f"2021-{i:02d}": 1000 for i in range(1, 8)}
    >>> m["2021-04"] = 100
    >>> collapsed_months({"kent": m})["kent"]
    {Period('2021-04', 'M'): '100 rows against a median of 1,000 in the neighbouring months'}
    """
    out: dict[str, dict[pd.Period, str]] = {}
    for force, by_month in rows.items():
        counts = pd.Series(
            {pd.Period(m, freq="M"): int(n) for m, n in by_month.items() if n is not None}
        ).sort_index()
        ordinals = np.array([p.ordinal for p in counts.index])
        for (m, n), o in zip(counts.items(), ordinals, strict=True):
            near = counts[(ordinals != o) & (np.abs(ordinals - o) <= window)]
            if len(near) < 2:
                continue
            med = float(near.median())
            if med >= min_rows and n < ratio * med:
                out.setdefault(str(force), {})[m] = (
                    f"{n:,} rows against a median of {med:,.0f} in the neighbouring months"
                )
    return out
