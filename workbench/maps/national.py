"""Offline maps at national scale: 35,000 LSOAs, or a grid of 100,000+ cells, in one HTML file.

An ordinary folium map of every English LSOA, or of a national grid drawn as polygons, is tens
of megabytes and takes a browser longer than an analyst will wait. Two builders keep the file
small and the drawing fast, using the same offline saving (:func:`workbench.maps.save_map`):

* :func:`lsoa_map` simplifies the polygons as a coverage (``shapely.coverage_simplify``: shared
  edges stay shared, so no slivers or gaps appear), quantises coordinates (``set_precision`` in
  degrees), colours by class (mapclassify) and draws on Leaflet's canvas renderer; values show
  on hover.
* :func:`grid_map` draws a grid surface as one image (resampled from British National Grid to
  the Web Mercator pixels Leaflet shows, so the cells are not distorted) and keeps the values in
  the page: a click converts the position to BNG (a cubic polynomial fitted with pyproj,
  checked to a tenth of a cell) and shows the cell's value.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import MacroElement
from jinja2 import Template
from pyproj import Transformer

from workbench.errors import WorkbenchError
from workbench.geo import BNG, WGS84
from workbench.maps.legends import Legend, LegendControl, LegendItem
from workbench.maps.offline import save_map

__all__ = ["PreparedZones", "prepare", "lsoa_map", "grid_map", "cell_image", "CellClick", "PALETTE"]

logger = logging.getLogger(__name__)

#: Sequential colours (ColorBrewer YlOrRd, 5 classes), low to high.
PALETTE = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]


def _classes(values: np.ndarray, k: int) -> tuple[np.ndarray, list[str]]:
    """Quantile classes (mapclassify) and their labels."""
    import mapclassify

    finite = np.isfinite(values)
    k = min(k, max(1, len(np.unique(values[finite]))))
    q = mapclassify.Quantiles(values[finite], k=k)
    cls = np.full(len(values), -1, dtype=np.int64)
    cls[finite] = q.yb
    lo = [float(values[finite].min()), *q.bins[:-1]]
    labels = [f"{a:,.4g} to {b:,.4g}" for a, b in zip(lo, q.bins, strict=True)]
    return cls, labels


def _palette(k: int) -> list[str]:
    if k >= len(PALETTE):
        return PALETTE
    idx = np.linspace(0, len(PALETTE) - 1, k).round().astype(int)
    return [PALETTE[i] for i in idx]


@dataclass(frozen=True)
class PreparedZones:
    """LSOA polygons simplified as a coverage and quantised, ready to draw (:func:`prepare`):
    one preparation serves every map of the same polygons (a choropleth and a Gi* map).

    Attributes
    ----------
    codes : ndarray of str
        Zone codes, in the order of the zones given.
    geometries : ndarray of str
        Each zone's GeoJSON geometry text (WGS84, ``decimals`` places).
    bounds : tuple
        (west, south, east, north) in degrees.
    vertices_before, vertices_after : int
    """

    codes: np.ndarray
    geometries: np.ndarray
    bounds: tuple[float, float, float, float]
    vertices_before: int
    vertices_after: int


def prepare(
    zones: gpd.GeoDataFrame,
    *,
    code_column: str = "lsoa_code",
    tolerance: float = 75.0,
    decimals: int = 4,
) -> PreparedZones:
    """Simplify ``zones`` as a coverage and quantise them for :func:`lsoa_map`.

    Notes
    -----
    Simplification is topology-preserving for the coverage (``shapely.coverage_simplify``, GEOS
    3.12+: shared edges stay shared, no slivers or gaps); quantising then snaps vertices to a
    grid of 10^-decimals degrees with ``shapely.set_precision``, which keeps polygons valid.
    Polygons that collapse are kept unsimplified rather than dropped. The GeoJSON text of each
    polygon is written by GEOS (``shapely.to_geojson``).
    """
    if code_column not in zones.columns:
        raise WorkbenchError(
            f"lsoa_map: zones need a column {code_column!r}; found {list(zones.columns)[:10]}"
        )
    z = zones.to_crs(BNG)
    geoms = z.geometry.to_numpy()
    before = int(shapely.get_num_coordinates(geoms).sum())
    simple = shapely.coverage_simplify(geoms, tolerance)
    bad = shapely.is_empty(simple) | ~shapely.is_valid(simple)
    simple[bad] = geoms[bad]
    wgs = gpd.GeoSeries(simple, crs=BNG).to_crs(WGS84).to_numpy()
    quant = shapely.set_precision(wgs, 10.0**-decimals)
    lost = shapely.is_empty(quant)
    quant[lost] = wgs[lost]
    after = int(shapely.get_num_coordinates(quant).sum())
    minx, miny, maxx, maxy = shapely.total_bounds(quant)
    return PreparedZones(
        codes=z[code_column].astype(str).to_numpy(),
        geometries=shapely.to_geojson(quant),
        bounds=(float(minx), float(miny), float(maxx), float(maxy)),
        vertices_before=before,
        vertices_after=after,
    )


def _feature_collection(cov: PreparedZones, values: np.ndarray, cls: np.ndarray) -> str:
    """The GeoJSON text of the zones with properties ``c`` (code), ``v`` (value), ``k``
    (class), safe inside a ``<script>`` (codes escaped as :func:`_htmlsafe_json` does)."""
    from workbench.maps.offline import _htmlsafe_json

    parts = []
    for code, geom, v, k in zip(cov.codes, cov.geometries, values, cls, strict=True):
        value = "null" if not math.isfinite(v) else json.dumps(round(float(v), 3))
        parts.append(
            '{"type":"Feature","properties":{"c":' + _htmlsafe_json(str(code)) + ',"v":'
            + value + ',"k":' + str(int(k)) + '},"geometry":' + geom + "}"
        )  # fmt: skip
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def lsoa_map(
    zones: gpd.GeoDataFrame,
    column: str,
    path: str | Path,
    *,
    title: str,
    code_column: str = "lsoa_code",
    tolerance: float = 75.0,
    decimals: int = 4,
    k: int = 5,
    attribution: str = "",
    categories: dict[int, tuple[str, str]] | None = None,
    prepared: PreparedZones | None = None,
) -> dict:
    """Save a national choropleth of ``zones[column]`` as one offline HTML file.

    Parameters
    ----------
    zones : GeoDataFrame
        Polygons forming a coverage (LSOAs: no overlaps), any CRS, with ``code_column`` and
        ``column``.
    tolerance : float, default 75
        Simplification tolerance in metres (BNG), applied to the coverage as a whole.
    decimals : int, default 4
        Decimal places of longitude/latitude kept (4: about 7-11 m).
    k : int, default 5
        Quantile classes.
    categories : dict, optional
        Draw ``zones[column]`` as categories instead of quantile classes: value -> (colour,
        label), in legend order (for example Gi* bins). A value not listed shows as "no value".
    prepared : PreparedZones, optional
        ``prepare(zones, ...)`` already made (same zones, same order): not simplified again.

    Returns
    -------
    dict
        ``path``, ``bytes``, ``features``, ``vertices_before``, ``vertices_after``.

    Notes
    -----
    See :func:`prepare` for the simplification and quantisation.
    """
    if column not in zones.columns or code_column not in zones.columns:
        raise WorkbenchError(
            f"lsoa_map: zones need columns {code_column!r} and {column!r}; "
            f"found {list(zones.columns)[:10]}"
        )
    cov = prepared or prepare(
        zones, code_column=code_column, tolerance=tolerance, decimals=decimals
    )
    if len(cov.codes) != len(zones) or not np.array_equal(
        cov.codes, zones[code_column].astype(str).to_numpy()
    ):
        raise WorkbenchError("lsoa_map: prepared polygons are not those of zones (codes differ)")
    values = zones[column].to_numpy(dtype=float)
    if categories is None:
        cls, labels = _classes(values, k)
        colours = _palette(len(labels))
        note = f"Quantiles, {len(labels)} classes."
    else:
        keys = list(categories)
        colours = [categories[c][0] for c in keys]
        labels = [categories[c][1] for c in keys]
        lookup = {float(c): i for i, c in enumerate(keys)}
        cls = np.array([lookup.get(v, -1) for v in values], dtype=np.int64)
        note = ""
    minx, miny, maxx, maxy = cov.bounds
    m = folium.Map(tiles=None, prefer_canvas=True, control_scale=True)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    layer = _ClassGeoJson(_feature_collection(cov, values, cls), colours, column, name=title)
    layer.add_to(m)
    legend = Legend(
        title,
        [LegendItem(c, lab) for c, lab in zip(colours, labels, strict=True)]
        + ([LegendItem("#bdbdbd", "no value")] if (cls < 0).any() else []),
        note=f"{note} {attribution}".strip(),
    )
    LegendControl([(layer.get_name(), legend)]).add_to(m)
    _title(m, title)
    out = save_map(m, path)
    size = out.stat().st_size
    logger.info(
        "lsoa_map: %d polygons, %d -> %d vertices, %.1f MB",
        len(cov.codes),
        cov.vertices_before,
        cov.vertices_after,
        size / 1e6,
    )
    return {
        "path": out,
        "bytes": size,
        "features": len(cov.codes),
        "vertices_before": cov.vertices_before,
        "vertices_after": cov.vertices_after,
    }


class _ClassGeoJson(MacroElement):
    """A GeoJSON layer coloured by the class index in each feature (``k``): the palette is
    written once, not a style per feature; value on hover; canvas rendering."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function() {
            var pal = {{ this.colours|tojson }};
            var label = {{ this.label|tojson }};
            var data = {{ this.data }};
            var layer = L.geoJSON(data, {
                renderer: L.canvas(),
                style: function(f) {
                    var k = f.properties.k;
                    return {fillColor: k >= 0 ? pal[k] : '#bdbdbd', fillOpacity: 0.8,
                            color: '#666', weight: 0.2};
                },
                onEachFeature: function(f, l) {
                    var v = f.properties.v;
                    l.bindTooltip(f.properties.c + ': ' + label + ' ' +
                                  (v === null ? 'no value' : v.toLocaleString()),
                                  {sticky: true});
                }
            });
            layer.addTo({{ this._parent.get_name() }});
            return layer;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, data: str, colours: list[str], label: str, name: str) -> None:
        super().__init__()
        self._name = "ClassGeoJson"
        self.data = data
        self.colours = colours
        self.label = label
        self.layer_name = name


class _Title(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var ctl = L.control({position: 'topright'});
            ctl.onAdd = function() {
                var d = L.DomUtil.create('div', 'wb-legend');
                d.textContent = {{ this.text|tojson }};
                d.style.fontWeight = 'bold';
                return d;
            };
            ctl.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def _title(m: folium.Map, text: str) -> None:
    _Title(text).add_to(m)


@functools.lru_cache(maxsize=16)
def _fit_inverse(x0, y0, x1, y1) -> tuple[list[float], list[float], float]:
    """Cubic polynomials (lon, lat) -> (E, N) over a BNG box, and their largest error (m)."""
    to_wgs = Transformer.from_crs(BNG, WGS84, always_xy=True)
    gx, gy = np.meshgrid(np.linspace(x0, x1, 41), np.linspace(y0, y1, 41))
    lon, lat = to_wgs.transform(gx.ravel(), gy.ravel())
    lon0, lat0 = float(np.mean(lon)), float(np.mean(lat))
    u, v = lon - lon0, lat - lat0
    terms = [np.ones_like(u), u, v, u * u, u * v, v * v, u**3, u * u * v, u * v * v, v**3]
    a = np.column_stack(terms)
    ce, *_ = np.linalg.lstsq(a, gx.ravel(), rcond=None)
    cn, *_ = np.linalg.lstsq(a, gy.ravel(), rcond=None)
    err = float(np.hypot(a @ ce - gx.ravel(), a @ cn - gy.ravel()).max())
    return [lon0, lat0, *ce.tolist()], [lon0, lat0, *cn.tolist()], err


def _rgba(colour: str, alpha: int) -> list[int]:
    c = colour.lstrip("#")
    return [int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha]


def cell_image(
    cls: np.ndarray,
    colours: list[str],
    origin: tuple[float, float],
    cell_size: float,
    *,
    max_pixels: int = 2400,
    alpha: int = 210,
) -> tuple[str, list[list[float]], tuple[int, int]]:
    """A grid of British National Grid cells drawn as one PNG for a Leaflet image overlay.

    ``cls[row, col]`` (row 0 southernmost, from the lower-left ``origin``) is an index into
    ``colours`` (-1: transparent). The image is resampled, nearest cell, to the Web Mercator
    pixels Leaflet shows (at most ``max_pixels`` on the longer side), so the cells are not
    distorted.

    Returns
    -------
    (str, list, (int, int))
        The image as a ``data:`` URL, its bounds ``[[south, west], [north, east]]`` in degrees,
        and its width and height in pixels.
    """
    from PIL import Image

    ny, nx = cls.shape
    w, h, where, cells, bounds = _pixels(
        float(origin[0]), float(origin[1]), float(cell_size), ny, nx, int(max_pixels)
    )
    rgba = np.zeros((len(colours) + 1, 4), dtype=np.uint8)  # last: transparent
    for i, c in enumerate(colours):
        rgba[i] = _rgba(c, alpha)
    pick = np.full(w * h, len(colours), dtype=np.int64)
    ci = cls.ravel()[cells]
    pick[where] = np.where(ci >= 0, ci, len(colours))
    img = rgba[pick].reshape(h, w, 4)
    buf = io.BytesIO()
    Image.fromarray(img, "RGBA").save(buf, format="PNG", optimize=True)
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return url, [list(bounds[0]), list(bounds[1])], (w, h)


def _lattice_transform(
    transformer: Transformer, px: np.ndarray, py: np.ndarray, step: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """``transformer`` on every point of the lattice ``px`` x ``py`` (image order, raveled):
    exactly at every ``step``-th pixel (and the last) and bilinearly between them.

    Notes
    -----
    Web Mercator to British National Grid is smooth: over ``step`` pixels of a city-scale
    image (a few hundred metres) the straight line between two exact points departs from the
    true transform by well under a millimetre, so a pixel's cell changes only where the cell
    edge passes within that of the pixel's centre. Transforming every pixel of a 1,000 by
    900 image took 0.75 s of the explorer's first drawing of a 50 m grid. The interpolation is
    scipy's ``RegularGridInterpolator`` (linear) over pixel numbers.
    """
    from scipy.interpolate import RegularGridInterpolator

    cols = np.unique(np.r_[np.arange(0, len(px), step), len(px) - 1])
    rows = np.unique(np.r_[np.arange(0, len(py), step), len(py) - 1])
    gx, gy = np.meshgrid(px[cols], py[rows])
    exact = [np.asarray(a).reshape(gx.shape) for a in transformer.transform(gx, gy)]
    # bilinear in pixel numbers (rows and columns ascending; the image's y runs south)
    ii, jj = np.meshgrid(np.arange(len(py)), np.arange(len(px)), indexing="ij")
    at = np.column_stack([ii.ravel(), jj.ravel()])
    return tuple(RegularGridInterpolator((rows, cols), e)(at) for e in exact)


@functools.lru_cache(maxsize=16)
def _pixels(
    x0: float, y0: float, cell_size: float, ny: int, nx: int, max_pixels: int
) -> tuple[int, int, np.ndarray, np.ndarray, tuple]:
    """The Web Mercator pixels of a BNG grid: width, height, the pixels inside the grid, the
    cell (``row * nx + col``) each shows, and the bounds. Kept per grid (the explorer redraws
    the same grid at every change)."""
    x1, y1 = x0 + nx * cell_size, y0 + ny * cell_size
    to_wgs = Transformer.from_crs(BNG, WGS84, always_xy=True)
    to_merc = Transformer.from_crs(WGS84, "EPSG:3857", always_xy=True)
    from_merc = Transformer.from_crs("EPSG:3857", BNG, always_xy=True)
    edge_x = np.r_[np.linspace(x0, x1, 50), np.full(50, x1), np.linspace(x0, x1, 50), [x0] * 50]
    edge_y = np.r_[[y0] * 50, np.linspace(y0, y1, 50), np.full(50, y1), np.linspace(y0, y1, 50)]
    lon, lat = to_wgs.transform(edge_x, edge_y)
    mx, my = to_merc.transform(lon, lat)
    mx0, mx1, my0, my1 = float(mx.min()), float(mx.max()), float(my.min()), float(my.max())
    scale = max(mx1 - mx0, my1 - my0) / max_pixels
    w, h = int(math.ceil((mx1 - mx0) / scale)), int(math.ceil((my1 - my0) / scale))
    px = mx0 + (np.arange(w) + 0.5) * scale
    py = my1 - (np.arange(h) + 0.5) * scale  # image rows run north to south
    ex, ey = _lattice_transform(from_merc, px, py)
    col = np.floor((ex - x0) / cell_size).astype(np.int64)
    row = np.floor((ey - y0) / cell_size).astype(np.int64)
    inside = (col >= 0) & (col < nx) & (row >= 0) & (row < ny)
    where = np.flatnonzero(inside)
    cells = row[inside] * nx + col[inside]
    where.flags.writeable = cells.flags.writeable = False
    to_lonlat = Transformer.from_crs("EPSG:3857", WGS84, always_xy=True)
    (w_lon, e_lon), (s_lat, n_lat) = to_lonlat.transform([mx0, mx1], [my0, my1])
    return w, h, where, cells, ((s_lat, w_lon), (n_lat, e_lon))


def grid_map(
    values: np.ndarray,
    origin: tuple[float, float],
    cell_size: float,
    path: str | Path,
    *,
    title: str,
    label: str = "value",
    k: int = 5,
    max_pixels: int = 2400,
    attribution: str = "",
    digits: int = 3,
) -> dict:
    """Save a national grid surface (``values[row, col]``, row 0 southernmost, BNG cells of
    ``cell_size`` metres from the lower-left ``origin``) as one offline HTML file.

    The surface is one PNG image overlay (cells resampled, nearest cell, to Web Mercator
    pixels: at most ``max_pixels`` on the longer side), coloured by quantile class of the
    non-zero values (zero and NaN cells transparent). The values themselves (``digits``
    significant digits) are in the page: clicking shows the cell's reference and value.

    Returns
    -------
    dict
        ``path``, ``bytes``, ``cells``, ``image`` (width, height), ``inverse_error_m``.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise WorkbenchError(f"grid_map: values must be a 2-D array, found shape {values.shape}")
    ny, nx = values.shape
    x0, y0 = origin
    x1, y1 = x0 + nx * cell_size, y0 + ny * cell_size
    show = np.isfinite(values) & (values != 0)
    flat_cls, labels = _classes(np.where(show, values, np.nan).ravel(), k)
    cls = flat_cls.reshape(values.shape)
    colours = _palette(len(labels))
    url, bounds, (w, h) = cell_image(cls, colours, origin, cell_size, max_pixels=max_pixels)
    m = folium.Map(tiles=None, control_scale=True)
    m.fit_bounds(bounds)
    overlay = folium.raster_layers.ImageOverlay(url, bounds=bounds, name=title, interactive=False)
    overlay.add_to(m)
    ce, cn, err = _fit_inverse(x0, y0, x1, y1)
    if err > cell_size / 10:
        raise WorkbenchError(
            f"grid_map: the grid is too large for the click lookup (position error {err:.0f} m "
            f"> a tenth of a {cell_size:g} m cell); split it into regions"
        )
    shown = [None if not math.isfinite(v) else float(f"{v:.{digits}g}") for v in values.ravel()]
    _GridClick(
        shown, nx, ny, x0, y0, cell_size, ce, cn, label
    ).add_to(m)  # fmt: skip
    legend = Legend(
        title,
        [LegendItem(c, lab) for c, lab in zip(colours, labels, strict=True)],
        note=f"Quantiles of the non-zero cells, {len(labels)} classes; {cell_size:g} m cells "
        f"(British National Grid); zero cells transparent. Click a cell for its value. "
        f"{attribution}".strip(),
    )
    LegendControl([(overlay.get_name(), legend)]).add_to(m)
    _title(m, title)
    out = save_map(m, path)
    size = out.stat().st_size
    logger.info("grid_map: %d cells, image %dx%d, %.1f MB", nx * ny, w, h, size / 1e6)
    return {
        "path": out,
        "bytes": size,
        "cells": nx * ny,
        "image": (w, h),
        "inverse_error_m": err,
    }


class _GridClick(MacroElement):
    """Click: longitude/latitude -> BNG (fitted cubic) -> the cell's value in a popup."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var vals = {{ this.values|tojson }};
            var nx = {{ this.nx }}, ny = {{ this.ny }}, x0 = {{ this.x0 }}, y0 = {{ this.y0 }};
            var cs = {{ this.cs }}, ce = {{ this.ce|tojson }}, cn = {{ this.cn|tojson }};
            var label = {{ this.label|tojson }};
            function poly(c, lon, lat) {
                var u = lon - c[0], v = lat - c[1];
                return c[2] + c[3]*u + c[4]*v + c[5]*u*u + c[6]*u*v + c[7]*v*v +
                       c[8]*u*u*u + c[9]*u*u*v + c[10]*u*v*v + c[11]*v*v*v;
            }
            map.on('click', function(e) {
                var E = poly(ce, e.latlng.lng, e.latlng.lat);
                var N = poly(cn, e.latlng.lng, e.latlng.lat);
                var c = Math.floor((E - x0) / cs), r = Math.floor((N - y0) / cs);
                if (c < 0 || c >= nx || r < 0 || r >= ny) { return; }
                var v = vals[r * nx + c];
                var ex = Math.round(x0 + (c + 0.5) * cs), no = Math.round(y0 + (r + 0.5) * cs);
                L.popup().setLatLng(e.latlng).setContent(
                    '<b>' + label + ':</b> ' + (v === null ? 'no value' : v.toLocaleString()) +
                    '<br>cell centre E ' + ex + ', N ' + no + ' (row ' + r + ', column ' + c + ')'
                ).openOn(map);
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, values, nx, ny, x0, y0, cs, ce, cn, label) -> None:
        super().__init__()
        self.values = values
        self.nx, self.ny, self.x0, self.y0, self.cs = nx, ny, float(x0), float(y0), float(cs)
        self.ce, self.cn, self.label = ce, cn, label


class CellClick(MacroElement):
    """Click on a cell of a grid drawn as an image: its pop-up rows (``fields``: escaped label
    -> one escaped text per cell, ``None`` where no cell is drawn; index ``row * nx + col``,
    row 0 southernmost), found by converting the position to British National Grid with
    fitted cubics (:func:`fit_inverse`). Shown only while the ``layer`` is on the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }}, layer = {{ this.layer }};
            var labels = {{ this.labels|tojson }}, cols = {{ this.columns|tojson }};
            var nx = {{ this.nx }}, ny = {{ this.ny }}, x0 = {{ this.x0 }}, y0 = {{ this.y0 }};
            var cs = {{ this.cs }}, ce = {{ this.ce|tojson }}, cn = {{ this.cn|tojson }};
            function poly(c, lon, lat) {
                var u = lon - c[0], v = lat - c[1];
                return c[2] + c[3]*u + c[4]*v + c[5]*u*u + c[6]*u*v + c[7]*v*v +
                       c[8]*u*u*u + c[9]*u*u*v + c[10]*u*v*v + c[11]*v*v*v;
            }
            map.on('click', function(e) {
                if (!map.hasLayer(layer)) { return; }
                var E = poly(ce, e.latlng.lng, e.latlng.lat);
                var N = poly(cn, e.latlng.lng, e.latlng.lat);
                var c = Math.floor((E - x0) / cs), r = Math.floor((N - y0) / cs);
                if (c < 0 || c >= nx || r < 0 || r >= ny) { return; }
                var i = r * nx + c;
                if (!cols.length || cols[0][i] === null) { return; }
                var rows = [];
                for (var j = 0; j < labels.length; j++) {
                    rows.push('<b>' + labels[j] + ':</b> ' + cols[j][i]);
                }
                L.popup().setLatLng(e.latlng).setContent(rows.join('<br>')).openOn(map);
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        layer: Any,
        fields: dict[str, list[str | None]],
        shape: tuple[int, int],
        origin: tuple[float, float],
        cell_size: float,
    ) -> None:
        super().__init__()
        self.layer = layer.get_name()
        self.labels = list(fields)
        self.columns = list(fields.values())
        self.ny, self.nx = shape
        self.x0, self.y0, self.cs = float(origin[0]), float(origin[1]), float(cell_size)
        x1, y1 = self.x0 + self.nx * self.cs, self.y0 + self.ny * self.cs
        self.ce, self.cn, self.error_m = _fit_inverse(self.x0, self.y0, x1, y1)


def fit_inverse(x0, y0, x1, y1) -> tuple[list[float], list[float], float]:
    """Cubic polynomials (lon, lat) -> (E, N) over a BNG box, and their largest error (m)."""
    return _fit_inverse(x0, y0, x1, y1)
