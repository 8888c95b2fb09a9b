"""Result objects of the hotspot functions: a frame and the settings that made it.

Each function of :mod:`workbench.hotspots` returns a small dataclass in the style of esda's
statistic objects: the zones with their result columns (``frame``) and the settings used
(cell size, bandwidth, weights, FDR, ...) as attributes. Nothing is kept in
the frame's ``attrs`` dictionary, which pandas drops or mixes on ``merge``, ``concat`` and friends.

A result reads like its frame for convenience (``len(r)``, ``r["z"]``, ``r.columns``,
``r.plot()``), but anything that makes a new frame (``merge``, ``copy``, ``loc``) gives a
plain GeoDataFrame *without* the settings. Pass the result object itself to the functions
that need the settings (:func:`~workbench.hotspots.kde` on a :class:`Grid`, the map layers),
or carry the settings over to a new frame of the same zones with :meth:`Result.with_frame`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd

__all__ = [
    "Change",
    "Counts",
    "DualSurface",
    "Emerging",
    "GiStar",
    "Grid",
    "GridSpec",
    "Lisa",
    "Result",
    "Surface",
    "frame_of",
    "grid_spec",
]


@dataclass(frozen=True)
class GridSpec:
    """How a grid was made: everything needed to find a point's cell again.

    Attributes
    ----------
    cell_size : float
        Square cells: side in metres; hexagons: flat-to-flat width in metres.
    shape : {"square", "hex"}
    clip : bool
        Whether edge cells were cut to the area's outline.
    origin : tuple of float
        x0, y0 (metres, EPSG:27700) of the lower-left corner of cell row 0, col 0.
    cell_area_m2 : float
        Area of a whole cell.
    """

    cell_size: float
    shape: str
    clip: bool
    origin: tuple[float, float]
    cell_area_m2: float


@dataclass(frozen=True, eq=False, kw_only=True)
class Result:
    """Base of the hotspot results: ``frame`` plus settings; see the module docstring.

    Attributes
    ----------
    frame : GeoDataFrame
        The zones with the result's columns.
    cells : GridSpec or None
        The grid's settings when the zones are cells of a :class:`Grid` (None for LSOAs,
        wards or other polygons).
    """

    frame: gpd.GeoDataFrame
    cells: GridSpec | None = None

    def to_frame(self) -> gpd.GeoDataFrame:
        """A copy of the result's frame (columns only; the settings stay on the object)."""
        return self.frame.copy()

    def with_frame(self, frame: gpd.GeoDataFrame) -> Any:
        """The same result and settings over ``frame`` (e.g. the frame after a merge).

        ``frame`` must hold the same zones in the same order (same number of rows).
        """
        from workbench.errors import WorkbenchError

        if len(frame) != len(self.frame):
            raise WorkbenchError(
                f"with_frame: expected the same {len(self.frame)} zones, found {len(frame)} rows"
            )
        return dataclasses.replace(self, frame=frame)

    def settings(self) -> dict[str, Any]:
        """The settings as a plain dict (for run logs and notes); no frames."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in ("frame", "cube"):
                continue
            v = getattr(self, f.name)
            if isinstance(v, GridSpec):
                out.update(dataclasses.asdict(v))
            else:
                out[f.name] = v
        return out

    @property
    def cell_size(self) -> float | None:
        """Cell size in metres when the zones are grid cells, else None."""
        return None if self.cells is None else self.cells.cell_size

    # --- read-only convenience: a result reads like its frame -------------------------
    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, key: Any) -> Any:
        return self.frame[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.frame[key] = value

    def __contains__(self, key: Any) -> bool:
        return key in self.frame

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("frame", "cells", "attrs"):
            raise AttributeError(name)
        return getattr(self.frame, name)


@dataclass(frozen=True, eq=False, kw_only=True)
class Grid(Result):
    """Cells covering an area (:func:`~workbench.hotspots.grid`); ``cells`` is always set."""

    cells: GridSpec


@dataclass(frozen=True, eq=False, kw_only=True)
class Counts(Result):
    """Points counted (or weights summed) per zone (:func:`~workbench.hotspots.count`)."""

    n_points: int
    inside: int
    outside: int
    weights: str | None = None


@dataclass(frozen=True, eq=False, kw_only=True)
class Surface(Result):
    """A kernel density surface (:func:`~workbench.hotspots.kde`); ``density`` per km²."""

    cells: GridSpec
    bandwidth: float
    bandwidth_rule: str
    kernel: str
    units: str
    normalisation: str
    n_points: int
    total_weight: float
    weights: str | None
    method: str
    #: Largest possible difference from the exact surface at any cell, per km² (0: exact).
    error_bound: float = 0.0


@dataclass(frozen=True, eq=False, kw_only=True)
class DualSurface(Surface):
    """A risk surface from two densities (:func:`~workbench.hotspots.dual_kde`)."""

    risk: str
    reference_total_weight: float


@dataclass(frozen=True, eq=False, kw_only=True)
class GiStar(Result):
    """Getis-Ord Gi* per zone (:func:`~workbench.hotspots.gistar`)."""

    statistic: str
    weights: str
    fdr: str | None
    alpha: float
    p_value: str
    islands: list = field(default_factory=list)
    untestable: list = field(default_factory=list)
    n_hot: int = 0
    n_cold: int = 0


@dataclass(frozen=True, eq=False, kw_only=True)
class Lisa(Result):
    """Local Moran's I per zone (:func:`~workbench.hotspots.lisa`)."""

    statistic: str
    variance: str
    weights: str
    permutations: int
    seed: int | None
    alpha: float
    fdr: str | None
    p_value: str
    islands: list = field(default_factory=list)
    clusters: dict = field(default_factory=dict)

    def describe(self) -> str:
        """The method in one sentence, for a table's caption.

        Examples
        --------
        >>> import geopandas as gpd
        >>> Lisa(frame=gpd.GeoDataFrame(), statistic="Local Moran's I", variance="n - 1",
        ...      weights="knn (k=8)", permutations=999, seed=1, alpha=0.05, fdr=None,
        ...      p_value="pseudo p").describe()  # doctest: +NORMALIZE_WHITESPACE
        "Local Moran's I; weights knn (k=8), row-standardised; 999 permutations (seed 1);
        significant at p <= 0.05 (no FDR adjustment); variance n - 1."
        """
        fdr = f"{self.fdr} FDR" if self.fdr else "no FDR adjustment"
        return (
            f"{self.statistic}; weights {self.weights}, row-standardised; "
            f"{self.permutations} permutations (seed {self.seed}); significant at p <= "
            f"{self.alpha:g} ({fdr}); variance {self.variance}."
        )


@dataclass(frozen=True, eq=False, kw_only=True)
class Change(Result):
    """Change in counts between two periods per zone (:func:`~workbench.hotspots.change`)."""

    split: str
    p0: float
    total_before: int
    total_after: int
    outside: int
    test: str
    fdr: str | None
    alpha: float

    def describe(self) -> str:
        """The method in one sentence, for a table's caption."""
        fdr = f"{self.fdr} FDR" if self.fdr else "no FDR adjustment"
        return (
            f"{self.total_before:,} events before and {self.total_after:,} after "
            f"(split {self.split}); each zone tested against the area-wide share after "
            f"({self.p0:.3f}) by a {self.test}; significant at p <= {self.alpha:g} ({fdr})."
        )


@dataclass(frozen=True, eq=False, kw_only=True)
class Emerging(Result):
    """Emerging hot spot categories per zone (:func:`~workbench.hotspots.emerging`)."""

    period: str
    periods: list
    missing_periods: list
    weights: str
    alpha: float
    fdr: str | None
    method: str
    rules: str
    category_counts: dict
    empty_periods: list = field(default_factory=list)
    outside: int = 0


def frame_of(obj: Any) -> Any:
    """The frame of a result object, or ``obj`` itself when it is not one."""
    return obj.frame if isinstance(obj, Result) else obj


def grid_spec(obj: Any) -> GridSpec | None:
    """The grid settings a result carries (None for plain frames and non-grid zones)."""
    return obj.cells if isinstance(obj, Result) else None
