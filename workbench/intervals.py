"""Interval arithmetic shared by the statistics and the disclosure checks: normal quantiles
and the Wilson score interval.

Core: no workbench module below it, so :mod:`workbench.stats` (which publishes intervals) and
:mod:`workbench.disclosure` (which checks what a shown interval bound gives away) use the one
formula without importing each other.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from scipy import stats as _sps

from workbench.errors import WorkbenchError

__all__ = ["wilson_interval", "z_value"]


def z_value(conf: float) -> float:
    """Two-sided standard normal quantile for a confidence level (1.959964 for 0.95).

    Parameters
    ----------
    conf : float
        Confidence level strictly between 0 and 1.

    Returns
    -------
    float
        ``Phi^-1(1 - (1 - conf) / 2)``.
    """
    if isinstance(conf, bool) or not isinstance(conf, Real) or not 0 < conf < 1:
        raise WorkbenchError(f"conf must be a confidence level between 0 and 1, found {conf!r}")
    return float(_sps.norm.ppf(1 - (1 - conf) / 2))


def wilson_interval(
    numerator: Any, denominator: Any, conf: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for proportions, as fractions in [0, 1].

    Conventions
    -----------
    ``(2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))`` (PHE/APHO technical guidance;
    Newcombe 1998 method 3, without continuity correction). Non-integer ``x`` is accepted.

    Parameters
    ----------
    numerator, denominator : array-like
        ``0 <= x <= n``, ``n > 0`` (not checked here; see :func:`proportion`).
    conf : float, default 0.95
        Two-sided confidence level.

    Returns
    -------
    lower, upper : numpy.ndarray
    """
    z = z_value(conf)
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    root = z * np.sqrt(np.clip(z**2 + 4 * x * (1 - x / n), 0, None))
    lower = (2 * x + z**2 - root) / (2 * (n + z**2))
    upper = (2 * x + z**2 + root) / (2 * (n + z**2))
    return np.clip(lower, 0.0, 1.0), np.clip(upper, 0.0, 1.0)
