"""The disclosure policy: the one object every table, figure, map layer and widget asks.

:class:`Policy` holds the study's rules (the threshold, whether open data are shown in full,
the symbol of a withheld value) and answers the questions the outputs ask:

- :meth:`Policy.protects`: is a table of this source protected?
- :meth:`Policy.small`: which of these counts are 1 to ``threshold - 1``?
- :meth:`Policy.mask` / :meth:`Policy.shown`: the cells of one table withheld by the rules
  that need no other table (primary, complement, derived), and the table as shown;
- :meth:`Policy.protect`: those rules plus secondary suppression against the tables
  published with it (:func:`workbench.disclosure.protect.protect`).

:data:`SUPPRESSED` is defined once (in :mod:`workbench.disclosure.symbols`, re-exported
here); every module that shows a withheld value imports it. The rules themselves live in
:mod:`workbench.disclosure.protect`; this module only composes them, so no caller composes
them by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.disclosure.model import numbers
from workbench.disclosure.protect import apply_mask, derived_mask, primary_mask, protect
from workbench.disclosure.symbols import SOURCES, SUPPRESSED, ZEROS_HIDDEN_NOTE
from workbench.errors import WorkbenchError

__all__ = ["SUPPRESSED", "Policy", "SOURCES", "ZEROS_HIDDEN_NOTE"]


@dataclass(frozen=True)
class Policy:
    """The study's disclosure rules.

    Parameters
    ----------
    threshold : int, default 5
        Counts from 1 to ``threshold - 1`` are withheld (zero is shown).
    open_data_in_full : bool, default False
        ``[disclosure] open_data_in_full``: police.uk counts (already published street by
        street) shown in full; partnership data are always protected.
    symbol : str, default :data:`SUPPRESSED`

    Examples
    --------
    >>> p = Policy(5)
    >>> p.small([0, 1, 4, 5]).tolist()
    [False, True, True, False]
    >>> p.protects("open"), Policy(5, open_data_in_full=True).protects("open")
    (True, False)
    """

    threshold: int = 5
    open_data_in_full: bool = False
    symbol: str = SUPPRESSED

    def __post_init__(self) -> None:
        if (
            isinstance(self.threshold, bool)
            or not isinstance(self.threshold, (int, np.integer))
            or self.threshold < 1
        ):
            raise WorkbenchError(f"threshold must be a whole number >= 1, found {self.threshold!r}")
        object.__setattr__(self, "threshold", int(self.threshold))

    @classmethod
    def of(cls, config: Any) -> Policy:
        """The policy of a study config (``suppression_threshold``, ``open_data_in_full``)."""
        return cls(
            int(getattr(config, "suppression_threshold", 5)),
            bool(getattr(config, "open_data_in_full", False)),
        )

    # -- questions ---------------------------------------------------------------------
    def protects(self, source: str) -> bool:
        """True when a table (or layer) of this source is protected."""
        if source not in SOURCES:
            raise WorkbenchError(f"source must be one of {SOURCES}, found {source!r}")
        return source == "partnership" or not self.open_data_in_full

    def small(self, counts: Any) -> np.ndarray:
        """True where a count is 1 to ``threshold - 1`` (missing and zero are not small)."""

        values = numbers(pd.Series(np.asarray(counts, dtype=object).ravel()))
        return ((values > 0) & (values < self.threshold)).to_numpy(dtype=bool)

    def mask(self, frame: pd.DataFrame, spec: Any) -> pd.DataFrame:
        """Cells withheld by the rules of one table: primary, complement and derived."""

        return derived_mask(primary_mask(frame, spec, self.threshold), spec)

    def shown(self, frame: pd.DataFrame, spec: Any, mask: pd.DataFrame | None = None):
        """``frame`` with :attr:`symbol` in every withheld cell (``mask`` default :meth:`mask`)."""

        return apply_mask(frame, self.mask(frame, spec) if mask is None else mask)

    def protect(self, tables: Sequence[Any], context: Sequence[Any] = ()) -> list[pd.DataFrame]:
        """Masks of tables published together (secondary suppression included)."""

        return protect(tables, self.threshold, context)

    def withheld_note(self) -> str:
        """How a withheld value is explained (``"fewer than 5"``)."""
        return f"fewer than {self.threshold}"
