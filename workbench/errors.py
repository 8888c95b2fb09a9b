"""Error types that reach the analyst as one clear message."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["WorkbenchError", "DataError", "ConfigError", "TooLittleData", "Attempt", "optional"]

logger = logging.getLogger(__name__)


class WorkbenchError(Exception):
    """Base class for every error the workbench raises on purpose."""


class ConfigError(WorkbenchError):
    """A study configuration (``area.toml``) is missing, malformed or names a missing file."""


class TooLittleData(WorkbenchError):
    """An optional analysis cannot be made from the data of this period.

    Raised by analyses a report can do without (emerging hot spots, LISA, change between
    periods, SPC, trend tests) when the period holds too few observed periods or values, e.g.
    a ``--period`` over a gap in the police data. :func:`optional` turns it into a one-line
    note; everywhere else it stops like any :class:`WorkbenchError`.
    """


class DataError(WorkbenchError):
    """An input file is not what the workbench expects.

    Parameters
    ----------
    file : str
        The file (or zip member) that is wrong.
    expected : str
        What the workbench expected to find.
    found : str, optional
        What it found instead.
    row : int, optional
        1-based data row (the header is row 0) where the problem is, if there is one.
    column : str, optional
        The column concerned, if there is one.
    fix : str, optional
        A suggestion the analyst can act on.

    Examples
    --------
    >>> str(DataError("crimes.csv", "a number", found="'abc'", row=3, column="Longitude"))
    "crimes.csv, row 3, column 'Longitude': expected a number, found 'abc'."
    """

    def __init__(
        self,
        file: str,
        expected: str,
        found: str | None = None,
        *,
        row: int | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.file = str(file)
        self.expected = expected
        self.found = found
        self.row = row
        self.column = column
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The one-line message shown to the analyst."""
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = ", ".join(where) + f": expected {self.expected}"
        if self.found is not None:
            text += f", found {self.found}"
        text += "."
        if self.fix:
            text += f" {self.fix}"
        return text


@dataclass(frozen=True)
class Attempt:
    """The result of an optional analysis, or the reason it was not made.

    Attributes
    ----------
    what : str
        The analysis in words ("Emerging hot spots"), the start of :attr:`note`.
    value : object or None
        The analysis result; None when it was not made.
    reason : str
        Why it was not made (the :class:`TooLittleData` message); empty when it was.
    """

    what: str
    value: Any = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when the analysis was made (:attr:`value` holds its result)."""
        return not self.reason

    @property
    def note(self) -> str:
        """One sentence for the report when the analysis was not made; empty when it was."""
        if self.ok:
            return ""
        return f"{self.what}: not made for this period ({self.reason.rstrip('.')})."


def optional(what: str, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Attempt:
    """Run an optional analysis: its result, or a note when the data are too few for it.

    Parameters
    ----------
    what : str
        The analysis in words, for the note ("Emerging hot spots").
    func : callable
        The analysis; called as ``func(*args, **kwargs)``.

    Returns
    -------
    Attempt
        ``value`` the result when ``func`` returned; otherwise ``reason`` the message of the
        :class:`TooLittleData` it raised (logged). Every other error propagates: only "too
        little data" is a reason to leave an optional section out.

    Examples
    --------
    >>> def needs_three(xs):
    ...     if len(xs) < 3:
    ...         raise TooLittleData(f"need at least 3 values, found {len(xs)}")
    ...     return sum(xs)
    >>> optional("The total", needs_three, [1, 2]).note
    'The total: not made for this period (need at least 3 values, found 2).'
    >>> optional("The total", needs_three, [1, 2, 3]).value
    6
    """
    try:
        return Attempt(what, func(*args, **kwargs))
    except TooLittleData as exc:
        logger.info("%s not made: %s", what, exc)
        return Attempt(what, None, str(exc))
