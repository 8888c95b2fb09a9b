"""Period comparisons (year-on-year, quarterly, monthly) and month-of-year seasonality."""

from __future__ import annotations

import calendar
import logging
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.stats.rates import rate

__all__ = ["monthly_counts", "compare_periods", "seasonality"]

logger = logging.getLogger(__name__)

_FREQS = ("year", "quarter", "month")
_QUARTERS = ("financial", "calendar")
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
    if value is None:
        return None
    try:
        return pd.Period(str(value), freq="M")
    except (TypeError, ValueError) as exc:
        raise WorkbenchError(f"{name} must be a month like '2021-04', found {value!r}") from exc


def monthly_counts(
    data: pd.Series | pd.DataFrame,
    *,
    by: Hashable | None = None,
    count: Hashable | None = None,
    start: Any = None,
    end: Any = None,
) -> pd.DataFrame:
    """Monthly counts in a wide table: one row per month (no gaps), one column per group.

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
        The months covered. Default: the first and last month in ``data``. Months in range
        with no events count as zero.

    Returns
    -------
    pandas.DataFrame
        Index ``month`` (Period[M]), columns the groups (``"all"`` without ``by``).
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
        wide = frame.pivot_table(index="month", columns="group", values="n", aggfunc="sum")
        wide.columns.name = by
    elif isinstance(data, pd.Series):
        wide = data.to_frame(name=_ALL)
        wide.index = _to_month_index(data.index, "the Series index")
        wide = wide.groupby(level=0).sum()
    elif isinstance(data, pd.DataFrame):
        wide = data.copy()
        wide.index = _to_month_index(data.index, "the DataFrame index")
        wide = wide.groupby(level=0).sum()
    else:
        raise WorkbenchError(
            f"data must be a Series or DataFrame of monthly counts, or events with a 'month' "
            f"column; found {type(data).__name__}"
        )
    first = _month(start, "start")
    last = _month(end, "end")
    if len(wide) == 0 and (first is None or last is None):
        raise WorkbenchError("data has no months; give start and end to compare empty periods")
    first = first if first is not None else wide.index.min()
    last = last if last is not None else wide.index.max()
    if last < first:
        raise WorkbenchError(f"end ({last}) is before start ({first})")
    full = pd.period_range(first, last, freq="M", name="month")
    wide = wide.reindex(full).fillna(0.0)
    wide = wide.apply(pd.to_numeric, errors="coerce")
    if wide.isna().any().any():
        raise WorkbenchError("monthly counts must be numbers; found a value that is not")
    return wide


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
    population: Any = None,
    per: float = 10_000,
    conf: float = 0.95,
) -> pd.DataFrame:
    """Counts (and rates) in each period against the same period a year earlier.

    Conventions
    -----------
    - Year-on-year compares the same months a year apart. ``freq="year"``: 12-month windows
      ending at ``end`` (default the last month of data), going back while a whole window
      fits (so ``end="2022-03"`` gives financial years). ``freq="quarter"``: calendar
      (Jan-Mar = Q1) or financial (Apr-Jun = Q1, labelled ``2021-22 Q1``) quarters, as
      ``quarters`` says; only quarters wholly inside the data. ``freq="month"``: each month
      against the same month a year earlier.
    - ``change = count - previous_count``; ``pct_change = change / previous_count * 100``,
      left empty (NaN) when the previous count is zero or not covered by the data. Both
      counts are always shown.
    - Rates (when ``population`` is given) are per ``per`` residents for the period's length
      (not annualised), with exact Poisson / Byar intervals (:func:`workbench.stats.rate`).

    Parameters
    ----------
    data : Series or DataFrame
        Monthly counts indexed by month (Period[M]), or events with a ``month`` column
        (see :func:`monthly_counts`).
    freq : {"year", "quarter", "month"}, default "year"
    quarters : {"financial", "calendar"}, default "financial"
        Quarter type (``StudyConfig.quarters``).
    by : column name, optional
        Group events by this column (for example ``crime_type``).
    count : column name, optional
        Sum this column instead of counting rows.
    start, end : month, optional
        The months covered by the data (months without events count as zero).
    population : number or Series, optional
        Population for rates; a Series indexed by the ``by`` groups gives one per group.
    per : float, default 10,000
    conf : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] period, first_month, last_month, count, previous_period,
        previous_count, change, pct_change`` and, with a population, ``rate, lower, upper,
        previous_rate``.

    Examples
    --------
    >>> s = pd.Series(range(24), index=pd.period_range("2021-01", periods=24, freq="M"))
    >>> compare_periods(s, freq="year")[["period", "count", "previous_count", "change"]]
                   period  count  previous_count  change
    0  2021-01 to 2021-12   66.0             NaN     NaN
    1  2022-01 to 2022-12  210.0            66.0   144.0
    """
    if freq not in _FREQS:
        raise WorkbenchError(f"freq must be one of {_FREQS}, found {freq!r}")
    if quarters not in _QUARTERS:
        raise WorkbenchError(f"quarters must be 'financial' or 'calendar', found {quarters!r}")
    wide = monthly_counts(data, by=by, count=count, start=start, end=end)
    months = wide.index
    periods = _periods(months, freq, quarters, months.max())
    if not periods:
        raise WorkbenchError(
            f"the data cover {months.min()} to {months.max()}, too short for one whole {freq}"
        )
    cum = wide.cumsum()

    def total(first: pd.Period, last: pd.Period) -> pd.Series | None:
        if first < months.min() or last > months.max():
            return None
        before = cum.loc[first - 1] if first - 1 >= months.min() else 0.0
        return cum.loc[last] - before

    rows = []
    for label, first, last in periods:
        now = total(first, last)
        prev = total(first - 12, last - 12)
        prev_name = _shift_label(label, freq, quarters)
        for group in wide.columns:
            rows.append(
                {
                    "group": group,
                    "period": label,
                    "first_month": first,
                    "last_month": last,
                    "count": float(now[group]),
                    "previous_period": prev_name,
                    "previous_count": float(prev[group]) if prev is not None else np.nan,
                }
            )
    out = pd.DataFrame(rows)
    out["change"] = out["count"] - out["previous_count"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = out["change"] / out["previous_count"] * 100
    out["pct_change"] = pct.where(out["previous_count"] > 0)
    if population is not None:
        pop = _population_for(population, out["group"], by)
        now_rate = rate(out["count"].to_numpy(), pop, per=per, conf=conf)
        out["rate"] = now_rate["rate"].to_numpy()
        out["lower"] = now_rate["lower"].to_numpy()
        out["upper"] = now_rate["upper"].to_numpy()
        out["previous_rate"] = out["previous_count"] / pop * per
    if by is None and list(wide.columns) == [_ALL]:
        out = out.drop(columns="group")
    else:
        out = out.sort_values(["group", "first_month"], kind="stable", ignore_index=True)
        out = out.rename(columns={"group": by if by is not None else "group"})
    out.attrs.update(
        {
            "freq": freq,
            "quarters": quarters,
            "pct_change": "(count - previous_count) / previous_count * 100; empty if previous is 0",
            "per": per if population is not None else None,
        }
    )
    return out


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
) -> pd.DataFrame:
    """Month-of-year profile: the average count in each calendar month.

    Conventions
    -----------
    ``seasonal_index`` = the month's mean count / the average of the twelve monthly means
    (1 = a typical month, 1.2 = 20% above). ``years`` says how many of each calendar month
    the period covers (from the first to the last month of data, or ``start`` to ``end``);
    a month in that range with no events counts as zero, not as missing.

    Parameters
    ----------
    data, by, count, start, end
        As in :func:`compare_periods`.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] month_of_year, month_name, years, mean, min, max, seasonal_index``.
    """
    wide = monthly_counts(data, by=by, count=count, start=start, end=end)
    long = wide.stack().rename("n").reset_index()
    long.columns = ["month", "group", "n"]
    long["month_of_year"] = long["month"].map(lambda p: p.month)
    prof = (
        long.groupby(["group", "month_of_year"])["n"]
        .agg(years="count", mean="mean", min="min", max="max")
        .reset_index()
    )
    overall = prof.groupby("group")["mean"].transform("mean")
    prof["seasonal_index"] = prof["mean"] / overall.where(overall > 0)
    prof.insert(2, "month_name", prof["month_of_year"].map(lambda m: calendar.month_abbr[m]))
    if by is None and list(wide.columns) == [_ALL]:
        prof = prof.drop(columns="group")
    else:
        prof = prof.rename(columns={"group": by if by is not None else "group"})
    prof.attrs["seasonal_index"] = "month mean / average of the 12 monthly means"
    return prof
