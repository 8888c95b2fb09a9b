"""The Study: every table of a study, loaded once from the files named in area.toml."""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from workbench.config import StudyConfig, load_config
from workbench.coverage import Coverage
from workbench.errors import ConfigError, DataError
from workbench.geo import BNG, dissolve_clean, locate_points
from workbench.ledger import REASONS, FileLedger, Ledger
from workbench.licences import OGL, os_attribution
from workbench.loaders._io import display_name
from workbench.loaders.area import StudyArea, read_lsoa_2011_2021_lookup
from workbench.loaders.attribution import Attribution, attribute_points, paths_by_month
from workbench.loaders.boundaries import read_boundaries
from workbench.loaders.imd import DeprivationIndex, read_deprivation, read_imd
from workbench.loaders.lookups import (
    index_on_boundaries,
    read_lsoa_lad_lookup,
    read_partnership_lookup,
    read_ward_lookup,
)
from workbench.loaders.national import load_national
from workbench.loaders.police import read_stop_search, read_street
from workbench.loaders.population import read_population
from workbench.loaders.tables import TEMPLATES, read_table

__all__ = ["Study"]

logger = logging.getLogger(__name__)

#: Attributes loaded by :meth:`Study.load_all` (and so by ``workbench validate``).
ATTRIBUTES = (
    "lsoas",
    "area",
    "wards",
    "districts",
    "crimes",
    "searches",
    *TEMPLATES,
    "ndtms_viewit",
    "ndtms_viewit_england",
    "national",
)


class Study:
    """Everything a notebook needs about one study, each table loaded once (cached).

    Build it with :meth:`from_toml`. Each attribute reads its file(s) the first time it is
    used, checks them, and records a :class:`~workbench.ledger.FileLedger` per file in
    :attr:`ledger` (rows read = kept + dropped by reason).

    Attributes
    ----------
    config : StudyConfig
    ledger : Ledger
    map_attributions : list of str
        Licence attributions for maps, with the boundary copyright year from the config.
    lsoas : GeoDataFrame (EPSG:27700)
        The study area's LSOAs: lsoa_code, lsoa_name, lad_code, lad_name, imd_score, imd_rank,
        imd_decile (national, 1 = most deprived), imd_quintile (national, 1 = most deprived,
        = ceil(decile / 2)), domain ranks/deciles/scores as the IMD files have them,
        population, band columns ``pop_*``, area_km2.
    area : GeoDataFrame
        One row: name, geometry (union of the study LSOAs, sliver holes removed).
    crimes : GeoDataFrame
        police.uk street crime in the study area and period (see
        :func:`workbench.loaders.police.read_street`), with the attribution rule's columns
        ``lsoa_code``, ``ward_code``, ``district_code``, ``imd_decile``
        (:mod:`workbench.loaders.attribution`). The same frame whichever ``[study] engine``
        reads the files (docs/scale.md).
    crime_counts : workbench.engines.StreetAggregates
        LSOA × month × crime type counts, ledger and coverage from the configured engine.
    coverage : Coverage
        Months of the study period each force's police files hold (``observed``,
        ``missing``); :meth:`check_coverage` refuses a period running past the data.
    attributions : dict of str to Attribution
        How the attribution rule placed each point layer (rows by code, by point, disagreeing).
    searches : GeoDataFrame or None
        Stop and search in the study area and period, or None when no file is configured.
    wards, districts : GeoDataFrame or None
    treatment_demographics, treatment_by_lsoa, prevalence, waiting_times, young_people : DataFrame
    services, needle_finds : GeoDataFrame
        Partnership tables (docs/templates.md), or None when the config names no file.

    Notes
    -----
    The study area is the set of LSOAs whose local authority district code (from the IMD file,
    else the ``lsoa_lookup`` file, else the ``districts`` polygons by location) is in
    ``config.area_codes``.

    Examples
    --------
    >>> study = Study.from_toml("data/sample/area.toml")  # doctest: +SKIP
    >>> study.crimes.crime_type.value_counts()  # doctest: +SKIP
    >>> study.ledger  # doctest: +SKIP
    """

    def __init__(self, config: StudyConfig) -> None:
        self.config = config
        self.ledger = Ledger()
        #: How the attribution rule placed each point layer loaded so far (by layer name).
        self.attributions: dict[str, Attribution] = {}
        logger.info("Study %s: %s", config.name, config.summary())

    @classmethod
    def from_toml(cls, path: str | Path, **overrides: Any) -> Study:
        """Build a study from ``area.toml``; ``overrides`` replace settings (papermill).

        ``period_start``/``period_end`` take ``"YYYY-MM"``; ``None`` values are ignored.
        Configured files that are missing raise :class:`ConfigError` when first used (the four
        required ones at once).
        """
        cfg = load_config(path, check_files=False)
        if overrides:
            cfg = cfg.with_overrides(**overrides)
        study = cls(cfg)
        for key in ("police_street", "lsoa_boundaries", "imd", "population"):
            study._path(key)  # the configured ones must exist (police and imd may be absent)
        return study

    # -- helpers -----------------------------------------------------------------------------
    def _path(self, key: str) -> Any:
        value = self.config.file(key)
        paths = value if isinstance(value, list) else ([value] if value else [])
        for p in paths:
            if not Path(p).exists():
                raise ConfigError(
                    f"{self.config.path}: [files] {key} names {p}, which does not exist"
                )
        return value

    @property
    def period(self) -> tuple[pd.Period, pd.Period]:
        """(first month, last month) of the study, inclusive."""
        return (self.config.period_start, self.config.period_end)

    @property
    def map_attributions(self) -> list[str]:
        """The licence attributions for this study's maps (pass to ``MapBuilder``).

        The OGL statement and the Ordnance Survey boundary statement with the year of
        ``[study] boundary_copyright_year``; without a year the OS statement names none
        (see :func:`workbench.maps.os_attribution`).
        """
        return [OGL, os_attribution(self.config.boundary_copyright_year)]

    def _col(self, key: str) -> str | None:
        return self.config.columns.get(key)

    # -- geography -------------------------------------------------------------------------
    @cached_property
    def _imd_all(self) -> pd.DataFrame:
        """The IMD ranks/deciles file in full (all LSOAs it has), merged with the scores file.

        A study without an ``imd`` file (a treatment-only study) has no deciles: an empty
        frame, ``deprivation_index`` is None, and every LSOA is noted in the ledger."""
        if not self._path("imd"):
            self._imd_codes = {}
            self._index = None
            return pd.DataFrame({"lsoa_code": pd.Series(dtype="str")})
        imd, index = read_deprivation(
            self._path("imd"),
            self.ledger,
            require_decile=True,
            expect=self.config.deprivation_index,
        )
        self._index = index
        fl = self.ledger.files[-1]
        boundary_vintage = self._boundaries[1] or "2011"
        if index.geography != boundary_vintage:
            lookup = self._vintage_lookup(boundary_vintage)
            if lookup is None:
                raise DataError(
                    fl.file,
                    f"a deprivation index on the boundaries' geography ({boundary_vintage} "
                    "LSOAs), or an ONS LSOA 2011 to 2021 lookup to carry it across",
                    found=f"{index.label} on {index.geography} LSOAs",
                    column="[files] lsoa_2011_2021_lookup",
                    fix="Add [files] lsoa_2011_2021_lookup (the ONS LSOA11CD/LSOA21CD/CHGIND "
                    "file), or use boundaries on the index's geography.",
                )
            imd = index_on_boundaries(imd, lookup)
        self._imd_codes = {fl.file: imd["lsoa_code"]}
        scores_path = self._path("imd_scores")
        if scores_path:
            scores = read_imd(scores_path, self.ledger, kind="imd_scores", expect=index.key)
            self._imd_codes[self.ledger.files[-1].file] = scores["lsoa_code"]
            keep = [c for c in scores.columns if c.endswith("_score") or c == "lsoa_code"]
            imd = imd.drop(columns=[c for c in keep if c != "lsoa_code" and c in imd])
            imd = imd.merge(scores[keep], on="lsoa_code", how="outer", sort=False)
        return imd

    @cached_property
    def deprivation_index(self) -> DeprivationIndex:
        """The deprivation index of ``[files] imd`` (detected, or as ``[study]
        deprivation_index`` declares): its label, year, geography and country travel into
        every title, axis, note and legend."""
        _ = self._imd_all
        return self._index

    def _vintage_lookup(self, boundary_vintage: str) -> pd.DataFrame | None:
        """The ONS LSOA 2011 to 2021 lookup oriented to the boundaries (read once)."""
        path = self._path("lsoa_2011_2021_lookup")
        if not path:
            return None
        if "_vintage_pairs" not in self.__dict__:
            self._vintage_pairs = read_lsoa_2011_2021_lookup(
                path,
                boundary_vintage,
                self.ledger.add(FileLedger(display_name(path), "lsoa_2011_2021_lookup")),
            )
        return self._vintage_pairs

    @cached_property
    def partnership(self) -> pd.DataFrame | None:
        """The study districts' Community Safety Partnership(s) and police force area(s)
        (``[files] partnership_lookup``, the ONS LAD to CSP to PFA lookup), or None."""
        path = self._path("partnership_lookup")
        if not path:
            return None
        return read_partnership_lookup(path, self.config.area_codes, self.ledger)

    @cached_property
    def _lad_lookup(self) -> pd.DataFrame | None:
        path = self._path("lsoa_lookup")
        return read_lsoa_lad_lookup(path, self.ledger) if path else None

    @cached_property
    def _boundaries(self) -> tuple[gpd.GeoDataFrame, str | None, list[FileLedger]]:
        """All LSOA polygons of the configured files (inside and outside the area)."""
        frames, entries, vintage = [], [], None
        for p in self._path("lsoa_boundaries"):
            tmp = Ledger()
            gdf, v = read_boundaries(
                [p],
                "lsoa",
                tmp,
                code_column=self._col("lsoa_code"),
                name_column=self._col("lsoa_name"),
            )
            vintage = vintage or v
            if v and self.config.boundary_vintage and v != self.config.boundary_vintage:
                raise DataError(
                    tmp.files[0].file,
                    f"LSOA boundaries on the {self.config.boundary_vintage} census geography "
                    "([study] boundary_vintage)",
                    found=f"codes on the {v} geography",
                    column="[study] boundary_vintage",
                    fix=f'Set boundary_vintage = "{v}" or give {self.config.boundary_vintage} '
                    "LSOA boundaries.",
                )
            gdf["_file"] = len(entries)
            entries.append(tmp.files[0])
            frames.append(gdf)
        self.ledger.extend(entries)
        gdf = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=BNG)
        dup = gdf["lsoa_code"].duplicated().to_numpy(bool)
        for i in np.flatnonzero(dup):
            entries[gdf["_file"].iat[i]].drop(REASONS["duplicate"], 1)
            entries[gdf["_file"].iat[i]].kept -= 1
        gdf = gdf.loc[~dup].reset_index(drop=True)
        vintage = vintage or self.config.boundary_vintage
        if vintage is None and self.config.file("lsoa_2011_2021_lookup") is None:
            vintage = "2011"
        return gdf, vintage, entries

    @cached_property
    def _known_codes(self) -> frozenset[str]:
        codes = set(self._imd_all["lsoa_code"]) | set(self._boundaries[0]["lsoa_code"])
        if self._lad_lookup is not None:
            codes |= set(self._lad_lookup["lsoa_code"])
        return frozenset(codes)

    @cached_property
    def lsoas(self) -> gpd.GeoDataFrame:
        """The study's LSOAs with the deprivation index and population joined (see the class
        docstring); ``deprivation_index`` names the index on every row."""
        bounds, _, entries = self._boundaries
        imd = self._imd_all
        lad = pd.DataFrame({"lsoa_code": bounds["lsoa_code"]})
        sources = []
        if "lad_code" in imd:
            sources.append(imd[[c for c in ("lsoa_code", "lad_code", "lad_name") if c in imd]])
        if self._lad_lookup is not None:
            lk = self._lad_lookup
            sources.append(lk[[c for c in ("lsoa_code", "lad_code", "lad_name") if c in lk]])
        lad["lad_code"] = pd.Series(pd.NA, index=lad.index, dtype="string")
        lad["lad_name"] = pd.Series(pd.NA, index=lad.index, dtype="string")
        for src in sources:
            m = lad[["lsoa_code"]].merge(src, on="lsoa_code", how="left")
            for c in ("lad_code", "lad_name"):
                if c in m:
                    lad[c] = lad[c].fillna(m[c].astype("string"))
        no_lad = lad["lad_code"].isna().to_numpy(bool)
        if no_lad.any() and self._path("districts"):
            d = self.districts_all
            pts = bounds.geometry[no_lad].representative_point()
            lad.loc[no_lad, "lad_code"] = locate_points(pts, d, "district_code").to_numpy()
            names = dict(zip(d["district_code"], d["district_name"], strict=False))
            lad.loc[no_lad, "lad_name"] = lad.loc[no_lad, "lad_code"].map(names)
            logger.info("%d LSOA(s) placed in a district by location", int(no_lad.sum()))
        in_area = lad["lad_code"].isin(self.config.area_codes).fillna(False).to_numpy(bool)
        if not in_area.any():
            found = sorted(set(lad["lad_code"].dropna()))[:8]
            raise ConfigError(
                f"{self.config.path}: [study] area_codes {list(self.config.area_codes)} match no "
                f"LSOA of the boundary files (their districts, from the IMD file/lookup: "
                f"{found or 'none found'}). Check area_codes, or add lsoa_lookup/districts."
            )
        held = set(lad["lad_code"].dropna().astype(str))
        unmatched = [c for c in self.config.area_codes if c not in held]
        if unmatched:
            # the study's name and headings would still name these districts: refuse
            raise ConfigError(
                f"{self.config.path}: [study] area_codes {unmatched} match no LSOA of the "
                f"boundary files (the other codes do: "
                f"{[c for c in self.config.area_codes if c in held]}). Every district the "
                "study names must have its LSOAs: add its boundary, IMD and population rows, "
                "or remove the code."
            )
        for i in np.flatnonzero(~in_area):
            entries[bounds["_file"].iat[i]].drop(REASONS["outside_area"], 1)
            entries[bounds["_file"].iat[i]].kept -= 1
        out = bounds.loc[in_area, ["lsoa_code", "lsoa_name", "geometry"]].copy()
        out["lad_code"] = lad.loc[in_area, "lad_code"].astype("str").to_numpy()
        out["lad_name"] = lad.loc[in_area, "lad_name"].astype("str").to_numpy()
        codes = frozenset(out["lsoa_code"])
        # IMD ledger: rows of the study area kept, the others are outside it
        imd_cols = [
            c
            for c in imd.columns
            if c not in ("lsoa_name", "lad_code", "lad_name", "index_lsoa_code", "index_path")
        ]
        out = out.merge(imd[imd_cols], on="lsoa_code", how="left")
        if "lsoa_name" in imd and "index_lsoa_code" not in imd:
            # boundaries without a name column name an LSOA by its code: the index file (same
            # census geography) names it ("Gloucester 012A"), so no output names it by code
            coded = (out["lsoa_name"] == out["lsoa_code"]).to_numpy(bool)
            names = imd.drop_duplicates("lsoa_code").set_index("lsoa_code")["lsoa_name"]
            found = out.loc[coded, "lsoa_code"].map(names)
            out.loc[coded, "lsoa_name"] = found.where(found.notna(), out.loc[coded, "lsoa_code"])
        for fl in self.ledger.files:
            if fl.kind in ("imd", "imd_scores"):
                if "index_lsoa_code" in imd and fl.kind == "imd":
                    # index on the other census geography: count its own rows (2011 LSOAs)
                    # that reach a study LSOA, and note how each study LSOA got its values
                    inside = imd[imd["lsoa_code"].isin(codes)]
                    used = {c for v in inside["index_lsoa_code"] for c in str(v).split(";")}
                    n_in = len(used)
                    for text, n in inside["index_path"].value_counts().items():
                        fl.note(f"study LSOA given {text} (ONS LSOA 2011 to 2021 lookup)", n)
                else:
                    n_in = int(self._imd_codes[fl.file].isin(codes).sum())
                fl.drop(REASONS["outside_area"], fl.kept - n_in)
                fl.kept = n_in
        missing_imd = int(out["imd_decile"].isna().sum()) if "imd_decile" in out else len(out)
        if missing_imd:
            label = self.deprivation_index.label
            logger.warning(
                "%d study LSOA(s) have no %s row (codes not on the index's geography?)",
                missing_imd,
                label,
            )
            entries[0].note(f"study LSOA with no {label} row", missing_imd)
        # the documented IMD columns are always there (missing when the files lack them)
        for col, dtype in (
            ("imd_score", "float64"),
            ("imd_rank", "Int64"),
            ("imd_decile", "Int64"),
        ):
            if col not in out:
                logger.warning("The IMD files give no %s; the column is left empty", col)
                out[col] = pd.Series(
                    pd.NA if dtype == "Int64" else np.nan, index=out.index, dtype=dtype
                )
        out["imd_quintile"] = ((out["imd_decile"] + 1) // 2).astype("Int64")
        out["deprivation_index"] = self.deprivation_index.label
        if self._path("ward_lookup") and not self._path("wards"):
            wl = read_ward_lookup(self._path("ward_lookup"), self.ledger, codes=codes)
            out = out.merge(wl[["lsoa_code", "ward_code"]], on="lsoa_code", how="left")
            self._ward_names = dict(zip(wl["ward_code"], wl["ward_name"], strict=False))
        pop = read_population(
            self._path("population"),
            self.ledger,
            codes=codes,
            known=self._known_codes,
            code_column=self._col("population_code"),
            total_column=self._col("population_total"),
        )
        out = out.merge(pop, on="lsoa_code", how="left")
        if self._path("population_bands"):
            bands = read_population(
                self._path("population_bands"),
                self.ledger,
                codes=codes,
                known=self._known_codes,
                kind="population_bands",
            )
            extra = [c for c in bands.columns if c.startswith("pop_") and c not in out]
            out = out.merge(bands[["lsoa_code", *extra]], on="lsoa_code", how="left")
        no_pop = out["population"].isna().to_numpy(bool)
        if no_pop.any():
            missing = out.loc[no_pop, "lsoa_code"].tolist()
            raise DataError(
                display_name(self._path("population")),
                "a population row for every study LSOA",
                found=f"no row for {len(missing)} of the {len(out)} study LSOAs, e.g. "
                + ", ".join(missing[:5]),
                column=self._col("population_code") or "LSOA code",
                fix="Use a population file covering every LSOA of the study districts (on the "
                "boundaries' census geography).",
            )
        for fl in self.ledger.files:
            if fl.kind == "population_bands":
                n_nobands = int(out["lsoa_code"].isin(codes).sum()) - fl.kept
                fl.note("study LSOA with no row (bands missing there)", max(n_nobands, 0))
        out["area_km2"] = out.geometry.area / 1e6
        cols = [c for c in out.columns if c != "geometry"] + ["geometry"]
        return gpd.GeoDataFrame(out[cols], geometry="geometry", crs=BNG)

    @cached_property
    def area(self) -> gpd.GeoDataFrame:
        """The study area as one polygon: columns name, geometry.

        The union of the study LSOAs without the sliver holes left where generalised polygons
        do not quite touch: union on a 1 cm grid, holes under 1 ha filled
        (:func:`workbench.geo.dissolve_clean`; the number removed is logged).
        """
        geom, _ = dissolve_clean(self.lsoas.geometry)
        return gpd.GeoDataFrame({"name": [self.config.area_name]}, geometry=[geom], crs=BNG)

    @cached_property
    def study_area(self) -> StudyArea:
        """The area filter the police and table loaders use."""
        bounds, vintage, _ = self._boundaries
        lookup = self._vintage_lookup(vintage or "2011")
        return StudyArea(
            codes=frozenset(self.lsoas["lsoa_code"]),
            known=self._known_codes,
            polygons=self.lsoas[["lsoa_code", "geometry"]],
            lookup=lookup,
            vintage=vintage or "2011",
            all_polygons=bounds[["lsoa_code", "geometry"]],
        )

    @cached_property
    def wards(self) -> gpd.GeoDataFrame | None:
        """Wards whose representative point is in the study area: ward_code, ward_name.

        Without ward polygons, ``[files] ward_lookup`` (the ONS LSOA21 to ward best-fit
        lookup) gives the wards: the study LSOAs dissolved by their best-fit ward, with
        ``ward_basis`` saying so; rows then take their LSOA's ward.
        """
        paths = self._path("wards")
        if not paths and "ward_code" in self.lsoas:
            lsoas = self.lsoas.dropna(subset=["ward_code"])
            parts = []
            for code, grp in lsoas.groupby("ward_code", sort=True):
                geom, _ = dissolve_clean(grp.geometry)
                parts.append((code, self._ward_names.get(code, code), geom))
            return gpd.GeoDataFrame(
                {
                    "ward_code": [p[0] for p in parts],
                    "ward_name": [p[1] for p in parts],
                    "ward_basis": "best fit (ONS LSOA to ward lookup; LSOA polygons dissolved)",
                },
                geometry=[p[2] for p in parts],
                crs=BNG,
            )
        if not paths:
            return None
        area = self.area.geometry.iloc[0].buffer(1.0)
        frames = []
        self._all_ward_codes: set[str] = set()
        for p in paths:
            tmp = Ledger()
            gdf, _ = read_boundaries(
                [p],
                "ward",
                tmp,
                code_column=self._col("ward_code"),
                name_column=self._col("ward_name"),
            )
            self.ledger.extend(tmp.files)
            self._all_ward_codes |= set(gdf["ward_code"])
            # a ward belongs to the study when its representative point is in the area
            inside = gdf.geometry.representative_point().within(area).to_numpy(bool)
            fl = tmp.files[0]
            fl.drop(REASONS["outside_area"], int((~inside).sum()))
            fl.kept -= int((~inside).sum())
            frames.append(gdf.loc[inside])
        out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return gpd.GeoDataFrame(out.reset_index(drop=True), geometry="geometry", crs=BNG)

    @cached_property
    def districts_all(self) -> gpd.GeoDataFrame | None:
        """Local authority district outlines as configured (``districts``), all of them."""
        path = self._path("districts")
        if not path:
            return None
        gdf, _ = read_boundaries(
            path, "district", self.ledger, code_column=self._col("district_code")
        )
        return gdf

    @property
    def districts(self) -> gpd.GeoDataFrame | None:
        """District outlines (district_code, district_name), or None when not configured."""
        return self.districts_all

    # -- police ------------------------------------------------------------------------------
    @cached_property
    def crimes(self) -> gpd.GeoDataFrame:
        """police.uk street crime in the study area and period (EPSG:27700).

        Placed by the one attribution rule (:mod:`workbench.loaders.attribution`):
        ``lsoa_code`` (the police's code of a study LSOA, else the study LSOA of the point),
        ``ward_code`` (by point), ``district_code`` and ``imd_decile`` (of the LSOA).

        Read by the configured engine (``[study] engine``): the in-memory loader itself, or
        DuckDB or Dask keeping every column of the study area's rows and handing them back
        as the loader's GeoDataFrame (:meth:`workbench.engines.StreetAggregates.crimes`:
        same columns, types, CRS and row order). Either way the files' ledger and coverage
        are recorded once.
        """
        engine = self._engine()
        if engine == "memory":
            gdf = read_street(
                self._path("police_street"),
                period=self.period,
                area=self.study_area,
                ledger=self.ledger,
            )
        else:
            gdf = self._engine_crimes(engine)
        self._record_coverage(gdf)
        return self._attribute(gdf, "crimes")

    def _engine_crimes(self, engine: str) -> gpd.GeoDataFrame:
        """The study area's street crime read by DuckDB or Dask (every column kept).

        When :attr:`crime_counts` already read the files (only the columns of the counts), the
        files are read again for their other columns; the ledger of that second reading must
        equal the one recorded, and is not recorded again.
        """
        from workbench.engines import aggregate_street

        counted = "crime_counts" in self.__dict__
        agg = aggregate_street(
            self._path("police_street"),
            period=self.period,
            area=self.study_area,
            engine=engine,
            scheduler=self.config.scheduler,
            ledger=None if counted else self.ledger,
            columns="all",
        )
        try:
            gdf = agg.crimes()
        finally:
            agg.close()
        if counted:
            # (file names aside: they are shown relative to the working folder, which may differ
            # when a notebook reads a study pickled by ``workbench report``)
            police = [f for f in self.ledger.files if f.kind == "police_street"]
            had = [{**f.to_dict(), "file": None} for f in police]
            now = [{**f.to_dict(), "file": None} for f in agg.ledger.files]
            if had != now:  # the same files, the same rules: only if the files changed
                raise DataError(
                    ", ".join(f.file for f in police),
                    "the rows counted when the study first read these files",
                    found=f"other counts on reading them again with {engine} "
                    f"(first {had}, now {now})",
                    fix="Keep the police files unchanged while a study is open; run again.",
                )
        return gdf

    def _attribute(self, gdf: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
        """Store the attribution rule's columns on a layer's rows (once, at load)."""
        out, result = attribute_points(gdf, self.lsoas, self.wards, layer=layer)
        self.attributions[layer] = result
        return out

    def checks(self) -> dict:
        """What ``workbench validate`` reports besides the ledger: the police coverage and how
        the attribution rule placed each layer (rows where the police LSOA code and the
        point disagree), with plain-English ``messages``."""
        cov = self.coverage
        messages = []
        for a in self.attributions.values():
            text = (
                f"Attribution ({a.layer}, {a.rows:,} rows): {a.by_code:,} by the police LSOA "
                f"code, {a.by_point:,} by point in the study's LSOA polygons"
            )
            if a.layer in ("crimes",):
                text += (
                    f"; the two rules disagree on {a.disagree:,} row(s) (police code of a study "
                    "LSOA, point in another or no polygon; the police code is used)"
                )
            messages.append(text + ".")
        vintage_paths = None
        if self._path("lsoa_2011_2021_lookup"):
            table = paths_by_month([f for f in self.ledger.files if f.kind == "police_street"])
            vintage_paths = {
                str(m): {str(k): int(v) for k, v in row.items()} for m, row in table.iterrows()
            } or None
            if len(table):
                paths = [c for c in table.columns if c not in ("read", "kept", "dropped")]
                short = {p: f"[{i + 1}]" for i, p in enumerate(paths)}
                lines = ["LSOA vintages: police rows kept per month by attribution path"]
                lines += [f"  {short[p]} {p}" for p in paths]
                shown = table.rename(columns=short)
                lines += ["  " + line for line in shown.to_string().splitlines()]
                messages.append("\n".join(lines))
        return {
            "coverage": cov.to_dict(),
            "attribution": {k: v.to_dict() for k, v in self.attributions.items()},
            "vintage_paths": vintage_paths,
            "messages": messages,
        }

    @property
    def coverage(self) -> Coverage:
        """Months of the study period each force's police street files hold.

        From the files themselves (their ``YYYY-MM-<force>-street.csv`` names, else their
        Month column); loads :attr:`crimes` first. Also written into :attr:`ledger` (and so
        the run log and ``workbench validate --json``). A month some force lacks is missing,
        not zero: time-based outputs use :attr:`Coverage.observed`.
        """
        if self._engine() != "memory" and "crimes" not in self.__dict__:
            self.crime_counts  # noqa: B018 - scale (issue 16): counts only, rows not held
        else:
            self.crimes  # noqa: B018 - reading the files records their months and the coverage
        return self._coverage

    @property
    def search_coverage(self) -> Coverage | None:
        """Months of the study period each force's stop and search files hold (None if none).

        Found the same way as :attr:`coverage` (file names, else the rows' months), from the
        ``stop_search`` entries of the ledger: a month without a search file is missing, not
        zero searches. Loads :attr:`searches` first.
        """
        if self.searches is None:
            return None
        months: dict[str, set[str]] = {}
        for fl in self.ledger.files:
            if fl.kind == "stop_search":
                for force, held in fl.months.items():
                    months.setdefault(force, set()).update(held)
        cov = Coverage.from_months(months, self.period)
        if not cov.complete:
            logger.warning("Stop and search coverage: %s", cov.describe())
        return cov

    def _record_coverage(
        self, rows: pd.DataFrame | None = None, counts: pd.DataFrame | None = None
    ) -> None:
        """Build the coverage from the police ledgers' months; put it in the ledger too (so the
        run log and ``validate --json`` carry it). With ``rows`` (the study's street crimes:
        ``month`` and ``reported_by``), months whose row count collapsed against their
        neighbours are flagged and treated as missing (:func:`workbench.coverage.collapsed_months`);
        with ``counts`` (an engine's ``month``/``count`` aggregates) the same for a single force.
        """
        months: dict[str, set[str]] = {}
        for fl in self.ledger.files:
            if fl.kind == "police_street":
                for force, held in fl.months.items():
                    months.setdefault(force, set()).update(held)
        cov = Coverage.from_months(months, self.period)
        if rows is not None and len(rows) and len(months):
            from workbench.loaders.police import force_slug

            force = (
                pd.Series(next(iter(months)), index=rows.index)
                if len(months) == 1
                else rows["reported_by"].astype(str).map(force_slug)
            )
            counts = rows.groupby([force.to_numpy(), rows["month"].to_numpy()]).size()
            by_force: dict[str, dict] = {}
            for (f, m), n in counts.items():
                if f in months and str(m) in months[f]:
                    by_force.setdefault(str(f), {})[m] = int(n)
            cov = cov.with_collapsed(by_force)
        elif counts is not None and len(months) == 1 and {"month", "count"} <= set(counts):
            force = next(iter(months))
            per = counts.groupby("month")["count"].sum()
            held = months[force]
            cov = cov.with_collapsed({force: {m: int(n) for m, n in per.items() if str(m) in held}})
        self.ledger.coverage = cov.to_dict()
        if not cov.complete:
            logger.warning("Police coverage: %s", cov.describe())
        self._coverage = cov

    def check_coverage(self) -> Coverage:
        """:attr:`coverage`, raising when the study period runs past the data or before it.

        Months missing at the start or the end of the period (before the first, or after the
        last, month any force's files hold) are refused with one :class:`ConfigError`, unless
        ``[study] allow_missing_months = true``: then, like gaps inside the period, they are
        treated as missing months. Gaps inside the period are always reported, never refused.
        """
        cov = self.coverage
        edges = [("before", cov.before_data), ("after", cov.after_data)]
        if self.config.allow_missing_months or not any(len(m) for _, m in edges):
            return cov
        held = cov.table.any(axis=0)
        first = held.index[held.to_numpy(bool)].min() if held.any() else None
        last = held.index[held.to_numpy(bool)].max() if held.any() else None
        parts = []
        for side, months in edges:
            if len(months):
                parts.append(
                    f"{len(months)} month(s) {side} the data ({months[0]} to {months[-1]})"
                )
        data = (
            f"the police files hold {first} to {last}"
            if first is not None
            else ("the police files hold no month of it")
        )
        raise ConfigError(
            f"{self.config.path}: [study] period {self.config.period_start} to "
            f"{self.config.period_end} runs {' and '.join(parts)}: {data}. Set period_start/"
            f"period_end to months the files hold, or add [study] allow_missing_months = true "
            f"to treat those months as missing (never as zero)."
        )

    # -- scale (issue 16): aggregates from the configured engine --------------------------
    @cached_property
    def crime_counts(self):
        """police.uk street crime aggregated by the configured engine (``[study] engine``):
        a :class:`workbench.engines.StreetAggregates` (LSOA × month × crime type counts, ledger,
        coverage). With the in-memory engine, or once :attr:`crimes` is loaded (whichever
        engine read it), it is built from :attr:`crimes`: the files are read once and the
        ledger recorded once. Otherwise DuckDB or Dask read only the columns of the counts."""
        from workbench.engines import aggregate_street

        paths = self._path("police_street")
        engine = self._engine()
        if engine == "memory" or "crimes" in self.__dict__:
            before = len(self.ledger.files)
            crimes = self.crimes
            own = [f for f in self.ledger.files[before:] if f.kind == "police_street"] or [
                f for f in self.ledger.files if f.kind == "police_street"
            ]
            return aggregate_street(
                paths,
                period=self.period,
                area=self.study_area,
                engine="memory",
                crimes=crimes,
                crimes_ledger=own,
            )
        agg = aggregate_street(
            paths,
            period=self.period,
            area=self.study_area,
            engine=engine,
            scheduler=self.config.scheduler,
            ledger=self.ledger,
        )
        # the engines record the files' months as the loader does; a single force's monthly
        # counts flag collapsed months as the loader's rows do
        self._record_coverage(counts=agg.counts)
        return agg

    @cached_property
    def searches(self) -> gpd.GeoDataFrame | None:
        """police.uk stop and search in the study area and period, or None if not configured."""
        paths = self._path("stop_search")
        if not paths:
            return None
        gdf = read_stop_search(paths, period=self.period, area=self.study_area, ledger=self.ledger)
        return self._attribute(gdf, "searches")

    # -- partnership tables -------------------------------------------------------------------
    def _table(self, table: str) -> pd.DataFrame | None:
        path = self._path(table)
        if not path:
            return None
        kwargs: dict[str, Any] = {}
        if table == "treatment_by_lsoa":
            kwargs = {
                "lsoa_codes": frozenset(self.lsoas["lsoa_code"]),
                "known_codes": self._known_codes,
            }
        if table == "needle_finds":
            kwargs = {"period": self.period, "area": self.area}
        if table == "young_people" and self.wards is not None:
            kwargs = {
                "ward_codes": frozenset(self.wards["ward_code"]),
                "known_wards": frozenset(self._all_ward_codes),
            }
        return read_table(path, table, self.ledger, **kwargs)

    @cached_property
    def treatment_demographics(self) -> pd.DataFrame | None:
        """Numbers in treatment by group (template ``treatment_demographics``)."""
        return self._table("treatment_demographics")

    @cached_property
    def treatment_by_lsoa(self) -> pd.DataFrame | None:
        """Numbers in treatment by home LSOA, study LSOAs only (``treatment_by_lsoa``)."""
        return self._table("treatment_by_lsoa")

    @cached_property
    def prevalence(self) -> pd.DataFrame | None:
        """Prevalence estimates with 95% limits (template ``prevalence``)."""
        return self._table("prevalence")

    @cached_property
    def services(self) -> gpd.GeoDataFrame | None:
        """Treatment and harm-reduction services, points in EPSG:27700 (``services``)."""
        return self._table("services")

    @cached_property
    def waiting_times(self) -> pd.DataFrame | None:
        """Referral to first intervention (template ``waiting_times``)."""
        return self._table("waiting_times")

    @cached_property
    def needle_finds(self) -> gpd.GeoDataFrame | None:
        """Needle finds in the study period, points in EPSG:27700, with ``month`` and the
        attribution rule's ``lsoa_code``, ``ward_code``, ``district_code``, ``imd_decile``."""
        gdf = self._table("needle_finds")
        return None if gdf is None else self._attribute(gdf, "needle_finds")

    @cached_property
    def young_people(self) -> pd.DataFrame | None:
        """Young people's access to support by ward (template ``young_people``)."""
        return self._table("young_people")

    @cached_property
    def treatment_outcomes(self) -> pd.DataFrame | None:
        """Completions and retention by year and substance (template ``treatment_outcomes``)."""
        return self._table("treatment_outcomes")

    @cached_property
    def ndtms_viewit(self) -> Any:
        """The study area's NDTMS ViewIt "all indicators" export
        (:class:`workbench.loaders.ndtms.ViewIt`), or None when not configured."""
        from workbench.loaders.ndtms import read_viewit

        path = self._path("ndtms_viewit")
        return read_viewit(path, self.ledger, kind="ndtms_viewit") if path else None

    @cached_property
    def ndtms_viewit_england(self) -> Any:
        """England's ViewIt export (numbers in treatment by ethnic group), or None."""
        from workbench.loaders.ndtms import read_viewit

        path = self._path("ndtms_viewit_england")
        if not path:
            return None
        return read_viewit(path, self.ledger, kind="ndtms_viewit_england", area="England")

    @property
    def has_police(self) -> bool:
        """True when the study names police street files (a treatment study may not)."""
        return bool(self.config.file("police_street"))

    @cached_property
    def national(self) -> Any:
        """The national comparison tables of ``[indicators]`` (``workbench.indicators``), or
        None when the study has no ``[indicators]`` table."""
        if not self.config.indicators:
            return None
        for key, value in self.config.indicators.items():
            for p in value if isinstance(value, list) else [value]:
                if isinstance(p, Path) and not p.exists():
                    raise ConfigError(
                        f"{self.config.path}: [indicators] {key} names {p}, which does not exist"
                    )

        return load_national(self.config.indicators, self.ledger)

    # -- everything --------------------------------------------------------------------------
    def load_all(self) -> Ledger:
        """Load every configured file (as ``workbench validate`` does) and return the ledger.

        With a DuckDB or Dask engine (``[study] engine``), police street crime is read through
        :attr:`crime_counts` (same ledger, rows not held in memory)."""
        for name in ATTRIBUTES:
            if name in ("crimes", "searches") and not self.has_police:
                continue  # a study without police files (issue 23)
            if name == "crimes" and self._engine() != "memory":  # scale (issue 16)
                self.crime_counts.close()
                continue
            getattr(self, name)
        if self.has_police:
            self.check_coverage()
        return self.ledger

    def _engine(self) -> str:
        """The engine ``[study] engine`` resolves to for the police street files."""
        from workbench.engines import choose_engine

        return choose_engine(self.config.engine, self._path("police_street"))

    def __repr__(self) -> str:
        return f"Study({self.config.name!r}, {self.config.period_start}..{self.config.period_end})"
