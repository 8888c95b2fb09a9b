"""Saved offline maps opened in headless Chromium: layer control, legends, no network, no XSS.

One browser per module. Skips (saying how to install it) when Chromium is missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from maps_values import XSS_IMG, XSS_SCRIPT

from workbench.maps import MapBuilder, os_attribution, save_map, screenshot
from workbench.maps.browser import (
    INSTALL_HINT,
    PAGE_GUARD_MS,
    find_chromium,
    launch_browser,
    wait_until_drawn,
)
from workbench.maps.builder import OGL

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "area.toml"


@pytest.fixture(scope="module")
def browser():
    if find_chromium() is None:
        pytest.skip(INSTALL_HINT)
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with launch_browser() as b:
        yield b


class Opened:
    """A page with everything it asked for and every console error recorded."""

    def __init__(self, browser, path: Path) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1200, "height": 800})
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(r):
            self.requests.append(r.request.url)
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                r.abort()

        self.page.route("**/*", route)
        # Any injected script that ran would call alert() or set window.__xss.
        self.page.add_init_script("window.__alerts = 0; window.alert = () => window.__alerts++;")
        wait_until_drawn(self.page, path.resolve().as_uri(), ".leaflet-container")

    def external(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file:", "data:"))]

    def count(self, selector: str) -> int:
        return self.page.locator(selector).count()

    def toggle(self, layer_name: str) -> None:
        starts = re.compile(r"^\s*" + re.escape(layer_name))
        label = self.page.locator(".leaflet-control-layers-overlays label", has_text=starts)
        label.locator("input").click()


@pytest.fixture(scope="module")
def xss_map(tmp_path_factory):
    # Built from plain module-level data (fixtures in conftest are function-scoped).
    import geopandas as gpd
    import shapely

    x0, y0 = 458_000.0, 303_000.0
    lsoas = gpd.GeoDataFrame(
        {
            "lsoa_name": ["A", XSS_SCRIPT, "C", XSS_IMG],
            "imd_decile": [1, 2, 9, 10],
        },
        geometry=[
            shapely.box(x0 + i * 1000, y0 + j * 1000, x0 + (i + 1) * 1000, y0 + (j + 1) * 1000)
            for j in range(2)
            for i in range(2)
        ],
        crs="EPSG:27700",
    )
    cells = lsoas.assign(bin=[3, 0, -2, 1], count=[30, 2, 0, 9], z=[3.2, 0.1, -2.1, 1.7])
    cells["p"] = [0.001, 0.9, 0.04, 0.09]
    points = gpd.GeoDataFrame(
        {"location": [XSS_SCRIPT, XSS_IMG, "On or near Park Road"]},
        geometry=gpd.points_from_xy(
            [x0 + 200, x0 + 900, x0 + 1500], [y0 + 300, y0 + 800, y0 + 1500]
        ),
        crs="EPSG:27700",
    )
    mb = MapBuilder("Test " + XSS_SCRIPT, "2022", sources=[XSS_IMG])
    mb.add_gistar(cells, "Hot spots " + XSS_IMG)
    mb.add_imd(lsoas, show=False)
    mb.add_points(points, "Needle finds", label="location", cluster=False)
    near = gpd.GeoDataFrame(
        {"location": [XSS_IMG] * 12},
        geometry=gpd.points_from_xy([x0 + 500 + i for i in range(12)], [y0 + 500] * 12),
        crs="EPSG:27700",
    )
    mb.add_points(near, "Needle finds (clustered)", label="location", cluster=True, show=False)
    mb.add_outline(lsoas.dissolve(), "Study area")
    # Every other layer kind, hidden when the map opens.
    rates = lsoas.assign(count=[12, 3, 0, 40], population=[1520, 1800, 1400, 2000])
    rates["rate"] = rates["count"] / rates["population"] * 10_000
    rates["lower"], rates["upper"] = rates["rate"] * 0.6, rates["rate"] * 1.6
    mb.add_rates(rates, show=False)
    mb.add_kde(cells.assign(density=[5.0, 0.0, 1.5, 9.0]), show=False)
    mb.add_emerging(cells.assign(category=["new hot spot", "no pattern"] * 2), show=False)
    mb.add_lisa(cells.assign(cluster=["High-High", "Not significant"] * 2), show=False)
    return save_map(mb, tmp_path_factory.mktemp("maps") / "xss.html")


def test_layer_control_and_legends_follow_toggles(browser, xss_map):
    page = Opened(browser, xss_map)
    assert page.count(".leaflet-container") == 1
    assert page.count(".leaflet-control-layers-overlays label") == 9
    # Visible: Gi* (7 classes) + needle finds (1) + study area (1).
    assert page.count(".wb-legend-item:visible") == 9
    for name, items in [
        # Counts [12, 3, 0, 40]: quantiles of the 3 rates with counts 0 or >= 5 (3 classes)
        # and "Fewer than 5 events (not shown)" for the area with 3.
        ("Rate per 10,000", 4),
        ("Density (KDE)", 3),  # three non-zero densities
        ("Emerging hot spots", 2),
        ("Clusters (Local Moran)", 2),
    ]:
        page.toggle(name)
        assert page.count(".wb-legend-item:visible") == 9 + items, name
        if name == "Rate per 10,000":
            assert "Fewer than 5 events (not shown)" in page.page.inner_text(".wb-legend")
        page.toggle(name)
    page.toggle("IMD 2019 decile")
    assert page.count(".wb-legend-item:visible") == 19
    page.toggle("Hot spots")
    assert page.count(".wb-legend-item:visible") == 12
    page.toggle("Needle finds (clustered)")
    assert page.count(".marker-cluster") >= 1
    assert page.errors == []
    assert page.external() == []
    page.page.close()


def test_injected_markup_shows_as_text_and_never_runs(browser, xss_map):
    page = Opened(browser, xss_map)
    page.toggle("IMD 2019 decile")
    # Hover over and click every feature so folium's tooltip/pop-up code (innerHTML) runs on
    # each; collect what each shows. Tooltips and pop-ups are bound to the GeoJSON group, so
    # the events are fired on each feature and propagate to it.
    shown = page.page.evaluate(
        """() => {
        const map = window[document.querySelector('.folium-map').id];
        const groups = [];
        map.eachLayer(l => {
            if (l.getLayers && (l.getTooltip() || l.getPopup())) groups.push(l);
        });
        const texts = [];
        for (const g of groups) {
            for (const c of g.getLayers()) {
                const ll = c.getLatLng ? c.getLatLng() : c.getBounds().getCenter();
                if (g.getTooltip()) {
                    c.fire('mouseover', {latlng: ll}, true);
                    texts.push(g.getTooltip().getElement().innerText);
                    c.fire('mouseout', {latlng: ll}, true);
                    g.closeTooltip();
                }
                if (g.getPopup()) {
                    c.fire('click', {latlng: ll}, true);
                    texts.push(g.getPopup().getElement().innerText);
                    map.closePopup();
                }
            }
        }
        return texts;
        }"""
    )
    joined = "\n".join(shown)
    # IMD tooltips (LSOA names) and needle-find tooltips (locations): 2 + 2 of each.
    assert joined.count(XSS_SCRIPT) == 2 and joined.count(XSS_IMG) == 2
    # The one 99% hot cell: its tooltip and its pop-up (which adds z and p).
    assert "Gi* z\t3.20\np\t0.0010" in [t for t in shown if "Hot spot 99%" in t][1]
    text = page.page.inner_text("body")
    assert "Test " + XSS_SCRIPT in text  # title
    assert "Sources: " + XSS_IMG in text
    assert "Hot spots " + XSS_IMG in text  # layer control and legend
    assert page.page.evaluate("window.__alerts") == 0
    assert page.page.evaluate("window.__xss") is None
    assert page.count(".leaflet-tooltip img, .wb-notice img, .wb-legend img") == 0
    assert page.count(".leaflet-control-layers img, .leaflet-tooltip script") == 0
    assert page.errors == []
    assert page.external() == []
    assert not [u for u in page.requests if u.endswith("/x")]
    page.page.close()


def _resized(page, height: int) -> None:
    """Return once the page has its new height and Leaflet has handled the resize (its
    handler runs in an animation frame after the window's resize event): a condition and
    painted frames, not a fixed time."""
    page.wait_for_function(f"() => window.innerHeight === {height}", timeout=PAGE_GUARD_MS)
    for _ in range(2):  # the frame of Leaflet's resize handler, then one painted after it
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )


def test_legend_never_runs_under_the_title_box(browser, xss_map):
    """In a short frame (a report's map is 600 px high; 420 here) the legend scrolls in the
    room the title box leaves instead of covering it; all of it shows in a tall page."""
    short = browser.new_page(viewport={"width": 1000, "height": 420})
    wait_until_drawn(short, xss_map.resolve().as_uri())
    # as the page opens, before any layer is switched or the window resized
    notice = short.locator(".wb-notice").bounding_box()
    legend = short.locator(".wb-legend").bounding_box()
    assert legend["y"] >= notice["y"] + notice["height"], (notice, legend)
    short.close()
    page = Opened(browser, xss_map)
    page.toggle("IMD 2019 decile")  # 10 more legend rows
    for height in (420, 1400):
        page.page.set_viewport_size({"width": 1000, "height": height})
        _resized(page.page, height)
        notice = page.page.locator(".wb-notice").bounding_box()
        legend = page.page.locator(".wb-legend").bounding_box()
        assert legend["y"] >= notice["y"] + notice["height"], (height, notice, legend)
        scrolls = page.page.evaluate(
            "() => { const l = document.querySelector('.wb-legend');"
            " return l.scrollHeight > l.clientHeight; }"
        )
        assert scrolls == (height == 420), height
    assert page.errors == []
    page.page.close()


@pytest.fixture(scope="module")
def sample_maps(tmp_path_factory):
    """The sample's drug-offence Gi* map with its IMD overlay (real Leicester data)."""
    if not SAMPLE.is_file():
        pytest.skip(f"sample data not found at {SAMPLE}")
    from workbench.hotspots import count, gistar, grid
    from workbench.study import Study

    study = Study.from_toml(SAMPLE)
    drugs = study.crimes[study.crimes["crime_type"] == "Drugs"]
    gi = gistar(count(drugs, grid(study.area)), "count")
    first, last = study.config.period_start, study.config.period_end
    mb = MapBuilder(
        "Drug offences: hot spots (Gi*)",
        f"{first.strftime('%B %Y')} to {last.strftime('%B %Y')}",
        sources=["Police recorded crime, data.police.uk", "English Indices of Deprivation 2019"],
        attributions=[OGL, os_attribution(2014)],
    )
    mb.add_gistar(gi)
    mb.add_imd(study.lsoas, show=False)
    mb.add_outline(study.wards, "Wards", label="ward_name", color="#777777", weight=0.8)
    mb.add_outline(study.area, "Leicester")
    out = tmp_path_factory.mktemp("sample")
    imd = MapBuilder(
        "Deprivation: IMD 2019 deciles",
        "IMD 2019",
        sources=["English Indices of Deprivation 2019"],
        attributions=[OGL, os_attribution(2014)],
    )
    imd.add_imd(study.lsoas).add_outline(study.area, "Leicester")
    save_map(imd, out / "imd.html")
    return mb, save_map(mb, out / "drugs_gistar.html"), out


def test_sample_gistar_map_with_imd_overlay_works_offline(browser, sample_maps):
    mb, path, _ = sample_maps
    assert path.stat().st_size < 3_000_000
    page = Opened(browser, path)
    assert page.count(".leaflet-control-layers-overlays label") == 4
    labels = page.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [t.strip() for t in labels] == [
        "Hot spots (Gi*)",
        "IMD 2019 decile",
        "Wards",
        "Leicester",
    ]
    assert page.count(".wb-legend-item:visible") == 7 + 1 + 1
    assert page.count("path.leaflet-interactive") > 1000  # the grid is drawn
    page.toggle("IMD 2019 decile")
    assert page.count(".wb-legend-item:visible") == 7 + 10 + 1 + 1
    assert "1 (most deprived 10%)" in page.page.inner_text(".wb-legend")
    page.toggle("Hot spots (Gi*)")
    assert "Hot spot 99%" not in page.page.inner_text(".wb-legend")
    assert "December 2019 to October 2022" in page.page.inner_text(".wb-notice")
    assert page.errors == []
    assert page.external() == []
    page.page.close()


@pytest.mark.parametrize("stem", ["drugs_gistar", "imd"])
def test_screenshot_of_each_sample_map(browser, sample_maps, stem):
    _, _, out = sample_maps
    page = Opened(browser, out / f"{stem}.html")
    assert page.errors == [] and page.external() == []
    page.page.close()
    png = screenshot(out / f"{stem}.html", out / f"{stem}.png", 900, 600, browser=browser)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # PNG IHDR: width and height as big-endian integers at bytes 16-24.
    assert int.from_bytes(data[16:20], "big") == 900
    assert int.from_bytes(data[20:24], "big") == 600


def test_screenshot_without_chromium_returns_none_and_says_how(tmp_path, monkeypatch, caplog):
    import workbench.maps.browser as shot

    html = tmp_path / "m.html"
    html.write_text("<html></html>", encoding="utf-8")
    monkeypatch.setattr(shot, "find_chromium", lambda: None)
    with caplog.at_level("WARNING", logger="workbench.maps.browser"):
        assert shot.screenshot(html, tmp_path / "m.png") is None
    assert "sudo apt-get install chromium" in caplog.text
    assert not (tmp_path / "m.png").exists()
