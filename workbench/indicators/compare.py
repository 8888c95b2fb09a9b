"""Comparison with England and similar areas: significance ratings, trends, spine, funnel, rank.

Fingertips' method: an area's value is compared with the England value by whether the area's
95% confidence interval contains it; the result is "better" / "similar" / "worse" when the
indicator has a good direction, "higher" / "similar" / "lower" when it has none.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.indicators.catalogue import indicator as catalogue_entry
from workbench.indicators.national import ENGLAND, SEIZURE_COLUMNS, SUSPECT, NationalTables
from workbench.stats import funnel_plot, mann_kendall

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "RATING_COLOURS",
    "rate_against",
    "local_trend",
    "compare_with_england",
    "spine_chart",
    "area_features",
    "merged_areas",
    "similar_method",
    "SIMILAR_METHOD",
    "similar_areas",
    "similar_funnel",
    "denominator_label",
    "ranked_chart",
    "FORCE_INDICATORS",
    "trend_chart",
]

logger = logging.getLogger(__name__)

#: Indicators measured for the police force rather than the local authority.
FORCE_INDICATORS = tuple(SEIZURE_COLUMNS)
#: Fingertips-like colours of the ratings.
RATING_COLOURS = {
    "better": "#92D050",
    "similar": "#FFC000",
    "worse": "#C00000",
    "higher": "#BED2FF",
    "lower": "#5555E6",
    "not compared": "#FFFFFF",
}
_POOLED = ("deaths_misuse", "deaths_poisoning")
_POLICE = ("drug_offences", "asb", "sac", "neighbourhood_crime")
#: Columns of :func:`compare_with_england` (an empty comparison has them too).
COMPARISON_COLUMNS = [
    "indicator",
    "name",
    "unit",
    "polarity",
    "area",
    "period",
    "count",
    "denominator",
    "value",
    "lower",
    "upper",
    "england",
    "england_lower",
    "england_upper",
    "rating",
    "trend",
    "trend_p",
    "trend_n",
    "region",
    "region_value",
    "region_lower",
    "region_upper",
    "region_rating",
    "n_areas",
    "area_min",
    "area_q25",
    "area_q75",
    "area_max",
    "area_min_name",
    "area_max_name",
    "latest_period",
    "measure",
    "shown",
    "definition",
    "source",
    "synthetic",
    "note",
]
#: Label of rows computed from synthetic (invented) inputs.
SYNTHETIC = "SYNTHETIC"


def _entry(indicator: str, rows: pd.DataFrame | None = None, polarity: str = "no judgement"):
    """The catalogue entry, or for an indicator read from a long file (``fingertips_<id>``)
    an entry named by its file (its ``note``) with the polarity its published ratings show."""
    from workbench.indicators.catalogue import Indicator

    try:
        return catalogue_entry(indicator)
    except WorkbenchError:
        notes = rows["note"].dropna() if rows is not None and "note" in rows else []
        name = str(notes.iloc[0]) if len(notes) else indicator
        return Indicator(
            indicator,
            name,
            "as published",
            f"{name}: value, 95% interval and comparison with England as published",
            "OHID Fingertips download",
            "as published",
            "as published",
            polarity,
            "open data",
            "workbench.loaders.areas.read_fingertips",
            rate_type="as published",
        )


def rate_against(
    lower: float, upper: float, benchmark: float, polarity: str = "no judgement"
) -> str:
    """Fingertips significance rating of an interval against a benchmark value.

    Conventions
    -----------
    ``higher`` when ``lower > benchmark``, ``lower`` when ``upper < benchmark``, else
    ``similar`` (an interval touching the benchmark is similar). With ``polarity`` ``"low is
    good"`` higher reads ``worse`` and lower ``better``; ``"high is good"`` the reverse;
    ``"no judgement"`` keeps higher/lower. Missing values give ``"not compared"``.

    Examples
    --------
    >>> rate_against(2.9, 5.4, 4.41, "low is good")
    'similar'
    >>> rate_against(231.0, 264.0, 165.8, "low is good")
    'worse'
    >>> rate_against(24.2, 26.1, 24.26, "no judgement")
    'similar'
    """
    if any(pd.isna(v) for v in (lower, upper, benchmark)):
        return "not compared"
    if lower > benchmark:
        side = "higher"
    elif upper < benchmark:
        side = "lower"
    else:
        return "similar"
    if polarity == "low is good":
        return "worse" if side == "higher" else "better"
    if polarity == "high is good":
        return "better" if side == "higher" else "worse"
    return side


def local_trend(rows: pd.DataFrame, indicator: str, alpha: float = 0.05) -> dict[str, Any]:
    """Mann-Kendall trend of one area's values over its periods (oldest first).

    Pooled 3-year death rates overlap (each year is in three of them), so only the
    non-overlapping periods ending at the latest one are used. Fewer than 4 values give
    ``"too few periods"``. ``direction`` reads the trend with the indicator's polarity
    (``worsening`` / ``improving`` / ``increasing`` / ``decreasing`` / ``no trend``).
    """
    rows = rows.sort_values("period")
    values = rows["value"].to_numpy(float)
    if indicator in _POOLED:
        values = values[::-1][::3][::-1]
    values = values[~np.isnan(values)]
    if len(values) < 4:
        return {"trend": "too few periods", "trend_p": np.nan, "trend_n": len(values)}
    mk = mann_kendall(values, alpha=alpha)
    polarity = _entry(indicator, rows).polarity
    trend = mk.trend
    if trend != "no trend" and polarity != "no judgement":
        bad_up = polarity == "low is good"
        trend = "worsening" if (trend == "increasing") == bad_up else "improving"
    return {"trend": trend, "trend_p": mk.p, "trend_n": mk.n}


def compare_with_england(
    values: pd.DataFrame,
    area_name: str | None,
    *,
    force: str | None = None,
    region: str | None = None,
    alpha: float = 0.05,
    published: pd.DataFrame | None = None,
    synthetic: Sequence[str] = (),
) -> pd.DataFrame:
    """Each indicator's latest local value against England, with the spread of all areas.

    Parameters
    ----------
    values : DataFrame
        :data:`workbench.indicators.national.VALUE_COLUMNS` rows for every area and England
        (:func:`~workbench.indicators.national.area_values`), optionally with local-only
        indicators appended (police.uk, templates; no England rows).
    area_name : str or None
        The study's area as the tables name it; the local-only rows must use it too.
    force : str, optional
        The study's police force (for :data:`FORCE_INDICATORS`).
    region : str, optional
        The study's region: its rows ``"Region: <region>"`` give ``region_value`` (with
        ``region_lower``, ``region_upper``) and ``region_rating`` (the area's interval against
        the region's value, as against England).
    alpha : float, default 0.05
        Significance level of the trend test.
    published : DataFrame, optional
        Published fields of Fingertips rows (:func:`~workbench.indicators.national.
        fingertips_published`): their polarity, "compared with England" rating and recent
        trend are shown as published rather than re-derived.
    synthetic : sequence of str
        Indicators computed from synthetic inputs: their names start with ``SYNTHETIC:`` and
        ``synthetic`` is True.

    Returns
    -------
    DataFrame
        One row per indicator the area has a value for (:data:`COMPARISON_COLUMNS`):
        ``indicator``, ``name``, ``unit``, ``polarity``, ``area`` (area or force), ``period``
        (the latest period with a local value; with an England value when one exists),
        ``count``, ``denominator``, ``value``, ``lower``, ``upper``, ``england``,
        ``england_lower``, ``england_upper``, ``rating`` (:func:`rate_against`, or the
        published rating), ``trend``, ``trend_p``, ``trend_n`` (:func:`local_trend`, or the
        published recent trend), ``n_areas``, ``area_min``, ``area_q25``, ``area_q75``,
        ``area_max`` (other areas of the national tables, same period; regions, England and
        breakdowns of the study such as ``"<area>: opiate"`` left out), the region columns,
        ``latest_period`` (the latest local period, with or without England), ``measure``
        (crude rate, age-standardised rate, as published, proportion, count), ``shown``
        (computed by the workbench or published), ``definition``, ``source``, ``synthetic``
        and ``note``.
    """
    synthetic = set(synthetic)
    values, published, replaced = _published_for_catalogue(values, published, area_name)
    pub = None
    if published is not None and len(published):
        pub = published.set_index(["indicator", "area_name", "period"])
    rows = []
    for ind, grp in values.groupby("indicator", sort=False):
        who = force if ind in FORCE_INDICATORS else area_name
        if who is None:
            continue
        mine_all = grp.loc[grp["area_name"] == who]
        suspect = mine_all["note"].astype(str).str.startswith(SUSPECT)
        mine = mine_all.loc[~suspect]
        if mine.empty:
            continue
        eng = grp.loc[grp["area_name"] == ENGLAND].set_index("period")
        both = mine.loc[mine["period"].isin(eng.index)]
        latest = (both if len(both) else mine).sort_values("period").iloc[-1]
        newest = str(mine.sort_values("period")["period"].iloc[-1])
        key = (ind, who, latest["period"])
        p = pub.loc[key] if pub is not None and key in pub.index else None
        if isinstance(p, pd.DataFrame):
            p = p.iloc[0]
        entry = _entry(str(ind), grp, "no judgement" if p is None else str(p["polarity"]))
        if str(ind) in replaced:
            entry = replace(
                entry, rate_type="as published", source=f"OHID Fingertips {replaced[str(ind)]}"
            )
        e = eng.loc[latest["period"]] if latest["period"] in eng.index else None
        others = grp.loc[
            (grp["period"] == latest["period"])
            & ~grp["area_name"].isin([ENGLAND, who])
            & ~grp["area_name"].str.startswith("Region: ")
            & ~grp["area_name"].str.startswith(f"{who}: ")
        ]
        named = others.dropna(subset=["value"])
        lo_name = str(named.loc[named["value"].idxmin(), "area_name"]) if len(named) else ""
        hi_name = str(named.loc[named["value"].idxmax(), "area_name"]) if len(named) else ""
        others = others["value"]
        reg = grp.loc[
            (grp["period"] == latest["period"]) & (grp["area_name"] == f"Region: {region}")
        ]
        rv = reg.iloc[0] if len(reg) else None
        polarity = entry.polarity
        rating = rate_against(
            latest["lower"], latest["upper"], np.nan if e is None else e["value"], polarity
        )
        trend = local_trend(mine, str(ind), alpha)
        shown = f"computed by the workbench ({entry.measure})"
        if p is not None:
            rating = str(p["published_rating"]).lower() or rating
            if str(p["recent_trend"]).strip():
                trend = {
                    "trend": f"{p['recent_trend']} (published)",
                    "trend_p": np.nan,
                    "trend_n": trend["trend_n"],
                }
            shown = f"published value and rating ({entry.source})"
            if str(ind) in replaced:
                shown += ", not the workbench's own computation"
        is_synth = str(ind) in synthetic
        name = f"{SYNTHETIC}: {entry.name}" if is_synth else entry.name
        note = "" if e is not None else "no England value in the data"
        if e is None and str(ind) in _POLICE:
            note = (
                "police-recorded: no England value; compared with the force and its districts "
                "when [indicators] district_population is configured"
            )
        if newest != str(latest["period"]):
            note = (note + "; " if note else "") + (
                f"latest local period {newest} has no England value; {latest['period']} shown"
            )
        for _, bad in mine_all.loc[suspect].iterrows():
            r_text = re.search(r"r = -?[\d.]+", str(bad["note"]))
            why = f" ({r_text.group(0)} with the year before)" if r_text else ""
            note = (note + "; " if note else "") + f"{bad['period']} not used: {SUSPECT}{why}"
        rows.append(
            {
                "indicator": ind,
                "name": name,
                "unit": entry.unit,
                "polarity": polarity,
                "area": who,
                "period": latest["period"],
                "count": latest["count"],
                "denominator": latest["denominator"],
                "value": latest["value"],
                "lower": latest["lower"],
                "upper": latest["upper"],
                "england": np.nan if e is None else e["value"],
                "england_lower": np.nan if e is None else e["lower"],
                "england_upper": np.nan if e is None else e["upper"],
                "rating": rating,
                **trend,
                "region": region if rv is not None else pd.NA,
                "region_value": np.nan if rv is None else rv["value"],
                "region_lower": np.nan if rv is None else rv["lower"],
                "region_upper": np.nan if rv is None else rv["upper"],
                "region_rating": rate_against(
                    latest["lower"],
                    latest["upper"],
                    np.nan if rv is None else rv["value"],
                    polarity,
                ),
                "n_areas": len(others),
                "area_min": others.min() if len(others) else np.nan,
                "area_q25": others.quantile(0.25) if len(others) else np.nan,
                "area_q75": others.quantile(0.75) if len(others) else np.nan,
                "area_max": others.max() if len(others) else np.nan,
                "area_min_name": lo_name,
                "area_max_name": hi_name,
                "latest_period": newest,
                "measure": entry.measure,
                "shown": shown,
                "definition": entry.definition,
                "source": f"{SYNTHETIC} partnership table" if is_synth else entry.source,
                "synthetic": is_synth,
                "note": note,
            }
        )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def _published_for_catalogue(
    values: pd.DataFrame, published: pd.DataFrame | None, area_name: str | None
) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, str]]:
    """Fingertips rows standing in for the catalogue indicator they publish.

    When a Fingertips file of an indicator's :attr:`~workbench.indicators.catalogue.Indicator.
    fingertips_id` has the study's value, its rows become that indicator's rows and any value
    the workbench computed for it is dropped (logged): the published figure is shown.
    """
    from workbench.indicators.catalogue import CATALOGUE

    replaced: dict[str, str] = {}
    for entry in CATALOGUE:
        if entry.fingertips_id is None:
            continue
        ft = f"fingertips_{entry.fingertips_id}"
        rows = values["indicator"] == ft
        if not (rows & (values["area_name"] == area_name)).any():
            continue
        if (values["indicator"] == entry.id).any():
            logger.info("%s: the published %s is shown instead of the computed value", entry.id, ft)
        values = values.loc[values["indicator"] != entry.id].copy()
        values.loc[values["indicator"] == ft, "indicator"] = entry.id
        if published is not None:
            published = published.copy()
            published.loc[published["indicator"] == ft, "indicator"] = entry.id
        replaced[entry.id] = str(entry.fingertips_id)
    return values, published, replaced


def spine_chart(table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Fingertips-style spine chart of the indicators that have an England value.

    Conventions
    -----------
    One row per indicator. England is the centre line; each indicator's axis is scaled so that
    the area farthest from England (of all areas in the same period) reaches the edge. The
    light bars run from the lowest area to the 25th percentile and from the 75th to the
    highest, the dark bar is the interquartile range, and the marker is the local value
    coloured by its rating (:data:`RATING_COLOURS`); a black diamond marks the region's value
    when there is one. Extreme areas beyond 3 interquartile ranges from the quartiles (e.g.
    City of London's seizures) would squash every other area into a dot: the light bar is
    capped there, an arrow marks the cap, and a footnote names the area and its value.
    For indicators where low is good the axis is reversed so that **better is always to the
    right**. The left-hand columns give the period, count, local value,
    England value and the rating.

    Parameters
    ----------
    table : DataFrame
        :func:`compare_with_england` output.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    t = table.loc[table["england"].notna() & table["area_min"].notna()].reset_index(drop=True)
    if t.empty:
        raise WorkbenchError("spine_chart: no indicator has an England value and other areas")
    cap_notes: list[str] = []
    n = len(t)
    fig = plt.figure(figsize=(13, 0.55 * n + 1.8))
    grid = fig.add_gridspec(1, 2, width_ratios=[1.55, 1.0], wspace=0.02)
    left, ax = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    left.axis("off")
    left.set_ylim(n - 0.5, -1.2)
    ax.set_ylim(n - 0.5, -1.2)
    heads = [
        (0.0, "Indicator"),
        (0.47, "Period"),
        (0.60, "Count"),
        (0.70, "Local"),
        (0.79, "England"),
        (0.90, "Rating"),
    ]
    for x, text in heads:
        left.text(x, -0.9, text, fontsize=8, fontweight="bold", va="center")
    for i, r in t.iterrows():
        name = str(r["name"])
        if r["area"] != t["area"].iloc[0]:
            name = f"[{r['area']}] {name}"
        if len(name) > 50:  # two lines rather than a cut that makes two rows look the same
            import textwrap

            lines = textwrap.wrap(name, 50)
            name = lines[0] + "\n" + (lines[1] if len(lines) == 2 else lines[1][:48] + "…")
        left.text(0.0, i, name, fontsize=7 if "\n" in name else 7.5, va="center")
        left.text(0.47, i, str(r["period"]), fontsize=7.5, va="center")
        left.text(0.60, i, f"{r['count']:,.0f}", fontsize=7.5, va="center")
        left.text(0.70, i, f"{r['value']:.1f}", fontsize=7.5, va="center")
        left.text(0.79, i, f"{r['england']:.1f}", fontsize=7.5, va="center")
        left.text(0.90, i, str(r["rating"]), fontsize=7.5, va="center")
        e = r["england"]
        lo_v, hi_v, capped = _spine_range(r)
        cap_notes += capped
        half = max(abs(lo_v - e), abs(hi_v - e), abs(r["value"] - e), 1e-12)
        if pd.notna(r.get("region_value")):
            half = max(half, abs(r["region_value"] - e))
        flip = -1.0 if r["polarity"] == "low is good" else 1.0

        def pos(v: float, e: float = e, half: float = half, flip: float = flip) -> float:
            return 0.5 + flip * (v - e) / half * 0.5

        lo, hi = pos(lo_v), pos(hi_v)
        q1, q3 = pos(r["area_q25"]), pos(r["area_q75"])
        for v, side in ((r["area_min"], lo_v), (r["area_max"], hi_v)):
            if v != side:  # capped extreme: an arrow at the edge of the scale
                ax.annotate(
                    "",
                    xy=(pos(side), i),
                    xytext=(0.5 + (pos(side) - 0.5) * 0.9, i),
                    arrowprops={"arrowstyle": "->", "color": "#555555", "lw": 0.8},
                )
        a, b = sorted((lo, hi))
        c1, c3 = sorted((q1, q3))
        ax.barh(i, b - a, left=a, height=0.5, color="#D9D9D9", zorder=1)
        ax.barh(i, c3 - c1, left=c1, height=0.5, color="#8C8C8C", zorder=2)
        if "region_value" in r and pd.notna(r["region_value"]):
            ax.scatter(pos(r["region_value"]), i, s=28, marker="D", color="black", zorder=3)
        colour = RATING_COLOURS.get(r["rating"], "white")
        ax.scatter(pos(r["value"]), i, s=70, color=colour, edgecolor="black", zorder=4)
    ax.axvline(0.5, color="#C00000", lw=1.2, zorder=3)
    ax.set_xlim(-0.02, 1.02)
    ax.set_yticks([])
    ax.set_xticks([0.0, 0.5, 1.0], ["", "England", ""], fontsize=8)
    ax.text(0.0, -0.9, "← lower / worse", fontsize=7, va="center")
    ax.text(1.0, -0.9, "higher / better →", fontsize=7, va="center", ha="right")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    present = [k for k in RATING_COLOURS if k in set(t["rating"])]
    handles = [Patch(facecolor=RATING_COLOURS[k], edgecolor="black", label=k) for k in present]
    if "region_value" in t and t["region_value"].notna().any():
        from matplotlib.lines import Line2D

        handles.append(
            Line2D([], [], marker="D", color="black", lw=0, markersize=5, label="region")
        )
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.04),
        ncol=len(handles),
        fontsize=7,
        frameon=False,
    )
    if cap_notes:
        fig.text(
            0.01,
            0.005,
            "Scale capped at 3 interquartile ranges beyond the quartiles (arrow); beyond it: "
            + "; ".join(cap_notes),
            fontsize=6.5,
            wrap=True,
        )
    kinds = sorted(set(t["measure"].dropna().astype(str))) if "measure" in t else []
    fig.suptitle(
        title
        or f"{t['area'].iloc[0]} compared with England (95% intervals, Fingertips method)"
        + (f"\nvalues: {', '.join(kinds)}" if kinds else ""),
        fontsize=10,
    )
    return fig


def _spine_range(r: pd.Series, fences: float = 3.0) -> tuple[float, float, list[str]]:
    """The extremes a spine row is drawn to: the lowest and highest area, capped at Tukey's
    far-out fences (``fences`` x IQR beyond the quartiles, never inside the local value), with
    a note naming each area beyond them."""
    iqr = r["area_q75"] - r["area_q25"]
    lo_fence = min(r["area_q25"] - fences * iqr, r["value"])
    hi_fence = max(r["area_q75"] + fences * iqr, r["value"])
    lo, hi, notes = r["area_min"], r["area_max"], []
    if hi > hi_fence:
        notes.append(f"{r.get('area_max_name', '') or 'highest area'} {hi:,.1f} ({r['name']})")
        hi = hi_fence
    if lo < lo_fence:
        notes.append(f"{r.get('area_min_name', '') or 'lowest area'} {lo:,.1f} ({r['name']})")
        lo = lo_fence
    return lo, hi, notes


def area_features(
    tables: NationalTables, year: str = "2019", *, keep_merged: bool = False
) -> pd.DataFrame:
    """IMD average score and population of every area, indexed by area name (one year).

    Areas that the tables' publisher merged (e.g. "City of London and Hackney", "Bournemouth
    and Poole": names matched as ``merged area`` in ``tables.matches()``) correspond to no
    partnership and are left out unless ``keep_merged``; :func:`merged_areas` lists them.
    """
    imd = tables.tables.get("imd_average")
    pop = tables.tables.get("population")
    if imd is None or pop is None:
        raise WorkbenchError("similar areas need [indicators] imd_average and population")
    i = imd.loc[imd["period"] == year].set_index("area_name")["value"]
    p = pop.loc[pop["period"] == year].set_index("area_name")["value"]
    if i.empty or p.empty:
        raise WorkbenchError(f"similar areas: no IMD average or population for {year}")
    out = pd.DataFrame({"imd_score": i, "population": p}).dropna()
    out.index.name = "area_name"
    if not keep_merged:
        merged = merged_areas(tables)
        out = out.loc[~out.index.isin(merged)]
        if merged:
            logger.info("Similar areas: %d merged area(s) left out: %s", len(merged), merged)
    return out


def merged_areas(tables: NationalTables) -> list[str]:
    """Names of the tables' merged areas (several districts or authorities in one column).

    Names matched as ``merged area`` (every part a district), names that no code matched and
    that join two places with " and ", and locations of two or more local authorities in the
    repackager's lists (``[indicators] area_regions``: "Cheshire", "Bedfordshire", "East
    Berkshire").
    """
    from workbench.loaders.areas import MATCH, normalise_area_name

    m = tables.matches()
    parts = m["match"] == MATCH["parts"]
    # names no code matched that join two places ("Tameside and Glossop", "Bournemouth and
    # Poole"): merged too (a real county matches no district code either, but has no " and ")
    joined = (m["match"] == MATCH["none"]) & m["area_name"].astype(str).str.contains(" and ")
    # the repackager's lists: a location of two or more authorities ("Cheshire")
    listed = (
        m["area_name"]
        .map(lambda n: len(tables.members.get(normalise_area_name(n), [])) > 1)
        .astype(bool)
    )
    return sorted(set(m.loc[parts | joined | listed, "area_name"].astype(str)))


#: How the similar-areas group is made, shown beside every chart of it.
SIMILAR_METHOD = (
    "Similar areas: the {k} nearest of {n} upper-tier areas on the IMD 2019 average score and "
    "log10 of the mid-{year} population, each standardised (z-scores), Euclidean distance. "
    "{merged} merged area(s) of the source tables (e.g. 'City of London and Hackney') "
    "match no partnership and are left out."
)


def similar_method(tables: NationalTables, k: int | Sequence[str], year: str = "2019") -> str:
    """The sentence describing the similar-areas group (:data:`SIMILAR_METHOD`)."""
    n = len(area_features(tables, year)) - 1
    if not isinstance(k, (int, np.integer)):
        return (
            f"Similar areas: {len(k)} areas named in [indicators] similar_areas; merged areas of "
            "the source tables are not partnerships and cannot be named."
        )
    return SIMILAR_METHOD.format(k=int(k), n=n, year=year, merged=len(merged_areas(tables)))


def similar_areas(
    features: pd.DataFrame,
    target: str,
    k: int | Sequence[str] = 10,
) -> pd.DataFrame:
    """A nearest-neighbour group of areas like ``target``, with the reason for each member.

    Conventions
    -----------
    Each area is described by its IMD 2019 average score and the log10 of its population;
    both are standardised over all areas (z = (x - mean) / standard deviation, ddof = 1) and
    the distance is Euclidean on the two z-scores, so one standard deviation of deprivation
    counts as much as one of (log) size. The ``k`` nearest areas form the group (ties broken
    by name). Passing a list of names instead gives that group (the reason then says it was
    chosen by the user) with the same distances for information.

    Returns
    -------
    DataFrame
        ``rank``, ``area_name``, ``imd_score``, ``population``, ``imd_diff_sd``,
        ``size_diff_sd``, ``distance``, ``reason``.
    """
    if target not in features.index:
        raise WorkbenchError(f"similar_areas: target {target!r} is not among the areas")
    f = pd.DataFrame(
        {"imd": features["imd_score"], "size": np.log10(features["population"].astype(float))}
    )
    z = (f - f.mean()) / f.std(ddof=1)
    d = z - z.loc[target]
    dist = np.sqrt((d**2).sum(axis=1)).drop(target)
    table = pd.DataFrame(
        {
            "area_name": dist.index,
            "imd_score": features.loc[dist.index, "imd_score"].to_numpy(),
            "population": features.loc[dist.index, "population"].to_numpy(),
            "imd_diff_sd": d.loc[dist.index, "imd"].to_numpy(),
            "size_diff_sd": d.loc[dist.index, "size"].to_numpy(),
            "distance": dist.to_numpy(),
        }
    ).sort_values(["distance", "area_name"])
    table["rank"] = np.arange(1, len(table) + 1)
    t_imd, t_pop = features.loc[target, "imd_score"], features.loc[target, "population"]
    if isinstance(k, (int, np.integer)):
        chosen = table.head(int(k)).copy()
        how = f"one of the {int(k)} nearest of {len(table)} areas"
    else:
        missing = [a for a in k if a not in table["area_name"].to_numpy()]
        if missing:
            raise WorkbenchError(f"similar_areas: unknown area name(s) {missing}")
        chosen = table.loc[table["area_name"].isin(list(k))].copy()
        how = "named in [indicators] similar_areas"

    def reason(r: pd.Series) -> str:
        return (
            f"{how}: IMD average score {r['imd_score']:.1f} ({target} {t_imd:.1f}; "
            f"{r['imd_diff_sd']:+.2f} SD), population {r['population']:,.0f} ({target} "
            f"{t_pop:,.0f}; {r['size_diff_sd']:+.2f} SD on a log scale); distance "
            f"{r['distance']:.2f}, rank {r['rank']}"
        )

    chosen["reason"] = chosen.apply(reason, axis=1)
    cols = ["rank", "area_name", "imd_score", "population", "imd_diff_sd", "size_diff_sd"]
    return chosen[[*cols, "distance", "reason"]].reset_index(drop=True)


def _group_rows(
    values: pd.DataFrame, indicator: str, period: str, areas: Sequence[str]
) -> pd.DataFrame:
    rows = values.loc[
        (values["indicator"] == indicator)
        & (values["period"] == period)
        & values["area_name"].isin(list(areas))
    ]
    return rows.set_index("area_name")


def denominator_label(indicator: str, period: str) -> str:
    """What an indicator's denominator is, for a funnel plot's x-axis.

    Examples
    --------
    >>> denominator_label("deaths_misuse", "2016-2018")
    'person-years at risk (resident population summed over 2016-2018)'
    >>> denominator_label("admissions_poisoning", "2018/19")
    'resident population, mid-2018'
    """
    if indicator in _POOLED:
        return f"person-years at risk (resident population summed over {period})"
    if indicator in FORCE_INDICATORS:
        return f"force-area resident population, mid-{str(period)[:4]}"
    if indicator.startswith("admissions"):
        return f"resident population, mid-{str(period)[:4]}"
    return "denominator"


def similar_funnel(
    values: pd.DataFrame,
    indicator: str,
    period: str,
    area_name: str,
    group: Sequence[str],
    *,
    title: str | None = None,
    method: str | None = None,
) -> Figure:
    """Funnel plot of the area and its similar areas around the England value.

    Uses :func:`workbench.stats.funnel_plot` (exact Poisson limits for rates at 95% and
    99.8%) with the England rate as the target and the area highlighted. The x-axis says what
    the denominator is (:func:`denominator_label`: person-years for pooled deaths); ``method``
    (:func:`similar_method`) is printed under the chart.
    """
    rows = _group_rows(values, indicator, period, [area_name, *group])
    if area_name not in rows.index:
        raise WorkbenchError(f"similar_funnel: {area_name!r} has no {indicator} for {period}")
    eng = _group_rows(values, indicator, period, [ENGLAND])["value"]
    entry = catalogue_entry(indicator)
    fig = funnel_plot(
        rows["count"],
        rows["denominator"],
        kind="rate",
        target=float(eng.iloc[0]) if len(eng) else None,
        per=entry.per or 10_000,
        highlight=area_name,
        title=title
        or f"{entry.name}, {period} ({entry.measure})\n{area_name} and similar areas; "
        "target = England",
        xlabel=denominator_label(indicator, period),
        ylabel=f"{entry.measure} {entry.unit}",
    )
    if method:
        fig.text(0.01, 0.005, method, fontsize=6.5, wrap=True)
        fig.subplots_adjust(bottom=0.22)
    return fig


def ranked_chart(
    values: pd.DataFrame,
    indicator: str,
    period: str,
    area_name: str,
    group: Sequence[str],
    *,
    title: str | None = None,
) -> Figure:
    """The area and its similar areas ranked by value, with 95% intervals and England."""
    import matplotlib.pyplot as plt

    rows = _group_rows(values, indicator, period, [area_name, *group]).sort_values("value")
    eng = _group_rows(values, indicator, period, [ENGLAND])
    entry = catalogue_entry(indicator)
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(rows) + 1.5))
    y = np.arange(len(rows))
    colours = ["tab:purple" if a == area_name else "tab:blue" for a in rows.index]
    ax.errorbar(
        rows["value"],
        y,
        xerr=[rows["value"] - rows["lower"], rows["upper"] - rows["value"]],
        fmt="none",
        ecolor="grey",
        lw=1,
    )
    ax.scatter(rows["value"], y, c=colours, zorder=3, s=25)
    if len(eng):
        ax.axvline(float(eng["value"].iloc[0]), color="#C00000", lw=1, label="England")
        ax.legend(fontsize=8, frameon=False)
    ax.set_yticks(y, [str(a) for a in rows.index], fontsize=8)
    ax.set_xlabel(f"{entry.measure} {entry.unit} (95% interval)")
    ax.set_title(title or f"{entry.name}, {period}", fontsize=9)
    fig.tight_layout()
    return fig


def trend_chart(
    values: pd.DataFrame,
    comparison: pd.DataFrame,
    *,
    region: str | None = None,
    columns: int = 3,
) -> Figure:
    """Small multiples: each indicator's local values over the periods, with England and region.

    One panel per indicator of ``comparison`` with at least two local periods: the local value
    with its 95% interval (error bars), England as a red line and the region (when given) as a
    black dashed line, periods in order. The panel title carries the trend result.
    """
    import matplotlib.pyplot as plt

    panels = []
    for _, r in comparison.iterrows():
        rows = values.loc[values["indicator"] == r["indicator"]]
        mine = rows.loc[rows["area_name"] == r["area"]].sort_values("period")
        if len(mine) >= 2:
            panels.append((r, rows, mine))
    if not panels:
        raise WorkbenchError("trend_chart: no indicator has two or more periods")
    n_rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(n_rows, columns, figsize=(4.2 * columns, 2.8 * n_rows), squeeze=False)
    for ax, (r, rows, mine) in zip(axes.ravel(), panels, strict=False):
        x = np.arange(len(mine))
        ax.errorbar(
            x,
            mine["value"],
            yerr=[mine["value"] - mine["lower"], mine["upper"] - mine["value"]],
            fmt="o-",
            color="tab:purple",
            ms=3,
            lw=1,
            ecolor="grey",
            label=str(r["area"]),
        )
        for who, style, colour in (
            (ENGLAND, "-", "#C00000"),
            (f"Region: {region}" if region else None, "--", "black"),
        ):
            if who is None:
                continue
            ref = rows.loc[rows["area_name"] == who].set_index("period")["value"]
            ref = ref.reindex(mine["period"])
            if ref.notna().any():
                ax.plot(x, ref.to_numpy(), style, color=colour, lw=1, label=who)
        ax.set_xticks(x, mine["period"].tolist(), rotation=45, ha="right", fontsize=6)
        ax.tick_params(axis="y", labelsize=7)
        if "measure" in r and pd.notna(r["measure"]):
            ax.set_ylabel(f"{r['measure']}, {r['unit']}", fontsize=6)
        name = str(r["name"])
        ax.set_title(
            (name if len(name) <= 48 else name[:46] + "…") + f"\ntrend: {r['trend']}", fontsize=7
        )
        ax.legend(fontsize=6, frameon=False)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig
