"""Escaping by construction: tables, Markdown commentary and headings show file text as text."""

from __future__ import annotations

import pandas as pd
from bs4 import BeautifulSoup
from payloads import MARKDOWN, PAYLOADS

from workbench.display import SafeHTML, markdown_html, md_text, people_table


def _active(html: str, styler: bool = False) -> list[str]:
    """Elements and attributes of ``html`` that could run script or load something
    (``styler``: less the one ``<style>`` block pandas' Styler writes before its table)."""
    soup = BeautifulSoup(html, "html.parser")
    if styler:
        own = soup.find("style")
        assert own is not None and own.get_text().lstrip().startswith("#T_")
        own.decompose()
    found = [t.name for t in soup.find_all(["script", "img", "svg", "iframe", "style", "object"])]
    for tag in soup.find_all(True):
        for attr, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if attr.startswith("on"):
                found.append(f"{tag.name}@{attr}")
            if attr in ("href", "src") and not text.lower().startswith(
                ("http://", "https://", "mailto:", "#")
            ):
                found.append(f"{tag.name}@{attr}={text}")
    return found


def test_table_cells_and_headers_are_escaped():
    df = pd.DataFrame(
        {
            "ward_name": list(PAYLOADS),
            "count": range(len(PAYLOADS)),
            PAYLOADS[1]: ["x"] * len(PAYLOADS),  # a column label from a file (a pivot)
        }
    )
    html = people_table(df, caption=PAYLOADS[0])._repr_html_()
    assert _active(html, styler=True) == []
    soup = BeautifulSoup(html, "html.parser")
    shown = [td.get_text() for td in soup.find_all("td")]
    for p in PAYLOADS:  # shown exactly as typed
        assert p in shown
    assert PAYLOADS[1] in [th.get_text() for th in soup.find_all("th")]
    assert soup.find("caption").get_text() == PAYLOADS[0]


def test_old_styler_wrote_cells_unescaped():
    # the failure the fix addresses: pandas' Styler does not escape cells by default
    df = pd.DataFrame({"ward": [PAYLOADS[0]]})
    assert "<script>alert(1)</script>" in df.style.to_html()


def test_markdown_commentary_is_safe():
    html = markdown_html(MARKDOWN, top_heading=3)
    assert _active(html) == []
    soup = BeautifulSoup(html, "html.parser")
    links = [a["href"] for a in soup.find_all("a")]
    assert links == ["https://www.ons.gov.uk/", "mailto:team@example.org"]
    assert soup.find("h3").get_text() == "Commentary"
    assert "<script>alert(11)</script>" in soup.get_text()  # shown as text
    assert "evil.example" not in " ".join(str(t.attrs) for t in soup.find_all(True))
    assert "alert(13)" in soup.get_text() and "<!--" not in html  # the comment is dropped
    assert SafeHTML.markdown("*x*")._repr_html_() == "<p><em>x</em></p>\n"


def test_md_text_shows_settings_as_typed():
    import mistune

    for p in PAYLOADS:
        html = mistune.create_markdown(escape=False)(f"# {md_text(p)} report")
        assert _active(html) == [], p
        assert BeautifulSoup(html, "html.parser").get_text().strip() == f"{p} report"
