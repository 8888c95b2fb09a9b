"""Getis-Ord Gi* hot and cold spots with Benjamini-Hochberg false discovery rate control."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import esda
import numpy as np
import pandas as pd
from scipy import stats

from workbench.errors import WorkbenchError
from workbench.hotspots._checks import adjust_p, as_polygons, finite_numbers
from workbench.hotspots.results import GiStar, grid_spec
from workbench.hotspots.weights import weights_with_label

__all__ = ["gistar", "gi_star", "gi_bins", "MIN_ZONES"]

logger = logging.getLogger(__name__)

#: Below this many zones Gi* z-scores are unreliable; a warning is given (not an error).
MIN_ZONES = 30


def gistar(
    zones: Any,
    column: str,
    weights: Any = "queen",
    fdr: bool = True,
    alpha: float = 0.05,
    *,
    k: int = 8,
    knn: int | None = None,
) -> GiStar:
    """Getis-Ord Gi* local hot/cold spot statistic per zone (grid cells or polygons).

    Conventions
    -----------
    * Weights: binary (1 for each neighbour) **and the zone itself** (self-weight 1), i.e.
      ``esda.G_Local(y, w, transform="B", star=True)``.
    * z: the analytic Gi* z-score (esda ``Zs``): (G_i - E[G_i]) / sqrt(V[G_i]) with
      G_i = sum_j w_ij x_j / sum_j x_j, E = W_i / n, V = W_i (n - W_i) / (n - 1) / n^2 * s^2 /
      xbar^2, where W_i = sum_j w_ij and s^2 is the variance with denominator n. This equals
      Getis and Ord's (1995) Gi* z and ArcGIS's GiZScore. No permutations are run.
    * p: two-sided, from the standard normal: p = 2 * (1 - Phi(|z|)).
    * FDR (default): Benjamini-Hochberg adjusted p-values, ``p_fdr``
      (``scipy.stats.false_discovery_control(p, method="bh")``; rejecting p_fdr <= alpha is the
      same decision as ``esda.fdr(p, alpha)``'s cut-off when any test is rejected).
      ``significant`` is p_fdr <= alpha (raw p <= alpha when ``fdr=False``).
    * bin: +3/-3 (99%), +2/-2 (95%), +1/-1 (90%), 0 otherwise, sign from z; the p used is p_fdr
      when ``fdr=True`` (the BH procedure at each confidence level, as ArcGIS does with its
      FDR option) and raw p otherwise.
    * Fewer than 30 zones: a warning (results are computed). Islands (zones with no neighbour)
      are kept with only themselves in their neighbourhood; they are logged and listed in
      ``islands``.

    Parameters
    ----------
    zones : GeoDataFrame
        Polygons in EPSG:27700, e.g. a grid from :func:`count`/:func:`kde` or LSOAs.
    column : str
        Numeric column to test (counts, densities, rates).
    weights : "queen", "rook", "knn", number, Graph or W
        See :func:`workbench.hotspots.weights.build_weights`.
    fdr : bool, default True
        Control the false discovery rate (Benjamini-Hochberg).
    alpha : float, default 0.05
        Significance level for ``significant``.
    k : int, default 8
        Neighbours when ``weights="knn"``.
    knn : int, optional
        Shorthand for ``weights="knn", k=knn``.

    Returns
    -------
    GiStar
        ``frame``: ``zones`` with ``gi`` (G_i*), ``z``, ``p``, ``p_fdr`` (when fdr),
        ``significant``, ``bin``. Settings: ``cells`` (when the zones are a grid), ``weights``,
        ``fdr``, ``alpha``, ``islands``, ``untestable``, ``n_hot``, ``n_cold``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> z = gpd.GeoDataFrame({"n": [0, 0, 9, 0, 0]},
    ...                      geometry=[box(i, 0, i + 1, 1) for i in range(5)], crs=27700)
    >>> r = gistar(z, "n", weights="rook", fdr=False)  # warns: fewer than 30 zones
    >>> round(float(r["z"].iloc[2]), 4)  # (9 - 3 * 1.8) / (3.6 * sqrt((5 * 3 - 9) / 4))
    0.8165
    """
    zs = as_polygons(zones)
    y = _values(zs, column)
    if not 0 < alpha < 1:
        raise WorkbenchError(f"gistar: alpha must be between 0 and 1, found {alpha}")
    if len(zs) < MIN_ZONES:
        msg = (
            f"gistar: only {len(zs)} zones (fewer than {MIN_ZONES}); Gi* z-scores rely on a "
            "normal approximation and may be unreliable"
        )
        logger.warning(msg)
        warnings.warn(msg, UserWarning, stacklevel=2)
    g, wlabel = weights_with_label(zs, weights, k=k, knn=knn)
    island_pos = np.flatnonzero(g.cardinalities.to_numpy() == 0)
    islands = [zs.index[i] for i in island_pos]
    gi, z = gi_star(y, g)
    p = 2.0 * stats.norm.sf(np.abs(z))
    out = zs.copy()
    out["gi"] = gi
    out["z"] = z
    out["p"] = p
    p_used = adjust_p(p, fdr)
    if fdr:
        out["p_fdr"] = p_used
    out["significant"] = p_used <= alpha
    out["bin"] = gi_bins(z, p_used)
    res = GiStar(
        frame=out,
        cells=grid_spec(zones),
        statistic="Getis-Ord Gi* (binary weights, self included; analytic z)",
        weights=wlabel,
        fdr="Benjamini-Hochberg" if fdr else None,
        alpha=alpha,
        p_value="two-sided normal",
        islands=islands,
        untestable=[zs.index[i] for i in np.flatnonzero(~np.isfinite(z))],
        n_hot=int(((out["bin"] > 0) & out["significant"]).sum()),
        n_cold=int(((out["bin"] < 0) & out["significant"]).sum()),
    )
    logger.info(
        "gistar: %d zones, %s weights, fdr=%s, alpha=%g: %d hot, %d cold significant",
        len(out),
        res.weights,
        fdr,
        alpha,
        res.n_hot,
        res.n_cold,
    )
    return res


def gi_bins(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Gi_Bin: sign(z) * (3 if p <= 0.01, 2 if p <= 0.05, 1 if p <= 0.10, else 0).

    >>> gi_bins(np.array([3.0, -2.0, 1.7, 0.5]), np.array([0.001, 0.04, 0.09, 0.6])).tolist()
    [3, -2, 1, 0]
    """
    z = np.asarray(z, dtype=float)
    p = np.asarray(p, dtype=float)
    level = np.select([p <= 0.01, p <= 0.05, p <= 0.10], [3, 2, 1], default=0)
    sign = np.sign(np.nan_to_num(z))
    return (level * sign).astype(np.int64)


def gi_star(y: np.ndarray, graph: Any) -> tuple[np.ndarray, np.ndarray]:
    """G_i* and its analytic z-score for one variable, via ``esda.G_Local``.

    ``graph`` holds binary neighbours; esda gives every zone a self-weight of 1 (``star=True``
    with ``transform="B"``), or keeps the diagonal when the graph already has one.
    """
    lg = esda.G_Local(np.asarray(y, float), graph, transform="B", star=True, permutations=0)
    return np.asarray(lg.Gs, dtype=float), np.asarray(lg.Zs, dtype=float)


def _values(zs: pd.DataFrame, column: str) -> np.ndarray:
    if column not in zs.columns:
        raise WorkbenchError(
            f"gistar/lisa: column {column!r} not found; columns are {list(zs.columns)[:12]}"
        )
    y = finite_numbers(zs, column, f"column {column!r}")
    if np.all(y == 0):
        raise WorkbenchError(
            f"column {column!r}: all values are zero; there is nothing to find hot spots in "
            "(check the points fall in the zones and the period is right)"
        )
    if np.all(y == y[0]):
        raise WorkbenchError(
            f"column {column!r}: all {len(y)} values are equal ({y[0]:g}); local statistics "
            "need some variation"
        )
    return y
