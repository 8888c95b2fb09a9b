"""What a published table holds: the description analysis results carry to the disclosure path.

A :class:`TableSpec` names, for one table, the columns that identify a row (its dimensions),
the columns that count people or events (with the *measure* each counts, so that cells of
different tables that count the same thing are recognised as the same cell or its margin),
the columns derived from counts (rates, shares, interval bounds, z-scores, ratios) and the
numeric columns that are not disclosive (populations, estimates, distances). It is plain
data (JSON-ready) so that the run-level audit can read it back beside the CSV files.

A :class:`Described` is what an analysis function returns: its frame with the spec built
beside the code that makes the columns. Its methods (:meth:`Described.select`,
:meth:`Described.rename`, ...) change the frame and the spec together, so a column renamed
or dropped on the way to :meth:`workbench.outputs.Outputs.table` keeps its description.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from workbench.disclosure.symbols import SOURCES
from workbench.errors import WorkbenchError

__all__ = [
    "ALL",
    "Count",
    "Derived",
    "Described",
    "TableSpec",
    "DERIVED_KINDS",
    "SOURCES",
    "UNITS",
    "decile_groups",
    "rate_columns",
    "wilson_columns",
]

logger = logging.getLogger(__name__)

#: A dimension value meaning "every member" (a margin or total).
ALL = "__all__"

#: How a derived column is computed from its counts (the audit inverts the linear ones).
DERIVED_KINDS = (
    "share",  # counts = (numerator, denominator): numerator / denominator
    "rate",  # counts = (numerator,), population column: numerator / population * per
    "wilson_lower",  # counts = (numerator, denominator)
    "wilson_upper",
    "rank",  # counts = (numerator,): the row's place when rows are ordered by a rate
    "other",  # any other function of the counts (z-scores, ratios, Poisson limits, changes)
)

#: What a number is, for people reading it (``workbench.display`` formats by it): ``count``
#: (whole people or events), ``rate`` (per ``per`` residents), ``share`` (a fraction 0-1,
#: shown as a percentage), ``percent`` (already 0-100), ``p`` (a p-value), ``ratio``,
#: ``number`` (any other measurement) and ``label`` (a number that names: a year, a decile).
UNITS = ("count", "rate", "share", "percent", "p", "ratio", "number", "label")

# Where a table's counts come from (:data:`workbench.disclosure.policy.SOURCES`):
# ``partnership`` tables are always protected; ``open`` (police.uk, already published) may
# be shown in full when the study config says so.


@dataclass(frozen=True)
class Count:
    """A column of counts of people or events.

    Parameters
    ----------
    measure : str, optional
        What the column counts. Cells of any table of one run with the same measure and
        the same dimension values are the same number; a cell whose dimension is missing
        or is a total counts every member of it. ``None``: a measure of its own (only the
        margins inside its table constrain it).
    fixed : mapping, optional
        Dimensions this column holds at a value whatever the row says, typically
        ``{"imd_decile": ALL}`` for a ``total_count`` column beside a decile's ``count``.
    part_of : str, optional
        The column (of the same table) counting the whole this column is a part of
        (``within_target`` of ``started``). The complement (``started - within_target``)
        counts people too and is protected like a cell.
    dims_from : mapping, optional
        Dimensions whose value for this column is read from another column of the row:
        ``{"period": "previous_period"}`` for a ``previous_count`` that counts the period
        named in ``previous_period``, not the row's own ``period``.
    """

    measure: str | None = None
    fixed: Mapping[str, str] = field(default_factory=dict)
    part_of: str | None = None
    dims_from: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Derived:
    """A column computed from counts of the same row: hidden wherever one of them is.

    Parameters
    ----------
    counts : tuple of str
        The count columns it depends on (numerator first).
    kind : str, default "other"
        One of :data:`DERIVED_KINDS`.
    population : str, optional
        For ``rate``: the (non-disclosive) population column.
    per : float, optional
        For ``rate``: the multiplier (per 10,000 residents).
    """

    counts: tuple[str, ...]
    kind: str = "other"
    population: str | None = None
    per: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.counts, str):
            object.__setattr__(self, "counts", (self.counts,))
        else:
            object.__setattr__(self, "counts", tuple(self.counts))
        if self.kind not in DERIVED_KINDS:
            raise WorkbenchError(
                f"Derived kind must be one of {DERIVED_KINDS}, found {self.kind!r}"
            )


@dataclass(frozen=True)
class TableSpec:
    """The disclosure description of one table (see the module docstring).

    Parameters
    ----------
    dims : tuple of str
        Columns whose values identify a row (``financial_year``, ``ward_code``, ``group``).
    counts : mapping
        Count column -> :class:`Count`.
    derived : mapping
        Derived column -> :class:`Derived`.
    safe : tuple of str
        Numeric columns that are not counts of people and not derived from counts
        (populations, prevalence estimates, distances, capacities).
    totals : mapping
        Dimension column -> the label of its total row (``{"sex": "Total"}``).
    member_sets : mapping
        Dimension column -> value -> the base members it stands for, for groups of
        categories such as ``{"group": {"20% most deprived": ("1", "2")}}``.
    dim_names : mapping
        Dimension column -> the dimension's name across tables (``{"deciles": "imd_decile"}``).
    incomplete : tuple of str
        Dimensions whose members are not all listed (a top-10 table).
    source : str, default "partnership"
        One of :data:`SOURCES`.
    units : mapping
        Column -> one of :data:`UNITS` where :meth:`unit` cannot tell from the rest of the
        description (a share already multiplied by 100 is ``percent``; a p-value is ``p``).
    labels : mapping
        Column -> its header for people (``{"unmet_pct": "Unmet need"}``), written by the
        analysis function that makes the column; ``{per}`` stands for the rate base. The
        reports read headers here first (:mod:`workbench.display`; its name table only for
        columns no description labels).
    rows : mapping, optional
        For a long table whose rows count different things (an indicator table): the
        column naming what a row counts (``"key"``) and, for each of its values, the
        measure of each count column and where the row's dimensions are read
        (``"dims"``: dimension -> column; ``"split"``: a column holding several dimension
        values joined by ``", "``, with ``"into"`` their names). Rows whose key is not
        listed keep the table's own dimensions and measures. Example (the indicators
        theme's waiting-time rows, the same people as ``need.waiting_times``)::

            {"key": "indicator", "values": {"waits_within_target": {
                "counts": {"count": "waits.within_target", "denominator": "waits.started"},
                "dims": {"financial_year": "period"},
                "split": {"column": "note", "into": ["cohort", "modality"]}}}}

    zeros_hidden : bool, default False
        Set by secondary suppression (never by hand) on a table where a ``"*"`` may stand
        for a zero: every other table shows its zeros, so there a ``"*"`` is at least 1.
    """

    dims: tuple[str, ...] = ()
    counts: Mapping[str, Count] = field(default_factory=dict)
    derived: Mapping[str, Derived] = field(default_factory=dict)
    safe: tuple[str, ...] = ()
    totals: Mapping[str, str] = field(default_factory=dict)
    member_sets: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    dim_names: Mapping[str, str] = field(default_factory=dict)
    incomplete: tuple[str, ...] = ()
    source: str = "partnership"
    units: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    rows: Mapping[str, Any] = field(default_factory=dict)
    zeros_hidden: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "dims", tuple(self.dims))
        object.__setattr__(self, "safe", tuple(self.safe))
        object.__setattr__(self, "incomplete", tuple(self.incomplete))
        counts = {
            k: (v if isinstance(v, Count) else Count(**v) if isinstance(v, Mapping) else Count(v))
            for k, v in dict(self.counts).items()
        }
        object.__setattr__(self, "counts", counts)
        derived = {
            k: (
                v
                if isinstance(v, Derived)
                else Derived(**v)
                if isinstance(v, Mapping)
                else Derived(v)
            )
            for k, v in dict(self.derived).items()
        }
        object.__setattr__(self, "derived", derived)
        if self.source not in SOURCES:
            raise WorkbenchError(
                f"TableSpec source must be one of {SOURCES}, found {self.source!r}"
            )
        object.__setattr__(self, "units", dict(self.units))
        object.__setattr__(self, "labels", {str(k): str(v) for k, v in self.labels.items()})
        bad = {c: u for c, u in self.units.items() if u not in UNITS}
        if bad:
            raise WorkbenchError(f"TableSpec units must be among {UNITS}, found {bad}")
        for col, d in derived.items():
            for c in d.counts:
                if c not in counts:
                    raise WorkbenchError(
                        f"derived column {col!r} depends on {c!r}, which is not a count column "
                        f"of the spec ({sorted(counts)})"
                    )
        for col, c in counts.items():
            if c.part_of is not None and c.part_of not in counts:
                raise WorkbenchError(
                    f"count column {col!r} is part of {c.part_of!r}, not a count column"
                )

    # -- columns -------------------------------------------------------------------------
    def unit(self, column: str) -> str | None:
        """What the numbers of ``column`` are (one of :data:`UNITS`), or None when the
        description does not say: :attr:`units`, else a count column is a ``count``, a
        ``rate`` a rate and a ``share`` or Wilson limit a ``share`` (a fraction 0-1)."""
        if column in self.units:
            return self.units[column]
        if column in self.counts:
            return "count"
        d = self.derived.get(column)
        if d is not None and d.kind == "rate":
            return "rate"
        if d is not None and d.kind in ("share", "wilson_lower", "wilson_upper"):
            return "share"
        return None

    @property
    def described(self) -> set[str]:
        """Every column the spec says something about."""
        return {*self.dims, *self.counts, *self.derived, *self.safe}

    def rename(self, mapping: Mapping[str, str]) -> TableSpec:
        """The spec after ``DataFrame.rename(columns=mapping)``: the description follows."""

        def r(c: str) -> str:
            return mapping.get(c, c)

        return replace(
            self,
            dims=tuple(r(c) for c in self.dims),
            counts={
                r(k): Count(
                    v.measure,
                    {r(d): x for d, x in v.fixed.items()},
                    v.part_of and r(v.part_of),
                    {r(d): r(c) for d, c in v.dims_from.items()},
                )
                for k, v in self.counts.items()
            },
            derived={
                r(k): Derived(
                    tuple(r(c) for c in v.counts), v.kind, v.population and r(v.population), v.per
                )
                for k, v in self.derived.items()
            },
            safe=tuple(r(c) for c in self.safe),
            totals={r(k): v for k, v in self.totals.items()},
            member_sets={r(k): v for k, v in self.member_sets.items()},
            dim_names={r(k): v for k, v in self.dim_names.items()},
            incomplete=tuple(r(c) for c in self.incomplete),
            units={r(k): v for k, v in self.units.items()},
            labels={r(k): v for k, v in self.labels.items()},
        )

    def with_dims(self, *dims: str) -> TableSpec:
        """The same spec with dimension columns added (after a ``reset_index``)."""
        return replace(self, dims=tuple(dict.fromkeys((*self.dims, *dims))))

    def restricted(self, columns: Iterable[Any], *, strict: bool = True) -> TableSpec:
        """The spec of a column selection.

        A derived column kept without the counts it comes from is an error (``strict``), or
        (``strict=False``, for data already withheld upstream such as
        :meth:`workbench.outputs.Outputs.masked`) keeps the counts that are present.
        """
        cols = {str(c) for c in columns}
        derived = {}
        for name, d in self.derived.items():
            if name not in cols:
                continue
            missing = [c for c in d.counts if c not in cols]
            if missing and strict:
                raise WorkbenchError(
                    f"derived column {name!r} is kept without the count(s) {missing} it comes "
                    "from: keep them (they are suppressed), or drop the derived column"
                )
            kept = tuple(c for c in d.counts if c in cols)
            if missing:
                logger.warning("derived column %r shown without its counts %s", name, missing)
            if kept:
                derived[name] = replace(
                    d, counts=kept, kind=d.kind if kept == d.counts else "other"
                )
        counts = {
            # a count whose dimension is read from a column not kept cannot be placed: it
            # becomes a measure of its own (only its table's margins constrain it)
            k: (
                v
                if all(c in cols for c in v.dims_from.values())
                else replace(v, measure=None, dims_from={})
            )
            for k, v in self.counts.items()
            if k in cols
        }
        counts = {
            k: (v if v.part_of is None or v.part_of in counts else replace(v, part_of=None))
            for k, v in counts.items()
        }
        return replace(
            self,
            dims=tuple(c for c in self.dims if c in cols),
            counts=counts,
            derived=derived,
            safe=tuple(c for c in self.safe if c in cols),
            units={k: v for k, v in self.units.items() if k in cols},
            labels={k: v for k, v in self.labels.items() if k in cols},
        )

    # -- JSON ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the run log keeps it beside each table's file names)."""
        return {
            "dims": list(self.dims),
            "counts": {
                k: {
                    "measure": v.measure,
                    "fixed": dict(v.fixed),
                    "part_of": v.part_of,
                    "dims_from": dict(v.dims_from),
                }
                for k, v in self.counts.items()
            },
            "derived": {
                k: {
                    "counts": list(v.counts),
                    "kind": v.kind,
                    "population": v.population,
                    "per": v.per,
                }
                for k, v in self.derived.items()
            },
            "safe": list(self.safe),
            "totals": dict(self.totals),
            "member_sets": {
                k: {a: list(b) for a, b in v.items()} for k, v in self.member_sets.items()
            },
            "dim_names": dict(self.dim_names),
            "incomplete": list(self.incomplete),
            "source": self.source,
            "units": dict(self.units),
            "labels": dict(self.labels),
            "rows": dict(self.rows),
            "zeros_hidden": self.zeros_hidden,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TableSpec:
        """Inverse of :meth:`to_dict`."""
        return cls(
            dims=tuple(data.get("dims", ())),
            counts={k: Count(**v) for k, v in data.get("counts", {}).items()},
            derived={
                k: Derived(
                    tuple(v["counts"]), v.get("kind", "other"), v.get("population"), v.get("per")
                )
                for k, v in data.get("derived", {}).items()
            },
            safe=tuple(data.get("safe", ())),
            totals=dict(data.get("totals", {})),
            member_sets={
                k: {a: tuple(b) for a, b in v.items()}
                for k, v in data.get("member_sets", {}).items()
            },
            dim_names=dict(data.get("dim_names", {})),
            incomplete=tuple(data.get("incomplete", ())),
            source=data.get("source", "partnership"),
            units=dict(data.get("units", {})),
            labels=dict(data.get("labels", {})),
            rows=dict(data.get("rows", {})),
            zeros_hidden=bool(data.get("zeros_hidden", False)),
        )


# -- builders shared by the analysis modules ---------------------------------------------
def decile_groups() -> dict[str, tuple[str, ...]]:
    """``"20% most deprived"`` -> national IMD deciles ``("1", "2")`` (10% to 100%)."""
    return {
        f"{10 * k}% most deprived": tuple(str(d) for d in range(1, k + 1)) for k in range(1, 11)
    }


def wilson_columns(num: str, den: str, share: str, lower: str, upper: str) -> dict[str, Derived]:
    """A share of ``num`` in ``den`` with its Wilson limits (the audit inverts all three)."""
    return {
        share: Derived((num, den), "share"),
        lower: Derived((num, den), "wilson_lower"),
        upper: Derived((num, den), "wilson_upper"),
    }


def rate_columns(
    per: float, *more: str, count: str = "count", population: str = "population"
) -> dict[str, Derived]:
    """``rate`` of ``count`` per ``per`` of ``population``, its ``lower``/``upper`` limits and
    the ``more`` columns computed from the same count."""
    return {
        "rate": Derived((count,), "rate", population, per),
        **{
            c: Derived((count,), "rank" if c == "rank" else "other")
            for c in ("lower", "upper", *more)
        },
    }


# -- analysis results ----------------------------------------------------------------------
def _names(frame: pd.DataFrame) -> list[str]:
    """Column and (named) index names of ``frame``, as text."""
    return [str(c) for c in frame.columns] + [str(n) for n in frame.index.names if n is not None]


@dataclass(frozen=True, eq=False)
class Described:
    """An analysis result: the frame and the :class:`TableSpec` saying what its columns are.

    Analysis functions return one, with the spec built beside the code that makes the
    columns; :meth:`workbench.outputs.Outputs.table` takes nothing else. The methods below
    change the frame and the spec together; edit :attr:`frame` directly only to read it.

    Parameters
    ----------
    frame : DataFrame
        The result (a named index counts as columns: it becomes columns on export).
    spec : TableSpec
        What the columns hold. Every column it names must be in ``frame``.

    Raises
    ------
    WorkbenchError
        ``spec`` names a column ``frame`` does not have (a column renamed behind the spec's
        back: its description would no longer apply, so the result is refused).

    Examples
    --------
    >>> frame = pd.DataFrame({"ward": ["a", "b"], "n": [3, 12], "population": [900, 1100]})
    >>> spec = TableSpec(dims=("ward",), counts={"n": Count()}, safe=("population",))
    >>> r = Described(frame, spec).rename({"n": "people"}).select(["ward", "people"])
    >>> sorted(r.spec.counts)
    ['people']
    """

    frame: pd.DataFrame
    spec: TableSpec

    def __post_init__(self) -> None:
        if not isinstance(self.frame, pd.DataFrame):
            raise WorkbenchError(f"Described needs a DataFrame, found {type(self.frame).__name__}")
        if not isinstance(self.spec, TableSpec):
            raise WorkbenchError(f"Described needs a TableSpec, found {type(self.spec).__name__}")
        names = set(_names(self.frame))
        spec = self.spec
        named = [*spec.dims, *spec.counts, *spec.derived, *spec.safe]
        missing = sorted({c for c in named if c not in names})
        if missing:
            raise WorkbenchError(
                f"the description names column(s) {missing} that the result does not have "
                f"(columns: {sorted(names)}): rename or select through Described.rename / "
                "Described.select so the description follows the columns"
            )

    @classmethod
    def of(cls, frame: pd.DataFrame, spec: TableSpec) -> Described:
        """``frame`` with ``spec`` restricted to the columns it has (for analysis functions
        whose optional columns, such as rates without a population, may be absent)."""
        return cls(frame, spec.restricted(_names(frame)))

    # -- keeping frame and spec in step -------------------------------------------------
    def _with(self, frame: pd.DataFrame, spec: TableSpec) -> Described:
        """This result over a new frame and spec; a subclass keeps its own fields (the
        settings of a :class:`workbench.need.results.NeedTable`)."""
        return replace(self, frame=frame, spec=spec)

    @property
    def columns(self) -> pd.Index:
        """The frame's columns."""
        return self.frame.columns

    def select(self, columns: Iterable[Hashable]) -> Described:
        """Keep ``columns`` (in that order; index levels stay). A derived column kept
        without the counts it comes from is an error (keep them: they are suppressed)."""
        columns = list(columns)
        frame = self.frame[columns]
        return self._with(frame, self.spec.restricted(_names(frame), strict=True))

    def drop(self, columns: Iterable[Hashable]) -> Described:
        """Leave ``columns`` out (a count whose derived values stay is an error)."""
        gone = {str(c) for c in ([columns] if isinstance(columns, str) else columns)}
        return self.select([c for c in self.frame.columns if str(c) not in gone])

    def rename(self, columns: Mapping[Hashable, Hashable]) -> Described:
        """Rename columns (or index levels); the description follows."""
        mapping = {str(k): str(v) for k, v in columns.items()}
        frame = self.frame.rename(columns=columns)
        if any(n in mapping for n in (str(x) for x in frame.index.names if x is not None)):
            frame = frame.rename_axis(
                index=[mapping.get(str(n), n) if n is not None else None for n in frame.index.names]
            )
        return self._with(frame, self.spec.rename(mapping))

    def round(self, decimals: int | Mapping[str, int] = 0) -> Described:
        """``DataFrame.round``: the description is unchanged."""
        return self._with(self.frame.round(decimals), self.spec)

    def astype(self, dtypes: Mapping[Hashable, Any]) -> Described:
        """``DataFrame.astype`` of some columns (months to text for a table)."""
        return self._with(self.frame.astype(dict(dtypes)), self.spec)

    def reset_index(self) -> Described:
        """Named index levels become dimension columns; an unnamed index is dropped."""
        levels = [str(n) for n in self.frame.index.names if n is not None]
        if not levels:
            return self._with(self.frame.reset_index(drop=True), self.spec)
        return self._with(self.frame.reset_index(), self.spec.with_dims(*levels))

    def rows(self, mask: pd.Series | Callable[[pd.DataFrame], pd.Series]) -> Described:
        """Keep the rows where ``mask`` (a boolean Series, or a function of the frame giving
        one) is True. The columns and their description are unchanged."""
        if callable(mask):
            mask = mask(self.frame)
        return self._with(self.frame.loc[mask], self.spec)

    def sort_values(self, by: Any, **kwargs: Any) -> Described:
        """``DataFrame.sort_values``: the description is unchanged."""
        return self._with(self.frame.sort_values(by, **kwargs), self.spec)

    def head(self, n: int = 5) -> Described:
        """The first ``n`` rows; every dimension is then marked incomplete."""
        return self._with(
            self.frame.head(n),
            replace(
                self.spec, incomplete=tuple(dict.fromkeys((*self.spec.incomplete, *self.spec.dims)))
            ),
        )

    # -- display --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        return repr(self.frame)

    def _repr_html_(self) -> str:
        shown = self.frame._repr_html_()
        counts = ", ".join(self.spec.counts) or "none"
        note = html.escape(f"Counts: {counts}. Suppressed on export (Outputs.table).")
        return f"{shown}<p><small>{note}</small></p>"
