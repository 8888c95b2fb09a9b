"""The community page says only what its run shows (issue 25, item 3), on hand-made runs (fast).

The privacy sentence follows the tables behind the figures shown; without commentary the
section is left out; captions take the grid size, crime types and needle finds from the run
logs; each neighbourhood is listed once, named by its ward where the study has a ward lookup.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
from bs4 import BeautifulSoup

from workbench.community import (
    PageSettings,
    Shown,
    community_page,
    glossary_for,
    privacy_sentences,
    shown_from,
)
from workbench.pack import find_run, headlines

DATE = "2024-04-01"  # the run date of the tiny_run fixture (tests/pack/conftest.py)

#: Words addressed to the analyst that must never reach residents.
ANALYST_WORDS = re.compile(
    r"\[report\]|commentary|Markdown|area\.toml|study settings|<code>|run_log|notebook", re.I
)

# persistent_emerging_hotspots as the overview publishes it: one row per LSOA and kind; E01000001
# holds cells of two kinds (the page once listed it twice), E01000003 a hidden count.
HOT_LSOAS = """lsoa_code,lsoa_name,imd_decile,category,cells,offences
E01000001,Testtown 001A,1,persistent hot spot,4,136
E01000002,Testtown 002B,1,new hot spot,1,3
E01000001,Testtown 001A,1,intensifying hot spot,4,111
E01000003,E01000003,2,persistent hot spot,2,*
E01000003,E01000003,2,new hot spot,1,7
"""
WARDS = """ward_code,ward_name,count,population,rate,lower,upper,rank
E05000001,Riverside,779,32311.0,241.1,224.5,258.6,1
E05000002,Hillside,2,16387.0,1.2,0.1,4.4,2
"""
# an ONS LSOA21 -> ward best-fit lookup (only the columns the reader needs)
WARD_LOOKUP = """LSOA21CD,LSOA21NM,WD24CD,WD24NM
E01000001,Testtown 001A,E05000001,Riverside
E01000002,Testtown 002B,E05000002,Hillside
E01000003,Testtown 003C,E05000002,Hillside
E01000009,Elsewhere 009A,E05000009,Far Ward
"""


def _record(name: str, files: list[str], source: str, protected: bool) -> dict:
    return {
        "kind": "table",
        "name": name,
        "files": files,
        "protected": protected,
        "disclosure": {"source": source},
    }


def _extend(
    out: Path,
    *,
    overview_params: dict | None = None,
    communities_params: dict | None = None,
    needles: bool = False,
    ward_lookup: Path | None = None,
    open_in_full: bool = True,
) -> None:
    """Add the overview hot spot table, a communities theme and settings to a tiny run."""
    overview = out / f"{DATE}_overview"
    (overview / "persistent_emerging_hotspots.csv").write_text(HOT_LSOAS)
    log = json.loads((overview / "run_log.json").read_text())
    log["parameters"] = overview_params or {"hotspot_crime_type": "Drugs"}
    log["outputs"].append(
        _record(
            "persistent_emerging_hotspots",
            ["persistent_emerging_hotspots.csv"],
            "open",
            not open_in_full,
        )
    )
    for rec in log["outputs"]:  # the tiny run's records, with what the run logs now hold
        if rec["name"] == "key_crime_figures":
            rec.update(protected=not open_in_full, disclosure={"source": "open"})
        if rec["name"] == "waiting_times":
            rec.update(protected=True, disclosure={"source": "partnership"})
    log["config"]["open_data_in_full"] = open_in_full
    if ward_lookup is not None:
        log["config"]["files"]["ward_lookup"] = str(ward_lookup)
    (overview / "run_log.json").write_text(json.dumps(log))

    comm = out / f"{DATE}_communities"
    comm.mkdir()
    (comm / "wards_ranked.csv").write_text(WARDS)
    (comm / "composite_hotspots.png").write_bytes((overview / "emerging_hotspots.png").read_bytes())
    (comm / "composite_hotspots.html").write_text(
        "<html><head><title>Testshire: composite hot spots (2023-04 to 2024-03)</title></head>"
        "<body><div>Layers in which the cell is a hot spot</div>"
        "<div>IoD 2025 decile</div></body></html>"
    )
    outputs = [
        {
            "kind": "map",
            "name": "composite_hotspots",
            "files": ["composite_hotspots.html", "composite_hotspots.png"],
        },
        _record("wards_ranked", ["wards_ranked.csv"], "open", not open_in_full)
        | {"note": "Anti-social behaviour; rate per 10,000 residents over 9 of the 12 months"},
    ]
    if needles:
        (comm / "needle_finds_by_decile.csv").write_text("layer,imd_decile,count\nx,1,*\n")
        outputs.append(
            _record("needle_finds_by_decile", ["needle_finds_by_decile.csv"], "partnership", True)
        )
    comm_log = {
        "theme": "communities",
        "config": log["config"],
        "parameters": communities_params
        or {
            "crime_types": ["Anti-social behaviour", "Drugs"],
            "ward_crime_type": "Anti-social behaviour",
            "cell_size": 100.0,
        },
        "outputs": outputs,
    }
    (comm / "run_log.json").write_text(json.dumps(comm_log))
    (comm / "RUN_COMPLETE.json").write_text("{}")


def _page(out: Path, commentary: Path | None = None) -> tuple[str, BeautifulSoup]:
    run = find_run(out)
    by_theme = {t: headlines(run, t) for t in run.themes}
    page, _ = community_page(run, by_theme, commentary=commentary, made="1 April 2024")
    return page, BeautifulSoup(page, "lxml")


def _section(soup: BeautifulSoup, title: str) -> str:
    """The text from heading ``title`` to the next heading of the same level."""
    head = soup.find(["h2", "h3"], string=title)
    if head is None:
        return ""
    texts = []
    for el in head.find_next_siblings():
        if el.name == head.name:
            break
        texts.append(el.get_text(" "))
    return " ".join(texts)


def test_privacy_sentences_by_hand():
    both = " ".join(privacy_sentences([Shown("open", True), Shown("partnership", False)], 5))
    assert "show them in full, small numbers too" in both
    assert "In every other figure, we do not show any number from 1 to 4" in both
    police_only = " ".join(privacy_sentences([Shown("open", True)], 5))
    assert "in full" in police_only and "star" not in police_only and "1 to 4" not in police_only
    hidden = " ".join(privacy_sentences([Shown("open", False), Shown("partnership", False)], 10))
    assert "we do not show any number from 1 to 9 on this page" in hidden
    assert "in full" not in hidden
    assert "the number 1" in " ".join(privacy_sentences([Shown("partnership", False)], 2))
    assert privacy_sentences([], 5) == []


def test_shown_from_run_log_records():
    cfg = {"open_data_in_full": True}
    assert shown_from({"protected": False, "disclosure": {"source": "open"}}, cfg) == Shown(
        "open", True
    )
    assert shown_from({"protected": True, "disclosure": {"source": "open"}}, cfg).in_full is False
    # older records without "protected": police data follows the study setting, others hidden
    assert shown_from({"disclosure": {"source": "open"}}, cfg) == Shown("open", True)
    assert shown_from({"disclosure": {"source": "open"}}, {}) == Shown("open", False)
    assert shown_from({"synthetic": True}, cfg) == Shown("partnership", False)
    assert shown_from(None, cfg).in_full is False


def test_privacy_sentence_matches_the_page_tables(tiny_run):
    _extend(tiny_run)
    _, soup = _page(tiny_run)
    about = _section(soup, "About these figures")
    tables = soup.find_all("table")
    assert tables and all(t["data-in-full"] == "true" for t in tables)
    small = [td.get_text() for t in tables for td in t.find_all("td")]
    assert "3" in small and "2" in small  # police counts 1-4, shown in full ...
    assert "show them in full, small numbers too" in about  # ... and the page says so
    assert "In every other figure, we do not show any number from 1 to 4" in about
    assert "we do not show any number from 1 to 4 on this page" not in about


def test_privacy_sentence_when_police_data_is_protected(tiny_run):
    _extend(tiny_run, open_in_full=False)
    _, soup = _page(tiny_run)
    about = _section(soup, "About these figures")
    assert "we do not show any number from 1 to 4 on this page" in about
    assert "in full" not in about
    assert all(t["data-in-full"] == "false" for t in soup.find_all("table"))


def test_without_commentary_no_section_and_no_instruction(tiny_run, caplog):
    _extend(tiny_run)
    page, soup = _page(tiny_run, commentary=None)
    text = soup.get_text(" ")
    assert "What the partnership is doing" not in text
    assert "what the partnership is doing about it" not in text
    assert ANALYST_WORDS.search(page) is None, ANALYST_WORDS.search(page)
    assert any("[report] commentary" in r.getMessage() for r in caplog.records)  # the analyst


def test_with_commentary_the_section_is_there(tiny_run, tmp_path):
    _extend(tiny_run)
    md = tmp_path / "ours.md"
    md.write_text("We walk the streets on Friday nights.")
    _, soup = _page(tiny_run, commentary=md)
    assert "We walk the streets on Friday nights." in _section(
        soup, "What the partnership is doing"
    )
    assert "It also says what the partnership is doing about it." in soup.get_text(" ")


def test_captions_from_the_run_settings(tiny_run):
    _extend(tiny_run, overview_params={"hotspot_crime_type": "Drugs", "cell_size": 150.0})
    page, soup = _page(tiny_run)
    captions = [c.get_text() for c in soup.find_all("figcaption")]
    assert captions[0].startswith("Hot spots of drug offences, April 2022 to March 2024")
    assert "each coloured square is 150 metres across" in captions[0]
    assert captions[1].startswith(
        "Where reports of anti-social behaviour and drug offences cluster together, "
        "April 2023 to March 2024: each coloured square is 100 metres across"
    )
    assert "needle" not in page.lower()  # the run has no needle finds
    assert "200 metres" not in page
    terms, texts = [t.get_text() for t in soup("dt")], [d.get_text() for d in soup("dd")]
    glossary = dict(zip(terms, texts, strict=True))
    assert glossary["Hot spot"].endswith("coloured squares 100 or 150 metres across.")
    # the ward table: its crime type, its base and the months it holds, from the run
    ward_caption = soup.find_all("caption")[1].get_text()
    assert ward_caption == (
        "Wards with the most anti-social behaviour for every 10,000 people, April 2023 to "
        "March 2024 (figures for 9 of the 12 months)"
    )
    # the partnership's own records: the tiny run's waiting times (treatment), nothing else
    about = _section(soup, "About these figures")
    assert "Figures about treatment come from the partnership's own records." in about


def test_captions_name_needle_finds_only_when_used(tiny_run):
    _extend(tiny_run, needles=True)
    _, soup = _page(tiny_run)
    caption = soup.find_all("figcaption")[1].get_text()
    assert "anti-social behaviour, drug offences and needle finds cluster together" in caption
    # without a recorded grid size the caption does not guess one
    assert "metres" not in soup.find_all("figcaption")[0].get_text()


def test_settings_read_from_run_logs(tiny_run):
    _extend(tiny_run, overview_params={"hotspot_crime_type": "Drugs", "cell_size": 150})
    s = PageSettings.from_run(find_run(tiny_run))
    assert (s.hotspot_cell_size, s.composite_cell_size) == (150.0, 100.0)
    assert s.composite_layers == ("Anti-social behaviour", "Drugs")
    assert (s.area, s.period, s.threshold, s.per) == (
        "Testshire",
        "April 2022 to March 2024",
        5,
        10_000,
    )


def test_each_neighbourhood_once_named_by_ward(tiny_run, tmp_path):
    lookup = tmp_path / "lsoa_ward.csv"
    lookup.write_text(WARD_LOOKUP)
    _extend(tiny_run, ward_lookup=lookup)
    _, soup = _page(tiny_run)
    table = soup.find_all("table")[0]
    assert [th.get_text() for th in table.thead("th")] == [
        "Neighbourhood (official name)",
        "Ward",
        "Kind of hot spot",
        "Offences in its hot spot squares",
    ]
    rows = [[c.get_text() for c in tr(["th", "td"])] for tr in table.tbody("tr")]
    names = [r[0] for r in rows]
    assert len(names) == len(set(names)) == 3
    by_name = {r[0]: r[1:] for r in rows}
    # two kinds in one neighbourhood: one row, both kinds, 136 + 111 offences
    assert by_name["Testtown 001A"] == [
        "Riverside",
        "persistent: there nearly every quarter; growing: stronger each quarter",
        "247",
    ]
    # a hidden part hides the sum (7 + a hidden count would reveal it)
    assert by_name["Neighbourhood E01000003"][0] == "Hillside"
    assert by_name["Neighbourhood E01000003"][2] == "*"


def test_neighbourhoods_without_a_lookup_keep_their_names(tiny_run):
    _extend(tiny_run)
    _, soup = _page(tiny_run)
    table = soup.find_all("table")[0]
    assert "Ward" not in [th.get_text() for th in table.thead("th")]
    assert [tr.th.get_text() for tr in table.tbody("tr")] == [
        "Testtown 001A",
        "Testtown 002B",
        "Neighbourhood E01000003",
    ]


def test_glossary_only_what_the_page_uses_and_map_words_explained(tiny_run):
    _extend(tiny_run)
    _, soup = _page(tiny_run)
    terms = [dt.get_text() for dt in soup("dt")]
    assert "Words on the maps" in terms
    words = soup("dd")[terms.index("Words on the maps")].get_text()
    # the composite map's key says "Layers in which the cell ..." and "IoD 2025 decile"
    assert "“layer” is one kind of report" in words and "decile 1 is the most deprived" in words
    assert "Gi*" not in words  # not on these maps
    g = glossary_for({"country": "England", "year": 2025}, terms=["Hot spot"], cell_sizes=[])
    assert g == {
        "Hot spot": "A small area where crimes happen close together much more often than "
        "chance would explain. The maps show them as small coloured squares."
    }
    per = glossary_for({}, terms=["For every 10,000 people"], per=1000)
    assert list(per) == ["For every 1,000 people"]


def test_lsoas_named_by_the_index_when_boundaries_have_no_names(tmp_path):
    """Boundaries without a name column named LSOAs by code (the page then listed codes):
    the study takes the names from the index file, on the same census geography."""
    from workbench.study import Study

    sample = Path(__file__).resolve().parents[2] / "data" / "sample"
    geo = json.loads((sample / "boundaries/lsoa2021_bsc_gloucestershire.geojson").read_text())
    for feature in geo["features"]:
        del feature["properties"]["LSOA21NM"]
    (tmp_path / "lsoa_codes_only.geojson").write_text(json.dumps(geo))
    text = (sample / "area_gloucester.toml").read_text(encoding="utf-8")
    text = re.sub(
        r'= "((?:police|boundaries|imd|population|lookups)/[^"]+)"', rf'= "{sample}/\1"', text
    )
    text = re.sub(r'\["((?:police|boundaries)/[^"]+)"\]', rf'["{sample}/\1"]', text)
    text = text.replace(
        f'["{sample}/boundaries/lsoa2021_bsc_gloucestershire.geojson"]',
        f'["{tmp_path}/lsoa_codes_only.geojson"]',
    )
    text = re.sub(r"\n\[indicators\].*", "\n", text, flags=re.S)
    (tmp_path / "area.toml").write_text(text, encoding="utf-8")
    lsoas = Study.from_toml(tmp_path / "area.toml").lsoas
    imd = pd.read_csv(sample / "imd/iod2025_file7_lsoa21_gloucestershire.csv", dtype=str)
    name_of = dict(zip(imd["LSOA code (2021)"], imd["LSOA name (2021)"], strict=True))
    assert len(lsoas) == 82  # the Gloucester 2021 LSOAs (tests/test_current_studies.py)
    assert (lsoas["lsoa_name"] == lsoas["lsoa_code"].map(name_of)).all()
    assert lsoas["lsoa_name"].str.startswith("Gloucester ").all()
