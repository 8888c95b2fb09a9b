"""The report to communities: one short plain-English HTML page per run.

Built from the same :class:`~workbench.pack.Headline` figures as the meeting pack (so from the
run's published, suppressed tables only), one or two of the run's map images with text
alternatives, and the analyst's commentary (Markdown, the study's ``[report] commentary``).
The page is one file with no scripts: images are embedded, the styles are inline.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from workbench.disclosure.symbols import SUPPRESSED
from workbench.errors import WorkbenchError
from workbench.pack import (
    CRIME_NOUNS,
    MISSING,
    Headline,
    Run,
    deprivation_index_of,
    fmt_count,
    fmt_number,
    map_title,
    month_words,
    sources,
    write_atomic,
)

__all__ = [
    "GLOSSARY",
    "MAP_WORDS",
    "PageSettings",
    "Shown",
    "community_page",
    "glossary_for",
    "privacy_sentences",
    "shown_from",
    "label_frames",
    "readability",
    "write_community_page",
]

logger = logging.getLogger(__name__)

#: Plain words for the emerging hot spot categories (as the maps' keys name them).
HOTSPOT_WORDS: dict[str, str] = {
    "new hot spot": "new: appeared most recently",
    "consecutive hot spot": "recent: in the latest few quarters",
    "intensifying hot spot": "growing: stronger each quarter",
    "persistent hot spot": "persistent: there nearly every quarter",
    "diminishing hot spot": "fading: weaker each quarter",
    "sporadic hot spot": "on and off",
    "oscillating hot spot": "changing: sometimes high, sometimes low",
    "historical hot spot": "past: not seen recently",
}


def glossary_for(
    index: dict[str, Any],
    *,
    terms: Sequence[str] | None = None,
    cell_sizes: Sequence[float] = (),
    threshold: int = 5,
    per: int = 10_000,
    map_words: Sequence[str] = (),
    police_in_full: bool = False,
) -> dict[str, str]:
    """The page's glossary: :data:`GLOSSARY` worded for the run.

    Parameters
    ----------
    index : dict
        The run's deprivation index (:func:`workbench.pack.deprivation_index_of`): country and
        year of "Most deprived neighbourhoods" (IMD 2019, IoD 2025 or WIMD 2019).
    terms : sequence of str, optional
        The entries the page uses (default all); an entry the page does not use is left out.
    cell_sizes : sequence of float
        Grid cell sizes (metres) of the hot spot maps shown: "Hot spot" says how big the
        squares are (nothing about size when none is known).
    threshold : int
        The suppression threshold: "Hidden numbers (*)" names the counts hidden (1 to
        ``threshold - 1``).
    per : int
        The rates' base ("For every 10,000 people").
    map_words : sequence of str
        Technical words the maps' keys use (:data:`MAP_WORDS` keys): explained under
        "Words on the maps".
    police_in_full : bool
        The page shows police open data in full: "Hidden numbers (*)" says so.
    """
    country = index.get("country", "England")
    year = index.get("year", 2019)
    who = "the Welsh Government" if country == "Wales" else "the government"
    out = dict(GLOSSARY)
    out["Most deprived neighbourhoods"] = (
        f"The fifth of neighbourhoods in {country} with the lowest incomes, least work, "
        f"poorest health and worst housing, as measured by {who} in {year}."
    )
    sizes = sorted({round(float(c)) for c in cell_sizes if c})
    if sizes:
        across = " or ".join(f"{s:,}" for s in sizes)
        out["Hot spot"] += f" The maps show them as coloured squares {across} metres across."
    else:
        out["Hot spot"] += " The maps show them as small coloured squares."
    rate = f"For every {per:,} people"
    out = {(rate if k == "For every 10,000 people" else k): v for k, v in out.items()}
    out[rate] = (
        f"How many there were for every {per:,} people living here. "
        "This lets us compare places with more or fewer people."
    )
    out["Hidden numbers (*)"] = (
        f"Where a count is {_small_numbers(threshold)}, we show a star (*) instead of the "
        "number, so that no one can be identified."
        + (" Police open data is shown in full." if police_in_full else "")
    )
    words = [w for w in MAP_WORDS if w in set(map_words)]
    if words:
        out["Words on the maps"] = (
            "The maps were made for the partnership's analysts, so their keys use some "
            "technical words. "
            + " ".join(
                MAP_WORDS[w].format(label=index.get("label", "IMD 2019"), country=country)
                for w in words
            )
        )
    if terms is not None:
        wanted = [rate if t == "For every 10,000 people" else t for t in terms]
        out = {t: out[t] for t in out if t in wanted}
    return out


def _small_numbers(threshold: int) -> str:
    """The hidden counts in words: "from 1 to 4" (threshold 5), "1" (threshold 2)."""
    return "1" if threshold <= 2 else f"from 1 to {threshold - 1}"


#: The few terms the page cannot avoid, explained (:func:`glossary_for` words them for the run
#: and keeps the ones the page uses).
GLOSSARY: dict[str, str] = {
    "Hot spot": "A small area where crimes happen close together much more often than chance "
    "would explain.",
    "Most deprived neighbourhoods": "The fifth of neighbourhoods in England with the lowest "
    "incomes, least work, poorest health and worst housing, as measured by the government in "
    "2019.",
    "For every 10,000 people": "How many there were for every 10,000 people living here. "
    "This lets us compare places with more or fewer people.",
    "Range": "Figures like these carry some uncertainty. The range is where the true figure "
    "most likely lies.",
    "Anti-social behaviour": "Behaviour that causes harm, alarm or distress to others, "
    "such as noise, vandalism or street drinking, reported to the police.",
    "Hidden numbers (*)": "Where fewer than 5 people are counted, we do not show the number, "
    "so that no one can be identified.",
}

#: Technical words the analysts' maps may show in their keys (found in the map files), each
#: with its plain meaning for "Words on the maps".
MAP_WORDS: dict[str, str] = {
    "Gi*": "“Gi*” is the name of the test that finds hot spots.",
    "Mann-Kendall": "“Mann-Kendall” is the test that tells whether a hot spot is growing or "
    "fading over time.",
    "FDR": "“FDR” means the test allows for checking many squares at once, so that few "
    "hot spots are found by chance.",
    "decile": "“{label} decile” places each neighbourhood among the tenths of all "
    "neighbourhoods in {country}, ranked by deprivation: decile 1 is the most deprived tenth.",
    "layer": "A “layer” is one kind of report, such as drug offences; a “cell” is one square.",
}

#: How each of :data:`MAP_WORDS` is recognised in a map file (the key's and controls' text).
_MAP_WORD_RE: dict[str, re.Pattern[str]] = {
    "Gi*": re.compile(r"Gi\*"),
    "Mann-Kendall": re.compile(r"Mann-Kendall"),
    "FDR": re.compile(r"\bFDR\b"),
    "decile": re.compile(r"\b[Dd]ecile\b"),
    "layer": re.compile(r"\bLayers in which\b|\b\d layers?\b"),
}

_CSS = """
:root { color-scheme: light; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 1.125rem; line-height: 1.55;
  color: #1a1a1a; background: #ffffff; margin: 0; }
main, header, footer { max-width: 46rem; margin: 0 auto; padding: 0 1rem; }
header { border-bottom: 4px solid #004c8c; padding-top: 1rem; }
h1 { font-size: 2rem; color: #003a6b; margin: 0.5rem 0; }
h2 { font-size: 1.5rem; color: #003a6b; margin-top: 2rem; }
h3 { font-size: 1.25rem; }
a { color: #00538a; }
.example { border: 3px solid #a83a00; background: #fff4ec; color: #5c1f00; padding: 0.75rem 1rem;
  font-weight: bold; }
figure { margin: 1.5rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #767676; }
figcaption { font-size: 1rem; color: #333333; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
caption { text-align: left; font-weight: bold; padding: 0.25rem 0; }
th, td { border: 1px solid #767676; padding: 0.35rem 0.5rem; text-align: left; }
thead th { background: #004c8c; color: #ffffff; }
dt { font-weight: bold; margin-top: 0.75rem; }
dd { margin-left: 1rem; }
.small { font-size: 1rem; color: #333333; }
"""


_IFRAME_RE = re.compile(r"""<iframe\b((?:[^>"']|"[^"]*"|'[^']*')*)>""", re.IGNORECASE)
_SRCDOC_ATTR_RE = re.compile(r"""\bsrcdoc\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE)


def label_frames(document: str, language: str = "en") -> str:
    """Give every ``<iframe>`` of an HTML document an accessible name and its page a language.

    An embedded map (``<iframe srcdoc="...">``) is named by the ``<title>`` of the document it
    embeds (``"Embedded map"`` when it has none); an embedded document whose ``<html>`` has no
    ``lang`` gets ``language``. Frames that already have a ``title`` keep it. WCAG 2.1 success
    criteria 4.1.2 (name, role, value: axe rule ``frame-title``) and 3.1.1 (language of page).

    >>> out = label_frames('<iframe srcdoc="&lt;html&gt;&lt;title&gt;Map&lt;/title&gt;">')
    >>> out.startswith('<iframe title="Map"'), 'lang=&quot;en&quot;' in out
    (True, True)
    """

    def fix(match: re.Match[str]) -> str:
        attrs = match.group(1)
        src = _SRCDOC_ATTR_RE.search(attrs)
        inner = html.unescape(src.group(1)[1:-1]) if src else ""
        if src and re.search(r"<html(?![^>]*\blang=)", inner, re.IGNORECASE):
            inner = re.sub(r"<html\b", f'<html lang="{language}"', inner, count=1, flags=re.I)
            quoted = '"' + html.escape(inner, quote=True).replace("&#x27;", "'") + '"'
            attrs = attrs[: src.start(1)] + quoted + attrs[src.end(1) :]
        outside = _SRCDOC_ATTR_RE.sub("", attrs)
        if re.search(r"\btitle\s*=", outside, re.IGNORECASE):
            return f"<iframe{attrs}>"
        found = re.search(r"<title>(.*?)</title>", inner, re.IGNORECASE | re.DOTALL)
        name = html.unescape(found.group(1)).strip() if found else "Embedded map"
        return f'<iframe title="{html.escape(name, quote=True)}"{attrs}>'

    return _IFRAME_RE.sub(fix, document)


def readability(text: str) -> dict[str, Any]:
    """Readability of plain text by ``textstat`` (Flesch reading ease, Flesch-Kincaid grade).

    Notes
    -----
    Reading age is the Flesch-Kincaid grade plus 5 years, the usual conversion of a US school
    grade to an age in the UK. Flesch reading ease of 60-70 is "plain English"; higher is
    easier. Scores describe sentence and word length only, not whether the words are known.
    """
    import textstat

    textstat.set_lang("en")
    grade = float(textstat.flesch_kincaid_grade(text))
    return {
        "flesch_reading_ease": round(float(textstat.flesch_reading_ease(text)), 1),
        "flesch_kincaid_grade": round(grade, 1),
        "reading_age": round(grade + 5, 1),
        "sentences": int(textstat.sentence_count(text)),
        "words": int(textstat.lexicon_count(text)),
        "library": f"textstat {_version('textstat')}",
    }


def _version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _commentary_html(path: str | Path | None) -> str | None:
    """The analyst's Markdown as HTML (raw HTML escaped, comments dropped, headings from h3);
    ``None`` when the study names no commentary (the page then has no such section)."""
    if not path:
        return None
    path = Path(path)
    if not path.is_file():  # a regular file (following links): never a pipe or a device
        raise WorkbenchError(f"commentary file not found or not a regular file: {path}")
    if path.suffix.lower() not in (".md", ".markdown", ".txt"):
        raise WorkbenchError(f"commentary must be a Markdown file (.md), found {path}")
    from workbench.display import markdown_html

    return markdown_html(path.read_text(encoding="utf-8"), top_heading=3)


def _img(path: Path, alt: str) -> dict[str, Any]:
    """A figure's image block: the PNG inlined as a data URI (nothing loads from elsewhere)."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return {"src": f"data:image/png;base64,{data}", "alt": alt}


def _table(
    caption: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    shown: Shown,
) -> dict[str, Any]:
    """A table block: the first cell of each row is its header (escaped by the template);
    ``data-source`` and ``data-in-full`` say where its figures come from and whether small
    numbers are shown (what the privacy sentence describes)."""
    return {
        "kind": "table",
        "caption": caption,
        "headers": list(headers),
        "rows": rows,
        "source": shown.source,
        "in_full": shown.in_full,
    }


#: The community page (jinja2, autoescaped: every text from a file or a setting is escaped by
#: the template; only the commentary, made safe by :func:`workbench.display.markdown_html`,
#: is passed as markup).
_PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="workbench.community">
<title>{{ area }}: crime, drugs and safety, a report to residents ({{ period }})</title>
<style>{{ css }}</style>
</head>
<body>
<header><h1>Crime, drugs and safety in {{ area }}</h1>
<p>A report to residents for {{ period }}. Published {{ made }}.</p></header>
<main>
{% for b in blocks -%}
{% if b.kind == "p" %}<p{% if b.cls %} class="{{ b.cls }}"{% endif %}>{{ b.text }}</p>
{% elif b.kind == "h2" %}<h2>{{ b.text }}</h2>
{% elif b.kind == "h3" %}<h3>{{ b.text }}</h3>
{% elif b.kind == "ul" %}<ul>{% for i in b["items"] %}<li>{{ i }}</li>{% endfor %}</ul>
{% elif b.kind == "dl" %}<dl>{% for t, d in b["items"] %}<dt>{{ t }}</dt><dd>{{ d }}</dd>\
{% endfor %}</dl>
{% elif b.kind == "figure" %}<figure><img src="{{ b.src }}" alt="{{ b.alt }}">\
<figcaption>{{ b.caption }}</figcaption></figure>
{% elif b.kind == "table" %}<table data-source="{{ b.source }}" \
data-in-full="{{ b.in_full | lower }}"><caption>{{ b.caption }}</caption><thead><tr>\
{% for h in b.headers %}<th scope="col">{{ h }}</th>{% endfor %}</tr></thead><tbody>\
{% for r in b.rows %}<tr><th scope="row">{{ r[0] }}</th>{% for c in r[1:] %}<td>{{ c }}</td>\
{% endfor %}</tr>{% endfor %}</tbody></table>
{% elif b.kind == "markup" %}{{ b.html }}
{% endif %}
{%- endfor %}
</main>
<footer><p class="small">Contains public sector information licensed under the Open Government
Licence v3.0. Made with the open workbench for community safety and drug partnerships.</p>
</footer>
</body>
</html>
"""


def _render(**context: Any) -> str:
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_PAGE).render(**context)


@dataclass(frozen=True)
class Shown:
    """Where figures on the page come from, as the run log records their table.

    ``source`` is the table's disclosure source (``"open"``: police.uk open data;
    ``"partnership"``: the partnership's own or other protected tables); ``in_full`` is True when
    the table was published without hiding small numbers (its run-log record's
    ``protected`` is false).
    """

    source: str
    in_full: bool


def shown_from(record: dict[str, Any] | None, config: dict[str, Any]) -> Shown:
    """:class:`Shown` of a table from its run-log record.

    A record without ``disclosure``/``protected`` (runs written before they were logged) is
    read cautiously: police.uk tables are in full only where the study set
    ``open_data_in_full``; any other table is protected.
    """
    rec = record or {}
    source = str((rec.get("disclosure") or {}).get("source") or "")
    if not source:
        source = "partnership" if rec.get("synthetic") else "unknown"
    if "protected" in rec:
        return Shown(source, not bool(rec["protected"]))
    return Shown(source, source == "open" and bool(config.get("open_data_in_full")))


def privacy_sentences(shown: Sequence[Shown], threshold: int) -> list[str]:
    """The page's privacy sentences, from what the page shows.

    Parameters
    ----------
    shown : sequence of Shown
        One per table a figure on the page comes from.
    threshold : int
        The study's suppression threshold (counts from 1 to ``threshold - 1`` are hidden in
        protected tables).

    Returns
    -------
    list of str
        Empty when the page shows no figures.

    Notes
    -----
    Police.uk open data shown in full (``[disclosure] open_data_in_full``) is said to be shown
    in full, small numbers included; the hiding of small numbers is claimed only for the
    figures that are protected ("every other figure" when both kinds are on the page).

    >>> privacy_sentences([Shown("open", True)], 5)[-1]
    'So we show them in full, small numbers too.'
    >>> privacy_sentences([Shown("partnership", False)], 5)[0]
    "To protect people's privacy, we do not show any number from 1 to 4 on this page."
    """
    in_full = {s.source for s in shown if s.in_full}
    hidden = {s.source for s in shown if not s.in_full}
    out: list[str] = []
    if "open" in in_full:
        out += [
            "The police figures on this page are open data: the police publish every crime "
            "on data.police.uk.",
            "So we show them in full, small numbers too.",
        ]
    other_in_full = in_full - {"open"}
    if other_in_full:
        out.append("Some other figures on this page are also shown in full.")
    if hidden and threshold > 1:
        small = "the number 1" if threshold == 2 else f"any number {_small_numbers(threshold)}"
        out.append(
            f"In every other figure, we do not show {small}, to protect people's privacy."
            if in_full
            else f"To protect people's privacy, we do not show {small} on this page."
        )
        out.append(
            "You will see a star (*) instead. We also hide a few other numbers that could "
            "give them away."
        )
    return out


@dataclass(frozen=True)
class PageSettings:
    """What the page says about the run, read from its run logs (never assumed).

    Attributes
    ----------
    area, period : str
        The study's area name and period in words.
    threshold, per : int
        Suppression threshold and the rates' base.
    hotspot_crime_type : str or None
        The overview's hot spot crime type (its ``parameters``).
    hotspot_cell_size : float or None
        The overview's hot spot grid (metres); None where the run log does not record it.
    composite_layers : tuple of str
        The communities theme's composite map layers: its crime types, and "Needle finds"
        where the run published needle finds tables.
    composite_cell_size : float or None
        The communities theme's grid (metres).
    ward_crime_type : str or None
        What the ward table counts.
    """

    area: str
    period: str
    threshold: int
    per: int
    hotspot_crime_type: str | None
    hotspot_cell_size: float | None
    composite_layers: tuple[str, ...]
    composite_cell_size: float | None
    ward_crime_type: str | None

    @classmethod
    def from_run(cls, run: Run) -> PageSettings:
        """The settings of ``run`` from its run logs (study settings and theme parameters)."""
        cfg = run.config

        def params(theme: str) -> dict[str, Any]:
            return dict(run.logs.get(theme, {}).get("parameters") or {})

        over, comm = params("overview"), params("communities")
        layers = [str(c) for c in comm.get("crime_types") or []]
        if run.record("communities", "needle_finds_by_decile", "table") is not None:
            layers.append("Needle finds")  # the notebook adds the layer when it has finds
        return cls(
            area=str(cfg.get("area_name") or cfg.get("name") or "the area"),
            period=(
                f"{month_words(str(cfg.get('period_start', '')))} to "
                f"{month_words(str(cfg.get('period_end', '')))}"
            ),
            threshold=int(cfg.get("suppression_threshold", 5)),
            per=int(cfg.get("per", 10_000)),
            hotspot_crime_type=over.get("hotspot_crime_type"),
            hotspot_cell_size=_float(over.get("cell_size")),
            composite_layers=tuple(layers),
            composite_cell_size=_float(comm.get("cell_size")),
            ward_crime_type=comm.get("ward_crime_type"),
        )


def _float(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if out > 0 else None


def _noun(crime_type: str | None) -> str:
    """A crime type as a plural noun for sentences ("drug offences"); "crimes" when unknown."""
    if not crime_type:
        return "crimes"
    return CRIME_NOUNS.get(crime_type, f"{crime_type.lower()} crimes")


def _join(words: Sequence[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _squares(cell_size: float | None) -> str:
    """ ": each coloured square is 200 metres across" (nothing when the size is not known)."""
    return f": each coloured square is {round(cell_size):,} metres across" if cell_size else ""


def _lsoa_wards(run: Run, codes: Sequence[str]) -> dict[str, str]:
    """LSOA code -> ward name from the study's ``[files] ward_lookup`` (the ONS best-fit
    lookup, read by :func:`workbench.loaders.lookups.read_ward_lookup`); empty without one.

    The path is the one the run log records (relative paths from the study file's folder).
    A lookup that can no longer be read is logged and the neighbourhoods keep their names.
    """
    cfg = run.config
    path = (cfg.get("files") or {}).get("ward_lookup")
    if not path or not codes:
        return {}
    from workbench.errors import DataError
    from workbench.loaders.lookups import read_ward_lookup

    p = Path(str(path))
    if not p.is_absolute() and getattr(run, "study_folder", None) is not None:
        p = Path(run.study_folder) / p  # run logs name files relative to the study folder
    elif not p.is_absolute() and cfg.get("config"):
        p = Path(str(cfg["config"])).parent / p
    try:
        df = read_ward_lookup(p, codes=frozenset(codes))
    except (OSError, DataError, WorkbenchError) as exc:
        logger.warning("Ward lookup %s not read (%s): neighbourhoods named without ward", p, exc)
        return {}
    return {
        str(c): str(n)
        for c, n in zip(df["lsoa_code"], df["ward_name"], strict=True)
        if str(n).strip() and str(n) != str(c)
    }


def _count_sum(cells: Sequence[str]) -> str:
    """The sum of published count cells: ``*`` when any is hidden (a sum with a hidden part
    would reveal it), the missing mark when any is not a number."""
    values = []
    for cell in cells:
        text = str(cell).strip()
        if text == SUPPRESSED:
            return SUPPRESSED
        try:
            values.append(float(text))
        except ValueError:
            return MISSING
    return fmt_count(sum(values))


def _hotspot_places(run: Run, limit: int = 10) -> dict[str, Any] | None:
    """The neighbourhoods (2021 or 2011 LSOAs) holding the overview's sustained hot spots.

    The published table has one row per LSOA **and** hot spot kind; the page lists each
    neighbourhood once (its kinds joined, its offences summed), in the table's order (most
    deprived first), named by its ward where the study has a ward lookup and by its LSOA name
    (e.g. "Gloucester 012A"), the code only when the table has no name.
    """
    table = run.table("overview", "persistent_emerging_hotspots")
    if table is None or table.df.empty or "lsoa_code" not in table.df:
        return None
    df = table.df
    codes = list(dict.fromkeys(df["lsoa_code"]))[:limit]
    wards = _lsoa_wards(run, codes)
    rows = []
    for code in codes:
        part = df[df["lsoa_code"] == code]
        name = str(part["lsoa_name"].iloc[0]).strip() if "lsoa_name" in part else ""
        name = name if name and name != code else f"Neighbourhood {code}"
        kinds = "; ".join(
            dict.fromkeys(HOTSPOT_WORDS.get(str(c), str(c)) for c in part.get("category", []))
        )
        offences = _count_sum(list(part["offences"])) if "offences" in part else MISSING
        rows.append([name, *([wards.get(code, MISSING)] if wards else []), kinds, offences])
    headers = ["Neighbourhood (official name)"]
    headers += ["Ward"] if wards else []
    headers += ["Kind of hot spot", "Offences in its hot spot squares"]
    rec = run.record("overview", "persistent_emerging_hotspots", "table")
    return {"headers": headers, "rows": rows, "shown": shown_from(rec, run.config)}


def _wards(run: Run, settings: PageSettings, when: str) -> dict[str, Any] | None:
    """The five wards with the highest rates of the communities theme's ward crime type."""
    table = run.table("communities", "wards_ranked")
    if table is None or table.df.empty:
        return None
    df = table.df
    if "ward_name" in df:  # a ward listed once (a name repeated: both keep their code)
        repeated = df["ward_name"].duplicated(keep=False)
        if "ward_code" in df and repeated.any():
            df = df.assign(
                ward_name=df["ward_name"].where(
                    ~repeated, df["ward_name"] + " (" + df["ward_code"] + ")"
                )
            )
    rows = [
        [
            str(r.get("ward_name", "")),
            fmt_count(r.get("count")),
            fmt_number(r.get("rate"), 0),
            f"{fmt_number(r.get('lower'), 0)} to {fmt_number(r.get('upper'), 0)}",
        ]
        for _, r in df.head(5).iterrows()
    ]
    noun = _noun(settings.ward_crime_type).replace("reports of ", "")
    held = re.search(r"over (\d+) of the (\d+) months", table.note)
    part = (
        f" (figures for {held.group(1)} of the {held.group(2)} months)"
        if held and held.group(1) != held.group(2)
        else ""
    )
    caption = f"Wards with the most {noun} for every {settings.per:,} people, {when}{part}"
    rec = run.record("communities", "wards_ranked", "table")
    headers = ["Ward", "Reports", f"For every {settings.per:,} people", "Range"]
    return {
        "caption": caption,
        "headers": headers,
        "rows": rows,
        "shown": shown_from(rec, run.config),
    }


#: The maps the page may show (theme, run-log name), in order of preference.
PAGE_MAPS: tuple[tuple[str, str], ...] = (
    ("overview", "emerging_hotspots"),
    ("communities", "composite_hotspots"),
)


def _map_period(run: Run, theme: str, name: str, default: str) -> str:
    """The map's own period, from its title "... (YYYY-MM to YYYY-MM)", else ``default``."""
    html_file = run.file(theme, name, "map", ".html")
    title = (map_title(html_file) if html_file else None) or ""
    when = re.search(r"\((\d{4}-\d{2} to \d{4}-\d{2})\)\s*$", title)
    if when:
        return month_words(when.group(1))
    if html_file is not None:  # the map builder's subtitle "YYYY-MM to YYYY-MM"
        found = re.search(r">\s*(\d{4}-\d{2} to \d{4}-\d{2})\s*<", _read(html_file))
        if found:
            return month_words(found.group(1))
    return default


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _map_words(run: Run, theme: str, name: str) -> list[str]:
    """The :data:`MAP_WORDS` a map's key and controls use (found in its HTML file)."""
    html_file = run.file(theme, name, "map", ".html")
    text = _read(html_file) if html_file else ""
    return [w for w, pattern in _MAP_WORD_RE.items() if pattern.search(text)]


def _partnership_kinds(run: Run, rows: Sequence[Headline]) -> list[str]:
    """What the partnership's own records on the page are about, in everyday words."""
    words = {
        "treatment": "treatment",
        "young_people": "young people's services",
        "needle": "needle finds",
        "waiting": "treatment",
        "unmet": "treatment",
    }
    found = []
    for h in rows:
        key = f"{h.theme} {h.source}".lower()
        found += [w for k, w in words.items() if k in key]
    return list(dict.fromkeys(found)) or ["local services"]


def community_page(
    run: Run,
    by_theme: dict[str, list[Headline]],
    commentary: str | Path | None = None,
    made: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """The community page's HTML and its readability scores.

    Parameters
    ----------
    run : Run
        The finished run (its published tables, map images and run logs).
    by_theme : dict
        Theme -> its headline figures (:func:`workbench.pack.headlines`), the same objects
        the meeting pack shows.
    commentary : str or Path, optional
        The analyst's Markdown commentary ("what the partnership is doing"); without one the
        page has no such section.
    made : str, optional
        Date shown as the page's date (default today).

    Returns
    -------
    (str, dict)
        The HTML document and the readability scores of its prose (:func:`readability`).

    Notes
    -----
    Every caption and sentence about the data comes from the run: the grid size and crime
    types of each map and the ward table's crime type from the themes' run-log
    ``parameters``; needle finds only where the run published them; the partnership's own
    records only where a figure from them is shown; the privacy sentence from the run-log
    records of the tables behind the figures shown (:func:`privacy_sentences`). Words the page
    uses are explained under "Words we use" (:func:`glossary_for`), the maps' technical
    words included.
    """
    cfg = run.config
    settings = PageSettings.from_run(run)
    area, period = settings.area, settings.period
    made = made or _dt.date.today().strftime("%-d %B %Y")
    commentary_html = _commentary_html(commentary)
    if commentary_html is None:
        logger.warning(
            "No commentary for the community page (study setting [report] commentary): its "
            "section 'What the partnership is doing' is left out"
        )
    prose: list[str] = []  # every sentence of the page's own text, for the readability score
    all_rows = [h for rows in by_theme.values() for h in rows]
    any_synthetic = any(h.synthetic for h in all_rows)
    shown: list[Shown] = []  # the tables behind every figure on the page
    terms: set[str] = set()  # glossary entries the page uses

    def shown_of(h: Headline) -> Shown:
        name = Path(str(h.source)).name  # the published file the figure was read from
        rec = next((r for r in run.records(h.theme, "table") if name in r.get("files", [])), None)
        return shown_from(rec, cfg)

    def para(text: str, cls: str = "") -> dict[str, Any]:
        prose.append(text)
        return {"kind": "p", "text": text, "cls": cls}

    def items(headlines: Sequence[Headline]) -> dict[str, Any]:
        lis = []
        for h in headlines:
            if not h.plain:
                continue
            text = h.plain + (" (Example figure from invented data.)" if h.synthetic else "")
            prose.append(text)
            lis.append(text)
            shown.append(shown_of(h))
        return {"kind": "ul" if lis else "none", "items": lis}

    def heading(text: str, level: int = 2) -> dict[str, Any]:
        return {"kind": f"h{level}", "text": text}

    parts: list[dict[str, Any]] = []
    doing = " It also says what the partnership is doing about it." if commentary_html else ""
    parts.append(
        para(
            f"This page is for people who live and work in {area}. "
            f"It says what has changed in crime and drug harm.{doing} The partnership is the "
            "council, the police, health services and others working together. "
            f"The page covers {period}."
        )
    )
    if any_synthetic:
        parts.append(
            para(
                "Example only: some figures on this page come from invented (SYNTHETIC) sample "
                "data. They show how the page works and are not facts about this area.",
                "example",
            )
        )

    crime = by_theme.get("overview") or by_theme.get("supply") or []
    crime_rows = [h for h in crime if h.kind == "crime" and h.plain]
    parts.append(heading("What changed"))
    if crime_rows:
        parts.append(items(crime_rows))
        terms.add("For every 10,000 people")
    else:
        parts.append(para("We have no crime figures for the latest year."))

    parts.append(heading("Where"))
    deprived = [h for h in all_rows if h.kind == "deprived"]
    seen: set[str] = set()
    unique = []
    for h in deprived:
        if h.plain and h.plain not in seen:
            seen.add(h.plain)
            unique.append(h)
    if unique:
        parts.append(items(unique[:3]))
        terms.add("Most deprived neighbourhoods")
    places = _hotspot_places(run)
    cell_sizes: list[float] = []
    map_words: list[str] = []
    wards_shown = False
    wards = None
    for theme, name in PAGE_MAPS:
        png = run.file(theme, name, "map", ".png")
        if png is None:
            continue
        rec = run.record(theme, name, "map") or {}
        synthetic = " (includes invented example data)" if rec.get("synthetic") else ""
        when = _map_period(run, theme, name, period)
        map_words += _map_words(run, theme, name)
        terms.add("Hot spot")
        if name == "emerging_hotspots":
            noun = _noun(settings.hotspot_crime_type)
            caption = (
                f"Hot spots of {noun}, {when}{synthetic}{_squares(settings.hotspot_cell_size)}"
            )
            alt = (
                f"Map of {area} showing small squares where {noun} have clustered, coloured "
                "by kind of hot spot (new, growing, persistent, on and off, past)."
            )
            alt += " The table after the map lists the same neighbourhoods in words." * bool(places)
            cell_sizes.append(settings.hotspot_cell_size or 0)
        else:
            nouns = [_noun(c) for c in settings.composite_layers] or ["crimes"]
            caption = (
                f"Where {_join(nouns)} cluster together, {when}{synthetic}"
                f"{_squares(settings.composite_cell_size)}"
            )
            alt = (
                f"Map of {area} showing the squares where {_join(nouns)} cluster, darker "
                "where more of them cluster in the same square."
            )
            wards = _wards(run, settings, when)
            if wards:
                alt += (
                    f" The table after the map lists the wards with the most "
                    f"{_noun(settings.ward_crime_type)}."
                )
            cell_sizes.append(settings.composite_cell_size or 0)
        caption += ". The map's key shows what each colour means."
        prose.append(caption)
        parts.append({"kind": "figure", **_img(png, alt), "caption": caption})
        if name == "emerging_hotspots" and places:
            parts.append(
                _table(
                    f"Neighbourhoods with hot spots of {_noun(settings.hotspot_crime_type)}, "
                    f"{when}",
                    places["headers"],
                    places["rows"],
                    places["shown"],
                )
            )
            shown.append(places["shown"])
            if any(r[-1] == "0" for r in places["rows"]):
                parts.append(
                    para(
                        "Where the table says 0, the neighbourhood's own hot spot squares had no "
                        "offences: the offences in the squares next to them make them part of "
                        "a hot spot.",
                        "small",
                    )
                )
        if name == "composite_hotspots" and wards:
            parts.append(_table(wards["caption"], wards["headers"], wards["rows"], wards["shown"]))
            shown.append(wards["shown"])
            wards_shown = True
    if not wards_shown:
        wards = _wards(run, settings, "latest 12 months")
        if wards:
            parts.append(_table(wards["caption"], wards["headers"], wards["rows"], wards["shown"]))
            shown.append(wards["shown"])
    if wards:
        terms |= {"Range", "For every 10,000 people"}

    support, indicators = [], []
    for h in all_rows:  # the rest (treatment, young people, needles), each sentence once
        if h.kind in ("crime", "deprived") or not h.plain or h.plain in seen:
            continue
        seen.add(h.plain)
        (indicators if h.kind == "indicator" else support).append(h)
    if support:
        parts.append(heading("Treatment and support"))
        parts.append(items(support))
    if indicators:
        parts.append(heading("Compared with England"))
        parts.append(items(indicators))

    if commentary_html is not None:
        parts.append(heading("What the partnership is doing"))
        from bs4 import BeautifulSoup

        prose.append(BeautifulSoup(commentary_html, "html.parser").get_text(" "))
        # made safe by markdown_html (raw HTML escaped, http(s)/mailto links only, no images)
        parts.append({"kind": "markup", "html": Markup(commentary_html)})

    parts.append(heading("About these figures"))
    privacy = privacy_sentences(shown, settings.threshold)
    if privacy:
        parts.append(para(" ".join(privacy)))
    if any(not s.in_full for s in shown) and settings.threshold > 1:
        terms.add("Hidden numbers (*)")
    # the partnership's own records: figures of theirs on the page (national indicators apart)
    own = [h for h in support if not shown_of(h).in_full]
    origin = []
    if any(s.source == "open" for s in shown) or crime_rows:
        origin.append(
            "Crime figures come from the police. Where crimes happen is shown to the nearest "
            "street, never an address."
        )
    if own:
        origin.append(
            f"Figures about {_join(_partnership_kinds(run, own))} come from the partnership's "
            "own records."
        )
    if indicators:
        origin.append("Figures compared with England are published national statistics.")
    if origin:
        parts.append(para(" ".join(origin)))
    parts.append(heading("Where the figures come from", 3))
    parts.append({"kind": "ul", "items": sources(cfg, plain=True, index=deprivation_index_of(run))})
    used = " ".join(prose)
    if "anti-social behaviour" in used.lower():
        terms.add("Anti-social behaviour")
    if map_words:
        terms.add("Words on the maps")
    glossary = glossary_for(
        deprivation_index_of(run),
        terms=sorted(terms),
        cell_sizes=[c for c in cell_sizes if c],
        threshold=settings.threshold,
        per=settings.per,
        map_words=map_words,
        police_in_full=any(s.source == "open" and s.in_full for s in shown),
    )
    prose += list(glossary.values())
    if glossary:
        parts.append(heading("Words we use"))
        parts.append({"kind": "dl", "items": list(glossary.items())})

    scores = readability("\n".join(prose))
    parts.append(
        {
            "kind": "p",
            "cls": "small",
            "text": "How easy this page is to read: a reading ease score of "
            f"{scores['flesch_reading_ease']:.0f} out of 100 (60 or more is plain English), "
            f"suitable for a reading age of about {scores['reading_age']:.0f} "
            f"(measured with {scores['library']}).",
        }
    )

    document = _render(area=area, period=period, made=made, css=Markup(_CSS), blocks=parts)
    return document, scores


def write_community_page(
    run: Run,
    by_theme: dict[str, list[Headline]],
    path: str | Path,
    commentary: str | Path | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Write :func:`community_page` to ``path`` (atomically); returns the path and scores."""
    document, scores = community_page(run, by_theme, commentary)
    path = write_atomic(Path(path), document.encode("utf-8"))
    logger.info(
        "Community page %s: reading ease %.0f, reading age %.0f",
        path,
        scores["flesch_reading_ease"],
        scores["reading_age"],
    )
    return path, scores
