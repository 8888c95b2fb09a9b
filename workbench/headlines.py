"""Headline figures as typed records: what a theme publishes for the meeting pack and the page.

Each theme writes ``headlines.json`` beside its tables (:meth:`workbench.outputs.Outputs.table`
publishes a record when it writes a table that carries headline figures; the run log step
writes the file). The meeting pack and the community page read these records; they never
parse the tables' CSV files for figures.

A record holds numbers, not text: the value and its unit, the base (n) and denominator, the
95% interval and its method, the period with its months covered, the source file and its
attribution, the synthetic flag and the comparisons (last year, England, population share).
A cell hidden by disclosure control is ``None`` and named in ``hidden``; a missing value is
``None`` and not named there (a gap, not a zero).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError

__all__ = [
    "FILE",
    "UNITS",
    "Comparison",
    "Headline",
    "Interval",
    "Period",
    "compare",
    "read_headlines",
    "write_headlines",
]

logger = logging.getLogger(__name__)

#: The file name of a theme's headline records (in the theme folder).
FILE = "headlines.json"
#: Format version of :data:`FILE`.
VERSION = 1
#: What a value is: a count, a rate (per ``Headline.per`` residents), a share (0-1) or a
#: percentage (0-100).
UNITS = ("count", "rate", "share", "percent")


def compare(lower: float | None, upper: float | None, reference: float | None) -> str | None:
    """Whether a 95% interval lies above, below or around a reference value.

    The rule Fingertips uses against a benchmark: ``"higher"`` when the whole interval is
    above the reference, ``"lower"`` when it is below, ``"similar"`` when it contains it;
    ``None`` when any of the three is unknown.

    Notes
    -----
    The reference (last year's value, the England value) is treated as fixed. Against last
    year this is less strict than a test of the difference of two uncertain values: it can
    call "higher" a change that a two-sample test would not (stated on the pack's closing
    slide).

    >>> compare(49.8, 54.6, 54.0), compare(14.8, 17.5, 13.0), compare(None, 1.0, 0.5)
    ('similar', 'higher', None)
    """
    if lower is None or upper is None or reference is None:
        return None
    if lower > reference:
        return "higher"
    if upper < reference:
        return "lower"
    return "similar"


@dataclass(frozen=True)
class Interval:
    """A 95% interval of a value (same unit), and how it was computed.

    ``hidden`` is True when disclosure control hid either limit.
    """

    lower: float | None
    upper: float | None
    method: str
    hidden: bool = False


@dataclass(frozen=True)
class Period:
    """The period a figure covers.

    ``label`` is as the table gives it (``"2023-04 to 2024-03"``, ``"2022-23"``); months are
    ``YYYY-MM``; ``months_covered`` of ``months_expected`` say how complete a window is
    (``None``: not a window of months, or not known).
    """

    label: str
    first_month: str | None = None
    last_month: str | None = None
    months_covered: int | None = None
    months_expected: int | None = None


@dataclass(frozen=True)
class Comparison:
    """A figure against a reference: last year, England, or the population's share.

    ``reference`` is the value the rating used (same unit as the headline); ``rating`` is
    ``higher`` / ``lower`` / ``similar`` (or ``better`` / ``worse`` where the indicator has a
    good direction), ``None`` when not known. ``before`` and ``before_unit`` are what the
    comparison shows as the earlier figure (last year's count, say), ``change_pct`` the
    published percentage change, ``text`` a published description (an indicator's trend).
    """

    against: str
    reference: float | None
    rating: str | None
    before: float | None = None
    before_unit: str = ""
    change_pct: float | None = None
    hidden: bool = False
    text: str = ""


@dataclass(frozen=True)
class Headline:
    """One headline figure as a theme published it (numbers; the pack formats them).

    Attributes
    ----------
    theme, table : str
        The theme and the table (its run-log name) the figure belongs to.
    name : str
        What the figure is ("Drugs", "Starting treatment within 3 weeks (adult)").
    kind : str
        Its topic, for grouping: ``crime``, ``deprived``, ``waiting``, ``needles``,
        ``unmet``, ``young_people``, ``indicator``.
    unit : str
        One of :data:`UNITS`; ``per`` is the rate's denominator (10,000 residents).
    value : float or None
        ``None`` when hidden (``"value"`` in ``hidden``) or missing.
    base, denominator : float or None
        The count behind the figure (n) and what it is out of; ``base_words`` joins them
        ("of", "in treatment of an estimated").
    interval : Interval or None
    period : Period
    source : str
        The table file the figure is published in; ``attribution`` its data source.
    synthetic : bool
        From invented sample data.
    comparisons : tuple of Comparison
    note, plain : str
        A short qualification, and the figure in one plain sentence (empty when hidden).
    hidden : tuple of str
        The fields disclosure control hid: ``value``, ``base``, ``denominator``.
    """

    theme: str
    table: str
    name: str
    kind: str
    unit: str
    value: float | None
    period: Period
    source: str
    synthetic: bool
    per: int | None = None
    base: float | None = None
    denominator: float | None = None
    base_words: str = "of"
    interval: Interval | None = None
    comparisons: tuple[Comparison, ...] = ()
    attribution: str = ""
    note: str = ""
    plain: str = ""
    hidden: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise WorkbenchError(
                f"headline {self.name!r}: unit expected one of {UNITS}, found {self.unit!r}"
            )

    @property
    def label(self) -> str:
        """The figure's name (the pack's first column)."""
        return self.name

    def comparison(self, against: str) -> Comparison | None:
        """The comparison against ``against`` ("last year", "England", ...), if any."""
        return next((c for c in self.comparisons if c.against == against), None)

    @property
    def direction(self) -> str | None:
        """The rating against last year (``None``: no comparison or not known)."""
        found = self.comparison("last year")
        return found.rating if found is not None else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Headline:
        """The record back from :meth:`as_dict`."""
        data = dict(data)
        data["period"] = Period(**data["period"])
        if data.get("interval") is not None:
            data["interval"] = Interval(**data["interval"])
        data["comparisons"] = tuple(Comparison(**c) for c in data.get("comparisons", ()))
        data["hidden"] = tuple(data.get("hidden", ()))
        return cls(**data)


def write_headlines(path: str | Path, theme: str, records: list[Headline]) -> Path:
    """Write a theme's records to ``path`` (:data:`FILE` in the theme folder)."""
    path = Path(path)
    doc = {"version": VERSION, "theme": theme, "headlines": [h.as_dict() for h in records]}
    path.write_text(json.dumps(doc, indent=2, allow_nan=False), encoding="utf-8")
    return path


def read_headlines(path: str | Path) -> list[Headline] | None:
    """A theme's records from ``path``; ``None`` when the file does not exist (a run made
    before headline records were written).

    Raises
    ------
    WorkbenchError
        The file is not a headline file of this version (names the file and what it found).
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("version") != VERSION:
            raise ValueError(f"version {VERSION} expected, found {doc.get('version')!r}")
        return [Headline.from_dict(h) for h in doc["headlines"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WorkbenchError(f"{path}: not a readable headline file ({exc})") from None
