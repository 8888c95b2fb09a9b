"""The meeting pack and the community page, on a hand-made finished run (fast, no browser)."""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup
from pptx import Presentation
from pptx.util import Emu

from workbench.cli import main
from workbench.community import community_page, label_frames, readability
from workbench.errors import WorkbenchError
from workbench.pack import (
    MISSING,
    NO_ENGLAND,
    card,
    compare,
    find_run,
    fmt_count,
    fmt_share,
    headlines,
    month_words,
)
from workbench.publish import run_pack

DATE = "2024-04-01"  # the run date of the tiny_run fixture (tests/pack/conftest.py)

#: Words a resident should not meet on the community page (whole words, any case).
JARGON = [
    "Gi*",
    "Getis",
    "Ord",
    "z-score",
    "z score",
    "p-value",
    "LSOA",
    "Poisson",
    "Byar",
    "Wilson",
    "XmR",
    "SPC",
    "KDE",
    "kernel",
    "Mann-Kendall",
    "FDR",
    "Benjamini",
    "decile",
    "IMD",
    "confidence interval",
    "statistically significant",
    "Moran",
    "LISA",
    "PAI",
    "denominator",
    "numerator",
    "suppression",
    "tier 2",
    "tier 3",
    "prevalence",
    "opiate_and_or_crack",
    "cohort",
]


def jargon_in(text: str) -> list[str]:
    """The jargon terms found in ``text`` as whole words (case-insensitive)."""
    found = []
    for term in JARGON:
        pattern = r"(?<![A-Za-z0-9])" + re.escape(term) + r"(?![A-Za-z0-9])"
        if re.search(pattern, text, re.IGNORECASE):
            found.append(term)
    return found


def visible_text(document: str) -> str:
    """Text a reader meets: element text and alt/title attributes, without styles or data."""
    soup = BeautifulSoup(document, "lxml")
    for hidden in soup(["style", "script"]):
        hidden.decompose()
    attrs = [str(el[a]) for a in ("alt", "title") for el in soup.find_all(attrs={a: True})]
    return " ".join([soup.get_text(" "), *attrs])


def test_compare_rule_by_hand():
    # Interval entirely above / below / around the reference (Fingertips rule).
    assert compare(14.82, 17.5, 12.99) == "higher"
    assert compare(0.70, 0.85, 0.92) == "lower"
    assert compare(49.76, 54.55, 54.0) == "similar"
    assert compare(49.76, 54.55, 49.76) == "similar"  # on the limit: not excluded
    assert compare(None, 54.55, 54.0) is None


def test_formatting_keeps_hidden_and_missing():
    assert fmt_count("1846.0") == "1,846"
    assert fmt_count("*") == "*"
    assert fmt_count("") == MISSING
    assert fmt_share("0.386") == "38.6%"
    assert month_words("2023-04 to 2024-03") == "April 2023 to March 2024"
    assert month_words("2021-22") == "2021-22"  # a financial year is not a month


def test_headlines_from_published_tables(tiny_run):
    run = find_run(tiny_run)
    assert run.date == DATE and set(run.folders) == {"overview", "supply"}
    over = {h.label: h for h in headlines(run, "overview")}
    drugs = over["Drugs"]
    assert (drugs.value, drugs.unit, drugs.per, drugs.base) == (52.11, "rate", 10_000, 1846)
    assert (drugs.interval.lower, drugs.interval.upper) == (49.76, 54.55)
    assert drugs.period.first_month == "2023-04" and drugs.period.last_month == "2024-03"
    shown = card(drugs)
    assert shown.value == "52.1 per 10,000 residents"
    assert shown.interval == "49.8 to 54.5"  # 54.55 to one decimal (round half even)
    assert shown.base == "n = 1,846"
    # last year's rate = 52.11 x 1913 / 1846 = 54.00 (same population), inside 49.76-54.55
    assert drugs.comparison("last year").reference == pytest.approx(52.11 * 1913 / 1846)
    assert drugs.direction == "similar"
    assert shown.last_year == "Similar (1,913 to 1,846, -3.5%)"
    assert shown.england == NO_ENGLAND
    assert "1,846 drug offences" in drugs.plain and "4% fewer" in drugs.plain
    # a hidden count stays hidden, and nothing is inferred from it
    weapons = over["Possession of weapons"]
    assert weapons.value is None and weapons.base is None
    assert set(weapons.hidden) == {"value", "base"} and weapons.interval.hidden
    assert card(weapons).value.startswith("*") and card(weapons).interval == "*"
    assert card(weapons).base == "n = *" and weapons.direction is None and weapons.plain == ""
    # waiting times: latest year 80% (70% to 85%) against last year's 92%: lower
    wait = over["Starting treatment within 3 weeks (adult)"]
    shown = card(wait)
    assert (shown.value, shown.interval, shown.base) == (
        "80.0%",
        "70.0% to 85.0%",
        "n = 1,255 of 1,362",
    )
    assert wait.direction == "lower" and wait.synthetic and wait.unit == "share"
    # supply: latest window only; previous_rate column used; England column used
    (supply,) = headlines(run, "supply")
    assert card(supply).label == "Drugs, April 2023 to March 2024"
    assert supply.direction == "higher"  # 12.99 below 14.82
    assert card(supply).england == "Lower than England (19.0)"  # 17.5 below 19.0


def test_pack_slides_alt_text_and_log(tiny_run):
    log = run_pack(tiny_run, render=False)
    folder = tiny_run / f"{DATE}_pack"
    prs = Presentation(str(folder / "meeting_pack.pptx"))
    assert (Emu(prs.slide_width).inches, round(Emu(prs.slide_height).inches, 2)) == (
        pytest.approx(13.333, abs=0.01),
        7.5,
    )
    kinds = [s["kind"] for s in log["slides"]]
    assert kinds == ["title", "figures", "map", "figures", "map", "chart", "closing"]
    texts = []
    pictures = 0
    for slide in prs.slides:
        assert slide.shapes.title is not None and slide.shapes.title.text
        for shape in slide.shapes:
            if shape.shape_type == 13:  # picture
                pictures += 1
                descr = shape._element.nvPicPr.cNvPr.get("descr")
                assert descr and len(descr) > 20, shape.name
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [c.text for row in shape.table.rows for c in row.cells]
    assert pictures == 3
    text = "\n".join(texts)
    # the figures are real text, as published
    for expected in ("Testshire", "Testshire District", "1,846", "49.8 to 54.5"):
        assert expected in text
    assert "E06000099" not in text  # the district by its name, not its code
    assert "April 2022 to March 2024" in text  # the period on the title slide
    assert "A07" in text and "SYNTHETIC" in text
    # the run log of the pack
    saved = json.loads((folder / "run_log.json").read_text())
    assert saved["readability"]["flesch_reading_ease"] == log["readability"]["flesch_reading_ease"]
    assert saved["files"]["pack"] == "meeting_pack.pptx"


def test_community_page_plain_and_same_figures(tiny_run):
    run = find_run(tiny_run)
    by_theme = {t: headlines(run, t) for t in run.themes}
    page, scores = community_page(run, by_theme, commentary=None, made="1 April 2024")
    assert '<html lang="en-GB">' in page and "<script" not in page
    assert "1,846 drug offences" in page  # the same figure as the pack
    assert "Example figure from invented data" in page  # synthetic labelled
    assert jargon_in(visible_text(page)) == []
    assert 0 < scores["flesch_reading_ease"] <= 120 and scores["words"] > 100
    assert f"reading ease score of {scores['flesch_reading_ease']:.0f}" in page
    soup = BeautifulSoup(page, "lxml")
    levels = [int(h.name[1]) for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    images = soup.find_all("img")
    assert all(len(img.get("alt", "")) >= 20 for img in images)


def test_jargon_detector_finds_terms():
    assert jargon_in("hot spots (Gi*) with z-score 3") == ["Gi*", "z-score"]
    assert jargon_in("paid repairs in the ordinary way") == []


def test_commentary_markdown_is_escaped_and_nested(tiny_run, tmp_path):
    md = tmp_path / "c.md"
    md.write_text("<!-- note -->\n# Our work\n\nWe <script>x</script> act.\n\n## More\n\nText.")
    run = find_run(tiny_run)
    page, _ = community_page(run, {}, commentary=md)
    assert "<script>x" not in page and "&lt;script&gt;" in page
    assert "<h3>Our work</h3>" in page and "<h4>More</h4>" in page and "note" not in page


def test_readability_against_hand_calculation():
    # 7 words, 2 sentences, 15 syllables (part-ner-ships, pub-lish, fig-ures, res-i-dents,
    # read, them, care-ful-ly): FRE = 206.835 - 1.015 x 3.5 - 84.6 x 15/7 = 21.997;
    # FK grade = 0.39 x 3.5 + 11.8 x 15/7 - 15.59 = 11.061; reading age = grade + 5.
    r = readability("Partnerships publish figures. Residents read them carefully.")
    assert r["flesch_reading_ease"] == pytest.approx(22.0, abs=0.05)
    assert r["flesch_kincaid_grade"] == pytest.approx(11.1, abs=0.05)
    assert r["reading_age"] == pytest.approx(16.1, abs=0.05)
    assert (r["words"], r["sentences"]) == (7, 2)


def test_label_frames_names_embedded_maps():
    doc = (
        '<iframe srcdoc="&lt;!DOCTYPE html&gt;&lt;html&gt;&lt;head&gt;&lt;title&gt;Drugs: '
        'hot spots&lt;/title&gt;" style="width:100%"></iframe>'
        '<iframe title="Kept" srcdoc="&lt;html lang=&quot;cy&quot;&gt;"></iframe>'
    )
    out = label_frames(doc)
    assert '<iframe title="Drugs: hot spots" srcdoc=' in out
    assert "&lt;html lang=&quot;en&quot;&gt;" in out
    assert '<iframe title="Kept" srcdoc="&lt;html lang=&quot;cy&quot;&gt;">' in out
    assert out.count("<iframe") == 2


def test_pack_cli_without_a_run_is_one_clear_error(tmp_path, capsys):
    code = main(["pack", "data/sample/area.toml", "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "no finished run" in err and "workbench report" in err


def test_find_run_picks_the_date(tiny_run):
    with pytest.raises(WorkbenchError, match="dates found: 2024-04-01"):
        find_run(tiny_run, "2023-01-01")


def test_deprived_share_against_population_share(tiny_run):
    import pandas as pd

    from workbench.pack import HeadlineContext, _deprived_share

    df = pd.DataFrame(
        {
            "crime_type": ["Drugs", "Drugs", "Robbery"],
            "group": ["10% most deprived", "20% most deprived", "20% most deprived"],
            "count": ["403.0", "713.0", "0.0"],
            "total_count": ["1846.0", "1846.0", "12.0"],
            "share_of_events": ["0.218", "0.386", "0.0"],
            "lower": ["0.2", "0.364", "0.0"],
            "upper": ["0.238", "0.409", "0.243"],
            "share_of_population": ["0.194", "0.348", "0.0"],
        }
    )
    rows = _deprived_share(HeadlineContext("overview", "t", "t.csv"), df, None)
    assert len(rows) == 2  # the 20% rows only
    drugs, robbery = rows
    # 34.8% lies below the interval 36.4% to 40.9%: higher than the population share
    assert card(drugs).value == "38.6%" and card(drugs).interval == "36.4% to 40.9%"
    assert card(drugs).base.startswith("n = 713 of 1,846")
    assert drugs.note == "Higher against the population share (34.8%)"
    assert drugs.plain == (
        "39% of drug offences happened in the most deprived fifth of neighbourhoods in "
        "England. 35% of people here live in these areas. So these areas have more than "
        "their share."
    )
    # no most deprived neighbourhood at all: said so, not "0% against 0%"
    assert robbery.plain.startswith("None of the neighbourhoods here")
