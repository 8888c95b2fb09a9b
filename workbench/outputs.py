"""One place that writes a theme's outputs: suppressed tables, offline maps, figures, run log.

Every file a notebook exports goes through :class:`Outputs`, so that every table is suppressed
with the study's threshold, every map is saved offline (no external host), synthetic data are
labelled in file names and notes, and the run log records what was written with which settings.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import logging
import platform
import re
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.config import PARTNERSHIP_TABLES, StudyConfig
from workbench.errors import WorkbenchError
from workbench.need.representation import REPRESENTATION_SHARES

__all__ = [
    "DERIVED_FROM",
    "PARTNERSHIP_TABLES",
    "Assumptions",
    "Banner",
    "Outputs",
    "PACKAGES",
    "SYNTHETIC_LABEL",
    "assumptions",
    "package_versions",
    "run_dir",
]

logger = logging.getLogger(__name__)

#: Distributions whose versions are written into every run log.
PACKAGES = (
    "workbench",
    "pandas",
    "numpy",
    "scipy",
    "geopandas",
    "shapely",
    "pyproj",
    "pyogrio",
    "esda",
    "libpysal",
    "mapclassify",
    "folium",
    "branca",
    "matplotlib",
    "pandera",
    "openpyxl",
    "ipywidgets",
    "papermill",
    "nbconvert",
    "nbclient",
    "ipykernel",
)

#: Seconds allowed for one map screenshot (headless Chromium).
PNG_TIMEOUT_S = 120

#: The label that marks invented (synthetic) data in file names, sheets and notes.
SYNTHETIC_LABEL = "SYNTHETIC"

#: The derived columns of the workbench's standard tables, by the count column each comes
#: from (rates, shares, ratios and their interval limits): pass the key as
#: ``Outputs.table(..., derived_from="representation")``. Columns absent from the table
#: shown are skipped.
DERIVED_FROM: dict[str, dict[str, list[str]]] = {
    "rate": {"count": ["rate", "lower", "upper"]},
    "compare_periods": {"count": ["change", "pct_change", "rate", "lower", "upper"]},
    "most_deprived_share": {"count": ["share_of_events", "lower", "upper", "ratio"]},
    "representation": {"in_treatment": list(REPRESENTATION_SHARES)},
    "deprivation_reach": {
        "count": ["share_of_events", "lower", "upper", "ratio", "ratio_lower", "ratio_upper"]
    },
    "decile_profile": {"count": ["rate", "lower", "upper", "share_of_events", "ratio"]},
    "waiting_times": {"within_target": ["share", "lower", "upper"]},
    "young_people_access": {
        "tier2_reached": ["tier2_share", "tier2_lower", "tier2_upper"],
        "tier3_within_10_days": ["tier3_10d_share", "tier3_10d_lower", "tier3_10d_upper"],
        "cohort": ["cohort_rate", "cohort_rate_lower", "cohort_rate_upper"],
    },
    "capacity_table": {"caseload": ["caseload_pct_of_capacity"]},
    "collection_times": {"within_target": ["proportion", "lower", "upper"]},
}

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")

#: The assumptions and caveats log (``docs/assumptions.md``), shipped as package data in
#: ``workbench/resources/`` (a link to the docs file in a clone).
ASSUMPTIONS_LOG = Path(__file__).resolve().parent / "resources" / "assumptions.md"


@dataclass
class Banner:
    """A short Markdown notice shown in a notebook (SYNTHETIC label, missing table)."""

    text: str

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


@dataclass
class Assumptions:
    """Entries of the assumptions log that match some keywords (shown as Markdown)."""

    keywords: tuple[str, ...]
    entries: list[tuple[str, str]] = field(default_factory=list)  # (source file, entry text)
    headers: dict[str, str] = field(default_factory=dict)  # source -> table header rows

    def to_markdown(self) -> str:
        """The matching entries, grouped by source, as Markdown."""
        if not self.entries:
            return (
                "_No entry of the assumptions log matches "
                f"{', '.join(self.keywords) or 'these keywords'}._"
            )
        lines: list[str] = []
        current = None
        for source, text in self.entries:
            if source != current:
                lines += ["", f"**From {source}**", ""]
                if text.startswith("|") and source in self.headers:
                    lines.append(self.headers[source])
                current = source
            elif lines and lines[-1].startswith("|") and not text.startswith("|"):
                lines.append("")
            elif lines and not lines[-1].startswith("|") and text.startswith("|"):
                lines += ["", self.headers.get(source, "")]
            lines.append(text)
        return "\n".join(lines).strip() + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        return self.to_markdown()


def _log_files(log: Path) -> list[Path]:
    if log.is_file():
        return [log]
    notes = log.parent / "notes"
    return sorted(notes.glob("*_assumptions.md")) if notes.is_dir() else []


def assumptions(*keywords: str, log: str | Path | None = None) -> Assumptions:
    """The entries of the assumptions log that mention any of ``keywords``.

    Reads ``docs/assumptions.md`` (or, before the lead has merged it, every
    ``docs/notes/*_assumptions.md``). An entry is a Markdown table row or a list item; the match
    is a case-insensitive substring test. With no keyword every entry is returned.

    Examples
    --------
    >>> assumptions("LSOA", "suppress").to_markdown()  # doctest: +SKIP
    """
    files = _log_files(Path(log) if log else ASSUMPTIONS_LOG)
    found = Assumptions(tuple(keywords))
    wanted = [k.lower() for k in keywords]
    for path in files:
        rows = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(rows):
            text = line.strip()
            is_row = text.startswith("|") and not re.match(r"^\|[\s:\-|]+\|$", text)
            is_item = bool(re.match(r"^([-*]|\d+\.)\s+\S", text))
            if not (is_row or is_item):
                continue
            if is_row and i + 1 < len(rows) and re.match(r"^\|[\s:\-|]+\|$", rows[i + 1].strip()):
                found.headers[path.name] = text + "\n" + rows[i + 1].strip()
                continue
            if not wanted or any(k in text.lower() for k in wanted):
                found.entries.append((path.name, text))
    return found


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed versions of ``packages`` (``"not installed"`` when absent), plus Python's."""
    versions = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def run_dir(out_dir: str | Path, theme: str, run_date: str | None = None) -> Path:
    """The folder ``<out_dir>/<YYYY-MM-DD>_<theme>`` of one theme's run (today by default)."""
    date = run_date or _dt.date.today().isoformat()
    try:
        _dt.date.fromisoformat(date)
    except ValueError as exc:
        raise WorkbenchError(f"run_date must be a date like '2024-03-31', found {date!r}") from exc
    if not _NAME_RE.match(theme):
        raise WorkbenchError(
            f"theme must be letters, digits, '_' or '-' (it names a folder), found {theme!r}"
        )
    return Path(out_dir) / f"{date}_{theme}"


class Outputs:
    """Writer of one theme's outputs into ``<out_dir>/<date>_<theme>/``.

    Parameters
    ----------
    theme : str
        Short theme name (``overview``, ``supply``, ...); names the folder.
    study : workbench.study.Study, optional
        The study; its config gives the suppression threshold and the run-log settings, and its
        ledger is written into the run log. Either ``study`` or ``config`` is needed.
    out_dir : str or Path, default "output"
        Parent folder of the run folders.
    run_date : str, optional
        ``YYYY-MM-DD`` of the run folder (default today). ``workbench report`` passes the same
        date to every notebook of a run.
    config : StudyConfig, optional
        Used when no study is given.

    Notes
    -----
    Conventions: counts from 1 to ``threshold - 1`` (the study's ``suppression_threshold``,
    default 5, so 1-4) are replaced by ``"*"`` with :func:`workbench.stats.suppress`, including
    the secondary suppression it applies where a total would reveal a hidden cell; zero is
    shown. Tables from synthetic inputs get ``SYNTHETIC`` in their file names, a first column
    ``data`` = ``SYNTHETIC`` and a note.

    Examples
    --------
    >>> out = Outputs("supply", study, out_dir="output")  # doctest: +SKIP
    >>> shown = out.table("top_lsoas", df, count_columns=["count"])  # doctest: +SKIP
    >>> out.map("hotspots", m)  # doctest: +SKIP
    >>> out.run_log()  # doctest: +SKIP
    """

    def __init__(
        self,
        theme: str,
        study: Any = None,
        out_dir: str | Path = "output",
        run_date: str | None = None,
        config: StudyConfig | None = None,
    ) -> None:
        if study is None and config is None:
            raise WorkbenchError("Outputs needs a study or a config; received neither")
        self.theme = theme
        self.study = study
        self.config: StudyConfig = study.config if study is not None else config
        self.dir = run_dir(out_dir, theme, run_date)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.records: list[dict[str, Any]] = []
        self.started = _dt.datetime.now(_dt.UTC)
        logger.info("Writing %s outputs to %s", theme, self.dir)

    @property
    def threshold(self) -> int:
        """Suppression threshold: counts from 1 to ``threshold - 1`` are hidden."""
        return int(self.config.suppression_threshold)

    def has(self, key: str) -> bool:
        """True when the study configures the input file ``key``."""
        return bool(self.config.file(key))

    def is_synthetic(self, key: str) -> bool:
        """True when the configured file ``key`` is synthetic (``synthetic`` in its name)."""
        path = self.config.file(key)
        paths = path if isinstance(path, list) else [path] if path else []
        return any(SYNTHETIC_LABEL.lower() in Path(p).name.lower() for p in paths)

    def label(self, key: str, what: str = "") -> Banner:
        """A notice for input ``key``: SYNTHETIC, not configured, or empty for real data."""
        what = what or key.replace("_", " ")
        if not self.has(key):
            return Banner(
                f"> **Not configured:** the study's `area.toml` names no `{key}` file, so "
                f"{what} is skipped. Add it under `[files]` (template in docs/templates.md)."
            )
        if self.is_synthetic(key):
            return Banner(
                f"> **{SYNTHETIC_LABEL}:** {what} comes from `{Path(self.config.file(key)).name}`,"
                " invented for the sample. Do not quote these figures as facts."
            )
        return Banner("")

    def sources(self) -> pd.DataFrame:
        """Which partnership tables are configured, and which are synthetic."""
        rows = []
        for key in PARTNERSHIP_TABLES:
            path = self.config.file(key)
            rows.append(
                {
                    "table": key,
                    "file": Path(path).name if path else "",
                    "status": (
                        "not configured"
                        if not path
                        else SYNTHETIC_LABEL
                        if self.is_synthetic(key)
                        else "configured"
                    ),
                }
            )
        return pd.DataFrame(rows)

    def _stem(self, name: str, synthetic: bool) -> str:
        if not _NAME_RE.match(name):
            raise WorkbenchError(
                f"output name must be letters, digits, '_' or '-' (it names a file), found {name!r}"
            )
        return f"{SYNTHETIC_LABEL}_{name}" if synthetic else name

    def _record(self, kind: str, name: str, paths: list[Path], **extra: Any) -> None:
        self.records.append(
            {
                "kind": kind,
                "name": name,
                "files": [p.name for p in paths],
                **extra,
            }
        )

    def table(
        self,
        name: str,
        df: pd.DataFrame,
        count_columns: list[str] | None = None,
        *,
        derived: dict[str, str] | None = None,
        derived_from: str | Mapping[str, Sequence[str]] | None = None,
        synthetic: bool = False,
        note: str | None = None,
    ) -> pd.DataFrame:
        """Suppress ``df`` and write it as ``<name>.csv`` and ``<name>.xlsx``.

        Parameters
        ----------
        name : str
            File stem (``SYNTHETIC_`` is prefixed for synthetic tables).
        df : DataFrame
            The table, with counts as whole numbers. A "Total"/"All" row or column is treated
            as a margin for secondary suppression (see :func:`workbench.stats.suppress`).
        count_columns : list of str, optional
            Columns holding counts of people or events, to suppress. ``None`` means every
            integer column. Population columns should not be listed.
        derived : dict, optional
            Derived column -> count column it comes from (rates, percentages, interval
            limits); hidden wherever that count is hidden.
        derived_from : str or mapping, optional
            The same, grouped by count column: count column -> the derived columns that come
            from it, e.g. ``{"in_treatment": ["share_treatment", "ratio"]}``, or the name of a
            standard table in :data:`DERIVED_FROM` (``"representation"``, ``"waiting_times"``,
            ...). Derived columns not in ``df`` are skipped. Merged with ``derived``; a column
            given two different count columns is an error.
        synthetic : bool, default False
            The table comes from a synthetic input: label it.
        note : str, optional
            Conventions and caveats, written to the XLSX ``notes`` sheet and the run log.

        Returns
        -------
        DataFrame
            The suppressed table as written (to display in the notebook).

        Raises
        ------
        WorkbenchError
            A count column that is not in the table, or (defensively) a small count still
            shown after suppression (:func:`workbench.stats.check_suppressed`).
        """
        from workbench.stats import check_suppressed, suppress

        if not isinstance(df, pd.DataFrame):
            raise WorkbenchError(f"Outputs.table({name!r}): expected a DataFrame, found {type(df)}")
        derived = dict(derived or {})
        if isinstance(derived_from, str):
            if derived_from not in DERIVED_FROM:
                raise WorkbenchError(
                    f"Outputs.table({name!r}): derived_from={derived_from!r} is not a standard "
                    f"table; expected one of {sorted(DERIVED_FROM)} or a mapping"
                )
            derived_from = DERIVED_FROM[derived_from]
        for count_column, columns in (derived_from or {}).items():
            if isinstance(columns, str):
                columns = [columns]
            for column in columns:
                if column not in df.columns:
                    continue
                if derived.get(column, count_column) != count_column:
                    raise WorkbenchError(
                        f"Outputs.table({name!r}): derived column {column!r} is given two count "
                        f"columns, {derived[column]!r} and {count_column!r}"
                    )
                derived[column] = count_column
        if count_columns is None:
            count_columns = [
                c for c in df.columns if pd.api.types.is_integer_dtype(df[c]) and c not in derived
            ]
        missing = [c for c in [*count_columns, *derived] if c not in df.columns]
        if missing:
            raise WorkbenchError(
                f"Outputs.table({name!r}): columns {missing} are not in the table "
                f"(columns: {list(df.columns)})"
            )
        shown = df
        if count_columns:
            shown = suppress(
                df,
                self.threshold,
                count_columns=list(count_columns),
                derived=derived or None,
            )
            check_suppressed(shown, self.threshold, count_columns=list(count_columns))
        if synthetic:
            shown = shown.copy()
            shown.insert(0, "data", SYNTHETIC_LABEL)
        stem = self._stem(name, synthetic)
        csv_path = self.dir / f"{stem}.csv"
        xlsx_path = self.dir / f"{stem}.xlsx"
        index = not isinstance(shown.index, pd.RangeIndex)
        shown.to_csv(csv_path, index=index)
        notes = self._notes(note, list(count_columns), synthetic)
        with pd.ExcelWriter(xlsx_path, engine="openpyxl") as xl:
            shown.to_excel(xl, sheet_name="table", index=index)
            pd.DataFrame({"note": notes}).to_excel(xl, sheet_name="notes", index=False)
        self._record(
            "table",
            name,
            [csv_path, xlsx_path],
            rows=len(shown),
            count_columns=[str(c) for c in count_columns],
            derived={str(k): str(v) for k, v in derived.items()},
            synthetic=synthetic,
            note=note,
        )
        logger.info("Wrote table %s (%d rows)", csv_path, len(shown))
        return shown

    def _notes(self, note: str | None, count_columns: list[str], synthetic: bool) -> list[str]:
        notes = [
            f"Study: {self.config.name} ({', '.join(self.config.area_codes)}), "
            f"{self.config.period_start} to {self.config.period_end}.",
            f"Counts from 1 to {self.threshold - 1} in {', '.join(count_columns) or 'no column'} "
            'are shown as "*"; a second cell is hidden where a total would reveal one.',
        ]
        if synthetic:
            notes.insert(0, f"{SYNTHETIC_LABEL}: invented data for demonstration; not real.")
        if note:
            notes.append(note)
        return notes

    def map(self, name: str, m: Any, *, png: bool = True, synthetic: bool = False) -> Path:
        """Save a folium map offline as ``<name>.html`` and, if ``png``, ``<name>.png``.

        Uses :func:`workbench.maps.save_map` with ``offline=True`` (Leaflet inlined, no external
        host) and :func:`workbench.maps.screenshot`. A failed screenshot (no browser) is logged
        and recorded in the run log; the HTML is still written.

        Returns
        -------
        Path
            The HTML file.
        """
        from workbench.maps import save_map
        from workbench.maps.browser import map_png

        stem = self._stem(name, synthetic)
        html_path = self.dir / f"{stem}.html"
        save_map(m, html_path, offline=True)
        paths = [html_path]
        png_error = None
        renderer = None
        if png:
            # The PNG comes from the run's shared headless Chromium, or from the matplotlib
            # static renderer when there is no browser (workbench.maps.browser.map_png).
            png_path = self.dir / f"{stem}.png"
            pool = ThreadPoolExecutor(max_workers=1)
            try:
                made, renderer = pool.submit(map_png, m, html_path, png_path).result(
                    timeout=PNG_TIMEOUT_S
                )
                paths.append(made)
            except Exception as exc:  # noqa: BLE001 - a failed PNG must not stop a report
                png_error = f"{type(exc).__name__}: {exc}"
            finally:
                pool.shutdown(wait=False)
            if png_error:
                logger.warning("No PNG for map %s: %s", name, png_error)
        self._record(
            "map", name, paths, synthetic=synthetic, png_error=png_error, png_renderer=renderer
        )
        return html_path

    def figure(self, name: str, fig: Any, *, synthetic: bool = False, dpi: int = 150) -> Path:
        """Save a matplotlib figure as ``<name>.png``."""
        stem = self._stem(name, synthetic)
        path = self.dir / f"{stem}.png"
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        self._record("figure", name, [path], synthetic=synthetic)
        return path

    def figures(self, figures: Mapping[str, Any], *, synthetic: bool = False) -> list[Path]:
        """Save several matplotlib figures, name -> figure, as :meth:`figure` does each."""
        return [self.figure(name, fig, synthetic=synthetic) for name, fig in figures.items()]

    def note(self, name: str, text: str) -> Path:
        """Write a short text (e.g. the assumptions that apply) as ``<name>.md``."""
        path = self.dir / f"{self._stem(name, False)}.md"
        path.write_text(text, encoding="utf-8")
        self._record("note", name, [path])
        return path

    def run_log(self, extra: dict[str, Any] | None = None) -> Path:
        """Write ``run_log.json``: settings, package versions, ledger and files written."""
        log: dict[str, Any] = {
            "theme": self.theme,
            "started_utc": self.started.isoformat(timespec="seconds"),
            "finished_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "config": self.config.summary(),
            "python_executable": sys.executable,
            "packages": package_versions(),
            "outputs": self.records,
        }
        if self.study is not None and getattr(self.study, "ledger", None) is not None:
            log["ledger"] = self.study.ledger.to_dict()
        if extra:
            log["parameters"] = extra
        path = self.dir / "run_log.json"
        path.write_text(json.dumps(log, indent=2, default=str), encoding="utf-8")
        logger.info("Wrote run log %s", path)
        return path

    def __repr__(self) -> str:
        lines = [f"Outputs in {self.dir}:"]
        lines += [f"  {r['kind']}: {', '.join(r['files'])}" for r in self.records]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        items = "".join(
            f"<li>{html.escape(r['kind'])}: {html.escape(', '.join(r['files']))}</li>"
            for r in self.records
        )
        return f"<p>Outputs in <code>{html.escape(str(self.dir))}</code></p><ul>{items}</ul>"
