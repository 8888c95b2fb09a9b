"""The indicator catalogue: what partnerships are measured on, and what the workbench computes.

Two frameworks: the National Combating Drugs Outcomes Framework (HM Government, 2022; headline
and intermediate outcomes) and the performance framework of the drug partnership audit guidance
(National Indicators NI 38, NI 16, NI 42, NI 40 and the local measures it names). Every entry says
whether the workbench computes it from open data, from a partnership template, or cannot, and why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from workbench.disclosure.spec import Described
from workbench.errors import WorkbenchError

__all__ = [
    "Indicator",
    "CATALOGUE",
    "catalogue",
    "catalogue_table",
    "indicator",
    "OPEN",
    "TEMPLATE",
    "NOT",
]

#: Values of :attr:`Indicator.computed`.
OPEN = "open data"
TEMPLATE = "partnership template"
NOT = "not computable"


@dataclass(frozen=True)
class Indicator:
    """One indicator.

    Attributes
    ----------
    id : str
        Short identifier used in result tables (``deaths_misuse``).
    name : str
        Display name.
    framework : str
        Where it comes from (``CDOF headline``, ``CDOF intermediate``, ``NI 16``, ...).
    definition : str
        Numerator, denominator and conventions.
    source : str
        Data source.
    period : str
        The period one value covers.
    unit : str
        ``per 100,000``, ``per 10,000``, ``per 1,000``, ``%`` or ``count``.
    polarity : str
        ``"low is good"``, ``"high is good"`` or ``"no judgement"`` (rated higher/lower).
    computed : str
        :data:`OPEN`, :data:`TEMPLATE` or :data:`NOT`.
    how : str
        The function that computes it, or why it cannot be computed.
    rate_type : str
        ``"crude"`` (count over population), ``"age-standardised"`` or ``"as published"``
        (the publisher's value is shown); see :attr:`measure`.
    fingertips_id : int or None
        The OHID Fingertips indicator publishing it: when a Fingertips file of that ID has the
        study's value, the published value is shown instead of the workbench's computation.
    """

    id: str
    name: str
    framework: str
    definition: str
    source: str
    period: str
    unit: str
    polarity: str
    computed: str
    how: str
    rate_type: str = "crude"
    fingertips_id: int | None = None

    @property
    def measure(self) -> str:
        """What kind of figure the value is: ``"crude rate"``, ``"age-standardised rate"``,
        ``"as published"``, ``"proportion"`` or ``"count"`` (shown beside every value)."""
        if self.rate_type == "as published":
            return "as published"
        if self.per is not None:
            return f"{self.rate_type} rate"
        return {"%": "proportion", "count": "count"}.get(self.unit, self.unit)

    @property
    def per(self) -> int | None:
        """The rate multiplier of :attr:`unit` (None for counts and percentages)."""
        return {"per 100,000": 100_000, "per 10,000": 10_000, "per 1,000": 1_000}.get(self.unit)


_NAT = "workbench.indicators.national.area_values"
_LOC = "workbench.indicators.local.police_indicators"
_TRT = "workbench.indicators.local.treatment_indicators"

CATALOGUE: tuple[Indicator, ...] = (
    Indicator(
        "drug_use",
        "Proportion of adults reporting drug use in the last year",
        "CDOF headline: reduce drug use",
        "Adults 16-59 reporting use of any illicit drug in the last year / adults surveyed.",
        "Crime Survey for England and Wales (ONS)",
        "financial year",
        "%",
        "low is good",
        NOT,
        "A national survey: no local estimate is published.",
    ),
    Indicator(
        "neighbourhood_crime",
        "Neighbourhood crime (proxy) per 1,000",
        "CDOF headline: reduce drug-related crime",
        "police.uk Burglary + Robbery + Vehicle crime + Theft from the person, latest 12 "
        "months / resident population x 1,000. Proxy: police.uk burglary includes non-"
        "domestic burglary and robbery includes business robbery.",
        "data.police.uk street crime",
        "latest 12 months",
        "per 1,000",
        "low is good",
        OPEN,
        _LOC,
    ),
    Indicator(
        "sac",
        "Serious acquisitive crime (proxy) per 1,000",
        "NI 16",
        "police.uk Burglary + Robbery + Vehicle crime, latest 12 months / resident population "
        "x 1,000 (NI 16 counted domestic burglary, robbery and vehicle crime; police.uk does not "
        "separate domestic burglary).",
        "data.police.uk street crime",
        "latest 12 months",
        "per 1,000",
        "low is good",
        OPEN,
        _LOC,
    ),
    Indicator(
        "drug_offences",
        "Drug offences per 10,000",
        "CDOF intermediate: reduce drug supply (and NI 38 proxy)",
        "police.uk crime type 'Drugs', latest 12 months / resident population x 10,000. "
        "Recorded offences reflect police activity as much as supply: rated higher/lower.",
        "data.police.uk street crime",
        "latest 12 months",
        "per 10,000",
        "no judgement",
        OPEN,
        _LOC,
    ),
    Indicator(
        "ni38",
        "Drug-related (Class A) offending rate",
        "NI 38",
        "Proven re-offending of Class A drug-misusing offenders (DIP cohort) against the "
        "predicted rate.",
        "Home Office / Ministry of Justice (DIP, PNC)",
        "annual",
        "ratio",
        "low is good",
        NOT,
        "Needs the offender cohort and PNC re-offending data, which are not public; the drug "
        "offences rate is shown as a proxy of police activity, not of offending by users.",
    ),
    Indicator(
        "asb",
        "Anti-social behaviour incidents per 10,000",
        "Guidance local measure (NI 17 proxy)",
        "police.uk 'Anti-social behaviour', latest 12 months / resident population x 10,000.",
        "data.police.uk street crime",
        "latest 12 months",
        "per 10,000",
        "low is good",
        OPEN,
        _LOC,
    ),
    Indicator(
        "ni42",
        "Perceptions of drug use or drug dealing as a problem",
        "NI 42",
        "Residents saying drug use or dealing is a very or fairly big problem / respondents.",
        "Place Survey (discontinued 2010)",
        "biennial",
        "%",
        "low is good",
        NOT,
        "No current survey publishes it; a local residents' survey would be needed.",
    ),
    Indicator(
        "drug_outcomes",
        "Drug offences: police outcome (charged or summonsed)",
        "CDOF intermediate: reduce drug supply (offences brought to justice)",
        "police.uk 'Last outcome category' of 'Drugs' offences in the latest 12 months: share "
        "'Offender charged'/'Court result' family among offences with an outcome recorded "
        "(Wilson interval); the full distribution is shown too.",
        "data.police.uk street crime",
        "latest 12 months",
        "%",
        "high is good",
        OPEN,
        "workbench.indicators.local.drug_outcomes",
    ),
    Indicator(
        "deaths_misuse",
        "Deaths related to drug misuse per 100,000",
        "CDOF headline: reduce drug-related deaths and harm",
        "Deaths related to drug misuse registered in 3 calendar years / population summed over "
        "the same 3 years x 100,000 (crude; ONS publishes local counts pooled over 3 years, "
        "labelled by the last year).",
        "ONS deaths related to drug poisoning by local authority",
        "3 calendar years pooled",
        "per 100,000",
        "low is good",
        OPEN,
        _NAT,
    ),
    Indicator(
        "deaths_poisoning",
        "Deaths related to drug poisoning per 100,000",
        "CDOF headline: reduce drug-related deaths and harm",
        "All deaths related to drug poisoning (misuse or not), pooled as above.",
        "ONS deaths related to drug poisoning by local authority",
        "3 calendar years pooled",
        "per 100,000",
        "low is good",
        OPEN,
        _NAT,
    ),
    Indicator(
        "admissions_poisoning",
        "Hospital admissions for poisoning by drugs per 100,000",
        "CDOF headline: reduce drug-related deaths and harm",
        "Finished admission episodes with a primary diagnosis of poisoning by drugs (NHS "
        "Digital's 'poisoning by illicit drugs' measure) in a financial year / ONS mid-year "
        "population of the year's first calendar year (mid-2018 for 2018/19) x 100,000; "
        "crude rate (NHS Digital's published local rates are age-standardised). England = the "
        "sum of the areas with a value (about 97% of NHS Digital's England total, 18,053 in "
        "2018/19: admissions with no local authority of residence are not in any area).",
        "NHS Digital, Statistics on Drug Misuse (repackaged file 'misuse')",
        "financial year",
        "per 100,000",
        "low is good",
        OPEN,
        _NAT,
    ),
    Indicator(
        "admissions_mbd_primary",
        "Hospital admissions for drug-related mental and behavioural disorders (primary "
        "diagnosis) per 100,000",
        "CDOF headline: reduce drug-related deaths and harm",
        "Finished admission episodes with a primary diagnosis of drug-related mental and "
        "behavioural disorders (ICD-10 F11-F16, F18-F19) in a financial year / mid-year "
        "population of the year's first calendar year x 100,000; crude. England = the sum of "
        "the areas with a value (NHS Digital's England total 7,376 in 2018/19).",
        "NHS Digital, Statistics on Drug Misuse (repackaged file 'primary')",
        "financial year",
        "per 100,000",
        "low is good",
        OPEN,
        _NAT,
    ),
    Indicator(
        "admissions_mbd_any",
        "Hospital admissions for drug-related mental and behavioural disorders (primary or "
        "secondary diagnosis) per 100,000",
        "CDOF headline: reduce drug-related deaths and harm",
        "Finished admission episodes with a primary or secondary diagnosis of drug-related "
        "mental and behavioural disorders in a financial year / mid-year population of the "
        "year's first calendar year x 100,000; crude. England = the sum of the areas with a "
        "value (England total 96,705 in 2018/19).",
        "NHS Digital, Statistics on Drug Misuse (repackaged file 'secondary')",
        "financial year",
        "per 100,000",
        "low is good",
        OPEN,
        _NAT,
    ),
    Indicator(
        "seizures_all",
        "Police drug seizures per 10,000 (force)",
        "CDOF intermediate: reduce drug supply (guidance example)",
        "Seizures of any drug by the police force in a financial year / force-area mid-year "
        "population of its first calendar year x 10,000. Force level: the study's force, not "
        "the district. England = the 39 territorial forces (British Transport Police and Border "
        "Force left out). Rated higher/lower: seizures measure enforcement.",
        "Home Office, Seizures of drugs in England and Wales",
        "financial year",
        "per 10,000",
        "no judgement",
        OPEN,
        _NAT,
    ),
    Indicator(
        "seizures_class_a",
        "Police Class A drug seizures per 10,000 (force)",
        "CDOF intermediate: reduce drug supply",
        "As above, seizures of Class A drugs ('Total Class A').",
        "Home Office, Seizures of drugs in England and Wales",
        "financial year",
        "per 10,000",
        "no judgement",
        OPEN,
        _NAT,
    ),
    Indicator(
        "seizures_cannabis",
        "Police cannabis seizures per 10,000 (force)",
        "CDOF intermediate: reduce drug supply",
        "As above, seizures of cannabis ('All Cannabis').",
        "Home Office, Seizures of drugs in England and Wales",
        "financial year",
        "per 10,000",
        "no judgement",
        OPEN,
        _NAT,
    ),
    Indicator(
        "county_lines",
        "County lines closed",
        "CDOF intermediate: reduce drug supply",
        "County lines (deal lines) closed by the police.",
        "National County Lines Coordination Centre",
        "financial year",
        "count",
        "no judgement",
        NOT,
        "Not published by area.",
    ),
    Indicator(
        "in_treatment",
        "Adults in structured drug and alcohol treatment",
        "CDOF intermediate: engagement in treatment; NI 40 (numbers in treatment)",
        "Adults in structured treatment during the financial year, by substance group.",
        "NDTMS (partnership template treatment_outcomes / treatment_demographics)",
        "financial year",
        "count",
        "high is good",
        TEMPLATE,
        _TRT,
    ),
    Indicator(
        "ni40_effective",
        "Drug users in effective treatment (retained 12 weeks or more)",
        "NI 40",
        "New presentations retained 12 weeks or more (or completing earlier) / new "
        "presentations (Wilson interval).",
        "NDTMS (partnership template treatment_outcomes)",
        "financial year",
        "%",
        "high is good",
        TEMPLATE,
        _TRT,
    ),
    Indicator(
        "successful_completions",
        "Successful completions not re-presenting within 6 months",
        "CDOF intermediate: improve recovery outcomes (PHOF C19)",
        "People leaving treatment free of dependence who do not re-present within 6 months / "
        "all in treatment in the year (Wilson interval), by substance group.",
        "NDTMS (partnership template treatment_outcomes)",
        "financial year",
        "%",
        "high is good",
        TEMPLATE,
        _TRT,
    ),
    Indicator(
        "waits_within_target",
        "Starting treatment within the waiting-time target, by modality",
        "Guidance: waiting times",
        "Starts within 3 weeks (adults) or 10 days (young people) / starts, by modality and "
        "cohort (Wilson interval).",
        "Partnership template waiting_times",
        "financial year",
        "%",
        "high is good",
        TEMPLATE,
        _TRT,
    ),
    Indicator(
        "young_people_tier3",
        "Young people referred to tier 3 starting within 10 days",
        "Guidance: young people",
        "Tier 3 referrals starting within 10 days / tier 3 referrals (Wilson interval); the "
        "ward-level reach measures are in workbench.need.young_people_access.",
        "Partnership template young_people",
        "financial year",
        "%",
        "high is good",
        TEMPLATE,
        _TRT,
    ),
    Indicator(
        "unmet_need_ocu",
        "Opiate and crack users not in treatment",
        "CDOF intermediate: engagement in treatment (Fingertips 93517)",
        "(estimated users - users in treatment) / estimated users, ages 15-64.",
        "Prevalence estimates + NDTMS (partnership templates); Fingertips download",
        "estimate year",
        "%",
        "low is good",
        TEMPLATE,
        "workbench.need.unmet_need (04_treatment notebook)",
        fingertips_id=93517,
    ),
    Indicator(
        "continuity_of_care",
        "Continuity of care: prison leavers engaging in community treatment within 3 weeks",
        "CDOF intermediate: engagement in treatment",
        "Adults released from prison with a substance misuse need who engage in community "
        "treatment within 3 weeks / those released.",
        "NDTMS (OHID)",
        "financial year",
        "%",
        "high is good",
        NOT,
        "No partnership template holds prison releases; add one if the partnership has it.",
    ),
)

_BY_ID = {ind.id: ind for ind in CATALOGUE}


def indicator(indicator_id: str) -> Indicator:
    """The catalogue entry ``indicator_id``.

    Raises
    ------
    WorkbenchError
        An unknown id (the message lists the known ones).
    """
    if indicator_id not in _BY_ID:
        raise WorkbenchError(
            f"indicator must be one of {', '.join(_BY_ID)}, found {indicator_id!r}"
        )
    return _BY_ID[indicator_id]


def catalogue() -> pd.DataFrame:
    """The catalogue as a table, one row per indicator (columns as :class:`Indicator`)."""
    rows = [{**asdict(ind), "measure": ind.measure} for ind in CATALOGUE]
    return pd.DataFrame(rows).astype("string")


def catalogue_table() -> Described:
    """:func:`catalogue` to publish: text only, nothing to protect."""
    from workbench.indicators.specs import text_only

    return Described(catalogue(), text_only("id"))
