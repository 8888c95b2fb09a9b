"""Pop-up and tooltip text: HTML-escaped values, counts with their base and interval, suppressed.

folium's ``GeoJsonTooltip``/``GeoJsonPopup`` build their table with a JavaScript template string
and assign it to ``innerHTML`` (folium 0.20, ``GeoJsonDetail.base_template``), so a value such as
``<img src=x onerror=alert(1)>`` would run. Every text that reaches a map therefore passes
through :func:`escape` here first; numbers are formatted into text here too, so what the map
shows is decided (and suppressed) in Python, not in the browser. Functions here return plain
text; :mod:`workbench.maps.layers` escapes each text exactly once when it writes the properties.
"""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.stats import SUPPRESSED

__all__ = [
    "escape",
    "fmt_number",
    "small_count_mask",
    "count_texts",
    "rate_texts",
    "format_values",
    "SUPPRESSED_NOTE",
]

logger = logging.getLogger(__name__)

#: Shown beside a suppressed count, so the reader knows why there is no number.
SUPPRESSED_NOTE = "fewer than {threshold}"


def escape(value: Any) -> str:
    """Text of ``value`` with ``& < > " '`` escaped; missing values become "".

    >>> escape("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return html.escape(str(value), quote=True)


def fmt_number(value: Any, decimals: int = 0) -> str:
    """A number with thousands separators and ``decimals`` places; "" when missing.

    >>> fmt_number(12345.678, 1)
    '12,345.7'
    """
    from workbench.numbers import as_number, format_value

    if as_number(value) is None:  # missing: a blank in a popup, not the tables' dash
        return ""
    return format_value(value, "rate", digits=decimals)  # the reports' one formatter


def small_count_mask(counts: pd.Series, threshold: int = 5) -> pd.Series:
    """True where a count must not be shown (1 to ``threshold - 1``).

    Asks :class:`workbench.disclosure.Policy` (the workbench's one disclosure rule)
    with no total and no secondary suppression: a map shows one count per area, not a
    table with margins.
    """
    from workbench.disclosure.policy import Policy

    counts = pd.Series(counts)
    return pd.Series(Policy(threshold).small(counts), index=counts.index)


def count_texts(counts: pd.Series, threshold: int = 5) -> list[str]:
    """Counts as text, with "* (fewer than 5)" in place of counts 1 to ``threshold - 1``."""
    hide = small_count_mask(counts, threshold)
    note = SUPPRESSED_NOTE.format(threshold=threshold)
    out = []
    for value, hidden in zip(pd.Series(counts).tolist(), hide.tolist(), strict=True):
        if hidden:
            out.append(f"{SUPPRESSED} ({note})")
        else:
            out.append(fmt_number(value, 0))
    return out


def rate_texts(
    frame: pd.DataFrame,
    *,
    count: str = "count",
    population: str = "population",
    rate: str = "rate",
    lower: str = "lower",
    upper: str = "upper",
    per: int = 10_000,
    decimals: int = 1,
    threshold: int = 5,
    ci_label: str = "95% CI",
) -> list[str]:
    """One line per row: the rate with its count, its base and its interval.

    Example: ``"78.9 per 10,000 (95% CI 40.8 to 137.9); 12 of 1,520 residents"``. Where the
    count is 1 to ``threshold - 1`` the count, the rate and its limits are all withheld (the
    rate and population would give the count back): ``"* (fewer than 5) of 1,520 residents;
    rate not shown"``. The interval is whatever the ``lower``/``upper`` columns hold (the
    workbench's :func:`workbench.stats.rate` gives exact Poisson below 10, Byar above).
    """
    needed = [count, population, rate]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise WorkbenchError(
            f"rate pop-ups need columns {needed}; missing {missing} "
            f"(found {list(frame.columns)[:12]})"
        )
    hide = small_count_mask(frame[count], threshold).to_numpy()
    note = SUPPRESSED_NOTE.format(threshold=threshold)
    has_ci = lower in frame.columns and upper in frame.columns
    out = []
    for i, row in enumerate(frame.itertuples(index=False)):
        rec = dict(zip(frame.columns, row, strict=True))
        base = f"{fmt_number(rec[population], 0)} residents"
        if hide[i]:
            out.append(f"{SUPPRESSED} ({note}) of {base}; rate not shown")
            continue
        value = rec[rate]
        if value is None or (isinstance(value, float) and np.isnan(value)):
            out.append(f"{fmt_number(rec[count], 0)} of {base}; no rate")
            continue
        text = f"{fmt_number(value, decimals)} per {per:,}"
        if has_ci:
            text += (
                f" ({ci_label} {fmt_number(rec[lower], decimals)} to "
                f"{fmt_number(rec[upper], decimals)})"
            )
        out.append(f"{text}; {fmt_number(rec[count], 0)} of {base}")
    return out


def derived_texts(
    values: Sequence[Any] | pd.Series,
    counts: Sequence[Any] | pd.Series | None,
    threshold: int = 5,
    decimals: int = 2,
    *,
    protected: bool = False,
) -> list[str]:
    """Display text of values derived from counts (z-scores, p-values) for a map layer.

    Conventions
    -----------
    On a ``protected`` layer (a partnership table, or anything derived from one) no derived
    value is shown: a Gi* z-score is a linear function of the counts of a cell and its
    neighbours, so z-scores shown beside the other cells' counts give hidden counts back
    (issue 12); the cell's class (colour) is still drawn. On an open-data layer the values
    are shown, except beside a count that is itself withheld (1 to ``threshold - 1``).
    """
    vals = list(values)
    if protected:
        return ["not shown (protected data)" if v is not None else "" for v in vals]
    texts = format_values(vals, decimals)
    if counts is None:
        return texts
    hide = small_count_mask(pd.Series(list(counts)), threshold).to_numpy()
    return [f"{SUPPRESSED}" if h else t for t, h in zip(texts, hide, strict=True)]


def format_values(values: Sequence[Any] | pd.Series, decimals: int | None = None) -> list[str]:
    """Values as display text, not yet escaped (numbers formatted when ``decimals`` is given).

    Missing values become "". The map layers escape every text exactly once, with
    :func:`escape`, when they write the pop-up properties.
    """
    out = []
    for v in list(values):
        if v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and np.isnan(v)):
            out.append("")
        elif decimals is not None and isinstance(v, (int, float, np.integer, np.floating)):
            out.append(fmt_number(v, decimals))
        else:
            out.append(str(v))
    return out
