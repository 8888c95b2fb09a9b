"""The whole job after a run: the meeting pack, the community page and their run log.

Orchestration over :mod:`workbench.pack` (the PowerPoint, from the typed
:class:`~workbench.headlines.Headline` records each theme wrote to ``headlines.json`` and the
run's maps and charts) and :mod:`workbench.community` (the residents' page built from the same
records). Called at the end of
:func:`workbench.report.run_report` and by ``workbench pack CONFIG``.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from workbench.community import write_community_page
from workbench.config import load_config
from workbench.markup import reader_path
from workbench.pack import build_pptx, find_run, render_slides, write_atomic
from workbench.writing.folder import MARKER, FolderLock, mark_complete, write_errors

__all__ = ["run_pack", "run_pack_cli"]

logger = logging.getLogger(__name__)


def run_pack(
    out_dir: str | Path,
    run_date: str | None = None,
    *,
    commentary: str | Path | None = None,
    render: bool = True,
    study_folder: str | Path | None = None,
) -> dict[str, Any]:
    """Build the meeting pack and the community page of a finished run.

    Writes ``<out_dir>/<date>_pack/``: ``meeting_pack.pptx``, ``community_report.html``,
    ``slide_NN.png`` (when LibreOffice is installed and ``render``) and ``run_log.json``
    (slides, pictures with their alt text, headline figures, readability of the community
    page, files written).

    Parameters
    ----------
    out_dir : str or Path
        The folder ``workbench report`` wrote the theme folders to.
    run_date : str, optional
        The run's date (default: the latest run under ``out_dir``).
    commentary : str or Path, optional
        The analyst's commentary (Markdown) for the community page; default the study's
        ``[report] commentary`` setting as recorded in the run log.
    render : bool, default True
        Render the slides to PNG with LibreOffice headless where it is installed.
    study_folder : str or Path, optional
        The folder of the study's ``area.toml``: the run logs name the study's files
        relative to it (the ward lookup the community page reads, for example).

    Returns
    -------
    dict
        The pack's run log (also written as ``run_log.json``).
    """
    t0 = time.perf_counter()
    run = find_run(out_dir, run_date)
    if study_folder is not None:
        run.study_folder = Path(study_folder)
    folder = run.out_dir / f"{run.date}_pack"
    with write_errors(f"the meeting pack in {folder}"):
        folder.mkdir(parents=True, exist_ok=True)
        with FolderLock(folder):
            (folder / MARKER).unlink(missing_ok=True)  # incomplete until written again
            log = _write_pack(run, folder, commentary, render, t0)
            # last: the pack folder is complete only with every file in it
            mark_complete(folder, {"kind": "pack", "run_date": run.date})
    logger.info("Meeting pack %s (%d slides) in %.1f s", folder, len(log["slides"]), log["seconds"])
    return log


def _write_pack(
    run: Any, folder: Path, commentary: str | Path | None, render: bool, t0: float
) -> dict[str, Any]:
    """The files of the pack folder (the marker apart); returns the pack's run log."""
    for old in folder.glob("slide_*.png"):
        old.unlink()
    pptx = folder / "meeting_pack.pptx"
    slides, by_theme = build_pptx(run, pptx)
    if commentary is None:
        commentary = run.config.get("commentary")
        if commentary and not Path(commentary).is_absolute() and run.study_folder is not None:
            commentary = run.study_folder / commentary  # recorded relative to the study
    page, readability = write_community_page(
        run, by_theme, folder / "community_report.html", commentary=commentary
    )
    rendered = render_slides(pptx, folder) if render else []
    log = {
        "kind": "pack",
        "run_date": run.date,
        "made_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "config": run.config,
        # run folders by name, relative to the pack's parent folder: no absolute path
        "themes": {t: reader_path(f, run.out_dir) for t, f in run.folders.items()},
        "files": {
            "pack": pptx.name,
            "community_page": page.name,
            "slide_png": [p.name for p in rendered],
        },
        "slides": [asdict(s) for s in slides],
        "headlines": {t: [h.as_dict() for h in rows] for t, rows in by_theme.items()},
        "readability": readability,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if render and not rendered:
        log["slide_png_note"] = "not rendered: LibreOffice (soffice) or pdftoppm not found"
    write_atomic(folder / "run_log.json", json.dumps(log, indent=2, default=str).encode("utf-8"))
    return log


def run_pack_cli(
    config: str | Path, out: str | Path = "output", run_date: str | None = None
) -> int:
    """``workbench pack CONFIG``: build the pack and page from the finished run; returns 0."""
    cfg = load_config(config)
    log = run_pack(out, run_date, commentary=cfg.commentary, study_folder=cfg.path.parent)
    # the run log names the study's config relative to its folder (no absolute path)
    if log["config"].get("config") and Path(log["config"]["config"]).name != cfg.path.name:
        logger.warning(
            "The run under %s was made with %s, not %s", out, log["config"]["config"], cfg.path
        )
    folder = Path(out).resolve() / f"{log['run_date']}_pack"
    print(f"meeting pack: {folder / log['files']['pack']} ({len(log['slides'])} slides)")
    print(f"community page: {folder / log['files']['community_page']}")
    r = log["readability"]
    print(
        f"readability: Flesch reading ease {r['flesch_reading_ease']:.0f}, "
        f"reading age about {r['reading_age']:.0f}"
    )
    if log["files"]["slide_png"]:
        print(f"slide images: {len(log['files']['slide_png'])} PNG in {folder}")
    return 0
