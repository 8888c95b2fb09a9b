"""Save maps as one self-contained HTML file: Leaflet inlined from XStatic packages, no network.

folium writes ``<script src>``/``<link href>`` tags pointing at CDNs. For an offline map the
rendered HTML is rewritten: Leaflet and Leaflet.markercluster are inlined from the pinned
registry packages XStatic-Leaflet and XStatic-Leaflet-MarkerCluster (installed with the
workbench, never copied into the repository); the images Leaflet's stylesheet refers to become
``data:`` URIs; what an offline map does not need (jQuery, Bootstrap, Font Awesome, glyphicons,
Leaflet.awesome-markers) is dropped; anything else external is an error rather than a silent
network request.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from functools import cache
from pathlib import Path

import folium

from workbench.errors import WorkbenchError

__all__ = [
    "save_map",
    "render_html",
    "make_offline",
    "compact_geojson",
    "external_references",
    "asset_paths",
]

logger = logging.getLogger(__name__)

_SCRIPT_RE = re.compile(r'<script\s+src="([^"]+)"\s*>\s*</script>', re.IGNORECASE)
_LINK_RE = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"]+)"\s*/?>', re.IGNORECASE)
_EXTERNAL_RE = re.compile(
    r'<(?:script|link|img|iframe|source|video|audio|embed)\b[^>]*?\s(?:src|href)="'
    r'((?:https?:)?//[^"]+)"',
    re.IGNORECASE,
)
_GEOJSON_ADD_RE = re.compile(r"^([ \t]*geo_json_[0-9a-f]+_add\()(\{.*\})(\);)[ \t]*$", re.MULTILINE)
_CSS_URL_RE = re.compile(r"url\((['\"]?)(images/[^)'\"]+)\1\)")

#: Resources folium may link that an offline workbench map does not use.
_DROP = (
    "jquery",
    "bootstrap",
    "awesome-markers",
    "awesome_markers",
    "fontawesome",
    "font-awesome",
    "glyphicons",
    "leaflet.awesome.rotate",
)


def asset_paths() -> dict[str, Path]:
    """Paths of the inlined files inside the installed XStatic packages.

    Raises
    ------
    WorkbenchError
        When a package is missing (install the workbench with pip to get them).
    """
    try:
        import xstatic.pkg.leaflet as xs_leaflet
        import xstatic.pkg.leaflet_markercluster as xs_cluster
    except ImportError as exc:  # pragma: no cover - both are dependencies
        raise WorkbenchError(
            "offline maps need the XStatic-Leaflet and XStatic-Leaflet-MarkerCluster packages: "
            "pip install 'XStatic-Leaflet==1.9.3.0' 'XStatic-Leaflet-MarkerCluster==1.4.1.1'"
        ) from exc
    leaf = Path(xs_leaflet.BASE_DIR)
    clus = Path(xs_cluster.BASE_DIR)
    paths = {
        "leaflet.js": leaf / "leaflet.js",
        "leaflet.css": leaf / "leaflet.css",
        "leaflet.markercluster.js": clus / "leaflet.markercluster.js",
        "MarkerCluster.css": clus / "MarkerCluster.css",
        "MarkerCluster.Default.css": clus / "MarkerCluster.Default.css",
    }
    for name, p in paths.items():
        if not p.is_file():
            raise WorkbenchError(
                f"offline maps: {name} not found at {p}; reinstall XStatic-Leaflet"
            )
    return paths


@cache
def _asset_text(name: str) -> str:
    path = asset_paths()[name]
    text = path.read_text(encoding="utf-8")
    # Source-map comments would make developer tools look for a .map file next to the HTML.
    text = re.sub(r"/[/*]# sourceMappingURL=\S+\s*(\*/)?", "", text)
    if name.endswith(".css"):
        base = path.parent

        def inline(match: re.Match) -> str:
            img = base / match.group(2)
            if not img.is_file():
                return "none"
            data = base64.b64encode(img.read_bytes()).decode("ascii")
            return f'url("data:image/png;base64,{data}")'

        text = _CSS_URL_RE.sub(inline, text)
    return text


def _asset_for(url: str) -> str | None:
    """Which XStatic file serves ``url`` (by its file name), or None."""
    tail = url.rsplit("/", 1)[-1].split("?", 1)[0]
    for name in ("leaflet.markercluster.js", "MarkerCluster.Default.css", "MarkerCluster.css"):
        if tail == name:
            return name
    if tail in ("leaflet.js", "leaflet.css"):
        return tail
    return None


def _drop(url: str) -> bool:
    low = url.lower()
    return any(key in low for key in _DROP)


def render_html(m: folium.Map | object) -> str:
    """The HTML folium writes for ``m`` (a folium Map or a MapBuilder)."""
    if hasattr(m, "to_folium"):
        m = m.to_folium()
    if not isinstance(m, folium.Map):
        raise WorkbenchError(f"m: expected a folium Map or MapBuilder, received {type(m).__name__}")
    return m.get_root().render()


def make_offline(html: str) -> str:
    """Rewrite folium's HTML into a self-contained page (see the module docstring).

    Raises
    ------
    WorkbenchError
        When the page links an external resource that has no offline copy (e.g. a tile
        layer's plugin or vega), naming the URL.
    """
    if re.search(r"L\.tileLayer\(", html):
        raise WorkbenchError(
            "offline map: the map has a tile layer, which needs the network; build it with "
            "tiles=None or save with offline=False"
        )
    used: list[str] = []

    def inline(url: str, suffix: str, kind: str, wrap) -> str:
        """The local copy of ``url`` wrapped for inlining, "" for a dropped asset, or an error."""
        name = _asset_for(url)
        if name is not None and name.endswith(suffix):
            used.append(name)
            return wrap(name, _asset_text(name))
        if _drop(url):
            logger.debug("offline map: dropped %s", url)
            return ""
        raise WorkbenchError(
            f"offline map: the page loads the {kind} {url}, which has no offline copy; "
            "remove the feature that needs it or save with offline=False"
        )

    def script(match: re.Match) -> str:
        return inline(
            match.group(1),
            ".js",
            "script",
            lambda name, body: (
                f"<script>/* {name} (inlined) */\n"
                + body.replace("</script", "<\\/script")
                + "\n</script>"
            ),
        )

    def link(match: re.Match) -> str:
        return inline(
            match.group(1),
            ".css",
            "stylesheet",
            lambda name, body: f"<style>/* {name} (inlined) */\n{body}\n</style>",
        )

    out = _SCRIPT_RE.sub(script, html)
    out = _LINK_RE.sub(link, out)
    if "leaflet.js" not in used:
        raise WorkbenchError("offline map: the page does not load Leaflet; is it a folium map?")
    left = external_references(out)
    if left:
        raise WorkbenchError(
            f"offline map: external resource(s) remain after inlining: {left[:3]}; "
            "remove tile layers (tiles=None) or save with offline=False"
        )
    return out


def _htmlsafe_json(obj: object) -> str:
    # The same escaping folium (and jinja's tojson) applies, without the spaces.
    return (
        json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )


def compact_geojson(html: str) -> str:
    """Re-serialise the GeoJSON folium embeds without the spaces after ``,`` and ``:``.

    folium writes each layer's data with ``json.dumps`` defaults (``", "`` and ``": "``), which
    is about a tenth of a map's size; the data are parsed and written again, HTML-safe.
    """

    def one(match: re.Match) -> str:
        try:
            data = json.loads(match.group(2))
        except json.JSONDecodeError:
            return match.group(0)
        return match.group(1) + _htmlsafe_json(data) + match.group(3)

    return _GEOJSON_ADD_RE.sub(one, html)


def external_references(html: str) -> list[str]:
    """URLs of external scripts, stylesheets, images or frames the page would request."""
    return _EXTERNAL_RE.findall(html)


def save_map(m: folium.Map | object, path: str | Path, *, offline: bool = True) -> Path:
    """Save a map as ONE HTML file.

    Parameters
    ----------
    m : folium.Map or MapBuilder
        The map (a MapBuilder is built first).
    path : str or Path
        Where to write; parent folders are created.
    offline : bool, default True
        True: Leaflet and every script and stylesheet inlined, no request to any external
        host; a map with a tile layer is refused (tiles need the network). False: folium's
        usual output, with Leaflet from its CDN (and any tiles asked for).

    Returns
    -------
    Path of the written file.
    """
    path = Path(path)
    html = compact_geojson(render_html(m))
    if offline:
        html = make_offline(html)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    logger.info(
        "Saved %s map %s (%.0f kB)", "offline" if offline else "online", path, len(html) / 1024
    )
    return path
