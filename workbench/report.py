"""Run the themed notebooks with papermill and render self-contained HTML reports."""

from __future__ import annotations

import contextlib
import datetime as _dt
import html
import json
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from workbench.config import load_config
from workbench.disclosure.audit import audit_run
from workbench.errors import ConfigError, WorkbenchError
from workbench.outputs import run_dir

__all__ = [
    "NOTEBOOKS",
    "THEMES",
    "export_html",
    "external_loads",
    "parse_period",
    "run_report",
    "run_report_cli",
]

logger = logging.getLogger(__name__)

#: Folder of the themed notebooks (the source; committed without outputs).
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

#: Theme name -> notebook file, in the order a full report runs them.
THEMES: dict[str, str] = {
    "supply": "01_supply.ipynb",
    "communities": "02_communities.ipynb",
    "young_people": "03_young_people.ipynb",
    "treatment": "04_treatment.ipynb",
    "indicators": "05_indicators.ipynb",
    "overview": "00_overview.ipynb",
}

#: Seconds one notebook cell may run before the report stops with an error.
CELL_TIMEOUT_S = 600

_PERIOD_RE = re.compile(r"^\s*(\d{4}-\d{2})\s*:\s*(\d{4}-\d{2})\s*$")

# nbconvert's lab template loads require.js, MathJax, mermaid and the widget manager from CDNs.
# Reports must open with no network, so those blocks are emptied; code cells are kept but
# collapsed in a <details> element.
_OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block input_group -%}
<details class="wb-code"><summary>Show code</summary>
{{ super() }}
</details>
{%- endblock input_group %}
"""

# External loads: a src= on an element that fetches (script, img, iframe, ...), a stylesheet
# <link href=...>, a CSS url(...) or @import, pointing at http(s) or a protocol-relative host.
# Plain <a href> links are navigation (e.g. licence attributions), not loads.
_EXTERNAL_PATTERNS = (
    re.compile(
        r"""<(?:script|img|iframe|frame|source|video|audio|embed|input|track|object)\b"""
        r"""[^>]*?\b(?:src|data)\s*=\s*["']?\s*(?:https?:)?//""",
        re.IGNORECASE,
    ),
    re.compile(r"""<link\b[^>]*?\bhref\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE),
    re.compile(r"""url\(\s*["']?\s*(?:https?:)?//""", re.IGNORECASE),
    re.compile(r"""@import\s+["']\s*(?:https?:)?//""", re.IGNORECASE),
)
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_WIDGET_NOTE = (
    '<p class="wb-widget-note"><em>Interactive controls: open the notebook in JupyterLab '
    "(<code>make lab</code>) to change the period, crime type, method or scale.</em></p>"
)
_SRCDOC_RE = re.compile(r"""\bsrcdoc\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)


def parse_period(period: str | None) -> tuple[str | None, str | None]:
    """Split ``"YYYY-MM:YYYY-MM"`` into its two months (``(None, None)`` for ``None``).

    Raises
    ------
    ConfigError
        When the text is not two months separated by a colon.
    """
    if period is None:
        return None, None
    match = _PERIOD_RE.match(str(period))
    if not match:
        raise ConfigError(f"--period must be two months like '2021-04:2022-03', found {period!r}")
    return match.group(1), match.group(2)


def _themes(themes: list[str] | str | None) -> list[str]:
    if themes is None:
        return list(THEMES)
    if isinstance(themes, str):
        themes = [themes]
    chosen: list[str] = []
    for t in themes:
        for name in str(t).split(","):
            name = name.strip()
            if name not in THEMES:
                raise ConfigError(f"--theme must be one of {', '.join(THEMES)}, found {name!r}")
            if name not in chosen:
                chosen.append(name)
    return chosen


@contextlib.contextmanager
def _venv_kernel() -> Iterator[None]:
    """Make the kernelspec ``python3`` resolve to this environment's Python.

    jupyter_client searches ``JUPYTER_PATH`` before the user's and the environment's
    kernel folders; putting ``sys.prefix/share/jupyter`` first means a user-wide ``python3``
    kernelspec cannot send the notebooks to another interpreter.
    """
    old = os.environ.get("JUPYTER_PATH")
    ours = str(Path(sys.prefix) / "share" / "jupyter")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([ours, old]) if old else ours
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = old


def export_html(notebook: str | Path, html_path: str | Path) -> Path:
    """Render an executed notebook as one self-contained HTML file (no external loads).

    Uses nbconvert's ``lab`` template with the CDN scripts (require.js, MathJax, mermaid,
    widget manager) removed, images embedded and code cells collapsed. Widget state is
    dropped: widgets show their text form; the maps and tables they produced are in the
    outputs.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if _WIDGET_MIME in output.get("data", {}):
                output["data"] = {"text/html": _WIDGET_NOTE, "text/plain": _WIDGET_NOTE}
    exporter = HTMLExporter(
        template_name="lab",
        raw_template=_OFFLINE_TEMPLATE,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    # nbconvert warns about images without alt text (matplotlib figures): not actionable here.
    quiet = logging.getLogger(f"{__name__}.nbconvert")
    quiet.setLevel(logging.ERROR)
    exporter.log = quiet
    body, _ = exporter.from_notebook_node(nb)
    # Accessibility (WCAG 2.1 AA, issue 15): embedded maps get a name and a language.
    from workbench.community import label_frames

    body = label_frames(body)
    found = external_loads(body)
    if found:
        logger.warning("%s loads from external hosts: %s", html_path, found[:3])
    path = Path(html_path)
    path.write_text(body, encoding="utf-8")
    return path


def external_loads(text: str) -> list[str]:
    """The loads in an HTML document that would fetch from another host.

    Counted: ``src`` of fetching elements (script, img, iframe, ...), stylesheet
    ``<link href>``, CSS ``url()`` and ``@import`` pointing at ``http://``, ``https://`` or
    ``//``. Documents embedded in ``<iframe srcdoc="...">`` (as notebooks embed offline maps)
    are unescaped and checked too. Plain ``<a href>`` links and addresses in text (licences,
    attributions) are not loads and are not returned.
    """
    found: list[str] = []
    for pattern in _EXTERNAL_PATTERNS:
        found += [text[m.start() : m.end() + 40] for m in pattern.finditer(text)]
    for match in _SRCDOC_RE.finditer(text):
        found += external_loads(html.unescape(match.group(2)))
    return found


def _transport() -> dict[str, Any]:
    """Kernel transport: local IPC sockets on POSIX (no network port, and no ipykernel warning
    about unencrypted TCP); jupyter_client's default TCP elsewhere (Windows has no IPC)."""
    if os.name != "posix":
        return {}
    from traitlets.config import Config

    return {"config": Config({"KernelManager": {"transport": "ipc"}})}


def _execute(theme: str, params: dict[str, Any], folder: Path) -> Path:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = NOTEBOOKS / THEMES[theme]
    if not source.is_file():
        raise WorkbenchError(f"notebook for theme {theme!r} not found: {source}")
    executed = folder / f"{theme}.ipynb"
    try:
        with _venv_kernel():
            papermill.execute_notebook(
                str(source),
                str(executed),
                parameters=params,
                kernel_name="python3",
                cwd=str(NOTEBOOKS),
                progress_bar=False,
                log_output=False,
                execution_timeout=CELL_TIMEOUT_S,
                **_transport(),
            )
    except PapermillExecutionError as exc:
        raise WorkbenchError(
            f"notebook {source.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue} "
            f"(the partly run notebook is {executed})"
        ) from exc
    return executed


def validate_study(cfg: Any) -> None:
    """Load every file of the study, as ``workbench validate`` does, before any notebook runs.

    Raises the loaders' :class:`~workbench.errors.WorkbenchError` (bad file, bad setting,
    period beyond the data) or one when a ledger does not balance, so that no report is
    written from a study that fails validation.
    """
    from workbench.study import Study

    study = Study(cfg)
    ledger = study.load_all()
    if not ledger.balanced:
        bad = [f.file for f in ledger.files if not f.balanced]
        raise WorkbenchError(f"{cfg.path}: the row ledger does not balance for {bad}")


def run_report(
    config: str | Path,
    themes: list[str] | str | None = None,
    out: str | Path | None = None,
    period: str | None = None,
    run_date: str | None = None,
) -> dict[str, Path]:
    """Run the themed notebooks on a study and write their reports.

    Parameters
    ----------
    config : str or Path
        The study's ``area.toml``; validated (every file loaded and checked, as by
        ``workbench validate``) before any notebook runs.
    themes : list of str, optional
        Themes to run (``supply``, ``communities``, ``young_people``, ``treatment``,
        ``indicators``, ``overview``); all by default.
    out : str or Path, optional
        Parent output folder (default ``output``).
    period : str, optional
        ``"YYYY-MM:YYYY-MM"`` to override the study period.
    run_date : str, optional
        Date in the folder names (default today).

    Returns
    -------
    dict
        Theme -> its folder ``<out>/<date>_<theme>``, holding ``<theme>.html`` (the executed
        notebook), ``<theme>.ipynb``, the maps (HTML + PNG), tables (CSV + XLSX) and
        ``run_log.json``.

    Raises
    ------
    ConfigError
        Bad configuration, period or theme (before any notebook runs).
    WorkbenchError
        A notebook failed; the message names the notebook and the error.
    """
    cfg = load_config(config)
    start, end = parse_period(period)
    if start is not None:
        cfg = cfg.with_overrides(period_start=start, period_end=end)
    chosen = _themes(themes)
    validate_study(cfg)
    out_path = Path(out or "output").resolve()
    date = run_date or _dt.date.today().isoformat()
    results: dict[str, Path] = {}
    for theme in chosen:
        folder = run_dir(out_path, theme, date)
        # The notebook's Outputs writes `folder` atomically (staged, then moved in place), so
        # the executed notebook is kept beside it until the theme is complete.
        work = out_path / f".{folder.name}.notebook"
        work.mkdir(parents=True, exist_ok=True)
        params = {
            "config": str(cfg.path),
            "out_dir": str(out_path),
            "run_date": date,
            "period_start": str(cfg.period_start) if start is not None else None,
            "period_end": str(cfg.period_end) if start is not None else None,
        }
        t0 = time.perf_counter()
        executed = _execute(theme, params, work)
        folder.mkdir(parents=True, exist_ok=True)
        executed = Path(shutil.move(executed, folder / executed.name))
        shutil.rmtree(work, ignore_errors=True)
        export_html(executed, folder / f"{theme}.html")
        logger.info("Theme %s done in %.1f s: %s", theme, time.perf_counter() - t0, folder)
        results[theme] = folder
    # disclosure (issue 12): attack every protected table of the run read back from disk
    audit_run(results.values(), cfg.suppression_threshold)
    # The meeting pack and the community page of this run (issue 15), from its published files.
    from workbench.pack import run_pack

    run_pack(out_path, date, commentary=cfg.commentary)
    return results


def run_report_cli(
    config: str | Path,
    themes: list[str] | None = None,
    period: str | None = None,
    out: str | Path = "output",
) -> int:
    """``workbench report``: run the reports and print where they are; returns 0.

    Errors propagate as :class:`~workbench.errors.WorkbenchError` (the CLI prints them and
    exits with code 2).
    """
    t0 = time.perf_counter()
    results = run_report(config, themes=themes, out=out, period=period)
    for theme, folder in results.items():
        print(f"{theme:>13}: {folder / (theme + '.html')}")
    for folder in list(results.values())[:1]:
        log = json.loads((folder / "run_log.json").read_text(encoding="utf-8"))
        audit = log.get("run_disclosure_audit", {})
        print(
            f"disclosure audit: {len(audit.get('files', []))} protected table(s), "
            f"{audit.get('cells_checked', 0)} hidden cell(s) and complement(s) checked, "
            f"{audit.get('leaks_found', 0)} leak(s)"
        )
    if results:  # the pack folder sits beside the theme folders: <out>/<date>_pack
        first = next(iter(results.values()))
        pack = first.parent / f"{first.name.split('_', 1)[0]}_pack"
        print(f"{'meeting pack':>13}: {pack / 'meeting_pack.pptx'}")
        print(f"{'community':>13}: {pack / 'community_report.html'}")
    print(
        f"{len(results)} report(s) written under {Path(out).resolve()} "
        f"in {time.perf_counter() - t0:.0f} s"
    )
    return 0
