"""Small matplotlib helpers shared by the analysis charts and the display layer.

Core: titling a figure with the study's place name is needed where figures are made
(:mod:`workbench.districts`, per district) and where they are shown (:mod:`workbench.display`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["name_figure"]


def name_figure(fig: Any, place: str) -> Any:
    """Put the study's name in a matplotlib figure's title; returns the figure.

    The figure's suptitle, or else each titled axes' title, becomes ``"<place>: <title>"``
    (an untitled figure gets ``place`` as its suptitle). A title that already starts with
    ``place`` is left alone.
    """
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        if not suptitle.get_text().startswith(place):
            suptitle.set_text(f"{place}: {suptitle.get_text()}")
        return fig
    titled = [ax for ax in fig.get_axes() if ax.get_title()]
    if not titled:
        fig.suptitle(place)
    for ax in titled[:1]:
        if not ax.get_title().startswith(place):
            ax.set_title(f"{place}: {ax.get_title()}")
    return fig
