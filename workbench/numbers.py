"""Numbers for people: the one formatter, driven by what a number is (issue 20 item 5).

Core vocabulary (no workbench imports), so that the sentences an analysis function writes (the
strategic assessment's evidence, for example), the tables of the reports
(:mod:`workbench.display`), the meeting pack and the community page all show a number of the
same kind the same way:

========== ===================================== =====================
kind       what it is                            shown as
========== ===================================== =====================
count      people or events (whole numbers)      ``9,703``
label      a number that names (year, decile)    ``2019``
rate       per 1,000 / 10,000 / 100,000          ``36.2``
share      a fraction 0-1                        ``78.2%``
percent    a percentage already 0-100            ``27.5%``
p          a p-value                             ``0.012``, ``<0.001``
ratio      a ratio, z-score or index             ``2.40``
number     any other number                      ``14.67``, ``1,234.5``
========== ===================================== =====================

A p-value is never shown as ``0``, ``0.00`` or in scientific notation (``1.85e-06``): below
0.001 it reads ``<0.001``, otherwise three decimals. No kind uses scientific notation.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["KINDS", "MISSING", "P_FLOOR", "as_number", "format_value", "p_clause", "p_value"]

#: How a missing value is shown.
MISSING = "–"

#: The kinds of number :func:`format_value` knows (:data:`workbench.disclosure.spec.UNITS`
#: names the same kinds in a table's description).
KINDS = ("count", "label", "rate", "share", "percent", "p", "ratio", "number", "text")

#: p-values below this read "<0.001".
P_FLOOR = 0.001


def as_number(value: Any) -> float | None:
    """``value`` as a float, or None when it is missing, text (``"*"`` included) or a bool.

    >>> as_number("12.5"), as_number("*"), as_number(float("nan")), as_number(None)
    (12.5, None, None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return None if (isinstance(value, float) and math.isnan(value)) else float(value)
    try:
        number = float(value)  # numpy numbers, numeric strings
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError, ImportError):
        return False


def p_value(p: Any) -> str:
    """A p-value for people: ``<0.001`` below 0.001, else three decimals; missing is ``–``.

    >>> p_value(1.85e-06), p_value(0.0), p_value(0.0123), p_value(0.5)
    ('<0.001', '<0.001', '0.012', '0.500')
    """
    number = as_number(p)
    if number is None:
        return MISSING
    return f"<{P_FLOOR:.3f}" if number < P_FLOOR else f"{number:.3f}"


def p_clause(p: Any) -> str:
    """A p-value in a sentence: ``p = 0.012`` or ``p < 0.001`` (``p unknown`` when missing).

    >>> p_clause(1.85e-06), p_clause(0.0412)
    ('p < 0.001', 'p = 0.041')
    """
    text = p_value(p)
    if text == MISSING:
        return "p unknown"
    return f"p < {text[1:]}" if text.startswith("<") else f"p = {text}"


def format_value(value: Any, kind: str, digits: int | None = None) -> str:
    """One value as text: text (``"*"`` included) kept, missing is ``–``, numbers by ``kind``.

    The one number formatter of the reports, the meeting pack, the community page and the
    sentences analysis functions write. ``kind`` is what the number is (table above): a
    ``share`` (0-1) is multiplied by 100 for its ``%``, a ``percent`` (already 0-100) is not;
    a ``p``-value below 0.001 reads ``<0.001``, never 0. ``digits`` overrides the decimals
    of shares, percentages and rates (one by default).

    >>> format_value(9703.0, "count"), format_value(0.7823, "share"), format_value(36.24, "rate")
    ('9,703', '78.2%', '36.2')
    >>> format_value(27.5, "percent"), format_value(1.85e-06, "p"), format_value("*", "count")
    ('27.5%', '<0.001', '*')
    >>> format_value(float("nan"), "rate"), format_value(None, "count")
    ('–', '–')
    """
    number = as_number(value)
    if number is None:
        if _missing(value):
            return MISSING
        text = str(value).strip()
        return text if text else MISSING
    if kind == "count":
        return f"{number:,.0f}"
    if kind == "label":
        return f"{number:.0f}"
    d = 1 if digits is None else digits
    if kind == "share":
        return f"{number * 100:.{d}f}%"
    if kind == "percent":
        return f"{number:.{d}f}%"
    if kind == "rate":
        return f"{number:,.{d}f}"
    if kind == "ratio":
        return f"{number:.2f}"
    if kind == "p":
        return p_value(number)
    if kind == "number":
        return f"{number:,.2f}" if abs(number) < 100 else f"{number:,.1f}"
    return str(value)
