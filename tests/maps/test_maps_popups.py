"""Pop-up text: escaping, number formatting, suppression of small counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.errors import WorkbenchError
from workbench.maps.popups import count_texts, escape, fmt_number, format_values, rate_texts


def test_escape_turns_markup_into_text():
    assert escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape('<img src=x onerror="a(1)">') == "&lt;img src=x onerror=&quot;a(1)&quot;&gt;"
    assert escape("Fish & Chips 'Ltd'") == "Fish &amp; Chips &#x27;Ltd&#x27;"
    assert escape(None) == ""
    assert escape(float("nan")) == ""
    assert escape(pd.NA) == ""


def test_fmt_number():
    assert fmt_number(1234567.891, 2) == "1,234,567.89"
    assert fmt_number(0.05, 1) == "0.1"  # 0.05 is stored as 0.05000000000000000277
    assert fmt_number(np.nan, 1) == ""
    assert fmt_number(12, 0) == "12"


def test_format_values_keeps_text_unescaped_for_one_later_escape():
    assert format_values(["<b>", 1.23456, None], 2) == ["<b>", "1.23", ""]


def test_counts_one_to_four_are_suppressed_zero_and_five_shown():
    texts = count_texts(pd.Series([0, 1, 4, 5, 1234]), threshold=5)
    assert texts == ["0", "* (fewer than 5)", "* (fewer than 5)", "5", "1,234"]


def test_threshold_is_configurable():
    assert count_texts(pd.Series([2, 3]), threshold=3) == ["* (fewer than 3)", "3"]


def test_rate_text_gives_rate_interval_count_and_base():
    # 12 / 1,520 x 10,000 = 78.947...; limits as given in the table (not recomputed here).
    frame = pd.DataFrame(
        {
            "count": [12, 3],
            "population": [1520, 1800],
            "rate": [12 / 1520 * 10_000, 3 / 1800 * 10_000],
            "lower": [40.79, 3.4],
            "upper": [137.91, 48.7],
        }
    )
    texts = rate_texts(frame)
    assert texts[0] == "78.9 per 10,000 (95% CI 40.8 to 137.9); 12 of 1,520 residents"
    # Count 3 < 5: the count, rate and limits are all withheld (rate x population = count).
    assert texts[1] == "* (fewer than 5) of 1,800 residents; rate not shown"
    assert "16.7" not in texts[1]


def test_rate_text_names_missing_columns():
    with pytest.raises(WorkbenchError, match="missing \\['rate'\\]"):
        rate_texts(pd.DataFrame({"count": [1], "population": [10]}))
