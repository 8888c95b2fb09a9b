"""Mann-Kendall trend test: one series, or many series at once (one per row)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _sps

from workbench.errors import WorkbenchError

__all__ = ["MannKendallResult", "mann_kendall", "mann_kendall_many"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MannKendallResult:
    """Result of a two-sided Mann-Kendall trend test on one series.

    Attributes
    ----------
    trend : str
        ``"increasing"``, ``"decreasing"`` or ``"no trend"`` (``p < alpha``).
    p : float
        Two-sided p-value from the normal approximation.
    z : float
        Standardised statistic, with continuity correction when ``continuity`` was True.
    s : float
        Mann-Kendall S = sum over i < j of sign(x_j - x_i).
    var_s : float
        Tie-corrected variance of S.
    tau : float
        Kendall's tau-a = S / (n (n - 1) / 2) (not tau-b; see :func:`mann_kendall`).
    n : int
        Number of (non-missing) values used.
    alpha : float
        Significance level used for ``trend``.
    continuity : bool
        Whether the continuity correction was applied to ``z``.
    """

    trend: str
    p: float
    z: float
    s: float
    var_s: float
    tau: float
    n: int
    alpha: float
    continuity: bool

    def as_dict(self) -> dict[str, Any]:
        """The result as a plain dictionary."""
        return dict(self.__dict__)


def mann_kendall_many(
    values: Any,
    *,
    alpha: float = 0.05,
    continuity: bool = True,
    index: Any = None,
) -> pd.DataFrame:
    """Two-sided Mann-Kendall trend test on every row of a 2-D array, vectorised.

    Each row is one series in time order (for example the Gi* z-score of one grid cell in
    each period). Missing values (NaN) are left out of their row.

    Conventions
    -----------
    - ``S = sum_{i<j} sign(x_j - x_i)`` over the row's non-missing values, in column order.
    - Tie-corrected variance ``var_s = [n(n-1)(2n+5) - sum_t t(t-1)(2t+5)] / 18``, where the
      sum runs over groups of ``t`` equal values (exact equality).
    - Continuity correction (default on): ``z = (S - 1)/sqrt(var_s)`` if S > 0,
      ``(S + 1)/sqrt(var_s)`` if S < 0, 0 if S = 0.
    - ``p`` is two-sided: ``2 * (1 - Phi(|z|))``.
    - ``tau`` is Kendall's tau-a, ``S / (n(n-1)/2)`` (as in pymannkendall); scipy's
      ``kendalltau`` returns tau-b, which differs when there are ties.
    - A row with fewer than 3 values, or with every value equal (``var_s = 0``), gets
      ``z = 0``, ``p = 1`` and ``"no trend"``.

    Parameters
    ----------
    values : array-like, shape (n_series, n_periods)
        Values, one series per row, periods in time order along the columns. A DataFrame's
        index is kept.
    alpha : float, default 0.05
        Significance level for the ``trend`` label.
    continuity : bool, default True
        Apply the continuity correction to ``z``.
    index : array-like, optional
        Row labels of the result (default: the DataFrame's index, else 0..n-1).

    Returns
    -------
    pandas.DataFrame
        One row per series with columns ``n``, ``s``, ``var_s``, ``z``, ``p``, ``tau``,
        ``trend``.

    Examples
    --------
    >>> import numpy as np
    >>> out = mann_kendall_many(np.array([[1, 2, 3, 4, 5], [5, 4, 4, 2, 1]]))
    >>> out["s"].tolist()
    [10.0, -9.0]
    """
    if not 0 < alpha < 1:
        raise WorkbenchError(f"alpha must be between 0 and 1, found {alpha!r}")
    if index is None and isinstance(values, pd.DataFrame):
        index = values.index
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise WorkbenchError(
            f"values must be numbers (one series per row), found {type(values).__name__}: {exc}"
        ) from exc
    if x.ndim == 1:
        x = x[np.newaxis, :]
    if x.ndim != 2:
        raise WorkbenchError(f"values must be a 2-D array (series x periods), found {x.ndim}-D")
    if np.isinf(x).any():
        raise WorkbenchError("values must be finite numbers or NaN, found an infinite value")
    n_rows, n_cols = x.shape
    if index is not None and len(index) != n_rows:
        raise WorkbenchError(
            f"index must have one label per series: {n_rows} series, found {len(index)} labels"
        )

    # S by lag: for lag k compare x[:, k:] with x[:, :-k] (views, no copies). Comparisons with
    # NaN are False, so pairs with a missing value drop out. This is ~15x faster than forming
    # all n(n-1)/2 differences at once, and pymannkendall has no vectorised form.
    s_int = np.zeros(n_rows, dtype=np.int64)
    for k in range(1, n_cols):
        later, earlier = x[:, k:], x[:, :-k]
        s_int += np.count_nonzero(later > earlier, axis=1)
        s_int -= np.count_nonzero(later < earlier, axis=1)
    s = s_int.astype(float)

    present = ~np.isnan(x)
    n = present.sum(axis=1)
    tie_term = _tie_term(x)
    var_s = (n * (n - 1) * (2 * n + 5) - tie_term) / 18.0

    ok = (n >= 3) & (var_s > 0)
    z = np.zeros(n_rows)
    if continuity:
        num = s - np.sign(s)
    else:
        num = s.copy()
    np.divide(num, np.sqrt(var_s, where=ok, out=np.ones(n_rows)), out=z, where=ok)
    p = np.ones(n_rows)
    p[ok] = 2.0 * _sps.norm.sf(np.abs(z[ok]))
    pairs = n * (n - 1) / 2.0
    tau = np.divide(s, pairs, out=np.zeros(n_rows), where=pairs > 0)

    trend = np.full(n_rows, "no trend", dtype=object)
    sig = ok & (p < alpha)
    trend[sig & (z > 0)] = "increasing"
    trend[sig & (z < 0)] = "decreasing"

    out = pd.DataFrame(
        {
            "n": n.astype(int),
            "s": s,
            "var_s": np.where(n >= 3, var_s, 0.0),
            "z": z,
            "p": p,
            "tau": tau,
            "trend": trend,
        },
        index=index,
    )
    return out


def _tie_term(x: np.ndarray) -> np.ndarray:
    """Per row, the sum over tied groups of t(t-1)(2t+5), ignoring NaN (vectorised)."""
    n_rows, n_cols = x.shape
    if n_cols == 0:
        return np.zeros(n_rows)
    srt = np.sort(x, axis=1)  # NaN sorts last
    new_group = np.ones_like(srt, dtype=bool)
    new_group[:, 1:] = srt[:, 1:] != srt[:, :-1]  # NaN != NaN, so NaNs are singletons
    flat = new_group.ravel()
    starts = np.flatnonzero(flat)
    lengths = np.diff(np.append(starts, flat.size)).astype(float)
    rows = starts // n_cols
    # Drop groups that are NaN (they have length 1 and contribute 0 anyway).
    contrib = lengths * (lengths - 1) * (2 * lengths + 5)
    return np.bincount(rows, weights=contrib, minlength=n_rows)


def mann_kendall(
    values: Any,
    *,
    alpha: float = 0.05,
    continuity: bool = True,
) -> MannKendallResult:
    """Two-sided Mann-Kendall trend test on one series in time order.

    Uses exactly the same computation as :func:`mann_kendall_many` (see there for the
    formulas). Missing values are left out.

    Conventions
    -----------
    Two-sided p from the normal approximation; tie-corrected variance of S; continuity
    correction ``z = (S - sign(S)) / sqrt(var_s)`` unless ``continuity=False``; ``tau`` is
    Kendall's tau-a, ``S / (n(n-1)/2)``.

    Parameters
    ----------
    values : array-like or Series
        One series in time order (a Series is used in its current order).
    alpha : float, default 0.05
        Significance level for ``trend``.
    continuity : bool, default True
        Apply the continuity correction.

    Returns
    -------
    MannKendallResult

    Examples
    --------
    >>> r = mann_kendall([1, 2, 3, 4, 5, 6])
    >>> r.s, r.trend
    (15.0, 'increasing')
    """
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise WorkbenchError(
            f"values must be numbers in time order, found {type(values).__name__}: {exc}"
        ) from exc
    if x.ndim != 1:
        raise WorkbenchError(f"values must be one series (1-D), found a {x.ndim}-D array")
    row = mann_kendall_many(x[np.newaxis, :], alpha=alpha, continuity=continuity).iloc[0]
    return MannKendallResult(
        trend=str(row["trend"]),
        p=float(row["p"]),
        z=float(row["z"]),
        s=float(row["s"]),
        var_s=float(row["var_s"]),
        tau=float(row["tau"]),
        n=int(row["n"]),
        alpha=alpha,
        continuity=continuity,
    )
