"""Local Moran's I (LISA) clusters and outliers with permutation p-values."""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any

import esda
import numpy as np

from workbench.errors import WorkbenchError
from workbench.hotspots._checks import adjust_p, as_polygons
from workbench.hotspots.gistar import MIN_ZONES, _values
from workbench.hotspots.results import Lisa, grid_spec
from workbench.hotspots.weights import weights_with_label

__all__ = ["lisa", "LISA_LABELS"]

logger = logging.getLogger(__name__)

#: esda quadrant code -> label (esda: 1 HH, 2 LH, 3 LL, 4 HL).
LISA_LABELS = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}
NOT_SIGNIFICANT = "Not significant"


def lisa(
    zones: Any,
    column: str,
    weights: Any = "queen",
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.05,
    *,
    fdr: bool = False,
    k: int = 8,
    knn: int | None = None,
    n_jobs: int | None = None,
) -> Lisa:
    """Local Moran's I per zone with cluster labels, via ``esda.Moran_Local``.

    Conventions
    -----------
    * Weights: binary neighbours (queen/rook/knn/distance band, **no** self-weight),
      row-standardised (``transformation="r"``). Islands get a spatial lag of 0, are logged and
      listed in ``islands``; they are labelled "Not significant".
    * Statistic (esda): I_i = (n - 1) z_i sum_j w_ij z_j / sum_k z_k^2 with
      z = (y - ybar) / sd(y); equivalently I_i = (y_i - ybar) sum_j w_ij (y_j - ybar) / m2 with
      **m2 = sum (y - ybar)^2 / (n - 1)**: esda's variance denominator is n - 1 (GeoDa uses
      n; the two differ by the factor (n - 1) / n, which does not change p-values or labels).
    * p: esda's conditional-permutation pseudo p-value ``p_sim`` = (min(#sim >= I, #sim < I)
      + 1) / (permutations + 1) (a folded, one-tailed-per-side value), with the given ``seed``.
    * ``fdr=True`` applies Benjamini-Hochberg to p_sim before comparing with ``alpha``
      (off by default, as in GeoDa and esda).
    * cluster: "High-High", "Low-Low" (clusters), "High-Low", "Low-High" (outliers) for
      significant zones, from the sign of z_i and of its lag; otherwise "Not significant".

    Parameters
    ----------
    zones : GeoDataFrame
        Polygons in EPSG:27700.
    column : str
        Numeric column.
    weights, k, knn
        As in :func:`gistar`.
    permutations : int, default 999
    seed : int, default 12345
        Seed for the permutations (results are reproducible).
    alpha : float, default 0.05
    fdr : bool, default False
    n_jobs : int, optional
        Processes for the permutations (default: 2 or the number of CPUs if fewer).

    Returns
    -------
    Lisa
        ``frame``: ``zones`` with ``I``, ``p`` (p_sim), ``p_fdr`` (when fdr), ``z_sim``,
        ``quadrant`` (1 HH, 2 LH, 3 LL, 4 HL), ``significant``, ``cluster``. Settings:
        ``weights``, ``permutations``, ``seed``, ``alpha``, ``variance``, ``islands``,
        ``clusters`` (counts).
    """
    zs = as_polygons(zones)
    y = _values(zs, column)
    if permutations < 99:
        raise WorkbenchError(
            f"lisa: permutations must be at least 99 for usable p-values, found {permutations}"
        )
    if not 0 < alpha < 1:
        raise WorkbenchError(f"lisa: alpha must be between 0 and 1, found {alpha}")
    if len(zs) < MIN_ZONES:
        msg = f"lisa: only {len(zs)} zones (fewer than {MIN_ZONES}); clusters may be unreliable"
        logger.warning(msg)
        warnings.warn(msg, UserWarning, stacklevel=2)
    g, wlabel = weights_with_label(zs, weights, k=k, knn=knn)
    island_pos = np.flatnonzero(g.cardinalities.to_numpy() == 0)
    islands = [zs.index[i] for i in island_pos]
    if n_jobs is None:
        n_jobs = max(1, min(2, os.cpu_count() or 1))
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.filterwarnings("ignore", message=".*islands.*")
        # esda announces a future switch to two-sided p_sim; we document the current (folded)
        # convention and keep it.
        warnings.filterwarnings("ignore", message=".*alternative hypothesis.*")
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        warnings.filterwarnings("ignore", message=".*row_stack.*")
        lm = esda.Moran_Local(
            y, g, transformation="r", permutations=permutations, n_jobs=n_jobs, seed=seed
        )
    p = np.asarray(lm.p_sim, dtype=float)
    out = zs.copy()
    out["I"] = np.asarray(lm.Is, dtype=float)
    out["p"] = p
    p_used = adjust_p(p, fdr)
    if fdr:
        out["p_fdr"] = p_used
    out["z_sim"] = np.asarray(lm.z_sim, dtype=float)
    q = np.asarray(lm.q, dtype=int)
    out["quadrant"] = q
    sig = p_used <= alpha
    if islands:
        sig[island_pos] = False
    out["significant"] = sig
    out["cluster"] = np.where(
        sig, [LISA_LABELS.get(v, NOT_SIGNIFICANT) for v in q], NOT_SIGNIFICANT
    )
    counts = out["cluster"].value_counts().to_dict()
    res = Lisa(
        frame=out,
        cells=grid_spec(zones),
        statistic="Local Moran's I (esda.Moran_Local, row-standardised weights)",
        variance="m2 = sum((y - mean)^2) / (n - 1) (esda convention)",
        weights=wlabel,
        permutations=int(permutations),
        seed=seed,
        alpha=alpha,
        fdr="Benjamini-Hochberg" if fdr else None,
        p_value="conditional permutation pseudo p-value (esda p_sim)",
        islands=islands,
        clusters={str(k_): int(v) for k_, v in counts.items()},
    )
    logger.info(
        "lisa: %d zones, %d permutations (seed %s): %s",
        len(out),
        permutations,
        seed,
        res.clusters,
    )
    return res
