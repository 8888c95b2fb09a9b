"""Text from files and settings made safe for HTML and Markdown (issue 26), and paths made
safe to publish (issue 25 item 8).

Core vocabulary (no workbench imports), used wherever HTML or Markdown is made: the study
heading of each report, the analyst's commentary (community page, strategic assessment) and
the tables for people (:mod:`workbench.display`); and wherever a path is written into
something a reader gets (the run log, the executed notebook and its HTML report):
:func:`reader_path` and :func:`reader_paths`.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

__all__ = [
    "SAFE_SCHEMES",
    "SafeHTML",
    "markdown_html",
    "md_text",
    "is_absolute_path",
    "reader_path",
    "reader_paths",
]

#: Link schemes commentary may use; any other link is shown as its text only.
SAFE_SCHEMES = ("http://", "https://", "mailto:")


def md_text(text: Any) -> str:
    r"""Text from a file or a setting made safe to put into Markdown: shown as typed.

    HTML special characters become entities and Markdown punctuation is backslash-escaped,
    so a study name such as ``<img src=x onerror=alert(1)>`` or ``[x](javascript:...)``
    renders as those characters, never as an element or a link.

    >>> md_text("<b>[x](y)</b>")
    '&lt;b&gt;\\[x\\]\\(y\\)&lt;/b&gt;'
    """
    escaped = html.escape(str(text), quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+!|~>-])", r"\\\1", escaped)


def _renderer() -> Any:
    import mistune

    class _Safe(mistune.HTMLRenderer):
        """mistune's HTML renderer with raw HTML escaped, links limited to http(s)/mailto
        and images shown as their alt text (nothing is ever loaded from another host)."""

        def __init__(self) -> None:
            super().__init__(escape=True)

        def _raw(self, text: str) -> str:  # an analyst's comment is dropped; the rest shown
            return html.escape(re.sub(r"<!--.*?(?:-->|$)", "", text, flags=re.DOTALL))

        def block_html(self, html_text: str) -> str:
            shown = self._raw(html_text)
            return f"<p>{shown.strip()}</p>\n" if shown.strip() else ""

        def inline_html(self, html_text: str) -> str:
            return self._raw(html_text)

        def safe_url(self, url: str) -> str:
            return html.escape(url, quote=True)

        def link(self, text: str, url: str, title: str | None = None) -> str:
            if not url.strip().lower().startswith(SAFE_SCHEMES):
                return text
            return super().link(text, url, title)

        def image(self, text: str, url: str, title: str | None = None) -> str:
            return f"[image: {text}]" if text else "[image]"

    return _Safe()


def markdown_html(text: str, *, top_heading: int | None = None) -> str:
    r"""The analyst's Markdown as safe HTML (commentary for reports and the residents' page).

    Raw HTML (``<script>``, ``<style>``, ``<iframe>``, comments) is shown as text, not
    markup; only ``http(s):`` and ``mailto:`` links are links (``javascript:``, ``data:``,
    relative and other links keep their text only); images are replaced by their alt text,
    so the page never loads anything from another host. ``top_heading`` shifts the headings
    so the highest is ``<h{top_heading}>``.

    Notes
    -----
    Rendered with mistune (its ``HTMLRenderer`` with ``escape=True``), parsed again with
    BeautifulSoup to shift the headings.

    >>> markdown_html("Hi <script>alert(1)</script> [a](javascript:alert(1)) ![x](http://e/x.png)")
    '<p>Hi &lt;script&gt;alert(1)&lt;/script&gt; a [image: x]</p>\n'
    """
    import mistune

    body = mistune.create_markdown(renderer=_renderer(), plugins=["strikethrough", "table"])(
        str(text)
    )
    if top_heading is None:
        return body
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, "html.parser")
    heads = soup.find_all(re.compile(r"^h[1-6]$"))
    if not heads:
        return body
    shift = top_heading - min(int(h.name[1]) for h in heads)
    for h in heads:
        h.name = f"h{max(1, min(6, int(h.name[1]) + shift))}"
    return str(soup)


@dataclass
class SafeHTML:
    """HTML made by the workbench from escaped text, shown as HTML in notebooks and reports
    (never as Markdown, which nbconvert would render with raw HTML allowed)."""

    html: str

    @classmethod
    def markdown(cls, text: str, *, top_heading: int | None = None) -> SafeHTML:
        """The analyst's Markdown made safe (:func:`markdown_html`)."""
        return cls(markdown_html(text, top_heading=top_heading))

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def is_absolute_path(text: Any) -> bool:
    r"""True when ``text`` is an absolute path of some machine (POSIX ``/...``, Windows
    ``C:\...`` or ``\\server\...``), not a URL or a relative name.

    >>> is_absolute_path("/home/ana/area.toml"), is_absolute_path("C:\\data\\a.csv")
    (True, True)
    >>> is_absolute_path("area.toml"), is_absolute_path("https://x.org/a"), is_absolute_path(3)
    (False, False, False)
    """
    if not isinstance(text, str | os.PathLike) or not str(text).strip():
        return False
    text = str(text).strip()
    if "\n" in text or "://" in text:
        return False
    return PurePosixPath(text).is_absolute() or PureWindowsPath(text).is_absolute()


def reader_path(path: str | os.PathLike[str], base: str | os.PathLike[str]) -> str:
    """A path as a reader of the outputs is shown it: relative to ``base`` (the study folder
    or the run folder), with ``/`` separators; never an absolute path of the analyst's
    machine. A path that cannot be made relative (another drive) is shown by its name.

    Parameters
    ----------
    path : str or PathLike
        The path (absolute or relative to the working folder).
    base : str or PathLike
        The folder the reader knows (the study's ``area.toml`` folder, or the run folder).

    Examples
    --------
    >>> reader_path("/home/ana/study/data/crime.csv", "/home/ana/study")
    'data/crime.csv'
    >>> reader_path("/srv/shared/imd.csv", "/home/ana/study")
    '../../../srv/shared/imd.csv'
    """
    p = Path(path).absolute()
    try:
        rel = os.path.relpath(p, Path(base).absolute())
    except ValueError:  # another drive (Windows): no relative path exists
        return p.name
    return rel.replace(os.sep, "/")


def reader_paths(obj: Any, base: str | os.PathLike[str]) -> Any:
    """``obj`` (JSON-like: mappings, lists, strings) with every string that is an absolute path
    made relative to ``base`` (:func:`reader_path`); other values unchanged.

    >>> reader_paths({"config": "/w/s/area.toml", "n": 3, "files": ["/w/s/a.csv", "b"]}, "/w/s")
    {'config': 'area.toml', 'n': 3, 'files': ['a.csv', 'b']}
    """
    if isinstance(obj, Mapping):
        return {k: reader_paths(v, base) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(reader_paths(v, base) for v in obj)
    if isinstance(obj, os.PathLike) or is_absolute_path(obj):
        return reader_path(obj, base) if is_absolute_path(obj) else str(obj)
    return obj
