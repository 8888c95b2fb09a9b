"""Period comparisons (year-on-year, quarterly, monthly) and month-of-year seasonality."""

from __future__ import annotations

import calendar
import logging
from collections.abc import Hashable, Iterable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from workbench.coverage import Coverage, Window, window_complete
from workbench.disclosure.spec import SOURCES, Count, Derived, Described, TableSpec
from workbench.errors import WorkbenchError
from workbench.months import month
from workbench.stats.rates import rate

__all__ = [
    "monthly_counts",
    "monthly_table",
    "monthly_long",
    "in_months",
    "table_note",
    "key_figures",
    "KEY_FIGURE_COLUMNS",
    "POLICE_OFFENCES",
    "compare_periods",
    "seasonality",
    "observed_months",
    "table_window",
]

logger = logging.getLogger(__name__)

_FREQS = ("year", "quarter", "month")
_QUARTERS = ("financial", "calendar")
_COMPARE = ("complete", "common")
_ALL = "all"


def _to_month_index(index: pd.Index, where: str) -> pd.PeriodIndex:
    if isinstance(index, pd.PeriodIndex):
        if index.freqstr != "M":
            return index.asfreq("M")
        return index
    if isinstance(index, pd.DatetimeIndex):
        return index.to_period("M")
    try:
        return pd.PeriodIndex(index, freq="M")
    except (TypeError, ValueError) as exc:
        raise WorkbenchError(
            f"{where} must hold months (pandas Period[M], dates or 'YYYY-MM'), found "
            f"{list(index[:3])}"
        ) from exc


def _month(value: Any, name: str) -> pd.Period | None:
    """A ``start``/``end`` setting by the one month parser (:func:`workbench.months.month`)."""
    return None if value is None else month(value, name)


def monthly_counts(
    data: pd.Series | pd.DataFrame,
    *,
    by: Hashable | None = None,
    count: Hashable | None = None,
    start: Any = None,
    end: Any = None,
    observed: Iterable[Any] | None = None,
) -> pd.DataFrame:
    """Monthly counts in a wide table: one row per month, one column per group; gaps are NaN.

    Parameters
    ----------
    data : Series or DataFrame
        Either monthly counts (a Series, or a DataFrame with one column per group, indexed by
        month), or events / count rows with a ``month`` column.
    by : column name, optional
        Group events by this column (for example ``crime_type``).
    count : column name, optional
        For rows with a ``month`` column: sum this column instead of counting rows.
    start, end : month, optional
        The months covered. Default: the first and last month in ``data`` (and in
        ``observed``).
    observed : iterable of months, optional
        The months the data hold (``Study.coverage.observed``). A month in range that is not
        listed is *missing*: NaN in every column, never 0, even if some events fall in it (a
        month only some forces' files hold would under-count; those events are logged). An
        observed month with no events is 0. ``None`` means the caller knows every month from
        ``start`` to ``end`` is held (hand-made or already complete data); pass the coverage
        whenever the data came from files.

    Returns
    -------
    pandas.DataFrame
        Index ``month`` (Period[M]), columns the groups (``"all"`` without ``by``); missing
        months are NaN.

    Notes
    -----
    Missing is not zero. For counts given as a Series or table, a NaN value is a missing
    month too; a month absent from the index counts as 0 only when ``observed`` is None or
    lists it.

    Examples
    --------
    >>> ev = pd.DataFrame({"month": ["2021-01", "2021-01", "2021-03"]})
    >>> monthly_counts(ev, end="2021-04", observed=["2021-01", "2021-02", "2021-03"])["all"]
    month
    2021-01    2.0
    2021-02    0.0
    2021-03    1.0
    2021-04    NaN
    Freq: M, Name: all, dtype: float64
    """
    if isinstance(data, pd.DataFrame) and "month" in data.columns:
        months = _to_month_index(pd.Index(data["month"]), "column 'month'")
        if by is not None and by not in data.columns:
            raise WorkbenchError(
                f"by={by!r} is not a column of the data; found {list(data.columns)}"
            )
        if count is not None and count not in data.columns:
            raise WorkbenchError(f"count={count!r} is not a column of the data")
        weights = np.ones(len(data))
        if count is not None:
            values = pd.to_numeric(data[count], errors="coerce")
            bad = values.isna() | (values < 0)
            if bad.any():
                pos = int(np.flatnonzero(bad.to_numpy())[0])
                raise WorkbenchError(
                    f"column {count!r} must hold counts >= 0, found {data[count].iloc[pos]!r} "
                    f"(row label {data.index[pos]!r})"
                )
            weights = values.to_numpy(dtype=float)
        frame = pd.DataFrame(
            {
                "month": months,
                "group": data[by].to_numpy() if by is not None else _ALL,
                "n": weights,
            }
        )
        wide = frame.pivot_table(
            index="month", columns="group", values="n", aggfunc="sum", fill_value=0.0
        )
        wide.columns.name = by
    elif isinstance(data, pd.Series):
        wide = data.to_frame(name=_ALL)
        wide.index = _to_month_index(data.index, "the Series index")
        wide = wide.groupby(level=0).sum(min_count=1)
    elif isinstance(data, pd.DataFrame):
        wide = data.copy()
        wide.index = _to_month_index(data.index, "the DataFrame index")
        wide = wide.groupby(level=0).sum(min_count=1)
    else:
        raise WorkbenchError(
            f"data must be a Series or DataFrame of monthly counts, or events with a 'month' "
            f"column; found {type(data).__name__}"
        )
    held = observed_months(observed)
    first = _month(start, "start")
    last = _month(end, "end")
    known = wide.index if held is None else wide.index.append(held)
    if len(known) == 0 and (first is None or last is None):
        raise WorkbenchError("data has no months; give start and end to compare empty periods")
    first = first if first is not None else known.min()
    last = last if last is not None else known.max()
    if last < first:
        raise WorkbenchError(f"end ({last}) is before start ({first})")
    full = pd.period_range(first, last, freq="M", name="month")
    try:
        wide = wide.apply(pd.to_numeric, errors="raise").astype(float)
    except (TypeError, ValueError) as exc:
        raise WorkbenchError(
            f"monthly counts must be numbers; found a value that is not: {exc}"
        ) from exc
    present = wide.index
    wide = wide.reindex(full)
    absent = ~full.isin(present)
    wide.loc[absent] = 0.0  # a month with no events (or no row) counts as 0 ...
    if held is not None:  # ... unless the data do not hold it
        gap = ~full.isin(held)
        events = wide.loc[gap].sum().sum()
        if events:
            logger.warning(
                "monthly_counts: %g event(s) in %d month(s) the data do not wholly hold "
                "(treated as missing): %s",
                events,
                int(gap.sum()),
                [str(m) for m in full[gap & ~absent]],
            )
        wide.loc[gap] = np.nan
    return wide


def observed_months(observed: Iterable[Any] | None) -> pd.PeriodIndex | None:
    """The months a study's files hold, as a monthly PeriodIndex (None stays None).

    Parameters
    ----------
    observed : Coverage, iterable of months or None
        The one coverage type (:class:`workbench.coverage.Coverage`: its ``observed``
        months), or ``pandas.Period`` (monthly), dates or ``"YYYY-MM"`` strings, for example
        ``Study.coverage.observed``.

    Returns
    -------
    pandas.PeriodIndex or None
    """
    if observed is None:
        return None
    if isinstance(observed, Coverage):
        observed = observed.observed
    if isinstance(observed, (str, pd.Period)):
        observed = [observed]
    items = observed if isinstance(observed, pd.Index) else pd.Index(list(observed))
    if len(items) == 0:
        return pd.PeriodIndex([], freq="M")
    return _to_month_index(items, "observed").unique().sort_values()


def _month_or_none(text: Any) -> pd.Period | None:
    try:
        return month(str(text).strip())
    except WorkbenchError:
        return None


def _span_text(text: Any) -> tuple[pd.Period, pd.Period] | None:
    """``"2021-04 to 2022-03"`` (or one ``"2021-04"``) as two months, else None."""
    parts = str(text).split(" to ")
    if len(parts) not in (1, 2):
        return None
    got = [_month_or_none(p) for p in parts]
    if any(g is None for g in got):
        return None
    return got[0], got[-1]


def table_window(table: Any, observed: Iterable[Any] | None = None) -> Window | None:
    """The months a table covers, read from its own columns (``None``: it names none).

    Parameters
    ----------
    table : Described or DataFrame
        An analysis result.
    observed : iterable of months, optional
        The months the data hold, for a table with a ``month`` column whose missing months
        are absent rather than blank.

    Returns
    -------
    Window or None
        From, in order: ``first_month`` / ``last_month`` (a :func:`compare_periods`
        result; each distinct period's ``months_observed`` of its ``months_expected``);
        a ``period`` column of ``"YYYY-MM to YYYY-MM"`` text with ``months_observed``
        (:func:`key_figures`); a ``month`` column (:func:`monthly_table`,
        :func:`monthly_long`: a month is held when some count of it is not blank); a
        ``latest_months`` column (the six-month comparison, complete by construction).

    Notes
    -----
    The caption of a table states this window (:meth:`workbench.coverage.Window.label`),
    not the study period: a 12-month table in a 35-month study says which 12 months, and
    how many of them the data hold.

    Examples
    --------
    >>> s = pd.Series(1.0, index=pd.period_range("2021-01", periods=24, freq="M"))
    >>> table_window(compare_periods(s, freq="year")).label()
    '2021-01 to 2022-12'
    """
    frame = getattr(table, "frame", table)
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return None
    cols = set(frame.columns)
    spans: list[tuple[pd.Period, pd.Period, int]] = []
    if {"first_month", "last_month"} <= cols:
        firsts = [_month_or_none(v) for v in frame["first_month"]]
        lasts = [_month_or_none(v) for v in frame["last_month"]]
        held = frame["months_observed"] if "months_observed" in cols else None
        for i, (a, b) in enumerate(zip(firsts, lasts, strict=True)):
            if a is not None and b is not None:
                n = int(held.iloc[i]) if held is not None else len(pd.period_range(a, b, "M"))
                spans.append((a, b, n))
    elif {"period", "months_observed"} <= cols:
        for text, n in zip(frame["period"], frame["months_observed"], strict=True):
            got = _span_text(text)
            if got is not None and pd.notna(n):
                spans.append((*got, int(n)))
    elif "month" in cols:
        months = [_month_or_none(v) for v in frame["month"]]
        if any(m is None for m in months):
            return None
        values = frame.drop(columns="month").select_dtypes("number")
        has = values.notna().any(axis=1).to_numpy() if values.shape[1] else [True] * len(frame)
        held_m = {m for m, h in zip(months, has, strict=True) if h}
        first, last = min(months), max(months)
        if observed is not None:
            held_m &= set(observed_months(observed))
        return Window.of(held_m, first, last)
    elif "latest_months" in cols:
        got = _span_text(frame["latest_months"].iloc[0])
        return None if got is None else Window.of(None, *got)
    if not spans:
        return None
    unique = {(a, b): n for a, b, n in spans}  # one entry per period (groups repeat them)
    first = min(a for a, _ in unique)
    last = max(b for _, b in unique)
    expected = {k: len(pd.period_range(k[0], k[1], freq="M")) for k in unique}
    whole = sum(unique[k] >= expected[k] for k in unique)
    held = sum(min(unique[k], expected[k]) for k in unique)
    return Window(first, last, held, len(unique), whole)


def _quarter_label(q: pd.Period, quarters: str) -> str:
    if quarters == "calendar":
        return f"{q.qyear} Q{q.quarter}"
    start_year = q.qyear - 1  # Q-MAR: fiscal year named by the year it ends in
    return f"{start_year}-{(start_year + 1) % 100:02d} Q{q.quarter}"


def _periods(
    months: pd.PeriodIndex, freq: str, quarters: str, end: pd.Period
) -> list[tuple[str, pd.Period, pd.Period]]:
    """(label, first month, last month) of each complete period, oldest first."""
    first, last = months.min(), months.max()
    out: list[tuple[str, pd.Period, pd.Period]] = []
    if freq == "month":
        return [(str(m), m, m) for m in months]
    if freq == "year":
        stop = end
        while stop - 11 >= first:
            out.append((f"{stop - 11} to {stop}", stop - 11, stop))
            stop = stop - 12
        return out[::-1]
    qfreq = "Q-DEC" if quarters == "calendar" else "Q-MAR"
    for q in pd.period_range(first.asfreq(qfreq), last.asfreq(qfreq), freq=qfreq):
        q_first = q.asfreq("M", how="start")
        q_last = q.asfreq("M", how="end")
        if q_first >= first and q_last <= last:
            out.append((_quarter_label(q, quarters), q_first, q_last))
    return out


def compare_periods(
    data: pd.Series | pd.DataFrame,
    *,
    freq: str = "year",
    quarters: str = "financial",
    by: Hashable | None = None,
    count: Hashable | None = None,
    start: Any = None,
    end: Any = None,
    observed: Iterable[Any] | None = None,
    compare: str = "complete",
    population: Any = None,
    per: float = 10_000,
    conf: float = 0.95,
    source: str = "open",
) -> Described:
    """Counts (and rates) in each period against the same period a year earlier.

    Parameters
    ----------
    data : Series or DataFrame
        Monthly counts indexed by month (Period[M]; NaN = missing), or events with a
        ``month`` column (see :func:`monthly_counts`).
    freq : {"year", "quarter", "month"}, default "year"
    quarters : {"financial", "calendar"}, default "financial"
        Quarter type (``StudyConfig.quarters``).
    by : column name, optional
        Group events by this column (for example ``crime_type``).
    count : column name, optional
        Sum this column instead of counting rows.
    start, end : month, optional
        The months covered (see :func:`monthly_counts`).
    observed : iterable of months, optional
        The months the data hold (``Study.coverage.observed``); others are missing, not zero.
        ``None``: every month from ``start`` to ``end`` is held.
    compare : {"complete", "common"}, default "complete"
        How a period with missing months is compared. ``"complete"``: only two complete
        periods are compared; otherwise ``change`` and ``pct_change`` are empty.
        ``"common"``: compare on the months both periods hold (``compared_count`` against
        ``compared_previous_count`` over ``months_compared`` months).
    population : number or Series, optional
        Population for rates; a Series indexed by the ``by`` groups gives one per group.
    per : float, default 10,000
    conf : float, default 0.95
    source : {"open", "partnership"}, default "open"
        Where the counts come from (police.uk counts are open data; pass ``"partnership"``
        for a partnership table): the disclosure spec's source.

    Returns
    -------
    Described
        ``.frame`` has columns ``[by,] period, first_month, last_month, months_expected,
        months_observed, complete, count, previous_period, previous_months_observed,
        previous_complete, previous_count, months_compared, compared_count,
        compared_previous_count, change, pct_change, comparison`` and, with a population,
        ``rate, lower, upper, previous_rate``. ``.spec``: the four counts are counts, the
        changes derive from the compared counts and the rates from their count; month
        tallies are safe.

    Notes
    -----
    - Year-on-year compares the same months a year apart. ``freq="year"``: 12-month windows
      ending at ``end`` (default the last month covered), going back while a whole window
      fits (so ``end="2022-03"`` gives financial years). ``freq="quarter"``: calendar
      (Jan-Mar = Q1) or financial (Apr-Jun = Q1, labelled ``2021-22 Q1``) quarters, as
      ``quarters`` says; only quarters wholly inside ``start``-``end``. ``freq="month"``:
      each month against the same month a year earlier.
    - Missing is not zero: ``count`` sums the period's *observed* months (NaN when it has
      none) and ``months_observed`` / ``months_expected`` say how many; ``complete`` is
      True when every month is held. A month before the data start counts as missing for
      the previous period.
    - ``change = compared_count - compared_previous_count`` and ``pct_change = change /
      compared_previous_count * 100`` (empty when that is zero). With
      ``compare="complete"`` both periods must be complete (then the compared counts are
      the counts); with ``compare="common"`` they are the sums over the ``months_compared``
      months both periods hold. ``comparison`` says which, in words.
    - Rates (when ``population`` is given) are per ``per`` residents over the period
      (not annualised), with exact Poisson / Byar intervals (:func:`workbench.stats.rate`),
      and only for a period holding all its months (``complete``); ``previous_rate``
      likewise only when ``previous_complete``. An incomplete period shows its count and
      ``months_observed``, never a rate: a rate over 8 of 12 months set beside one over 12
      would read as a fall of a third (the rule of :class:`workbench.coverage.Window`).

    Examples
    --------
    >>> s = pd.Series(range(24), index=pd.period_range("2021-01", periods=24, freq="M"))
    >>> compare_periods(s, freq="year").frame[["period", "count", "previous_count", "change"]]
                   period  count  previous_count  change
    0  2021-01 to 2021-12   66.0             NaN     NaN
    1  2022-01 to 2022-12  210.0            66.0   144.0
    """
    if freq not in _FREQS:
        raise WorkbenchError(f"freq must be one of {_FREQS}, found {freq!r}")
    if quarters not in _QUARTERS:
        raise WorkbenchError(f"quarters must be 'financial' or 'calendar', found {quarters!r}")
    if compare not in _COMPARE:
        raise WorkbenchError(f"compare must be 'complete' or 'common', found {compare!r}")
    wide = monthly_counts(data, by=by, count=count, start=start, end=end, observed=observed)
    months = wide.index
    periods = _periods(months, freq, quarters, months.max())
    if not periods:
        raise WorkbenchError(
            f"the data cover {months.min()} to {months.max()}, too short for one whole {freq}"
        )

    rows = []
    for label, first, last in periods:
        span = pd.period_range(first, last, freq="M")
        now = wide.reindex(span)
        prev = wide.reindex(span - 12)  # months before the data: missing
        prev_name = _shift_label(label, freq, quarters)
        covered = (span - 12).min() >= months.min()
        for group in wide.columns:
            a = now[group].to_numpy(dtype=float)
            b = prev[group].to_numpy(dtype=float)
            both = ~np.isnan(a) & ~np.isnan(b)
            n_now, n_prev = int((~np.isnan(a)).sum()), int((~np.isnan(b)).sum())
            rows.append(
                {
                    "group": group,
                    "period": label,
                    "first_month": first,
                    "last_month": last,
                    "months_expected": len(span),
                    "months_observed": n_now,
                    "complete": window_complete(span[~np.isnan(a)], first, last),
                    "count": float(np.nansum(a)) if n_now else np.nan,
                    "previous_period": prev_name,
                    "previous_months_observed": n_prev,
                    "previous_complete": window_complete(
                        (span - 12)[~np.isnan(b)], first - 12, last - 12
                    ),
                    "previous_count": float(np.nansum(b)) if n_prev else np.nan,
                    "months_compared": int(both.sum()),
                    "_cmp_now": float(a[both].sum()) if both.any() else np.nan,
                    "_cmp_prev": float(b[both].sum()) if both.any() else np.nan,
                    "_missing": [str(m) for m, v in zip(span, a, strict=True) if np.isnan(v)],
                    "_prev_missing": [
                        str(m) for m, v in zip(span - 12, b, strict=True) if np.isnan(v)
                    ],
                    "_covered": covered,
                }
            )
    out = pd.DataFrame(rows)
    whole = out["complete"] & out["previous_complete"]
    use = whole if compare == "complete" else out["months_compared"] > 0
    out["compared_count"] = out["_cmp_now"].where(use)
    out["compared_previous_count"] = out["_cmp_prev"].where(use)
    out["change"] = out["compared_count"] - out["compared_previous_count"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = out["change"] / out["compared_previous_count"] * 100
    out["pct_change"] = pct.where(out["compared_previous_count"] > 0)
    out["comparison"] = [_comparison(r, compare) for r in out.to_dict("records")]
    out = out.drop(columns=["_cmp_now", "_cmp_prev", "_missing", "_prev_missing", "_covered"])
    if population is not None:
        pop = _population_for(population, out["group"], by)
        # rates only for whole periods (Notes): a gap is a gap, never a shorter period
        has = (out["count"].notna() & out["complete"]).to_numpy()
        for col in ("rate", "lower", "upper"):
            out[col] = np.nan
        if has.any():
            now_rate = rate(out["count"].to_numpy()[has], pop[has], per=per, conf=conf)
            for col in ("rate", "lower", "upper"):
                out.loc[has, col] = now_rate[col].to_numpy()
        out["previous_rate"] = (out["previous_count"] / pop * per).where(out["previous_complete"])
    if by is None and list(wide.columns) == [_ALL]:
        out = out.drop(columns="group")
    else:
        out = out.sort_values(["group", "first_month"], kind="stable", ignore_index=True)
        out = out.rename(columns={"group": by if by is not None else "group"})
    group = None if "group" not in out.columns and by is None else by if by is not None else "group"
    return Described.of(out, _compare_spec(group, source))


def _compare_spec(by: Hashable | None, source: str) -> TableSpec:
    """What :func:`compare_periods` returns: four counts, changes and rates derived."""
    if source not in SOURCES:
        raise WorkbenchError(f"source must be one of {SOURCES}, found {source!r}")
    compared = ("compared_count", "compared_previous_count")
    derived = {c: Derived(compared) for c in ("change", "pct_change")}
    derived.update({c: Derived(("count",)) for c in ("rate", "lower", "upper")})
    derived["previous_rate"] = Derived(("previous_count",))
    dims = ("period",) if by is None else (str(by), "period")
    return TableSpec(
        dims=dims,
        counts={c: Count() for c in ("count", "previous_count", *compared)},
        derived=derived,
        # how many months each period holds: coverage, not counts of people or events
        safe=("months_expected", "months_observed", "previous_months_observed", "months_compared"),
        source=source,
    )


def monthly_table(monthly: pd.DataFrame, *, source: str = "open") -> Described:
    """The wide frame of :func:`monthly_counts` as a table to publish.

    Parameters
    ----------
    monthly : DataFrame
        :func:`monthly_counts` output: index ``month``, one column of counts per group.
    source : {"open", "partnership"}, default "open"

    Returns
    -------
    Described
        ``month`` (text) and the group columns, every one a count of its own.
    """
    if source not in SOURCES:
        raise WorkbenchError(f"source must be one of {SOURCES}, found {source!r}")
    frame = monthly.rename_axis(index="month").reset_index()
    frame.columns = [str(c) for c in frame.columns]
    frame["month"] = frame["month"].astype(str)
    spec = TableSpec(
        dims=("month",),
        counts={c: Count() for c in frame.columns if c != "month"},
        source=source,
    )
    return Described(frame, spec)


def _comparison(row: dict[str, Any], compare: str) -> str:
    """The comparison made for one row, in words."""
    n = row["months_expected"]
    if not row["_covered"] and row["previous_months_observed"] == 0:
        return "no previous period in the data"
    if row["complete"] and row["previous_complete"]:
        return f"complete: all {n} months of both periods"
    gaps = []
    if not row["complete"]:
        gaps.append(
            f"{row['period']} has {row['months_observed']} of {n} months "
            f"(missing {', '.join(row['_missing'])})"
        )
    if not row["previous_complete"]:
        gaps.append(
            f"{row['previous_period']} has {row['previous_months_observed']} of {n} months "
            f"(missing {', '.join(row['_prev_missing'])})"
        )
    why = "; ".join(gaps)
    if compare == "complete" or row["months_compared"] == 0:
        return f"not compared: {why}"
    return f"compared on the {row['months_compared']} of {n} months both periods hold: {why}"


def _shift_label(label: str, freq: str, quarters: str) -> str:
    """The label of the same period a year before."""
    if freq == "month":
        return str(pd.Period(label, freq="M") - 12)
    if freq == "year":
        first, last = label.split(" to ")
        return f"{pd.Period(first, freq='M') - 12} to {pd.Period(last, freq='M') - 12}"
    if quarters == "calendar":
        year, q = label.split(" ")
        return f"{int(year) - 1} {q}"
    years, q = label.split(" ")
    start_year = int(years[:4]) - 1
    return f"{start_year}-{(start_year + 1) % 100:02d} {q}"


def _population_for(population: Any, groups: pd.Series, by: Hashable | None) -> np.ndarray:
    if isinstance(population, pd.Series):
        missing = sorted(set(groups) - set(population.index), key=str)
        if missing:
            raise WorkbenchError(
                f"population has no value for group(s) {missing[:5]} of {by!r}; give a number "
                f"or a Series indexed by the groups"
            )
        return population.reindex(groups).to_numpy(dtype=float)
    try:
        value = float(population)
    except (TypeError, ValueError) as exc:
        raise WorkbenchError(
            f"population must be a number or a Series by group, found {population!r:.60}"
        ) from exc
    return np.full(len(groups), value)


def seasonality(
    data: pd.Series | pd.DataFrame,
    *,
    by: Hashable | None = None,
    count: Hashable | None = None,
    start: Any = None,
    end: Any = None,
    observed: Iterable[Any] | None = None,
    source: str = "open",
) -> Described:
    """Month-of-year profile: the average count in each calendar month, over observed months.

    Parameters
    ----------
    data, by, count, start, end, observed, source
        As in :func:`compare_periods`.

    Returns
    -------
    Described
        ``.frame`` has columns ``[by,] month_of_year, month_name, years, years_observed,
        mean, min, max, seasonal_index``. ``.spec``: the monthly minimum and maximum are
        counts (a single month's count); the mean and index derive from them.

    Notes
    -----
    ``years`` says how many of each calendar month the period covers (from the first to the
    last month, or ``start`` to ``end``); ``years_observed`` how many of them the data hold.
    ``mean``, ``min`` and ``max`` use the observed ones only (a missing month is not a zero;
    an observed month with no events is). ``seasonal_index`` = the month's mean / the
    average of the calendar months' means (1 = a typical month, 1.2 = 20% above); a
    calendar month never observed has no mean and no index, and the average is then over
    the months that have one (so compare such indices with care).
    """
    wide = monthly_counts(data, by=by, count=count, start=start, end=end, observed=observed)
    long = wide.rename_axis(index="month", columns="group").reset_index()
    long = long.melt(id_vars="month", var_name="group", value_name="n")
    long["month_of_year"] = long["month"].map(lambda p: p.month)
    prof = (
        long.groupby(["group", "month_of_year"])["n"]
        .agg(years="size", years_observed="count", mean="mean", min="min", max="max")
        .reset_index()
    )
    overall = prof.groupby("group")["mean"].transform("mean")
    prof["seasonal_index"] = prof["mean"] / overall.where(overall > 0)
    prof.insert(2, "month_name", prof["month_of_year"].map(lambda m: calendar.month_abbr[m]))
    if by is None and list(wide.columns) == [_ALL]:
        prof = prof.drop(columns="group")
    else:
        prof = prof.rename(columns={"group": by if by is not None else "group"})
    if source not in SOURCES:
        raise WorkbenchError(f"source must be one of {SOURCES}, found {source!r}")
    group = [c for c in prof.columns[:1] if c != "month_of_year"]
    spec = TableSpec(
        dims=(*map(str, group), "month_of_year"),
        counts={"min": Count(), "max": Count()},
        derived={"mean": Derived(("min", "max")), "seasonal_index": Derived(("min", "max"))},
        safe=("years", "years_observed"),
        source=source,
    )
    return Described(prof, spec)


#: What police.uk monthly counts and their sums over periods count: one measure, so a
#: quarter, a 12-month window and a district's month are sums or parts of the months.
POLICE_OFFENCES = "police offences"


def monthly_long(
    monthly: pd.DataFrame,
    by: str = "crime_type",
    *,
    area: str | None = None,
    measure: str = POLICE_OFFENCES,
    source: str = "open",
) -> Described:
    """:func:`monthly_counts` (months in rows, one column per group) as a long table.

    Parameters
    ----------
    monthly : DataFrame
        :func:`monthly_counts` output, or a frame already long (columns (``area``,) ``by``,
        ``month`` and ``count``, as :func:`workbench.districts.monthly_by_district` makes):
        then it is described as is.
    by : str, default "crime_type"
        Name of the group column.
    area : str, optional
        A first column naming the district of each row (its ``Total`` is the study).
    measure : str, default :data:`POLICE_OFFENCES`
        What ``count`` counts. The study's month is the margin of the districts' months,
        and each month is a member of the quarters and 12-month windows linked with
        :func:`in_months`, so no table of the run gives a withheld month back.
    source : {"open", "partnership"}, default "open"

    Returns
    -------
    Described
        One row per (``area``,) group and month: ``by``, ``month`` (``YYYY-MM`` text) and
        ``count`` (whole numbers; missing where the month is missing, never zero). Draw
        charts from the published table with :meth:`workbench.outputs.Outputs.plot_data`
        (``index="month", columns=by, values="count"``).
    """
    if source not in SOURCES:
        raise WorkbenchError(f"source must be one of {SOURCES}, found {source!r}")
    if not isinstance(monthly, pd.DataFrame):
        raise WorkbenchError(f"monthly: expected a DataFrame, found {type(monthly).__name__}")
    if {by, "month", "count", *([area] if area else [])} <= set(monthly.columns):
        frame = monthly
    else:
        long = (
            monthly.astype("Int64")
            .rename_axis(index="month", columns=by)
            .stack(future_stack=True)
            .rename("count")
            .reset_index()
        )
        long = long[[by, "month", "count"]].sort_values([by, "month"], kind="stable")
        frame = long.astype({"month": str}).reset_index(drop=True)
    dims = (*([area] if area else []), by, "month")
    spec = TableSpec(dims=dims, counts={"count": Count(measure)}, source=source)
    return Described(frame, spec)


def _same_numbers(whole: pd.Series, part: pd.Series) -> bool:
    """``part`` equals ``whole`` on every row where ``part`` has a value.

    A row without a compared count (the periods are not compared) publishes a blank, which
    the attack model skips; every other row must hold the same number in both columns.
    """
    x, y = pd.to_numeric(whole, errors="coerce"), pd.to_numeric(part, errors="coerce")
    has = y.notna()
    return bool(has.any()) and bool(x[has].notna().all() and (x[has] == y[has]).all())


def in_months(
    result: Described,
    *,
    period: str = "period",
    count: str = "count",
    measure: str = POLICE_OFFENCES,
    area: str | None = None,
    all_areas: str = "All districts",
) -> Described:
    """A :func:`compare_periods` result with its counts linked to the monthly counts: the
    ``count`` of a period is the sum of its months.

    The frame's ``period``, ``first_month`` and ``last_month`` columns give each period's
    months. The period dimension is named ``month`` and each period stands for its months
    (``member_sets``); ``count`` counts ``measure`` (:data:`POLICE_OFFENCES`, as
    :func:`monthly_long`). ``area``: a column naming the district of each row
    (:func:`workbench.districts.key_figures_by_district`), whose ``all_areas`` rows are
    the whole study.
    """
    frame, spec = result.frame, result.spec
    # months as text in the published table ("2021-04"), whatever type they came in
    frame = frame.astype({c: str for c in ("first_month", "last_month") if c in frame.columns})
    members: dict[str, tuple[str, ...]] = {}
    previous = "previous_period" in frame.columns and "previous_count" in spec.counts
    for r in range(len(frame)):
        first = pd.Period(str(frame["first_month"].iloc[r]), freq="M")
        last = pd.Period(str(frame["last_month"].iloc[r]), freq="M")
        for label, shift in [(frame[period].iloc[r], 0)] + (
            [(frame["previous_period"].iloc[r], 12)] if previous else []
        ):  # the previous period: the same months a year earlier
            months = pd.period_range(first - shift, last - shift, freq="M")
            members.setdefault(str(label), tuple(str(m) for m in months))
    counts = dict(spec.counts)
    counts[count] = replace(counts[count], measure=measure)
    if previous:  # the previous period's count is the sum of its own months
        counts["previous_count"] = replace(
            counts["previous_count"], measure=measure, dims_from={period: "previous_period"}
        )
    # A compared count over the same months as its period's count is the same number: one
    # cell, so hiding one of the two while the other shows it protects nothing (and a reader
    # sees "*" beside the value). Linked only when that holds on every row that has one (a
    # spec describes columns, not rows); with compare="complete" (the default) it always
    # does: a period is compared only when both hold all their months.
    for whole, part in ((count, "compared_count"), ("previous_count", "compared_previous_count")):
        if whole in counts and part in counts and _same_numbers(frame[whole], frame[part]):
            counts[part] = counts[whole]
    linked = replace(
        spec,
        counts=counts,
        dim_names={**spec.dim_names, period: "month"},
        member_sets={**spec.member_sets, period: members},
    )
    if area is not None:
        linked = replace(linked.with_dims(area), totals={**linked.totals, area: all_areas})
    return Described(frame, linked)


def table_note(kind: str, quarters: str = "financial", population: str | None = None) -> str:
    """The caption of a period table: how :func:`compare_periods` compares its periods, or
    how :func:`seasonality` averages the published months.

    Parameters
    ----------
    kind : {"quarter", "year", "seasonal", "key_figures", "key_figures_by_district"}
    quarters : {"financial", "calendar"}
        For quarters: which quarters (``[study] quarters``).
    population : str, optional
        For years: the population the rates divide by (its label, e.g. "ONS mid-2020").

    Examples
    --------
    >>> table_note("quarter", "calendar")[:40]
    'Calendar quarters; change against the sa'
    """
    if kind in ("key_figures", "key_figures_by_district"):
        whose = "residents" if kind == "key_figures" else "residents of each district"
        text = (
            f"Rate per 10,000 {whose} ({population}); 95% CI exact Poisson below 10 events, "
            "Byar from 10."
        )
        if kind == "key_figures":
            text += (
                " Change compares the latest 12 months with the 12 months before, only when "
                "both hold all 12 months (months_observed; a missing month is not a zero)."
            )
        return text
    if kind == "seasonal":
        return (
            "Means over the months published in monthly_counts (years_observed): a month "
            "withheld there or missing is left out, not read as zero."
        )
    if kind == "quarter":
        return (
            f"{quarters.capitalize()} quarters; change against the same quarter a year earlier, "
            "only when both hold all 3 months (months_observed; a missing month is not a zero)."
        )
    if kind == "year":
        return (
            "12-month windows ending at the last month, compared only when both hold all 12 "
            f"months; rates per 10,000 residents ({population}) over the months_observed, 95% "
            "CI exact Poisson below 10 events, Byar from 10."
        )
    raise WorkbenchError(
        f"table_note: kind must be 'quarter', 'year', 'seasonal', 'key_figures' or "
        f"'key_figures_by_district', found {kind!r}"
    )


#: The columns of the published key figures (:func:`key_figures`).
KEY_FIGURE_COLUMNS = (
    "crime_type",
    "period",
    "months_observed",
    "count",
    "previous_period",
    "previous_months_observed",
    "previous_count",
    "compared_count",
    "compared_previous_count",
    "pct_change",
    "comparison",
    "rate",
    "lower",
    "upper",
)
#: The columns of the key figures by district (``previous_period`` and its months left out).
KEY_FIGURE_DISTRICT_COLUMNS = (
    "area",
    *(c for c in KEY_FIGURE_COLUMNS if c not in ("previous_period", "previous_months_observed")),
)


def key_figures(result: Described, *, area: str | None = None) -> Described:
    """The published key figures of a yearly :func:`compare_periods` result (latest window).

    The latest 12-month window only, its months linked to the monthly counts
    (:func:`in_months`), :data:`KEY_FIGURE_COLUMNS` (with ``area``:
    :data:`KEY_FIGURE_DISTRICT_COLUMNS`, every window of each district), rounded to 2
    decimals.
    """
    if area is None:
        latest = result.frame["last_month"] == result.frame["last_month"].max()
        linked = in_months(result.rows(latest))
        columns = KEY_FIGURE_COLUMNS
    else:
        linked = in_months(result, area=area)
        columns = KEY_FIGURE_DISTRICT_COLUMNS
    return linked.select(list(columns)).round(2)
