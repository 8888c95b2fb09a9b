"""Map legends: colour/label items, their HTML, and a Leaflet control that follows layer toggles."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field

from branca.element import MacroElement
from folium.template import Template

__all__ = ["LegendItem", "Legend", "LegendControl", "legend_html"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LegendItem:
    """One legend entry: a fill colour (or point/line colour) and its label.

    ``shape`` is ``"box"`` (polygon fill), ``"line"`` (outline) or ``"circle"`` (point).
    """

    color: str
    label: str
    shape: str = "box"
    edge: str | None = None


@dataclass
class Legend:
    """The legend of one layer: a title, its items in display order and an optional note.

    ``note`` carries the classification convention (e.g. "Quantiles, 5 classes" or
    "Getis-Ord Gi*, two-sided p, FDR-adjusted") so the map says what it shows.
    """

    title: str
    items: list[LegendItem] = field(default_factory=list)
    note: str | None = None


def _swatch(item: LegendItem) -> str:
    color = html.escape(item.color, quote=True)
    edge = html.escape(item.edge or "#555555", quote=True)
    if item.shape == "line":
        style = f"border:0;border-top:3px solid {color};height:0;margin-top:7px"
    elif item.shape == "circle":
        style = f"background:{color};border:1px solid {edge};border-radius:50%"
    else:
        style = f"background:{color};border:1px solid {edge}"
    return f'<i class="wb-swatch" style="{style}"></i>'


def legend_html(legend: Legend) -> str:
    """HTML of one legend section; every text is HTML-escaped.

    Each entry carries the class ``wb-legend-item`` (the browser test counts them).
    """
    rows = "".join(
        f'<div class="wb-legend-item">{_swatch(it)}<span>{html.escape(it.label)}</span></div>'
        for it in legend.items
    )
    note = f'<div class="wb-legend-note">{html.escape(legend.note)}</div>' if legend.note else ""
    return f'<div class="wb-legend-title">{html.escape(legend.title)}</div>{rows}{note}'


_CSS = """
.wb-legend {background:rgba(255,255,255,0.92);padding:6px 8px;border-radius:4px;
  box-shadow:0 1px 4px rgba(0,0,0,0.3);font:12px/1.35 Arial,Helvetica,sans-serif;
  max-height:60vh;overflow-y:auto;max-width:260px}
.wb-legend-section {margin-top:6px;border-top:1px solid #ddd;padding-top:4px}
.wb-legend-section.wb-first {margin-top:0;border-top:0;padding-top:0}
.wb-legend-title {font-weight:bold;margin-bottom:2px}
.wb-legend-item {display:flex;align-items:center;gap:6px;white-space:nowrap}
.wb-swatch {display:inline-block;width:14px;height:12px;flex:none}
.wb-legend-note {color:#555;font-size:11px;margin-top:2px;white-space:normal}
"""


class LegendControl(MacroElement):
    """One Leaflet control holding a legend section per layer.

    A section is shown only while its layer is on the map: the control listens to the map's
    ``overlayadd``/``overlayremove`` events (fired by the LayerControl) and checks
    ``map.hasLayer(layer)`` for each section. The section HTML is built (and escaped) in Python
    and passed to JavaScript as a JSON string, so no input text is interpreted as markup.

    Parameters
    ----------
    sections : list of (str, Legend)
        The JavaScript variable name of each folium layer and its legend.
    position : str
        A Leaflet control position.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var sections = [
            {%- for var, body in this.sections %}
                [{{ var }}, {{ body|tojson }}],
            {%- endfor %}
            ];
            var ctl = L.control({position: {{ this.position|tojson }}});
            ctl.onAdd = function() {
                var div = L.DomUtil.create('div', 'wb-legend');
                L.DomEvent.disableScrollPropagation(div);
                sections.forEach(function(s) {
                    var sec = L.DomUtil.create('div', 'wb-legend-section', div);
                    sec.innerHTML = s[1];
                    s.push(sec);
                });
                return div;
            };
            ctl.addTo(map);
            function sync() {
                var any = false;
                sections.forEach(function(s) {
                    var on = map.hasLayer(s[0]);
                    s[2].style.display = on ? '' : 'none';
                    L.DomUtil[on && !any ? 'addClass' : 'removeClass'](s[2], 'wb-first');
                    any = any || on;
                });
                ctl.getContainer().style.display = any ? '' : 'none';
            }
            // The legend never runs under the title box: its height is what the map leaves
            // below the box (it scrolls beyond that), measured again when layers change or
            // the map is resized (a short frame in a report, a tall page on a screen).
            function fit() {
                var box = map.getContainer();
                var notice = box.querySelector('.wb-notice');
                var legend = ctl.getContainer();
                if (!notice || !legend) { return; }
                var bottom = notice.getBoundingClientRect().bottom;
                var room = legend.getBoundingClientRect().bottom - bottom - 12;
                legend.style.maxHeight = Math.max(60, Math.floor(room)) + 'px';
            }
            map.on('overlayadd overlayremove', function() { sync(); fit(); });
            map.on('resize', fit);
            sync();
            fit();
            // the title box may be added after this control: measure again once all the
            // map's scripts have run and the page has loaded
            setTimeout(fit, 0);
            window.addEventListener('load', fit);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, sections: list[tuple[str, Legend]], position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "LegendControl"
        self.css = _CSS
        self.position = position
        self.sections = [(var, legend_html(leg)) for var, leg in sections]
