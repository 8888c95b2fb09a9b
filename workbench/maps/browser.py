"""Headless Chromium: find it, open a saved map offline, take a PNG screenshot.

Uses the ``playwright`` Python package with the system's Chromium (Debian's ``chromium``
package; Playwright's own browser download is not needed). Every request other than
``file:`` and ``data:`` is aborted, so a screenshot never touches the network.
"""

from __future__ import annotations

import logging
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError

__all__ = [
    "find_chromium",
    "launch_browser",
    "screenshot",
    "CHROMIUM_ARGS",
    "INSTALL_HINT",
]

logger = logging.getLogger(__name__)

#: Flags for a quiet, sandbox-free headless browser that makes no background requests.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
INSTALL_HINT = (
    "Chromium was not found; install it with `sudo apt-get install chromium` (Debian/Ubuntu) "
    "or set WORKBENCH_CHROMIUM to the browser's path"
)


def find_chromium() -> str | None:
    """Path of a Chromium executable: ``$WORKBENCH_CHROMIUM``, then chromium on the PATH."""
    env = os.environ.get("WORKBENCH_CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def launch_browser(executable: str | None = None) -> Any:
    """Context manager yielding a Playwright ``Browser`` running the system Chromium.

    Raises
    ------
    WorkbenchError
        When Chromium or the playwright package is missing (message says how to install).
    """
    executable = executable or find_chromium()
    if executable is None:
        raise WorkbenchError(INSTALL_HINT)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise WorkbenchError(
            "the playwright package is needed for browser screenshots: pip install playwright"
        ) from exc
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


def _offline_only(route: Any) -> None:
    url = route.request.url
    if url.startswith(("file:", "data:", "about:")):
        route.continue_()
    else:
        logger.warning("screenshot: blocked a request to %s", url)
        route.abort()


def screenshot(
    html_path: str | Path,
    png_path: str | Path,
    width: int = 1200,
    height: int = 800,
    *,
    browser: Any = None,
    wait_ms: int = 300,
) -> Path | None:
    """Save a PNG of a saved map as Chromium shows it.

    Parameters
    ----------
    html_path : str or Path
        The saved (offline) map.
    png_path : str or Path
        Where to write the PNG; parent folders are created.
    width, height : int
        Viewport in CSS pixels.
    browser : playwright Browser, optional
        Reuse an open browser (from :func:`launch_browser`) for many screenshots.
    wait_ms : int
        Extra settling time after Leaflet has drawn.

    Returns
    -------
    Path or None
        The PNG path, or None (with a logged warning) when Chromium or playwright is missing.
    """
    html_path = Path(html_path).resolve()
    if not html_path.is_file():
        raise WorkbenchError(f"screenshot: {html_path} does not exist")
    png_path = Path(png_path)
    if browser is None:
        if find_chromium() is None:
            logger.warning("screenshot of %s skipped: %s", html_path.name, INSTALL_HINT)
            return None
        try:
            with launch_browser() as own:
                return _shoot(own, html_path, png_path, width, height, wait_ms)
        except WorkbenchError as exc:
            logger.warning("screenshot of %s skipped: %s", html_path.name, exc)
            return None
    return _shoot(browser, html_path, png_path, width, height, wait_ms)


def _shoot(browser: Any, html_path: Path, png_path: Path, width: int, height: int, wait: int):
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.route("**/*", _offline_only)
        page.goto(html_path.as_uri(), wait_until="load")
        page.wait_for_selector(".leaflet-container", timeout=15_000)
        page.wait_for_timeout(wait)
        png_path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png_path))
    finally:
        page.close()
    logger.info("Saved screenshot %s", png_path)
    return png_path
