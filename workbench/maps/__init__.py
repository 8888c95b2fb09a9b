"""Maps for meetings: layered offline HTML maps (folium/Leaflet) and static PNG/PDF maps."""

from workbench.maps.browser import find_chromium, launch_browser, screenshot
from workbench.maps.builder import LIBRARIES, OGL, MapBuilder, os_attribution
from workbench.maps.display import to_display
from workbench.maps.layers import (
    EMERGING_COLORS,
    GISTAR_CLASSES,
    LISA_COLORS,
    MapLayer,
    choropleth_layer,
    emerging_layer,
    gistar_layer,
    imd_layer,
    kde_layer,
    lisa_layer,
    outline_layer,
    points_layer,
    rate_layer,
)
from workbench.maps.legends import Legend, LegendItem
from workbench.maps.offline import external_references, make_offline, save_map
from workbench.maps.popups import escape
from workbench.maps.static import static_map

__all__ = [
    "EMERGING_COLORS",
    "GISTAR_CLASSES",
    "LIBRARIES",
    "LISA_COLORS",
    "OGL",
    "Legend",
    "LegendItem",
    "MapBuilder",
    "MapLayer",
    "choropleth_layer",
    "emerging_layer",
    "escape",
    "external_references",
    "find_chromium",
    "gistar_layer",
    "imd_layer",
    "kde_layer",
    "launch_browser",
    "lisa_layer",
    "make_offline",
    "os_attribution",
    "outline_layer",
    "points_layer",
    "rate_layer",
    "save_map",
    "screenshot",
    "static_map",
    "to_display",
]
