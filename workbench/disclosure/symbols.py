"""The symbols and fixed texts of disclosure control, defined once.

The lowest module of :mod:`workbench.disclosure`: the model, the rules and the policy import
these; :mod:`workbench.disclosure.policy` re-exports them for every other module.
"""

from __future__ import annotations

__all__ = ["SOURCES", "SUPPRESSED", "ZEROS_HIDDEN_NOTE"]

#: The symbol shown in place of a withheld value (tables, pop-ups, the pack).
SUPPRESSED = "*"
#: The note of a table where secondary suppression had to hide a zero.
ZEROS_HIDDEN_NOTE = (
    "In this table a * may also stand for a zero, hidden so that a small count cannot be "
    "worked out from figures published earlier."
)
#: Where a table's counts come from (see :class:`~workbench.disclosure.spec.TableSpec`).
SOURCES = ("partnership", "open")
