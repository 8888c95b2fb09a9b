"""Map layers as data: geometry, one colour per feature, a legend and pop-up text.

A :class:`MapLayer` is drawn by both the interactive map (:mod:`workbench.maps.builder`) and
the static map (:mod:`workbench.maps.static`), so slides and HTML show the same classes and
colours. The functions here decide the colours (mapclassify for classification, matplotlib
colormaps for the palettes) and the pop-up text (counts suppressed, every text escaped once).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import shapely
from matplotlib import colormaps
from matplotlib.colors import to_hex

from workbench.errors import WorkbenchError
from workbench.geo import to_bng
from workbench.hotspots.results import GiStar, Result, Surface, frame_of
from workbench.maps.legends import Legend, LegendItem
from workbench.maps.popups import (
    SUPPRESSED_NOTE,
    count_texts,
    derived_texts,
    escape,
    fmt_number,
    format_values,
    rate_texts,
    small_count_mask,
)
from workbench.stats import SUPPRESSED

__all__ = [
    "MapLayer",
    "GISTAR_CLASSES",
    "LISA_COLORS",
    "EMERGING_COLORS",
    "NO_DATA_COLOR",
    "SUPPRESSED_COLOR",
    "WITHHELD_COLOR",
    "disclosure_note",
    "gistar_layer",
    "kde_layer",
    "emerging_layer",
    "lisa_layer",
    "choropleth_layer",
    "rate_layer",
    "imd_layer",
    "points_layer",
    "outline_layer",
    "class_labels",
]

logger = logging.getLogger(__name__)

NO_DATA_COLOR = "#d9d9d9"
#: Fill of areas whose count is 1 to ``threshold - 1`` (neither coloured by class nor used
#: for the class breaks): a paler neutral grey than "No data", with no hatching.
SUPPRESSED_COLOR = "#efefef"
#: Fill of Gi* and emerging hot spot cells whose count is withheld on a protected layer
#: (their class is not drawn): a mid grey, apart from "Not significant" and "No data".
WITHHELD_COLOR = "#b0b0b0"
#: Pop-up text of a class withheld beside a withheld count.
WITHHELD_CLASS = "withheld (count fewer than {threshold})"

#: Gi* bins (sign of z times confidence level) -> (colour, label), hot first. Colours are
#: ColorBrewer RdBu-like, as in common GIS hot spot renderers.
GISTAR_CLASSES: dict[int, tuple[str, str]] = {
    3: ("#d7191c", "Hot spot 99%"),
    2: ("#f46d43", "Hot spot 95%"),
    1: ("#fdae61", "Hot spot 90%"),
    0: ("#f7f7f7", "Not significant"),
    -1: ("#abd9e9", "Cold spot 90%"),
    -2: ("#74add1", "Cold spot 95%"),
    -3: ("#2c7bb6", "Cold spot 99%"),
}

#: Local Moran cluster labels -> colour (GeoDa's conventional LISA colours).
LISA_COLORS: dict[str, str] = {
    "High-High": "#d7191c",
    "High-Low": "#fdae61",
    "Low-High": "#abd9e9",
    "Low-Low": "#2c7bb6",
    "Not significant": "#f7f7f7",
}

#: Emerging hot spot categories -> colour, in legend order (hot, cold, none).
EMERGING_COLORS: dict[str, str] = {
    "New hot spot": "#67000d",
    "Consecutive hot spot": "#a50f15",
    "Intensifying hot spot": "#cb181d",
    "Persistent hot spot": "#ef3b2c",
    "Diminishing hot spot": "#fb6a4a",
    "Sporadic hot spot": "#fc9272",
    "Oscillating hot spot": "#fcbba1",
    "Historical hot spot": "#fee0d2",
    "New cold spot": "#08306b",
    "Consecutive cold spot": "#08519c",
    "Intensifying cold spot": "#2171b5",
    "Persistent cold spot": "#4292c6",
    "Diminishing cold spot": "#6baed6",
    "Sporadic cold spot": "#9ecae1",
    "Oscillating cold spot": "#c6dbef",
    "Historical cold spot": "#deebf7",
    "No pattern": "#f7f7f7",
}
#: Other spellings of the same categories (lower case) -> the key above.
_ALIASES = {"no pattern detected": "no pattern"}


@dataclass
class MapLayer:
    """One layer of a map, ready to draw interactively or statically.

    Attributes
    ----------
    name : str
        Name in the layer control (plain text; escaped when drawn).
    kind : str
        ``"polygon"``, ``"point"`` or ``"outline"``.
    data : GeoDataFrame
        Geometry in British National Grid (EPSG:27700), one row per feature drawn.
    fill : list of str
        One hex colour per row (polygon fill or point colour); empty for outlines.
    legend : Legend or None
        What the colours mean.
    fields : dict of str to list of str
        Pop-up rows: label -> one *escaped* text per feature, in display order.
    tooltip : int
        How many of the first ``fields`` the hover tooltip shows.
    stroke, weight, fill_opacity, radius :
        Drawing style.
    show : bool
        Shown when the map opens.
    cluster : bool
        Points are clustered (Leaflet.markercluster) in the interactive map.
    disclosure : dict or None
        What the run-level audit checks in the saved HTML (see :func:`disclosure_note`):
        ``protected``, the pop-up label of the count (``count``), the labels derived from
        it (``derived``), whether the fill colour derives from the count
        (``fill_from_count``) and the fill of withheld features (``withheld_fill``).
    """

    name: str
    kind: str
    data: gpd.GeoDataFrame
    fill: list[str] = field(default_factory=list)
    legend: Legend | None = None
    fields: dict[str, list[str]] = field(default_factory=dict)
    tooltip: int = 2
    stroke: str = "#555555"
    weight: float = 0.5
    fill_opacity: float = 0.75
    radius: float = 5.0
    show: bool = True
    cluster: bool = False
    disclosure: dict[str, Any] | None = None


# ----------------------------------------------------------------------------- helpers
def disclosure_note(
    protected: bool,
    threshold: int,
    count: str | None = None,
    derived: Sequence[str] = (),
    *,
    fill_from_count: bool = False,
) -> dict[str, Any]:
    """A layer's disclosure description (embedded in the saved map for the audit).

    ``count``: the pop-up label of the layer's count; ``derived``: the labels of values
    derived from it (a class, z, p, a rate) that must be withheld wherever the count is;
    ``fill_from_count``: the fill colour is such a value (a hot spot class), so a withheld
    feature must have :data:`WITHHELD_COLOR`.
    """
    return {
        "protected": bool(protected),
        "threshold": int(threshold),
        "count": count,
        "derived": list(derived),
        "fill_from_count": bool(fill_from_count),
        "withheld_fill": WITHHELD_COLOR,
    }


def _require(gdf: Any, columns: Sequence[str], argument: str) -> gpd.GeoDataFrame:
    gdf = frame_of(gdf)
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise WorkbenchError(f"{argument}: expected a GeoDataFrame, received {type(gdf).__name__}")
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise WorkbenchError(
            f"{argument}: missing column(s) {missing}; found {list(gdf.columns)[:15]}"
        )
    if gdf.crs is None:
        raise WorkbenchError(f"{argument}: the GeoDataFrame has no CRS; set one (e.g. EPSG:27700)")
    return gdf


def _escaped(fields: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Escape every label's texts exactly once."""
    return {label: [escape(v) for v in values] for label, values in fields.items()}


def _extra_fields(
    gdf: pd.DataFrame,
    extra: Mapping[str, str] | Sequence[str] | None,
    *,
    hide: np.ndarray | None = None,
    hide_columns: Sequence[str] = (),
    hidden_text: str = SUPPRESSED,
) -> dict[str, list[str]]:
    """Pop-up rows from input columns: {label: column} or [column, ...].

    Where ``hide`` is True, the texts of ``hide_columns`` (a small count, or a value derived
    from it) are replaced by ``hidden_text``.
    """
    if not extra:
        return {}
    pairs = extra.items() if isinstance(extra, Mapping) else [(c, c) for c in extra]
    out = {}
    for label, col in pairs:
        if col not in gdf.columns:
            raise WorkbenchError(
                f"fields: column {col!r} is not in the data; found {list(gdf.columns)[:15]}"
            )
        decimals = 2 if pd.api.types.is_float_dtype(gdf[col].dtype) else None
        texts = format_values(gdf[col], decimals)
        if hide is not None and col in hide_columns:
            texts = [hidden_text if h else t for t, h in zip(texts, hide, strict=True)]
        out[str(label)] = texts
    return out


def _palette(cmap: str | Sequence[str], k: int) -> list[str]:
    if not isinstance(cmap, str):
        colors = list(cmap)
        if len(colors) < k:
            raise WorkbenchError(f"cmap: {k} colours needed, received {len(colors)}")
        return colors[:k]
    try:
        cm = colormaps[cmap]
    except KeyError as exc:
        raise WorkbenchError(f"cmap: unknown matplotlib colormap {cmap!r}") from exc
    if k == 1:
        return [to_hex(cm(0.7))]
    # Skip the palest end so the lowest class still shows against a white background.
    return [to_hex(cm(0.12 + 0.88 * i / (k - 1))) for i in range(k)]


def class_labels(bins: Sequence[float], decimals: int = 1, *, fixed: bool = False) -> list[str]:
    """Legend labels of upper-bound classes: "up to b0", "b0 to b1", ... (each class is
    ``> previous bound`` and ``<= its bound``, mapclassify's convention).

    >>> class_labels([10, 20, 35.5], 1)
    ['up to 10.0', '10.0 to 20.0', '20.0 to 35.5']
    """
    labels = []
    prev = None
    for b in bins:
        text = fmt_number(b, decimals)
        labels.append(f"up to {text}" if prev is None else f"{prev} to {text}")
        prev = text
    return labels


def classify(
    values: pd.Series,
    *,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    argument: str = "column",
) -> tuple[np.ndarray, list[float], str]:
    """Class index per value (-1 for missing), the class upper bounds and a description.

    ``bins`` (fixed upper bounds, for comparing periods on one scale) wins over ``scheme``;
    a last class up to the maximum is added by mapclassify when the data exceed the last
    bound. ``scheme`` is any mapclassify classifier name ("quantiles", "natural_breaks",
    "equal_interval", "fisher_jenks", ...).
    """
    y = pd.to_numeric(values, errors="coerce").astype(float)
    ok = y.notna().to_numpy()
    idx = np.full(len(y), -1, dtype=int)
    if not ok.any():
        return idx, [], "no data"
    data = y.to_numpy()[ok]
    if bins is not None:
        bins = sorted(float(b) for b in bins)
        clf = mapclassify.UserDefined(data, bins)
        how = "fixed breaks " + ", ".join(fmt_number(b, 2) for b in bins)
    else:
        n_unique = len(np.unique(data))
        k_use = max(1, min(k, n_unique))
        try:
            clf = mapclassify.classify(data, scheme, k=k_use)
        except (ValueError, KeyError) as exc:
            raise WorkbenchError(
                f"{argument}: cannot classify with scheme {scheme!r} (k={k}): {exc}"
            ) from exc
        how = f"{clf.name}, {clf.k} classes"
    idx[ok] = clf.yb
    return idx, [float(b) for b in clf.bins], how


def _colours_from_classes(idx: np.ndarray, palette: list[str]) -> list[str]:
    return [palette[i] if i >= 0 else NO_DATA_COLOR for i in idx]


# ----------------------------------------------------------------------------- hotspots
def gistar_layer(
    result: gpd.GeoDataFrame,
    name: str = "Hot spots (Gi*)",
    *,
    threshold: int = 5,
    show_not_significant: bool = True,
    show: bool = True,
    fields: Mapping[str, str] | Sequence[str] | None = None,
    protected: bool = False,
) -> MapLayer:
    """Gi* hot and cold spots from the ``bin`` column (-3..3), diverging colours.

    ``protected=True`` for a layer of partnership data (or police data when the study does
    not show police.uk counts in full): pop-ups then show no z or p
    (:func:`workbench.maps.popups.derived_texts`), and a cell whose count is withheld
    (1 to ``threshold - 1``) is drawn in :data:`WITHHELD_COLOR` with its class withheld
    (legend "Fewer than 5: class withheld"), whatever ``show_not_significant`` says.

    Legend: "Hot spot 99%", "Hot spot 95%", "Hot spot 90%", "Not significant", "Cold spot
    90%", "Cold spot 95%", "Cold spot 99%". The bins come from the hotspot module (two-sided
    p, Benjamini-Hochberg FDR by default; see :func:`workbench.hotspots.gistar`); the note
    repeats the settings the result carries (a :class:`~workbench.hotspots.GiStar`).
    Pop-ups show the count (suppressed 1 to ``threshold - 1``), z and p.
    """
    gdf = _require(result, ["bin"], "result")
    bins = pd.to_numeric(gdf["bin"], errors="coerce")
    bad = bins.notna() & ~bins.isin(list(GISTAR_CLASSES))
    if bad.any():
        raise WorkbenchError(
            f"result: column 'bin' must hold -3..3, found {sorted(bins[bad].unique())[:5]}"
        )
    withheld = (
        small_count_mask(gdf["count"], threshold).to_numpy(dtype=bool)
        if protected and "count" in gdf.columns
        else np.zeros(len(gdf), dtype=bool)
    )
    if not show_not_significant:
        keep = (bins.fillna(0) != 0).to_numpy() | withheld
        gdf = gdf.loc[keep]
        bins = bins.loc[gdf.index]
        withheld = withheld[keep]
    fill = [
        WITHHELD_COLOR if w else GISTAR_CLASSES[int(b)][0] if pd.notna(b) else NO_DATA_COLOR
        for b, w in zip(bins, withheld, strict=True)
    ]
    items = [LegendItem(c, label) for _b, (c, label) in GISTAR_CLASSES.items()]
    if withheld.any():
        items.append(LegendItem(WITHHELD_COLOR, f"Fewer than {threshold}: class withheld"))
    note_bits = ["Getis-Ord Gi*, two-sided p"]
    if isinstance(result, GiStar) and result.fdr is not None:
        note_bits.append("FDR-adjusted")
    if isinstance(result, Result) and result.cell_size:
        note_bits.append(f"cells {fmt_number(result.cell_size, 0)} m")
    if protected:
        note_bits.append("protected data: no z or p; grey cells hold 1 to "
                         f"{threshold - 1}, their class is withheld")  # fmt: skip
    hidden_class = WITHHELD_CLASS.format(threshold=threshold)
    out_fields: dict[str, list[str]] = {
        "Significance": [
            hidden_class if w else GISTAR_CLASSES[int(b)][1] if pd.notna(b) else ""
            for b, w in zip(bins, withheld, strict=True)
        ]
    }
    if "count" in gdf.columns:
        out_fields["Count"] = count_texts(gdf["count"], threshold)
    # z and p derive from the counts: disclosure rules in workbench.maps.popups.derived_texts
    counts = gdf["count"] if "count" in gdf.columns else None
    if "z" in gdf.columns:
        out_fields["Gi* z"] = derived_texts(gdf["z"], counts, threshold, 2, protected=protected)
    if "p" in gdf.columns:
        out_fields["p"] = derived_texts(gdf["p"], counts, threshold, 4, protected=protected)
    derived = [k for k in ("Significance", "Gi* z", "p") if k in out_fields]
    out_fields.update(_extra_fields(gdf, fields))
    return MapLayer(
        name=name,
        kind="polygon",
        data=to_bng(gdf),
        fill=fill,
        legend=Legend(name, items, "; ".join(note_bits)),
        fields=_escaped(out_fields),
        tooltip=2,
        stroke="#bbbbbb",
        weight=0.3,
        fill_opacity=0.75,
        show=show,
        disclosure=disclosure_note(
            protected,
            threshold,
            "Count" if "Count" in out_fields else None,
            derived,
            fill_from_count=True,
        ),
    )


def kde_layer(
    result: gpd.GeoDataFrame,
    name: str = "Density (KDE)",
    *,
    column: str = "density",
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str | Sequence[str] = "YlOrRd",
    drop_zero: bool = True,
    threshold: int = 5,
    show: bool = True,
    units: str | None = None,
    protected: bool = False,
) -> MapLayer:
    """Kernel density cells with a sequential palette and class legend.

    Cells with zero density are not drawn (``drop_zero``). Classes from mapclassify
    (``scheme``, ``k``) or fixed ``bins``. The note gives the cell size and bandwidth when
    ``result`` is a :class:`~workbench.hotspots.Surface`. ``protected=True``: pop-ups give
    the density's class, not its value (counts 1 to ``threshold - 1`` are withheld on every
    layer). The density is a smoothed surface of every point within the bandwidth, not a
    cell's count, so its class is drawn (a limit stated in docs/disclosure.md).
    """
    gdf = _require(result, [column], "result")
    vals = pd.to_numeric(gdf[column], errors="coerce")
    if drop_zero:
        gdf = gdf.loc[vals.fillna(0) > 0]
        vals = vals.loc[gdf.index]
    idx, ubs, how = classify(vals, scheme=scheme, k=k, bins=bins, argument=column)
    palette = _palette(cmap, max(len(ubs), 1))
    decimals = _decimals_for(ubs)
    items = [
        LegendItem(c, lab) for c, lab in zip(palette, class_labels(ubs, decimals), strict=False)
    ]
    note = [how]
    if isinstance(result, Result) and result.cell_size:
        note.append(f"cells {fmt_number(result.cell_size, 0)} m")
    if isinstance(result, Surface) and result.bandwidth:
        note.append(f"bandwidth {fmt_number(result.bandwidth, 0)} m")
    if units:
        note.append(units)
    if protected:
        labels = class_labels(ubs, decimals)
        out_fields = {"Density": [labels[i] if i >= 0 else "" for i in idx]}
    else:
        out_fields = {"Density": format_values(vals, decimals + 1)}
    if "count" in gdf.columns:
        out_fields["Count"] = count_texts(gdf["count"], threshold)
    return MapLayer(
        name=name,
        kind="polygon",
        data=to_bng(gdf),
        fill=_colours_from_classes(idx, palette),
        legend=Legend(name, items, "; ".join(note)),
        fields=_escaped(out_fields),
        tooltip=2,
        stroke="#ffffff",
        weight=0,
        fill_opacity=0.7,
        show=show,
        disclosure=disclosure_note(
            protected, threshold, "Count" if "Count" in out_fields else None
        ),
    )


def _categorical(
    gdf: gpd.GeoDataFrame,
    column: str,
    colors: Mapping[str, str],
    name: str,
    note: str | None,
    show: bool,
    fields: dict[str, list[str]],
    drop: Sequence[str] = (),
) -> MapLayer:
    labels = gdf[column].astype("string")
    norm = labels.str.strip().str.lower().replace(_ALIASES)
    if drop:
        keep = ~norm.isin([d.lower() for d in drop]).fillna(False).to_numpy()
        gdf = gdf.loc[keep]
        labels = labels.loc[gdf.index]
        fields = {
            k: [v for v, ok in zip(vals, keep, strict=True) if ok] for k, vals in fields.items()
        }
        norm = norm.loc[gdf.index]
    lookup = {k.lower(): (k, c) for k, c in colors.items()}
    unknown = sorted({str(v) for v in norm.dropna() if str(v) not in lookup})
    extra = _palette("tab10", max(len(unknown), 1)) if unknown else []
    original = {str(n): str(o) for n, o in zip(norm, labels, strict=True) if pd.notna(n)}
    for lab, col in zip(unknown, extra, strict=False):
        lookup[lab] = (original[lab].strip(), col)
        logger.info("%s: category %r has no standard colour; using %s", name, lab, col)
    fill = [lookup[str(v)][1] if pd.notna(v) else NO_DATA_COLOR for v in norm]
    present = {str(v) for v in norm.dropna()}
    labels = pd.Series([lookup[str(v)][0] if pd.notna(v) else None for v in norm], dtype=object)
    items = [LegendItem(c, lab) for key, (lab, c) in lookup.items() if key in present]
    return MapLayer(
        name=name,
        kind="polygon",
        data=to_bng(gdf),
        fill=fill,
        legend=Legend(name, items, note),
        fields=_escaped({"Category": format_values(labels), **fields}),
        tooltip=2,
        stroke="#bbbbbb",
        weight=0.3,
        fill_opacity=0.75,
        show=show,
    )


def emerging_layer(
    result: gpd.GeoDataFrame,
    name: str = "Emerging hot spots",
    *,
    column: str = "category",
    show_no_pattern: bool = True,
    threshold: int = 5,
    show: bool = True,
    protected: bool = False,
) -> MapLayer:
    """Emerging hot spot categories (new, consecutive, intensifying, ... hot/cold spots).

    Known category names get fixed colours (reds for hot, blues for cold); other labels get
    a qualitative colour and are logged. Only categories present appear in the legend.
    The pop-up shows the zone's count over all periods, from ``total`` (the column
    :func:`workbench.hotspots.emerging` writes) or else ``count``, with counts 1 to
    ``threshold - 1`` withheld ("*"). ``protected=True`` (partnership data, or police data
    not shown in full): a zone whose count is withheld gets no category; it is drawn in
    :data:`WITHHELD_COLOR` ("Fewer than 5: category withheld"), whatever
    ``show_no_pattern`` says.
    """
    gdf = _require(result, [column], "result")
    fields: dict[str, list[str]] = {}
    colors = dict(EMERGING_COLORS)
    note = "Gi* per period with a Mann-Kendall trend of z"
    count_col = next((c for c in ("total", "count") if c in gdf.columns), None)
    if count_col:
        fields["Count (all periods)"] = count_texts(gdf[count_col], threshold)
    if protected and count_col:
        withheld = small_count_mask(gdf[count_col], threshold).to_numpy(dtype=bool)
        if withheld.any():
            label = f"Fewer than {threshold}: category withheld"
            colors[label] = WITHHELD_COLOR
            gdf = gdf.copy()
            gdf[column] = gdf[column].astype(object).where(~withheld, label)
        note += f"; protected data: grey zones hold 1 to {threshold - 1}"
    drop = [] if show_no_pattern else ["no pattern"]
    layer = _categorical(gdf, column, colors, name, note, show, fields, drop)
    layer.disclosure = disclosure_note(
        protected,
        threshold,
        "Count (all periods)" if count_col else None,
        ["Category"],
        fill_from_count=True,
    )
    return layer


def lisa_layer(
    result: gpd.GeoDataFrame,
    name: str = "Clusters (Local Moran)",
    *,
    column: str = "cluster",
    threshold: int = 5,
    show: bool = True,
) -> MapLayer:
    """Local Moran clusters: High-High, Low-Low, High-Low, Low-High, Not significant."""
    gdf = _require(result, [column], "result")
    fields: dict[str, list[str]] = {}
    if "count" in gdf.columns:
        fields["Count"] = count_texts(gdf["count"], threshold)
    if "p" in gdf.columns:
        fields["p (permutation)"] = format_values(gdf["p"], 3)
    return _categorical(gdf, column, LISA_COLORS, name, "Local Moran's I", show, fields)


# ----------------------------------------------------------------------------- choropleths
def _decimals_for(bounds: Sequence[float]) -> int:
    if not bounds:
        return 1
    span = max(abs(b) for b in bounds)
    if span >= 100:
        return 0
    if span >= 1:
        return 1
    return 3


def _label_fields(gdf: pd.DataFrame, label: str | None) -> dict[str, list[str]]:
    if label is None:
        for cand in ("lsoa_name", "ward_name", "name", "lsoa_code"):
            if cand in gdf.columns:
                label = cand
                break
    if label is None:
        return {}
    if label not in gdf.columns:
        raise WorkbenchError(f"label: column {label!r} is not in the data")
    title = {"lsoa_name": "LSOA", "ward_name": "Ward", "lsoa_code": "LSOA"}.get(label, "Name")
    return {title: format_values(gdf[label])}


def choropleth_layer(
    gdf: gpd.GeoDataFrame,
    column: str,
    name: str | None = None,
    *,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str | Sequence[str] = "YlOrRd",
    decimals: int | None = None,
    label: str | None = None,
    fields: Mapping[str, str] | Sequence[str] | None = None,
    show: bool = True,
    note: str | None = None,
    count: str | None = None,
    threshold: int = 5,
    suppress_small: bool = True,
    unit: str = "events",
    protected: bool = False,
    class_names: Sequence[str] | None = None,
) -> MapLayer:
    """Any numeric column classified with a mapclassify scheme, or with fixed ``bins``.

    Use the same ``bins`` for two periods to compare them on one scale. ``class_names``
    names the classes of fixed ``bins`` in the legend (``["1 layer", "2 layers"]`` for whole
    numbers, where "up to 1.0" / "1.0 to 2.0" would mislead); one name per bin. Missing values are
    grey ("No data"). Pop-ups show the area's name (``label``, default ``lsoa_name``/
    ``ward_name``/``name`` when present), the value and any extra ``fields``.

    When the value derives from a count (a rate, a share), name that column in ``count``.
    Areas whose count is 1 to ``threshold - 1`` then have their value withheld in the pop-up
    ("*", also for an extra field showing ``count`` or ``column``) and, with
    ``suppress_small=True`` (the default), are drawn in a neutral grey
    (:data:`SUPPRESSED_COLOR`, legend "Fewer than 5 events (not shown)") and left out of the
    class breaks, so neither their colour nor the legend's ranges bound the count.
    ``suppress_small=False`` colours them by class (and lets them shape the breaks) as the
    other areas; only do that where the partnership's rules allow it. Counts of 0 are shown.
    ``protected``: the layer is protected data (recorded for the run-level audit, which then
    checks that no value is shown beside a withheld count); pass a frame from
    :meth:`workbench.outputs.Outputs.masked` so that secondary suppression applies too.
    """
    gdf = _require(gdf, [column] + ([count] if count else []), "gdf")
    name = name or column
    if count:
        small = small_count_mask(gdf[count], threshold).to_numpy(dtype=bool)
    else:
        small = np.zeros(len(gdf), dtype=bool)
    not_drawn = small if suppress_small else np.zeros(len(gdf), dtype=bool)
    values = pd.to_numeric(gdf[column], errors="coerce").astype(float)
    # Suppressed areas are left out of the classification (their value becomes missing).
    idx, ubs, how = classify(
        values.where(~not_drawn), scheme=scheme, k=k, bins=bins, argument=column
    )
    palette = _palette(cmap, max(len(ubs), 1))
    dec = _decimals_for(ubs) if decimals is None else decimals
    labels = class_labels(ubs, dec)
    if class_names is not None:
        if bins is None or len(class_names) != len(ubs):
            raise WorkbenchError(
                f"class_names: one name per fixed bin ({len(ubs)} classes of "
                f"{'fixed bins' if bins is not None else 'a ' + scheme + ' scheme'}), "
                f"found {len(class_names)}"
            )
        labels, how = [str(n) for n in class_names], ""
    items = [LegendItem(c, lab) for c, lab in zip(palette, labels, strict=False)]
    if not_drawn.any():
        items.append(LegendItem(SUPPRESSED_COLOR, f"Fewer than {threshold} {unit} (not shown)"))
    if ((idx < 0) & ~not_drawn).any():
        items.append(LegendItem(NO_DATA_COLOR, "No data"))
    hidden = f"{SUPPRESSED} ({SUPPRESSED_NOTE.format(threshold=threshold)})"
    out_fields = _label_fields(gdf, label)
    out_fields[name] = [
        hidden if h else t for t, h in zip(format_values(gdf[column], dec), small, strict=True)
    ]
    out_fields.update(
        _extra_fields(
            gdf,
            fields,
            hide=small,
            hide_columns=[c for c in (count, column) if c],
            hidden_text=hidden,
        )
    )
    fill = [
        SUPPRESSED_COLOR if h else c
        for c, h in zip(_colours_from_classes(idx, palette), not_drawn, strict=True)
    ]
    if count and suppress_small and threshold > 1:
        note = "; ".join(b for b in (note, f"counts 1 to {threshold - 1} not shown") if b)
    pairs = fields.items() if isinstance(fields, Mapping) else [(c, c) for c in fields or ()]
    count_label = next((str(lab) for lab, col in pairs if count and col == count), None)
    disclosure = disclosure_note(
        protected, threshold, count_label, [name], fill_from_count=bool(count_label)
    )
    disclosure["withheld_fill"] = SUPPRESSED_COLOR
    return MapLayer(
        name=name,
        kind="polygon",
        data=to_bng(gdf),
        fill=fill,
        legend=Legend(name, items, "; ".join(b for b in (how, note) if b)),
        fields=_escaped(out_fields),
        tooltip=2,
        show=show,
        disclosure=disclosure,
    )


def rate_layer(
    gdf: gpd.GeoDataFrame,
    name: str = "Rate per 10,000",
    *,
    rate: str = "rate",
    count: str = "count",
    population: str = "population",
    lower: str = "lower",
    upper: str = "upper",
    per: int = 10_000,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str | Sequence[str] = "YlOrRd",
    threshold: int = 5,
    label: str | None = None,
    show: bool = True,
    suppress_small: bool = True,
    unit: str = "events",
) -> MapLayer:
    """A rate choropleth (columns of :func:`workbench.stats.rate`) with rate pop-ups.

    The pop-up gives the rate with its 95% interval, the count and the population; where the
    count is 1 to ``threshold - 1`` they are withheld ("*"). Those areas are also drawn in a
    neutral grey with the legend item "Fewer than 5 events (not shown)" and their rates are
    left out of the class breaks (``suppress_small=True``, the default; see
    :func:`choropleth_layer`), because a rate class together with the population shown
    bounds the count. ``suppress_small=False`` colours them by class (see
    docs/assumptions.md, M01).
    """
    gdf = _require(gdf, [rate, count, population], "gdf")
    layer = choropleth_layer(
        gdf,
        rate,
        name,
        scheme=scheme,
        k=k,
        bins=bins,
        cmap=cmap,
        decimals=1,
        label=label,
        show=show,
        # With suppress_small the choropleth adds "counts 1 to 4 not shown" itself.
        note=f"rate per {per:,} residents"
        + ("" if suppress_small else f"; counts 1 to {threshold - 1} withheld"),
        count=count,
        threshold=threshold,
        suppress_small=suppress_small,
        unit=unit,
    )
    texts = rate_texts(
        gdf,
        count=count,
        population=population,
        rate=rate,
        lower=lower,
        upper=upper,
        per=per,
        threshold=threshold,
    )
    fields = {k_: v for k_, v in layer.fields.items() if k_ != name}
    fields[name] = [escape(t) for t in texts]
    layer.fields = fields
    return layer


def imd_layer(
    lsoas: gpd.GeoDataFrame,
    name: str | None = None,
    *,
    column: str = "imd_decile",
    show: bool = True,
    label: str | None = None,
) -> MapLayer:
    """Deprivation deciles, 1 = most deprived 10% of LSOAs nationally (national deciles).

    Ten fixed classes (red = most deprived, blue = least), the same on every map. The layer
    and legend name the index of the LSOAs' ``deprivation_index`` column ("IoD 2025 decile",
    "WIMD 2019 decile"; "IMD 2019 decile" for frames without it) unless ``name`` is given.
    """
    from workbench.deprivation import index_label

    index = index_label(lsoas)
    if name is None:
        name = f"{index} decile"
    gdf = _require(lsoas, [column], "lsoas")
    dec = pd.to_numeric(gdf[column], errors="coerce")
    bad = dec.notna() & ~dec.isin(range(1, 11))
    if bad.any():
        raise WorkbenchError(
            f"lsoas: column {column!r} must hold deciles 1..10, "
            f"found {sorted(dec[bad].unique())[:5]}"
        )
    cm = colormaps["RdYlBu"]
    palette = [to_hex(cm(i / 9)) for i in range(10)]
    fill = [palette[int(d) - 1] if pd.notna(d) else NO_DATA_COLOR for d in dec]
    labels = [str(d) for d in range(1, 11)]
    labels[0] = "1 (most deprived 10%)"
    labels[-1] = "10 (least deprived 10%)"
    items = [LegendItem(c, lab) for c, lab in zip(palette, labels, strict=True)]
    if dec.isna().any():
        items.append(LegendItem(NO_DATA_COLOR, "No data"))
    out_fields = _label_fields(gdf, label)
    out_fields[f"{index} decile"] = [
        "" if pd.isna(d) else (f"{int(d)} (1 = most deprived)") for d in dec
    ]
    if "imd_rank" in gdf.columns:
        out_fields[f"{index} rank"] = format_values(gdf["imd_rank"], 0)
    return MapLayer(
        name=name,
        kind="polygon",
        data=to_bng(gdf),
        fill=fill,
        legend=Legend(name, items, f"national {index} deciles; 1 = most deprived"),
        fields=_escaped(out_fields),
        tooltip=2,
        show=show,
        fill_opacity=0.7,
    )


# ----------------------------------------------------------------------------- points, lines
def _fill_small_holes(geoms: gpd.GeoSeries, min_area: float) -> gpd.GeoSeries:
    """Polygons without interior rings smaller than ``min_area`` (square metres)."""

    def fix(poly: shapely.Polygon) -> shapely.Polygon:
        holes = [r for r in poly.interiors if shapely.Polygon(r).area >= min_area]
        return shapely.Polygon(poly.exterior, holes)

    def one(g: Any) -> Any:
        if g is None or g.is_empty:
            return g
        if g.geom_type == "Polygon":
            return fix(g)
        if g.geom_type == "MultiPolygon":
            return shapely.MultiPolygon([fix(p) for p in g.geoms])
        return g

    return gpd.GeoSeries([one(g) for g in geoms], index=geoms.index, crs=geoms.crs)


def points_layer(
    gdf: gpd.GeoDataFrame,
    name: str,
    *,
    label: str | None = None,
    fields: Mapping[str, str] | Sequence[str] | None = None,
    color: str = "#6a3d9a",
    radius: float = 5.0,
    cluster: bool | None = None,
    cluster_above: int = 200,
    show: bool = True,
    protected: bool | None = None,
    threshold: int = 5,
) -> MapLayer:
    """Points (services, needle finds, crimes) as plain circle markers (no icon fonts).

    ``cluster=None`` clusters them (Leaflet.markercluster) when there are more than
    ``cluster_above`` points. Non-point geometries are drawn at their representative point.

    Notes
    -----
    Conventions (``docs/disclosure.md``): each point of a table of events is a count of 1
    at a place, so a reader counts them by area and gets back the counts that the tables
    withhold (the sample's two withheld needle-find deciles were counted from the map).
    Points of protected data are therefore withheld: the layer is drawn empty, its legend
    says why, and its description tells the audit. ``protected=None`` decides from the
    data: records with a ``date`` or ``month`` (events: needle finds, crimes) are protected,
    places (services) are not; pass ``protected=False`` for open data shown in full.
    """
    gdf = _require(gdf, [], "gdf")
    gdf = to_bng(gdf)
    if protected is None:
        protected = any(c in gdf.columns for c in ("date", "month"))
    if protected:
        return MapLayer(
            name=name,
            kind="point",
            data=gdf.iloc[0:0],
            fill=[],
            legend=Legend(
                name,
                [
                    LegendItem(
                        WITHHELD_COLOR,
                        f"{name}: points withheld (protected data; see the counts by area)",
                        shape="circle",
                    )
                ],
            ),
            fields={},
            show=show,
            disclosure={**disclosure_note(True, threshold), "points": True},
        )
    if not gdf.geom_type.isin(["Point"]).all():
        gdf = gdf.set_geometry(gdf.geometry.representative_point())
    out_fields: dict[str, list[str]] = {}
    if label is not None:
        if label not in gdf.columns:
            raise WorkbenchError(f"label: column {label!r} is not in the data")
        out_fields[name] = format_values(gdf[label])
    out_fields.update(_extra_fields(gdf, fields))
    if cluster is None:
        cluster = len(gdf) > cluster_above
    return MapLayer(
        name=name,
        kind="point",
        data=gdf,
        fill=[color] * len(gdf),
        legend=Legend(name, [LegendItem(color, f"{len(gdf):,} points", shape="circle")]),
        fields=_escaped(out_fields),
        tooltip=2,
        stroke="#ffffff",
        weight=1,
        fill_opacity=0.85,
        radius=radius,
        show=show,
        cluster=bool(cluster),
    )


def outline_layer(
    gdf: gpd.GeoDataFrame,
    name: str,
    *,
    label: str | None = None,
    color: str = "#333333",
    weight: float = 1.5,
    show: bool = True,
    fill_holes_m2: float = 10_000.0,
) -> MapLayer:
    """Boundaries drawn as lines only (study area, wards, LSOAs), with an optional name tooltip.

    An area made by dissolving generalised LSOA polygons often keeps sliver gaps between
    neighbours as tiny interior rings; for display, holes smaller than ``fill_holes_m2``
    (default 1 ha) are filled (0 keeps every hole). The data passed in are not changed.
    """
    gdf = to_bng(_require(gdf, [], "gdf"))
    fields: dict[str, list[str]] = {}
    if label is not None:
        if label not in gdf.columns:
            raise WorkbenchError(f"label: column {label!r} is not in the data")
        fields[name] = format_values(gdf[label])
    if fill_holes_m2 > 0:
        gdf = gdf.set_geometry(_fill_small_holes(gdf.geometry, fill_holes_m2))
    return MapLayer(
        name=name,
        kind="outline",
        data=gdf,
        legend=Legend(name, [LegendItem(color, "boundary", shape="line")]),
        fields=_escaped(fields),
        tooltip=1,
        stroke=color,
        weight=weight,
        fill_opacity=0.0,
        show=show,
    )
