"""Primary, complement, secondary and derived suppression of tables published together."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from workbench.disclosure.model import SUPPRESSED, Model, Published, numbers
from workbench.disclosure.spec import TableSpec
from workbench.errors import WorkbenchError

__all__ = ["primary_mask", "derived_mask", "protect", "apply_mask", "rank_order", "MAX_ROUNDS"]

logger = logging.getLogger(__name__)

#: Secondary suppression rounds before giving up (each hides one more cell).
MAX_ROUNDS = 400


def primary_mask(frame: pd.DataFrame, spec: TableSpec, threshold: int) -> pd.DataFrame:
    """Cells hidden before any secondary suppression.

    Counts from 1 to ``threshold - 1`` (primary); a part whose complement in its whole
    (``started - within_target``) is 1 to ``threshold - 1`` (the complement counts people).
    """
    if not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise WorkbenchError(f"threshold must be a whole number >= 1, found {threshold!r}")
    mask = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    vals = {c: numbers(frame[c]) for c in spec.counts if c in frame.columns}
    for c, v in vals.items():
        if (v < 0).any():
            raise WorkbenchError(f"count column {c!r} has negative values; counts must be >= 0")
        mask[c] = ((v > 0) & (v < threshold)).to_numpy()
    for c, count in spec.counts.items():
        if c in vals and count.part_of in vals:
            rest = vals[count.part_of] - vals[c]
            small = ((rest > 0) & (rest < threshold)).to_numpy()
            mask[c] = mask[c].to_numpy() | (small & ~mask[count.part_of].to_numpy())
    return mask


def derived_mask(mask: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """``mask`` with every derived column hidden wherever one of its counts is."""
    out = mask.copy()
    for col, d in spec.derived.items():
        if col not in out.columns:
            continue
        flags = np.zeros(len(out), dtype=bool)
        for c in d.counts:
            if c in out.columns:
                flags |= out[c].to_numpy(dtype=bool)
        out[col] = flags
    return out


def apply_mask(frame: pd.DataFrame, mask: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with ``"*"`` where ``mask`` is True."""
    out = frame.copy()
    for col in out.columns:
        hide = mask[col].to_numpy(dtype=bool) if col in mask else None
        if hide is not None and hide.any():
            column = out[col].astype(object)
            column[hide] = SUPPRESSED
            out[col] = column
    return out


def rank_order(
    frame: pd.DataFrame, hidden: pd.DataFrame, spec: TableSpec
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows whose rank is withheld moved last, and the shown ranks numbered without gaps.

    A ranked table (a :class:`~workbench.disclosure.spec.Derived` column of kind ``"rank"``)
    in rank order with a withheld row in place gives the withheld rate away between its
    neighbours' rates, and so does a gap in the shown ranks (a red-team finding on a
    two-district study: a ward's withheld count was pinned by the gap in the ward ranks).
    The shown rows keep their order and are ranked 1, 2, ... among the rows shown; the
    withheld rows follow in their own order (their rank ``"*"``), so their place says
    nothing about their rate.

    Returns
    -------
    frame, hidden : DataFrame, DataFrame
        Both reordered the same way (a fresh index), ranks renumbered.
    """
    ranks = [c for c, d in spec.derived.items() if d.kind == "rank" and c in frame.columns]
    if not ranks or not hidden[ranks].to_numpy().any():
        return frame, hidden
    col = ranks[0]
    withheld = hidden[col].to_numpy(dtype=bool)
    order = np.r_[np.flatnonzero(~withheld), np.flatnonzero(withheld)]
    out = frame.iloc[order].reset_index(drop=True)
    mask = hidden.iloc[order].reset_index(drop=True)
    for c in ranks:
        shown = ~mask[c].to_numpy(dtype=bool)
        values = pd.Series(pd.NA, index=out.index, dtype="Int64")
        values[shown] = numbers(out.loc[shown, c]).rank(method="min").astype("int64").to_numpy()
        out[c] = values
    return out, mask


def _pick(model: Model, target, current: set[int], keep: set[tuple[int, int, str]]):  # noqa: ANN001, ANN202, E501
    """The shown cell to hide so that ``target`` is no longer pinned (None if none).

    Cells sharing an equation with the target first; when none can be hidden, cells one
    equation further (a part bounded by its whole, the whole pinned by its margin).
    """
    cell, _, idx, _, _, _ = target
    hit = set(idx.tolist())
    for _ in range(3):
        related = _related(model.family_of[cell.measure], hit)
        best = _best(model, target, current, keep, hit, related)
        if best is not None or related <= hit:
            return best
        hit = related
    return None


def _related(fam, hit: set[int]) -> set[int]:  # noqa: ANN001
    """Base cells that share an equation or inequality with ``hit``."""
    related: set[int] = set()
    for rows, _ in fam.eq_rows:
        r = set(rows.tolist())
        if r & hit:
            related |= r
    for rows, _, _ in fam.ub_rows:
        r = set(rows.tolist())
        if r & hit:
            related |= r
    return related


def _best(model: Model, target, current, keep, hit, related):  # noqa: ANN001, ANN202
    """The best shown cell of the target's family touching ``related`` (None if none)."""
    cell = target[0]
    fam = model.family_of[cell.measure]
    # How many shown cells stand for each set of base cells: hiding a cell that another
    # shown cell repeats (the same figure in an earlier table, or a compared count equal to
    # its count) protects nothing, and leaves "*" beside the value a reader can see.
    shown: dict[frozenset[int], int] = {}
    for c in model.cells:
        if not c.hidden and model.family_of[c.measure] is fam:
            key = frozenset(model.box(c).tolist())
            shown[key] = shown.get(key, 0) + 1
    best = None
    for c in model.cells:
        if c.hidden or c.table not in current or model.family_of[c.measure] is not fam:
            continue
        if (c.table, c.row, c.column) in keep:
            continue  # a cell shown again stays shown
        if c.value <= 0 and not model.tables[c.table].spec.zeros_hidden:
            continue  # zeros are shown (a "*" is at least 1) unless the table says otherwise
        box = set(model.box(c).tolist())
        if not box & related:
            continue
        same = c.table == cell.table
        # In the target's own table hide a sibling (a cell of the same line), the way
        # row/column suppression does; across tables hide the margin that contains the
        # target, which is the equation giving it away.
        direct = not (box & hit) if same else bool(box & hit)
        score = (
            shown.get(frozenset(box), 0) > 1,  # shown elsewhere too: hiding it is no use
            not direct,
            not same,
            c.value,
            c.table,
            c.row,
        )
        if best is None or score < best[0]:
            best = (score, c)
    return None if best is None else best[1]


def protect(
    tables: Sequence[Published], threshold: int, context: Sequence[Published] = ()
) -> list[pd.DataFrame]:
    """Masks of hidden cells for tables published together, safe against the audit's attack.

    Parameters
    ----------
    tables : sequence of Published
        The tables to publish now, with their true values (``hidden`` is ignored).
    threshold : int
        Counts from 1 to ``threshold - 1`` are hidden.
    context : sequence of Published
        Tables already published in the same run (their hidden cells unknown); they cannot
        change, so cells of ``tables`` are hidden until the whole set is safe.

    Returns
    -------
    list of DataFrame of bool
        One mask per table (True = hidden), derived columns included.

    Notes
    -----
    Conventions: primary and complement suppression (:func:`primary_mask`), then rounds of
    secondary suppression: the :class:`~workbench.disclosure.model.Model` of every table
    (and ``context``) bounds each hidden cell and complement with integer programs; for
    the first one still pinned within the threshold the smallest non-zero shown cell of the
    same measure that shares an equation with it (one that no other shown cell repeats
    first, then a sibling in the same table) is hidden. This is a heuristic, not a
    minimum-loss cell suppression (tau-argus style); it stops when the attack finds
    nothing. Derived values are hidden with their counts.

    Raises
    ------
    WorkbenchError
        A hidden cell that no further suppression can protect (it is fixed by tables
        published earlier in the run).
    """
    current = list(tables)
    for t in current:
        t.hidden = derived_mask(primary_mask(t.values, t.spec, threshold), t.spec)
    idx = set(range(len(current)))
    primary = [t.hidden.copy() for t in current]
    keep: set[tuple[int, int, str]] = set()

    def shown_again(lk) -> bool:  # noqa: ANN001
        """A cell of this set hidden by secondary suppression, pinned exactly."""
        c = lk[0]
        return (
            lk[1] == "cell"
            and c.table in idx
            and lk[4] == lk[5]
            and not primary[c.table].iloc[c.row][c.column]
        )

    for _ in range(MAX_ROUNDS):
        model = Model([*current, *context], threshold)
        leaky, _ = model.leaky(idx)
        if not leaky:
            break
        first = [lk for lk in leaky if not shown_again(lk)]
        if not first:
            # Only cells hidden by secondary suppression that the files pin exactly anyway
            # (a value at or above the threshold, or a figure printed elsewhere) are left:
            # hiding them protects nothing. Show one again (never to be hidden again) and
            # look again: a small cell it protected is then protected by other cells.
            c = leaky[0][0]
            t = current[c.table]
            t.hidden.iloc[c.row, t.hidden.columns.get_loc(c.column)] = False
            keep.add((c.table, c.row, c.column))
            t.hidden = derived_mask(t.hidden, t.spec) | primary[c.table]
            continue
        leaky = first
        pick = _pick(model, leaky[0], idx, keep)
        c = leaky[0][0]
        if pick is None and c.table in idx and not current[c.table].spec.zeros_hidden:
            # Last resort: a small cell whose margins were published earlier in the run
            # (two withheld districts of a shown study month of 5 are each 1 to 4 when a
            # "*" is known to be at least 1). The table then says that a "*" may be a zero
            # hidden to protect another cell, and zeros may be hidden in it.
            t = current[c.table]
            t.spec = replace(t.spec, zeros_hidden=True)
            logger.info("%s: a '*' may stand for a zero (secondary suppression)", t.name)
            continue
        if pick is None:
            c = leaky[0][0]
            tab = model.tables[c.table]
            raise WorkbenchError(
                f"{tab.name}: row {model.row_label(c.table, c.row)}, column {c.column!r} can be "
                "worked out from tables published in this run and no cell left to hide would "
                "protect it"
            )
        t = current[pick.table]
        t.hidden.iloc[pick.row, t.hidden.columns.get_loc(pick.column)] = True
        t.hidden = derived_mask(t.hidden, t.spec)
    else:
        raise WorkbenchError(f"secondary suppression did not settle in {MAX_ROUNDS} rounds")
    return [t.hidden for t in current]
