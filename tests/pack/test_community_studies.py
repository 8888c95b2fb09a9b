"""The community page of two real runs (issue 25, item 3): the sample (2011 LSOAs, IMD 2019,
commentary, synthetic partnership tables) and Gloucester (2021 LSOAs, IoD 2025, a ward lookup,
no partnership tables, no commentary).

No instruction to the analyst; no neighbourhood listed twice; the privacy sentence agrees with
the counts the page's tables show; captions say the grid size and layers the run logs record.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from test_pack import jargon_in, visible_text

from workbench.pack import find_run

ROOT = Path(__file__).resolve().parents[2]

#: Text addressed to the analyst (the old page told residents to "Name a Markdown file as
#: `[report] commentary`").
INSTRUCTIONS = re.compile(
    r"\[report\]|Name a Markdown|has not added its commentary|area\.toml|study settings|"
    r"<code>|run_log|\.ipynb",
    re.IGNORECASE,
)


#: The session fixtures this module asks for at run time (for the suite's scheduler).
STUDIES_USED = ("sample_report", "gloucester_report")


@pytest.fixture(scope="module", params=["sample", "gloucester"])
def study(request):
    """(name, run, page HTML, parsed page) of a study's finished report."""
    out = request.getfixturevalue(f"{request.param}_report")
    (pack,) = out.glob("*_pack")
    page = (pack / "community_report.html").read_text(encoding="utf-8")
    return request.param, find_run(out), page, BeautifulSoup(page, "lxml")


def _section(soup: BeautifulSoup, title: str) -> str:
    head = soup.find("h2", string=title)
    texts = []
    for el in head.find_next_siblings() if head else []:
        if el.name == "h2":
            break
        texts.append(el.get_text(" "))
    return " ".join(texts)


def _count_cells(table) -> list[str]:
    """The cells of a table's count columns (offences, reports)."""
    heads = [th.get_text() for th in table.thead("th")]
    cols = [i for i, h in enumerate(heads) if h.startswith(("Offences", "Reports"))]
    return [[c.get_text() for c in tr(["th", "td"])][i] for tr in table.tbody("tr") for i in cols]


def test_no_instruction_to_the_analyst(study):
    name, run, page, soup = study
    assert INSTRUCTIONS.search(page) is None, INSTRUCTIONS.search(page)
    has_commentary = bool(run.config.get("commentary"))
    assert ("What the partnership is doing" in soup.get_text(" ")) is has_commentary
    assert has_commentary is (name == "sample")


def test_no_neighbourhood_listed_twice(study):
    _, _, _, soup = study
    tables = soup.find_all("table")
    assert tables
    for table in tables:
        names = [tr.th.get_text() for tr in table.tbody("tr")]
        assert len(names) == len(set(names)), table.caption.get_text()
        assert not any(re.fullmatch(r"[EW]0[1-9]\d{6}", n) for n in names)  # never a bare code


def test_privacy_sentence_agrees_with_the_tables(study):
    _, run, _, soup = study
    threshold = int(run.config["suppression_threshold"])
    about = _section(soup, "About these figures")
    small_shown = False
    for table in soup.find_all("table"):
        small = [c for c in _count_cells(table) if c.isdigit() and 1 <= int(c) < threshold]
        if small:
            small_shown = True
            # counts 1-4 are shown only from tables published in full: police open data
            assert table["data-in-full"] == "true" and table["data-source"] == "open"
        # the attribute follows the study setting for police data (independent of the page)
        if table["data-source"] == "open":
            assert table["data-in-full"] == str(bool(run.config["open_data_in_full"])).lower()
    if small_shown:
        assert "show them in full, small numbers too" in about
        assert f"any number from 1 to {threshold - 1} on this page" not in about
    if all(t["data-in-full"] == "false" for t in soup.find_all("table")):
        assert "in full" not in about


def test_captions_and_words_follow_the_run_settings(study):
    name, run, page, soup = study
    over = run.logs["overview"]["parameters"]
    comm = run.logs["communities"]["parameters"]
    captions = [c.get_text() for c in soup.find_all("figcaption")]
    assert len(captions) == 2
    assert f"each coloured square is {over['cell_size']:,.0f} metres across" in captions[0]
    assert f"each coloured square is {comm['cell_size']:,.0f} metres across" in captions[1]
    assert captions[0].startswith("Hot spots of drug offences")  # hotspot_crime_type "Drugs"
    needles = any("needle" in r["name"] for r in run.logs["communities"]["outputs"])
    assert ("needle finds" in captions[1]) is needles
    assert ("needle" in page.lower()) is needles
    assert needles is (name == "sample")
    sizes = sorted({round(over["cell_size"]), round(comm["cell_size"])})
    across = " or ".join(f"{s:,}" for s in sizes)
    assert (
        f"coloured squares {across} metres across"
        in soup.find("dt", string="Hot spot").next_sibling.get_text()
    )
    own = "come from the partnership's own records" in _section(soup, "About these figures")
    partnership = any(
        r.get("disclosure", {}).get("source") == "partnership"
        for t in ("overview", "communities", "treatment", "young_people")
        for r in run.logs.get(t, {}).get("outputs", [])
    )
    assert own is partnership is (name == "sample")


def test_jargon_only_with_its_meaning(study):
    _, _, page, soup = study
    maps = soup.find("dt", string="Words on the maps")
    assert maps is not None  # the analysts' maps use technical words: explained
    explained = maps.find_next_sibling("dd").get_text()
    assert "Gi*" in explained and "decile 1 is the most deprived tenth" in explained
    maps.find_next_sibling("dd").decompose()
    assert jargon_in(visible_text(str(soup))) == []


def test_gloucester_neighbourhoods_named_by_ward(gloucester_report):
    """The hot spot neighbourhoods carry the ward of the study's ONS best-fit lookup, read here
    with pandas (independent of the loader), beside their LSOA names."""
    (pack,) = gloucester_report.glob("*_pack")
    soup = BeautifulSoup((pack / "community_report.html").read_text(encoding="utf-8"), "lxml")
    table = soup.find_all("table")[0]
    assert [th.get_text() for th in table.thead("th")][:2] == [
        "Neighbourhood (official name)",
        "Ward",
    ]
    rows = [[c.get_text() for c in tr(["th", "td"])] for tr in table.tbody("tr")]
    published = pd.read_csv(
        next(gloucester_report.glob("*_overview")) / "persistent_emerging_hotspots.csv", dtype=str
    )
    code_of = dict(zip(published["lsoa_name"], published["lsoa_code"], strict=False))
    lookup = pd.read_csv(
        ROOT / "data/sample/lookups/lsoa2021_ward2024_lad2024_bestfit_gloucestershire_gwent.csv",
        dtype=str,
    ).drop_duplicates("LSOA21CD")
    ward_of = dict(zip(lookup["LSOA21CD"], lookup["WD24NM"], strict=True))
    assert rows
    for name, ward, *_ in rows:
        assert name.startswith("Gloucester ")  # the LSOA name, e.g. "Gloucester 012A"
        assert ward == ward_of[code_of[name]]
    # one row per neighbourhood even where the published table has several kinds
    assert len(rows) == min(10, published["lsoa_code"].nunique())
    log = json.loads((pack / "run_log.json").read_text())
    assert log["files"]["community_page"] == "community_report.html"
