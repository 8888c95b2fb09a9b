"""Comparison with England and similar areas: significance ratings, trends, spine, funnel, rank.

Fingertips' method: an area's value is compared with the England value by whether the area's
95% confidence interval contains it; the result is "better" / "similar" / "worse" when the
indicator has a good direction, "higher" / "similar" / "lower" when it has none.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.indicators.catalogue import indicator as catalogue_entry
from workbench.indicators.national import ENGLAND, SEIZURE_COLUMNS, NationalTables
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
    "similar_areas",
    "similar_funnel",
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
    "note",
]


def _entry(indicator: str, rows: pd.DataFrame | None = None):
    """The catalogue entry, or for an indicator read from a long file (``fingertips_<id>``)
    an entry named by its file (its ``note``), without a good direction."""
    from workbench.indicators.catalogue import Indicator

    try:
        return catalogue_entry(indicator)
    except WorkbenchError:
        name = str(rows["note"].dropna().iloc[0]) if rows is not None and len(rows) else indicator
        return Indicator(
            indicator,
            name,
            "as published",
            name,
            "long area file",
            "as published",
            "as published",
            "no judgement",
            "open data",
            "read_area_long",
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

    Returns
    -------
    DataFrame
        One row per indicator the area has a value for: ``indicator``, ``name``, ``unit``,
        ``polarity``, ``area`` (area or force), ``period`` (the latest period with a local
        value; with an England value when one exists), ``count``, ``denominator``, ``value``,
        ``lower``, ``upper``, ``england``, ``england_lower``, ``england_upper``, ``rating``
        (:func:`rate_against`), ``trend``, ``trend_p``, ``trend_n`` (:func:`local_trend`),
        ``n_areas``, ``area_min``, ``area_q25``, ``area_q75``, ``area_max`` (other areas, same
        period; regions left out), the region columns above and ``note``.
    """
    rows = []
    for ind, grp in values.groupby("indicator", sort=False):
        who = force if ind in FORCE_INDICATORS else area_name
        if who is None:
            continue
        mine = grp.loc[grp["area_name"] == who]
        if mine.empty:
            continue
        eng = grp.loc[grp["area_name"] == ENGLAND].set_index("period")
        both = mine.loc[mine["period"].isin(eng.index)]
        latest = (both if len(both) else mine).sort_values("period").iloc[-1]
        entry = _entry(str(ind), grp)
        e = eng.loc[latest["period"]] if latest["period"] in eng.index else None
        others = grp.loc[
            (grp["period"] == latest["period"])
            & ~grp["area_name"].isin([ENGLAND, who])
            & ~grp["area_name"].str.startswith("Region: ")
        ]["value"]
        reg = grp.loc[
            (grp["period"] == latest["period"]) & (grp["area_name"] == f"Region: {region}")
        ]
        rv = reg.iloc[0] if len(reg) else None
        polarity = entry.polarity
        rows.append(
            {
                "indicator": ind,
                "name": entry.name,
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
                "rating": rate_against(
                    latest["lower"], latest["upper"], np.nan if e is None else e["value"], polarity
                ),
                **local_trend(mine, str(ind), alpha),
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
                "note": "" if e is not None else "no England value in the data",
            }
        )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def spine_chart(table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Fingertips-style spine chart of the indicators that have an England value.

    Conventions
    -----------
    One row per indicator. England is the centre line; each indicator's axis is scaled so that
    the area farthest from England (of all areas in the same period) reaches the edge. The
    light bars run from the lowest area to the 25th percentile and from the 75th to the
    highest, the dark bar is the interquartile range, and the marker is the local value
    coloured by its rating (:data:`RATING_COLOURS`); a black diamond marks the region's value
    when there is one. For indicators where low is good the axis is reversed so that **better
    is always to the right**. The left-hand columns give the period, count, local value,
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
        name = name if len(name) <= 52 else name[:50] + "…"
        left.text(0.0, i, name, fontsize=7.5, va="center")
        left.text(0.47, i, str(r["period"]), fontsize=7.5, va="center")
        left.text(0.60, i, f"{r['count']:,.0f}", fontsize=7.5, va="center")
        left.text(0.70, i, f"{r['value']:.1f}", fontsize=7.5, va="center")
        left.text(0.79, i, f"{r['england']:.1f}", fontsize=7.5, va="center")
        left.text(0.90, i, str(r["rating"]), fontsize=7.5, va="center")
        e = r["england"]
        half = max(abs(r["area_min"] - e), abs(r["area_max"] - e), abs(r["value"] - e), 1e-12)
        flip = -1.0 if r["polarity"] == "low is good" else 1.0

        def pos(v: float, e: float = e, half: float = half, flip: float = flip) -> float:
            return 0.5 + flip * (v - e) / half * 0.5

        lo, q1, q3, hi = (pos(r[c]) for c in ("area_min", "area_q25", "area_q75", "area_max"))
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
    fig.suptitle(
        title or f"{t['area'].iloc[0]} compared with England (95% intervals, Fingertips method)",
        fontsize=10,
    )
    return fig


def area_features(tables: NationalTables, year: str = "2019") -> pd.DataFrame:
    """IMD average score and population of every area, indexed by area name (one year)."""
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
    return out


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


def similar_funnel(
    values: pd.DataFrame,
    indicator: str,
    period: str,
    area_name: str,
    group: Sequence[str],
    *,
    title: str | None = None,
) -> Figure:
    """Funnel plot of the area and its similar areas around the England value.

    Uses :func:`workbench.stats.funnel_plot` (exact Poisson limits for rates at 95% and
    99.8%) with the England rate as the target and the area highlighted.
    """
    rows = _group_rows(values, indicator, period, [area_name, *group])
    if area_name not in rows.index:
        raise WorkbenchError(f"similar_funnel: {area_name!r} has no {indicator} for {period}")
    eng = _group_rows(values, indicator, period, [ENGLAND])["value"]
    entry = catalogue_entry(indicator)
    return funnel_plot(
        rows["count"],
        rows["denominator"],
        kind="rate",
        target=float(eng.iloc[0]) if len(eng) else None,
        per=entry.per or 10_000,
        highlight=area_name,
        title=title or f"{entry.name}, {period}\n{area_name} and similar areas; target = England",
    )


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
    ax.set_xlabel(f"{entry.unit} (95% interval)")
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
        name = str(r["name"])
        ax.set_title(
            (name if len(name) <= 48 else name[:46] + "…") + f"\ntrend: {r['trend']}", fontsize=7
        )
        ax.legend(fontsize=6, frameon=False)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig
