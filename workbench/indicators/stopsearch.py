"""Stop and search by ethnic group: rates per 1,000, disproportionality against White, outcomes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from workbench.disclosure.spec import Described
from workbench.errors import WorkbenchError
from workbench.stats import proportion, rate, z_value

__all__ = [
    "DRUG_SEARCH",
    "ETHNIC_GROUPS",
    "ethnic_group",
    "search_disparity",
    "publish_disparity",
]

logger = logging.getLogger(__name__)

#: The five Census 2021 high-level ethnic groups (the population denominators' groups).
ETHNIC_GROUPS = ("White", "Asian", "Black", "Mixed", "Other")
#: The police.uk ``Object of search`` of drug searches.
DRUG_SEARCH = "Controlled drugs"
#: Label of records whose ethnicity is not stated or not recognised.
UNKNOWN = "Not stated / unknown"

# police.uk self-defined ethnicity texts start with the Census group heading
_PREFIXES = (
    ("white", "White"),
    ("asian", "Asian"),
    ("black", "Black"),
    ("mixed", "Mixed"),
    ("other ethnic group - not stated", UNKNOWN),
    ("other", "Other"),
)


def ethnic_group(values: pd.Series) -> pd.Series:
    """Map police.uk ethnicity text to the five Census groups (else "Not stated / unknown").

    Self-defined values such as ``"Asian/Asian British - Indian"`` or ``"White - English/
    Welsh/Scottish/Northern Irish/British"`` and officer-defined values (``"Asian"``,
    ``"White"``) map by their first words; ``"Other ethnic group - Not stated"`` and blanks are
    unknown.

    Examples
    --------
    >>> ethnic_group(pd.Series(["Asian/Asian British - Indian", "Other ethnic group - Not stated",
    ...                         None, "Black"])).tolist()
    ['Asian', 'Not stated / unknown', 'Not stated / unknown', 'Black']
    """
    text = values.astype("string").str.strip().str.lower().fillna("")
    out = pd.Series(UNKNOWN, index=values.index, dtype="string")
    done = pd.Series(False, index=values.index)
    for prefix, group in _PREFIXES:
        hit = text.str.startswith(prefix) & ~done
        out[hit] = group
        done |= hit
    return out


def _linked(values: pd.Series) -> pd.Series:
    """'Outcome linked to object of search' as True/False/<NA> (text or booleans)."""
    text = values.astype("string").str.strip().str.lower()
    return text.map({"true": True, "false": False}).astype("boolean")


def search_disparity(
    searches: pd.DataFrame,
    population: Mapping[str, float] | pd.Series,
    *,
    column: str = "self_defined_ethnicity",
    reference: str = "White",
    per: int = 1_000,
    conf: float = 0.95,
    object_of_search: str | None = DRUG_SEARCH,
) -> Described:
    """Searches per ``per`` residents by ethnic group, the ratio to the reference group, outcomes.

    Conventions
    -----------
    - Rate = searches of the group / the group's resident population x ``per`` (1,000), exact
      Poisson interval below 10 searches, Byar's from 10 (:func:`workbench.stats.rate`).
    - Disproportionality ratio = rate of the group / rate of ``reference``; 95% interval
      log-normal: ``exp(ln RR -/+ z sqrt(1/a + 1/b))`` with ``a``, ``b`` the two groups'
      search counts (populations treated as known without error, as the Home Office's
      disproportionality figures do). Undefined (missing) when either count is zero.
    - Only searches whose ``Object of search`` is ``object_of_search`` count (default
      "Controlled drugs": the drug searches a partnership watches; ``None`` for all searches);
      the others are left out and logged.
    - Find rate ("linked") = searches whose outcome was linked to the object of the search /
      searches where that field is recorded (``True`` or ``False``), Wilson interval, in %.
    - Records whose ethnicity is not stated (or not recognised) get a row with counts but no
      rate: they have no population. The ``All`` row covers every record; its rate uses the
      total population of the groups.

    Parameters
    ----------
    searches : DataFrame
        Stop and search records (``workbench.loaders.police.read_stop_search``): ``column``
        and ``outcome_linked``.
    population : mapping or Series
        Residents by ethnic group (:data:`ETHNIC_GROUPS`).
    column : str, default "self_defined_ethnicity"
        Which ethnicity to use (``"officer_defined_ethnicity"`` also possible). Self-defined
        matches the Census, which is self-reported.

    Returns
    -------
    Described
        Described by :func:`workbench.indicators.specs.stop_search_disparity`. Frame:
        ``group``, ``searches``, ``population``, ``rate``, ``lower``, ``upper``, ``ratio``,
        ``ratio_lower``, ``ratio_upper``, ``linked``, ``linked_known``, ``linked_rate``,
        ``linked_lower``, ``linked_upper``.
    """
    if column not in searches.columns:
        raise WorkbenchError(f"search_disparity: column {column!r} is not in the searches")
    pop = pd.Series(dict(population), dtype=float)
    unknown = [g for g in pop.index if g not in ETHNIC_GROUPS]
    if unknown or reference not in pop.index:
        raise WorkbenchError(
            f"population must give residents for {', '.join(ETHNIC_GROUPS)} (with {reference!r}); "
            f"found {list(pop.index)}"
        )
    if object_of_search is not None:
        if "object_of_search" not in searches.columns:
            raise WorkbenchError("search_disparity: the searches have no 'Object of search'")
        obj = searches["object_of_search"].astype("string").str.strip().str.lower()
        keep = obj.eq(object_of_search.lower()).fillna(False).astype(bool)
        logger.info(
            "Stop and search: %d of %d searches for %r kept (other objects left out)",
            int(keep.sum()),
            len(searches),
            object_of_search,
        )
        searches = searches.loc[keep]
        if searches.empty:
            raise WorkbenchError(f"search_disparity: no searches for {object_of_search!r}")
    group = ethnic_group(searches[column])
    linked = (
        _linked(searches["outcome_linked"])
        if "outcome_linked" in searches
        else pd.Series(pd.NA, index=searches.index, dtype="boolean")
    )
    order = [g for g in ETHNIC_GROUPS if g in pop.index] + [UNKNOWN, "All"]
    rows = []
    for g in order:
        sel = (
            pd.Series(True, index=searches.index)
            if g == "All"
            else (group == g).fillna(False).astype(bool)
        )
        known = linked[sel].notna()
        rows.append(
            {
                "group": g,
                "searches": int(sel.sum()),
                "population": float(pop.sum()) if g == "All" else float(pop.get(g, np.nan)),
                "linked": int(linked[sel][known].sum()),
                "linked_known": int(known.sum()),
            }
        )
    out = pd.DataFrame(rows)
    has_pop = out["population"].notna() & (out["population"] > 0)
    r = rate(out.loc[has_pop, "searches"], out.loc[has_pop, "population"], per=per, conf=conf)
    for c in ("rate", "lower", "upper"):
        out[c] = np.nan
        out.loc[has_pop, c] = r[c].to_numpy()
    z = z_value(conf)
    ref = out.loc[out["group"] == reference].iloc[0]
    b = float(ref["searches"])
    out["ratio"] = np.nan
    out["ratio_lower"] = np.nan
    out["ratio_upper"] = np.nan
    groups = out["group"].isin(ETHNIC_GROUPS)
    a = out["searches"].astype(float)
    ok = groups & (a > 0) & (b > 0)
    ratio = out["rate"] / float(ref["rate"]) if b > 0 else np.nan
    with np.errstate(divide="ignore"):
        se = np.sqrt(1 / a + 1 / b) if b > 0 else np.nan
    out.loc[ok, "ratio"] = ratio[ok]
    out.loc[ok, "ratio_lower"] = np.exp(np.log(ratio[ok]) - z * se[ok])
    out.loc[ok, "ratio_upper"] = np.exp(np.log(ratio[ok]) + z * se[ok])
    out[["linked_rate", "linked_lower", "linked_upper"]] = np.nan
    k = out["linked_known"] > 0
    if k.any():
        p = proportion(out.loc[k, "linked"], out.loc[k, "linked_known"], conf=conf)
        out.loc[k, "linked_rate"] = (p["proportion"] * 100).to_numpy()
        out.loc[k, "linked_lower"] = (p["lower"] * 100).to_numpy()
        out.loc[k, "linked_upper"] = (p["upper"] * 100).to_numpy()
    from workbench.indicators.specs import stop_search_disparity

    return Described.of(out, stop_search_disparity(per))


def publish_disparity(outputs: Any, table: Described, name: str = "stop_search_disparity"):
    """Write the disparity table through the study's disclosure path (``Outputs.table``).

    ``table`` is :func:`search_disparity`'s result, described by
    :func:`workbench.indicators.specs.stop_search_disparity`: searches, searches
    with the outcome field recorded and linked outcomes are counts (police.uk open data,
    shown in full when the study sets ``[disclosure] open_data_in_full``, otherwise small
    counts are hidden with the rates, ratios and intervals derived from them).
    """
    return outputs.table(
        name,
        table,
        note=(
            "Drug searches (object of search 'Controlled drugs') per 1,000 residents by "
            "self-defined ethnic group (Census 2021 groups); ratio to the White group with a "
            "log-normal 95% interval; find rate (linked) = outcome linked to the object of the "
            "search, among searches where it is recorded (Wilson 95%)."
        ),
    )
