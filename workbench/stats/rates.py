"""Crude rates with exact Poisson / Byar intervals, and proportions with Wilson intervals."""

from __future__ import annotations

import logging
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _sps

from workbench.errors import WorkbenchError
from workbench.intervals import wilson_interval, z_value

__all__ = [
    "BYAR_FROM",
    "z_value",
    "poisson_interval",
    "wilson_interval",
    "rate",
    "proportion",
]

logger = logging.getLogger(__name__)

#: Counts from this value use Byar's approximation; below it, exact Poisson limits.
BYAR_FROM = 10
_EXACT = "exact Poisson (chi-square)"
_BYAR = "Byar"


def poisson_interval(
    count: Any, conf: float = 0.95, *, byar_from: int | None = BYAR_FROM
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Confidence limits for Poisson counts (in counts, not rates).

    Conventions
    -----------
    Exact (chi-square) limits ``lower = chi2.ppf(a/2, 2O) / 2`` (0 when O = 0) and
    ``upper = chi2.ppf(1 - a/2, 2O + 2) / 2`` below ``byar_from`` events; Byar's
    approximation from ``byar_from`` events: ``lower = O(1 - 1/(9O) - z/(3 sqrt O))^3``,
    ``upper = (O+1)(1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3`` (PHE/APHO technical guidance).
    Non-integer counts (for example expected counts in funnel plots) are accepted.

    Parameters
    ----------
    count : array-like
        Observed (or expected) counts, >= 0 (NaN gives NaN limits).
    conf : float, default 0.95
        Two-sided confidence level.
    byar_from : int or None, default 10
        Use Byar's approximation for counts >= this; ``None`` means exact everywhere.

    Returns
    -------
    lower, upper : numpy.ndarray
        Limits in counts.
    exact : numpy.ndarray of bool
        True where the exact method was used.
    """
    z = z_value(conf)
    alpha = 1 - conf
    try:
        o = np.asarray(count, dtype=float)
    except (TypeError, ValueError) as exc:
        raise WorkbenchError(f"count must be numbers, found {count!r:.80}") from exc
    if (o < 0).any():
        raise WorkbenchError(f"count must be >= 0, found {o[o < 0].flat[0]:g}")
    exact = np.ones(o.shape, dtype=bool) if byar_from is None else o < byar_from
    with np.errstate(divide="ignore", invalid="ignore"):
        ex_lo = np.where(o > 0, _sps.chi2.ppf(alpha / 2, 2 * o) / 2, 0.0)
        ex_hi = _sps.chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2
        by_lo = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        o1 = o + 1
        by_hi = o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3
    lower = np.where(exact, ex_lo, by_lo)
    upper = np.where(exact, ex_hi, by_hi)
    return lower, upper, exact


def _as_values(value: Any, name: str) -> tuple[np.ndarray, pd.Index | None]:
    """Numbers as a 1-D float array and the Series index (if a Series was given)."""
    index = value.index if isinstance(value, pd.Series) else None
    try:
        arr = np.atleast_1d(np.asarray(value, dtype=float))
    except (TypeError, ValueError) as exc:
        raise WorkbenchError(
            f"{name} must be numbers (a number, array or Series), found {value!r:.80}"
        ) from exc
    if arr.ndim != 1:
        raise WorkbenchError(f"{name} must be one-dimensional, found shape {arr.shape}")
    return arr, index


def _label(index: pd.Index | None, pos: int) -> str:
    if index is None:
        return f"position {pos}"
    return f"{index[pos]!r} (position {pos})"


def _pair(
    a: Any, b: Any, name_a: str, name_b: str
) -> tuple[np.ndarray, np.ndarray, pd.Index | None]:
    """Two aligned value arrays and the output index, with clear errors."""
    x, ix = _as_values(a, name_a)
    y, iy = _as_values(b, name_b)
    if ix is not None and iy is not None and not ix.equals(iy):
        missing = iy.difference(ix).union(ix.difference(iy))
        if ix.has_duplicates or iy.has_duplicates or len(missing):
            raise WorkbenchError(
                f"{name_a} and {name_b} are Series with different index labels "
                f"(e.g. {list(missing[:3])}); reindex one to the other first"
            )
        y = np.asarray(pd.Series(y, index=iy).reindex(ix), dtype=float)
    index = ix if ix is not None else iy
    if len(x) == 1 and len(y) != 1:
        x = np.repeat(x, len(y))
    if len(y) == 1 and len(x) != 1:
        y = np.repeat(y, len(x))
    if len(x) != len(y):
        raise WorkbenchError(
            f"{name_a} and {name_b} must have the same length, found {len(x)} and {len(y)}"
        )
    for arr, name, idx in ((x, name_a, ix), (y, name_b, iy)):
        bad = np.flatnonzero(~np.isfinite(arr))
        if len(bad):
            raise WorkbenchError(
                f"{name} must be finite numbers, found {arr[bad[0]]} at "
                f"{_label(idx if idx is not None and len(idx) == len(arr) else None, bad[0])}"
            )
    return x, y, index


def rate(
    count: Any,
    population: Any,
    per: float = 10_000,
    conf: float = 0.95,
) -> pd.DataFrame:
    """Crude rates per ``per`` people with confidence intervals.

    Conventions
    -----------
    ``rate = count / population * per``. Two-sided ``conf`` interval: exact Poisson
    (chi-square) limits when the count is below 10, Byar's approximation from 10 (PHE/APHO
    technical guidance; GUIDE section 3), each limit divided by the population and multiplied
    by ``per``. The ``method`` column says which was used for each row.

    Parameters
    ----------
    count : number, array-like or Series
        Event counts (>= 0).
    population : number, array-like or Series
        Population at risk (> 0). A scalar is broadcast. Two Series must share their labels.
    per : float, default 10,000
        Rate multiplier.
    conf : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Columns ``count``, ``population``, ``rate``, ``lower``, ``upper``, ``method``; the
        index of a Series input is kept. The method of each row is in ``method``.

    Raises
    ------
    WorkbenchError
        A negative or missing count, or a population that is zero, negative or missing
        (the message names the argument and the label or position).

    Examples
    --------
    >>> rate(25, 50_000).round(3)[["count", "rate", "lower", "upper", "method"]]
       count  rate  lower  upper method
    0   25.0   5.0  3.235  7.381   Byar
    """
    if isinstance(per, bool) or not isinstance(per, Real) or not per > 0:
        raise WorkbenchError(f"per must be a positive number, found {per!r}")
    o, pop, index = _pair(count, population, "count", "population")
    bad = np.flatnonzero(o < 0)
    if len(bad):
        raise WorkbenchError(f"count must be >= 0, found {o[bad[0]]:g} at {_label(index, bad[0])}")
    bad = np.flatnonzero(pop <= 0)
    if len(bad):
        raise WorkbenchError(
            f"population must be > 0 to compute a rate, found {pop[bad[0]]:g} at "
            f"{_label(index, bad[0])}"
        )
    lower, upper, exact = poisson_interval(o, conf)
    out = pd.DataFrame(
        {
            "count": o,
            "population": pop,
            "rate": o / pop * per,
            "lower": lower / pop * per,
            "upper": upper / pop * per,
            "method": np.where(exact, _EXACT, _BYAR),
        },
        index=index,
    )
    return out


def proportion(numerator: Any, denominator: Any, conf: float = 0.95) -> pd.DataFrame:
    """Proportions with Wilson score confidence intervals.

    Conventions
    -----------
    ``proportion = numerator / denominator`` as a fraction in [0, 1] (multiply by 100 for a
    percentage). Two-sided Wilson score interval
    ``(2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))`` (GUIDE section 3).

    Parameters
    ----------
    numerator : number, array-like or Series
        Numbers with the characteristic, ``0 <= x <= n``.
    denominator : number, array-like or Series
        Group sizes, ``n > 0``. A scalar is broadcast. Two Series must share their labels.
    conf : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Columns ``numerator``, ``denominator``, ``proportion``, ``lower``, ``upper``; the index
        of a Series input is kept.

    Examples
    --------
    >>> proportion(8, 40).round(4)
       numerator  denominator  proportion  lower   upper
    0        8.0         40.0         0.2  0.105  0.3476
    """
    x, n, index = _pair(numerator, denominator, "numerator", "denominator")
    bad = np.flatnonzero(n <= 0)
    if len(bad):
        raise WorkbenchError(
            f"denominator must be > 0, found {n[bad[0]]:g} at {_label(index, bad[0])}"
        )
    bad = np.flatnonzero((x < 0) | (x > n))
    if len(bad):
        raise WorkbenchError(
            f"numerator must be between 0 and the denominator, found {x[bad[0]]:g} of "
            f"{n[bad[0]]:g} at {_label(index, bad[0])}"
        )
    lower, upper = wilson_interval(x, n, conf)
    out = pd.DataFrame(
        {"numerator": x, "denominator": n, "proportion": x / n, "lower": lower, "upper": upper},
        index=index,
    )
    return out
