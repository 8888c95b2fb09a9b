"""Every indicator of a study in one call: national tables, local values, comparisons."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.disclosure.spec import Described
from workbench.errors import ConfigError, WorkbenchError
from workbench.indicators.compare import (
    area_features,
    compare_with_england,
    similar_areas,
    similar_method,
)
from workbench.indicators.local import (
    POLICE_INDICATORS,
    drug_outcomes,
    police_indicators,
    treatment_indicators,
)
from workbench.indicators.national import (
    VALUE_COLUMNS,
    NationalTables,
    area_values,
    district_columns,
    fingertips_published,
    long_values,
    pooled_values,
    study_table_name,
)
from workbench.loaders.areas import read_group_population

__all__ = ["StudyIndicators", "study_indicators"]

logger = logging.getLogger(__name__)

#: Indicators counted from police.uk: no England value; compared only with the force's districts.
POLICE_RECORDED = (*POLICE_INDICATORS, "drug_outcomes")


@dataclass
class StudyIndicators:
    """The indicators of one study.

    Attributes
    ----------
    area : str
        The study's name in the national tables (or its configured area name when the tables
        have no column for it, e.g. a district inside a county).
    in_tables : bool
        Whether the national tables have the study's area.
    force : str or None
        The study's police force (``[indicators] police_force``).
    region : str or None
        The study's region (``[indicators] area_regions``), for the region columns of
        ``comparison``.
    tables : NationalTables
        The national tables as read (name matching in ``tables.matches()``).
    values : DataFrame
        ``VALUE_COLUMNS`` rows: every area and England from the national tables, plus the
        study's police.uk indicators, drug outcomes and treatment indicators (area = ``area``).
    comparison : DataFrame
        :func:`~workbench.indicators.compare.compare_with_england` of ``values``.
    similar : DataFrame or None
        The similar-areas group with reasons (None without IMD averages or the area).
    outcomes : DataFrame or None
        Distribution of police outcomes of drug offences (latest 12 months).
    treatment : DataFrame
        Treatment indicator rows (also in ``values``), including breakdowns.
    ethnicity_population : Series or None
        Residents by ethnic group for stop and search rates.
    published : DataFrame or None
        Published fields of the Fingertips rows (polarity, rating, recent trend, 99.8% limits).
    synthetic : tuple of str
        Indicators computed from synthetic inputs (labelled SYNTHETIC wherever shown).
    similar_method : str
        How the similar-areas group was made (shown beside its table and charts).
    force_districts : dict
        Police-recorded indicator -> rates of every district of the force and the force area
        (:func:`~workbench.indicators.force.district_rates`), when ``[indicators]
        district_population`` is configured.
    study_district : str or None
        The study's district as the police download names it.
    uncompared : tuple of str
        Names of police-recorded indicators left out of :attr:`comparison` because they have
        no comparator (no England value and no force comparison); see :attr:`uncompared_note`.
    districts : DataFrame or None
        A study of several districts without a column of its own in the national tables:
        each district (:func:`~workbench.indicators.national.district_columns`: ``area_code``,
        ``district``, ``column``, ``reason``). Each district with a column has its own rows in
        :attr:`comparison` (``area`` = its column) and its own similar-areas group
        (:attr:`similar` column ``similar_to``); when every district has one, their counts
        and populations are pooled as the study (``area``). None for a study of one district
        or one that the tables have as a whole.
    district_notes : tuple of str
        Sentences about the districts: which have no column and why, what was pooled and
        what could not be (shown by :attr:`tables_note`).
    """

    area: str
    in_tables: bool
    force: str | None
    region: str | None
    tables: NationalTables
    values: pd.DataFrame
    comparison: pd.DataFrame
    similar: pd.DataFrame | None = None
    outcomes: pd.DataFrame | None = None
    treatment: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VALUE_COLUMNS))
    ethnicity_population: pd.Series | None = None
    published: pd.DataFrame | None = None
    synthetic: tuple[str, ...] = ()
    similar_method: str = ""
    force_districts: dict[str, pd.DataFrame] = field(default_factory=dict)
    study_district: str | None = None
    uncompared: tuple[str, ...] = ()
    districts: pd.DataFrame | None = None
    district_notes: tuple[str, ...] = ()

    @property
    def tables_note(self) -> str:
        """Who the study is in the national tables (per district for several), in sentences."""
        force = f" Police force: {self.force}." if self.force else ""
        if self.districts is None:
            if not self.tables.tables and self.tables.seizures is None:
                return f"No national tables are configured ([indicators] in area.toml).{force}"
            if not self.in_tables:
                return (
                    f"The national tables have no column for {self.area}: national indicators "
                    f"are shown for England and other areas only.{force}"
                )
            return f"The study is {self.area!r} in the national tables.{force}"
        parts = [
            f"{r['district']} as {r['column']!r}"
            if pd.notna(r["column"])
            else f"{r['district']}: none"
            for _, r in self.districts.iterrows()
        ]
        head = (
            f"The study has {len(self.districts)} districts; their columns in the national "
            f"tables: {'; '.join(parts)}."
        )
        return " ".join([head, *self.district_notes]) + force

    def trend_table(self) -> pd.DataFrame:
        """Each compared indicator's trend: name, area, period, value, trend, p and periods."""
        cols = ["name", "area", "period", "value", "trend", "trend_p", "trend_n"]
        return self.comparison[cols].reset_index(drop=True)

    def rows_or_sentence(self, table: pd.DataFrame) -> Any:
        """A table of the comparison (as written or a selection of its columns), or one
        sentence when the study has no indicator to compare (never a bare header)."""
        from workbench.indicators.assessment import rows_or_sentence

        why = self.tables_note
        if self.uncompared:
            why += " " + self.uncompared_note
        return rows_or_sentence(
            table, f"No indicator of {self.area} could be compared with England. {why}".strip()
        )

    @property
    def uncompared_note(self) -> str:
        """One sentence: which police-recorded indicators left the comparison, why, how to add."""
        if not self.uncompared:
            return ""
        why = (
            "police.uk publishes no England value and the force comparison covers recorded-"
            "crime rates only; it is shown in its own section"
            if self.force_districts
            else "police.uk publishes no England value; give [indicators] district_population, "
            "the residents of each district of the force, with the force's whole police.uk "
            "download to compare recorded-crime rates with the force area and its districts"
        )
        return (
            f"Not in the comparison table, having no comparator: {'; '.join(self.uncompared)} "
            f"({why})."
        )

    def similar_figures(self, indicators: list[str] | tuple[str, ...]) -> dict[str, Any]:
        """Funnel and ranked charts of the similar-areas group, for each of ``indicators``.

        Each indicator is drawn for its latest period with an England value; the method of the
        group (:attr:`similar_method`) is printed under each funnel. Indicators the study has
        no value for are skipped (logged). Keys: ``similar_funnel_<id>``,
        ``similar_ranked_<id>``.
        """
        from workbench.indicators.compare import ranked_chart, similar_funnel

        if self.similar is None:
            return {}
        if "similar_to" in self.similar:  # one group per district (several districts)
            groups = {
                str(who): rows["area_name"]
                for who, rows in self.similar.groupby("similar_to", sort=False)
            }
        else:
            groups = {self.area: self.similar["area_name"]}
        out: dict[str, Any] = {}
        for who, group in groups.items():
            suffix = "" if len(groups) == 1 else "_" + _slug(who)
            comp = self.comparison.loc[self.comparison["area"] == who].set_index("indicator")
            for key in indicators:
                if key not in comp.index:
                    logger.info("similar areas: %s has no %s", who, key)
                    continue
                period = comp.loc[key, "period"]
                out[f"similar_funnel_{key}{suffix}"] = similar_funnel(
                    self.values, key, period, who, group, method=self.similar_method
                )
                out[f"similar_ranked_{key}{suffix}"] = ranked_chart(
                    self.values, key, period, who, group
                )
        return out

    def force_table(self) -> pd.DataFrame:
        """The police-recorded indicators rated against the force area (name, value, note)."""
        rows = self.comparison.loc[self.comparison["indicator"].isin(list(self.force_districts))]
        cols = ["name", "period", "value", "lower", "upper", "rating", "note"]
        return rows[cols].reset_index(drop=True)

    def district_figures(self) -> dict[str, Any]:
        """Funnel plots of the force's districts, one per police-recorded indicator."""
        from workbench.indicators.force import district_funnel

        who = self.study_district or self.area
        return {
            f"districts_funnel_{k}": district_funnel(v, who, per=POLICE_INDICATORS[k][1])
            for k, v in self.force_districts.items()
        }

    @property
    def has_synthetic(self) -> bool:
        """True when a row of :attr:`comparison` comes from a synthetic input."""
        return bool(len(self.comparison)) and bool(self.comparison["synthetic"].any())

    def described(self, part: str) -> Described:
        """One of the tables above with its disclosure description, ready to publish.

        ``part`` is ``"matches"`` (``tables.matches()``), ``"comparison"``, ``"similar"``,
        ``"outcomes"`` or ``"treatment"``; the descriptions are
        :mod:`workbench.indicators.specs` (written beside these tables: counts and
        denominators of indicator rows, the values and limits derived from them).
        """
        from workbench.indicators import specs

        makers = {
            "matches": (
                lambda: self.tables.matches(),
                lambda: specs.text_only("table", "area_name"),
            ),
            "comparison": (lambda: self.comparison, specs.comparison),
            "similar": (lambda: self.similar, specs.similar_areas),
            "outcomes": (lambda: self.outcomes, specs.drug_outcomes),
            "treatment": (lambda: self.treatment, specs.indicator_values),
        }
        if part not in makers:
            raise WorkbenchError(f"StudyIndicators.described: part must be one of {list(makers)}")
        frame, spec = makers[part]
        table = frame()
        if table is None:
            raise WorkbenchError(f"the study has no {part} table (see the notebook's message)")
        return Described.of(table, spec())

    @property
    def has_trends(self) -> bool:
        """True when an indicator has two or more local periods (a trend chart can be drawn)."""
        for _, r in self.comparison.iterrows():
            rows = self.values.loc[
                (self.values["indicator"] == r["indicator"])
                & (self.values["area_name"] == r["area"])
            ]
            if len(rows) >= 2:
                return True
        return False

    @property
    def has_england(self) -> bool:
        """True when at least one indicator has an England value (a spine chart can be drawn)."""
        return bool(len(self.comparison)) and bool(self.comparison["england"].notna().any())


def _check_names(cfg: Any, tables: NationalTables, name: str | None, force: str | None) -> None:
    """A configured area or force name that the tables do not have is a configuration error."""
    if name is not None and tables.tables:
        known = set().union(*(set(df["area_name"]) for df in tables.tables.values()))
        if name not in known:
            raise ConfigError(
                f"{cfg.path}: [indicators] table_area_name {name!r} is not an area of the "
                f"national tables (e.g. {', '.join(sorted(known)[:5])}, ...)"
            )
    if force is not None and tables.force_population is not None:
        forces = sorted(set(tables.force_population["area_name"]))
        if force not in forces:
            raise ConfigError(
                f"{cfg.path}: [indicators] police_force {force!r} is not a force of the force "
                f"population table; expected one of {', '.join(forces)}"
            )


def study_indicators(study: Any) -> StudyIndicators:
    """Compute every indicator the study's data allow (see the catalogue).

    National rates come from ``[indicators]``; police.uk indicators from ``study.crimes`` over
    the study's resident population (sum of its LSOAs); treatment indicators from the
    partnership templates when configured. The study's own rows carry its name in the
    national tables so that they sit beside England in :attr:`StudyIndicators.comparison`.

    Raises
    ------
    ConfigError
        ``[indicators] table_area_name`` or ``police_force`` names an area or force that the
        national tables do not have.
    """
    cfg = study.config
    ind = cfg.indicators
    tables = study.national or NationalTables()
    name = study_table_name(tables, cfg.area_codes, ind.get("table_area_name"))
    districts = None
    if (
        len(cfg.area_codes) > 1
        and tables.tables
        and not ind.get("table_area_name")
        and not _whole_study(tables, name, cfg.area_codes)
    ):
        # several districts and no column that is the study: each district's own column
        # (a merged column holding the study and more is not the study's, issue 25)
        name = None
        districts = district_columns(tables, cfg.area_codes)
    area = name or cfg.area_name
    own = [] if districts is None else [str(c) for c in districts["column"].dropna()]
    if name is None and not own:
        logger.warning(
            "The national tables have no area matching %s: national indicators are shown "
            "for England and other areas only",
            ", ".join(cfg.area_codes),
        )
    if own and area in own:  # the study's name must not be a district's column
        area = f"{area} (districts pooled)"
    force = ind.get("police_force")
    _check_names(cfg, tables, name if ind.get("table_area_name") else None, force)
    frames = [area_values(tables)] if tables.tables or tables.seizures is not None else []
    # Fingertips rows: the study's, or each district's under its column's name
    named: Any = area
    if districts is not None:
        named = {
            r["area_code"]: r["column"] if pd.notna(r["column"]) else r["district"]
            for _, r in districts.iterrows()
        }
    frames += [long_values(df, cfg.area_codes, named) for df in tables.long]
    published = (
        pd.concat([fingertips_published(df, cfg.area_codes, named) for df in tables.long])
        if tables.long
        else None
    )
    district_notes: list[str] = []
    if districts is not None:
        frames, district_notes = _pool_districts(frames, districts, area)
    population = float(study.lsoas["population"].sum())
    covered = study.coverage.observed
    frames.append(police_indicators(study.crimes, population, area_name=area, covered=covered))
    outcomes = None
    try:
        outcomes, charged = drug_outcomes(study.crimes, covered=covered)
        frames.append(
            pd.DataFrame(
                [
                    {
                        "indicator": "drug_outcomes",
                        "period": charged["period"],
                        "area_name": area,
                        "area_code": pd.NA,
                        "count": float(charged["numerator"]),
                        "denominator": float(charged["denominator"]),
                        "value": charged["value"],
                        "lower": charged["lower"],
                        "upper": charged["upper"],
                        "note": "charged or summonsed, of drug offences with an outcome",
                    }
                ]
            )
        )
    except WorkbenchError as exc:  # no complete 12 months: say so and go on
        logger.warning("Drug offence outcomes not computed: %s", exc)
    treatment = treatment_indicators(
        study.treatment_outcomes, study.waiting_times, study.young_people, area_name=area
    )
    # headline rows only (breakdowns are labelled "<area>: ...") go into the comparison
    frames.append(treatment)
    frames = [f for f in frames if len(f)]
    values = (
        pd.concat(frames, ignore_index=True)[VALUE_COLUMNS]
        if frames
        else pd.DataFrame(columns=VALUE_COLUMNS)
    )
    region = _region(tables, [name] if name is not None else own)
    synthetic = tuple(
        sorted(set(treatment["indicator"]))
        if any(
            _is_synthetic(cfg, k) for k in ("treatment_outcomes", "waiting_times", "young_people")
        )
        else ()
    )
    comparison = compare_with_england(
        values, area, force=force, region=region, published=published, synthetic=synthetic
    )
    for column in own:  # each district against England, under its column's name
        mine = compare_with_england(
            values.loc[values["area_name"] != area],
            column,
            force=None,
            region=_region(tables, [column]),
            published=published,
        )
        comparison = pd.concat([comparison, mine], ignore_index=True)
    similar = None
    method = ""
    targets = [name] if name is not None else own
    if targets and "imd_average" in tables.tables and "population" in tables.tables:
        k = ind.get("similar_areas", 10)
        features = area_features(tables)
        groups = []
        for target in targets:
            found = features
            if target not in features.index:  # the study is itself a merged column
                logger.warning("%s is a merged area of the national tables: kept", target)
                found = area_features(tables, keep_merged=True)
            group = similar_areas(found, target, k)
            if districts is not None:
                group.insert(0, "similar_to", target)
            groups.append(group)
        similar = pd.concat(groups, ignore_index=True)
        method = similar_method(tables, k)
        if districts is not None:
            method += (
                " One group for each district with a column of its own; none for the districts "
                "together (the tables give an IMD average score for each area, not for a "
                "combination of areas)."
            )
    force_districts, district = _force_comparators(study, values, area)
    if force_districts:
        comparison = _with_force(comparison, force_districts, district)
    # a police-recorded indicator without a comparator is not shown as an indicator (issue 22)
    alone = comparison["indicator"].isin(POLICE_RECORDED) & ~comparison["indicator"].isin(
        list(force_districts)
    )
    uncompared = tuple(comparison.loc[alone, "name"])
    comparison = comparison.loc[~alone].reset_index(drop=True)
    eth = ind.get("ethnicity_population")
    eth_pop = read_group_population(eth, study.ledger, kind="ethnicity_population") if eth else None
    return StudyIndicators(
        area=area,
        in_tables=name is not None,
        force=force,
        region=region,
        tables=tables,
        values=values,
        comparison=comparison,
        similar=similar,
        outcomes=outcomes,
        treatment=treatment,
        ethnicity_population=eth_pop,
        published=published,
        synthetic=synthetic,
        similar_method=method,
        force_districts=force_districts,
        study_district=district,
        uncompared=uncompared,
        districts=districts,
        district_notes=tuple(district_notes),
    )


def _whole_study(tables: NationalTables, name: str | None, area_codes: list[str]) -> bool:
    """True when the tables' column ``name`` has exactly the study's codes (the study as a
    whole, e.g. a merged column that is the study), not more."""
    if name is None:
        return False
    m = tables.matches()
    codes = m.loc[m["area_name"] == name, "area_code"].dropna()
    return any(set(str(c).split("+")) == set(area_codes) for c in codes)


def _region(tables: NationalTables, columns: list[str]) -> str | None:
    """The region of the tables' areas ``columns`` when they share one, else None."""
    if tables.regions is None or not columns:
        return None
    found = tables.regions.loc[tables.regions["area_name"].isin(columns), "region"].dropna()
    regions = set(found.astype(str))
    return regions.pop() if len(regions) == 1 and len(found) == len(columns) else None


def _pool_districts(
    frames: list[pd.DataFrame], districts: pd.DataFrame, area: str
) -> tuple[list[pd.DataFrame], list[str]]:
    """Add the pooled rows of a study of several districts; the sentences saying what was
    pooled, what was not and why (a district without a column: nothing is pooled)."""
    notes = [f"{r['district']}: {r['reason']}." for _, r in districts.iterrows() if r["reason"]]
    own = [str(c) for c in districts["column"].dropna()]
    if len(own) < len(districts):
        notes.append(
            f"The districts are not pooled as {area!r}: a district without a column of its own "
            "has no count to add."
        )
        return frames, notes
    values = pd.concat([f for f in frames if len(f)], ignore_index=True)
    pooled, why = pooled_values(values, own, area)
    if len(pooled):
        notes.append(
            f"{area!r} is the districts pooled: their counts and populations (person-years "
            f"for 3-year deaths) added, for {pooled['indicator'].nunique()} indicator(s)."
        )
    notes += why
    return [*frames, pooled], notes


def _slug(text: str) -> str:
    """A file-name part from a name ("Blackburn with Darwen" -> "blackburn_with_darwen")."""
    import re

    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _force_comparators(
    study: Any, values: pd.DataFrame, area: str
) -> tuple[dict[str, pd.DataFrame], str | None]:
    """Every police indicator's rate for each district of the force download (issue 22).

    The whole download is read again without the study-area filter (a separate ledger: the
    study's ledger already accounts for these files); districts come from police.uk's LSOA
    names and their populations from ``[indicators] district_population``.
    """
    from workbench.indicators.force import district_of_lsoa, district_rates
    from workbench.ledger import Ledger
    from workbench.loaders.police import read_street

    path = study.config.indicators.get("district_population")
    if not path:
        return {}, None
    pop = read_group_population(path, study.ledger, kind="district_population")
    rows = read_street(study.config.file("police_street"), period=study.period, ledger=Ledger())
    names = district_of_lsoa(study.crimes["lsoa_name"]).dropna()
    district = str(names.mode().iloc[0]) if len(names) else area
    out = {}
    for key, (types, per) in POLICE_INDICATORS.items():
        mine = values.loc[(values["indicator"] == key) & (values["area_name"] == area)]
        if mine.empty:
            continue
        first, last = str(mine.sort_values("period")["period"].iloc[-1]).split(" to ")
        out[key] = district_rates(
            rows,
            pop,
            crime_types=types,
            start=pd.Period(first, "M"),
            end=pd.Period(last, "M"),
            indicator=key,
            per=per,
        )
    return out, district


def _with_force(
    comparison: pd.DataFrame, force: dict[str, pd.DataFrame], district: str | None
) -> pd.DataFrame:
    """The comparison's police rows rated against the force area, district rank in the note.

    The ``rating`` of these rows names its benchmark ("higher than the force area"), so that
    nothing reading ``rating == "worse"`` (worse than England) picks them up.
    """
    from workbench.indicators.force import FORCE_AREA, against_force

    out = comparison.copy()
    for i, r in out.iterrows():
        v = force.get(str(r["indicator"]))
        if v is None or district not in set(v["area_name"]):
            continue
        f = v.loc[v["area_name"] == FORCE_AREA].iloc[0]
        d = v.loc[v["area_name"] != FORCE_AREA].sort_values("value", ascending=False)
        rank = list(d["area_name"]).index(district) + 1
        rating = against_force(v, district, str(r["polarity"]))
        per = POLICE_INDICATORS[str(r["indicator"])][1]
        # the rating says what it is against: never read as a rating against England
        out.at[i, "rating"] = (
            "similar to the force area" if rating == "similar" else f"{rating} than the force area"
        )
        out.at[i, "note"] = (
            f"compared with the force area ({len(d)} districts): {f['value']:.1f} per {per:,} "
            f"({f['period']}); {district} {rating} (95% interval); "
            f"{rank} of {len(d)} districts (highest first)"
        )
    return out


def _is_synthetic(cfg: Any, key: str) -> bool:
    """True when the study's input file ``key`` is synthetic (``synthetic`` in its name)."""
    from pathlib import Path

    path = cfg.file(key)
    paths = path if isinstance(path, list) else [path] if path else []
    return any("synthetic" in Path(p).name.lower() for p in paths)
