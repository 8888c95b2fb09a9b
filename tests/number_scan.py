"""Scan published text for numbers shown as the wrong kind (issue 20 item 5, issue 25).

A share or percentage outside 0-100% (a percentage multiplied by 100 again: 2750.0%), a
p-value shown as 0 (``0.00``, ``p = 0.000``) and any number in scientific notation
(``1.85e-06``, ``p = 2.12e-07``) are found in the tables of HTML outputs and in free text
(every report's prose, pack slides, the community page). Changes ("Change", "up 150%") and
caseload against capacity may exceed 100% and are left out by their header or the words
before them. Code (the reports' collapsed code cells), scripts and styles are not prose.
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

#: A cell that is a percentage, or an interval of two ("a% to b%").
_PCT = re.compile(r"(?<![\w.])(-?\d[\d,]*(?:\.\d+)?)\s?%")
#: Headers of columns whose percentages may leave 0-100.
_MAY_EXCEED = re.compile(r"change|capacity|difference|increase|decrease|growth", re.I)
#: Words just before a percentage in free text that make it a change.
_CHANGE_WORDS = re.compile(
    r"(up|down|change[sd]?|rise|rose|fell|fall|higher|lower|more|fewer|increase[sd]?|"
    r"decrease[sd]?|by|[+−-])\W*$",
    re.I,
)
_ZERO = re.compile(r"^-?0(?:\.0+)?$")
#: A number in scientific notation: 1.85e-06, 2E+05.
_SCI = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?[eE][-+]?\d+(?![\w.])")
#: A p-value shown as 0 in prose: "p = 0", "p = 0.000".
_P_ZERO = re.compile(r"\bp\s*[=:]\s*0(?:\.0+)?(?![\d.])")


def _percentages(text: str) -> list[float]:
    return [float(m.group(1).replace(",", "")) for m in _PCT.finditer(text)]


def table_problems(html: str, where: str) -> list[str]:
    """Percentages outside 0-100 and p-values shown as 0 in the tables of ``html``."""
    problems = []
    todo = [html]
    while todo:
        soup = BeautifulSoup(todo.pop(), "lxml")
        todo += [f["srcdoc"] for f in soup.find_all(srcdoc=True)]
        for table in soup.find_all("table"):
            rows = table.find_all("tr")
            if not rows:
                continue
            headers = [c.get_text(" ", strip=True) for c in rows[0].find_all(["th", "td"])]
            for row in rows[1:]:
                for i, cell in enumerate(row.find_all(["th", "td"])):
                    text = cell.get_text(" ", strip=True)
                    header = headers[i] if i < len(headers) else ""
                    if re.search(r"\bp-value\b|^p$", header, re.I) and _ZERO.match(text):
                        problems.append(f"{where}: p-value shown as {text} ({header})")
                    if _SCI.search(text):
                        problems.append(f"{where}: {text} in scientific notation ({header})")
                    if _MAY_EXCEED.search(header):
                        continue
                    for v in _percentages(text):
                        if v > 100 or v < 0:
                            problems.append(f"{where}: {text} in column {header!r}")
    return problems


def text_problems(text: str, where: str) -> list[str]:
    """Percentages above 100 in free text that are not changes, and "p = 0"."""
    problems = []
    for m in _PCT.finditer(text):
        v = float(m.group(1).replace(",", ""))
        before = text[max(0, m.start() - 25) : m.start()]
        # a negative percentage in prose is a change ("1,913 to 1,846, -3.5%"); a share
        # multiplied twice is far above 100
        if v > 100 and not _CHANGE_WORDS.search(before):
            problems.append(f"{where}: ...{before}{m.group(0)}")
    return problems + prose_problems(text, where)


def prose_problems(text: str, where: str) -> list[str]:
    """p-values shown as 0 and numbers in scientific notation in free text."""
    problems = [f"{where}: {m.group(0)}" for m in _P_ZERO.finditer(text)]
    for m in _SCI.finditer(text):
        around = text[max(0, m.start() - 30) : m.end() + 10].replace("\n", " ")
        problems.append(f"{where}: {m.group(0)} in scientific notation (...{around}...)")
    return problems


def report_prose(html: str) -> str:
    """The text a reader of an HTML report sees: no code cells, scripts or styles."""
    soup = BeautifulSoup(html, "lxml")
    for tag in soup.find_all(["script", "style", "details"]):
        if tag.name != "details" or "wb-code" in (tag.get("class") or []):
            tag.decompose()
    for tag in soup.find_all(["pre", "code"]):
        if tag.find_parent(class_="jp-OutputArea") is None:
            tag.decompose()  # markdown code, not output
    return soup.get_text(" ")


def scan_run(out: Path) -> tuple[list[str], int]:
    """Problems in every HTML output and the pack's slides under ``out``; and the number of
    files scanned."""
    problems: list[str] = []
    files = sorted(p for p in out.rglob("*.html") if not any(s.startswith(".") for s in p.parts))
    for path in files:
        html = path.read_text(encoding="utf-8")
        where = str(path.relative_to(out))
        problems += table_problems(html, where)
        if path.name == "community_report.html":
            problems += text_problems(BeautifulSoup(html, "lxml").get_text(" "), where)
        else:
            problems += prose_problems(report_prose(html), where)
    for pptx in out.glob("*_pack/*.pptx"):
        from pptx import Presentation

        for n, slide in enumerate(Presentation(str(pptx)).slides, 1):
            for shape in slide.shapes:
                if shape.has_text_frame:
                    problems += text_problems(shape.text_frame.text, f"{pptx.name} slide {n}")
                if shape.has_table:
                    for row in shape.table.rows:
                        for cell in row.cells:
                            problems += text_problems(cell.text, f"{pptx.name} slide {n}")
        files.append(pptx)
    return problems, len(files)
