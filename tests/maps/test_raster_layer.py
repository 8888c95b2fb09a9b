"""Grid surfaces of many cells drawn as one image (``MapBuilder(raster_cells=...)``): the same
colours and pop-up texts as the polygons, withheld counts withheld, the cell found on click in
headless Chromium."""

from __future__ import annotations

import base64
import io
import json
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PIL import Image
from pyproj import Transformer

from workbench.geo import BNG
from workbench.hotspots import gistar, grid
from workbench.maps import MapBuilder
from workbench.maps.browser import INSTALL_HINT, find_chromium, launch_browser
from workbench.maps.builder import _as_grid
from workbench.maps.layers import WITHHELD_COLOR


@pytest.fixture(scope="module")
def gi():
    # a disc of 3 km radius in 100 m cells: edge cells clipped by the boundary
    area = gpd.GeoDataFrame(geometry=[shapely.Point(450_000, 300_000).buffer(3_000)], crs=BNG)
    cells = grid(area, cell_size=100.0)
    frame = cells.frame.copy()
    rng = np.random.default_rng(3)
    d = np.hypot(frame["x"] - 449_000, frame["y"] - 300_500)
    frame["count"] = rng.poisson(30 * np.exp(-((d / 600) ** 2)) + 0.5).astype(np.int64)
    return gistar(cells.with_frame(frame), "count", weights="queen")


def test_as_grid_finds_the_lattice_and_refuses_other_polygons(gi):
    g = _as_grid(gi.frame[["geometry"]] if hasattr(gi, "frame") else gi)
    assert g is not None
    cell, (x0, y0), (ny, nx), row, col = g
    assert cell == 100.0
    # every feature in its own cell; the cell holding each feature's centre x, y
    frame = gi.frame if hasattr(gi, "frame") else gi
    np.testing.assert_allclose(x0 + (col + 0.5) * cell, frame["x"].to_numpy(), atol=1e-6)
    np.testing.assert_allclose(y0 + (row + 0.5) * cell, frame["y"].to_numpy(), atol=1e-6)
    rng = np.random.default_rng(1)
    pts = shapely.points(rng.uniform(0, 1000, 30), rng.uniform(0, 1000, 30))
    voronoi = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts)))
    assert _as_grid(gpd.GeoDataFrame(geometry=voronoi, crs=BNG)) is None


def _builder(gi, raster_cells):
    mb = MapBuilder("Gi*", "2021", sources=["test"], raster_cells=raster_cells)
    return mb.add_gistar(gi, protected=True, threshold=5)


def test_image_layer_keeps_the_layer_texts_and_colours(gi, tmp_path):
    n = len(gi.frame if hasattr(gi, "frame") else gi)
    assert n > 2_000
    poly = _builder(gi, None).save(tmp_path / "poly.html").read_text()
    img = _builder(gi, 1_000).save(tmp_path / "img.html").read_text()
    assert '"drawn_as":"image"' in img and '"drawn_as"' not in poly
    assert len(img) < len(poly) / 2
    layer = _builder(gi, 1_000).layers[0]
    # small counts are withheld in the layer's texts (1 to 4 never shown)
    counts = layer.fields["Count"]
    withheld = [i for i, t in enumerate(counts) if t.startswith("*")]
    assert withheld and not any(t in {"1", "2", "3", "4"} for t in counts)
    # the image: each cell's pixel has the layer's fill (withheld cells the withheld grey)
    start = img.index("L.imageOverlay(")
    url_at = img.index("data:image/png;base64,", start)
    data = img[url_at + len("data:image/png;base64,") : img.index('"', url_at)]
    (s_lat, w_lon), (n_lat, e_lon) = json.loads(
        re.search(r'",\s*(\[\[.*?\]\])', img[url_at:]).group(1)
    )
    pic = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGBA"))
    h, w = pic.shape[:2]
    frame = layer.data.reset_index(drop=True)  # the layer's own rows (texts, fills)
    to_merc = Transformer.from_crs(BNG, "EPSG:3857", always_xy=True)
    from_deg = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    (mx0, mx1), (my0, my1) = from_deg.transform([w_lon, e_lon], [s_lat, n_lat])
    for i in [*withheld[:5], *range(0, len(frame), 97)]:
        mx, my = to_merc.transform(frame["x"].iloc[i], frame["y"].iloc[i])
        px, py = int((mx - mx0) / (mx1 - mx0) * w), int((my1 - my) / (my1 - my0) * h)
        fill = layer.fill[i].lstrip("#")
        assert pic[py, px, :3].tolist() == [int(fill[k : k + 2], 16) for k in (0, 2, 4)], i
    assert all(layer.fill[i] == WITHHELD_COLOR for i in withheld)


@pytest.fixture(scope="module")
def chromium():
    if find_chromium() is None:
        pytest.skip(INSTALL_HINT)
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")


def test_click_shows_the_cell_texts(gi, tmp_path, chromium):
    mb = _builder(gi, 1_000)
    layer = mb.layers[0]
    path = mb.save(tmp_path / "img.html")
    frame = layer.data.reset_index(drop=True)  # the layer's own rows (texts, fills)
    to_wgs = Transformer.from_crs(BNG, "EPSG:4326", always_xy=True)
    withheld = [i for i, t in enumerate(layer.fields["Count"]) if t.startswith("*")]
    hot = int(np.argmax(frame["count"].to_numpy()))
    with launch_browser() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_function(
            "(() => { const i = document.querySelector('img.leaflet-image-layer');"
            " return i && i.complete && i.naturalWidth > 0; })()",
            timeout=30_000,
        )
        name = page.evaluate(
            "Object.keys(window).find(k => k.startsWith('map_') && window[k].fire)"
        )
        for i in (hot, withheld[0]):
            lon, lat = to_wgs.transform(frame["x"].iloc[i], frame["y"].iloc[i])
            page.evaluate(f"{name}.fire('click', {{latlng: L.latLng({lat}, {lon})}})")
            # the previous pop-up fades out for 200 ms: read the newest
            text = page.locator(".leaflet-popup-content").last.inner_text()
            for label, texts in layer.fields.items():
                assert f"{label}: {texts[i]}" in text, (i, label, text)
