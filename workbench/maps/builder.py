"""MapBuilder: a folium map with a title, period, sources, licences, layers and their legends."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
from branca.element import MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template

from workbench.errors import WorkbenchError
from workbench.licences import OGL, os_attribution
from workbench.maps import layers as L
from workbench.maps.display import (
    DEFAULT_DECIMALS,
    DEFAULT_TOLERANCE_M,
    geojson_geometries,
    to_display,
)
from workbench.maps.legends import LegendControl
from workbench.maps.popups import escape

__all__ = [
    "DISCLOSURE_ID",
    "MapBuilder",
    "OGL",
    "os_attribution",
    "LIBRARIES",
    "LEAFLET_JS",
    "LEAFLET_CSS",
]

logger = logging.getLogger(__name__)

#: ``id`` of the JSON script describing a map's layers for the disclosure audit.
DISCLOSURE_ID = "workbench-disclosure"

#: The JavaScript libraries an offline map carries, with their licences (named on the map).
LIBRARIES = (
    ("Leaflet", "1.9.3", "BSD-2-Clause"),
    ("Leaflet.markercluster", "1.4.1", "MIT"),
)
#: Leaflet from its CDN (online maps only; offline maps inline the XStatic-Leaflet files).
LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"


@dataclass
class _Drawn:
    layer: L.MapLayer
    var: str
    data_var: str = ""  # the GeoJSON's own name (inside a marker cluster it differs)
    image: bool = False  # drawn as one image (a grid of many cells: ``raster_cells``)


def _as_grid(
    data: gpd.GeoDataFrame,
) -> tuple[float, tuple[float, float], tuple[int, int], Any, Any] | None:
    """``data`` as cells of a square grid: cell size, lower-left origin, (rows, columns) and
    each feature's row and column (row 0 southernmost); None when the polygons are not cells
    of one lattice of equal axis-aligned squares (British National Grid).

    Cells clipped by the study boundary (a grid's edge cells) count as their whole square: an
    image draws them whole, at most one cell beyond the boundary.
    """
    import numpy as np
    import shapely

    geoms = data.geometry.to_numpy()
    # polygons (a clipped edge cell may be a multipolygon)
    if not len(geoms) or not np.isin(shapely.get_type_id(geoms), (3, 6)).all():
        return None
    b = shapely.bounds(geoms)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    full = np.isclose(w, h, rtol=1e-6) & np.isclose(shapely.area(geoms), w * h, rtol=1e-6)
    if full.sum() < len(geoms) / 2:
        return None
    cell = float(np.median(w[full]))
    tol = cell * 1e-6
    if cell <= 0 or np.abs(w[full] - cell).max() > tol or (np.maximum(w, h) > cell + tol).any():
        return None
    fx, fy = float(b[full, 0][0]), float(b[full, 1][0])
    col = np.floor(((b[:, 0] + b[:, 2]) / 2 - fx) / cell).astype(np.int64)
    row = np.floor(((b[:, 1] + b[:, 3]) / 2 - fy) / cell).astype(np.int64)
    x_lo, y_lo = fx + col * cell, fy + row * cell
    inside = (
        (b[:, 0] >= x_lo - tol)
        & (b[:, 2] <= x_lo + cell + tol)
        & (b[:, 1] >= y_lo - tol)
        & (b[:, 3] <= y_lo + cell + tol)
    )
    if not inside.all():
        return None
    if len(np.unique(row * (col.max() + 1 - col.min()) + (col - col.min()))) != len(geoms):
        return None  # two features in one cell: not a grid
    c0, r0 = int(col.min()), int(row.min())
    origin = (fx + c0 * cell, fy + r0 * cell)
    col, row = col - c0, row - r0
    return cell, origin, (int(row.max()) + 1, int(col.max()) + 1), row, col


class _Notice(MacroElement):
    """Title box (title, period, sources, licences, libraries) as a Leaflet control.

    All text is escaped in Python and passed to JavaScript as a JSON string.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .wb-notice {background:rgba(255,255,255,0.94);padding:6px 9px;border-radius:4px;
          box-shadow:0 1px 4px rgba(0,0,0,0.3);font:12px/1.35 Arial,Helvetica,sans-serif;
          max-width:360px}
        .wb-notice h1 {font-size:16px;margin:0 0 2px 0}
        .wb-notice .wb-period {font-weight:bold;margin-bottom:3px}
        .wb-notice .wb-small {font-size:10.5px;color:#444}
        .leaflet-container {background: {{ this.background }};}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var ctl = L.control({position: "topleft"});
            ctl.onAdd = function() {
                var div = L.DomUtil.create('div', 'wb-notice');
                div.innerHTML = {{ this.body|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            ctl.addTo(map);
            {%- if this.attribution %}
            map.attributionControl.addAttribution({{ this.attribution|tojson }});
            {%- endif %}
        })();
        {% endmacro %}
        """
    )

    def __init__(self, body: str, attribution: str, background: str) -> None:
        super().__init__()
        self._name = "Notice"
        self.body = body
        self.attribution = attribution
        self.background = background


class MapBuilder:
    """Build a layered interactive map that says what it shows.

    Every map carries a title, the period, the data sources and the licence attributions
    (in a title box and the attribution line), one legend section per visible layer (hidden
    with its layer in the layer control), and a layer control listing every layer.

    Parameters
    ----------
    title : str
        What the map shows, e.g. "Drug offences: hot spots (Gi*)".
    period : str
        The period covered, e.g. "December 2019 to October 2022".
    sources : list of str
        Data sources, e.g. ["Police recorded crime, data.police.uk (Kent Police)"].
    attributions : list of str, optional
        Licence attributions. Default: the OGL statement and the OS boundary statement
        without a year (:func:`os_attribution`); with a study, pass
        :attr:`workbench.study.Study.map_attributions` (it carries the boundary year).
    tiles : str or None, default None
        A folium tile name (e.g. "OpenStreetMap"). None draws a plain background: offline maps
        should keep None, because tiles are fetched from the network.
    tolerance_m, decimals :
        Display geometry precision (see :func:`workbench.maps.display.to_display`).
    background : str
        Background colour when there are no tiles.
    threshold : int, default 5
        Counts from 1 to ``threshold - 1`` are shown as "*" in every layer's pop-ups (pass
        ``study.config.suppression_threshold``); a layer method's own ``threshold=`` wins.
    raster_cells : int, optional
        A polygon layer of more features than this that is a square grid (KDE, Gi* on a grid)
        is drawn as one image with a click lookup instead of one GeoJSON polygon a cell (the
        hot spot explorer at fine cells). Its colours and pop-up texts are the layer's own, so
        what is withheld stays withheld; the map's disclosure description marks it
        ``"drawn_as": "image"``. Default None: always polygons (saved report maps, which the
        run's disclosure audit reads feature by feature).

    Examples
    --------
    >>> mb = MapBuilder("Drug offences", "2021-22", sources=["data.police.uk"])  # doctest: +SKIP
    >>> mb.add_gistar(gi).add_imd(study.lsoas, show=False).add_outline(study.area, "Study area")
    >>> save_map(mb, "output/drugs_gistar.html", offline=True)
    """

    def __init__(
        self,
        title: str,
        period: str,
        sources: Sequence[str] = (),
        *,
        attributions: Sequence[str] | None = None,
        tiles: str | None = None,
        tolerance_m: float = DEFAULT_TOLERANCE_M,
        decimals: int = DEFAULT_DECIMALS,
        background: str = "#f4f3ef",
        threshold: int = 5,
        raster_cells: int | None = None,
    ) -> None:
        if not isinstance(title, str) or not title.strip():
            raise WorkbenchError(f"title: expected a non-empty string, received {title!r}")
        if isinstance(sources, str):
            sources = [sources]
        self.title = title
        self.period = str(period)
        self.sources = [str(s) for s in sources]
        self.attributions = (
            [OGL, os_attribution()] if attributions is None else [str(a) for a in attributions]
        )
        self.tiles = tiles
        self.tolerance_m = tolerance_m
        self.decimals = decimals
        self.background = background
        if not isinstance(threshold, int) or threshold < 1:
            raise WorkbenchError(f"threshold: expected a whole number >= 1, received {threshold!r}")
        self.threshold = threshold
        if raster_cells is not None and (not isinstance(raster_cells, int) or raster_cells < 1):
            raise WorkbenchError(
                f"raster_cells: expected a whole number >= 1 or None, received {raster_cells!r}"
            )
        self.raster_cells = raster_cells
        self.layers: list[L.MapLayer] = []

    # ------------------------------------------------------------------ adding layers
    def add(self, layer: L.MapLayer) -> MapBuilder:
        """Add a prepared :class:`~workbench.maps.layers.MapLayer`; returns self."""
        if not isinstance(layer, L.MapLayer):
            raise WorkbenchError(f"layer: expected a MapLayer, received {type(layer).__name__}")
        if any(existing.name == layer.name for existing in self.layers):
            raise WorkbenchError(f"layer name {layer.name!r} is already used on this map")
        self.layers.append(layer)
        return self

    def add_gistar(
        self, result: gpd.GeoDataFrame, name: str = "Hot spots (Gi*)", **kw: Any
    ) -> MapBuilder:
        """Gi* hot/cold spots; see :func:`workbench.maps.layers.gistar_layer`."""
        kw.setdefault("threshold", self.threshold)
        return self.add(L.gistar_layer(result, name, **kw))

    def add_kde(
        self, result: gpd.GeoDataFrame, name: str = "Density (KDE)", **kw: Any
    ) -> MapBuilder:
        """Kernel density surface; see :func:`workbench.maps.layers.kde_layer`."""
        kw.setdefault("threshold", self.threshold)
        return self.add(L.kde_layer(result, name, **kw))

    def add_emerging(
        self, result: gpd.GeoDataFrame, name: str = "Emerging hot spots", **kw: Any
    ) -> MapBuilder:
        """Emerging hot spot categories; see :func:`workbench.maps.layers.emerging_layer`."""
        kw.setdefault("threshold", self.threshold)
        return self.add(L.emerging_layer(result, name, **kw))

    def add_lisa(
        self, result: gpd.GeoDataFrame, name: str = "Clusters (Local Moran)", **kw: Any
    ) -> MapBuilder:
        """Local Moran clusters; see :func:`workbench.maps.layers.lisa_layer`."""
        kw.setdefault("threshold", self.threshold)
        return self.add(L.lisa_layer(result, name, **kw))

    def add_choropleth(
        self, gdf: gpd.GeoDataFrame, column: str, name: str | None = None, **kw: Any
    ) -> MapBuilder:
        """Any column, mapclassify scheme or fixed bins; see
        :func:`workbench.maps.layers.choropleth_layer`. Pass ``count=`` (the count column the
        value derives from) to withhold and grey out areas with small counts."""
        kw.setdefault("threshold", self.threshold)
        return self.add(L.choropleth_layer(gdf, column, name, **kw))

    def add_rates(
        self, gdf: gpd.GeoDataFrame, name: str = "Rate per 10,000", **kw: Any
    ) -> MapBuilder:
        """Rates; areas with counts 1 to ``threshold - 1`` are withheld in pop-ups and drawn
        grey, outside the class breaks (``suppress_small=False`` to colour them); see
        :func:`workbench.maps.layers.rate_layer`."""
        kw.setdefault("threshold", self.threshold)
        return self.add(L.rate_layer(gdf, name, **kw))

    def add_imd(self, lsoas: gpd.GeoDataFrame, name: str | None = None, **kw: Any) -> MapBuilder:
        """Deprivation deciles (1 = most deprived), named by the LSOAs' index; see
        :func:`workbench.maps.layers.imd_layer`."""
        return self.add(L.imd_layer(lsoas, name, **kw))

    def add_points(self, gdf: gpd.GeoDataFrame, name: str, **kw: Any) -> MapBuilder:
        """Points, clustered when many; see :func:`workbench.maps.layers.points_layer`
        (points of protected events are withheld)."""
        kw.setdefault("threshold", self.threshold)
        return self.add(L.points_layer(gdf, name, **kw))

    def add_outline(self, gdf: gpd.GeoDataFrame, name: str, **kw: Any) -> MapBuilder:
        """Boundary lines; see :func:`workbench.maps.layers.outline_layer`."""
        return self.add(L.outline_layer(gdf, name, **kw))

    # ------------------------------------------------------------------ text
    def notice_html(self) -> str:
        """HTML of the title box (every text escaped)."""
        libs = "; ".join(f"{n} {v} ({lic})" for n, v, lic in LIBRARIES)
        parts = [
            f"<h1>{escape(self.title)}</h1>",
            f'<div class="wb-period">{escape(self.period)}</div>',
        ]
        if self.sources:
            parts.append(
                '<div class="wb-sources">Sources: '
                + "; ".join(escape(s) for s in self.sources)
                + "</div>"
            )
        if self.attributions:
            parts.append(
                '<div class="wb-small wb-attribution">'
                + " ".join(escape(a) for a in self.attributions)
                + "</div>"
            )
        parts.append(f'<div class="wb-small wb-libraries">Map software: {escape(libs)}.</div>')
        return "".join(parts)

    def attribution_line(self) -> str:
        """One line for static maps: sources and licence attributions."""
        bits = []
        if self.sources:
            bits.append("Sources: " + "; ".join(self.sources) + ".")
        bits.extend(self.attributions)
        return " ".join(bits)

    def short_attribution(self) -> str:
        """The few words shown in Leaflet's attribution line (the full text is in the title box)."""
        text = " ".join(self.attributions).lower()
        bits = []
        if "open government licence" in text:
            bits.append("OGL v3.0")
        if "crown copyright" in text:
            ordnance = "os data" in text or "ordnance survey" in text
            bits.append("© Crown copyright" + (" (OS)" if ordnance else ""))
        return " | ".join(bits)

    # ------------------------------------------------------------------ folium
    def to_folium(self, *, collapsed: bool = False) -> folium.Map:
        """Build the folium map (online form: Leaflet from its CDN until saved offline).

        jQuery, Bootstrap, Font Awesome, glyphicons and Leaflet.awesome-markers, which folium
        loads by default, are left out: the map uses plain circle markers and its own legend
        and title controls.
        """
        if not self.layers:
            raise WorkbenchError("MapBuilder: add at least one layer before building the map")
        m = folium.Map(
            location=None,
            tiles=self.tiles,
            zoom_control="bottomright",
            control_scale=True,
            prefer_canvas=False,
        )
        # Without tiles Leaflet has no maximum zoom, which Leaflet.markercluster needs.
        m.options["max_zoom"] = 18
        # Instance attributes shadow folium's class-level lists (jQuery, Bootstrap, ...).
        m.default_js = [("leaflet", LEAFLET_JS)]
        m.default_css = [("leaflet_css", LEAFLET_CSS)]
        page_title = escape(f"{self.title} ({self.period})")
        m.get_root().header.add_child(
            folium.Element(
                f'<title>{page_title}</title><meta name="generator" content="workbench.maps" />'
            ),
            name="wb_generator",
        )
        drawn: list[_Drawn] = []
        bounds = None
        for layer in self.layers:
            grid = (
                _as_grid(layer.data)
                if self.raster_cells is not None
                and layer.kind == "polygon"
                and len(layer.fill) == len(layer.data) > self.raster_cells
                else None
            )
            if grid is not None:
                var, b = self._draw_image(m, layer, grid)
                drawn.append(_Drawn(layer, var, var, image=True))
                bounds = b if bounds is None else [
                    min(bounds[0], b[0]), min(bounds[1], b[1]),
                    max(bounds[2], b[2]), max(bounds[3], b[3]),
                ]  # fmt: skip
                continue
            # Positional index: pop-up texts and colours are lists in row order.
            disp = to_display(
                layer.data.reset_index(drop=True),
                tolerance_m=0 if layer.kind == "point" else self.tolerance_m,
                decimals=self.decimals,
                argument=layer.name,
            )
            var = self._draw(m, layer, disp)
            drawn.append(_Drawn(layer, var, self._data_var))
            if len(disp):
                b = disp.total_bounds
                bounds = (
                    b
                    if bounds is None
                    else [
                        min(bounds[0], b[0]),
                        min(bounds[1], b[1]),
                        max(bounds[2], b[2]),
                        max(bounds[3], b[3]),
                    ]
                )
        m.get_root().header.add_child(
            folium.Element(self._disclosure_script(drawn)), name="wb_disclosure"
        )
        sections = [(d.var, d.layer.legend) for d in drawn if d.layer.legend is not None]
        if sections:
            m.add_child(LegendControl(sections))
        m.add_child(
            _Notice(
                self.notice_html(),
                escape(self.short_attribution()),
                self.background,
            )
        )
        folium.LayerControl(collapsed=collapsed, position="topright").add_to(m)
        if bounds is not None:
            # frame the data to the right of the title box and legend (both on the left side,
            # about 390 px wide) so no box covers what the map is about
            m.fit_bounds(
                [[bounds[1], bounds[0]], [bounds[3], bounds[2]]],
                padding_top_left=(400, 10),
                padding_bottom_right=(20, 10),
            )
        return m

    @staticmethod
    def _disclosure_script(drawn: list[_Drawn]) -> str:
        """The map's disclosure description for the run-level audit, as a JSON script.

        One entry per layer: its name, the JavaScript name of its GeoJSON (the audit finds
        the features in ``<var>_add({...})`` and the fills in ``<var>_styler``), and, for a
        layer that shows counts, whether it is protected and which pop-up properties
        (``f0``, ``f1``, ...) hold the count and the values derived from it
        (:func:`workbench.maps.layers.disclosure_note`).
        """
        from workbench.maps.offline import _htmlsafe_json

        layers = []
        for d in drawn:
            keys = {label: f"f{i}" for i, label in enumerate(d.layer.fields)}
            entry: dict[str, Any] = {"layer": d.layer.name, "var": d.var, "kind": d.layer.kind}
            if d.image:
                entry["drawn_as"] = "image"
            if d.data_var and d.data_var != d.var:
                entry["data_var"] = d.data_var
            disc = d.layer.disclosure
            if disc is None:
                entry["counts_shown"] = False
            else:
                entry.update(
                    {
                        "counts_shown": True,
                        "protected": disc["protected"],
                        "threshold": disc["threshold"],
                        "count": keys.get(disc["count"]) if disc["count"] else None,
                        "derived": [keys[k] for k in disc["derived"] if k in keys],
                        "fill_from_count": disc["fill_from_count"],
                        "withheld_fill": disc["withheld_fill"] if disc["fill_from_count"] else None,
                        "points": bool(disc.get("points", False)),
                    }
                )
            layers.append(entry)
        return (
            f'<script type="application/json" id="{DISCLOSURE_ID}">'
            + _htmlsafe_json({"version": 1, "layers": layers})
            + "</script>"
        )

    def _draw_image(self, m: folium.Map, layer: L.MapLayer, grid: tuple) -> tuple[str, list]:
        """Draw a grid layer of many cells as one image with a click lookup; returns the
        JavaScript name of the overlay and its (west, south, east, north) bounds.

        The colours are the layer's own fills (decided, with what is withheld, in
        :mod:`workbench.maps.layers`) and the pop-up rows its own escaped texts, so the image
        shows exactly what the polygons would; only the drawing differs (one PNG instead of
        one GeoJSON polygon a cell: the explorer at 50 m cells).
        """
        import numpy as np

        from workbench.maps.national import CellClick, cell_image

        cell, origin, shape, row, col = grid
        palette = sorted(set(layer.fill))
        index = {c: i for i, c in enumerate(palette)}
        cls = np.full(shape, -1, dtype=np.int64)
        cls[row, col] = [index[c] for c in layer.fill]
        alpha = int(round(255 * layer.fill_opacity))
        url, b, _ = cell_image(
            cls, palette, origin, cell, max_pixels=min(2400, 4 * max(shape)), alpha=alpha
        )
        overlay = folium.raster_layers.ImageOverlay(
            url, bounds=b, name=escape(layer.name), interactive=False, show=layer.show
        )
        overlay.add_to(m)
        flat = row * shape[1] + col
        fields: dict[str, list[str | None]] = {}
        for label, texts in layer.fields.items():
            column: list[str | None] = [None] * (shape[0] * shape[1])
            for i, t in zip(flat.tolist(), texts, strict=True):
                column[i] = t
            fields[escape(label)] = column
        click = CellClick(overlay, fields, shape, origin, cell)
        if click.error_m <= cell / 10:
            click.add_to(m)
        else:  # pragma: no cover - a grid larger than a region
            logger.warning("%s: drawn without pop-ups (grid too large)", layer.name)
        self._data_var = overlay.get_name()
        return overlay.get_name(), [b[0][1], b[0][0], b[1][1], b[1][0]]

    def _draw(self, m: folium.Map, layer: L.MapLayer, disp: gpd.GeoDataFrame) -> str:
        """Add one layer to ``m``; returns the JavaScript name of the toggled layer.

        Why folium.GeoJson rather than ``GeoDataFrame.explore(m=...)``: explore embeds every
        column at full float precision (the benchmark's baseline is two to three times our
        size), passes values unescaped to GeoJsonTooltip/GeoJsonPopup (which use innerHTML),
        and its continuous legends are branca colormaps that load d3 from a CDN, which an
        offline map cannot. Colours, classes (mapclassify) and legends are decided once in
        :mod:`workbench.maps.layers` and reused by the static map.
        """
        keys = [f"f{i}" for i in range(len(layer.fields))]
        labels = [escape(lab) for lab in layer.fields]
        rows = [int(i) for i in disp.index]
        geoms = geojson_geometries(disp)
        features = []
        for j, (row, geom) in enumerate(zip(rows, geoms, strict=True)):
            props = {k: vals[row] for k, vals in zip(keys, layer.fields.values(), strict=True)}
            features.append(
                {"type": "Feature", "id": str(j), "properties": props, "geometry": geom}
            )
        data = {"type": "FeatureCollection", "features": features}
        fills = [layer.fill[r] for r in rows] if layer.fill else []
        escaped_name = escape(layer.name)

        if layer.kind == "outline":
            base = {"color": layer.stroke, "weight": layer.weight, "fill": False}

            def style(feature: dict, base: dict = base) -> dict:
                return base
        else:
            opacity = 1.0 if layer.kind == "point" else 0.9

            def style(feature: dict) -> dict:
                return {
                    "fillColor": fills[int(feature["id"])],
                    "color": layer.stroke,
                    "weight": layer.weight,
                    "fillOpacity": layer.fill_opacity,
                    "opacity": opacity,
                }

        tooltip = popup = None
        if keys:
            n_tip = max(1, min(layer.tooltip, len(keys)))
            tooltip = folium.GeoJsonTooltip(fields=keys[:n_tip], aliases=labels[:n_tip])
            if len(keys) > n_tip:
                popup = folium.GeoJsonPopup(fields=keys, aliases=labels)
        marker = folium.CircleMarker(radius=layer.radius) if layer.kind == "point" else None
        gj = folium.GeoJson(
            data,
            name=escaped_name,
            style_function=style,
            tooltip=tooltip,
            popup=popup,
            marker=marker,
            # Inside a cluster group the GeoJSON is always added to the group; the group's
            # own ``show`` decides whether it is on the map when it opens.
            show=layer.show or (layer.kind == "point" and layer.cluster),
            interactive=bool(keys),
        )
        if layer.kind == "point" and layer.cluster:
            group = MarkerCluster(
                name=escaped_name,
                show=layer.show,
                options={"showCoverageOnHover": False, "maxClusterRadius": 40},
            )
            gj.control = False
            gj.add_to(group)
            group.add_to(m)
            self._data_var = gj.get_name()
            return group.get_name()
        gj.add_to(m)
        self._data_var = gj.get_name()
        return gj.get_name()

    # ------------------------------------------------------------------ convenience
    def _repr_html_(self) -> str:
        """Show the map in a notebook: the offline page in an iframe (works with no network)."""
        from workbench.maps.offline import compact_geojson, make_offline, render_html

        page = compact_geojson(render_html(self))
        if self.tiles is None:
            page = make_offline(page)
        return (
            f'<iframe srcdoc="{escape(page)}" style="width:100%;height:600px;border:none" '
            'sandbox="allow-scripts"></iframe>'
        )

    def save(self, path: str | Path, *, offline: bool = True) -> Path:
        """Build and save; see :func:`workbench.maps.offline.save_map`."""
        from workbench.maps.offline import save_map

        return save_map(self, path, offline=offline)
