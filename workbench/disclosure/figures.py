"""Charts on the disclosure path: what a matplotlib figure plots, checked against its table.

A published chart declares the published table it is drawn from
(:meth:`workbench.outputs.Outputs.figure` with ``data=``). Before the PNG is written, every
number the figure plots (line points, scatter points, bar lengths, error-bar ends, filled
bands) is read from the matplotlib artists and must be a value the table *shows* (a count,
a derived value or a safe column; not a dimension, never a ``"*"`` cell), to the decimals
the table shows. Reference lines computed from the shown values (an SPC mean and process
limits, a funnel plot's limits) are marked with :func:`reference` and are not data points.
The values checked are kept in the run log, so the run-level audit reads them back against
the CSV files on disk (:func:`check_values`).

Why our own: matplotlib has no notion of "the data behind a figure"; reading the artists
(``Line2D.get_ydata``, ``PathCollection.get_offsets``, ``BarContainer.datavalues``,
``LineCollection.get_segments``) is the only way to know what a saved image shows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.disclosure.model import SUPPRESSED, decimals_shown
from workbench.disclosure.spec import TableSpec
from workbench.errors import WorkbenchError

__all__ = [
    "REFERENCE_GID",
    "is_reference",
    "plotted_values",
    "reference",
    "shown_values",
    "unmatched",
]

logger = logging.getLogger(__name__)

#: ``gid`` of an artist that is a reference line computed from the values shown (a mean,
#: process or control limits, a target): not a data point of the chart.
REFERENCE_GID = "workbench-reference"


def reference(*artists: Any) -> None:
    """Mark matplotlib artists (or lists of them) as reference lines, not data points."""
    for item in artists:
        items = item if isinstance(item, (list, tuple)) else [item]
        for artist in items:
            artist.set_gid(REFERENCE_GID)


def is_reference(artist: Any) -> bool:
    """True for an artist marked with :func:`reference`."""
    return artist.get_gid() == REFERENCE_GID


def _finite(values: Any) -> list[float]:
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        return []
    return [float(v) for v in arr[np.isfinite(arr)]]


def _points(data: Any) -> np.ndarray:
    """``(n, 2)`` coordinates (empty when there are none)."""
    arr = np.asarray(data, dtype=float)
    return arr.reshape(-1, 2) if arr.size else np.empty((0, 2))


def plotted_values(fig: Any, value_axis: str = "y") -> tuple[list[float], int]:
    """The numbers a figure plots on its value axis, and how many reference artists it has.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    value_axis : {"y", "x"}, default "y"
        The axis that carries the values ("x" for horizontal bar charts).

    Returns
    -------
    values : list of float
        Finite values of lines, scatter points, line collections (error bars), filled
        polygons (bands) and bar lengths, reference artists left out.
    references : int
        Artists marked as reference lines.

    Notes
    -----
    Rectangles added outside a bar container (``axvspan`` shading of missing months) and
    text are not read: a number written as text on a chart is not checked (a limit stated
    in docs/disclosure.md).
    """
    if value_axis not in ("x", "y"):
        raise WorkbenchError(f"value_axis must be 'x' or 'y', found {value_axis!r}")
    col = 1 if value_axis == "y" else 0
    values: list[float] = []
    refs = 0
    for ax in fig.axes:
        for container in ax.containers:
            if type(container).__name__ == "BarContainer":
                if container.patches and is_reference(container.patches[0]):
                    refs += 1
                    continue
                values += _finite(container.datavalues)
        for line in ax.lines:
            if is_reference(line):
                refs += 1
                continue
            data = line.get_ydata() if value_axis == "y" else line.get_xdata()
            values += _finite(data)
        for coll in ax.collections:
            if is_reference(coll):
                refs += 1
                continue
            kind = type(coll).__name__
            if kind == "LineCollection":
                for seg in coll.get_segments():
                    values += _finite(_points(seg)[:, col])
            elif kind == "PathCollection":
                values += _finite(_points(coll.get_offsets())[:, col])
            else:  # filled bands (PolyCollection, FillBetweenPolyCollection)
                for path in coll.get_paths():
                    values += _finite(_points(path.vertices)[:, col])
    return values, refs


def shown_values(
    tables: Iterable[tuple[pd.DataFrame, TableSpec | None]],
) -> tuple[np.ndarray, np.ndarray]:
    """The values tables show (as text: read from a CSV) and the tolerance of each.

    Only counts, derived values and safe columns are taken (never a dimension, so that a
    hidden count cannot pass as a decile or a month number); ``"*"`` and blanks are not
    values. The tolerance is half a unit of the last decimal shown.
    """
    vals: list[float] = []
    tols: list[float] = []
    for text, spec in tables:
        cols = (
            [c for c in (*spec.counts, *spec.derived, *spec.safe) if c in text.columns]
            if spec is not None
            else [c for c in text.columns]
        )
        for c in cols:
            for cell in text[c].astype(str):
                cell = cell.strip().lstrip("'").replace(",", "")
                if not cell or cell == SUPPRESSED:
                    continue
                try:
                    v = float(cell)
                except ValueError:
                    continue
                if not np.isfinite(v):
                    continue
                vals.append(v)
                tols.append(0.5 * 10.0 ** -decimals_shown(cell) + 1e-9 * max(1.0, abs(v)))
    order = np.argsort(vals, kind="stable")
    return np.asarray(vals, dtype=float)[order], np.asarray(tols, dtype=float)[order]


def unmatched(values: Sequence[float], shown: np.ndarray, tolerance: np.ndarray) -> list[float]:
    """Plotted values that match no shown value (within that value's tolerance)."""
    if not len(values):
        return []
    if not len(shown):
        return list(values)
    max_tol = float(tolerance.max())
    bad = []
    for v in values:
        lo = np.searchsorted(shown, v - max_tol, side="left")
        hi = np.searchsorted(shown, v + max_tol, side="right")
        near = slice(lo, hi)
        if not (np.abs(shown[near] - v) <= tolerance[near]).any():
            bad.append(float(v))
    return bad


def round_values(values: Iterable[float], digits: int = 10) -> list[float]:
    """Values for the run log (``digits`` significant digits, JSON-ready)."""
    return [float(f"{v:.{digits}g}") for v in values]
