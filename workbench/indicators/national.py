"""Area-level indicators from the national tables: every area of England, and England itself.

The tables configured under ``[indicators]`` are read by :mod:`workbench.loaders.national` into
:class:`NationalTables`; :func:`area_values` turns them into one tidy table of rates with
intervals for every area, England and every period the data allow. Comparison, trends and
similar areas (:mod:`workbench.indicators.compare`) work from that table.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.loaders.areas import MATCH
from workbench.loaders.national import LA_TABLES, NationalTables, load_national
from workbench.stats import rate

__all__ = [
    "NationalTables",
    "load_national",
    "pooled_rates",
    "annual_rates",
    "financial_year",
    "ADMISSIONS",
    "SUSPECT",
    "force_rates",
    "area_values",
    "study_table_name",
    "long_values",
    "fingertips_published",
    "district_columns",
    "pooled_values",
    "fingertips_polarity",
    "region_values",
    "ENGLAND",
    "VALUE_COLUMNS",
]

logger = logging.getLogger(__name__)

#: Name of the England rows of :func:`area_values`.
ENGLAND = "England"
#: Columns of :func:`area_values`.
VALUE_COLUMNS = [
    "indicator",
    "period",
    "area_name",
    "area_code",
    "count",
    "denominator",
    "value",
    "lower",
    "upper",
    "note",
]
#: The admissions tables (financial years labelled by their last year, :func:`annual_rates`).
ADMISSIONS = LA_TABLES[2:]
#: Label of the rows of a year that fails the consistency check of :func:`annual_rates`.
SUSPECT = "SUSPECT"
#: A year whose area counts correlate less than this with the year before is SUSPECT.
SUSPECT_CORRELATION = 0.5
#: Force table columns of the seizure indicators.
SEIZURE_COLUMNS = {
    "seizures_all": "All drugs",
    "seizures_class_a": "Total Class A",
    "seizures_cannabis": "All Cannabis",
}
#: Forces that are not territorial (left out of England's force total).
NON_TERRITORIAL = ("British Transport Police", "Border Force")


def study_table_name(
    tables: NationalTables, area_codes: Iterable[str], override: str | None = None
) -> str | None:
    """The study's area as the national tables name it.

    ``override`` (``[indicators] table_area_name``) wins; otherwise the area whose matched
    code(s) equal the study's codes, else one whose codes contain them all (a merged area).
    ``None`` when no area matches (e.g. a district inside a county: the tables are upper-tier).
    """
    if override:
        return override
    want = set(area_codes)
    matches = tables.matches()
    matched = matches.loc[matches["match"] != MATCH["none"]].drop_duplicates("area_name")
    for exact in (True, False):
        for nm, code in zip(matched["area_name"], matched["area_code"], strict=True):
            codes = set(str(code).split("+"))
            if (codes == want) if exact else want <= codes:
                return str(nm)
    return None


def _population_by_year(pop: pd.DataFrame) -> pd.DataFrame:
    """Wide population: index year (int), one column per area."""
    wide = pop.pivot(index="period", columns="area_name", values="value")
    wide.index = wide.index.astype(int)
    return wide


def _rates(
    indicator: str,
    period: str,
    names: list[str],
    codes: list[Any],
    count: np.ndarray,
    denom: np.ndarray,
    per: int,
    note: str = "",
) -> pd.DataFrame:
    ok = ~np.isnan(count) & ~np.isnan(denom) & (denom > 0)
    r = rate(count[ok], denom[ok], per=per)
    return pd.DataFrame(
        {
            "indicator": indicator,
            "period": period,
            "area_name": np.asarray(names, dtype=object)[ok],
            "area_code": np.asarray(codes, dtype=object)[ok],
            "count": r["count"].to_numpy(),
            "denominator": r["denominator"].to_numpy()
            if "denominator" in r
            else r["population"].to_numpy(),
            "value": r["rate"].to_numpy(),
            "lower": r["lower"].to_numpy(),
            "upper": r["upper"].to_numpy(),
            "note": note,
        }
    )


def pooled_rates(
    counts: pd.DataFrame,
    population: pd.DataFrame,
    england_population: pd.DataFrame | None,
    *,
    indicator: str,
    years: int = 3,
    per: int = 100_000,
) -> pd.DataFrame:
    """Rates of counts pooled over ``years`` calendar years, labelled by the last year.

    Conventions
    -----------
    ONS publishes local deaths related to drug misuse as registrations pooled over 3 years
    and labelled by the last (``"2018"`` = 2016-2018). The rate divides the pooled count by
    the population **summed over the same 3 years** (person-years at risk) x ``per``; the
    interval is exact Poisson below 10 deaths, Byar's from 10 (:func:`workbench.stats.rate`).
    England's count is the sum over all areas (they cover England) and its denominator the
    England population of the 3 years; a period where any area is blank gets no England value.
    A label whose 3 years of population are not all present is skipped.

    Returns
    -------
    DataFrame
        :data:`VALUE_COLUMNS`; ``period`` as ``"2016-2018"``.
    """
    pop = _population_by_year(population)
    eng = _population_by_year(england_population) if england_population is not None else None
    frames = []
    for label, grp in counts.groupby("period", sort=True):
        last = int(label)
        span = list(range(last - years + 1, last + 1))
        if not set(span) <= set(pop.index):
            logger.info("%s %s: population not available for %s; skipped", indicator, label, span)
            continue
        period = f"{span[0]}-{span[-1]}"
        names = grp["area_name"].tolist()
        denom = pop.loc[span].sum(axis=0, min_count=years).reindex(names).to_numpy(float)
        count = grp["value"].to_numpy(float)
        frames.append(
            _rates(indicator, period, names, grp["area_code"].tolist(), count, denom, per)
        )
        if eng is not None and set(span) <= set(eng.index) and not np.isnan(count).any():
            e_den = float(eng.loc[span, ENGLAND].sum())
            frames.append(
                _rates(
                    indicator,
                    period,
                    [ENGLAND],
                    ["E92000001"],
                    np.array([count.sum()]),
                    np.array([e_den]),
                    per,
                    note=f"sum of the {len(names)} areas",
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=VALUE_COLUMNS)


def financial_year(label: object) -> tuple[str, int]:
    """A financial year labelled by its **last** calendar year: (``"2018/19"``, 2018).

    The second item is the year of the matching ONS mid-year population (30 June falls in
    the financial year's first calendar year).

    Examples
    --------
    >>> financial_year("2019")
    ('2018/19', 2018)
    >>> financial_year(2020)
    ('2019/20', 2019)
    """
    last = int(str(label).strip()[:4])
    return f"{last - 1}/{last % 100:02d}", last - 1


def annual_rates(
    counts: pd.DataFrame,
    population: pd.DataFrame,
    *,
    indicator: str,
    per: int = 100_000,
) -> pd.DataFrame:
    """Rates of financial-year counts against the matching mid-year population.

    Conventions
    -----------
    The admissions tables label a financial year by its **last** calendar year (``"2019"`` =
    2018/19, whose England total of admissions for poisoning by drugs is NHS Digital's 18,053);
    see :func:`financial_year`. Each year is divided by the mid-year population of its first
    calendar year (2018/19 by mid-2018), so the latest year of the table is kept as long as
    that population exists. A blank (suppressed) area has no value. A year whose area counts
    correlate (Pearson) less than :data:`SUSPECT_CORRELATION` with the year before is kept
    but its rows' ``note`` starts with :data:`SUSPECT` and comparisons skip it: in the
    repackaged poisoning file the year "2020" (2019/20) correlates r = 0.09 with 2018/19
    (0.97 between 2017/18 and 2018/19; Kent 410 then 40), so its columns look shifted.
    England = the sum of the areas with a value over **their** population; the England row's
    ``note`` says how many areas that is and how many were blank. Years without a population
    are skipped (logged).

    Returns
    -------
    DataFrame
        :data:`VALUE_COLUMNS`; ``period`` as ``"2018/19"``.
    """
    pop = _population_by_year(population)
    frames = []
    previous: pd.Series | None = None
    for label, grp in counts.groupby("period", sort=True):
        period, year = financial_year(label)
        this = grp.set_index("area_name")["value"].astype(float)
        suspect = ""
        if previous is not None:
            r = this.corr(previous.reindex(this.index))
            if pd.notna(r) and r < SUSPECT_CORRELATION:
                suspect = (
                    f"{SUSPECT}: the areas' counts correlate r = {r:.2f} with the year before "
                    "(about 0.9 or more between other years): the source's columns may be "
                    "misaligned; not used for comparison"
                )
                logger.warning("%s %s: %s", indicator, period, suspect)
        previous = this
        if year not in pop.index:
            logger.info("%s %s: no mid-%d population; skipped", indicator, period, year)
            continue
        names = grp["area_name"].tolist()
        denom = pop.loc[year].reindex(names).to_numpy(float)
        count = grp["value"].to_numpy(float)
        frames.append(
            _rates(indicator, period, names, grp["area_code"].tolist(), count, denom, per, suspect)
        )
        ok = ~np.isnan(count) & ~np.isnan(denom)
        blank = int((~ok).sum())
        note = f"sum of the {int(ok.sum())} areas with a value" + (
            f" ({blank} suppressed area(s) left out)" if blank else ""
        )
        note = f"{suspect}; {note}" if suspect else note
        frames.append(
            _rates(
                indicator,
                period,
                [ENGLAND],
                ["E92000001"],
                np.array([count[ok].sum()]),
                np.array([denom[ok].sum()]),
                per,
                note=note,
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=VALUE_COLUMNS)


def force_rates(
    seizures: pd.DataFrame,
    force_population: pd.DataFrame,
    *,
    indicator: str,
    column: str,
    per: int = 10_000,
) -> pd.DataFrame:
    """Seizures per ``per`` residents of each force area, and England (territorial forces).

    Conventions
    -----------
    Financial year ``"2018-19"`` is divided by the force area's mid-2018 population. England
    = the sum over the forces that have a population (the territorial forces; British
    Transport Police and Border Force have none and are left out) over their population; a
    force with a blank count is left out of both and named in ``note``.

    Returns
    -------
    DataFrame
        :data:`VALUE_COLUMNS` with ``area_name`` = force; ``period`` as written.
    """
    if column not in seizures.columns:
        raise WorkbenchError(f"seizures table has no column {column!r}")
    pop = _population_by_year(force_population)
    frames = []
    for label, grp in seizures.groupby("period", sort=True):
        year = int(str(label)[:4])
        if year not in pop.index:
            continue
        grp = grp.loc[grp["force"].isin(pop.columns)]
        names = grp["force"].tolist()
        count = grp[column].to_numpy(float)
        denom = pop.loc[year].reindex(names).to_numpy(float)
        frames.append(_rates(indicator, str(label), names, [pd.NA] * len(names), count, denom, per))
        ok = ~np.isnan(count)
        blank = [n for n, k in zip(names, ok, strict=True) if not k]
        note = f"sum of {int(ok.sum())} territorial forces" + (
            f" (blank, left out: {', '.join(blank)})" if blank else ""
        )
        frames.append(
            _rates(
                indicator,
                str(label),
                [ENGLAND],
                ["E92000001"],
                np.array([count[ok].sum()]),
                np.array([denom[ok].sum()]),
                per,
                note=note,
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=VALUE_COLUMNS)


def area_values(tables: NationalTables) -> pd.DataFrame:
    """Every national indicator, for every area, England and period the tables allow.

    Deaths are pooled 3-year rates per 100,000 (:func:`pooled_rates`), admissions annual rates
    per 100,000 (:func:`annual_rates`), seizures force rates per 10,000 (:func:`force_rates`).

    Returns
    -------
    DataFrame
        :data:`VALUE_COLUMNS`, one row per indicator, period and area.
    """
    pop = tables.tables.get("population")
    eng = tables.tables.get("england_population")
    frames = []
    if pop is None:
        logger.warning("[indicators] population is not configured: no area rates")
    else:
        for key in ("deaths_misuse", "deaths_poisoning"):
            if key in tables.tables:
                frames.append(pooled_rates(tables.tables[key], pop, eng, indicator=key))
        for key in ADMISSIONS:
            if key in tables.tables:
                frames.append(annual_rates(tables.tables[key], pop, indicator=key))
    if tables.seizures is not None and tables.force_population is not None:
        for key, col in SEIZURE_COLUMNS.items():
            frames.append(
                force_rates(tables.seizures, tables.force_population, indicator=key, column=col)
            )
    if not frames:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    out = pd.concat(frames, ignore_index=True)[VALUE_COLUMNS]
    if tables.regions is not None:
        out = pd.concat([out, region_values(out, tables.regions)], ignore_index=True)
    return out.astype({"indicator": "string", "period": "string", "area_name": "string"})


def region_values(values: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Each region's rate of every local-authority indicator: the sum of its areas.

    Conventions
    -----------
    Region count = the sum of its areas' counts; denominator = the sum of the same areas'
    denominators (person-years for pooled deaths), so the region rate is consistent with the
    areas'. A region with an area without a value in that period gets no value (its note
    says which). Force indicators (seizures) have no region. ``area_name`` is
    ``"Region: <name>"``; ``area_code`` is missing.
    """
    region_of = dict(zip(regions["area_name"], regions["region"], strict=True))
    la = values.loc[
        ~values["indicator"].isin(list(SEIZURE_COLUMNS)) & (values["area_name"] != ENGLAND)
    ].copy()
    la["region"] = la["area_name"].map(region_of)
    frames = []
    for (ind, period), grp in la.groupby(["indicator", "period"], sort=False):
        expected = regions.loc[regions["region"].notna()]
        for region, members in expected.groupby("region"):
            have = grp.loc[grp["region"] == region]
            missing = sorted(set(members["area_name"]) - set(have["area_name"]))
            if missing or have.empty:
                continue
            frames.append(_summed(have, str(ind), str(period), f"Region: {region}", pd.NA, "areas"))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=VALUE_COLUMNS)


def _summed(
    rows: pd.DataFrame, indicator: str, period: str, name: str, code: Any, what: str
) -> pd.DataFrame:
    """One rate per 100,000 from the sum of ``rows``' counts over the sum of their
    denominators (a region, or a study of several districts)."""
    return _rates(
        indicator,
        period,
        [name],
        [code],
        np.array([rows["count"].astype(float).sum()]),
        np.array([rows["denominator"].astype(float).sum()]),
        100_000,
        note=f"sum of its {len(rows)} {what}",
    )


#: Why a district of the study has no column of its own in the national tables.
NO_COLUMN = (
    "no column of its own in the national tables (they hold upper-tier and unitary areas; a "
    "district inside a county, or inside a merged column, has none)"
)


def district_columns(tables: NationalTables, area_codes: Iterable[str]) -> pd.DataFrame:
    """Each district of the study and its own column of the national tables, if any.

    A district's column is the area whose matched code is exactly the district's code; a
    merged column holding the district with others ("City of London and Hackney") is not
    the district's own (its values are not the district's) and is named in ``reason``.

    Returns
    -------
    DataFrame
        ``area_code``, ``district`` (the name in ``[indicators] area_names``, else the code),
        ``column`` (the tables' area name, or None) and ``reason`` (why there is no column;
        empty when there is one), in the order of ``area_codes``.
    """
    matches = tables.matches()
    matched = matches.loc[matches["match"] != MATCH["none"]].drop_duplicates("area_name")
    coded = [
        (str(nm), set(str(code).split("+")))
        for nm, code in zip(matched["area_name"], matched["area_code"], strict=True)
    ]
    lookup = (
        dict(zip(tables.names["area_code"], tables.names["area_name"], strict=False))
        if tables.names is not None
        else {}
    )
    rows = []
    for code in area_codes:
        own = [nm for nm, codes in coded if codes == {code}]
        merged = [nm for nm, codes in coded if code in codes and len(codes) > 1]
        reason = ""
        if not own:
            reason = (
                f"inside the merged column {merged[0]!r} of the national tables, whose values "
                "are not the district's"
                if merged
                else NO_COLUMN
            )
        rows.append(
            {
                "area_code": code,
                "district": str(lookup.get(code, code)),
                "column": own[0] if own else None,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows, columns=["area_code", "district", "column", "reason"])


def pooled_values(
    values: pd.DataFrame, members: Iterable[str], area_name: str
) -> tuple[pd.DataFrame, list[str]]:
    """A study of several districts as one area: its districts' counts and denominators added.

    Parameters
    ----------
    values : DataFrame
        :data:`VALUE_COLUMNS` rows of every area (:func:`area_values`, Fingertips rows).
    members : iterable of str
        The districts' names in ``values`` (each its own column of the tables).
    area_name : str
        The name of the pooled rows.

    Returns
    -------
    (DataFrame, list of str)
        The pooled rows (rate per 100,000 with its interval from the summed count and
        denominator, as for a region, :func:`region_values`) and one sentence per indicator
        that could not be pooled, saying why.

    Notes
    -----
    Pooling is valid only where every district has a count and a denominator for the same
    period: the count and the population (person-years for 3-year deaths) add, so the
    pooled rate is the study's crude rate. A published rate without its count (an
    age-standardised rate, a Fingertips value with no count or denominator) does not add and
    is not pooled (Fingertips rows are shown per district only); force-level indicators
    (seizures) are the force's, not the districts'.
    """
    members = list(members)
    frames, why = [], []
    la = values.loc[
        values["area_name"].isin(members) & ~values["indicator"].isin(list(SEIZURE_COLUMNS))
    ]
    for ind, grp in la.groupby("indicator", sort=False):
        if ind not in LA_TABLES:  # published (Fingertips) values: the publisher's method
            why.append(
                f"{ind}: not pooled (a published value: its method, e.g. age "
                "standardisation, is not a sum of the districts' counts)"
            )
            continue
        pooled = 0
        for period, rows in grp.groupby("period", sort=False):
            usable = rows.dropna(subset=["count", "denominator"])
            if sorted(usable["area_name"]) == sorted(members) and len(usable) == len(members):
                row = _summed(usable, str(ind), str(period), area_name, pd.NA, "districts")
                suspect = usable["note"].astype(str).str.startswith(SUSPECT)
                if suspect.any():  # a year failing the check fails for the pooled study too
                    row["note"] = str(usable.loc[suspect, "note"].iloc[0])
                frames.append(row)
                pooled += 1
        if not pooled:
            why.append(
                f"{ind}: not pooled (no period with a count and a denominator for every "
                f"district: {' and '.join(members)}; a published rate without its count does not "
                "add)"
            )
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=VALUE_COLUMNS)
    return out, why


def _headline(long: pd.DataFrame) -> pd.DataFrame:
    """The headline rows of a long file: persons, no category breakdown (when it has them)."""
    keep = pd.Series(True, index=long.index)
    if "category_type" in long:
        blank = long["category_type"].fillna("").str.strip().eq("")
        if blank.any():
            keep &= blank
    if "sex" in long:
        persons = long["sex"].fillna("").str.strip().str.lower().eq("persons")
        if (persons & keep).any():
            keep &= persons
    left = int((~keep).sum())
    if left:
        logger.info("Fingertips: %d breakdown row(s) (sex, category) not compared", left)
    return long.loc[keep]


def fingertips_polarity(long: pd.DataFrame) -> str:
    """The polarity of a Fingertips indicator, read from its published England ratings.

    Conventions
    -----------
    Fingertips rates an indicator with a good direction "Better"/"Worse" and one without
    "Higher"/"Lower". A row rated "Better" whose value is below England's (same period) means
    low is good, above means high is good (likewise "Worse" the other way round). Without
    Better/Worse ratings, or without England rows, the polarity is ``"no judgement"``.

    Examples
    --------
    >>> df = pd.DataFrame({"area_code": ["E92000001", "E06000002"],
    ...     "period": ["2019/20", "2019/20"], "value": [52.1, 41.1],
    ...     "compared_to_england": ["Not compared", "Better"]})
    >>> fingertips_polarity(df)
    'low is good'
    """
    if "compared_to_england" not in long:
        return "no judgement"
    eng = long.loc[long["area_code"] == "E92000001"].set_index("period")["value"]
    eng = eng[~eng.index.duplicated()]
    votes = []
    for _, r in long.iterrows():
        rating = str(r["compared_to_england"]).strip().lower()
        if rating not in ("better", "worse") or r["period"] not in eng.index:
            continue
        above = r["value"] > eng.loc[r["period"]]
        votes.append("high is good" if above == (rating == "better") else "low is good")
    if not votes:
        return "no judgement"
    if len(set(votes)) > 1:
        logger.warning("Fingertips ratings disagree on the polarity; treated as no judgement")
        return "no judgement"
    return votes[0]


def fingertips_published(
    long: pd.DataFrame, area_codes: Iterable[str], area_name: str | Mapping[str, str]
) -> pd.DataFrame:
    """The published fields of a Fingertips file: polarity, rating and recent trend per row.

    Returns
    -------
    DataFrame
        ``indicator``, ``area_name`` (named as :func:`long_values` names them), ``period``,
        ``polarity`` (:func:`fingertips_polarity`, per indicator), ``published_rating``
        ("Better", "Similar", "Worse", "Higher", "Lower"; blank when "Not compared"),
        ``recent_trend`` (blank when "Cannot be calculated" or absent), ``lower_998``,
        ``upper_998``.
    """
    df = _headline(long)
    vals = long_values(df, area_codes, area_name, headline=False)
    ids = df["indicator_id"] if "indicator_id" in df else pd.Series("", index=df.index)
    polar = {i: fingertips_polarity(g) for i, g in df.groupby(ids.astype(str))}

    def text(c: str, drop: tuple[str, ...]) -> pd.Series:
        if c not in df:
            return pd.Series("", index=df.index)
        t = df[c].fillna("").astype(str).str.strip()
        return t.mask(t.str.lower().isin(drop), "")

    out = pd.DataFrame(
        {
            "indicator": ("fingertips_" + ids.astype(str)).str.rstrip("_"),
            "area_name": vals["area_name"].to_numpy() if len(vals) == len(df) else np.nan,
            "period": df["period"],
            "polarity": ids.astype(str).map(polar),
            "published_rating": text("compared_to_england", ("not compared", "")),
            "recent_trend": text("recent_trend", ("cannot be calculated", "")),
            "lower_998": df["lower_998"] if "lower_998" in df else np.nan,
            "upper_998": df["upper_998"] if "upper_998" in df else np.nan,
        }
    )
    return out.reset_index(drop=True)


def long_values(
    long: pd.DataFrame,
    area_codes: Iterable[str],
    area_name: str | Mapping[str, str],
    *,
    headline: bool = True,
) -> pd.DataFrame:
    """Rows of a long (Fingertips) file as :data:`VALUE_COLUMNS`, with the published intervals.

    The indicator is ``fingertips_<Indicator ID>`` (``fingertips`` when the file has no ID
    column) and ``note`` its published name. Rows of the study's codes are named
    ``area_name`` (or, when it is a mapping code -> name, each code's row by its own name: the
    districts of a study without a column of its own); England (E92000001) is named
    :data:`ENGLAND`; others keep their names.
    Values, limits, counts and denominators are as published (not recomputed). With
    ``headline`` only persons rows without a category breakdown are kept (when a file has
    them).
    """
    named = (
        dict(area_name) if isinstance(area_name, Mapping) else dict.fromkeys(area_codes, area_name)
    )
    df = _headline(long) if headline else long
    ids = df["indicator_id"] if "indicator_id" in df else pd.Series("", index=df.index)
    name = df["area_name"] if "area_name" in df else df["area_code"]
    name = name.where(~df["area_code"].isin(list(named)), df["area_code"].map(named))
    name = name.where(df["area_code"] != "E92000001", ENGLAND)

    def col(c: str) -> Any:
        return df[c].to_numpy(float) if c in df else np.nan

    out = pd.DataFrame(
        {
            "indicator": ("fingertips_" + ids.astype(str)).str.rstrip("_"),
            "period": df["period"],
            "area_name": name,
            "area_code": df["area_code"],
            "count": col("count"),
            "denominator": col("denominator"),
            "value": col("value"),
            "lower": col("lower_95"),
            "upper": col("upper_95"),
            "note": df["indicator_name"] if "indicator_name" in df else "",
        }
    )
    if headline:
        out = out.loc[out["value"].notna()]
    return out.reset_index(drop=True)
