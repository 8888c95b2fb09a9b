"""Report PNGs of maps: Chromium when present (one shared browser), matplotlib otherwise."""

from __future__ import annotations

import pytest

from workbench.errors import WorkbenchError
from workbench.maps import MapBuilder, save_map
from workbench.maps import browser as wb_browser
from workbench.maps.browser import (
    RENDERER_BROWSER,
    RENDERER_STATIC,
    find_chromium,
    map_png,
    page_screenshot,
)


def _map(cells, lsoas, tmp_path):
    mb = MapBuilder("Drug offences", "2022", sources=["data.police.uk"])
    mb.add_gistar(cells).add_outline(lsoas.dissolve(), "Study area")
    html = save_map(mb, tmp_path / "map.html", offline=True)
    return mb, html


def test_hidden_browser_draws_the_map_with_matplotlib(cells, lsoas, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CHROMIUM", "none")
    assert find_chromium() is None
    mb, html = _map(cells, lsoas, tmp_path)
    png, renderer = map_png(mb, html, tmp_path / "map.png")
    assert renderer == RENDERER_STATIC
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # 10 x 7.5 inches at 110 dpi: 1100 x 825 pixels
    assert int.from_bytes(data[16:20], "big") == 1100
    assert int.from_bytes(data[20:24], "big") == 825
    # no browser, and nothing the static renderer can draw: one clear error
    with pytest.raises(WorkbenchError, match="static renderer needs a MapBuilder"):
        map_png(mb.to_folium(), html, tmp_path / "other.png")
    assert page_screenshot(html, tmp_path / "page.png") is None


def test_browser_screenshots_share_one_browser(cells, lsoas, tmp_path):
    if find_chromium() is None:
        pytest.skip(wb_browser.INSTALL_HINT)
    mb, html = _map(cells, lsoas, tmp_path)
    try:
        first, renderer = map_png(mb, html, tmp_path / "a.png")
        browser = wb_browser._SHARED._browser
        second, _ = map_png(mb, html, tmp_path / "b.png")
        assert renderer == RENDERER_BROWSER
        assert wb_browser._SHARED._browser is browser  # the same browser, not a new one
        assert first.stat().st_size > 1000 and second.stat().st_size > 1000
        page = page_screenshot(html, tmp_path / "page.png")
        assert page is not None and page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        wb_browser.close_shared_browser()
    assert wb_browser._SHARED._browser is None
