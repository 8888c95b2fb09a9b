"""One disclosure path for every number the workbench publishes.

- :mod:`~workbench.disclosure.policy`: :class:`Policy`, the one object every output asks
  what it may show, and the symbol :data:`SUPPRESSED`.
- :mod:`~workbench.disclosure.spec`: what a table holds (counts, margins, complements,
  derived values); analysis functions return a :class:`Described` (frame + spec).
- :mod:`~workbench.disclosure.protect`: primary, complement, secondary (within and across
  the tables of one run) and derived suppression.
- :mod:`~workbench.disclosure.model`: the attacker's linear model and HiGHS bounds.
- :mod:`~workbench.disclosure.audit`: the run-level audit of the files written.

Files are written by :mod:`workbench.writing` (spreadsheet-safe cells, atomic folders).

The rules and their sources are in ``docs/disclosure.md``.
"""

from workbench.disclosure.model import Leak, Model, Published
from workbench.disclosure.policy import SUPPRESSED, Policy
from workbench.disclosure.protect import (
    apply_mask,
    derived_mask,
    primary_mask,
    protect,
    rank_order,
)
from workbench.disclosure.spec import (
    ALL,
    Count,
    Derived,
    Described,
    TableSpec,
    decile_groups,
    rate_columns,
    wilson_columns,
)

__all__ = [
    "ALL",
    "SUPPRESSED",
    "Count",
    "Derived",
    "Described",
    "Leak",
    "Model",
    "Policy",
    "Published",
    "TableSpec",
    "apply_mask",
    "derived_mask",
    "primary_mask",
    "protect",
    "rank_order",
    "decile_groups",
    "rate_columns",
    "wilson_columns",
]
