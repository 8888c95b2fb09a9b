"""Static maps for slides and reports: the same layers drawn with matplotlib to PNG and PDF.

The scale bar and north arrow are drawn here in British National Grid metres rather than
with matplotlib-scalebar: the maps are always drawn in EPSG:27700, where one axis unit is one
metre, so a bar of a round number of kilometres is a few lines of code and needs no extra
dependency. The north arrow points to grid north, which in England and Wales is within about
2 degrees of true north (stated in the docstring, not on the map).
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from workbench.errors import WorkbenchError
from workbench.maps.layers import MapLayer

if TYPE_CHECKING:
    from workbench.maps.builder import MapBuilder

__all__ = ["static_map", "nice_scale_length"]

logger = logging.getLogger(__name__)


def nice_scale_length(width_m: float, share: float = 0.2) -> float:
    """A round scale-bar length (1, 2 or 5 x 10^k metres) near ``share`` of ``width_m``.

    >>> nice_scale_length(12_000)
    2000.0
    """
    if not width_m > 0:
        raise WorkbenchError(f"width_m must be positive, received {width_m!r}")
    target = width_m * share
    power = 10 ** np.floor(np.log10(target))
    for step in (5, 2, 1):
        if step * power <= target:
            return float(step * power)
    return float(power)


def _scale_bar(ax: Axes, length: float) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    h = (y1 - y0) * 0.012
    x = x0 + (x1 - x0) * 0.04
    y = y0 + (y1 - y0) * 0.05
    half = length / 2
    for i, colour in enumerate(("black", "white")):
        ax.add_patch(
            Rectangle(
                (x + i * half, y), half, h, facecolor=colour, edgecolor="black", lw=0.6, zorder=20
            )
        )
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x, y + h * 1.6, "0", ha="center", va="bottom", fontsize=7, zorder=20)
    ax.text(x + length, y + h * 1.6, label, ha="center", va="bottom", fontsize=7, zorder=20)


def _north_arrow(ax: Axes) -> None:
    ax.annotate(
        "N",
        xy=(0.95, 0.95),
        xytext=(0.95, 0.85),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=11,
        fontweight="bold",
        arrowprops={"facecolor": "black", "width": 4, "headwidth": 11, "headlength": 9},
        zorder=20,
    )


def _draw(ax: Axes, layer: MapLayer) -> None:
    gdf = layer.data
    if gdf.empty:
        return
    if layer.kind == "outline":
        gdf.boundary.plot(ax=ax, color=layer.stroke, linewidth=max(layer.weight * 0.6, 0.3))
    elif layer.kind == "point":
        xy = np.column_stack([gdf.geometry.x, gdf.geometry.y])
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=(layer.radius * 1.2) ** 2 / 2,
            c=layer.fill,
            edgecolors="white",
            linewidths=0.3,
            alpha=layer.fill_opacity,
            zorder=5,
        )
    else:
        gdf.plot(
            ax=ax,
            color=layer.fill,
            edgecolor=layer.stroke,
            linewidth=layer.weight * 0.5,
            alpha=layer.fill_opacity,
        )


def _legend_handles(layers: Sequence[MapLayer]) -> tuple[list, list[str], set[int]]:
    handles: list = []
    labels: list[str] = []
    headers: set[int] = set()
    for layer in layers:
        if layer.legend is None:
            continue
        headers.add(len(labels))
        handles.append(Patch(alpha=0))
        labels.append(layer.legend.title)
        for item in layer.legend.items:
            if item.shape == "line":
                handles.append(Line2D([], [], color=item.color, lw=1.5))
            elif item.shape == "circle":
                handles.append(
                    Line2D([], [], marker="o", ls="", color=item.color, markeredgecolor="white")
                )
            else:
                handles.append(Patch(facecolor=item.color, edgecolor="#555555", lw=0.4))
            labels.append(item.label)
    return handles, labels, headers


def static_map(
    builder: MapBuilder,
    path: str | Path,
    *,
    layers: Sequence[str] | None = None,
    formats: Sequence[str] = ("png", "pdf"),
    dpi: int = 200,
    figsize: tuple[float, float] = (10.0, 7.5),
) -> list[Path]:
    """Draw a :class:`~workbench.maps.builder.MapBuilder`'s layers as a static map.

    The map has the builder's title and period, a legend for each drawn layer, a scale bar
    (kilometres, British National Grid), a north arrow (grid north) and the sources and
    licence attributions along the bottom. Nothing is fetched from the network: there is no
    basemap, as in the offline interactive map.

    Parameters
    ----------
    builder : MapBuilder
        The map to draw (the same layers, colours and legends as the interactive map).
    path : str or Path
        Output path; the suffix is replaced by each format (``out/map`` -> ``out/map.png``,
        ``out/map.pdf``).
    layers : list of str, optional
        Names of the layers to draw, in drawing order. Default: the layers shown when the
        interactive map opens (``show=True``), in the order they were added.
    formats : sequence of {"png", "pdf", "svg"}
        Files to write.
    dpi : int, default 200
        Resolution of raster output.
    figsize : (float, float)
        Figure size in inches.

    Returns
    -------
    list of Path
        The files written.
    """
    if not getattr(builder, "layers", None):
        raise WorkbenchError("static_map: the map has no layers")
    by_name = {layer.name: layer for layer in builder.layers}
    if layers is None:
        chosen = [layer for layer in builder.layers if layer.show]
    else:
        unknown = [n for n in layers if n not in by_name]
        if unknown:
            raise WorkbenchError(
                f"static_map: no layer named {unknown[0]!r}; the map has {list(by_name)}"
            )
        chosen = [by_name[n] for n in layers]
    if not chosen:
        raise WorkbenchError("static_map: no layer to draw (all are hidden); name them in layers=")
    bad = [f for f in formats if f not in ("png", "pdf", "svg")]
    if bad:
        raise WorkbenchError(f"static_map: formats must be png, pdf or svg, received {bad}")

    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    for layer in chosen:
        _draw(ax, layer)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.margins(0.03)
    ax.autoscale_view()
    x0, x1 = ax.get_xlim()
    _scale_bar(ax, nice_scale_length(x1 - x0))
    _north_arrow(ax)
    ax.set_title(f"{builder.title}\n{builder.period}", fontsize=13, loc="left")

    handles, labels, headers = _legend_handles(chosen)
    if handles:
        leg = fig.legend(
            handles,
            labels,
            loc="outside right upper",
            fontsize=8,
            frameon=False,
            handlelength=1.4,
        )
        for i, text in enumerate(leg.get_texts()):
            if i in headers:
                text.set_fontweight("bold")
    notes = [layer.legend.note for layer in chosen if layer.legend and layer.legend.note]
    footer = builder.attribution_line()
    if notes:
        footer = "Method: " + "; ".join(notes) + ". " + footer
    fig.text(
        0.01,
        0.005,
        textwrap.fill(footer, 170),
        fontsize=6.5,
        color="#333333",
        ha="left",
        va="bottom",
    )
    fig.get_layout_engine().set(h_pad=0.35)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        out = path.with_suffix(f".{fmt}")
        fig.savefig(out, dpi=dpi, metadata={"Creator": "workbench.maps"} if fmt != "png" else None)
        written.append(out)
        logger.info("Saved static map %s", out)
    return written
