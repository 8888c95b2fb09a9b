"""The assumptions and caveats log as data: read, checked, selected and rendered to Markdown.

The log ships in the package as ``workbench/resources/assumptions.toml`` (one ``[[entry]]``
per assumption: ``id``, ``section``, ``area``, ``text``, ``quality``, ``impact``).
``docs/assumptions.md`` is rendered from it (``python -m workbench.assumptions`` rewrites it;
a test checks the committed file equals the rendering). Reports list the entries that apply
(:func:`select`), and the meeting pack reads the ids a report listed
(:func:`ids_in`) and takes their entries from the same data (:func:`by_id`).
"""

from __future__ import annotations

import logging
import re
import sys
import textwrap
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from workbench.errors import DataError

__all__ = [
    "LOG",
    "Entry",
    "by_id",
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
    """

    id: str
    section: str
    area: str
    text: str
    quality: str
    impact: str

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
        An entry lacks a field, has a malformed id, or repeats an id.
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
        entry = Entry(**{k: str(raw[k]).strip() for k in ("id", "section", *FIELDS[1:])})
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
        parts += ["", f"## {name}", "", table(e for e in entries if e.section == name)]
    return "\n".join(parts).strip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the rendered log to the file named (default ``docs/assumptions.md``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    target = Path(args[0]) if args else Path("docs") / "assumptions.md"
    target.write_text(render_log(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
