"""Result objects of the need functions: a frame and the settings that made it.

In the style of esda's statistic objects and :mod:`workbench.hotspots.results`:

- :class:`NeedTable`: a table to publish, a :class:`workbench.disclosure.Described`
  (frame + disclosure description) that also holds the settings used (year, confidence
  level, ``per``, definitions). Its methods (``select``, ``round``, ``rename``, ...) keep the
  settings.
- :class:`Shown`: the display (export) version of a table, counts 1 to ``threshold - 1`` shown
  as "*", with the summary of what was hidden (``suppression``) and the settings.
- :class:`NeedFrame`: a plain frame with its settings (a working table such as the
  population by treatment age band, or the capacity gap).

Nothing is kept in the frame's ``attrs`` dictionary, which pandas drops or mixes on ``merge``,
``concat`` and friends: a frame taken out of a result (``.frame``, ``.to_frame()``) is plain, and
the settings stay on the object. :meth:`NeedFrame.with_frame` carries them over to a new frame
of the same rows (after a merge, say).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.disclosure.spec import Described, TableSpec
from workbench.errors import WorkbenchError

__all__ = ["NeedFrame", "NeedTable", "Shown", "need_table"]


def _same_rows(old: pd.DataFrame, new: pd.DataFrame) -> None:
    if not isinstance(new, pd.DataFrame):
        raise WorkbenchError(f"with_frame: expected a DataFrame, found {type(new).__name__}")
    if len(new) != len(old):
        raise WorkbenchError(
            f"with_frame: expected the same {len(old)} rows, found {len(new)} rows"
        )


@dataclass(frozen=True, eq=False, kw_only=True)
class NeedTable(Described):
    """A need table to publish: frame, disclosure description and settings.

    Attributes
    ----------
    frame : DataFrame
    spec : TableSpec
        As :class:`workbench.disclosure.Described`.
    settings : dict
        The settings and conventions used (years, confidence level, ``per``, definitions).
    """

    settings: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """A copy of the frame (columns only; the settings stay on the object)."""
        return self.frame.copy()

    def with_frame(self, frame: pd.DataFrame) -> NeedTable:
        """The same description and settings over ``frame`` (the same rows, e.g. after a
        merge); the description must still name columns ``frame`` has."""
        _same_rows(self.frame, frame)
        return dataclasses.replace(self, frame=frame)


def need_table(frame: pd.DataFrame, spec: TableSpec, settings: dict[str, Any]) -> NeedTable:
    """A :class:`NeedTable` with ``spec`` restricted to the columns ``frame`` has (as
    :meth:`workbench.disclosure.Described.of`)."""
    described = Described.of(frame, spec)
    return NeedTable(described.frame, described.spec, settings=dict(settings))


@dataclass(frozen=True, eq=False, kw_only=True)
class NeedFrame:
    """A frame and the settings that made it.

    A result reads like its frame for convenience (``len(r)``, ``r["col"]``,
    ``r.set_index(...)``); anything that makes a new frame gives a plain DataFrame without
    the settings.

    Attributes
    ----------
    frame : DataFrame
    settings : dict
    """

    frame: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """A copy of the frame (columns only; the settings stay on the object)."""
        return self.frame.copy()

    def with_frame(self, frame: pd.DataFrame) -> Any:
        """The same result over ``frame``, which must hold the same number of rows."""
        _same_rows(self.frame, frame)
        return dataclasses.replace(self, frame=frame)

    # --- read-only convenience: a result reads like its frame -------------------------
    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, key: Any) -> Any:
        return self.frame[key]

    def __contains__(self, key: Any) -> bool:
        return key in self.frame

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("frame", "settings", "suppression", "attrs"):
            raise AttributeError(name)
        return getattr(self.frame, name)

    def _repr_html_(self) -> str:
        return self.frame._repr_html_()


@dataclass(frozen=True, eq=False, kw_only=True)
class Shown(NeedFrame):
    """The display version of a need table and the summary of what was hidden.

    Attributes
    ----------
    frame : DataFrame
        The table with "*" in every hidden cell.
    suppression : dict
        ``threshold``, ``rule`` and the number of cells hidden by each rule (``primary``,
        ``complement``, ``secondary``, ``derived``; :func:`deprivation_reach`'s display
        counts hidden deciles and groups instead).
    settings : dict
        The settings of the table shown.
    """

    suppression: dict[str, Any] = field(default_factory=dict)
