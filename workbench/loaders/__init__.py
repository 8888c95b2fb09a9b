"""Loaders: read what analysts download, validate it, and account for every row."""

from workbench.loaders.area import StudyArea, assign_area, read_lsoa_2011_2021_lookup
from workbench.loaders.boundaries import read_boundaries
from workbench.loaders.imd import read_imd
from workbench.loaders.lookups import read_lsoa_lad_lookup
from workbench.loaders.police import parse_months, read_stop_search, read_street
from workbench.loaders.population import read_population
from workbench.loaders.tables import TEMPLATES, read_table

__all__ = [
    "StudyArea",
    "TEMPLATES",
    "assign_area",
    "parse_months",
    "read_boundaries",
    "read_imd",
    "read_lsoa_2011_2021_lookup",
    "read_lsoa_lad_lookup",
    "read_population",
    "read_stop_search",
    "read_street",
    "read_table",
]
