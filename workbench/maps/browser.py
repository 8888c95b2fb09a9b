"""Headless Chromium: find it, open a saved map offline, take a PNG screenshot.

Uses the ``playwright`` Python package with the system's Chromium (Debian's ``chromium``
package; Playwright's own browser download is not needed). Every request other than
``file:`` and ``data:`` is aborted, so a screenshot never touches the network.

One browser serves every screenshot of a process (:func:`shared_browser`): starting Chromium
costs about a second, which was almost half of a report's map time when each map started its
own. :func:`map_png` falls back to the matplotlib renderer (:func:`workbench.maps.static_map`)
when there is no browser, so a report always has its PNG maps and says which renderer drew them.
Set ``WORKBENCH_CHROMIUM=none`` to hide an installed browser (as on a machine without one).
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError

__all__ = [
    "find_chromium",
    "wait_until_drawn",
    "PAGE_GUARD_MS",
    "launch_browser",
    "map_png",
    "page_screenshot",
    "screenshot",
    "shared_browser",
    "close_shared_browser",
    "CHROMIUM_ARGS",
    "ENDPOINT_ENV",
    "run_browser",
    "INSTALL_HINT",
    "RENDERER_BROWSER",
    "RENDERER_STATIC",
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

#: How the PNG of a map was drawn (written to the run log and stated in the report).
RENDERER_BROWSER = "headless Chromium (the interactive map as a browser shows it)"
RENDERER_STATIC = "matplotlib static renderer (no browser found)"

#: Environment variable holding the DevTools endpoint of the run's browser (:func:`run_browser`).
ENDPOINT_ENV = "WORKBENCH_BROWSER_ENDPOINT"

#: Values of ``WORKBENCH_CHROMIUM`` that hide any installed browser.
_HIDDEN = ("none", "off", "0", "false")

#: Upper bound (ms) of waiting for a page to load and draw: a guard that turns a page that
#: never gets ready into an error, not the wait itself (:func:`wait_until_drawn` returns as
#: soon as the page is drawn, milliseconds for a map on an idle machine).
PAGE_GUARD_MS = 300_000

#: True in a document (the page or one of its frames) that has loaded and drawn: parsed and
#: its load event fired, web fonts loaded, every image (map tiles and image overlays too)
#: loaded or failed, and no Leaflet zoom animation running.
_DRAWN_JS = """() => document.readyState === 'complete'
  && (!document.fonts || document.fonts.status === 'loaded')
  && Array.from(document.images).every(img => img.complete)
  && document.querySelector('.leaflet-zoom-anim') === null"""

#: Resolves after the browser has painted twice more (what is drawn is on screen).
_TWO_FRAMES_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def find_chromium() -> str | None:
    """Path of a Chromium executable: ``$WORKBENCH_CHROMIUM``, then chromium on the PATH.

    ``WORKBENCH_CHROMIUM=none`` (or ``off``) hides every browser: the workbench then behaves
    as on a machine without Chromium (static PNG maps, browser tests skipped).
    """
    env = os.environ.get("WORKBENCH_CHROMIUM")
    if env and env.strip().lower() in _HIDDEN:
        return None
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
    guard_ms: int = PAGE_GUARD_MS,
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
    guard_ms : int
        Longest wait for the map to load and draw (:func:`wait_until_drawn`) before failing;
        the screenshot is taken as soon as it is drawn.

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
            return _SHARED.run(_shoot, html_path, png_path, width, height, guard_ms)
        except WorkbenchError as exc:
            logger.warning("screenshot of %s skipped: %s", html_path.name, exc)
            return None
    return _shoot(browser, html_path, png_path, width, height, guard_ms)


class _SharedBrowser:
    """One Chromium per process, owned by one worker thread.

    Playwright's sync API binds a browser to the thread that started it and refuses to run in
    a thread with a running asyncio loop (a Jupyter kernel's main thread), so the browser
    lives on a dedicated worker thread and every screenshot is submitted to it.
    """

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._pw: Any = None
        self._browser: Any = None

    def _start(self) -> Any:  # runs on the worker thread
        if self._browser is None or not self._browser.is_connected():
            executable = find_chromium()
            if executable is None:
                raise WorkbenchError(INSTALL_HINT)
            try:
                from playwright.sync_api import sync_playwright
            except ImportError as exc:
                raise WorkbenchError(
                    "the playwright package is needed for browser screenshots: "
                    "pip install playwright"
                ) from exc
            self._pw = sync_playwright().start()
            endpoint = os.environ.get(ENDPOINT_ENV)
            if endpoint:
                try:
                    # the run's browser (see run_browser): one Chromium for every theme
                    self._browser = self._pw.chromium.connect_over_cdp(endpoint)
                    logger.info("Connected to the run's headless Chromium (%s)", endpoint)
                    return self._browser
                except Exception as exc:  # noqa: BLE001 - fall back to a browser of our own
                    logger.warning("could not connect to %s (%s); starting one", endpoint, exc)
            self._browser = self._pw.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_ARGS)
            )
            logger.info("Started a shared headless Chromium (%s)", executable)
        return self._browser

    def run(self, func: Any, *args: Any) -> Any:
        """Call ``func(browser, *args)`` on the worker thread and return its result."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wb-chromium")
            pool = self._pool
        return pool.submit(lambda: func(self._start(), *args)).result()

    def _stop(self) -> None:  # runs on the worker thread
        try:
            if self._browser is not None:
                self._browser.close()
            if self._pw is not None:
                self._pw.stop()
        finally:
            self._browser = None
            self._pw = None

    def close(self) -> None:
        """Close the browser and its thread (started again on the next screenshot)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            try:
                pool.submit(self._stop).result(timeout=30)
            except Exception as exc:  # noqa: BLE001 - closing must not raise at exit
                logger.debug("closing the shared browser: %s", exc)
            pool.shutdown(wait=False)


_SHARED = _SharedBrowser()
atexit.register(_SHARED.close)


def shared_browser(func: Any, *args: Any) -> Any:
    """Call ``func(browser, *args)`` with this process's shared headless Chromium.

    The browser starts on first use and is reused until :func:`close_shared_browser` or the
    end of the process.

    Raises
    ------
    WorkbenchError
        When Chromium or the playwright package is missing (message says how to install).
    """
    return _SHARED.run(func, *args)


@contextmanager
def run_browser(timeout: float = 30.0) -> Iterator[str | None]:
    """One headless Chromium for a whole run, shared by every notebook kernel.

    Starts the system Chromium with a DevTools endpoint and puts its address in
    ``$WORKBENCH_BROWSER_ENDPOINT`` (inherited by the kernels papermill starts), so each
    theme's screenshots connect to it (Playwright's ``connect_over_cdp``) instead of starting a
    browser of their own. Yields the endpoint, or None when there is no browser (the static
    renderer is used then). The browser is stopped when the block ends.
    """
    executable = find_chromium()
    if executable is None:
        yield None
        return
    # the browser's helper processes can still write into the profile for a moment after the
    # main process has exited ("Directory not empty: 'Default'" stopped a whole report):
    # the profile is removed by _remove_profile, retried until they are gone
    with tempfile.TemporaryDirectory(
        prefix="workbench-chromium-", ignore_cleanup_errors=True
    ) as profile:
        proc = subprocess.Popen(
            [
                executable,
                *CHROMIUM_ARGS,
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "about:blank",
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        endpoint = None
        deadline = time.monotonic() + timeout
        try:
            assert proc.stderr is not None
            while time.monotonic() < deadline:
                line = proc.stderr.readline()
                if not line:
                    break
                found = re.search(r"DevTools listening on (ws://\S+)", line)
                if found:
                    endpoint = found.group(1)
                    break
            if endpoint is None:
                logger.warning("Chromium gave no DevTools endpoint; each theme starts its own")
            else:
                # keep draining the browser's messages so its pipe never fills
                threading.Thread(target=proc.stderr.read, daemon=True).start()
                logger.info("Run browser at %s", endpoint)
            old = os.environ.get(ENDPOINT_ENV)
            if endpoint:
                os.environ[ENDPOINT_ENV] = endpoint
            try:
                yield endpoint
            finally:
                if old is None:
                    os.environ.pop(ENDPOINT_ENV, None)
                else:
                    os.environ[ENDPOINT_ENV] = old
                close_shared_browser()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            _remove_profile(Path(profile))


def _remove_profile(profile: Path, attempts: int = 50) -> None:
    """Remove a browser profile folder, again while the browser's exiting helper processes
    still add files to it (each attempt after 0.1 s); a folder that will not go is logged
    and left in the temporary folder, never an error of the run."""
    for _ in range(attempts):
        try:
            shutil.rmtree(profile)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)
    logger.warning("Could not remove the browser profile %s; left for the system", profile)


def close_shared_browser() -> None:
    """Close the shared browser (a later screenshot starts a new one)."""
    _SHARED.close()


def page_screenshot(
    html_path: str | Path,
    png_path: str | Path,
    width: int = 1200,
    *,
    guard_ms: int = PAGE_GUARD_MS,
) -> Path | None:
    """A full-page PNG of an HTML document (e.g. a report) in the shared headless Chromium.

    Taken as soon as the page and every frame in it (embedded maps) are drawn
    (:func:`wait_until_drawn`); ``guard_ms`` bounds that wait. Requests other than
    ``file:``/``data:`` are aborted. Returns None (logged) when there is no browser.
    """
    html_path = Path(html_path).resolve()
    if not html_path.is_file():
        raise WorkbenchError(f"page_screenshot: {html_path} does not exist")
    if find_chromium() is None:
        logger.warning("screenshot of %s skipped: %s", html_path.name, INSTALL_HINT)
        return None
    return _SHARED.run(_shoot_page, html_path, Path(png_path), width, guard_ms)


def wait_until_drawn(
    page: Any, url: str | None = None, selector: str | None = None, guard_ms: int = PAGE_GUARD_MS
) -> None:
    """Open ``url`` (when given) in a Playwright ``page`` and return once it is drawn.

    Drawn: the page and each of its frames (a report's embedded maps) has fired its load
    event, loaded its web fonts and every image (tiles, image overlays; a failed image counts
    as settled), runs no Leaflet zoom animation, ``selector`` (e.g. ``.leaflet-container``)
    is visible when given, and the browser has painted two frames since.

    Parameters
    ----------
    page : playwright Page
        The page (its requests already routed as the caller wants).
    url : str, optional
        Address to open first (``file:`` URI of a saved map or report).
    selector : str, optional
        CSS selector that must be visible in the page.
    guard_ms : int
        Upper bound of the whole wait: a page not drawn by then raises Playwright's
        ``TimeoutError``. A guard against a page that never gets ready, not a waiting time.

    Notes
    -----
    Every wait is for a condition in the page (Playwright polls it on each animation frame),
    never a fixed time, so a loaded machine makes the wait longer rather than the test red.
    """
    deadline = time.monotonic() + guard_ms / 1000

    def left() -> float:
        return max(1.0, (deadline - time.monotonic()) * 1000)

    if url is not None:
        page.goto(url, wait_until="load", timeout=left())
    if selector is not None:
        page.wait_for_selector(selector, state="visible", timeout=left())
    for frame in page.frames:
        if not frame.is_detached():
            frame.wait_for_function(_DRAWN_JS, timeout=left())
    page.evaluate(_TWO_FRAMES_JS)


def _shoot_page(browser: Any, html_path: Path, png_path: Path, width: int, guard: int) -> Path:
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.route("**/*", _offline_only)
        wait_until_drawn(page, html_path.as_uri(), guard_ms=guard)
        png_path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png_path), full_page=True, timeout=guard)
    finally:
        page.close()
    logger.info("Saved page screenshot %s", png_path)
    return png_path


def map_png(builder: Any, html_path: str | Path, png_path: str | Path) -> tuple[Path, str]:
    """A PNG of a saved map, by headless Chromium when there is one, else by matplotlib.

    Parameters
    ----------
    builder : MapBuilder
        The map's layers, for the static renderer (:func:`workbench.maps.static_map`).
    html_path : str or Path
        The saved offline map, for the browser.
    png_path : str or Path
        Where to write the PNG.

    Returns
    -------
    (Path, str)
        The PNG and the renderer that drew it (:data:`RENDERER_BROWSER` or
        :data:`RENDERER_STATIC`).

    Raises
    ------
    WorkbenchError
        When neither renderer can draw the map (no browser and ``builder`` is not a
        :class:`~workbench.maps.MapBuilder`).
    """
    png_path = Path(png_path)
    if find_chromium() is not None:
        try:
            made = screenshot(html_path, png_path)
        except Exception as exc:  # noqa: BLE001 - fall back to the static renderer
            logger.warning(
                "browser screenshot of %s failed (%s); static map instead", png_path, exc
            )
            made = None
        if made is not None:
            return Path(made), RENDERER_BROWSER
    from workbench.maps.builder import MapBuilder
    from workbench.maps.static import static_map

    if not isinstance(builder, MapBuilder):
        raise WorkbenchError(
            f"map_png: no browser, and the static renderer needs a MapBuilder; received "
            f"{type(builder).__name__}. {INSTALL_HINT}"
        )
    static_map(builder, png_path, formats=("png",), dpi=110)
    return png_path, RENDERER_STATIC


def _shoot(browser: Any, html_path: Path, png_path: Path, width: int, height: int, guard: int):
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.route("**/*", _offline_only)
        wait_until_drawn(page, html_path.as_uri(), ".leaflet-container", guard)
        png_path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png_path), timeout=guard)
    finally:
        page.close()
    logger.info("Saved screenshot %s", png_path)
    return png_path
