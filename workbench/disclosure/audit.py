"""The run-level audit: read the published CSV files back and attack them.

The audit never looks at the in-memory tables: it reads each CSV file as text, takes the
cells shown and the cells hidden (``"*"``), and with the table descriptions written in the
run log builds the attacker's :class:`~workbench.disclosure.model.Model` of every protected
table of the run together.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.disclosure.model import SUPPRESSED, Leak, Model, Published
from workbench.disclosure.spec import TableSpec
from workbench.errors import WorkbenchError

__all__ = [
    "AuditResult",
    "audit_charts_and_maps",
    "audit_files",
    "audit_folders",
    "audit_figure",
    "audit_map_html",
    "audit_run",
    "read_published",
    "tables_of_folder",
]

logger = logging.getLogger(__name__)


@dataclass
class AuditResult:
    """What the audit checked and found."""

    files: list[str] = field(default_factory=list)
    cells_checked: int = 0
    hidden_cells: int = 0
    leaks: list[Leak] = field(default_factory=list)
    not_modelled: list[str] = field(default_factory=list)
    figures_checked: int = 0
    figure_points_checked: int = 0
    maps_checked: int = 0
    map_features_checked: int = 0
    maps_not_described: list[str] = field(default_factory=list)
    #: Seconds spent in HiGHS and the integer programs solved (two per bounded cell).
    solver_seconds: float = 0.0
    integer_programs: int = 0
    #: How many whole numbers the narrowest hidden cell's range ``[low, high]`` holds
    #: (``high - low + 1``; at least the threshold when safe; None: none bounded above).
    narrowest_interval: float | None = None
    #: Hidden cells whose upper bound is finite (pinned from above by what is published).
    bounded_above: int = 0

    def add_outputs(self, other: AuditResult) -> None:
        """Add the figure and map checks of ``other`` (see :func:`audit_charts_and_maps`)."""
        self.leaks += other.leaks
        self.figures_checked += other.figures_checked
        self.figure_points_checked += other.figure_points_checked
        self.maps_checked += other.maps_checked
        self.map_features_checked += other.map_features_checked
        self.maps_not_described += other.maps_not_described

    def summary(self) -> str:
        """One line: what was checked and how many leaks."""
        return (
            f"{len(self.files)} protected table(s), {self.cells_checked} hidden cell(s) and "
            f"complement(s) checked; {self.figures_checked} figure(s), "
            f"{self.figure_points_checked} plotted value(s); {self.maps_checked} map(s), "
            f"{self.map_features_checked} feature(s) of protected layers; "
            f"{len(self.leaks)} leak(s); {self.integer_programs} integer program(s) in "
            f"{self.solver_seconds:.1f} s"
        )

    @property
    def ok(self) -> bool:
        """True when no hidden value can be recovered."""
        return not self.leaks

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``run_log.json`` key ``disclosure_audit``)."""
        return {
            "files": self.files,
            "hidden_cells": self.hidden_cells,
            "cells_checked": self.cells_checked,
            "leaks_found": len(self.leaks),
            "leaks": [leak.to_dict() for leak in self.leaks],
            "measures_not_modelled": self.not_modelled,
            "figures_checked": self.figures_checked,
            "figure_points_checked": self.figure_points_checked,
            "maps_checked": self.maps_checked,
            "map_features_checked": self.map_features_checked,
            "maps_not_described": self.maps_not_described,
            "solver_seconds": round(self.solver_seconds, 3),
            "integer_programs": self.integer_programs,
            "narrowest_interval": self.narrowest_interval,
            "bounded_above": self.bounded_above,
        }

    def message(self) -> str:
        """One error message naming the files and cells that leak."""
        lines = [leak.message() for leak in self.leaks[:10]]
        more = f" (and {len(self.leaks) - 10} more)" if len(self.leaks) > 10 else ""
        return (
            f"disclosure audit: {len(self.leaks)} hidden value(s) can be worked out from the "
            f"published files{more}:\n  " + "\n  ".join(lines)
        )


def read_published(path: Path, spec: TableSpec, name: str | None = None) -> Published:
    """A CSV file as published: its text, which cells show ``"*"``, and its spec."""
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    hidden = text.apply(lambda col: col.str.strip() == SUPPRESSED)
    return Published(name or path.name, text, spec, hidden, text=text, fixed=True)


def audit_files(entries: Iterable[tuple[Path, TableSpec]], threshold: int) -> AuditResult:
    """Attack a set of published CSV files (with their specs) together.

    Returns
    -------
    AuditResult
        Files read, hidden cells, cells checked (hidden cells and complements whose range
        was bounded) and the leaks (see :class:`~workbench.disclosure.model.Model`).
    """
    tables = []
    for path, spec in entries:
        path = Path(path)
        if not path.is_file():
            raise WorkbenchError(f"disclosure audit: published file {path} is missing")
        tables.append(read_published(path, spec, name=f"{path.parent.name}/{path.name}"))
    result = AuditResult(files=[t.name for t in tables])
    if not tables:
        return result
    result.hidden_cells = int(
        sum(t.hidden[[c for c in t.spec.counts if c in t.hidden]].to_numpy().sum() for t in tables)
    )
    model = Model(tables, threshold)
    result.leaks, result.cells_checked = model.leaks()
    result.not_modelled = model.not_modelled
    result.solver_seconds = model.solver_seconds
    result.integer_programs = model.programs
    widths = [hi - lo + 1 for _, kind, lo, hi in model.intervals if kind == "cell"]
    finite = [w for w in widths if np.isfinite(w)]
    result.narrowest_interval = float(min(finite)) if finite else None
    result.bounded_above = len(finite)
    logger.info(
        "Disclosure audit: %d file(s), %d hidden cell(s), %d checked, %d leak(s)",
        len(tables),
        result.hidden_cells,
        result.cells_checked,
        len(result.leaks),
    )
    return result


def tables_of_folder(
    folder: Path, records: Sequence[dict[str, Any]] | None = None
) -> list[tuple[Path, TableSpec]]:
    """The protected CSV files of a theme folder and their specs (from its run log)."""
    folder = Path(folder)
    if records is None:
        log = folder / "run_log.json"
        if not log.is_file():
            return []
        records = json.loads(log.read_text(encoding="utf-8")).get("outputs", [])
    out = []
    for rec in records:
        if rec.get("kind") != "table" or not rec.get("protected") or "disclosure" not in rec:
            continue
        csv = next((f for f in rec["files"] if f.endswith(".csv")), None)
        if csv:
            out.append((folder / csv, TableSpec.from_dict(rec["disclosure"])))
    return out


def _records(folder: Path) -> list[dict[str, Any]]:
    log = Path(folder) / "run_log.json"
    if not log.is_file():
        return []
    return json.loads(log.read_text(encoding="utf-8")).get("outputs", [])


def audit_figure(
    folder: Path, record: dict[str, Any], records: Sequence[dict[str, Any]] | None = None
) -> tuple[list[Leak], int]:
    """Check the plotted values recorded for one figure against its table(s) on disk.

    Every value the run log says the figure plots must be a value the declared CSV file(s)
    show (a count, derived or safe column; never a ``"*"`` cell or a dimension), to the
    decimals shown (:mod:`workbench.disclosure.figures`). A figure declared with no table
    (``data=None`` and a reason) is counted, not checked. ``records``: the run log's
    ``outputs`` with the tables' specs (default: read from the folder's run log).

    Returns
    -------
    leaks, points : list of Leak, int
        One leak per value that matches no shown value; how many values were checked.
    """
    from workbench.disclosure.figures import shown_values, unmatched

    folder = Path(folder)
    png = record["files"][0] if record.get("files") else record.get("name", "?")
    name = f"{folder.name}/{png}"
    values = [float(v) for v in record.get("values", [])]
    if not record.get("data_files"):
        return [], 0
    specs = {
        r["name"]: TableSpec.from_dict(r["disclosure"])
        for r in (_records(folder) if records is None else records)
        if r.get("kind") == "table" and "disclosure" in r
    }
    tables = []
    for table, csv in zip(record.get("data", []), record["data_files"], strict=False):
        path = folder / csv
        if not path.is_file():
            raise WorkbenchError(f"disclosure audit: {name} plots {path}, which is missing")
        tables.append((pd.read_csv(path, dtype=str, keep_default_na=False), specs.get(table)))
    shown, tolerance = shown_values(tables)
    bad = unmatched(values, shown, tolerance)
    leaks = [
        Leak(
            name,
            "plotted value",
            ", ".join(record["data_files"]),
            "figure",
            v,
            v,
            "a value the chart plots that its table does not show",
        )
        for v in bad
    ]
    return leaks, len(values)


_DISCLOSURE_RE = re.compile(
    r'<script type="application/json" id="workbench-disclosure">(.*?)</script>', re.DOTALL
)
_CASE_RE = re.compile(r'((?:case\s+"[^"]*":\s*)+)return\s+(\{[^{}]*\});')
_DEFAULT_RE = re.compile(r"default:\s*return\s+(\{[^{}]*\});")


def _fills(html: str, var: str) -> dict[str, str] | str | None:
    """Fill colour of each feature id from folium's ``<var>_styler`` (or one for all)."""
    start = html.find(f"function {var}_styler(")
    if start < 0:
        return None
    end = html.find("function ", start + 10)
    body = html[start : end if end > 0 else len(html)]
    fills: dict[str, str] = {}
    for cases, style in _CASE_RE.findall(body):
        colour = json.loads(style).get("fillColor")
        for fid in re.findall(r'case\s+"([^"]*)"', cases):
            fills[fid] = colour
    default = _DEFAULT_RE.search(body)
    if default:
        fills["__default__"] = json.loads(default.group(1)).get("fillColor")
    if not fills:
        one = re.search(r"return\s+(\{[^{}]*\});", body)
        return json.loads(one.group(1)).get("fillColor") if one else None
    return fills


def _features(html: str, var: str) -> list[dict[str, Any]]:
    match = re.search(rf"^[ \t]*{re.escape(var)}_add\((\{{.*\}})\);[ \t]*$", html, re.MULTILINE)
    if not match:
        return []
    return json.loads(match.group(1)).get("features", [])


def _count_of(text: str) -> float | None:
    text = str(text).strip().replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def _is_withheld(text: str) -> bool:
    """A pop-up text that shows no number: empty, ``"*..."``, "not shown", "withheld"."""
    t = str(text).strip().lower()
    return not t or t.startswith(SUPPRESSED) or t.startswith("not shown") or "withheld" in t


def audit_map_html(path: Path, name: str | None = None) -> tuple[list[Leak], int, bool]:
    """Attack one saved map: its features as written, against its disclosure description.

    Reads the ``<script type="application/json" id="workbench-disclosure">`` that
    :class:`workbench.maps.MapBuilder` embeds and, for every protected layer, the GeoJSON
    features folium inlined (``<var>_add({...})``) and their fills (``<var>_styler``):

    - a count shown from 1 to ``threshold - 1`` is a leak;
    - beside a withheld count (``"*"``), a derived property (a class, z, p, a rate) that
      shows anything is a leak, and so is a fill that is not the layer's withheld fill when
      the fill is derived from the count (a hot spot class).

    Returns
    -------
    leaks, features, described : list of Leak, int, bool
        The leaks (naming file, layer, feature and property), how many features of
        protected layers were checked, and whether the map carries a description.
    """
    path = Path(path)
    name = name or f"{path.parent.name}/{path.name}"
    html = path.read_text(encoding="utf-8")
    found = _DISCLOSURE_RE.search(html)
    if not found:
        return [], 0, False
    description = json.loads(found.group(1))
    leaks: list[Leak] = []
    checked = 0
    for layer in description.get("layers", []):
        if not layer.get("counts_shown") or not layer.get("protected"):
            continue
        if layer.get("points") or layer.get("kind") == "point":
            # each point of a protected table is a count of 1 at a place: counted by area,
            # points give withheld counts back, so a protected point layer shows none
            points = _features(html, layer.get("data_var", layer["var"]))
            checked += len(points)
            if points:
                leaks.append(
                    Leak(
                        name,
                        f"layer {layer.get('layer')!r}",
                        "points",
                        "map points",
                        float(len(points)),
                        float(len(points)),
                        "points of protected data drawn (counted by area they give "
                        "withheld counts back)",
                    )
                )
            continue
        threshold = int(layer.get("threshold", 5))
        count_key = layer.get("count")
        derived = list(layer.get("derived", []))
        fills = _fills(html, layer["var"]) if layer.get("fill_from_count") else None
        for feature in _features(html, layer["var"]):
            checked += 1
            props = feature.get("properties", {})
            fid = str(feature.get("id", ""))
            where = f"layer {layer.get('layer')!r}, feature {fid}"
            if count_key is None:
                continue
            text = props.get(count_key, "")
            value = _count_of(text)
            if value is not None and 1 <= value <= threshold - 1:
                leaks.append(Leak(name, where, count_key, "map count", value, value))
                continue
            if not str(text).strip().startswith(SUPPRESSED):
                continue
            for key in derived:
                if not _is_withheld(props.get(key, "")):
                    leaks.append(
                        Leak(
                            name,
                            where,
                            key,
                            "map derived",
                            float("nan"),
                            float("nan"),
                            f"shows {props.get(key)!r} beside a withheld count",
                        )
                    )
            if fills is not None:
                fill = fills if isinstance(fills, str) else fills.get(fid, fills.get("__default__"))
                if fill is not None and fill != layer.get("withheld_fill"):
                    leaks.append(
                        Leak(
                            name,
                            where,
                            "fill",
                            "map colour",
                            float("nan"),
                            float("nan"),
                            f"drawn {fill} (a class) beside a withheld count",
                        )
                    )
    return leaks, checked, True


def audit_charts_and_maps(
    folder: Path, records: Sequence[dict[str, Any]] | None = None
) -> AuditResult:
    """Read a theme folder's figures (their recorded values) and maps (the HTML) back.

    ``records``: the run log's ``outputs`` (default: read from the folder's run log).
    """
    folder = Path(folder)
    records = _records(folder) if records is None else records
    result = AuditResult()
    for rec in records:
        if rec.get("kind") == "figure":
            leaks, points = audit_figure(folder, rec, records)
            result.figures_checked += 1
            result.figure_points_checked += points
            result.leaks += leaks
        elif rec.get("kind") == "map":
            html = next((f for f in rec.get("files", []) if f.endswith(".html")), None)
            if html is None or not (folder / html).is_file():
                continue
            leaks, features, described = audit_map_html(folder / html)
            result.maps_checked += 1
            result.map_features_checked += features
            result.leaks += leaks
            if not described:
                result.maps_not_described.append(f"{folder.name}/{html}")
    return result


def audit_folders(folders: Iterable[Path], threshold: int) -> AuditResult:
    """Audit the protected tables, figures and maps of several theme folders (one run)."""
    folders = [Path(f) for f in folders]
    entries = [e for f in folders for e in tables_of_folder(f)]
    result = audit_files(entries, threshold)
    for folder in folders:
        result.add_outputs(audit_charts_and_maps(folder))
    return result


def audit_run(folders: Iterable[Path], threshold: int) -> AuditResult:
    """The audit of a whole report run (every theme folder together).

    The result is added to each folder's ``run_log.json`` as ``run_disclosure_audit``.

    Raises
    ------
    WorkbenchError
        A hidden cell can be recovered from the files of the run (the message names the
        file and cell).
    """
    folders = [Path(f) for f in folders]
    result = audit_folders(folders, threshold)
    summary = {"folders": [f.name for f in folders], **result.to_dict()}
    for folder in folders:
        log = folder / "run_log.json"
        if log.is_file():
            data = json.loads(log.read_text(encoding="utf-8"))
            data["run_disclosure_audit"] = summary
            log.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    if not result.ok:
        raise WorkbenchError(result.message())
    logger.info("Run disclosure audit: %s", result.summary())
    return result
