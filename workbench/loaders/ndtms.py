"""NDTMS ViewIt exports: the adult "all indicators" export of one area, and England's.

A ViewIt export has one row per financial year x sex x age group x drug group, with ``TOTAL``
rows already summed by the tool (never add them again). Local authority counts are rounded to
the nearest 5 at source; ``NULL`` means "not collected that year" and stays missing (never 0).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.errors import DataError
from workbench.ledger import FileLedger, Ledger
from workbench.loaders._io import display_name, norm, show

__all__ = [
    "DRUG_GROUPS",
    "KEY_COLUMNS",
    "VIEWIT_MEASURES",
    "ViewIt",
    "read_viewit",
]

logger = logging.getLogger(__name__)

#: Our names of the five key columns, and the headers each may have in an export (the local
#: authority "all indicators" export and the England ethnicity export spell them differently).
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "financial_year": ("reportingperiod", "reportingperiod_data"),
    "area": ("area", "area_data"),
    "sex": ("sex", "gender_data"),
    "age_group": ("age_group", "agegroup_data"),
    "drug_group": ("drug_group", "druggroup_data"),
}
#: The key headers as the local authority export spells them (for messages).
_KEY_HEADERS = {
    "financial_year": "ReportingPeriod",
    "area": "Area",
    "sex": "sex",
    "age_group": "age_group",
    "drug_group": "drug_group",
}
#: Drug group labels (upper-cased) of both exports -> our names.
DRUG_GROUPS: dict[str, str] = {
    "TOTAL": "total",
    "OPIATE": "opiate",
    "OPIATES": "opiate",
    "NON-OPIATE ONLY": "non_opiate_only",
    "NON-OPIATES ONLY": "non_opiate_only",
    "ALCOHOL ONLY": "alcohol_only",
    "NON-OPIATE & ALCOHOL": "non_opiate_and_alcohol",
    "ALCOHOL & NON-OPIATES": "non_opiate_and_alcohol",
}
_SEXES = {"F": "Female", "M": "Male", "TOTAL": "Total"}
_AGES = {"18-29": "18-29", "30-49": "30-49", "50+": "50+", "TOTAL": "Total"}
#: England export measure headers -> the local authority export's names.
_ENGLAND_NAMES = {"num_intreatment_allintx": "intreatment_allintx"}

# The 239 measure columns of the ViewIt adult "all indicators" export (2009/10-2021/22 layout),
# written as prefix: suffixes so that a renamed or misspelt header is recognised as such.
_MEASURE_SPEC = """
intreatment: allintx
newpresentation: newtx
eth: white_allintx mixed_allintx asian_allintx black_allintx other_allintx white_newtx
  mixed_newtx asian_newtx black_newtx other_newtx
referralsource: criminal_justice_newtx health_services_social_care_newtx missing_newtx
  other_newtx self_family_friends_newtx substance_misuse_service_newtx
housingsituation: urgentproblem_newtx housingproblem_newtx noproblem_newtx other_newtx
  notstatedormissing_newtx
waitsfirst: 3weeksandunder_newtx 3to6weeks_newtx over6weeks_newtx
waitssub: 3weeksandunder_newtx 3to6weeks_newtx over6weeks_newtx
exits: successfulcompletion_allintx died_allintx droppedout_allintx movedaway_allintx
  noappropriatetreatment_allintx notknown_allintx other_allintx prison_allintx
  transferrednotincustody_allintx transferredincustody_allintx referredon_allintx
  treatmentdeclined_allintx treatmentwithdrawn_allintx inconsistent_allintx
safeguarding: parentlivingwithchildren_allintx othercontactlivingwithchildren_allintx
  parentsnotwithchildren_allintx notparentnocontactwithchildren_allintx
  livingwithincompletedata_allintx num_of_children_allintx parentlivingwithchildren_newtx
  othercontactlivingwithchildren_newtx parentsnotwithchildren_newtx
  notparentnocontactwithchildren_newtx livingwithincompletedata_newtx num_of_children_newtx
employmentstatus: regularemployment_newtx unemployedinactive_newtx longtermsickdisabled_newtx
  ineducation_newtx unpaidvoluntary_newtx other_newtx notstatedmissing_newtx
lengthintreatment: under1year_allintx 1to2years_allintx 2to4years_allintx 4to6years_allintx
  over6years_allintx under1year_exits_allintx 1to2years_exits_allintx 2to4years_exits_allintx
  4to6years_exits_allintx over6years_exits_allintx
alc_units: 0_allintx 1to199_allintx 200to399_allintx 400to599_allintx 600to799_allintx
  800to999_allintx 1000andover_allintx
substanceanycitation: {substances}
injecting: currently_injecting_newtx previously_injecting_newtx never_newtx
  declinedtoanswer_newtx missing_newtx
interventions: prescribing_precdsj psycho_precdsj inpatient_detox_precdsj structured_day_precdsj
  residential_rehab_precdsj other_structured_precdsj oldyp_precdsj psycommunity psyinpatient
  psyprimarycare psyresidentialrehab psyrecoveryhouse psyyoungpersons psymissingsetting
  psy_total precommunity preinpatient preprimarycare preresidentialrehab prerecoveryhouse
  preyoungpersons premissingsetting pre_total recsuppcommunity recsuppinpatient
  recsuppprimarycare recsuppresidentialrehab recsupprecoveryhouse recsuppyoungpersons
  recsuppmissingsetting recsupp_total preallyear community_setting inpatient_setting
  primarycare_setting residentialrehab_setting recoveryhouse_setting yp_setting
  missing_setting total_individuals_any_struct_int_with_settings
  total_individuals_any_struct_int_incl_precdsj total_individuals_cdsj_struct_intervention
  total_individuals_precdsj_struct_intervention allcommunity allinpatient allprimarycare
  allresidentialrehab allrecoveryhouse allyp allmissing
disability: behaviour_newtx hearing_newtx manual_newtx learning_newtx mobility_newtx
  perception_newtx personal_newtx progressive_newtx sight_newtx speech_newtx other_newtx
  nodisability_newtx notstated_newtx allmissing_newtx any_newtx
sexuality: hetero_newtx gaylesbian_newtx bi_newtx asked_newtx notstated_newtx other_newtx
  missing_newtx
religion: bahai_newtx buddhist_newtx christian_newtx hindu_newtx jain_newtx jewish_newtx
  muslim_newtx pagan_newtx sikh_newtx zoroastrian_newtx other_newtx none_newtx decline_newtx
  unknown_newtx missing_newtx
scnr: intreatment_allintx completion_allintx representation_allintx scrn_allintx
"""
_SUBSTANCES = (
    "opiatesandorcrack opiatesandcrack opiatesnotcrack cracknotopiates benzodiazepines "
    "amphetamines cocaine hallucinogens clubdrug_ecstasy cannabis solvents barbiturates "
    "majortranquillisers antidepressants alcohol khat otherdrugs prescriptiondrugsother "
    "npsother_any nonopiates prescripopiates npsother_predomstim npsother_predomhalluc "
    "npsother_predomdissoc npsother_predomsedopi npsother_predomcann npsother_other "
    "clubdrug_ketamine clubdrug_ghbgbl clubdrug_methamphetamine clubdrug_mephedrone anyclubdrug"
).split()


def _measures() -> tuple[str, ...]:
    subs = " ".join(f"{s}_{c}" for c in ("allintx", "newtx") for s in _SUBSTANCES)
    names: list[str] = []
    for line in re.split(r"\n(?=\S)", _MEASURE_SPEC.strip().format(substances=subs)):
        prefix, rest = line.split(":", 1)
        names += [f"{prefix}_{s}" for s in rest.split()]
    return tuple(names)


#: Every measure column a ViewIt adult export may hold (lower case, as the export writes them).
VIEWIT_MEASURES: tuple[str, ...] = _measures()
_KNOWN = frozenset(VIEWIT_MEASURES)
_FY = re.compile(r"^(\d{4})/(\d{2})$")


@dataclass(frozen=True)
class ViewIt:
    """One ViewIt export, read and checked.

    Attributes
    ----------
    frame : DataFrame
        One row per ``financial_year`` (``"2021-22"``) x ``sex`` (``Female``, ``Male``,
        ``Total``) x ``age_group`` (``18-29``, ``30-49``, ``50+``, ``Total``) x ``drug_group``
        (``total``, ``opiate``, ``non_opiate_only``, ``alcohol_only``,
        ``non_opiate_and_alcohol``), then the measure columns as nullable integers
        (``<NA>`` = ``NULL`` in the export: not collected, never zero). ``Total`` rows are the
        tool's own sums: select them, never add the other rows again.
    area : str
        The area of every row (``Barnet``, ``England``).
    file : str
        The file name, for captions.
    rounded_to : int or None
        5 when every count is a multiple of 5 (local authority exports: NDTMS rounds to the
        nearest 5), else None (England's counts are exact).
    not_collected : dict
        Measure -> financial years in which it is ``NULL`` in every row.
    """

    frame: pd.DataFrame
    area: str
    file: str
    rounded_to: int | None
    not_collected: dict[str, list[str]]

    @property
    def years(self) -> list[str]:
        """Financial years in the export, in order."""
        return sorted(self.frame["financial_year"].unique())

    @property
    def measures(self) -> list[str]:
        """The measure columns present."""
        return [c for c in self.frame.columns if c in _KNOWN]

    def totals(self, sex: str = "Total", age_group: str = "Total") -> pd.DataFrame:
        """Rows of one sex and age group (default the tool's totals), by year x drug group.

        Examples
        --------
        >>> import pandas as pd
        >>> rows = pd.DataFrame({"financial_year": ["2021-22"] * 2, "sex": ["Total", "Male"],
        ...     "age_group": ["Total"] * 2, "drug_group": ["total"] * 2,
        ...     "intreatment_allintx": pd.array([10, 5], "Int64")})
        >>> ViewIt(rows, "X", "x.csv", 5, {}).totals()["intreatment_allintx"].tolist()
        [10]
        """
        f = self.frame
        keep = f["sex"].eq(sex) & f["age_group"].eq(age_group)
        return f.loc[keep].set_index(["financial_year", "drug_group"]).sort_index()


def _fail(name: str, expected: str, found: str, **kw) -> DataError:
    return DataError(name, expected, found=found, **kw)


def read_viewit(
    path: str | Path,
    ledger: Ledger | None = None,
    *,
    kind: str = "ndtms_viewit",
    area: str | None = None,
) -> ViewIt:
    """Read an NDTMS ViewIt adult export (local authority "all indicators", or England).

    Parameters
    ----------
    path : str or Path
        The CSV as downloaded (any subset of the measure columns; the five key columns are
        required: reporting period, area, sex, age group, drug group).
    ledger : Ledger, optional
        Receives one entry: every row read is kept (a ViewIt export has no rows to drop; a
        bad row stops the read instead).
    kind : str, default "ndtms_viewit"
        The ledger's name for the table.
    area : str, optional
        The area the export must be for (e.g. ``"Barnet"``); case ignored.

    Returns
    -------
    ViewIt

    Raises
    ------
    DataError
        Not a ViewIt export (key columns missing), an unknown (renamed) measure column, more
        than one area, an area other than ``area``, a period not like ``2021/22``, an unknown
        sex / age group / drug group, a count that is neither a whole number >= 0 nor
        ``NULL`` (a blank cell means a truncated row), a repeated row, or a year that lacks
        some of the sex x age x drug rows the other years have (a truncated export).

    Notes
    -----
    ``NULL`` is kept as missing: "not collected that year", never zero. The tool's ``Total``
    / ``TOTAL`` rows (both spellings occur) are kept and labelled ``Total``; they are sums the
    tool made from unrounded numbers, so they may differ from the sum of the rounded parts.
    """
    path = Path(path)
    name = display_name(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise _fail(name, "a ViewIt CSV export", f"unreadable text ({exc})") from exc
    except pd.errors.EmptyDataError as exc:
        raise _fail(name, "a ViewIt CSV export", "an empty file") from exc
    entry = FileLedger(name, kind)
    if ledger is not None:
        ledger.add(entry)
    entry.read = len(raw)
    by_norm = {norm(c): c for c in raw.columns}
    keys: dict[str, str] = {}
    for ours, options in KEY_COLUMNS.items():
        hit = next((by_norm[o] for o in options if o in by_norm), None)
        if hit is None:
            raise _fail(
                name,
                f"a ViewIt export with the key column {_KEY_HEADERS[ours]!r} (its five key "
                "columns: ReportingPeriod, Area, sex, age_group, drug_group)",
                f"columns {list(raw.columns)[:8]}",
                column=_KEY_HEADERS[ours],
                fix="Export again from NDTMS ViewIt without renaming columns.",
            )
        keys[ours] = hit
    measures: dict[str, str] = {}
    for col in raw.columns:
        if col in keys.values():
            continue
        ours = _ENGLAND_NAMES.get(norm(col), norm(col))
        if ours not in _KNOWN:
            raise _fail(
                name,
                "a ViewIt measure column (e.g. 'intreatment_allintx', 'eth_white_allintx')",
                show(col),
                column=str(col),
                fix="A renamed column cannot be matched to its measure: export again.",
            )
        measures[ours] = col
    if not measures:
        raise _fail(name, "at least one measure column", "only the key columns")
    if raw.empty:
        raise _fail(name, "rows of data", "a header only")

    out = pd.DataFrame({ours: raw[col].str.strip() for ours, col in keys.items()})
    areas = sorted(out["area"].unique())
    if len(areas) > 1:
        first = int((out["area"] != out["area"].iloc[0]).to_numpy().argmax())
        raise _fail(
            name,
            f"one area in every row ({areas[0]!r})",
            f"{len(areas)} areas: {areas[:5]}",
            row=first + 1,
            column=keys["area"],
            fix="Export one area per file.",
        )
    if area is not None and areas[0].casefold() != str(area).casefold():
        raise _fail(name, f"an export for {area!r}", show(areas[0]), row=1, column=keys["area"])
    fy = out["financial_year"].str.extract(_FY)
    ok = fy[0].notna()
    bad = ~ok
    bad |= ok & ((fy[0].fillna("0").astype(int) + 1) % 100 != fy[1].fillna("-1").astype(int))
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise _fail(
            name,
            "a financial year such as '2021/22'",
            show(out["financial_year"].iloc[i]),
            row=i + 1,
            column=keys["financial_year"],
        )
    out["financial_year"] = fy[0] + "-" + fy[1]
    for col, labels in (("sex", _SEXES), ("age_group", _AGES), ("drug_group", DRUG_GROUPS)):
        mapped = out[col].str.upper().map(labels)
        if mapped.isna().any():
            i = int(mapped.isna().to_numpy().argmax())
            raise _fail(
                name,
                f"one of {sorted(set(labels))}",
                show(out[col].iloc[i]),
                row=i + 1,
                column=keys[col],
            )
        out[col] = mapped
    key = ["financial_year", "sex", "age_group", "drug_group"]
    dup = out.duplicated(key)
    if dup.any():
        i = int(dup.to_numpy().argmax())
        raise _fail(
            name, "one row per year x sex x age group x drug group", "a repeated row", row=i + 1
        )
    cells = set(map(tuple, out[key[1:]].drop_duplicates().to_numpy()))
    per_year = out.groupby("financial_year").size()
    short = per_year[per_year < len(cells)]
    if len(short):
        year = short.index[0]
        raise _fail(
            name,
            f"{len(cells)} rows (sex x age group x drug group) for every year",
            f"{int(short.iloc[0])} rows for {year}",
            fix="The export looks truncated: download it again.",
        )

    not_collected: dict[str, list[str]] = {}
    multiples = True
    for ours, col in measures.items():
        text = raw[col].str.strip()
        null = text.str.upper().eq("NULL")
        num = pd.to_numeric(text.mask(null), errors="coerce")
        bad = ~null & (num.isna() | (num < 0) | (num % 1 != 0))
        if bad.any():
            i = int(bad.to_numpy().argmax())
            raise _fail(
                name,
                "a whole number >= 0 or NULL (not collected)",
                show(text.iloc[i]) if text.iloc[i] else "a blank cell (truncated row?)",
                row=i + 1,
                column=col,
            )
        out[ours] = num.astype("Int64")
        multiples &= bool((num.dropna() % 5 == 0).all())
        years = sorted(out.loc[null, "financial_year"].unique())
        whole = [y for y in years if null[out["financial_year"].eq(y)].all()]
        if whole:
            not_collected[ours] = whole
    null_rows = out[list(measures)].isna().any(axis=1)
    entry.note("rows with NULL (not collected) cells, kept as missing", int(null_rows.sum()))
    entry.kept = len(out)
    logger.info("%s: %d rows, %d measures, area %s", name, len(out), len(measures), areas[0])
    return ViewIt(
        frame=out.sort_values(key, kind="stable").reset_index(drop=True),
        area=areas[0],
        file=name,
        rounded_to=5 if multiples else None,
        not_collected=not_collected,
    )
