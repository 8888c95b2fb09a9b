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

from workbench.assumptions import Entry, id_marker, load_log, select
from workbench.assumptions import table as assumption_table
from workbench.config import PARTNERSHIP_TABLES, TREATMENT_EXPORT_KEYS, StudyConfig
from workbench.coverage import Window
from workbench.disclosure.audit import (
    AuditResult,
    audit_charts_and_maps,
    audit_files,
    read_published,
    tables_of_folder,
)
from workbench.disclosure.model import Published, key_text, numbers
from workbench.disclosure.policy import ZEROS_HIDDEN_NOTE, Policy
from workbench.disclosure.protect import (
    apply_mask,
    derived_mask,
    rank_order,
)
from workbench.disclosure.spec import Described, TableSpec
from workbench.errors import WorkbenchError
from workbench.headlines import FILE as HEADLINES_FILE
from workbench.headlines import Headline, write_headlines
from workbench.markup import reader_paths
from workbench.stats.periods import table_window
from workbench.writing.cells import safe_csv_frame, whole_counts, write_xlsx
from workbench.writing.folder import OutputFolder, is_complete, write_errors

__all__ = [
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

#: ``data`` not given to :meth:`Outputs.figure` (``None`` is a declared choice).
_UNSET: Any = object()

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")


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
    """Entries of the assumptions log that match some keywords (shown as Markdown).

    The entries come from the log's data (:mod:`workbench.assumptions`); the Markdown ends
    with a comment naming their ids, which the meeting pack reads
    (:func:`workbench.assumptions.ids_in`).
    """

    keywords: tuple[str, ...]
    entries: list[Entry] = field(default_factory=list)

    def to_markdown(self) -> str:
        """The matching entries as one Markdown table, with the id marker."""
        if not self.entries:
            return (
                "_No entry of the assumptions log matches "
                f"{', '.join(self.keywords) or 'these keywords'}._\n"
            )
        return (
            "**From the assumptions log**\n\n"
            + assumption_table(self.entries)
            + "\n\n"
            + id_marker(self.entries)
            + "\n"
        )

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        return self.to_markdown()


def assumptions(*keywords: str, log: str | Path | None = None) -> Assumptions:
    """The entries of the assumptions log that mention any of ``keywords``.

    Reads the log's data (``workbench/resources/assumptions.toml``, or the TOML file ``log``;
    :func:`workbench.assumptions.load_log`); the match is a case-insensitive substring test
    on each entry's row (:func:`workbench.assumptions.select`). With no keyword every entry
    is returned.

    Examples
    --------
    >>> [e.id for e in assumptions("snap points").entries][:1]
    ['A01']
    """
    return Assumptions(tuple(keywords), select(load_log(log), keywords))


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


def district_names(study: Any) -> dict[str, str]:
    """District code -> name from the study's LSOAs (``lad_code``, ``lad_name``); codes
    without a name are left out."""
    lsoas = getattr(study, "lsoas", None)
    if lsoas is None or not {"lad_code", "lad_name"} <= set(lsoas.columns):
        return {}
    pairs = lsoas[["lad_code", "lad_name"]].dropna().drop_duplicates("lad_code")
    return {
        str(code): str(name)
        for code, name in zip(pairs["lad_code"], pairs["lad_name"], strict=True)
        if str(name).strip() and str(name) != str(code) and str(name) not in ("nan", "<NA>")
    }


def figure_legend(fig: Any) -> list[dict[str, str]]:
    """What a matplotlib figure's legends show: each entry's label, colour (``#rrggbb``) and
    mark (``points``, ``line``, ``dashed line``, ``shading``), read from the drawn artists."""
    from matplotlib import colors as mcolors
    from matplotlib.collections import Collection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    found = []
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if isinstance(handle, Line2D):
                style = handle.get_linestyle()
                mark = "points" if style in ("None", "", " ") else "line"
                mark = "dashed line" if style in ("--", "dashed") else mark
                colour = handle.get_color()
            elif isinstance(handle, Collection):
                faces = handle.get_facecolor()
                colour = faces[0] if len(faces) else handle.get_edgecolor()[0]
                mark = "points"
            elif isinstance(handle, Patch):
                colour, mark = handle.get_facecolor(), "shading"
            else:
                continue
            found.append({"label": str(label), "colour": mcolors.to_hex(colour), "mark": mark})
    return found


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
    >>> top = hotspots.top_zones(counts)  # doctest: +SKIP
    >>> shown = out.table("top_lsoas", top.select(["lsoa_code", "count"]))  # doctest: +SKIP
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
        *,
        mark_complete: bool = True,
    ) -> None:
        if study is None and config is None:
            raise WorkbenchError("Outputs needs a study or a config; received neither")
        self.theme = theme
        self.study = study
        self.config: StudyConfig = study.config if study is not None else config
        self.final_dir = run_dir(out_dir, theme, run_date)
        self._folder = OutputFolder(self.final_dir)
        #: False under ``workbench report``: the run adds the HTML report and the executed
        #: notebook after :meth:`run_log`, then writes the completion marker itself (last).
        self.mark_complete = mark_complete
        #: Where files are written: a hidden staging folder until :meth:`run_log` moves it
        #: into place as :attr:`final_dir`.
        self.dir = self._folder.staging
        self.records: list[dict[str, Any]] = []
        self.started = _dt.datetime.now(_dt.UTC)
        self._published: list[Published] = []
        #: Headline records of the tables written (:func:`workbench.pack.publish_headlines`),
        #: written as ``headlines.json`` by :meth:`run_log` (no file when there are none; the
        #: run log's ``headline_records`` counts them).
        self.headlines: list[Headline] = []
        self._context: list[Published] | None = None
        self.audit: AuditResult | None = None
        logger.info("Writing %s outputs to %s (staged in %s)", theme, self.final_dir, self.dir)

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
        """Which partnership tables are configured, and which are synthetic; and the NDTMS
        ViewIt exports when the study names them (issue 23)."""
        rows = []
        exports = [k for k in TREATMENT_EXPORT_KEYS if self.config.file(k)]
        for key in (*PARTNERSHIP_TABLES, *exports):
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
                "files": [Path(p).name for p in paths],
                **extra,
            }
        )

    @property
    def policy(self) -> Policy:
        """The study's disclosure policy (threshold, ``open_data_in_full``)."""
        return Policy(self.threshold, self.open_data_in_full)

    @property
    def open_data_in_full(self) -> bool:
        """The study's ``[disclosure] open_data_in_full`` (police.uk counts shown in full)."""
        return bool(getattr(self.config, "open_data_in_full", False))

    def disclosure_note(self) -> Banner:
        """The disclosure choice of this run, in words (shown in reports and table notes)."""
        t = self.threshold
        police = (
            "Police.uk counts are open data already published and are shown in full "
            "(`[disclosure] open_data_in_full = true`)."
            if self.open_data_in_full
            else "Police.uk counts are suppressed like partnership counts "
            "(`[disclosure] open_data_in_full = false`)."
        )
        return Banner(
            f"> **Disclosure control:** partnership tables and everything derived from them "
            f"show counts from 1 to {t - 1} as `*`, with further cells hidden wherever a "
            "total, a complement or another table published in this run would reveal them, "
            f"and rates, shares and interval limits of hidden counts hidden too. {police} "
            "See docs/disclosure.md."
        )

    def _protected(self, spec: TableSpec) -> bool:
        return self.policy.protects(spec.source)

    def _run_folders(self) -> list[Path]:
        """Complete folders of the other themes of this run (same parent folder and date)."""
        parent = self.final_dir.parent
        date = self.final_dir.name.split("_", 1)[0]
        return [
            f
            for f in sorted(parent.glob(f"{date}_*"))
            if f != self.final_dir and f.is_dir() and is_complete(f)
        ]

    def _load_context(self) -> list[Published]:
        """Protected tables already published in this run by the other themes (from disk)."""
        if self._context is None:
            self._context = []
            for folder in self._run_folders():
                try:
                    for path, spec in tables_of_folder(folder):
                        if path.is_file():
                            self._context.append(
                                read_published(path, spec, name=f"{folder.name}/{path.name}")
                            )
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    logger.warning("Ignoring unreadable earlier outputs in %s: %s", folder, exc)
        return self._context

    def table(
        self,
        name: str,
        result: Described,
        *,
        synthetic: bool = False,
        note: str | None = None,
        window: Window | None = None,
    ) -> pd.DataFrame:
        """Suppress an analysis result and write it as ``<name>.csv`` and ``<name>.xlsx``.

        Parameters
        ----------
        name : str
            File stem (``SYNTHETIC_`` is prefixed for synthetic tables).
        result : Described
            The analysis result: its frame (a named index becomes columns) and the
            description its analysis function built (which columns count people or events,
            which derive from counts, which are safe). Select, rename and round it with
            :class:`~workbench.disclosure.Described`'s methods so the description follows.
        synthetic : bool, default False
            The table comes from a synthetic input: label it.
        note : str, optional
            Conventions and caveats, written to the XLSX ``notes`` sheet and the run log.
        window : Window, optional
            The months the table covers (e.g. ``study.coverage.latest(12)``); default: read
            from the table's own month columns (:func:`workbench.stats.table_window`). Its
            label (months, and how many the data hold) is the table's period in the notes
            and the caption, rather than the study period.

        Returns
        -------
        DataFrame
            The table as written (to display in the notebook).

        Raises
        ------
        WorkbenchError
            Not a :class:`~workbench.disclosure.Described` (a bare DataFrame has no
            description), a numeric column the description does not cover, a derived column
            kept without its counts, or a hidden cell that tables published earlier in the
            run fix (see :func:`workbench.disclosure.protect`).

        Notes
        -----
        Conventions (``docs/disclosure.md``): a protected table (a partnership table, or
        any table unless ``[disclosure] open_data_in_full``) is suppressed together with
        the tables already published in this run (this theme's and the other themes'
        complete folders of the same date): primary 1 to ``threshold - 1``, complements,
        secondary against every margin, derived values. Text cells that would start a
        spreadsheet formula are neutralised (:mod:`workbench.writing.cells`).
        """
        df, spec = self._described(f"Outputs.table({name!r})", result)
        if self._folder.done:
            raise WorkbenchError(f"the outputs of {self.theme} are already complete")
        stem = self._stem(name, synthetic)
        protected = self._protected(spec)
        shown = df
        hidden = pd.DataFrame(False, index=df.index, columns=df.columns)
        if protected and spec.counts:
            pub = Published(f"{self.final_dir.name}/{stem}.csv", df, spec, hidden)
            context = [*self._load_context(), *self._published]
            (hidden,) = self.policy.protect([pub], context)
            if pub.spec.zeros_hidden:  # secondary suppression had to hide a zero too
                spec = pub.spec
                note = " ".join(filter(None, [note, ZEROS_HIDDEN_NOTE]))
            df, hidden = rank_order(df, hidden, spec)
            pub.values, pub.hidden = df, hidden
            pub.fixed = True
            self._published.append(pub)
            shown = apply_mask(df, hidden)
        shown = whole_counts(shown, list(spec.counts))
        if synthetic:
            shown = shown.copy()
            shown.insert(0, "data", SYNTHETIC_LABEL)
        csv_path = self.dir / f"{stem}.csv"
        xlsx_path = self.dir / f"{stem}.xlsx"
        window = window if window is not None else table_window(df)
        notes = self._notes(note, list(spec.counts), synthetic, protected, window)
        with write_errors(f"table {name} in {self.dir}"):
            # CRLF line ends (RFC 4180): a field holding a carriage return is then quoted, so
            # a name cannot break a row
            safe_csv_frame(shown).to_csv(csv_path, index=False, lineterminator="\r\n")
            write_xlsx(shown, xlsx_path, notes)
        self._record(
            "table",
            name,
            [csv_path, xlsx_path],
            rows=len(shown),
            count_columns=list(spec.counts),
            hidden_cells=int(hidden[list(spec.counts)].to_numpy().sum()) if spec.counts else 0,
            protected=protected,
            disclosure=spec.to_dict(),
            synthetic=synthetic,
            note=note,
            window=window.label() if window is not None else None,
        )
        self._publish_headlines(name, csv_path.name, df, hidden, synthetic)
        logger.info("Wrote table %s (%d rows)", csv_path, len(shown))
        return shown

    def _publish_headlines(
        self, name: str, file: str, frame: pd.DataFrame, hidden: pd.DataFrame, synthetic: bool
    ) -> None:
        """Keep the headline records of table ``name`` (none for most tables): made from the
        values written and the cells hidden, never from a hidden value."""
        from workbench.pack import HeadlineContext, publish_headlines

        index = getattr(self.study, "deprivation_index", None) if self.study is not None else None
        ctx = HeadlineContext(
            theme=self.theme,
            table=name,
            source=file,
            synthetic=synthetic,
            per=int(self.config.per),
            index=index.to_dict() if index is not None else {},
        )
        # a table written again replaces its records
        self.headlines = [h for h in self.headlines if h.table != name]
        self.headlines += publish_headlines(ctx, frame, hidden)

    @staticmethod
    def _described(where: str, result: Any) -> tuple[pd.DataFrame, TableSpec]:
        """The frame (index as columns) and spec of ``result``; refuse anything else.

        A numeric column the description does not cover stops the export: a column added or
        renamed on ``result.frame`` outside :class:`~workbench.disclosure.Described`.
        """
        if not isinstance(result, Described):
            found = type(result).__name__
            hint = (
                " (a bare DataFrame has no description: publish the result of the analysis "
                "function, which says what its columns are, selected with .select([...]))"
                if isinstance(result, pd.DataFrame)
                else ""
            )
            raise WorkbenchError(
                f"{where}: expected an analysis result (workbench.disclosure.Described), "
                f"found {found}{hint}"
            )
        # checked again: the frame may have been edited in place since the result was made
        result = Described(result.frame, result.spec)
        if not isinstance(result.frame.index, pd.RangeIndex):
            result = result.reset_index()
        df = result.frame.copy()
        df.columns = [str(c) for c in df.columns]
        spec = result.spec.restricted(df.columns)
        loose = [
            c
            for c in df.columns
            if c not in spec.described
            and not pd.api.types.is_bool_dtype(df[c].dtype)
            and pd.api.types.is_numeric_dtype(df[c].dtype)
        ]
        if loose:
            raise WorkbenchError(
                f"{where}: numeric column(s) {loose} are not described by the result's "
                "description: a column added or renamed outside Described; use "
                "Described.rename / select, or describe it in the analysis function"
            )
        return df, spec

    @staticmethod
    def _shape(
        frame: pd.DataFrame, index: str | None, columns: str | None, values: str | None
    ) -> pd.DataFrame:
        if columns is not None:
            if index is None or values is None:
                raise WorkbenchError("plot_data: columns= needs index= and values=")
            wide = frame.pivot(index=index, columns=columns, values=values)
            return wide.reindex(columns=list(dict.fromkeys(frame[columns])))
        return frame.set_index(index) if index is not None else frame

    @classmethod
    def plot_data(
        cls,
        shown: pd.DataFrame,
        drop: str | None = None,
        index: str | None = None,
        columns: str | None = None,
        values: str | None = None,
    ) -> pd.DataFrame:
        """The numbers a figure may plot from a published table: hidden cells become NaN.

        A chart drawn from this frame cannot show a rate, share or bar of a hidden count: a
        hidden month is a gap in a line, a hidden decile has no point or bar. ``drop``:
        leave out the rows whose ``drop`` column is hidden (a funnel plot of the areas whose
        count is shown). ``index``: a column to index the result by; with ``columns`` and
        ``values`` the table is pivoted (``index="month", columns="crime_type",
        values="count"``: one series per column for :func:`workbench.stats.spc_summary`).
        """
        out = shown.copy()
        for col in out.columns:
            text = out[col].astype(str)
            if out[col].dtype == object and (text == "*").any():
                out[col] = numbers(out[col].where(text != "*"))
        if drop is not None:
            out = out[out[drop].notna()]
        if columns is not None and values is not None:
            out[values] = numbers(out[values])
        return cls._shape(out, index, columns, values)

    @classmethod
    def withheld(
        cls,
        shown: pd.DataFrame,
        index: str | None = None,
        columns: str | None = None,
        values: str | None = None,
    ) -> pd.DataFrame:
        """True where the published table shows ``"*"`` (withheld), False elsewhere.

        Beside :meth:`plot_data` (same ``index``, ``columns``, ``values``): a chart tells a
        withheld value ("fewer than 5") from a missing one (no data).
        """
        mask = shown.apply(lambda col: col.astype(str).str.strip() == "*")
        if columns is not None:
            keys = shown[[c for c in (index, columns) if c is not None]]
            return cls._shape(pd.concat([keys, mask[[values]]], axis=1), index, columns, values)
        if index is not None:
            mask.index = pd.Index(shown[index], name=index)
            mask = mask.drop(columns=[index])
        return mask

    def masked(self, name: str, result: Described) -> pd.DataFrame:
        """``result``'s frame with every number the published table ``name`` withholds NaN.

        For maps and widgets that show the same rows as a table already written with
        :meth:`table`: count cells hidden there (primary, complement or secondary, matched
        on the description's dimensions) are hidden here, as are small counts of the
        result's other count columns and every value derived from a hidden count. The
        result is numeric (NaN = withheld), ready for a choropleth or an explorer.

        Raises
        ------
        WorkbenchError
            ``result`` is not a :class:`~workbench.disclosure.Described`, or no table
            ``name`` was written by this run.
        """
        if not isinstance(result, Described):
            raise WorkbenchError(
                f"Outputs.masked({name!r}): expected an analysis result "
                f"(workbench.disclosure.Described), found {type(result).__name__}"
            )
        df, spec = result.frame, result.spec
        stem = f"/{name}.csv"
        synthetic_stem = f"/{SYNTHETIC_LABEL}_{name}.csv"
        pub = next((p for p in self._published if p.name.endswith((stem, synthetic_stem))), None)
        if pub is None and any(r["name"] == name for r in self.records):
            pub = None  # written unprotected (open data in full): only the rules below apply
        elif pub is None:
            raise WorkbenchError(f"Outputs.masked: no table {name!r} has been written")
        frame = df.copy()
        full = spec.restricted([c for c in frame.columns if c in spec.described])
        if not self._protected(full):
            return df
        hidden = self.policy.mask(frame, full)
        if pub is not None:
            dims = [d for d in full.dims if d in pub.values.columns and d in frame.columns]
            keys = [pub.values[d].map(key_text) for d in dims]
            theirs = pd.MultiIndex.from_arrays(keys) if dims else None
            ours = (
                pd.MultiIndex.from_arrays([frame[d].map(key_text) for d in dims]) if dims else None
            )
            for col in full.counts:
                if col not in pub.hidden.columns:
                    continue
                if theirs is None:
                    continue
                lookup = pd.Series(pub.hidden[col].to_numpy(dtype=bool), index=theirs)
                lookup = lookup[~lookup.index.duplicated()]
                got = lookup.reindex(ours).fillna(False).to_numpy(dtype=bool)
                hidden[col] = hidden[col].to_numpy(dtype=bool) | got
        hidden = derived_mask(hidden, full)
        out = frame.copy()
        for col in [*full.counts, *full.derived]:
            if col in out.columns and hidden[col].any():
                out[col] = numbers(out[col]).where(~hidden[col].to_numpy(dtype=bool))
        return out

    def _notes(
        self,
        note: str | None,
        count_columns: list[str],
        synthetic: bool,
        protected: bool = True,
        window: Window | None = None,
    ) -> list[str]:
        counted = ", ".join(count_columns) or "no column"
        study = f"{self.config.period_start} to {self.config.period_end}"
        notes = [
            f"Study: {self.config.name} ({', '.join(self.config.area_codes)}), "
            + (f"months {window.label()} (study period {study})." if window else f"{study}."),
            (
                f"Counts from 1 to {self.threshold - 1} in {counted} are shown as '*'; further "
                "cells are hidden where a total, a complement or another table of this run "
                "would reveal one, and values derived from hidden counts are hidden."
                if protected
                else "Open data (police.uk) shown in full: [disclosure] open_data_in_full = true."
            ),
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
        with write_errors(f"map {name} in {self.dir}"):
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

    def _figure_tables(
        self, name: str, data: Any, reason: str | None
    ) -> tuple[list[str], list[tuple[pd.DataFrame, TableSpec | None]] | None, list[str]]:
        """The tables a figure declares (names, their CSV text and specs, file names)."""
        if data is _UNSET:
            raise WorkbenchError(
                f"Outputs.figure({name!r}): say which published table the figure plots, "
                "data='<name given to out.table>' (the chart must be drawn from "
                "out.plot_data(shown) of that table), or data=None with reason='...' for a "
                "figure that plots no number derived from counts"
            )
        if data is None:
            if not isinstance(reason, str) or not reason.strip():
                raise WorkbenchError(
                    f"Outputs.figure({name!r}, data=None): give reason='...' saying why the "
                    "figure plots no number derived from counts (e.g. published indicator "
                    "values)"
                )
            return [], None, []
        names = [data] if isinstance(data, str) else list(data)
        tables: list[tuple[pd.DataFrame, TableSpec | None]] = []
        files: list[str] = []
        for table in names:
            rec = next(
                (r for r in self.records if r["kind"] == "table" and r["name"] == table), None
            )
            if rec is None:
                raise WorkbenchError(
                    f"Outputs.figure({name!r}): data={table!r} names no table written by this "
                    f"run; write it first with out.table({table!r}, ...)"
                )
            csv = next(f for f in rec["files"] if f.endswith(".csv"))
            text = pd.read_csv(self.dir / csv, dtype=str, keep_default_na=False)
            spec = TableSpec.from_dict(rec["disclosure"]) if "disclosure" in rec else None
            tables.append((text, spec))
            files.append(csv)
        return names, tables, files

    def figure(
        self,
        name: str,
        fig: Any,
        *,
        data: str | Sequence[str] | None = _UNSET,  # type: ignore[assignment]
        reason: str | None = None,
        value_axis: str = "y",
        synthetic: bool = False,
        dpi: int = 150,
    ) -> Path:
        """Check a matplotlib figure against the table it plots and save it as ``<name>.png``.

        Parameters
        ----------
        name : str
            File stem.
        fig : matplotlib.figure.Figure
            The chart, drawn from :meth:`plot_data` of the table(s) ``data``.
        data : str, list of str or None
            Required: the name(s) given to :meth:`table` of the published table(s) the chart
            plots. ``None`` only for a figure that plots no number derived from counts
            (published indicator values), with ``reason``.
        reason : str, optional
            Why a figure with ``data=None`` needs no table (recorded in the run log).
        value_axis : {"y", "x"}, default "y"
            The axis carrying the values ("x" for horizontal bars).
        synthetic : bool, default False
            Label the file ``SYNTHETIC_`` (also done when a table in ``data`` is synthetic).
        dpi : int, default 150

        Raises
        ------
        WorkbenchError
            No ``data`` declared, a table not written by this run, or a plotted value that
            the declared table does not show (the message names the figure and the value).

        Notes
        -----
        The values plotted (lines, scatter points, bar lengths, error bars, bands; reference
        lines marked with :func:`workbench.disclosure.figures.reference` excepted) must each
        be a count, derived or safe value the table shows, to the decimals it shows
        (:mod:`workbench.disclosure.figures`). They are recorded in the run log with the
        table's file, and the run-level audit checks them again against the CSV on disk.
        """
        from workbench.disclosure.figures import (
            plotted_values,
            round_values,
            shown_values,
            unmatched,
        )

        if self._folder.done:
            raise WorkbenchError(f"the outputs of {self.theme} are already complete")
        names, tables, files = self._figure_tables(name, data, reason)
        values, refs = plotted_values(fig, value_axis)
        if tables is not None:
            shown, tolerance = shown_values(tables)
            bad = unmatched(values, shown, tolerance)
            if bad:
                raise WorkbenchError(
                    f"figure {name!r} plots {len(bad)} value(s) that table(s) {names} do not "
                    f"show, first {bad[0]:g}: draw the chart from out.plot_data(shown) of the "
                    "published table (a hidden cell is a gap, not a point)"
                )
        # a chart of a synthetic table is synthetic too
        synthetic = synthetic or any(
            r.get("synthetic") for r in self.records if r["kind"] == "table" and r["name"] in names
        )
        stem = self._stem(name, synthetic)
        path = self.dir / f"{stem}.png"
        with write_errors(f"figure {name} in {self.dir}"):
            fig.savefig(path, dpi=dpi, bbox_inches="tight")
        self._record(
            "figure",
            name,
            [path],
            synthetic=synthetic,
            data=names,
            data_files=files,
            reason=reason if data is None else None,
            value_axis=value_axis,
            values=round_values(values),
            reference_artists=refs,
            legend=figure_legend(fig),
        )
        return path

    def figures(
        self,
        figures: Mapping[str, Any],
        *,
        data: str | Sequence[str] | None = _UNSET,  # type: ignore[assignment]
        reason: str | None = None,
        synthetic: bool = False,
    ) -> list[Path]:
        """Save several matplotlib figures, name -> figure, as :meth:`figure` does each
        (all drawn from the same published table(s) ``data``)."""
        return [
            self.figure(name, fig, data=data, reason=reason, synthetic=synthetic)
            for name, fig in figures.items()
        ]

    def note(self, name: str, text: str) -> Path:
        """Write a short text (e.g. the assumptions that apply) as ``<name>.md``."""
        path = self.dir / f"{self._stem(name, False)}.md"
        with write_errors(f"note {name} in {self.dir}"):
            path.write_text(text, encoding="utf-8")
        self._record("note", name, [path])
        return path

    def audit_outputs(self) -> AuditResult:
        """Read this theme's protected CSV files back from disk and attack them together with
        the complete folders of the other themes of this run
        (:func:`workbench.disclosure.audit.audit_files`); read its figures' plotted values
        and its saved maps back (:func:`workbench.disclosure.audit.audit_charts_and_maps`)."""
        own = tables_of_folder(self.dir, self.records)
        others = [e for folder in self._run_folders() for e in tables_of_folder(folder)]
        result = audit_files([*own, *others], self.threshold)
        # figures (their recorded values against the CSV on disk) and maps (the HTML)
        result.add_outputs(audit_charts_and_maps(self.dir, self.records))
        # name this theme's files by their final folder, where they will be read
        prefix = f"{self.dir.name}/"
        result.files = [f.replace(prefix, f"{self.final_dir.name}/") for f in result.files]
        for leak in result.leaks:
            leak.file = leak.file.replace(prefix, f"{self.final_dir.name}/")
        return result

    def run_log(self, extra: dict[str, Any] | None = None) -> Path:
        """Audit the tables, write ``run_log.json`` and move the folder into place.

        The disclosure audit reads the written CSV files back (:meth:`audit_outputs`); its
        result is the run log's ``disclosure_audit``. A leak stops the run: the staged
        folder is removed and the error names the file and cell. Otherwise the folder
        replaces any earlier run's folder of the same theme and date as a whole, with the
        marker :data:`workbench.writing.folder.MARKER`.

        Raises
        ------
        WorkbenchError
            A hidden cell can be recovered from the published files, or the folder cannot
            be written (full disk, read-only folder).
        """
        if self._folder.done:
            raise WorkbenchError(f"the outputs of {self.theme} are already complete")
        try:
            self.audit = self.audit_outputs()
        except Exception:
            self._folder.abort()
            raise
        if not self.audit.ok:
            self._folder.abort()
            raise WorkbenchError(self.audit.message())
        log: dict[str, Any] = {
            "theme": self.theme,
            "started_utc": self.started.isoformat(timespec="seconds"),
            "finished_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "config": self.config.summary(),
            "python_executable": sys.executable,
            "packages": package_versions(),
            "disclosure": {
                "threshold": self.threshold,
                "open_data_in_full": self.open_data_in_full,
                "statement": str(self.disclosure_note()),
            },
            "disclosure_audit": self.audit.to_dict(),
            "outputs": self.records,
        }
        if self.study is not None and getattr(self.study, "ledger", None) is not None:
            log["ledger"] = self.study.ledger.to_dict()
        index = getattr(self.study, "deprivation_index", None) if self.study is not None else None
        if index is not None:  # issue 21: the pack and community page name the index used
            from workbench.loaders.population import population_source

            log["deprivation_index"] = {
                **index.to_dict(),
                "population_source": population_source(
                    self.config.file("population"), self.config.population_year
                ),
            }
        log["headline_records"] = len(self.headlines)  # 0: none (and no headlines.json)
        if self.study is not None:  # the pack names districts, not codes
            log["districts"] = district_names(self.study)
        if extra:
            log["parameters"] = extra
        # paths relative to the study folder: no absolute path of the analyst's machine in
        # what readers are given (issue 25 item 8)
        study_folder = Path(getattr(self.config, "path", None) or Path.cwd() / "area.toml").parent
        log = reader_paths(log, study_folder)
        path = self.dir / "run_log.json"
        try:
            with write_errors(f"the run log in {self.dir}"):
                if self.headlines:  # the file only where the theme has headline figures
                    write_headlines(self.dir / HEADLINES_FILE, self.theme, self.headlines)
                path.write_text(json.dumps(log, indent=2, default=str), encoding="utf-8")
        except WorkbenchError:
            self._folder.abort()
            raise
        self._folder.commit(
            {"theme": self.theme, "started_utc": log["started_utc"]}, mark=self.mark_complete
        )
        self.dir = self.final_dir
        logger.info(
            "Wrote run log %s; disclosure audit: %s",
            self.dir / "run_log.json",
            self.audit.summary(),
        )
        return self.dir / "run_log.json"

    def abort(self) -> None:
        """Give up this run's outputs: remove the staged folder (the previous one stays)."""
        self._folder.abort()

    def __repr__(self) -> str:
        # the run folder by name: no absolute path of the analyst's machine in a report
        lines = [f"Outputs in {self.final_dir.name}:"]
        lines += [f"  {r['kind']}: {', '.join(r['files'])}" for r in self.records]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        items = "".join(
            f"<li>{html.escape(r['kind'])}: {html.escape(', '.join(r['files']))}</li>"
            for r in self.records
        )
        return f"<p>Outputs in <code>{html.escape(self.final_dir.name)}</code></p><ul>{items}</ul>"
