"""The one reading of a month or a period a person writes: config, CLI, statistics, notebooks.

Every setting that names a month (``[study] period_start``, ``--period``, the ``start`` and
``end`` of :func:`workbench.stats.monthly_counts`, a notebook parameter, the ``split`` of
:func:`workbench.hotspots.change`) goes through :func:`month`, so the same text means the same
month everywhere, or is refused everywhere. ``"2021"`` is refused: a year is not a month
(it was read as January 2021 by the statistics while the config refused it).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

from workbench.errors import WorkbenchError

__all__ = ["MONTH_FORMAT", "month", "span", "words"]

#: How a month is written: four-digit year, hyphen, two-digit month.
MONTH_FORMAT = "YYYY-MM"
_MONTH_TEXT = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_SPAN_TEXT = re.compile(r"^\s*([^:]+?)\s*:\s*([^:]+?)\s*$")


def month(value: Any, name: str = "month") -> pd.Period:
    """A month setting as a monthly ``pandas.Period``; anything ambiguous is refused.

    Parameters
    ----------
    value : str, pandas.Period, pandas.Timestamp or datetime.date
        ``"YYYY-MM"`` text (spaces around it ignored), a monthly Period, or a date (its
        month).
    name : str
        The setting's name, for the error message.

    Returns
    -------
    pandas.Period
        Frequency ``M``.

    Raises
    ------
    WorkbenchError
        A year alone (``2021``, ``"2021"``), a month not written with two digits
        (``"2021-4"``), a Period of another frequency (a quarter or a year), or anything
        else.

    Examples
    --------
    >>> month("2021-04")
    Period('2021-04', 'M')
    >>> month("2021")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    workbench.errors.WorkbenchError: month must be a month written "YYYY-MM" ..., found '2021'
    """
    if isinstance(value, pd.Period):
        if value.freqstr == "M":
            return value
    elif isinstance(value, pd.Timestamp | dt.date) and not pd.isna(value):
        return pd.Timestamp(value).to_period("M")
    elif isinstance(value, str) and _MONTH_TEXT.match(value.strip()):
        return pd.Period(value.strip(), freq="M")
    raise WorkbenchError(
        f'{name} must be a month written "{MONTH_FORMAT}" (e.g. "2021-04"), found {value!r}'
    )


def span(text: Any, name: str = "period") -> tuple[pd.Period, pd.Period]:
    """``"YYYY-MM:YYYY-MM"`` as (first month, last month), each read by :func:`month`.

    Raises
    ------
    WorkbenchError
        Not two months separated by a colon, or the last month before the first.

    Examples
    --------
    >>> span("2021-04:2022-03")
    (Period('2021-04', 'M'), Period('2022-03', 'M'))
    """
    match = _SPAN_TEXT.match(str(text))
    if not match:
        raise WorkbenchError(f"{name} must be two months like '2021-04:2022-03', found {text!r}")
    first = month(match.group(1), f"{name} (first month)")
    last = month(match.group(2), f"{name} (last month)")
    if last < first:
        raise WorkbenchError(f"{name}: the last month ({last}) is before the first ({first})")
    return first, last


def words(value: Any) -> str:
    """A month as people read it in captions: ``"April 2021"`` (read by :func:`month`).

    Examples
    --------
    >>> words("2021-04")
    'April 2021'
    """
    return month(value).strftime("%B %Y")
