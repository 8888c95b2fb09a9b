"""Quartic kernel density estimation on a grid, exact at cell centres, and dual KDE."""

from __future__ import annotations

import dataclasses
import logging
import math
import warnings
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely
from scipy.spatial import cKDTree

from workbench.errors import WorkbenchError
from workbench.hotspots._checks import as_points, weights_array
from workbench.hotspots.grids import grid, grid_over_bounds
from workbench.hotspots.results import DualSurface, Grid, GridSpec, Result, Surface

__all__ = ["kde", "dual_kde", "default_bandwidth", "QUARTIC_NORMAL_FACTOR", "FFT_MIN_WORK"]

logger = logging.getLogger(__name__)

#: Factor turning a Gaussian normal-reference bandwidth into the AMISE-equivalent bandwidth of
#: the 2-D quartic kernel: ((R(Kq)/mu2(Kq)^2) / (R(Kg)/mu2(Kg)^2))^(1/6) with, per axis,
#: R(Kq) = 9/(5 pi), mu2(Kq) = 1/8 (Kq(u) = 3/pi (1-|u|^2)^2) and R(Kg) = 1/(4 pi), mu2(Kg) = 1,
#: i.e. 460.8^(1/6) = 2.779.
QUARTIC_NORMAL_FACTOR = (2304.0 / 5.0) ** (1.0 / 6.0)

#: ``kde(method="auto")`` takes the binned FFT path on square grids from this much work
#: (points × cells within one bandwidth, n·π(h/cell)²); set from
#: ``benchmarks/bench_scale.py --part kde`` (see docs/scale.md).
FFT_MIN_WORK = 5e7
#: Bins per bandwidth of the FFT path: bins are at most h / this across (and an odd number per
#: cell, so that cell centres are bin centres).
_BINS_PER_H = 4.0


def default_bandwidth(points: Any, weights: str | None = None) -> float:
    """Normal-reference bandwidth (metres) for the quartic kernel.

    h = 2.779 * sigma * n^(-1/6), where

    * sigma = sqrt((s_x^2 + s_y^2) / 2), the root mean of the two coordinate variances
      (denominator n - 1);
    * n^(-1/6) is Scott's rule in two dimensions, n the number of points;
    * 2.779 (:data:`QUARTIC_NORMAL_FACTOR`) converts the Gaussian bandwidth to the quartic
      kernel's equivalent (same asymptotic mean integrated squared error).

    With ``weights`` the conventions of ``scipy.stats.gaussian_kde`` are used: weighted
    variances ``numpy.cov(..., aweights=w)`` (denominator V1 - V2/V1, V1 = sum w,
    V2 = sum w^2) and Kish's effective number of points n = V1^2 / V2 in place of the
    count. Both are unchanged when every weight is multiplied by the same number, and equal
    the unweighted values when all weights are equal.

    Raises
    ------
    WorkbenchError
        Fewer than two points (or two points with positive weight), or all points at one
        place.

    Examples
    --------
    >>> import geopandas as gpd
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([0, 1000], [0, 0]), crs=27700)
    >>> round(default_bandwidth(pts), 1)  # 2.7792 * sqrt((500,000 + 0) / 2) * 2^(-1/6)
    1238.0
    """
    pts = as_points(points)
    w = weights_array(pts, weights)
    xy = np.vstack([pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()])
    if weights is None:
        n_eff = float(len(pts))
    else:
        v1, v2 = float(w.sum()), float((w * w).sum())
        n_eff = v1 * v1 / v2 if v2 > 0 else 0.0
    if not n_eff >= 2 - 1e-9 or np.count_nonzero(w) < 2:
        raise WorkbenchError(
            f"bandwidth: cannot choose a default bandwidth from {np.count_nonzero(w)} point(s) "
            "with positive weight; give bandwidth= in metres"
        )
    cov = np.cov(xy, aweights=None if weights is None else w)
    sigma = math.sqrt(max((cov[0, 0] + cov[1, 1]) / 2, 0.0))
    if not sigma > 0:
        raise WorkbenchError(
            "bandwidth: all points are at the same place, so no default bandwidth can be "
            "chosen; give bandwidth= in metres"
        )
    return float(QUARTIC_NORMAL_FACTOR * sigma * n_eff ** (-1.0 / 6.0))


def kde(
    points: Any,
    cell_size: float | None = None,
    bandwidth: float | None = None,
    weights: str | None = None,
    zones: Any = None,
    *,
    shape: Literal["square", "hex"] = "square",
    method: Literal["auto", "exact", "fft"] = "auto",
) -> Surface:
    """Quartic kernel density of points at grid-cell centres (exact; binned FFT for large work).

    density(c) = 10^6 * sum_i w_i * 3 / (pi h^2) * (1 - (d_ic / h)^2)^2 for d_ic <= h,
    where d_ic is the distance in metres from point i to the centre of cell c and h the
    bandwidth. The factor 3/(pi h^2) makes each kernel integrate to 1, so the surface is in
    **points (or weight) per km^2** and sums (times the cell area in km^2) to the number of
    points, apart from kernel mass falling outside the grid.

    Parameters
    ----------
    points : GeoDataFrame
        Points in EPSG:27700 (other CRSs are reprojected, and this is logged).
    cell_size : float, optional
        Cell size in metres when the grid is built here (see :func:`grid`; default about 50
        cells along the shorter side). Ignored when ``zones`` is already a grid.
    bandwidth : float, optional
        Kernel radius h in metres. Default :func:`default_bandwidth` (normal reference).
        A warning is given when h is smaller than one cell.
    weights : str, optional
        Column of ``points`` with a weight per point (e.g. population of a centroid).
    zones : Grid or GeoDataFrame, optional
        A :class:`~workbench.hotspots.Grid` from :func:`grid` or any hotspot result over one
        (used as is), or study-area polygon(s) to cover with a new grid. Default: a grid over
        the points' bounds. A plain frame of grid cells (columns ``cell_id``, ``x``, ``y``,
        e.g. a grid after ``merge``) is refused: it no longer knows its cell size and origin;
        pass the :class:`Grid`, or ``grid.with_frame(merged)``.
    shape : {"square", "hex"}
        Cell shape when the grid is built here.
    method : {"auto", "exact", "fft"}
        ``exact``: the kernel summed over every point within h of each cell centre.
        ``fft``: the points linearly binned onto a grid of bins (the cells, or cells split
        into an odd number of bins so that a bin is at most h/4 across), convolved with the
        quartic kernel by ``scipy.signal.fftconvolve``, read at the cell centres; square grids
        only. ``auto`` (default): ``fft`` on square grids when points × cells within h
        exceeds :data:`FFT_MIN_WORK`, else ``exact``.

    Returns
    -------
    Surface
        ``frame``: the grid with ``density`` (per km^2). Settings: ``cells`` (cell size,
        origin, shape), ``bandwidth``, ``bandwidth_rule`` ("given" or "normal reference
        (Scott 2-D, quartic-equivalent)"), ``kernel`` ("quartic"), ``units`` ("per km2"),
        ``normalisation``, ``n_points``, ``total_weight``, ``weights``, ``method`` ("exact"
        or "binned FFT ...").

    Notes
    -----
    The binned FFT surface differs from the exact one by the binning: linear binning moves
    no weight's centre of mass, so the error is second order in bin size / h. Measured
    (``benchmarks/bench_scale.py --part kde``): within 0.3% of the exact surface's maximum
    with bins of h/4 or smaller; the test suite checks 1% on a clustered pattern.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> pts = gpd.GeoDataFrame(geometry=[Point(50, 50)], crs="EPSG:27700")
    >>> area = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100)], crs="EPSG:27700")
    >>> r = kde(pts, cell_size=100, bandwidth=100, zones=area)
    >>> round(float(r["density"].iloc[0]), 3)  # 1e6 * 3 / (pi * 100^2) at distance 0
    95.493
    """
    pts = as_points(points)
    w = weights_array(pts, weights)
    rule = "given"
    if bandwidth is None:
        bandwidth = default_bandwidth(pts, weights)
        rule = "normal reference (Scott 2-D, quartic-equivalent factor 2.779)"
        logger.info("kde: default bandwidth %.1f m (%s)", bandwidth, rule)
    h = float(bandwidth)
    if not (h > 0 and math.isfinite(h)):
        raise WorkbenchError(f"kde: bandwidth must be a positive number of metres, found {h}")
    cells = _resolve_grid(pts, zones, cell_size, h, shape)
    spec = cells.cells
    cs = float(spec.cell_size)
    if h < cs:
        msg = (
            f"kde: bandwidth {h:g} m is smaller than one cell ({cs:g} m); the surface will be "
            "spiky and depend on where the grid falls. Use a bandwidth of at least one cell."
        )
        logger.warning(msg)
        warnings.warn(msg, UserWarning, stacklevel=2)
    if method not in ("auto", "exact", "fft"):
        raise WorkbenchError(f"kde: method must be 'auto', 'exact' or 'fft', found {method!r}")
    square = spec.shape == "square" and {"row", "col"} <= set(cells.frame.columns)
    if method == "fft" and not square:
        raise WorkbenchError("kde: method='fft' needs a square grid from grid()")
    work = len(pts) * math.pi * (h / cs) ** 2
    use_fft = method == "fft" or (method == "auto" and square and work >= FFT_MIN_WORK)
    if use_fft:
        xy = shapely.get_coordinates(pts.geometry.to_numpy())
        raw = _fft_sum(xy[:, 0], xy[:, 1], w, cells.frame, spec, h)
        how = "binned FFT (linear binning, scipy.signal.fftconvolve)"
    else:
        raw = kernel_sum(pts, cells, h, w)
        how = "exact"
    out = cells.frame.copy()
    out["density"] = raw * (3.0 / (math.pi * h * h)) * 1e6
    logger.info(
        "kde (%s): %d point(s), %d cells of %.0f m, bandwidth %.0f m (%s)",
        how,
        len(pts),
        len(out),
        cs,
        h,
        rule,
    )
    return Surface(
        frame=out,
        cells=spec,
        bandwidth=h,
        bandwidth_rule=rule,
        kernel="quartic (1-(d/h)^2)^2, d <= h",
        units="per km2",
        normalisation="3/(pi h^2) per point, x 1e6 for km2 (integrates to the count)",
        n_points=int(len(pts)),
        total_weight=float(w.sum()),
        weights=weights,
        method=how,
    )


def _resolve_grid(pts, zones, cell_size, h, shape) -> Grid:
    """The grid to evaluate on: a given grid, a grid over given polygons, or over the points."""
    if zones is not None and _is_grid(zones):
        return Grid(frame=zones.frame, cells=zones.cells)
    _refuse_bare_cells(zones)
    if zones is None:
        return grid_over_bounds(pts.total_bounds, h, cell_size, shape)
    g = grid(zones, cell_size=cell_size, shape=shape, clip=True)
    minx, miny, maxx, maxy = g.total_bounds
    x, y = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    near = (x >= minx - h) & (x <= maxx + h) & (y >= miny - h) & (y <= maxy + h)
    if not near.any():
        raise WorkbenchError(
            f"kde: none of the {len(pts)} point(s) lie within one bandwidth of the study area "
            f"(area bounds {tuple(round(b) for b in (minx, miny, maxx, maxy))}, points' bounds "
            f"{tuple(round(b) for b in pts.total_bounds)}, EPSG:27700)"
        )
    return g


def _is_grid(zones: Any) -> bool:
    """True for a Grid, or a hotspot result over one, whose frame keeps the cell centres."""
    return (
        isinstance(zones, Result)
        and zones.cells is not None
        and {"x", "y"} <= set(zones.frame.columns)
    )


def _refuse_bare_cells(zones: Any) -> None:
    """Refuse a plain frame of grid cells: re-gridding it would silently change the cells.

    A frame with ``cell_id``, ``x`` and ``y`` is a grid that lost its settings (e.g. through
    ``merge``); covering it with a new default grid gave about 10,000 cells of 20 m.
    """
    if isinstance(zones, gpd.GeoDataFrame) and {"cell_id", "x", "y"} <= set(zones.columns):
        raise WorkbenchError(
            "kde: zones is a frame of grid cells (columns cell_id, x, y) without its grid "
            "settings (cell size, origin); a frame that has been merged or copied loses them. "
            "Pass the Grid returned by hotspots.grid(), or grid.with_frame(merged_frame)"
        )


def kernel_sum(points: gpd.GeoDataFrame, cells: Grid, h: float, w: np.ndarray):
    """sum_i w_i (1 - (d_ic/h)^2)^2 over points within h of each cell centre (unnormalised).

    Square grids from :func:`grid` use a vectorised loop over cell offsets (each point against
    the centres of the cells within h of its own cell; exact distances). Other grids use
    ``scipy.spatial.cKDTree.sparse_distance_matrix``. Both are exact.
    """
    px = points.geometry.x.to_numpy(dtype=float)
    py = points.geometry.y.to_numpy(dtype=float)
    frame = cells.frame
    if cells.cells.shape == "square" and {"row", "col"} <= set(frame.columns):
        return _square_sum(px, py, w, frame, cells.cells, h)
    return _tree_sum(px, py, w, frame, h)


def _square_sum(px, py, w, cells, spec: GridSpec, h) -> np.ndarray:
    # Own code: scipy/sklearn have no exact finite-support kernel sum on a regular grid that
    # meets the 1 s target for 100,000 points. This loops over the cell offsets that can lie
    # within h of a point's own cell and is vectorised over points; distances are exact
    # (point to cell centre), nothing is binned.
    cs = float(spec.cell_size)
    x0, y0 = spec.origin
    rows = cells["row"].to_numpy()
    cols = cells["col"].to_numpy()
    nrow, ncol = int(rows.max()) + 1, int(cols.max()) + 1
    r = int(math.ceil(h / cs + 0.5))
    # Lookup of cell position by (row, col), padded by r on every side with a dummy bin n so
    # that no bounds checks are needed inside the loop.
    n = len(cells)
    ncp = ncol + 2 * r
    lookup = np.full((nrow + 2 * r) * ncp, n, dtype=np.int64)
    lookup[(rows + r) * ncp + cols + r] = np.arange(n)
    pc = np.floor((px - x0) / cs).astype(np.int64)
    pr = np.floor((py - y0) / cs).astype(np.int64)
    near = (pc >= 0) & (pc < ncol) & (pr >= 0) & (pr < nrow)
    # Points off the grid can still reach it: clamp them into the padding ring if near.
    outside = ~near & (pc >= -r) & (pc < ncol + r) & (pr >= -r) & (pr < nrow + r)
    keep = near | outside
    px, py, w, pc, pr = px[keep], py[keep], w[keep], pc[keep], pr[keep]
    fx = px - x0 - (pc + 0.5) * cs  # offset of each point from its own cell centre
    fy = py - y0 - (pr + 0.5) * cs
    inv_h2 = 1.0 / (h * h)
    base = (pr + r) * ncp + (pc + r)
    offsets = range(-r, r + 1)
    dx2 = {dj: (fx - dj * cs) ** 2 * inv_h2 for dj in offsets}
    dy2 = {di: (fy - di * cs) ** 2 * inv_h2 for di in offsets}
    out = np.zeros(n + 1)
    for di in offsets:
        gy = max(abs(di) - 0.5, 0.0) * cs
        for dj in offsets:
            gx = max(abs(dj) - 0.5, 0.0) * cs
            if gx * gx + gy * gy > h * h:
                continue  # no point of the own cell can be within h of this centre
            target = base + (di * ncp + dj)
            ok = (target >= 0) & (target < lookup.size)
            u = 1.0 - dx2[dj] - dy2[di]
            np.maximum(u, 0.0, out=u)
            u *= u
            u *= w
            if ok.all():
                out += np.bincount(lookup[target], weights=u, minlength=n + 1)
            else:
                out += np.bincount(lookup[target[ok]], weights=u[ok], minlength=n + 1)
    return out[:n]


def _fft_sum(px, py, w, cells, spec: GridSpec, h) -> np.ndarray:
    """The kernel sum at cell centres by linear binning and FFT convolution (square grids).

    Bins are the cells split ``m`` ways per side (``m`` odd, so a cell centre is a bin
    centre; ``m`` = smallest odd number with bin <= h/4). Each point's weight is shared
    between the four nearest bin centres in proportion to closeness (linear binning); the
    binned weights are convolved with the quartic kernel evaluated at bin-centre offsets
    (``scipy.signal.fftconvolve``). Padding of one bandwidth keeps points just off the grid.
    Own binning (numpy ``bincount``): scipy has the convolution but no linear binning.
    """
    from scipy.signal import fftconvolve

    cs = float(spec.cell_size)
    x0, y0 = spec.origin
    rows = cells["row"].to_numpy()
    cols = cells["col"].to_numpy()
    nrow, ncol = int(rows.max()) + 1, int(cols.max()) + 1
    m = max(1, math.ceil(_BINS_PER_H * cs / h))
    m += 1 - m % 2  # odd
    f = cs / m
    pad = math.ceil(h / f) + 1
    ny, nx = nrow * m + 2 * pad, ncol * m + 2 * pad
    # bin coordinates: bin k's centre is at origin + (k - pad + 0.5) f
    u = (px - x0) / f + pad - 0.5
    v = (py - y0) / f + pad - 0.5
    i0 = np.floor(v).astype(np.int64)
    j0 = np.floor(u).astype(np.int64)
    ok = (i0 >= 0) & (i0 < ny - 1) & (j0 >= 0) & (j0 < nx - 1)
    i0, j0, tv, tu, ww = i0[ok], j0[ok], v[ok] - i0[ok], u[ok] - j0[ok], w[ok]
    binned = np.zeros(ny * nx)
    for di, wi in ((0, 1.0 - tv), (1, tv)):
        for dj, wj in ((0, 1.0 - tu), (1, tu)):
            binned += np.bincount(
                (i0 + di) * nx + (j0 + dj), weights=ww * wi * wj, minlength=ny * nx
            )
    binned = binned.reshape(ny, nx)
    r = math.floor(h / f)
    off = np.arange(-r, r + 1) * f
    d2 = (off[:, None] ** 2 + off[None, :] ** 2) / (h * h)
    kern = np.clip(1.0 - d2, 0.0, None) ** 2
    conv = fftconvolve(binned, kern, mode="same")
    np.maximum(conv, 0.0, out=conv)  # FFT round-off can give tiny negatives
    ci = pad + rows * m + m // 2
    cj = pad + cols * m + m // 2
    return conv[ci, cj]


def _tree_sum(px, py, w, cells, h) -> np.ndarray:
    if {"x", "y"} <= set(cells.columns):
        cx, cy = cells["x"].to_numpy(float), cells["y"].to_numpy(float)
    else:
        c = cells.geometry.centroid
        cx, cy = c.x.to_numpy(), c.y.to_numpy()
    tp = cKDTree(np.column_stack([px, py]))
    tc = cKDTree(np.column_stack([cx, cy]))
    sdm = tp.sparse_distance_matrix(tc, h, output_type="ndarray")
    u = 1.0 - (sdm["v"] / h) ** 2
    u = np.clip(u, 0.0, None)
    return np.bincount(sdm["j"], weights=w[sdm["i"]] * u * u, minlength=len(cx))


def dual_kde(
    points: Any,
    reference: Any,
    method: Literal["ratio", "log", "difference"] = "ratio",
    *,
    weights: str | None = None,
    reference_weights: str | None = None,
    cell_size: float | None = None,
    bandwidth: float | None = None,
    zones: Any = None,
) -> DualSurface:
    """Risk surface from two kernel densities on the same grid with the same bandwidth.

    Parameters
    ----------
    points : GeoDataFrame
        The events (e.g. drug offences).
    reference : GeoDataFrame
        The population at risk (e.g. LSOA population-weighted centroids with
        ``reference_weights="population"``).
    method : {"ratio", "log", "difference"}
        ``ratio``: density(points) / density(reference), i.e. events per unit of reference
        weight (NaN where the reference density is 0). ``log``: natural log of that ratio (NaN
        where either density is 0). ``difference``: density(points)/total(points) -
        density(reference)/total(reference), the difference of the two surfaces each scaled to
        integrate to 1 (per km^2), positive where events are over-represented.
    weights, reference_weights : str, optional
        Weight columns of ``points`` / ``reference``.
    cell_size, bandwidth, zones
        As in :func:`kde`. The default bandwidth is chosen from ``points`` and used for both.

    Returns
    -------
    DualSurface
        ``frame``: grid with ``density``, ``reference_density`` (both per km^2) and ``risk``;
        settings as :func:`kde` plus ``risk`` (the method) and ``reference_total_weight``.
    """
    if method not in ("ratio", "log", "difference"):
        raise WorkbenchError(
            f"dual_kde: method must be 'ratio', 'log' or 'difference', found {method!r}"
        )
    pts = as_points(points)
    ref = as_points(reference, "reference")
    if bandwidth is None:
        bandwidth = default_bandwidth(pts, weights)
    if zones is None:
        b1, b2 = pts.total_bounds, ref.total_bounds
        bb = (min(b1[0], b2[0]), min(b1[1], b2[1]), max(b1[2], b2[2]), max(b1[3], b2[3]))
        zones = grid_over_bounds(bb, float(bandwidth), cell_size)
    elif not _is_grid(zones):
        _refuse_bare_cells(zones)
        zones = grid(zones, cell_size=cell_size, clip=True)
    a = kde(pts, bandwidth=bandwidth, weights=weights, zones=zones)
    b = kde(ref, bandwidth=bandwidth, weights=reference_weights, zones=zones)
    da = a["density"].to_numpy()
    db = b["density"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "ratio":
            risk = np.where(db > 0, da / db, np.nan)
        elif method == "log":
            risk = np.where((da > 0) & (db > 0), np.log(da / db), np.nan)
        else:
            risk = da / a.total_weight - db / b.total_weight
    out = a.to_frame()
    out["reference_density"] = db
    out["risk"] = risk
    settings = {
        f.name: getattr(a, f.name)
        for f in dataclasses.fields(a)
        if f.name not in ("frame", "cells")
    }
    return DualSurface(
        frame=out, cells=a.cells, **settings, risk=method, reference_total_weight=b.total_weight
    )
