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
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.pack import (
    CRIME_NOUNS,
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
    "community_page",
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


def glossary_for(index: dict[str, Any]) -> dict[str, str]:
    """:data:`GLOSSARY` with "Most deprived neighbourhoods" worded for the run's index (the
    country and year of IMD 2019, IoD 2025 or WIMD 2019)."""
    country = index.get("country", "England")
    year = index.get("year", 2019)
    who = "the Welsh Government" if country == "Wales" else "the government"
    out = dict(GLOSSARY)
    out["Most deprived neighbourhoods"] = (
        f"The fifth of neighbourhoods in {country} with the lowest incomes, least work, "
        f"poorest health and worst housing, as measured by {who} in {year}."
    )
    return out


#: The few terms the page cannot avoid, explained.
GLOSSARY: dict[str, str] = {
    "Hot spot": "A small area where crimes happen close together much more often than chance "
    "would explain. The maps show them as coloured squares about 200 metres across.",
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


def _commentary_html(path: str | Path | None) -> str:
    """The analyst's Markdown as HTML (raw HTML escaped, comments dropped, headings from h3)."""
    if not path:
        return (
            "<p>The partnership has not added its commentary to this report. Name a Markdown "
            "file as <code>[report] commentary</code> in the study settings.</p>"
        )
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


def _table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> dict[str, Any]:
    """A table block: the first cell of each row is its header (escaped by the template)."""
    return {"kind": "table", "caption": caption, "headers": list(headers), "rows": rows}


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
<figcaption>{{ b.caption }}. The map's key shows what each colour means.</figcaption></figure>
{% elif b.kind == "table" %}<table><caption>{{ b.caption }}</caption><thead><tr>\
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


def _hotspot_places(run: Run) -> tuple[str, list[list[str]]] | None:
    table = run.table("overview", "persistent_emerging_hotspots")
    if table is None or table.df.empty:
        return None
    rows = []
    for _, r in table.df.head(10).iterrows():
        offences = fmt_count(r.get("offences"))
        if offences == "0":
            offences = "0 (offences in the squares next to it make it part of a hot spot)"
        rows.append(
            [
                str(r.get("lsoa_name", "")),
                HOTSPOT_WORDS.get(str(r.get("category", "")), str(r.get("category", ""))),
                offences,
            ]
        )
    return "Neighbourhoods with drug offence hot spots", rows


def _wards(run: Run) -> tuple[str, list[list[str]]] | None:
    table = run.table("communities", "wards_ranked")
    if table is None or table.df.empty:
        return None
    rows = [
        [
            str(r.get("ward_name", "")),
            fmt_count(r.get("count")),
            fmt_number(r.get("rate"), 0),
            f"{fmt_number(r.get('lower'), 0)} to {fmt_number(r.get('upper'), 0)}",
        ]
        for _, r in table.df.head(5).iterrows()
    ]
    # the table's note starts with what it counts ("Anti-social behaviour; rate per ...")
    what = table.note.split(";", 1)[0].strip() if ";" in table.note else ""
    noun = CRIME_NOUNS.get(what, "crime").replace("reports of ", "")
    return f"Wards with the most {noun} for every 10,000 people, latest 12 months", rows


#: The maps the page may show (theme, run-log name), in order of preference; two at most.
PAGE_MAPS: tuple[tuple[str, str, str], ...] = (
    (
        "overview",
        "emerging_hotspots",
        "Map of {area} showing small squares where drug offences have clustered, coloured by "
        "kind of hot spot (new, growing, persistent, on and off, past). The table after the "
        "map lists the same neighbourhoods in words.",
    ),
    (
        "communities",
        "composite_hotspots",
        "Map of {area} showing where anti-social behaviour, needle finds and drug offences "
        "cluster together. The table after the map lists the wards with the most anti-social "
        "behaviour.",
    ),
)


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
        The finished run (its published tables and map images).
    by_theme : dict
        Theme -> its headline figures (:func:`workbench.pack.headlines`), the same objects
        the meeting pack shows.
    commentary : str or Path, optional
        The analyst's Markdown commentary ("what the partnership is doing").
    made : str, optional
        Date shown as the page's date (default today).

    Returns
    -------
    (str, dict)
        The HTML document and the readability scores of its prose (:func:`readability`).
    """
    cfg = run.config
    area = str(cfg.get("area_name") or cfg.get("name", "the area"))
    period = (
        f"{month_words(str(cfg.get('period_start', '')))} to "
        f"{month_words(str(cfg.get('period_end', '')))}"
    )
    made = made or _dt.date.today().strftime("%-d %B %Y")
    prose: list[str] = []  # every sentence of the page's own text, for the readability score
    all_rows = [h for rows in by_theme.values() for h in rows]
    any_synthetic = any(h.synthetic for h in all_rows)

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
        return {"kind": "ul" if lis else "none", "items": lis}

    def heading(text: str, level: int = 2) -> dict[str, Any]:
        return {"kind": f"h{level}", "text": text}

    parts: list[dict[str, Any]] = []
    parts.append(
        para(
            f"This page is for people who live and work in {cfg.get('area_name', 'the area')}. "
            "It says what has changed in crime and drug harm. It also says what the "
            "partnership is doing about it. The partnership is the council, the police, "
            f"health services and others working together. The page covers {period}."
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
    crime_rows = [h for h in crime if h.kind == "crime"]
    parts.append(heading("What changed"))
    if crime_rows:
        parts.append(items(crime_rows))
    else:
        parts.append(para("This run has no figures for the latest year."))

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
    wards = _wards(run)
    places = _hotspot_places(run)
    shown = 0
    wards_shown = False
    for theme, name, alt in PAGE_MAPS:
        png = run.file(theme, name, "map", ".png")
        if png is None or shown >= 2:
            continue
        rec = run.record(theme, name, "map") or {}
        # the map's own period, from its title "... (YYYY-MM to YYYY-MM)", else the study's
        html_file = run.file(theme, name, "map", ".html")
        title = (map_title(html_file) if html_file else None) or ""
        when = re.search(r"\((\d{4}-\d{2} to \d{4}-\d{2})\)\s*$", title)
        caption = (
            (
                "Drug offence hot spots, "
                if name == "emerging_hotspots"
                else "Anti-social behaviour, needle finds and drug offences together, "
            )
            + (month_words(when.group(1)) if when else period)
            + (" (includes invented example data)" if rec.get("synthetic") else "")
        )
        alt_text = alt.format(area=cfg.get("area_name", "the area"))
        prose.append(caption)
        parts.append({"kind": "figure", **_img(png, alt_text), "caption": caption})
        if name == "emerging_hotspots" and places:
            parts.append(
                _table(
                    places[0],
                    ["Neighbourhood (official name)", "Kind of hot spot", "Offences"],
                    places[1],
                )
            )
        if name == "composite_hotspots" and wards:
            parts.append(
                _table(wards[0], ["Ward", "Reports", "For every 10,000 people", "Range"], wards[1])
            )
            wards_shown = True
        shown += 1
    if wards and not wards_shown:
        parts.append(
            _table(wards[0], ["Ward", "Reports", "For every 10,000 people", "Range"], wards[1])
        )

    support = []
    for h in all_rows:  # the rest (treatment, young people, needles), each sentence once
        if h.kind in ("crime", "deprived") or not h.plain or h.plain in seen:
            continue
        seen.add(h.plain)
        support.append(h)
    if support:
        parts.append(heading("Treatment and support"))
        parts.append(items(support))

    parts.append(heading("What the partnership is doing"))
    from bs4 import BeautifulSoup
    from markupsafe import Markup

    commentary_html = _commentary_html(commentary)
    prose.append(BeautifulSoup(commentary_html, "html.parser").get_text(" "))
    # made safe by markdown_html (raw HTML escaped, http(s)/mailto links only, no images)
    parts.append({"kind": "markup", "html": Markup(commentary_html)})

    threshold = int(cfg.get("suppression_threshold", 5))
    parts.append(heading("About these figures"))
    parts.append(
        para(
            f"To protect people's privacy, we do not show any number from 1 to {threshold - 1}. "
            f"You will see a star (*) instead. We also hide a few other numbers that could "
            f"give them away."
        )
    )
    parts.append(
        para(
            "Crime figures come from the police. Where crimes happen is shown to the nearest "
            "street, never an address. Figures about treatment and young people come from the "
            "partnership's own records."
        )
    )
    parts.append(heading("Where the figures come from", 3))
    parts.append({"kind": "ul", "items": sources(cfg, plain=True, index=deprivation_index_of(run))})
    glossary = glossary_for(deprivation_index_of(run))
    prose += list(glossary.values())
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
