"""Hotspot engine: grids, counts, KDE, Gi*, LISA, change, emerging hot spots, evaluation."""

from workbench.hotspots.change import change
from workbench.hotspots.emerging import CATEGORIES, emerging, emerging_categories
from workbench.hotspots.evaluate import compare_methods, concentration, pai, rri
from workbench.hotspots.gistar import gi_bins, gistar
from workbench.hotspots.grids import count, default_cell_size, grid
from workbench.hotspots.kde import default_bandwidth, dual_kde, kde
from workbench.hotspots.lisa import LISA_LABELS, lisa
from workbench.hotspots.results import (
    Change,
    Counts,
    DualSurface,
    Emerging,
    GiStar,
    Grid,
    GridSpec,
    Lisa,
    Surface,
)
from workbench.hotspots.summaries import (
    LSOA_ZONE_COLUMNS,
    change_summary,
    composite,
    emerging_summary,
    lisa_summary,
    lsoa_zones,
    rank_areas,
    rank_note,
    rate_zones,
    top_zones,
)
from workbench.hotspots.weights import build_weights

__all__ = [
    "CATEGORIES",
    "LISA_LABELS",
    "Change",
    "Counts",
    "DualSurface",
    "Emerging",
    "GiStar",
    "Grid",
    "GridSpec",
    "Lisa",
    "Surface",
    "change_summary",
    "lisa_summary",
    "lsoa_zones",
    "rate_zones",
    "rank_note",
    "LSOA_ZONE_COLUMNS",
    "build_weights",
    "change",
    "compare_methods",
    "composite",
    "concentration",
    "count",
    "default_bandwidth",
    "default_cell_size",
    "dual_kde",
    "emerging",
    "emerging_categories",
    "emerging_summary",
    "gi_bins",
    "gistar",
    "grid",
    "kde",
    "lisa",
    "pai",
    "rank_areas",
    "rri",
    "top_zones",
]
