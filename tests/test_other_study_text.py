"""Issue 25, item 2: what a study's outputs say is about that study, never another one.

Two studies side by side: the sample (a city on 2011 LSOAs, IMD 2019, mid-year population,
ward polygons, synthetic partnership tables) and Gloucester (2021 LSOAs, IoD 2025, Census 2021,
best-fit wards, no partnership tables). Each study's identity (place and district names,
LSOA/ward/district codes, force, the names of its files, the settings that differ) is read
from its own config and loaded data; the other study's outputs must not carry any of it.

1. The assumptions every theme lists (:func:`workbench.report.assumptions_for` with the
   notebook's own topics, read from the notebook) for Study objects: no other study's names,
   numbers or settings, no sample wording, unique ids, and only entries whose
   ``applies_when`` holds, checked against the config directly and against hand-written
   expectations.
2. The full outputs of both studies (the session fixtures ``sample_report`` and
   ``gloucester_report``): HTML reports, Markdown, CSV headers and codes, the meeting pack's
   text (python-pptx) and the community page.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from workbench.report import NOTEBOOKS, THEMES, assumptions_for, study_facts

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {
    "sample": ROOT / "data" / "sample" / "area.toml",
    "gloucester": ROOT / "data" / "sample" / "area_gloucester.toml",
    "oadby": ROOT / "data" / "sample" / "area_oadby_wigston.toml",
}
#: Each study is checked against every other (what they share, e.g. the force of two
#: neighbouring districts, is not "the other study's").
OTHER = {name: tuple(o for o in CONFIGS if o != name) for name in CONFIGS}
PAIRS = [pytest.param(n, o, id=f"{n}-not-{o}") for n in CONFIGS for o in OTHER[n]]
#: The sample study's facts that issue 25 found in another study's assumptions (and the
#: sample's figures of the same kind): no entry may carry them, for any study.
SAMPLE_FIGURES = ("5,342", "141,589", "3.8%", "96.2%", "1,382", "5,157", "192", "182 of")
#: Wording that ties an entry to the sample study rather than to the study being reported.
SAMPLE_WORDING = re.compile(
    r"(?<!two-)\bsample\b|\bsample's\b|second sample|the city\b", re.IGNORECASE
)
_CODE = re.compile(r"\b[EW]0[1-9]\d{7}\b")


def _theme_topics() -> dict[str, tuple[str, ...]]:
    """The topics each theme's notebook passes to ``report.assumptions_for``."""
    topics: dict[str, tuple[str, ...]] = {}
    for theme, name in THEMES.items():
        nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] != "code" or "assumptions_for" not in source:
                continue
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == (
                    "assumptions_for"
                ):
                    topics[theme] = tuple(a.value for a in node.args[1:])
    return topics


@pytest.fixture(scope="module")
def studies(gloucester_study):
    from workbench.study import Study

    return {
        "sample": Study.from_toml(CONFIGS["sample"]),
        "gloucester": gloucester_study,
        "oadby": Study.from_toml(CONFIGS["oadby"]),
    }


def _file_names(cfg) -> set[str]:
    names = set()
    for value in [*cfg.files.values(), *cfg.indicators.values()]:
        for path in value if isinstance(value, list) else [value]:
            if isinstance(path, Path):
                names.add(path.name)
    if cfg.commentary:
        names.add(Path(cfg.commentary).name)
    return names


def _identity(study) -> dict[str, set[str]]:
    """What names one study: its places, force, file names and codes."""
    from workbench.report import study_districts

    cfg = study.config
    districts = study_districts(study)
    places = {cfg.area_name, *map(str, districts["district_name"])}
    force = str(cfg.indicators.get("police_force") or "")
    police = cfg.file("police_street") or []
    forces = {force} if force else set()
    forces |= {Path(p).name.split("-street")[0] for p in police}  # police.uk's force slug
    codes = set(study.lsoas["lsoa_code"]) | set(cfg.area_codes)
    if study.wards is not None and "ward_code" in study.wards:
        codes |= set(study.wards["ward_code"])
    if "ward_code" in study.lsoas:
        codes |= set(study.lsoas["ward_code"].dropna())
    forces = {f.lower() for f in forces}  # "Leicestershire" and police.uk's "leicestershire"
    return {"places": places, "forces": forces, "files": _file_names(cfg), "codes": codes}


def _words(text: str, words: set[str]) -> list[str]:
    return sorted(w for w in words if w and re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, re.I))


# -- 1. the assumptions every theme lists ------------------------------------------------------


def test_every_theme_names_its_topics():
    topics = _theme_topics()
    assert set(topics) == set(THEMES) and all(topics.values())


@pytest.mark.parametrize(("name", "other_name"), PAIRS)
def test_theme_assumptions_are_about_the_study(studies, name, other_name):
    study, other = studies[name], studies[other_name]
    facts = study_facts(study)
    mine, theirs = _identity(study), _identity(other)
    cfg = study.config
    used = {k for k, v in cfg.files.items() if v}
    other_index = other.deprivation_index.label
    problems = []
    for theme, topics in _theme_topics().items():
        found = assumptions_for(study, *topics)
        markdown = found.to_markdown()
        ids = [e.id for e in found.entries]
        rows = re.findall(r"^\| ([A-Z]{1,3}\d{2,3}) \|", markdown, re.M)
        if len(rows) != len(set(rows)) or rows != ids:
            problems.append(f"{theme}: ids repeated or not as listed: {rows}")
        for e in found.entries:
            where = f"{name} {theme} {e.id}"
            text = " ".join(e.cells())
            cond = e.applies_when
            # the entry's conditions, checked against the config and data directly
            if "files" in cond and not set(cond["files"]) & used:
                problems.append(f"{where}: needs one of {cond['files']}")
            if set(cond.get("without_files", ())) & used:
                problems.append(f"{where}: needs none of {cond['without_files']}")
            if "index" in cond and study.deprivation_index.label not in cond["index"]:
                problems.append(f"{where}: index {cond['index']}")
            if cond.get("synthetic") and not any(
                "synthetic" in Path(cfg.file(k)).name for k in used if k in _partnership()
            ):
                problems.append(f"{where}: synthetic entry without synthetic tables")
            if cond.get("in_reports") is False:
                problems.append(f"{where}: documentation-only entry in a report")
            if not e.applies(facts):
                problems.append(f"{where}: applies_when does not hold")
            # the other study's names, codes, file names and settings; the sample's figures
            for kind in ("places", "forces", "files"):
                bad = _words(text, theirs[kind] - mine[kind])
                if bad:
                    problems.append(f"{where}: other study's {kind} {bad}")
            if set(_CODE.findall(text)) & theirs["codes"]:
                problems.append(f"{where}: other study's codes")
            if re.search(rf"(?<![A-Za-z]){re.escape(other_index)}", text) and (
                other_index not in study.deprivation_index.label
            ):
                problems.append(f"{where}: other study's index {other_index}")
            figures = [f for f in SAMPLE_FIGURES if re.search(rf"(?<![\d,.]){re.escape(f)}", text)]
            if figures or SAMPLE_WORDING.search(text):
                problems.append(f"{where}: the sample's facts {figures or SAMPLE_WORDING.pattern}")
            if not facts.synthetic and re.search("synthetic", text, re.I):
                problems.append(f"{where}: speaks of synthetic tables")
    assert not problems, "\n".join(problems)


def _partnership() -> tuple[str, ...]:
    from workbench.config import PARTNERSHIP_TABLES

    return PARTNERSHIP_TABLES


def test_each_study_gets_its_own_entries(studies):
    """Hand-written expectations: which entries each study's settings call for."""
    got = {n: {e.id for e in assumptions_for(s).entries} for n, s in studies.items()}
    # the sample: 2011 LSOAs, IMD 2019, ward polygons, mid-year population, synthetic tables
    assert {"A04", "A05", "A06", "A08", "A10", "L09", "N06", "N15", "R02", "R10"} <= got["sample"]
    assert not {"A13", "A14", "A15", "A16", "A17", "L25", "R08", "R09"} & got["sample"]
    # Gloucester: 2021 LSOAs through the lookup, IoD 2025, Census 2021, best-fit wards
    assert {"A14", "A15", "A16", "A17", "L25", "I03"} <= got["gloucester"]
    assert (
        not {"A04", "A05", "A06", "A08", "A10", "A13", "L09", "N06", "N11", "N15"}
        & (got["gloucester"])
    )
    assert not {"I01", "I02", "I04", "I06", "I08", "R02", "R08", "R10"} & got["gloucester"]
    # documentation-only entries (superseded rules, benchmarks) are in no report
    assert not {"L03", "L04", "L05", "E02", "H15", "E07"} & (got["sample"] | got["gloucester"])


# -- 2. the full outputs of both studies -------------------------------------------------------

REPORTS = {"sample": "sample_report", "gloucester": "gloucester_report", "oadby": "oadby_report"}
#: The session fixtures this module asks for at run time (for the suite's scheduler).
STUDIES_USED = tuple(REPORTS.values())
#: Texts addressed to the analyst that must not reach the meeting pack or the community page
#: (a board and residents read them). Each is checked on its own so that one being fixed
#: elsewhere does not hide another.
ANALYST_TEXT = {
    "Name a Markdown": r"Name a Markdown",
    "[report]": r"\[(?:report|files|study|indicators|disclosure|thresholds)\]",
    "area.toml": r"\.toml\b",
    "study settings": r"in the study settings|\bconfig\b",
    "configured": r"\bconfigured\b",
    "TODO": r"\bTODO\b|\bFIXME\b|\bXXX\b",
    "No headline table": r"No headline table was written",
}


def _pptx_text(path: Path) -> str:
    from pptx import Presentation

    parts = []
    for slide in Presentation(str(path)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                parts += [c.text for row in shape.table.rows for c in row.cells]
            descr = shape._element.xpath("./*[1]/p:cNvPr/@descr")  # alt text
            parts += [str(d) for d in descr]
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


def _outputs(out: Path) -> dict[str, str]:
    """Every text a reader gets: HTML (reports, maps, community page), Markdown notes, CSV
    headers and codes, and the meeting pack's text (shapes, tables, alt text, notes)."""
    texts: dict[str, str] = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        rel = str(path.relative_to(out))
        if path.suffix in (".html", ".md"):
            texts[rel] = path.read_text(encoding="utf-8", errors="replace")
        elif path.suffix == ".csv":
            text = path.read_text(encoding="utf-8", errors="replace")
            header = text.split("\n", 1)[0]
            texts[rel] = header + "\n" + " ".join(_CODE.findall(text))
        elif path.suffix == ".pptx":
            texts[rel] = _pptx_text(path)
    return texts


@pytest.fixture(scope="module")
def outputs(request):
    return {name: _outputs(request.getfixturevalue(fx)) for name, fx in REPORTS.items()}


@pytest.mark.parametrize(("name", "other_name"), PAIRS)
def test_outputs_carry_no_other_study(studies, outputs, name, other_name):
    """No place name, code, force or file name of the other study in any output."""
    mine, theirs = _identity(studies[name]), _identity(studies[other_name])
    texts = outputs[name]
    kinds = {k for k in texts if k.endswith(".pptx")}, {k for k in texts if "community" in k}
    assert all(kinds), "the run made no meeting pack or community page"
    national = _national_text(studies[name])
    problems = []
    for rel, text in texts.items():
        for kind in ("places", "forces", "files"):
            bad = _words(text, theirs[kind] - mine[kind])
            if "_indicators" in rel:  # the study's own national tables name every area
                bad = [w for w in bad if not _words(national, {w})]
            if bad:
                problems.append(f"{rel}: the other study's {kind} {bad[:5]}")
        codes = sorted(set(_CODE.findall(text)) & (theirs["codes"] - mine["codes"]))
        if codes:
            problems.append(f"{rel}: the other study's codes {codes[:5]}")
    assert not problems, "\n".join(problems)


def _national_text(study) -> str:
    """The text of the study's own ``[indicators]`` tables (they list every area and force)."""
    parts = []
    for value in study.config.indicators.values():
        for path in value if isinstance(value, list) else [value]:
            if isinstance(path, Path) and path.is_file():
                parts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_listed_assumptions_apply_once(studies, outputs, name):
    """Every id a theme's assumptions note or the pack lists holds for the study, once."""
    from workbench.assumptions import by_id, ids_in

    facts = study_facts(studies[name])
    texts = outputs[name]
    notes = {rel: ids_in(t) for rel, t in texts.items() if rel.endswith("assumptions.md")}
    assert notes and all(notes.values()), notes
    pack = [t for rel, t in texts.items() if rel.endswith(".pptx")]
    listed = re.findall(r"^([A-Z]{1,3}\d{2,3}): ", "\n".join(pack), re.M)
    assert listed and len(listed) == len(set(listed)), listed
    for rel, ids in [*notes.items(), ("pack", listed)]:
        wrong = [e.id for e in by_id(ids) if not e.applies(facts)]
        assert wrong == [], rel


def _analyst_cases():
    for name in sorted(REPORTS):
        for phrase in ANALYST_TEXT:
            yield pytest.param(name, phrase, id=f"{name}-{phrase}")


@pytest.mark.parametrize(("name", "phrase"), list(_analyst_cases()))
def test_pack_and_community_page_do_not_speak_to_the_analyst(outputs, name, phrase):
    pattern = re.compile(ANALYST_TEXT[phrase], re.IGNORECASE)
    found = {
        rel: pattern.findall(re.sub(r"<[^>]+>", " ", text))[:3]
        for rel, text in outputs[name].items()
        if ("_pack" in rel) and pattern.search(re.sub(r"<[^>]+>", " ", text))
    }
    assert found == {}
