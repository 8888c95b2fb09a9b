"""The assumptions and caveats log as data: read, checked, selected and rendered to Markdown.

The log ships in the package as ``workbench/resources/assumptions.toml`` (one ``[[entry]]``
per assumption: ``id``, ``section``, ``area``, ``text``, ``quality``, ``impact`` and
``applies_when``, the study facts under which the entry is true: :data:`APPLIES_KEYS`).
``docs/assumptions.md`` is rendered from it (``python -m workbench.assumptions`` rewrites it;
a test checks the committed file equals the rendering). Reports list the entries that apply
(:func:`select`) that hold for the study (:func:`applicable`, from the study's
:class:`StudyFacts`), and the meeting pack reads the ids a report listed (:func:`ids_in`) and
takes their entries from the same data (:func:`by_id`).

Notes
-----
Whether an entry applies is decided from its ``applies_when`` table only, never from its text:
a key absent from the table places no condition; every key present must hold. A list key holds
when the study's fact is one of the list (``files``, ``indicators``: the study uses at least
one of the named kinds; ``without_files``: it uses none of them); a true/false key holds when
the fact equals it. A fact the caller does not know (``None``) places no condition, so a
caller with fewer facts (the meeting pack, from run logs) keeps what the report listed.
An entry's text must be true for every study it applies to: no sample figures, file names or
place names (``tests/test_other_study_text.py``).
"""

from __future__ import annotations

import logging
import re
import sys
import textwrap
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from workbench.config import FILE_KEYS, INDICATOR_FILE_KEYS, INDICATOR_SETTINGS
from workbench.errors import DataError

__all__ = [
    "APPLIES_KEYS",
    "LOG",
    "Entry",
    "StudyFacts",
    "applicable",
    "by_id",
    "conditions_text",
    "ids_in",
    "id_marker",
    "load_log",
    "render_log",
    "select",
    "table",
]

logger = logging.getLogger(__name__)

#: The log shipped with the package.
LOG = Path(__file__).resolve().parent / "resources" / "assumptions.toml"
#: Fields of an entry, in the order of the Markdown table.
FIELDS = ("id", "area", "text", "quality", "impact")
#: Markdown table header of the log (the pack keys its entries by these names).
HEADER = ("id", "area", "assumption or caveat", "quality", "impact")
_ID_RE = re.compile(r"^[A-Z]{1,3}\d{2,3}$")
_MARKER_RE = re.compile(r"<!--\s*assumptions:([^>]*)-->")

#: Keys of an entry's ``applies_when`` table -> what the study's fact must be (the value's
#: type in the TOML). Unknown keys are refused by :func:`load_log`.
APPLIES_KEYS: dict[str, str] = {
    "files": "a list of [files] kinds; the study configures at least one of them",
    "without_files": "a list of [files] kinds; the study configures none of them",
    "indicators": "a list of [indicators] keys; the study sets at least one of them",
    "index": 'a list of deprivation index labels ("IMD 2019", "IoD 2025", "WIMD 2019")',
    "country": 'a list of countries of the deprivation index ("England", "Wales")',
    "lsoa_vintage": 'a list of census geographies of the LSOA boundaries ("2011", "2021")',
    "population": 'a list of population kinds ("census2021", "mid-year")',
    "synthetic": "true/false: the study uses synthetic partnership tables",
    "several_districts": "true/false: the study has more than one district",
    "open_data_in_full": "true/false: [disclosure] open_data_in_full",
    "in_reports": "false: the entry documents the package, never listed in a study's report",
}
_LIST_KEYS = ("files", "without_files", "indicators", "index", "country", "lsoa_vintage")
_LIST_KEYS += ("population",)
_CHOICES: dict[str, tuple[str, ...]] = {
    "files": FILE_KEYS,
    "without_files": FILE_KEYS,
    "indicators": INDICATOR_FILE_KEYS + INDICATOR_SETTINGS,
    "country": ("England", "Wales"),
    "lsoa_vintage": ("2011", "2021"),
    "population": ("census2021", "mid-year"),
}


@dataclass(frozen=True)
class StudyFacts:
    """What a study uses, as the ``applies_when`` conditions of the log read it.

    Attributes
    ----------
    files, indicators : frozenset of str or None
        The ``[files]`` kinds and ``[indicators]`` keys the study configures (non-empty).
    index, country : str or None
        Label and country of the study's deprivation index (``"IoD 2025"``, ``"England"``).
    lsoa_vintage : str or None
        Census geography of the study's LSOA boundaries (``"2011"`` or ``"2021"``).
    population : str or None
        ``"census2021"`` (Census 2021 usual residents) or ``"mid-year"`` (an estimate).
    synthetic, several_districts, open_data_in_full : bool or None
        Synthetic partnership tables used; more than one district; open data in full.

    Notes
    -----
    ``None`` means not known: a condition on an unknown fact holds (see the module notes).
    """

    files: frozenset[str] | None = None
    indicators: frozenset[str] | None = None
    index: str | None = None
    country: str | None = None
    lsoa_vintage: str | None = None
    population: str | None = None
    synthetic: bool | None = None
    several_districts: bool | None = None
    open_data_in_full: bool | None = None

    @classmethod
    def from_settings(
        cls,
        settings: dict[str, Any],
        index: dict[str, Any] | None = None,
        synthetic: bool | None = None,
    ) -> StudyFacts:
        """The facts a run log records: ``settings`` (``StudyConfig.summary()``), the
        deprivation index (label, country, ``population_source``) and whether any output was
        synthetic. The LSOA vintage is known only when the study declared it."""
        index = index or {}
        files = settings.get("files") or {}
        indicators = settings.get("indicators") or {}
        source = str(index.get("population_source") or "")
        codes = settings.get("area_codes") or []
        return cls(
            files=frozenset(k for k, v in files.items() if v),
            indicators=frozenset(k for k, v in indicators.items() if v),
            index=index.get("label") or None,
            country=index.get("country") or None,
            lsoa_vintage=settings.get("boundary_vintage") or None,
            population=(
                ("census2021" if source.startswith("Census 2021") else "mid-year")
                if source
                else None
            ),
            synthetic=synthetic,
            several_districts=len(codes) > 1 if codes else None,
            open_data_in_full=settings.get("open_data_in_full"),
        )

    def holds(self, conditions: dict[str, Any]) -> bool:
        """Whether every condition of an ``applies_when`` table holds for these facts."""
        for key, wanted in conditions.items():
            if key == "in_reports":
                if not wanted:
                    return False
                continue
            fact = getattr(self, "files" if key == "without_files" else key)
            if fact is None:
                continue
            if key in ("files", "indicators"):
                if not set(wanted) & fact:
                    return False
            elif key == "without_files":
                if set(wanted) & fact:
                    return False
            elif key in _LIST_KEYS:
                if fact not in wanted:
                    return False
            elif fact != wanted:
                return False
        return True


@dataclass(frozen=True)
class Entry:
    """One entry of the assumptions log.

    Attributes
    ----------
    id : str
        Unique id, a capital-letter prefix for the part of the workbench and a number (``A01``).
    section : str
        Heading of the log the entry sits under.
    area, text, quality, impact : str
        What the entry concerns, the assumption or caveat, how well founded it is and its impact
        on the results if it is wrong (High / Medium / Low, or words).
    applies_when : dict
        The study facts under which the entry is true (:data:`APPLIES_KEYS`; ``{}``: always).
    """

    id: str
    section: str
    area: str
    text: str
    quality: str
    impact: str
    applies_when: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def applies(self, facts: StudyFacts) -> bool:
        """Whether the entry holds for a study with these facts."""
        return facts.holds(self.applies_when)

    def cells(self) -> tuple[str, ...]:
        """The Markdown table cells, in :data:`HEADER` order."""
        return tuple(getattr(self, f) for f in FIELDS)

    def row(self) -> str:
        """The entry as one Markdown table row."""
        return "| " + " | ".join(c.replace("|", "\\|") for c in self.cells()) + " |"

    def as_dict(self) -> dict[str, str]:
        """The entry keyed by the log's column names (:data:`HEADER`)."""
        return dict(zip(HEADER, self.cells(), strict=True))


def load_log(path: str | Path | None = None) -> list[Entry]:
    """The entries of the log at ``path`` (default the shipped :data:`LOG`), in file order.

    Raises
    ------
    DataError
        An entry lacks a field, has a malformed id, repeats an id, or has an ``applies_when``
        table that is missing or holds an unknown key or a value of the wrong kind.
    """
    return list(_load(Path(path) if path else LOG))


@lru_cache(maxsize=8)
def _load(path: Path) -> tuple[Entry, ...]:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(data.get("entry", []), start=1):
        missing = [f for f in ("id", "section", *FIELDS[1:]) if not str(raw.get(f, "")).strip()]
        if missing:
            raise DataError(
                path, row=i, column=missing[0], expected="a non-empty value", found="nothing"
            )
        entry = Entry(
            **{k: str(raw[k]).strip() for k in ("id", "section", *FIELDS[1:])},
            applies_when=_conditions(raw.get("applies_when"), path, i),
        )
        if not _ID_RE.match(entry.id):
            raise DataError(path, row=i, column="id", expected="an id like A01", found=entry.id)
        if entry.id in seen:
            raise DataError(
                path,
                row=i,
                column="id",
                expected=f"an id not used before (entry {seen[entry.id]} has it)",
                found=entry.id,
            )
        seen[entry.id] = i
        entries.append(entry)
    return tuple(entries)


def _conditions(raw: Any, path: Path, row: int) -> dict[str, Any]:
    """An entry's ``applies_when`` table, checked against :data:`APPLIES_KEYS`."""
    column = "applies_when"
    if not isinstance(raw, dict):
        found = "nothing" if raw is None else repr(raw)
        raise DataError(
            path, row=row, column=column, expected="a table (`{}`: always applies)", found=found
        )
    out: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"{column}.{key}"
        if key not in APPLIES_KEYS:
            raise DataError(
                path, row=row, column=column, expected=f"keys {', '.join(APPLIES_KEYS)}", found=key
            )
        if key in _LIST_KEYS:
            ok = isinstance(value, list) and value and all(isinstance(v, str) for v in value)
            if not ok:
                raise DataError(
                    path, row=row, column=where, expected=APPLIES_KEYS[key], found=repr(value)
                )
            unknown = [v for v in value if key in _CHOICES and v not in _CHOICES[key]]
            if unknown:
                raise DataError(
                    path,
                    row=row,
                    column=where,
                    expected=f"one of {', '.join(_CHOICES[key])}",
                    found=unknown[0],
                )
            out[key] = tuple(value)
        else:
            if not isinstance(value, bool) or (key == "in_reports" and value):
                raise DataError(
                    path, row=row, column=where, expected=APPLIES_KEYS[key], found=repr(value)
                )
            out[key] = value
    return out


def applicable(entries: Iterable[Entry], facts: StudyFacts) -> list[Entry]:
    """The entries whose ``applies_when`` holds for a study with ``facts`` (in order)."""
    return [e for e in entries if e.applies(facts)]


def _meta(path: Path) -> dict[str, str]:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return {
        "title": data.get("title", "Assumptions and caveats log"),
        "intro": data.get("intro", ""),
    }


def select(entries: Iterable[Entry], keywords: Sequence[str]) -> list[Entry]:
    """The entries whose row mentions any of ``keywords`` (case-insensitive substring of the
    id, area, text, quality or impact); every entry when no keyword is given."""
    wanted = [k.lower() for k in keywords]
    return [e for e in entries if not wanted or any(k in e.row().lower() for k in wanted)]


def by_id(ids: Iterable[str], entries: Iterable[Entry] | None = None) -> list[Entry]:
    """The entries with the given ids, in the order of ``ids`` (each once); an id the log does
    not hold is left out with a warning."""
    index = {e.id: e for e in (load_log() if entries is None else entries)}
    out: list[Entry] = []
    for i in dict.fromkeys(ids):
        if i in index:
            out.append(index[i])
        else:
            logger.warning("Assumption %s is not in the assumptions log; left out", i)
    return out


def id_marker(entries: Iterable[Entry]) -> str:
    """An HTML comment naming the entries' ids, put under a report's list of assumptions so
    that the meeting pack can read which entries applied (:func:`ids_in`)."""
    return f"<!-- assumptions: {' '.join(e.id for e in entries)} -->"


def ids_in(text: str) -> list[str]:
    """The ids named by the :func:`id_marker` comments in ``text`` (in order, each once)."""
    ids = [i for m in _MARKER_RE.finditer(text) for i in m.group(1).split()]
    return list(dict.fromkeys(ids))


def table(entries: Iterable[Entry]) -> str:
    """The entries as a Markdown table with the log's header."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    return "\n".join(lines + [e.row() for e in entries])


def render_log(path: str | Path | None = None) -> str:
    """The whole log as Markdown (``docs/assumptions.md``): title, introduction and one table
    per section, sections in order of first appearance."""
    source = Path(path) if path else LOG
    meta = _meta(source)
    entries = load_log(source)
    sections = list(dict.fromkeys(e.section for e in entries))
    parts = [
        f"# {meta['title']}",
        "",
        "<!-- Generated from workbench/resources/assumptions.toml by",
        "`python -m workbench.assumptions`: edit the TOML, not this file. -->",
        "",
        textwrap.fill(meta["intro"], width=100, break_long_words=False, break_on_hyphens=False),
    ]
    for name in sections:
        parts += ["", f"## {name}", "", _docs_table(e for e in entries if e.section == name)]
    return "\n".join(parts).strip() + "\n"


def conditions_text(conditions: dict[str, Any]) -> str:
    """An ``applies_when`` table in words for the docs: ``"files: wards; synthetic: yes"``,
    ``"every study"`` when empty, ``"documentation only"`` for ``in_reports = false``."""
    if conditions.get("in_reports") is False:
        return "documentation only"
    if not conditions:
        return "every study"
    words = []
    for key, value in conditions.items():
        if isinstance(value, bool):
            words.append(f"{key}: {'yes' if value else 'no'}")
        else:
            words.append(f"{key}: {', '.join(value)}")
    return "; ".join(words)


def _docs_table(entries: Iterable[Entry]) -> str:
    """:func:`table` with a last column saying when each entry applies (docs only)."""
    header = (*HEADER, "applies when")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for e in entries:
        cells = (*e.cells(), conditions_text(e.applies_when))
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the rendered log to the file named (default ``docs/assumptions.md``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    target = Path(args[0]) if args else Path("docs") / "assumptions.md"
    target.write_text(render_log(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
