"""Error types that reach the analyst as one clear message."""

from __future__ import annotations

__all__ = ["WorkbenchError", "DataError", "ConfigError"]


class WorkbenchError(Exception):
    """Base class for every error the workbench raises on purpose."""


class ConfigError(WorkbenchError):
    """A study configuration (``area.toml``) is missing, malformed or names a missing file."""


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
