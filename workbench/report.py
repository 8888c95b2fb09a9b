"""Run the themed notebooks with papermill and render self-contained HTML reports."""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import logging
import logging.handlers
import os
import pickle
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.config import PARTNERSHIP_TABLES, StudyConfig, load_config
from workbench.disclosure.audit import audit_run
from workbench.display import md_text
from workbench.errors import ConfigError, DataError, WorkbenchError, optional
from workbench.maps.browser import run_browser
from workbench.months import month, span
from workbench.outputs import SYNTHETIC_LABEL, run_dir
from workbench.writing.folder import MARKER, FolderLock, mark_complete, sweep_stale, write_errors

if TYPE_CHECKING:
    from workbench.assumptions import StudyFacts
    from workbench.outputs import Outputs
    from workbench.study import Study

__all__ = [
    "NOTEBOOKS",
    "RESOURCES",
    "THEMES",
    "assumptions_for",
    "study_facts",
    "data_sources",
    "default_config",
    "default_out_dir",
    "describe_study",
    "ethnicity_population",
    "export_html",
    "external_loads",
    "open_study",
    "optional",
    "parse_period",
    "population_label",
    "run_report",
    "run_report_cli",
    "study_districts",
    "synthetic_tables",
]

logger = logging.getLogger(__name__)

#: Folder of the themed notebooks (package data; committed without outputs).
NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
#: Files the package reads at run time (the assumptions log's data), shipped as package data.
RESOURCES = Path(__file__).resolve().parent / "resources"
#: The sample study, looked for from the working folder and from the package's clone.
SAMPLE_CONFIG = Path("data") / "sample" / "area.toml"
#: A data file named in an assumptions-log entry (in backticks), e.g. `lsoa_pop_mid2019.csv`.
#: Name of the per-theme log file that receives every log record of a notebook run.
LOG_FILE = "run.log"

#: Theme name -> notebook file, in the order a full report runs them.
THEMES: dict[str, str] = {
    "supply": "01_supply.ipynb",
    "communities": "02_communities.ipynb",
    "young_people": "03_young_people.ipynb",
    "treatment": "04_treatment.ipynb",
    "indicators": "05_indicators.ipynb",
    "overview": "00_overview.ipynb",
}

#: Seconds a notebook's kernel may take to start before the report stops with an error.
KERNEL_START_TIMEOUT_S = 600

#: Seconds one notebook cell may run before the report stops with an error.
CELL_TIMEOUT_S = 600


# nbconvert's lab template loads require.js, MathJax, mermaid and the widget manager from CDNs.
# Reports must open with no network, so those blocks are emptied; code cells are kept but
# collapsed in a <details> element.
_OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css -%}
<style>
/* Reports that fit (issue 25 item 8): a table wider than the page scrolls sideways in its own
   box, right under it, never widening the page or hiding its right-hand columns. Tables for
   people come in such a box (workbench.display); any other table is made its own box. */
.wb-table-scroll { overflow-x: auto; max-width: 100%; }
.jp-OutputArea-output :not(.wb-table-scroll) > table { display: block; overflow-x: auto;
  max-width: 100%; }
details.wb-long-table > summary { cursor: pointer; margin: 0.3em 0; }
/* links in running text are underlined, not told apart by colour alone (WCAG 1.4.1) */
.jp-RenderedHTMLCommon a:not(.anchor-link) { text-decoration: underline !important; }
</style>
{%- endblock extra_css %}
{% block input_group -%}
<details class="wb-code"><summary>Show code</summary>
{{ super() }}
</details>
{%- endblock input_group %}
"""

#: Attributes through which an element fetches a resource (``href`` only on ``<link>``,
#: ``<base>``, SVG ``<use>``/``<image>``: a plain ``<a href>`` is navigation, not a load).
_LOAD_ATTRS = ("src", "data", "poster", "srcset", "background", "action", "formaction")
_HREF_LOADS = ("link", "base", "use", "image", "feimage")
#: A URL on another host: ``http://``, ``https://`` or protocol-relative ``//``.
_OUTSIDE_URL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
#: CSS that fetches from another host: ``url(...)`` or ``@import``.
_CSS_LOAD = re.compile(r"""(?:url\(|@import)\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_WIDGET_NOTE = (
    '<p class="wb-widget-note"><em>Interactive controls: open the notebook in JupyterLab '
    "(<code>make lab</code>) to change the period, crime type, method or scale.</em></p>"
)


def parse_period(period: str | None) -> tuple[str | None, str | None]:
    """Split ``"YYYY-MM:YYYY-MM"`` into its two months (``(None, None)`` for ``None``).

    Raises
    ------
    ConfigError
        When the text is not two months separated by a colon.
    """
    if period is None:
        return None, None
    try:
        first, last = span(period, "--period")
    except WorkbenchError as exc:
        raise ConfigError(str(exc)) from None
    return str(first), str(last)


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


# ---------------------------------------------------------------------------- notebook session
def _search_up(start: Path, relative: Path) -> Path | None:
    for folder in [start, *start.parents]:
        candidate = folder / relative
        if candidate.is_file():
            return candidate
    return None


def default_config() -> Path:
    """The sample study's ``area.toml``: ``data/sample/area.toml`` above the working folder
    or above the package (a clone).

    Raises
    ------
    ConfigError
        When neither is found (an installed package has no sample: pass ``config``).
    """
    for start in (Path.cwd().resolve(), Path(__file__).resolve().parent):
        found = _search_up(start, SAMPLE_CONFIG)
        if found is not None:
            return found
    raise ConfigError(
        "no study configuration given and no data/sample/area.toml above "
        f"{Path.cwd()}; pass config='path/to/area.toml'"
    )


def default_out_dir() -> Path:
    """``output/`` next to the sample's ``data/`` folder in a clone, else ``./output``."""
    try:
        return default_config().parents[2] / "output"
    except ConfigError:
        return Path.cwd() / "output"


class _RunLogHandler(logging.FileHandler):
    """A file handler the session can find again (and replace when a notebook is re-run)."""


class _RunLogBuffer(logging.handlers.BufferingHandler):
    """Holds the records logged before the run folder exists (replayed into its log file)."""

    def shouldFlush(self, record: logging.LogRecord) -> bool:  # noqa: N802 - logging's name
        return False


def _log_to_file(path: Path | None) -> Path | None:
    """Send every log record and warning of this process to ``path`` (not to the notebook).

    Records reach the notebook (and the HTML report) as pink stderr boxes only through
    Python's last-resort handler; a handler on the root logger replaces it, and
    ``logging.captureWarnings`` routes ``warnings`` there too. What an analyst must know
    is said in the notebook's prose and tables instead. With ``path=None`` the records are
    held in memory until a later call names the file, which then receives them first.
    """
    root = logging.getLogger()
    held: list[logging.LogRecord] = []
    for handler in [h for h in root.handlers if isinstance(h, _RunLogHandler | _RunLogBuffer)]:
        root.removeHandler(handler)
        if isinstance(handler, _RunLogBuffer):
            held += handler.buffer
        handler.close()
    if path is None:
        handler = _RunLogBuffer(capacity=100_000)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _RunLogHandler(path, mode="a", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        for record in held:
            handler.handle(record)
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    for noisy in ("matplotlib", "fontTools", "PIL", "asyncio", "urllib3", "numba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return path


def _load_study(config: Path, period_start: Any, period_end: Any, cache: Any) -> Study:
    from workbench.study import Study

    if cache:
        cache_path = Path(cache)
        if cache_path.is_file():
            with cache_path.open("rb") as fh:
                study = pickle.load(fh)
            same = (
                study.config.path == config.resolve()
                and (period_start is None or str(study.config.period_start) == str(period_start))
                and (period_end is None or str(study.config.period_end) == str(period_end))
            )
            if same:
                logger.info("Study read from this run's cache (loaded once for the run)")
                return study
            logger.info("The run's cache is for another study or period: not used")
    return Study.from_toml(config, period_start=period_start, period_end=period_end)


def open_study(
    theme: str,
    config: str | Path | None = None,
    *,
    period_start: str | None = None,
    period_end: str | None = None,
    out_dir: str | Path | None = None,
    run_date: str | None = None,
    study_cache: str | Path | None = None,
) -> tuple[Study, Outputs]:
    """Start a themed notebook: its log file, table display, study and output writer.

    Parameters
    ----------
    theme : str
        The theme (names the output folder ``<out_dir>/<date>_<theme>``).
    config : str or Path, optional
        The study's ``area.toml`` (default: the sample study, :func:`default_config`).
    period_start, period_end : str, optional
        ``YYYY-MM`` overrides of the study period.
    out_dir : str or Path, optional
        Parent output folder (default :func:`default_out_dir`).
    run_date : str, optional
        Date in the folder name (default today).
    study_cache : str or Path, optional
        A pickled :class:`~workbench.study.Study` that ``workbench report`` wrote once for the
        whole run, so each notebook does not load every file again; used only when it is for
        the same config and period.

    Returns
    -------
    (Study, Outputs)

    Notes
    -----
    Every log record and warning of the kernel goes to ``<run folder>/run.log`` (not into the
    notebook); DataFrames displayed are shown as tables for people
    (:func:`workbench.display.register`).
    """
    from workbench import display
    from workbench.outputs import Outputs

    cfg_path = Path(config) if config else default_config()
    out_root = Path(out_dir) if out_dir else default_out_dir()
    run_dir(out_root, theme, run_date)  # checks the theme and date before anything runs
    _log_to_file(None)  # held until the (staged) run folder exists
    study = _load_study(cfg_path, period_start, period_end, study_cache)
    cfg = study.config
    captions = display.TableCaptions(
        cfg.area_name, f"{_month(cfg.period_start)} to {_month(cfg.period_end)}"
    )
    display.register(
        captions.caption,
        captions.notes,
        per=cfg.per,
        threshold=cfg.suppression_threshold,
        kinds=captions.kinds,
        headers=captions.headers,
        source=captions.source,
    )
    # Under `workbench report` (a run cache is given) the run writes the completion marker
    # itself, after the report HTML and the executed notebook are in the folder.
    out = captions.watch(
        Outputs(
            theme,
            study,
            out_dir=out_root,
            run_date=run_date,
            mark_complete=study_cache is None,
        )
    )
    # The folder is staged until the run log moves it into place: the log file moves with it.
    _log_to_file(Path(out.dir) / LOG_FILE)
    logger.info("Study %s, theme %s: %s", study.config.name, theme, describe_study(study))
    return study, out


# ---------------------------------------------------------------------------- describing a study
def study_districts(study: Study) -> pd.DataFrame:
    """The study's districts: ``district_code``, ``district_name`` (in ``area_codes`` order).

    Names come from the study's LSOAs (their LAD name) or its ``districts`` file; a code with
    no name found keeps the code as its name.
    """
    names: dict[str, str] = {}
    lsoas = study.lsoas
    if {"lad_code", "lad_name"} <= set(lsoas.columns):
        pairs = lsoas[["lad_code", "lad_name"]].dropna().drop_duplicates()
        names.update(dict(zip(pairs["lad_code"], pairs["lad_name"], strict=True)))
    districts = study.districts
    if districts is not None and {"district_code", "district_name"} <= set(districts.columns):
        for code, name in zip(districts["district_code"], districts["district_name"], strict=True):
            names.setdefault(str(code), str(name))
    codes = list(study.config.area_codes)
    return pd.DataFrame({"district_code": codes, "district_name": [names.get(c, c) for c in codes]})


def population_label(config: StudyConfig) -> str:
    """The population the rates use, as a reader should see it, e.g. "ONS mid-2019 LSOA
    population estimates (lsoa_pop_mid2019.csv)"; the year only when the study states it
    (``[study] population_year``)."""
    from workbench.loaders.population import population_source

    return population_source(config.file("population"), config.population_year)


def synthetic_tables(config: StudyConfig) -> list[str]:
    """The configured partnership tables whose file is synthetic (``synthetic`` in its name)."""
    found = []
    for key in PARTNERSHIP_TABLES:
        path = config.file(key)
        if path and SYNTHETIC_LABEL.lower() in Path(path).name.lower():
            found.append(key)
    return found


def data_sources(study: Study) -> list[str]:
    """The data sources this study actually uses, one line each, as named in reports."""
    cfg = study.config
    sources = []
    if study.has_police:
        crimes = study.crimes
        forces = ""
        if "falls_within" in crimes.columns:
            names = sorted(str(f) for f in crimes["falls_within"].dropna().unique())
            forces = f" ({', '.join(names)})" if names else ""
        sources.append(f"Police recorded crime, data.police.uk{forces}")
    if cfg.file("stop_search"):
        sources.append("Stop and search, data.police.uk")
    index = study.deprivation_index
    if index is not None:
        sources.append(
            f"{index.long_name} ({index.publisher}; {index.label}, {index.country}, "
            f"{index.geography} LSOAs)"
        )
    if cfg.file("lsoa_2011_2021_lookup"):
        sources.append("ONS LSOA (2011) to LSOA (2021) lookup")
    if cfg.file("ward_lookup") and not cfg.file("wards"):
        sources.append("ONS LSOA (2021) to ward best-fit lookup (ward figures are best fit)")
    for key, what in (("ndtms_viewit", "area"), ("ndtms_viewit_england", "England")):
        if cfg.file(key):  # issue 23: real treatment exports
            name = Path(cfg.file(key)).name
            sources.append(f"NDTMS ViewIt adult export, {what} (OHID; {name})")
    sources.append(population_label(cfg))
    if cfg.file("population_bands"):
        sources.append(f"Population by sex and age ({Path(cfg.file('population_bands')).name})")
    year = f" ({cfg.boundary_copyright_year})" if cfg.boundary_copyright_year else ""
    sources.append(f"ONS LSOA boundaries{year}")
    if cfg.file("wards"):
        sources.append(f"ONS ward boundaries{year}")
    ethnic = cfg.file("ethnicity_population")
    if ethnic:
        sources.append(f"Population by ethnic group ({Path(ethnic).name})")
    synthetic = set(synthetic_tables(cfg))
    for key in PARTNERSHIP_TABLES:
        path = cfg.file(key)
        if path:
            label = f", {SYNTHETIC_LABEL}" if key in synthetic else ""
            what = key.replace("_", " ").replace("lsoa", "LSOA")
            sources.append(f"Partnership table: {what} ({Path(path).name}{label})")
    return sources


def _partnership_text(study: Study) -> str:
    """ " **Partnership:** Gloucester CSP (E22000096); police force area Gloucestershire."" from
    the ONS LAD to CSP to PFA lookup, when the study names one."""
    table = study.partnership
    if table is None or not len(table):
        return ""
    csp = "; ".join(  # names from the lookup file: escaped for Markdown
        md_text(f"{n} ({c})") for c, n in table[["csp_code", "csp_name"]].drop_duplicates().values
    )
    pfa = "; ".join(
        md_text(f"{n} ({c})") for c, n in table[["pfa_code", "pfa_name"]].drop_duplicates().values
    )
    return f" **Community Safety Partnership:** {csp}. **Police force area:** {pfa}."


def _month(period: Any) -> str:
    return month(period, "period").strftime("%B %Y")


def _district_list(study: Study) -> str:
    districts = study_districts(study)
    return ", ".join(
        f"{n} ({c})"
        for c, n in zip(districts["district_code"], districts["district_name"], strict=True)
    )


def describe_study(study: Study) -> str:
    """One line naming the study: area, districts, period."""
    cfg = study.config
    period = f"{_month(cfg.period_start)} to {_month(cfg.period_end)}"
    return f"{cfg.area_name}: {_district_list(study)}; {period}"


def study_facts(study: Study) -> StudyFacts:
    """What the study uses, as the assumptions log's ``applies_when`` conditions read it.

    The ``[files]`` kinds and ``[indicators]`` keys it configures, its deprivation index and
    that index's country, the census geography of its LSOA boundaries, whether its population
    is Census 2021 usual residents or a mid-year estimate, whether any partnership table is
    synthetic, whether it has several districts, and ``[disclosure] open_data_in_full``.
    """
    from workbench.assumptions import StudyFacts

    cfg = study.config
    index = study.deprivation_index
    source = population_label(cfg)
    return StudyFacts(
        files=frozenset(k for k, v in cfg.files.items() if v),
        indicators=frozenset(k for k, v in cfg.indicators.items() if v),
        index=index.label if index is not None else None,
        country=index.country if index is not None else None,
        lsoa_vintage=study.study_area.vintage,
        population="census2021" if source.startswith("Census 2021") else "mid-year",
        synthetic=bool(synthetic_tables(cfg)),
        several_districts=len(cfg.area_codes) > 1,
        open_data_in_full=bool(cfg.open_data_in_full),
    )


def assumptions_for(study: Study, *keywords: str) -> Any:
    """The assumptions-log entries on the notebook's topics (``keywords``) that apply to this
    study.

    :func:`workbench.outputs.assumptions` selects the entries on the topics; of those, an
    entry is kept only when its ``applies_when`` conditions hold for the study's facts
    (:func:`study_facts`, :meth:`workbench.assumptions.Entry.applies`): the entry's text is
    never read to decide.
    """
    from workbench.assumptions import applicable
    from workbench.outputs import assumptions

    found = assumptions(*keywords)
    found.entries = applicable(found.entries, study_facts(study))
    return found


def ethnicity_population(study: Study) -> pd.DataFrame | None:
    """The study's population by ethnic group (``[files] ethnicity_population``), or None.

    Columns ``ethnicity`` and ``population`` (other columns kept); lines starting with ``#``
    are comments.

    Raises
    ------
    DataError
        When a required column is missing or a population is not a whole number.
    """
    path = study.config.file("ethnicity_population")
    if not path:
        # Census 2021 TS021 ethnic groups read with the population file (issue 21)
        from workbench.loaders.population import census_ethnic_groups

        return census_ethnic_groups(study.lsoas)
    table = pd.read_csv(path, comment="#", thousands=",")
    for column in ("ethnicity", "population"):
        if column not in table.columns:
            raise DataError(
                str(path), f"a column named {column!r}", ", ".join(map(str, table.columns))
            )
    numbers = pd.to_numeric(table["population"], errors="coerce")
    bad = numbers.isna() | (numbers < 0)
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise DataError(
            str(path),
            "a whole number >= 0",
            repr(table["population"].iloc[row]),
            row=row + 1,
            column="population",
        )
    table["population"] = numbers.astype("int64")
    logger.info("Population by ethnic group: %s (%d groups)", path, len(table))
    return table


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


#: A Markdown heading, with its optional number: "## 6. Explore", "## 5b. Hot spots ...".
_HEADING = re.compile(
    r"^#{1,6}[ \t]+(?:(?P<number>\d+[a-z]?)\.[ \t]+)?(?P<title>.+?)[ \t#]*$", re.M
)
#: A link to a section by its title: ``[Explore](#Explore)``.
_SECTION_LINK = re.compile(r"\[(?P<text>[^\]\n]+)\]\(#(?P<slug>[^)\s]+)\)")


def _slug(title: str) -> str:
    """A heading's title as a link target: spaces as ``-``, case ignored."""
    return re.sub(r"\s+", "-", title.strip()).lower()


def heading_id(heading: str) -> str:
    """The ``id`` nbconvert gives a Markdown heading in the HTML report (its text, spaces as
    ``-``, characters not allowed in a URL fragment percent-encoded).

    >>> heading_id("6. Explore"), heading_id("5b. Hot spots district by district")
    ('6.-Explore', '5b.-Hot-spots-district-by-district')
    """
    from urllib.parse import quote

    return quote(heading.strip().replace(" ", "-"), safe="?/:@!$&'()*+,;=")


def section_references(nb: Any) -> list[str]:
    """Number the links to sections of a notebook from its headings, in place.

    A Markdown cell refers to another section by its title, never by a number typed by hand
    (which goes wrong as soon as a section is added): ``[Explore](#Explore)``. Each link
    becomes ``[section 6](#6.-Explore)`` (``Section`` at the start of a sentence; other link
    text is kept, ``[the controls](#Explore)`` -> ``[the controls (section 6)](...)``), with
    the number and the anchor read from the heading ``## 6. Explore`` of the same notebook.
    Returns the references that name no heading (left as they are, and logged).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_markdown_cell("Use the controls in [Explore](#Explore)."),
    ...     nbformat.v4.new_markdown_cell("## 6. Explore")])
    >>> section_references(nb), nb.cells[0].source
    ([], 'Use the controls in [section 6](#6.-Explore).')
    """
    headings: dict[str, tuple[str, str]] = {}
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for m in _HEADING.finditer(cell.source):
            if m.group("number"):
                text = f"{m.group('number')}. {m.group('title')}"
                headings.setdefault(_slug(m.group("title")), (m.group("number"), text))
    unknown: list[str] = []

    def number(m: re.Match[str]) -> str:
        found = headings.get(m.group("slug").lower())
        if found is None:
            unknown.append(m.group(0))
            return m.group(0)
        n, heading = found
        before = m.string[: m.start()].rstrip(" *_")
        word = "Section" if not before or before[-1] in ".!?:\n" else "section"
        text = m.group("text")
        same = _slug(text) == m.group("slug").lower()
        shown = f"{word} {n}" if same else f"{text} (section {n})"
        return f"[{shown}](#{heading_id(heading)})"

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _SECTION_LINK.sub(number, cell.source)
    if unknown:
        logger.warning("Links to sections that no heading has: %s", unknown)
    return unknown


def export_html(notebook: str | Path, html_path: str | Path, title: str | None = None) -> Path:
    """Render an executed notebook as one self-contained HTML file (no external loads).

    Uses nbconvert's ``lab`` template with the CDN scripts (require.js, MathJax, mermaid,
    widget manager) removed, images embedded and code cells collapsed. Widget state is
    dropped: widgets show their text form; the maps and tables they produced are in the
    outputs. ``title`` (default: the notebook's ``metadata.title``, else its file name) is the
    page's ``<title>``.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4)
    nb.metadata.pop("widgets", None)
    section_references(nb)  # "section 6" from the headings, never typed by hand
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
    title = title or nb.metadata.get("title") or Path(notebook).stem
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
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

    Counted: ``src`` (and ``srcset``, ``data``, ``poster``...) of any element, ``href`` of
    ``<link>``/``<base>``/SVG ``<use>``, and CSS ``url()``/``@import`` in ``<style>`` or a
    ``style`` attribute, pointing at ``http://``, ``https://`` or ``//``. Documents embedded
    in ``<iframe srcdoc="...">`` (as notebooks embed offline maps) are checked too. Plain
    ``<a href>`` links and addresses in text (licences, attributions) are not loads and are
    not returned. Parsed with lxml's HTML parser, as a browser would see the elements.
    """
    import lxml.html

    found: list[str] = []
    if not text.strip():
        return found
    try:
        root = lxml.html.document_fromstring(text)
    except ValueError:  # a Unicode string with an XML encoding declaration
        root = lxml.html.document_fromstring(text.encode("utf-8"))
    for el in root.iter():
        if not isinstance(el.tag, str):  # comments and processing instructions
            continue
        tag = el.tag.lower()
        for attr, url in el.items():
            name = attr.lower()
            fetches = name in _LOAD_ATTRS or (name == "href" and tag in _HREF_LOADS)
            if fetches and _OUTSIDE_URL.match(url):
                found.append(f"<{tag} {attr}={url[:80]}>")
            if name == "style" and _CSS_LOAD.search(url):
                found.append(f"<{tag} style={url[:80]}>")
            if name == "srcdoc":
                found += external_loads(url)
        if tag == "style":
            css = el.text_content()
            match = _CSS_LOAD.search(css)
            if match:
                found.append(f"<style> {css[match.start() : match.end() + 60]}")
    return found


@contextlib.contextmanager
def _transport() -> Iterator[dict[str, Any]]:
    """Kernel transport: local IPC sockets on POSIX (no network port, and no ipykernel warning
    about unencrypted TCP); jupyter_client's default TCP elsewhere (Windows has no IPC).

    Notes
    -----
    The sockets live in a new temporary folder of their own, named by absolute path. With a
    relative name they were made in the kernel's working folder (the package's notebooks), where
    two runs starting at the same moment (two test workers, or two reports) chose the same
    socket files (jupyter_client numbers them by which files exist) and both waited for a
    kernel that never answered; an installed package's folder may also be read-only. The
    folder name is short: a Unix socket path is limited to about 100 characters.
    """
    if os.name != "posix":
        yield {}
        return
    from traitlets.config import Config

    folder = tempfile.mkdtemp(prefix="wbk-")
    try:
        ip = os.path.join(folder, "k")
        yield {"config": Config({"KernelManager": {"transport": "ipc", "ip": ip}})}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _execute(theme: str, params: dict[str, Any], folder: Path, failed: Path) -> Path:
    """Run the theme's notebook into ``folder``; on a failing cell keep it as ``failed``.

    The partly run notebook is moved to ``failed`` (a visible file named in the error) so that
    the caller can remove the work folder whatever happens.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = NOTEBOOKS / THEMES[theme]
    if not source.is_file():
        raise WorkbenchError(f"notebook for theme {theme!r} not found: {source}")
    executed = folder / f"{theme}.ipynb"
    try:
        with _venv_kernel(), _transport() as transport:
            papermill.execute_notebook(
                str(source),
                str(executed),
                parameters=params,
                kernel_name="python3",
                cwd=str(NOTEBOOKS),
                progress_bar=False,
                log_output=False,
                execution_timeout=CELL_TIMEOUT_S,
                # the kernel's start is awaited until it answers (jupyter_client's readiness
                # check); this bound only fails a kernel that never starts (a loaded machine
                # took over papermill's default 60 s)
                start_timeout=KERNEL_START_TIMEOUT_S,
                **transport,
            )
    except PapermillExecutionError as exc:
        kept = f"(the partly run notebook is {failed})"
        try:
            shutil.move(executed, failed)
        except OSError:  # pragma: no cover - the message must still name the failing cell
            kept = "(the partly run notebook could not be kept)"
        raise WorkbenchError(
            f"notebook {source.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue} "
            + kept
        ) from exc
    return executed


def _theme_title(notebook: Any) -> str:
    """The notebook's first heading without its number: "Supply: drug offences ..."."""
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("# "):
                return re.sub(r"^#\s+(\d+\.\s*)?", "", line).strip()
    return "Report"


def _renderers(folder: Path) -> list[str]:
    """How this theme's map PNGs were drawn, from its ``run_log.json``."""
    log = folder / "run_log.json"
    if not log.is_file():
        return []
    records = json.loads(log.read_text(encoding="utf-8")).get("outputs", [])
    found = []
    for record in records:
        if record.get("kind") == "map":
            renderer = record.get("png_renderer") or f"none ({record.get('png_error')})"
            if renderer not in found:
                found.append(renderer)
    return found


#: The study files (or ``[indicators]`` tables) each theme needs beyond the police data.
THEME_NEEDS: dict[str, tuple[str, ...]] = {
    "supply": ("police_street",),
    "communities": ("police_street",),
    "overview": ("police_street",),
    "young_people": ("young_people",),
    "treatment": (
        "treatment_demographics",
        "treatment_by_lsoa",
        "prevalence",
        "services",
        "waiting_times",
        "treatment_outcomes",
        "ndtms_viewit",
        "ndtms_viewit_england",
    ),
    "indicators": ("[indicators]",),
}


def theme_without_data(theme: str, config: StudyConfig) -> str | None:
    """Why a theme has no data for this study (None when it has some), in one phrase.

    A theme needs any one of its files in :data:`THEME_NEEDS` (``[indicators]``: any national
    table). A theme without data is not run: ``workbench report`` says so in one line
    (:func:`skipped_themes`).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> cfg = SimpleNamespace(file=lambda key: None, indicators={})
    >>> theme_without_data("supply", cfg), theme_without_data("young_people", cfg)
    ('no police street files', 'no young_people table')
    """
    needs = THEME_NEEDS.get(theme)
    if not needs:
        return None
    if needs == ("[indicators]",):
        if config.indicators:
            return None
        return "no national comparison tables ([indicators] in area.toml)"
    if any(config.file(k) for k in needs):
        return None
    if needs == ("police_street",):
        return "no police street files"
    if len(needs) == 1:
        return f"no {needs[0]} table"
    return "none of its tables (" + ", ".join(needs) + " under [files])"


def welsh_note(study: Study) -> str | None:
    """For a Welsh study: why it is not compared with England (None for an English one)."""
    if not any(str(c).startswith("W") for c in study.config.area_codes):
        return None
    index = study.deprivation_index
    return (
        f"{study.config.area_name} is in Wales: deprivation is measured with {index.label} "
        f"({index.long_name}, national within Wales), which is not comparable with the English "
        "indices, and the England indicators (Fingertips, the National Combating Drugs "
        "Outcomes Framework) and the English similar-area groups do not cover Welsh areas, so "
        "no comparison with England is drawn. Compare with Wales where Welsh tables are "
        "configured."
    )


def reader_parameters(nb: Any, config: Path) -> None:
    """Rewrite the parameters papermill injected into an executed notebook, in place, so that
    the notebook and its HTML report hold no absolute path of the analyst's machine and no
    temporary file (issue 25 item 8): ``config`` is the config's name in the study folder,
    ``out_dir`` the run folder's parent (``".."`` from the theme folder the notebook is saved
    in) and ``study_cache`` ``None`` (the run's cache is deleted when the run ends); papermill's
    own record (``metadata.papermill``) says the same and names the notebooks by file name.
    Other parameters are kept.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell(
    ...     'config = "/home/ana/s/area.toml"\\nout_dir = "/home/ana/out"\\n'
    ...     'study_cache = "/tmp/run-x/study.pickle"\\nrun_date = "2024-01-02"')
    >>> cell.metadata["tags"] = ["injected-parameters"]
    >>> nb = nbformat.v4.new_notebook(cells=[cell])
    >>> reader_parameters(nb, Path("/home/ana/s/area.toml"))
    >>> print(nb.cells[0].source)  # doctest: +NORMALIZE_WHITESPACE
    # Parameters set by `workbench report` (paths relative to the study folder and this folder)
    config = "area.toml"
    out_dir = ".."
    study_cache = None
    run_date = "2024-01-02"
    """
    shown = {
        "config": repr(config.name).replace("'", '"'),
        "out_dir": '".."',
        "study_cache": "None",
    }
    for cell in nb.cells:
        if "injected-parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        lines = [
            "# Parameters set by `workbench report` (paths relative to the study folder and "
            "this folder)"
        ]
        for line in cell.source.splitlines():
            name = line.split("=", 1)[0].strip()
            if line.startswith("#") or not line.strip():
                continue
            lines.append(f"{name} = {shown[name]}" if name in shown else line)
        cell.source = "\n".join(lines)
    run = nb.metadata.get("papermill")
    if run:  # papermill's record of the run: the notebook's names and the same parameters
        for key in ("input_path", "output_path"):
            if run.get(key):
                run[key] = Path(str(run[key])).name
        params = run.get("parameters") or {}
        for key, value in (("config", config.name), ("out_dir", ".."), ("study_cache", None)):
            if key in params:
                params[key] = value


def _study_heading(executed: Path, study: Study, folder: Path) -> str:
    """Put the study's name, districts, period and sources at the top of an executed notebook.

    The notebook's own first heading becomes part of a new first heading that names the
    study; the sources actually used, any synthetic table and the map renderer follow it.
    Returns the report title.
    """
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    reader_parameters(nb, Path(study.config.path))
    theme_title = _theme_title(nb)
    cfg = study.config
    title = f"{cfg.area_name} – {theme_title}"
    for cell in nb.cells:  # drop the notebook's own first heading (it is in the new one)
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            cell.source = "\n".join(cell.source.lstrip().splitlines()[1:]).lstrip("\n")
            break
    # Names come from settings and files: escaped for Markdown (shown as typed, never markup).
    lines = [
        f"# {md_text(title)}",
        "",
        f"**Study:** {md_text(cfg.name)}. **Districts:** {md_text(_district_list(study))}. "
        f"**Period:** {_month(cfg.period_start)} to {_month(cfg.period_end)}. "
        f"**Deprivation index:** {md_text(study.deprivation_index.label)} "
        f"({md_text(study.deprivation_index.country)}, "
        f"{md_text(study.deprivation_index.geography)} LSOAs)." + _partnership_text(study),
        "",
        "**Data used:** " + "; ".join(md_text(s) for s in data_sources(study)) + ".",
    ]
    wales = welsh_note(study)
    if wales:
        lines += ["", f"**Not compared with England:** {wales}"]
    synthetic = synthetic_tables(cfg)
    if synthetic:
        lines += [
            "",
            f"**{SYNTHETIC_LABEL} data:** "
            + ", ".join(k.replace("_", " ") for k in synthetic)
            + " are invented sample tables; figures built from them show how the analysis "
            "works and must not be quoted as facts.",
        ]
    renderers = _renderers(folder)
    if renderers:
        lines += [
            "",
            "**Map images (PNG files in this folder) drawn by:** "
            + "; ".join(md_text(r) for r in renderers),
        ]
    lines += [
        "",
        f"_Run {_dt.date.today().isoformat()}; settings, package versions and every file "
        f"written are in `run_log.json`, log messages in `{LOG_FILE}`._",
    ]
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("\n".join(lines)))
    nb.metadata["title"] = title
    nbformat.write(nb, str(executed))
    return title


def skipped_themes(cfg: Any, themes: list[str]) -> dict[str, str]:
    """Themes of ``themes`` the study has no data for, with the one-line reason.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> cfg = SimpleNamespace(file=lambda key: [] if key == "police_street" else "x.csv")
    >>> skipped_themes(cfg, ["supply", "treatment"])
    {'supply': 'no police street files'}
    """
    out: dict[str, str] = {}
    for theme in themes:
        reason = theme_without_data(theme, cfg)
        if reason:
            out[theme] = reason
    return out


def validate_study(cfg: Any) -> Study:
    """Load every file of the study, as ``workbench validate`` does, before any notebook runs.

    Raises the loaders' :class:`~workbench.errors.WorkbenchError` (bad file, bad setting,
    period beyond the data) or one when a ledger does not balance, so that no report is
    written from a study that fails validation. Returns the loaded study, which the run hands
    to every notebook (loaded once per run).
    """
    from workbench.study import Study
    from workbench.validate import study_checks

    study = Study(cfg)
    ledger = study.load_all()
    study_checks(study)  # what the national and reference tables claim (as validate checks)
    if not ledger.balanced:
        bad = [f.file for f in ledger.files if not f.balanced]
        raise WorkbenchError(f"{cfg.path}: the row ledger does not balance for {bad}")
    return study


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
        notebook, titled and headed with the study's name), ``<theme>.ipynb``, the maps
        (HTML + PNG), tables (CSV + XLSX), ``run_log.json``, ``run.log`` and, written last
        (after the report, the notebook and the run-level audit), ``RUN_COMPLETE.json``.

    Raises
    ------
    ConfigError
        Bad configuration, period or theme (before any notebook runs).
    WorkbenchError
        A notebook failed (the message names the notebook and the error); another run is
        writing into ``out`` for the same date (the lock ``<out>/.<date>_run.lock``); the
        output folder cannot be written (read-only, full disk).

    Notes
    -----
    The study is loaded once per run, in this process, and handed to every notebook as a
    pickle in a temporary folder (deleted at the end), so each notebook does not read every
    file again.
    """

    cfg = load_config(config)
    start, end = parse_period(period)
    if start is not None:
        cfg = cfg.with_overrides(period_start=start, period_end=end)
    chosen = _themes(themes)
    for theme, reason in skipped_themes(cfg, chosen).items():
        logger.info("Theme %s skipped: the study has %s.", theme, reason)
        chosen.remove(theme)
    t_load = time.perf_counter()
    study = validate_study(cfg)
    logger.info("Study %s loaded in %.1f s", cfg.name, time.perf_counter() - t_load)
    out_path = Path(out or "output").resolve()
    date = run_date or _dt.date.today().isoformat()
    results: dict[str, Path] = {}
    with write_errors(f"the output folder {out_path}"):
        out_path.mkdir(parents=True, exist_ok=True)
    with (
        FolderLock(run_dir(out_path, "run", date)),  # one `workbench report` per folder and date
        tempfile.TemporaryDirectory(prefix="workbench-run-") as tmp,
        run_browser() as endpoint,  # one headless Chromium for every theme's map images
    ):
        logger.info("Map images: %s", "the run's browser" if endpoint else "static renderer")
        cache = Path(tmp) / "study.pickle"
        with cache.open("wb") as fh:
            pickle.dump(study, fh, protocol=pickle.HIGHEST_PROTOCOL)
        for theme in chosen:
            folder = run_dir(out_path, theme, date)
            # The notebook's Outputs writes `folder` atomically (staged, then moved in place),
            # so the executed notebook is kept beside it until the theme is complete.
            work = out_path / f".{folder.name}.notebook"
            with write_errors(f"the output folder {out_path}"):
                work.mkdir(parents=True, exist_ok=True)
            params = {
                "config": str(cfg.path),
                "out_dir": str(out_path),
                "run_date": date,
                "period_start": str(cfg.period_start) if start is not None else None,
                "period_end": str(cfg.period_end) if start is not None else None,
                "study_cache": str(cache),
            }
            t0 = time.perf_counter()
            failed = out_path / f"{folder.name}_failed.ipynb"
            try:  # the hidden work folder never outlives this theme, failed or not
                executed = _execute(theme, params, work, failed)
                with write_errors(f"the report of {theme} in {folder}"):
                    folder.mkdir(parents=True, exist_ok=True)
                    executed = Path(shutil.move(executed, folder / executed.name))
            finally:
                shutil.rmtree(work, ignore_errors=True)
                # a kernel stopped on an error leaves its staged outputs and lock behind
                for left in sweep_stale(folder):
                    logger.info("Removed %s, left by the notebook of %s", left, theme)
            failed.unlink(missing_ok=True)  # an earlier failed run of this theme
            with write_errors(f"the report of {theme} in {folder}"):
                title = _study_heading(executed, study, folder)
                export_html(executed, folder / f"{theme}.html", title=title)
                # last: the folder is complete only with its report and notebook in it
                mark_complete(folder, {"theme": theme, "report": f"{theme}.html"})
            logger.info("Theme %s done in %.1f s: %s", theme, time.perf_counter() - t0, folder)
            results[theme] = folder
        # disclosure (issue 12): attack every protected table of the run read back from disk.
        # The audit adds its result to each run log: the folders are unmarked meanwhile and
        # marked again after it, so the marker stays the last file written (and a run
        # stopped during its audit leaves no folder marked complete).
        with write_errors(f"the completion markers under {out_path}"):
            for folder in results.values():
                (folder / MARKER).unlink(missing_ok=True)
        audit_run(results.values(), cfg.suppression_threshold)
        for theme, folder in results.items():
            mark_complete(folder, {"theme": theme, "report": f"{theme}.html", "audited": True})
        # The meeting pack and the community page of this run (issue 15), from its files.
        from workbench.publish import run_pack

        run_pack(out_path, date, commentary=cfg.commentary, study_folder=Path(cfg.path).parent)
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
    for theme, reason in skipped_themes(load_config(config), _themes(themes)).items():
        print(f"{theme:>13}: skipped, the study has {reason}")
    results = run_report(config, themes=themes, out=out, period=period)
    for theme, folder in results.items():
        print(f"{theme:>13}: {folder / (theme + '.html')}")
    for folder in list(results.values())[:1]:
        log = json.loads((folder / "run_log.json").read_text(encoding="utf-8"))
        audit = log.get("run_disclosure_audit", {})
        print(
            f"disclosure audit: {len(audit.get('files', []))} protected table(s), "
            f"{audit.get('cells_checked', 0)} hidden cell(s) and complement(s) checked; "
            f"{audit.get('figures_checked', 0)} figure(s), "
            f"{audit.get('figure_points_checked', 0)} plotted value(s); "
            f"{audit.get('maps_checked', 0)} map(s), "
            f"{audit.get('map_features_checked', 0)} feature(s) of protected layers; "
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
