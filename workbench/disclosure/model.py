"""The attacker's model of a set of published tables: linear constraints and cell bounds.

Every count cell of every table published together is the sum of *base cells*: one per
measure and combination of dimension members (a ward x group x year cube for the young
people's counts). A shown cell is an equation over its box of base cells; a part is no more
than its whole (``within_target <= started``); a shown share or rate of a hidden count
bounds it (``(v - h) * den <= num <= (v + h) * den`` where ``h`` is half the last shown
decimal). The bounds of a hidden cell are then two integer programs (minimise and maximise
it) solved with HiGHS through :func:`scipy.optimize.milp`. This is written here (rather than
taken from a library) because no maintained Python package models linked published tables
this way; the solver is scipy's.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from workbench.disclosure.spec import ALL, TableSpec
from workbench.disclosure.symbols import SUPPRESSED
from workbench.errors import WorkbenchError
from workbench.intervals import wilson_interval

__all__ = ["Published", "Leak", "Model", "numbers", "key_text", "SUPPRESSED"]

logger = logging.getLogger(__name__)

_OTHER = "__other__"
#: Families whose base-cell cube is larger than this are modelled without cross-table links.
MAX_BASE_CELLS = 50_000
#: Largest hidden denominator tried when inverting a shown Wilson limit.
WILSON_MAX_N = 400
#: Seconds allowed to one bound (one integer program).
TIME_LIMIT_S = 10.0
#: The published rule shows every zero, so the attacker knows a ``"*"`` is at least 1.
ZERO_SHOWN = True


def numbers(column: pd.Series) -> pd.Series:
    """A column as floats: text such as ``"1,296"`` read as a number; ``"*"`` and blanks NaN."""
    if pd.api.types.is_bool_dtype(column.dtype):
        return pd.Series(np.nan, index=column.index)
    if pd.api.types.is_numeric_dtype(column.dtype):
        return pd.to_numeric(column, errors="coerce").astype(float)
    text = column.astype("string").str.replace(",", "", regex=False).str.strip().str.lstrip("'")
    return pd.to_numeric(text, errors="coerce").astype(float)


def key_text(value: Any) -> str:
    """A dimension value as text, the same whether read from memory or from a CSV file."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    text = str(value).strip()
    return text[1:] if text.startswith("'") else text


def decimals_shown(text: str) -> int:
    """Decimal places of a number as written (``"0.793"`` -> 3)."""
    text = text.strip()
    return len(text.split(".", 1)[1]) if "." in text else 0


@dataclass
class Published:
    """One table as published: its values, which cells are hidden, and its spec.

    ``values`` holds the numbers (true values where known; hidden cells may be NaN),
    ``hidden`` the boolean mask (same labels), ``text`` the cells as written (for the number
    of decimals of derived values; optional).
    """

    name: str
    values: pd.DataFrame
    spec: TableSpec
    hidden: pd.DataFrame
    text: pd.DataFrame | None = None
    fixed: bool = False  # published earlier in the run: cannot be changed now


@dataclass
class Leak:
    """A hidden value the published tables give away (within the threshold)."""

    file: str
    row: str
    column: str
    kind: str  # "cell", "complement" or "derived"
    low: float
    high: float
    detail: str = ""

    def message(self) -> str:
        """One line naming the file and cell."""
        span = f"{self.low:g}" if self.low == self.high else f"{self.low:g} to {self.high:g}"
        return f"{self.file}: row {self.row}, column {self.column!r} ({self.kind}) is {span}" + (
            f" ({self.detail})" if self.detail else ""
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the run log."""
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "kind": self.kind,
            "low": self.low,
            "high": self.high,
            "detail": self.detail,
        }


@dataclass
class _Cell:
    table: int
    row: int
    column: str
    measure: str
    key: dict[str, Any]  # dimension name -> frozenset of members, or ALL
    value: float
    hidden: bool


@dataclass
class _Family:
    measures: list[str]
    dims: list[str]
    members: dict[str, list[str]]
    index: dict[tuple[str, tuple[str, ...]], int] = field(default_factory=dict)
    eq_rows: list[tuple[np.ndarray, float]] = field(default_factory=list)
    ub_rows: list[tuple[np.ndarray, np.ndarray, float]] = field(
        default_factory=list
    )  # idx, coef, ub
    _problem: Any = None

    @property
    def size(self) -> int:
        return len(self.index)


class Model:
    """Linear constraints implied by tables published together, and bounds of hidden cells.

    Parameters
    ----------
    tables : sequence of Published
        The tables of one run (only protected tables need to be given).
    threshold : int
        Counts from 1 to ``threshold - 1`` are small.

    Notes
    -----
    Conventions: the attacker knows the published rule, so every ``"*"`` count is at least
    1 (zeros are shown; :data:`ZERO_SHOWN`). A hidden cell *leaks* when its integer feasible
    range ``[low, high]`` is exact (``low == high``, whatever the value) or has ``low >= 1``
    and ``high <= threshold - 1`` (the files prove it is a small non-zero count): a hidden
    cell is safe only when its interval ``[1, high]`` (or wider) holds at least
    ``threshold`` values. The complement of a part in its whole (``started -
    within_target``, which may be 0) leaks when it is proved to be 1 to ``threshold - 1``.
    A derived value (rate, share, interval bound) shown beside a hidden count is a leak of
    its own (rule: every value derived from a hidden count is hidden). The relations used:
    every shown count as a sum of base cells (cells, margins, groups, the same cell in
    other tables), parts no more than their wholes, shown shares, rates and Wilson limits,
    and the order of shown ranks (:meth:`_rank_constraints`).
    """

    def __init__(self, tables: Sequence[Published], threshold: int) -> None:
        self.tables = list(tables)
        self.threshold = int(threshold)
        self.cells: list[_Cell] = []
        self.derived_shown: list[Leak] = []
        #: Measures whose cube is too large to model (not checked; in the run log).
        self.not_modelled: list[str] = []
        #: Seconds spent in HiGHS and integer programs solved (for the run log).
        self.solver_seconds = 0.0
        self.programs = 0
        #: The bounds found by the last :meth:`leaky` (cell, kind, low, high).
        self.intervals: list[tuple[_Cell, str, float, float]] = []
        self._build_cells()
        self._build_families()

    # -- cells ---------------------------------------------------------------------------
    def _build_cells(self) -> None:
        for ti, t in enumerate(self.tables):
            spec = t.spec
            for col, count in spec.counts.items():
                if col not in t.values.columns:
                    continue
                vals = numbers(t.values[col]).to_numpy()
                hid = t.hidden[col].to_numpy(dtype=bool)
                measure = count.measure or f"{t.name}:{col}"
                dims = [d for d in spec.dims if d in t.values.columns]
                # rows the dimensions do not tell apart are told apart by position
                by_row = not dims or t.values[dims].astype(str).duplicated().any()
                for r in range(len(t.values)):
                    if not hid[r] and not np.isfinite(vals[r]):
                        continue  # blank: not recorded, no equation
                    long = self._long_row(t, r, col)
                    if long is not None:
                        row_measure, key = long
                        self.cells.append(
                            _Cell(ti, r, col, row_measure, key, float(vals[r]), bool(hid[r]))
                        )
                        continue
                    key = self._key(t, r, count.fixed, count.dims_from)
                    if by_row:
                        key[f"row of {t.name}"] = frozenset({str(r)})
                    self.cells.append(_Cell(ti, r, col, measure, key, float(vals[r]), bool(hid[r])))

    @staticmethod
    def _long_row(t: Published, r: int, col: str) -> tuple[str, dict[str, Any]] | None:
        """Measure and dimensions of a count of a long table's row (``TableSpec.rows``)."""
        rows = t.spec.rows
        if not rows or rows.get("key") not in t.values.columns:
            return None
        entry = rows.get("values", {}).get(key_text(t.values[rows["key"]].iloc[r]))
        if not entry or col not in entry.get("counts", {}):
            return None
        key: dict[str, Any] = {}
        for dim, source in entry.get("dims", {}).items():
            if source not in t.values.columns:
                return None
            key[dim] = frozenset({key_text(t.values[source].iloc[r])})
        split = entry.get("split")
        if split:
            if split["column"] not in t.values.columns:
                return None
            parts = [p.strip() for p in key_text(t.values[split["column"]].iloc[r]).split(",")]
            if len(parts) != len(split["into"]):
                return None
            for dim, value in zip(split["into"], parts, strict=True):
                key[dim] = frozenset({value})
        return str(entry["counts"][col]), key

    def _key(
        self,
        t: Published,
        r: int,
        fixed: Mapping[str, str],
        dims_from: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        spec = t.spec
        key: dict[str, Any] = {}
        dims_from = dims_from or {}
        for d in spec.dims:
            name = spec.dim_names.get(d, d)
            if d in fixed or name in fixed:
                v = fixed.get(d, fixed.get(name))
                key[name] = ALL if v == ALL else frozenset({key_text(v)})
                continue
            source = dims_from.get(d, d)  # a column read for this dimension (Count.dims_from)
            raw = key_text(t.values[source].iloc[r]) if source in t.values.columns else ""
            if d in spec.totals and raw == key_text(spec.totals[d]):
                key[name] = ALL
            elif d in spec.member_sets and raw in spec.member_sets[d]:
                key[name] = frozenset(key_text(x) for x in spec.member_sets[d][raw])
            else:
                key[name] = frozenset({raw})
        for d, v in fixed.items():
            key.setdefault(spec.dim_names.get(d, d), ALL if v == ALL else frozenset({key_text(v)}))
        return key

    def row_label(self, ti: int, r: int) -> str:
        """A row named by its dimension values (or its position)."""
        t = self.tables[ti]
        parts = [
            f"{d}={key_text(t.values[d].iloc[r])}" for d in t.spec.dims if d in t.values.columns
        ]
        return ", ".join(parts) if parts else str(r + 1)

    # -- families and variables ----------------------------------------------------------
    def _build_families(self) -> None:
        parent: dict[str, str] = {}

        def find(a: str) -> str:
            parent.setdefault(a, a)
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        def union(a: str, b: str) -> None:
            parent[find(a)] = find(b)

        self.part_of: dict[str, str] = {}
        for c in self.cells:
            find(c.measure)
        for t in self.tables:
            for col, count in t.spec.counts.items():
                m = count.measure or f"{t.name}:{col}"
                if count.part_of:
                    whole = t.spec.counts[count.part_of]
                    mw = whole.measure or f"{t.name}:{count.part_of}"
                    union(m, mw)
                    self.part_of[m] = mw
            for d in t.spec.derived.values():
                ms = [t.spec.counts[c].measure or f"{t.name}:{c}" for c in d.counts]
                for a, b in itertools.pairwise(ms):
                    union(a, b)
            for entry in t.spec.rows.get("values", {}).values() if t.spec.rows else ():
                ms = [str(m) for m in entry.get("counts", {}).values()]
                for a, b in itertools.pairwise(ms):
                    union(a, b)
        groups: dict[str, list[str]] = {}
        for m in list(parent):
            groups.setdefault(find(m), []).append(m)
        incomplete = {t.spec.dim_names.get(d, d) for t in self.tables for d in t.spec.incomplete}
        self.family_of: dict[str, _Family] = {}
        self.families: list[_Family] = []
        for measures in groups.values():
            mset = set(measures)
            cells = [c for c in self.cells if c.measure in mset]
            dims = sorted({d for c in cells for d in c.key})
            members: dict[str, list[str]] = {}
            for d in dims:
                seen = sorted(
                    {x for c in cells if isinstance(c.key.get(d), frozenset) for x in c.key[d]}
                )
                if d in incomplete or not seen:
                    seen.append(_OTHER)
                members[d] = seen
            size = len(measures) * math.prod(len(v) for v in members.values())
            if size > MAX_BASE_CELLS:
                self.not_modelled.extend(sorted(measures))
                logger.warning(
                    "measures %s: %d base cells, more than %d: not checked",
                    sorted(measures),
                    size,
                    MAX_BASE_CELLS,
                )
            fam = _Family(sorted(measures), dims, members)
            combos = (
                list(itertools.product(*(members[d] for d in dims)))
                if size <= MAX_BASE_CELLS
                else []
            )
            for m in fam.measures:
                for combo in combos:
                    fam.index[(m, combo)] = len(fam.index)
            self.families.append(fam)
            for m in measures:
                self.family_of[m] = fam
        floors: set[tuple[int, tuple[int, ...]]] = set()
        for c in self.cells:
            fam = self.family_of[c.measure]
            if fam.size == 0:
                continue
            if not c.hidden:
                fam.eq_rows.append((self.box(c), c.value))
            elif ZERO_SHOWN and not self.tables[c.table].spec.zeros_hidden:
                # the published rule shows every zero: a "*" is at least 1
                b = self.box(c)
                sig = (id(fam), tuple(b.tolist()))
                if sig not in floors:
                    floors.add(sig)
                    fam.ub_rows.append((b, -np.ones(len(b)), -1.0))
        for part, whole in self.part_of.items():
            fam = self.family_of[part]
            for (m, combo), i in list(fam.index.items()):
                if m == part and (whole, combo) in fam.index:
                    j = fam.index[(whole, combo)]
                    fam.ub_rows.append((np.array([i, j]), np.array([1.0, -1.0]), 0.0))
        self._derived_constraints()
        self._rank_constraints()

    def box(self, c: _Cell, measure: str | None = None) -> np.ndarray:
        """Indices of the base cells a published cell adds up."""
        fam = self.family_of[c.measure]
        m = measure or c.measure
        choices = []
        for d in fam.dims:
            v = c.key.get(d, ALL)
            choices.append(fam.members[d] if v is ALL or v == ALL else sorted(v))
        return np.array(
            [
                fam.index[(m, combo)]
                for combo in itertools.product(*choices)
                if (m, combo) in fam.index
            ],
            dtype=int,
        )

    def _cell_at(self, ti: int, r: int, col: str) -> _Cell | None:
        for c in self._by_pos.get((ti, r), []):
            if c.column == col:
                return c
        return None

    @property
    def _by_pos(self) -> dict[tuple[int, int], list[_Cell]]:
        if not hasattr(self, "_pos"):
            self._pos: dict[tuple[int, int], list[_Cell]] = {}
            for c in self.cells:
                self._pos.setdefault((c.table, c.row), []).append(c)
        return self._pos

    def _derived_constraints(self) -> None:
        """Shown derived values beside hidden counts: a leak by rule, and constraints."""
        for ti, t in enumerate(self.tables):
            for col, d in t.spec.derived.items():
                if col not in t.values.columns:
                    continue
                shown = (
                    ~t.hidden[col].to_numpy(dtype=bool)
                    if col in t.hidden
                    else np.ones(len(t.values), bool)
                )
                vals = numbers(t.values[col]).to_numpy()
                for r in np.flatnonzero(shown & np.isfinite(vals)):
                    cells = [self._cell_at(ti, int(r), c) for c in d.counts]
                    if not any(c is not None and c.hidden for c in cells):
                        continue
                    text = t.text[col].iloc[r] if t.text is not None and col in t.text else None
                    h = 0.5 * 10 ** (-decimals_shown(str(text))) if text is not None else 1e-9
                    v = float(vals[r])
                    self.derived_shown.append(
                        Leak(
                            t.name,
                            self.row_label(ti, int(r)),
                            col,
                            "derived",
                            v,
                            v,
                            f"{d.kind} of {', '.join(d.counts)} shown beside a hidden count",
                        )
                    )
                    num = cells[0]
                    if num is None:
                        continue
                    fam = self.family_of[num.measure]
                    if fam.size == 0:
                        continue
                    nb = self.box(num)
                    if d.kind == "share" and len(cells) > 1 and cells[1] is not None:
                        den = cells[1]
                        if self.family_of[den.measure] is not fam:
                            continue
                        db = self.box(den)
                        idx = np.concatenate([nb, db])
                        fam.ub_rows.append(
                            (idx, np.r_[np.ones(len(nb)), -(v + h) * np.ones(len(db))], 0.0)
                        )
                        fam.ub_rows.append(
                            (idx, np.r_[-np.ones(len(nb)), (v - h) * np.ones(len(db))], 0.0)
                        )
                    elif d.kind == "rate" and d.population and d.population in t.values.columns:
                        pop = float(numbers(t.values[d.population]).iloc[r])
                        per = float(d.per or 1.0)
                        if np.isfinite(pop):
                            ones = np.ones(len(nb))
                            fam.ub_rows.append((nb, ones, (v + h) * pop / per))
                            fam.ub_rows.append((nb, -ones, -(v - h) * pop / per))
                    elif d.kind in ("wilson_lower", "wilson_upper") and len(cells) > 1:
                        self._wilson_bounds(fam, num, cells[1], d.kind, v, h)

    def _rank_constraints(self) -> None:
        """Ranks shown beside hidden ones: the order of the rates bounds a hidden count.

        For a table with a ``rank`` column (:class:`~workbench.disclosure.spec.Derived` of
        kind ``"rank"``) ordered by a shown rate of the same count: a row whose count (and
        rank) is hidden but which sits, in the file, between two rows of shown rank has a
        rate between theirs; and the gaps in the shown ranks say where the hidden rows go
        (every hidden row ranks below the first gap; when there are as many gaps as hidden
        rows, each ranks above the row after the last gap). With the population shown, each
        bound on the rate is a bound on the count.
        """
        for ti, t in enumerate(self.tables):
            if not t.fixed:
                continue  # being protected now: published through protect.rank_order
            ranks = [c for c, d in t.spec.derived.items() if d.kind == "rank"]
            for col in ranks:
                if col not in t.values.columns:
                    continue
                count = t.spec.derived[col].counts[0]
                rates = [
                    (c, d)
                    for c, d in t.spec.derived.items()
                    if d.kind == "rate" and d.counts[0] == count and c in t.values.columns
                ]
                if not rates or count not in t.values.columns:
                    continue
                rcol, rd = rates[0]
                if not rd.population or rd.population not in t.values.columns:
                    continue
                rank = numbers(t.values[col]).to_numpy()
                rate = numbers(t.values[rcol]).to_numpy()
                pop = numbers(t.values[rd.population]).to_numpy()
                hid = t.hidden[count].to_numpy(dtype=bool)
                text = t.text[rcol] if t.text is not None and rcol in t.text else None
                shown = np.flatnonzero(np.isfinite(rank) & np.isfinite(rate))
                if not len(shown) or not hid.any():
                    continue
                h = (
                    max(0.5 * 10 ** (-decimals_shown(str(text.iloc[i]))) for i in shown)
                    if text is not None
                    else 1e-9
                )
                by_rank = {int(rank[i]): float(rate[i]) for i in shown}
                top = max(by_rank)
                gaps = [k for k in range(1, top + 1) if k not in by_rank]
                hidden_rows = np.flatnonzero(hid)
                for r in hidden_rows:
                    hi, lo = np.inf, -np.inf
                    if gaps and gaps[0] > 1:
                        hi = by_rank[gaps[0] - 1]
                    if gaps and len(gaps) == len(hidden_rows) and gaps[-1] + 1 in by_rank:
                        lo = by_rank[gaps[-1] + 1]
                    before = shown[shown < r]
                    after = shown[shown > r]
                    if len(before) and len(after):  # between ranked rows in the file
                        a, b = rank[before[-1]], rank[after[0]]
                        if a < b:  # the file is in rank order here
                            hi = min(hi, rate[before[-1]])
                            lo = max(lo, rate[after[0]])
                    cell = self._cell_at(ti, int(r), count)
                    if cell is None or not np.isfinite(pop[r]):
                        continue
                    fam = self.family_of[cell.measure]
                    if fam.size == 0:
                        continue
                    nb = self.box(cell)
                    ones = np.ones(len(nb))
                    per = float(rd.per or 1.0)
                    if np.isfinite(hi):
                        fam.ub_rows.append((nb, ones, (hi + h) * pop[r] / per))
                    if np.isfinite(lo):
                        fam.ub_rows.append((nb, -ones, -(lo - h) * pop[r] / per))

    def _wilson_bounds(
        self, fam: _Family, num: _Cell, den: _Cell | None, kind: str, v: float, h: float
    ) -> None:
        """A shown Wilson limit beside a hidden count: the counts it allows, as bounds.

        Every pair (numerator x, denominator n) with n up to :data:`WILSON_MAX_N` (or the
        shown denominator) whose limit rounds to the shown value is kept; the numerator's
        (and a hidden denominator's) smallest and largest such values bound it. A relaxation
        of the exact set (its bounding box), so it can only under-state what is given away.
        """
        if den is None or self.family_of[den.measure] is not fam:
            return
        ns = np.arange(1, WILSON_MAX_N + 1) if den.hidden else np.array([int(den.value)])
        if not num.hidden:
            ns = ns[ns >= num.value]
        xs = [np.arange(0, n + 1) if num.hidden else np.array([num.value]) for n in ns]
        if not len(ns):
            return
        x = np.concatenate(xs).astype(float)
        n = np.repeat(ns, [len(a) for a in xs]).astype(float)
        lower, upper = wilson_interval(x, n)
        limit = np.asarray(upper if kind == "wilson_upper" else lower, dtype=float)
        ok = np.abs(limit - v) <= h + 1e-12
        if not ok.any():
            return
        nb = self.box(num)
        ones = np.ones(len(nb))
        fam.ub_rows.append((nb, ones, float(x[ok].max())))
        fam.ub_rows.append((nb, -ones, -float(x[ok].min())))
        if den.hidden:
            db = self.box(den)
            ones = np.ones(len(db))
            fam.ub_rows.append((db, ones, float(n[ok].max())))
            fam.ub_rows.append((db, -ones, -float(n[ok].min())))

    # -- bounds --------------------------------------------------------------------------
    def _problem(self, fam: _Family) -> tuple[list[LinearConstraint], int]:
        if fam._problem is None:
            n = fam.size
            cons = []
            if fam.eq_rows:
                rows, cols, data, b = [], [], [], []
                for k, (idx, val) in enumerate(fam.eq_rows):
                    rows += [k] * len(idx)
                    cols += list(idx)
                    data += [1.0] * len(idx)
                    b.append(val)
                a = sparse.csr_array((data, (rows, cols)), shape=(len(fam.eq_rows), n))
                cons.append(LinearConstraint(a, np.array(b), np.array(b)))
            if fam.ub_rows:
                rows, cols, data, ub = [], [], [], []
                for k, (idx, coef, u) in enumerate(fam.ub_rows):
                    rows += [k] * len(idx)
                    cols += list(idx)
                    data += list(coef)
                    ub.append(u)
                a = sparse.csr_array((data, (rows, cols)), shape=(len(fam.ub_rows), n))
                cons.append(LinearConstraint(a, -np.inf, np.array(ub)))
            fam._problem = (cons, n)
        return fam._problem

    def bounds(
        self, fam: _Family, idx: np.ndarray, coef: np.ndarray, *, stop_at_zero: bool = False
    ) -> tuple[float, float]:
        """Smallest and largest whole-number value of ``sum(coef * x[idx])`` the tables allow.

        ``stop_at_zero``: when the smallest value is 0 or less the largest is not sought
        (returned as infinity): the cell is protected whatever it is.
        """
        cons, n = self._problem(fam)
        c = np.zeros(n)
        np.add.at(c, idx, coef)
        out: list[float] = []
        for sign in (1.0, -1.0):
            if sign < 0 and stop_at_zero and out and out[0] < 1 - 1e-6:
                out.append(np.inf)
                break
            start = time.perf_counter()
            res = milp(
                sign * c,
                constraints=cons,
                integrality=np.ones(n),
                bounds=Bounds(0, np.inf),
                options={"time_limit": TIME_LIMIT_S},
            )
            self.solver_seconds += time.perf_counter() - start
            self.programs += 1
            if res.status == 3:  # unbounded
                out.append(-np.inf if sign > 0 else np.inf)
            elif res.x is None and sign < 0 and out:
                out.append(np.inf)  # the minimum exists, so "infeasible or unbounded" is unbounded
            elif res.x is None:
                raise WorkbenchError(
                    f"the tables published in this run disagree about {', '.join(fam.measures)} "
                    "(no counts fit every cell shown: a table's spec names a measure, a total "
                    f"or a group wrongly?): {res.message}"
                )
            elif res.status == 0:
                out.append(sign * float(res.fun))
            else:  # time limit: the proven bound (weaker than the optimum)
                bound = getattr(res, "mip_dual_bound", None)
                out.append(
                    sign * float(bound) if bound is not None else (0.0 if sign > 0 else np.inf)
                )
        return out[0], out[1]

    def _touched(self, fam: _Family) -> np.ndarray:
        if not hasattr(fam, "_touch"):
            t = np.zeros(fam.size, dtype=bool)
            for idx, _ in fam.eq_rows:
                t[idx] = True
            for idx, _, _ in fam.ub_rows:
                t[idx] = True
            fam._touch = t  # type: ignore[attr-defined]
        return fam._touch  # type: ignore[attr-defined]

    def targets(self) -> list[tuple[_Cell, str, np.ndarray, np.ndarray, float | None]]:
        """What must stay protected: hidden cells and complements (cell, kind, idx, coef, known)."""
        out = []
        seen: set[tuple[str, tuple[int, ...]]] = set()
        for c in self.cells:
            fam = self.family_of[c.measure]
            if fam.size == 0:
                continue
            if c.hidden:
                b = self.box(c)
                sig = (c.measure, tuple(b))
                if sig not in seen:
                    seen.add(sig)
                    out.append((c, "cell", b, np.ones(len(b)), None))
            wcol = self.tables[c.table].spec.counts[c.column].part_of
            wc = self._cell_at(c.table, c.row, wcol) if wcol else None
            if wc is None:
                continue
            bp, bw = self.box(c), self.box(wc)
            known = None if (c.hidden or wc.hidden) else wc.value - c.value
            idx = np.r_[bw, bp]
            coef = np.r_[np.ones(len(bw)), -np.ones(len(bp))]
            out.append((c, "complement", idx, coef, known))
        return out

    def leaky(
        self, tables: set[int] | None = None
    ) -> tuple[list[tuple[_Cell, str, np.ndarray, np.ndarray, float, float]], int]:
        """Targets that leak, with their bounds, and the number of targets checked.

        ``tables``: only targets whose measures (families) are published in these tables
        (by position); others cannot be changed by them.
        """
        out = []
        checked = 0
        t = self.threshold
        self.intervals = []
        wanted = None
        if tables is not None:
            wanted = {id(self.family_of[c.measure]) for c in self.cells if c.table in tables}
        for c, kind, idx, coef, known in self.targets():
            if wanted is not None and id(self.family_of[c.measure]) not in wanted:
                continue
            checked += 1
            if known is not None:
                if 1 <= known <= t - 1:
                    out.append((c, kind, idx, coef, known, known))
                continue
            fam = self.family_of[c.measure]
            if not self._touched(fam)[idx].any():
                continue  # nothing published constrains it: 0 to unbounded
            # a hidden cell is also given away when it is pinned exactly (whatever its
            # value); a complement (which may be 0) when it is proved small
            lo, hi = self.bounds(fam, idx, coef, stop_at_zero=kind != "cell")
            c_lo = math.ceil(lo - 1e-6)
            c_hi = math.floor(hi + 1e-6) if np.isfinite(hi) else hi
            self.intervals.append((c, kind, float(c_lo), float(c_hi)))
            small = c_lo >= 1 and c_hi <= t - 1
            exact = kind == "cell" and c_lo == c_hi
            if small or exact:
                out.append((c, kind, idx, coef, float(c_lo), float(c_hi)))
        return out, checked

    def leaks(self) -> tuple[list[Leak], int]:
        """Every leak (derived values shown beside hidden counts first) and cells checked."""
        found: list[Leak] = list(self.derived_shown)
        for c in self.cells:
            if not c.hidden and 1 <= c.value <= self.threshold - 1:
                tab = self.tables[c.table]
                found.append(
                    Leak(
                        tab.name,
                        self.row_label(c.table, c.row),
                        c.column,
                        "cell",
                        c.value,
                        c.value,
                        "small count shown",
                    )
                )
        leaky, checked = self.leaky()
        for c, kind, _, _, lo, hi in leaky:
            tab = self.tables[c.table]
            col = (
                c.column if kind == "cell" else f"{tab.spec.counts[c.column].part_of} - {c.column}"
            )
            detail = "shown by subtraction" if kind == "complement" and lo == hi else ""
            found.append(Leak(tab.name, self.row_label(c.table, c.row), col, kind, lo, hi, detail))
        return found, checked
