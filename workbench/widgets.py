"""ipywidgets control panels for the themed notebooks (maps and tables that update in place).

Notebooks hold no function definitions: every callback lives here. Each panel computes its
initial state when it is built, so it also runs (and shows that state as text/HTML outputs)
under papermill and nbval, where no widget front end exists.
"""

from __future__ import annotations

import html
import logging
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import ipywidgets as w
import numpy as np
import pandas as pd
import shapely
from IPython.display import HTML, display

from workbench.errors import WorkbenchError
from workbench.hotspots.results import GiStar, Result, Surface

__all__ = [
    "ChoroplethExplorer",
    "HotspotExplorer",
    "YOUNG_PEOPLE_MEASURES",
    "map_frame",
    "young_people_explorer",
]

logger = logging.getLogger(__name__)

#: Source line of police.uk data on maps.
SOURCE_POLICE = "Police recorded crime, data.police.uk"

METHODS = {
    "KDE (quartic)": "kde",
    "Gi* on grid": "gistar_grid",
    "Gi* on LSOAs": "gistar_lsoa",
}


def map_frame(m: Any, height: int = 600) -> HTML:
    """A folium map as an offline ``<iframe srcdoc>`` (Leaflet inlined, no external host).

    The map is saved with :func:`workbench.maps.save_map` (``offline=True``) to a temporary
    file and embedded, so notebooks, their HTML exports and JupyterLab without internet all
    show it.
    """
    from workbench.maps import save_map

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "map.html"
        save_map(m, path, offline=True)
        doc = path.read_text(encoding="utf-8")
    style = f"width:100%;height:{int(height)}px;border:1px solid #ccc"
    return HTML(
        f'<div class="wb-map"><iframe srcdoc="{html.escape(doc, quote=True)}" style="{style}" '
        "></iframe></div>"
    )


def _show(out: w.Output, obj: Any) -> None:
    """Replace the content of an Output widget with ``obj``.

    The widget's ``outputs`` are set directly (not through ``with out: display(...)``), which
    does not depend on a front end capturing messages: it works the same in JupyterLab,
    under papermill/nbval and from callbacks.
    """
    out.outputs = ()
    out.append_display_data(obj)


def _months(crimes: pd.DataFrame) -> list[pd.Period]:
    return sorted(pd.PeriodIndex(crimes["month"].dropna().unique(), freq="M"))


#: A grid surface of more cells than this is drawn as one image (with a click lookup), not as
#: one polygon a cell: at 50 m cells the sample's grid has about 30,000 cells, whose GeoJSON
#: took most of each update (benchmarks/bench_widgets.py).
RASTER_CELLS = 5_000


class HotspotExplorer:
    """Period, crime type, method, bandwidth, cell size and layer controls over a hotspot map.

    Parameters
    ----------
    study : workbench.study.Study
        Gives ``crimes``, ``lsoas`` and ``area`` (EPSG:27700).
    crime_types : sequence of str, optional
        Crime types offered (default: every type present, the most frequent first).
    crime_type : str, optional
        Initial crime type (default: the first offered).
    method : {"kde", "gistar_grid", "gistar_lsoa"}, default "kde"
        Initial method.
    cell_size, bandwidth : float, optional
        Initial grid cell size and KDE bandwidth in metres (defaults: the hotspot module's
        rules, about 50 cells across the shorter side and the normal-reference bandwidth).
    alpha : float, default 0.05
        Gi* significance level (Benjamini-Hochberg FDR).
    top : int, default 10
        Rows in the "top places" table.

    Notes
    -----
    Each change recomputes only the selected method on the filtered points and replaces the
    map and the table in place. Once per cell size the grid, the cell of every record, the
    per-month counts per cell of each crime type and the grid's queen weights are computed
    and kept (:meth:`cell_counts`, :meth:`grid_weights`), so that a change of period or crime
    type only sums months; the KDE takes the binned FFT path (``kde(method="fft")``, its
    error bound in the result). The points layer draws each snapped police.uk location once
    (clustered), not every record. ``benchmarks/bench_widgets.py`` prints the time per
    setting. Counts in the table are suppressed with the study's threshold.
    """

    def __init__(
        self,
        study: Any,
        crime_types: Sequence[str] | None = None,
        *,
        crime_type: str | None = None,
        method: str = "kde",
        cell_size: float | None = None,
        bandwidth: float | None = None,
        alpha: float = 0.05,
        top: int = 10,
        height: int = 460,
    ) -> None:
        from workbench.hotspots import default_bandwidth, default_cell_size

        self.study = study
        crimes = study.crimes
        present = crimes["crime_type"].value_counts()
        offered = [t for t in (crime_types or list(present.index)) if t in present.index]
        if not offered:
            raise WorkbenchError(
                f"HotspotExplorer: none of the crime types {list(crime_types or [])} is in "
                f"the study's crimes (present: {list(present.index)})"
            )
        if method not in METHODS.values():
            raise WorkbenchError(
                f"method must be one of {', '.join(METHODS.values())}, received {method!r}"
            )
        self.alpha = alpha
        self.top = top
        self.height = height
        self.threshold = int(study.config.suppression_threshold)
        months = _months(crimes)
        bounds = tuple(study.area.total_bounds)
        first = crimes[crimes["crime_type"] == (crime_type or offered[0])]
        cs = int(cell_size or default_cell_size(bounds))
        bw = int(round(bandwidth or default_bandwidth(first) if len(first) > 1 else 500))
        style = {"description_width": "initial"}
        self.period = w.SelectionRangeSlider(
            options=[(str(m), m) for m in months],
            index=(0, len(months) - 1),
            description="Period",
            layout=w.Layout(width="480px"),
            continuous_update=False,
            style=style,
        )
        self.crime_type = w.Dropdown(
            options=offered, value=crime_type or offered[0], description="Crime type", style=style
        )
        self.method = w.ToggleButtons(
            options=list(METHODS.items()), value=method, description="Method", style=style
        )
        self.bandwidth = w.IntSlider(
            value=bw,
            min=50,
            max=max(3000, bw),
            step=50,
            description="Bandwidth (m)",
            continuous_update=False,
            style=style,
        )
        self.cell_size = w.IntSlider(
            value=cs,
            min=50,
            max=max(1000, cs),
            step=25,
            description="Cell size (m)",
            continuous_update=False,
            style=style,
        )
        self.layer = w.Dropdown(
            options=[
                ("Hot spots only", "hotspots"),
                ("Hot spots + crime points", "points"),
                ("Hot spots + deprivation deciles", "imd"),
            ],
            value="hotspots",
            description="Layers",
            style=style,
        )
        self.status = w.HTML()
        self.map_out = w.Output()
        self.table_out = w.Output()
        self.result: gpd.GeoDataFrame | None = None
        self.table: pd.DataFrame | None = None
        self._months = months
        self._grids: dict[int, dict[str, Any]] = {}
        for control in self.controls:
            control.observe(self._changed, names="value")
        self.update()

    @property
    def controls(self) -> list[w.Widget]:
        """The control widgets, in display order."""
        return [
            self.period,
            self.crime_type,
            self.method,
            self.bandwidth,
            self.cell_size,
            self.layer,
        ]

    def points(self) -> gpd.GeoDataFrame:
        """The crimes of the selected type and period."""
        crimes = self.study.crimes
        start, end = self.period.value
        keep = (
            (crimes["crime_type"] == self.crime_type.value)
            & (crimes["month"] >= start)
            & (crimes["month"] <= end)
        )
        return crimes.loc[keep]

    def _grid(self, cell_size: int) -> dict[str, Any]:
        """The grid of one cell size and the cell of every record (-1: outside), kept."""
        from workbench.hotspots import grid
        from workbench.hotspots._checks import as_points
        from workbench.hotspots.grids import _zone_index

        if cell_size not in self._grids:
            cells = grid(self.study.area, cell_size=cell_size)
            crimes = self.study.crimes
            where = _zone_index(as_points(crimes), cells.frame)
            if len(where) != len(crimes):  # rows without geometry were dropped: none expected
                raise WorkbenchError("HotspotExplorer: crimes without a location")
            self._grids[cell_size] = {"cells": cells, "where": where, "counts": {}}
        return self._grids[cell_size]

    def cell_counts(self, cell_size: int, crime_type: str) -> np.ndarray:
        """Records per month (rows, in :attr:`period`'s order) and cell (columns) of one crime
        type on the grid of ``cell_size``; computed once per cell size and type."""
        g = self._grid(cell_size)
        if crime_type not in g["counts"]:
            crimes = self.study.crimes
            where = g["where"]
            month = pd.PeriodIndex(crimes["month"], freq="M")
            pos = pd.Index(self._months).get_indexer(month)
            keep = (crimes["crime_type"].to_numpy() == crime_type) & (where >= 0) & (pos >= 0)
            n = len(g["cells"].frame)
            flat = np.bincount(
                pos[keep] * n + where[keep], minlength=len(self._months) * n
            ).reshape(len(self._months), n)
            g["counts"][crime_type] = flat
        return g["counts"][crime_type]

    def grid_weights(self, cell_size: int) -> Any:
        """Queen contiguity weights of the grid of ``cell_size`` (a libpysal Graph), kept."""
        from workbench.hotspots.weights import build_weights

        g = self._grid(cell_size)
        if "weights" not in g:
            g["weights"] = build_weights(g["cells"].frame, "queen")
        return g["weights"]

    def _counted(self) -> Any:
        """The grid (a :class:`~workbench.hotspots.Grid`) with ``count``: the selected
        type's records in the selected months."""
        cs = int(self.cell_size.value)
        start, end = self.period.value
        i0, i1 = self._months.index(start), self._months.index(end)
        counts = self.cell_counts(cs, self.crime_type.value)[i0 : i1 + 1].sum(axis=0)
        cells = self._grid(cs)["cells"]
        frame = cells.frame.copy()
        frame["count"] = counts.astype(np.int64)
        return cells.with_frame(frame)

    def compute(self) -> tuple[Surface | GiStar, pd.DataFrame]:
        """Run the selected method; return the surface and the (unsuppressed) top places."""
        from workbench.hotspots import gistar, kde

        pts = self.points()
        if len(pts) == 0:
            raise WorkbenchError(
                f"no {self.crime_type.value} offences in {self.period.value[0]} to "
                f"{self.period.value[1]}"
            )
        method = self.method.value
        if method == "kde":
            cells = self._counted()
            surface = kde(pts, bandwidth=self.bandwidth.value, zones=cells, method="fft")
            table = surface.nlargest(self.top, "density")[["count", "density"]]
        elif method == "gistar_grid":
            cells = self._counted()
            weights = self.grid_weights(int(self.cell_size.value))
            surface = gistar(cells, "count", weights=weights, alpha=self.alpha)
            table = surface.sort_values("z", ascending=False).head(self.top)
            table = table[["count", "z", "p", "bin"]]
        else:
            from workbench.deprivation import count_by_lsoa

            lsoas = self.study.lsoas
            # by the rows' stored lsoa_code (the one attribution rule), not by point again
            zones = count_by_lsoa(pts, lsoas[["lsoa_code", "lsoa_name", "population", "geometry"]])
            # The sample's generalised LSOA polygons share no vertices, so contiguity finds no
            # neighbours; k nearest neighbours (k=8) is used for LSOAs and stated.
            surface = gistar(zones, "count", weights="knn", k=8, alpha=self.alpha)
            table = surface.sort_values("z", ascending=False).head(self.top)
            table = table[["lsoa_code", "lsoa_name", "count", "population", "z", "p", "bin"]]
        table = pd.DataFrame(table).reset_index(drop=True)
        table.index = table.index + 1
        return surface, table

    def build_map(self, surface: gpd.GeoDataFrame) -> Any:
        """A :class:`workbench.maps.MapBuilder` of ``surface`` with the selected layers."""
        from workbench.maps import MapBuilder

        start, end = self.period.value
        mb = MapBuilder(
            f"{self.crime_type.value}: {self.method.label}",
            f"{start} to {end}",
            sources=[SOURCE_POLICE],
            attributions=self.study.map_attributions,
            raster_cells=RASTER_CELLS,
        )
        if self.layer.value == "imd":
            mb.add_imd(self.study.lsoas)
        # z, p, densities and the classes of withheld counts are withheld unless police.uk
        # counts are shown in full (docs/disclosure.md)
        protected = not getattr(self.study.config, "open_data_in_full", False)
        if self.method.value == "kde":
            mb.add_kde(surface, threshold=self.threshold, protected=protected)
        else:
            mb.add_gistar(surface, threshold=self.threshold, protected=protected)
        if self.layer.value == "points":
            # one marker per snapped location (police.uk publishes records at snap points,
            # many records a point), clustered: the map stays small at any period; protected
            # as the records are (the locations carry no month, so say it explicitly)
            pts = self.points()
            xy = shapely.get_coordinates(pts.geometry.to_numpy())
            spots = np.unique(xy, axis=0)
            where = gpd.GeoDataFrame(
                geometry=gpd.points_from_xy(spots[:, 0], spots[:, 1]), crs=pts.crs
            )
            mb.add_points(
                where,
                f"{self.crime_type.value}: {len(pts):,} records at {len(where):,} snap points",
                cluster=True,
                protected=protected,
            )
        mb.add_outline(self.study.area, "Study area")
        return mb

    def update(self) -> None:
        """Recompute and redraw the map and the table in place."""
        from workbench.disclosure import Count, Derived, Policy, TableSpec

        t0 = time.perf_counter()
        try:
            surface, table = self.compute()
        except WorkbenchError as exc:
            self.status.value = f"<b>Nothing to show:</b> {html.escape(str(exc))}"
            return
        self.result, self.table = surface, table
        # the top places: cell or LSOA counts; density, z, p and class are computed from them
        spec = TableSpec(
            counts={"count": Count()},
            derived={
                c: Derived(("count",)) for c in ("density", "z", "p", "bin") if c in table.columns
            },
            safe=tuple(c for c in ("population",) if c in table.columns),
        )
        shown = Policy(self.threshold).shown(table, spec)
        m = self.build_map(surface)
        _show(self.map_out, map_frame(m, self.height))
        _show(self.table_out, shown)
        bits = [f"{len(self.points()):,} offences"]
        cell = surface.cell_size if isinstance(surface, Result) else None
        if cell:
            bits.append(f"cell {cell:g} m")
        if self.method.value == "kde" and isinstance(surface, Surface):
            bits.append(f"bandwidth {surface.bandwidth:g} m (quartic kernel)")
            if surface.bandwidth < (cell or 0):
                bits.append("<b>warning: bandwidth smaller than a cell</b>")
        if self.method.value != "kde":
            nb = "queen contiguity" if self.method.value == "gistar_grid" else "8 nearest"
            hot, cold = (
                (surface.n_hot, surface.n_cold) if isinstance(surface, GiStar) else ("?", "?")
            )
            bits.append(
                f"Gi* binary weights ({nb}) incl. self, two-sided p, BH FDR at {self.alpha:g}; "
                f"{hot} hot, {cold} cold"
            )
        bits.append(f"updated in {time.perf_counter() - t0:.1f} s")
        self.status.value = (
            html.escape(" · ".join(bits)).replace("&lt;b&gt;", "<b>").replace("&lt;/b&gt;", "</b>")
        )

    def _changed(self, _change: Mapping[str, Any]) -> None:
        self.update()

    def widget(self) -> w.Widget:
        """The whole panel: controls, status, map and table."""
        return w.VBox(
            [
                w.HBox([self.period, self.crime_type]),
                self.method,
                w.HBox([self.bandwidth, self.cell_size, self.layer]),
                self.status,
                self.map_out,
                self.table_out,
            ]
        )

    def _ipython_display_(self) -> None:
        display(self.widget())


class ChoroplethExplorer:
    """A measure chooser over a polygon layer: the map and a ranked table update in place.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygons (wards, LSOAs) with the measures as columns.
    measures : mapping
        Label shown in the dropdown -> column to map.
    label : str
        Column naming each polygon (e.g. ``ward_name``).
    table_columns : mapping, optional
        Label -> list of columns shown in the table for that measure (default: label and the
        measure column).
    count_columns : sequence of str
        Columns of the table holding counts (suppressed with ``threshold``).
    derived : mapping, optional
        Derived column -> count column(s) it comes from (hidden when one of them is).
    spec : TableSpec, optional
        The disclosure description of ``gdf``'s columns (the ``spec`` of the analysis
        result it was built from); replaces ``count_columns`` and ``derived``.
        Suppression is decided on every column of ``gdf`` before the table's columns are
        chosen, so a share whose numerator is hidden is hidden even when the numerator is
        not one of the columns shown.
    threshold : int, default 5
        Suppression threshold.
    title : str
        Map title.
    period : str
        Period shown on the map.
    sources : sequence of str
        Data sources shown on the map.
    attributions : sequence of str, optional
        Licence attributions shown on the map, normally ``study.map_attributions`` (it
        carries the boundary copyright year). Default: ``MapBuilder``'s (no year).
    synthetic : bool, default False
        Label the map and table SYNTHETIC.
    extra : callable, optional
        ``extra(builder)`` adding fixed layers (e.g. services) to every map.
    """

    def __init__(
        self,
        gdf: gpd.GeoDataFrame,
        measures: Mapping[str, str],
        label: str,
        *,
        table_columns: Mapping[str, Sequence[str]] | None = None,
        count_columns: Sequence[str] = (),
        derived: Mapping[str, str | Sequence[str]] | None = None,
        spec: Any = None,
        threshold: int = 5,
        title: str = "",
        period: str = "",
        sources: Sequence[str] = (),
        attributions: Sequence[str] | None = None,
        synthetic: bool = False,
        extra: Callable[[Any], None] | None = None,
        height: int = 420,
    ) -> None:
        missing = [c for c in [label, *measures.values()] if c not in gdf.columns]
        if missing:
            raise WorkbenchError(
                f"ChoroplethExplorer: columns {missing} are not in the data "
                f"(columns: {list(gdf.columns)})"
            )
        self.gdf = gdf
        self.measures = dict(measures)
        self.label = label
        self.table_columns = dict(table_columns or {})
        from workbench.disclosure import Count, Derived, Policy, TableSpec

        if spec is None:
            spec = TableSpec(
                counts={c: Count() for c in count_columns},
                derived={
                    k: Derived((v,) if isinstance(v, str) else tuple(v))
                    for k, v in dict(derived or {}).items()
                },
            )
        self.spec: TableSpec = spec.restricted(
            [c for c in gdf.columns if c in spec.described], strict=False
        )
        self.count_columns = list(self.spec.counts)
        self.derived = {k: d.counts[0] for k, d in self.spec.derived.items()}
        self.threshold = threshold
        #: Cells withheld (True), decided on the whole data before columns are chosen.
        self.hidden = Policy(threshold).mask(pd.DataFrame(gdf), self.spec)
        self.title = title
        self.period_text = period
        self.sources = list(sources)
        self.attributions = None if attributions is None else list(attributions)
        self.synthetic = synthetic
        self.extra = extra
        self.height = height
        self.measure = w.Dropdown(
            options=list(self.measures), description="Measure", layout=w.Layout(width="420px")
        )
        self.order = w.ToggleButtons(options=["Highest first", "Lowest first"])
        self.map_out = w.Output()
        self.table_out = w.Output()
        self.measure.observe(self._changed, names="value")
        self.order.observe(self._changed, names="value")
        self.update()

    def table(self) -> pd.DataFrame:
        """The ranked table of the selected measure (suppressed)."""
        from workbench.disclosure import apply_mask

        col = self.measures[self.measure.value]
        cols = list(self.table_columns.get(self.measure.value, [self.label, col]))
        shown = apply_mask(pd.DataFrame(self.gdf[cols]), self.hidden)
        order = pd.to_numeric(self.gdf[col], errors="coerce").where(~self.hidden[col])
        ranked = shown.loc[
            order.sort_values(
                ascending=self.order.value == "Lowest first", na_position="last"
            ).index
        ]
        ranked = ranked.reset_index(drop=True)
        ranked.index = ranked.index + 1
        if self.synthetic:
            ranked.insert(0, "data", "SYNTHETIC")
        return ranked

    def build_map(self) -> Any:
        """A :class:`workbench.maps.MapBuilder` of the selected measure."""
        from workbench.maps import MapBuilder

        col = self.measures[self.measure.value]
        title = f"{'SYNTHETIC - ' if self.synthetic else ''}{self.title}: {self.measure.value}"
        mb = MapBuilder(
            title, self.period_text, sources=self.sources, attributions=self.attributions
        )
        kw: dict[str, Any] = {}
        if col in self.derived and self.derived[col] in self.count_columns:
            # the map layer withholds small counts itself: those areas are drawn as
            # "Fewer than <threshold> events (not shown)", not as missing data
            kw = {"count": self.derived[col], "threshold": self.threshold}
        data = self.gdf.copy()
        data[col] = pd.to_numeric(data[col], errors="coerce").where(~self.hidden[col].to_numpy())
        mb.add_choropleth(data, col, self.measure.value, label=self.label, **kw)
        if self.extra is not None:
            self.extra(mb)
        return mb

    def update(self) -> None:
        """Redraw the map and the table in place."""
        m = self.build_map()
        _show(self.map_out, map_frame(m, self.height))
        _show(self.table_out, self.table())

    def _changed(self, _change: Mapping[str, Any]) -> None:
        self.update()

    def widget(self) -> w.Widget:
        """The panel: measure and order controls, map and table."""
        return w.VBox([w.HBox([self.measure, self.order]), self.map_out, self.table_out])

    def _ipython_display_(self) -> None:
        display(self.widget())


#: The measures of the young people's ward explorer: label -> (column, table columns).
YOUNG_PEOPLE_MEASURES = {
    "Cohort per 10,000 aged 10-17": (
        "cohort_rate",
        ["ward_name", "cohort", "population_10_17", "cohort_rate"],
    ),
    "Tier 2 reach (share of cohort)": ("tier2_share", ["ward_name", "cohort", "tier2_share"]),
    "Tier 3 started within 10 days (share)": (
        "tier3_10d_share",
        ["ward_name", "cohort", "tier3_10d_share"],
    ),
}


def young_people_explorer(
    ward_map_data: gpd.GeoDataFrame,
    spec: Any,
    *,
    threshold: int,
    period: str,
    attributions: Sequence[str],
    synthetic: bool,
) -> ChoroplethExplorer:
    """A :class:`ChoroplethExplorer` of the young people's ward measures
    (:data:`YOUNG_PEOPLE_MEASURES`) on :func:`workbench.need.young_people_ward_map`'s frame,
    withholding what ``spec`` (the published ``access_by_ward`` table's) says."""
    return ChoroplethExplorer(
        ward_map_data,
        {label: column for label, (column, _) in YOUNG_PEOPLE_MEASURES.items()},
        label="ward_name",
        table_columns={label: list(cols) for label, (_, cols) in YOUNG_PEOPLE_MEASURES.items()},
        spec=spec,
        threshold=threshold,
        title="Young people",
        period=period,
        attributions=attributions,
        synthetic=synthetic,
    )
