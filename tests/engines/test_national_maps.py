"""National maps: 35,000 LSOAs and a 100,000+ cell grid under 15 MB, drawn in Chromium < 10 s.

The polygons are SYNTHETIC (a Voronoi coverage of 35,000 seeds over England's extent, edges
split every 40 m-ish so each has about as many vertices as a generalised LSOA boundary).
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pytest
import shapely

from workbench.geo import BNG
from workbench.maps.browser import (
    INSTALL_HINT,
    PAGE_GUARD_MS,
    find_chromium,
    launch_browser,
    wait_until_drawn,
)
from workbench.maps.national import grid_map, lsoa_map
from workbench.maps.offline import external_references

MB = 1e6


def _voronoi_lsoas(n: int, seed: int = 3) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    box = shapely.box(150_000, 60_000, 650_000, 660_000)
    pts = shapely.points(rng.uniform(150_000, 650_000, n), rng.uniform(60_000, 660_000, n))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box))
    cells = shapely.intersection(cells, box)
    cells = shapely.segmentize(cells, 250.0)
    codes = [f"E01{i + 1:06d}" for i in range(len(cells))]
    values = rng.gamma(0.8, 20, len(cells)).round()
    return gpd.GeoDataFrame({"lsoa_code": codes, "count": values}, geometry=cells, crs=BNG)


def _render_seconds(path, ready: str) -> tuple[float, bool]:
    """Seconds from navigation until ``ready`` (a JS expression) is true in headless Chromium."""
    with launch_browser() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        t = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="load", timeout=PAGE_GUARD_MS)
        page.wait_for_function(ready, timeout=PAGE_GUARD_MS)
        seconds = time.perf_counter() - t
        return seconds, True


@pytest.fixture(scope="module")
def chromium():
    if find_chromium() is None:
        pytest.skip(INSTALL_HINT)
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")


def test_lsoa_map_simplifies_as_a_coverage(tmp_path):
    z = _voronoi_lsoas(400)
    info = lsoa_map(z, "count", tmp_path / "m.html", title="Counts", tolerance=200)
    assert info["features"] == 400
    assert info["vertices_after"] < info["vertices_before"] / 3
    html = (tmp_path / "m.html").read_text()
    assert "L.canvas()" in html and "Quantiles, 5 classes" in html
    assert external_references(html) == []
    assert "E01000001" in html


def test_national_lsoa_map_size_and_render(tmp_path, chromium):
    z = _voronoi_lsoas(35_000)
    path = tmp_path / "national_lsoas.html"
    t = time.perf_counter()
    info = lsoa_map(z, "count", path, title="Synthetic national counts")
    build = time.perf_counter() - t
    assert info["features"] == 35_000
    assert info["bytes"] < 15 * MB, info
    seconds, ok = _render_seconds(
        path, "document.querySelectorAll('.leaflet-overlay-pane canvas').length > 0"
    )
    mb = info["bytes"] / MB
    print(f"national LSOA map: {mb:.1f} MB, built {build:.1f} s, drawn {seconds:.1f} s")
    assert ok and seconds < 10


def test_national_grid_map_size_render_and_click(tmp_path, chromium):
    rng = np.random.default_rng(4)
    ny, nx = 400, 300  # 120,000 cells of 1.5 km: 450 x 600 km
    yy, xx = np.mgrid[0:ny, 0:nx]
    values = 50 * np.exp(-((xx - 120) ** 2 + (yy - 250) ** 2) / 800.0) + rng.gamma(0.5, 1, (ny, nx))
    values[values < 0.3] = 0
    path = tmp_path / "national_grid.html"
    info = grid_map(values, (150_000, 60_000), 1500.0, path, title="Synthetic KDE", label="density")
    assert info["cells"] == 120_000 and info["bytes"] < 15 * MB, info
    assert info["inverse_error_m"] < 150
    seconds, ok = _render_seconds(
        path,
        "(() => { const i = document.querySelector('img.leaflet-image-layer');"
        " return i && i.complete && i.naturalWidth > 0; })()",
    )
    print(f"national grid map: {info['bytes'] / MB:.1f} MB, drawn {seconds:.1f} s")
    assert ok and seconds < 10
    # a click on a known cell shows its value (row 250, column 120: the peak)
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(BNG, "EPSG:4326", always_xy=True).transform(
        150_000 + 120.5 * 1500, 60_000 + 250.5 * 1500
    )
    expected = f"{values[250, 120]:.3g}"
    with launch_browser() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        wait_until_drawn(page, path.resolve().as_uri(), "img.leaflet-image-layer")
        name = page.evaluate(
            "Object.keys(window).find(k => k.startsWith('map_') && window[k].fire)"
        )
        page.evaluate(f"{name}.fire('click', {{latlng: L.latLng({lat}, {lon})}})")
        text = page.inner_text(".leaflet-popup-content")
    assert "row 250, column 120" in text
    assert str(float(expected)).rstrip("0").rstrip(".") in text.replace(",", "")
