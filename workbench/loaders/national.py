"""The national comparison tables of a study's ``[indicators]``, read into one object.

A loader (files -> :class:`NationalTables`, every row counted in the ledger by
:mod:`workbench.loaders.areas`); the indicators computed from them live in
:mod:`workbench.indicators.national`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.ledger import Ledger
from workbench.loaders.areas import (
    assign_regions,
    read_area_names,
    read_area_wide,
    read_fingertips,
    read_force_table,
    read_merged_members,
    read_region_lists,
)

__all__ = ["LA_TABLES", "NationalTables", "load_national"]

logger = logging.getLogger(__name__)

#: Wide LA tables read by :func:`load_national` ([indicators] key -> kind).
LA_TABLES = (
    "deaths_misuse",
    "deaths_poisoning",
    "admissions_poisoning",
    "admissions_mbd_primary",
    "admissions_mbd_any",
)


@dataclass
class NationalTables:
    """The national tables of a study, each in long form (:mod:`workbench.loaders.areas`).

    Attributes
    ----------
    tables : dict
        ``[indicators]`` key -> long DataFrame (``period``, ``area_name``, ``area_code``,
        ``match``, ``value``) for the wide LA tables, population, England population and IMD.
    seizures : DataFrame or None
        Force table (``period``, ``force``, measure columns).
    force_population : DataFrame or None
        Long force population (``period``, ``area_name`` = force, ``value``).
    names : DataFrame or None
        Code/name lookup used for matching.
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    seizures: pd.DataFrame | None = None
    force_population: pd.DataFrame | None = None
    names: pd.DataFrame | None = None
    long: list[pd.DataFrame] = field(default_factory=list)
    regions: pd.DataFrame | None = None
    members: dict[str, list[str]] = field(default_factory=dict)

    def matches(self) -> pd.DataFrame:
        """How every area name of every LA table was matched to a code (one row per name)."""
        frames = [
            df[["area_name", "area_code", "match"]].drop_duplicates("area_name").assign(table=k)
            for k, df in self.tables.items()
            if "match" in df
        ]
        if not frames:
            return pd.DataFrame(columns=["table", "area_name", "area_code", "match"])
        out = pd.concat(frames, ignore_index=True)
        return out[["table", "area_name", "area_code", "match"]]


def load_national(indicators: dict[str, Any], ledger: Ledger) -> NationalTables:
    """Read the national tables named in ``[indicators]`` (the study config's ``indicators``).

    Missing keys are skipped (their indicators are then not computed).
    """
    names = (
        read_area_names(indicators["area_names"], ledger) if indicators.get("area_names") else None
    )
    out = NationalTables(names=names)
    for key in (*LA_TABLES, "population", "imd_average"):
        if indicators.get(key):
            out.tables[key] = read_area_wide(indicators[key], ledger, kind=key, names=names)
    if indicators.get("england_population"):
        out.tables["england_population"] = read_area_wide(
            indicators["england_population"], ledger, kind="england_population"
        )
    if indicators.get("force_population"):
        out.force_population = read_area_wide(
            indicators["force_population"], ledger, kind="force_population"
        )
    if indicators.get("area_regions") and "population" in out.tables:
        lists = read_region_lists(indicators["area_regions"], ledger)
        out.regions = assign_regions(out.tables["population"]["area_name"].unique(), lists)
        out.members = read_merged_members(indicators["area_regions"])
        missing = out.regions.loc[out.regions["region"].isna(), "area_name"].tolist()
        if missing:
            logger.warning("No region found for %d area(s): %s", len(missing), missing)
    for path in indicators.get("fingertips") or []:
        out.long.append(read_fingertips(path, ledger))
    if indicators.get("seizures"):
        forces = (
            out.force_population["area_name"].unique().tolist()
            if out.force_population is not None
            else []
        )
        out.seizures = read_force_table(
            indicators["seizures"], ledger, kind="seizures", forces=forces
        )
    return out
