"""pandera schemas, one per input table, and their translation into DataError.

Loaders first rename published headers to workbench names and convert numbers (so that a
"1,296" or a blank is handled the same way everywhere); the schemas then check values
(ranges, allowed categories, code patterns, uniqueness). A pandera failure becomes one
:class:`~workbench.errors.DataError` naming the file, the row (1-based data row, header is row
0), the column as published, what was expected and what was found.

Police street and stop-and-search rows are not validated here row by row: a bad police row is
dropped with a reason in the ledger instead of stopping the load (see
:mod:`workbench.loaders.police`), and pandera over millions of rows would double the load time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pandas as pd
import pandera.pandas as pa

from workbench.errors import DataError

__all__ = [
    "LSOA_PATTERN",
    "IMD_SCHEMA",
    "POPULATION_SCHEMA",
    "TABLE_SCHEMAS",
    "validate",
]

logger = logging.getLogger(__name__)

#: ONS LSOA codes: England E01, Wales W01, six digits.
LSOA_PATTERN = r"^[EW]01\d{6}$"
_FY = r"^\d{4}-\d{2}$"

SUBSTANCE_GROUPS = ["opiate", "crack", "opiate_and_crack", "non_opiate", "alcohol"]
PREVALENCE_GROUPS = ["opiate_and_or_crack", "opiate", "crack", "alcohol"]
SERVICE_TYPES = ["adult_treatment", "young_people", "needle_exchange", "recovery", "inpatient"]
MODALITIES = [
    "pharmacological",
    "psychosocial",
    "needle_and_syringe",
    "early_intervention",
    "inpatient_detox",
    "recovery_support",
]


def _lsoa(required: bool = True) -> pa.Column:
    return pa.Column(
        str,
        pa.Check.str_matches(LSOA_PATTERN, error="an LSOA code like 'E01013600'"),
        nullable=False,
        required=required,
    )


def _count(required: bool = True) -> pa.Column:
    return pa.Column(
        "Int64",
        pa.Check.ge(0, error="a whole number >= 0"),
        nullable=True,
        required=required,
    )


def _number(required: bool = True, minimum: float | None = 0) -> pa.Column:
    checks = [] if minimum is None else [pa.Check.ge(minimum, error=f"a number >= {minimum:g}")]
    return pa.Column("float64", checks, nullable=True, required=required)


def _text(values: list[str] | None = None, pattern: str | None = None, nullable=False) -> pa.Column:
    checks = []
    if values:
        checks.append(pa.Check.isin(values, error="one of " + ", ".join(values)))
    if pattern:
        checks.append(pa.Check.str_matches(pattern, error=f"text matching {pattern}"))
    return pa.Column(str, checks, nullable=nullable)


def _decile() -> pa.Column:
    return pa.Column(
        "Int64",
        pa.Check.in_range(1, 10, error="a decile from 1 to 10"),
        nullable=True,
        required=False,
    )


IMD_SCHEMA = pa.DataFrameSchema(
    {
        "lsoa_code": _lsoa(),
        "imd_score": _number(required=False),
        "imd_rank": pa.Column(
            "Int64",
            pa.Check.in_range(1, 33_755, error="a rank from 1 to 33,755"),
            nullable=True,
            required=False,
        ),
        "imd_decile": _decile(),
    },
    unique=["lsoa_code"],
    strict=False,
    name="imd",
)

POPULATION_SCHEMA = pa.DataFrameSchema(
    {"lsoa_code": _lsoa(), "population": _number()},
    unique=["lsoa_code"],
    strict=False,
    name="population",
)

#: One schema per partnership table of ``docs/templates.md``.
TABLE_SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "treatment_demographics": pa.DataFrameSchema(
        {
            "financial_year": _text(pattern=_FY),
            "substance_group": _text(SUBSTANCE_GROUPS),
            "sex": _text(["Female", "Male"]),
            "age_band": _text(["18-24", "25-29", "30-34", "35-39", "40-49", "50-64", "65+"]),
            "ethnicity": _text(["White", "Mixed", "Asian", "Black", "Other", "Not stated"]),
            "in_treatment": _count(),
        },
        name="treatment_demographics",
    ),
    "treatment_by_lsoa": pa.DataFrameSchema(
        {
            "financial_year": _text(pattern=_FY),
            "lsoa_code": _lsoa(),
            "substance_group": _text(SUBSTANCE_GROUPS),
            "in_treatment": _count(),
        },
        name="treatment_by_lsoa",
    ),
    "prevalence": pa.DataFrameSchema(
        {
            "year": _text(),
            "area_code": _text(pattern=r"^[EW]\d{8}$"),
            "area_name": _text(nullable=True),
            "substance_group": _text(PREVALENCE_GROUPS),
            "age_band": _text(["15-64", "18+"]),
            "estimate": _number(),
            "lower_95": _number(),
            "upper_95": _number(),
        },
        checks=[
            pa.Check(
                lambda d: (d["lower_95"] <= d["estimate"]) & (d["estimate"] <= d["upper_95"]),
                error="lower_95 <= estimate <= upper_95",
            )
        ],
        name="prevalence",
    ),
    "services": pa.DataFrameSchema(
        {
            "service_id": pa.Column(str, unique=True),
            "name": _text(nullable=True),
            "service_type": _text(SERVICE_TYPES),
            "tier": pa.Column(
                "Int64", pa.Check.isin([2, 3, 4], error="tier 2, 3 or 4"), nullable=True
            ),
            "modality": _text(MODALITIES),
            "longitude": _number(minimum=None),
            "latitude": _number(minimum=None),
            "capacity": _count(),
            "caseload": _count(),
            "median_wait_weeks": _number(),
        },
        name="services",
    ),
    "waiting_times": pa.DataFrameSchema(
        {
            "financial_year": _text(pattern=_FY),
            "quarter": _text(["Q1", "Q2", "Q3", "Q4"]),
            "service_id": _text(),
            "modality": _text(MODALITIES),
            "cohort": _text(["adult", "young_people"]),
            "started": _count(),
            "within_target": _count(),
        },
        checks=[
            pa.Check(
                lambda d: ~(d["within_target"] > d["started"]).fillna(False),
                error="within_target <= started",
            )
        ],
        name="waiting_times",
    ),
    "needle_finds": pa.DataFrameSchema(
        {
            "find_id": pa.Column(str, unique=True),
            "date": pa.Column("datetime64[ns]", nullable=True),
            "location": _text(nullable=True),
            "longitude": _number(minimum=None),
            "latitude": _number(minimum=None),
            "quantity": _count(),
            "hours_to_collection": _number(),
        },
        name="needle_finds",
    ),
    "young_people": pa.DataFrameSchema(
        {
            "financial_year": _text(pattern=_FY),
            "ward_code": _text(pattern=r"^[EW]\d{8}$"),
            "ward_name": _text(nullable=True),
            "group": _text(["YOT", "LAC", "PRU"]),
            "cohort": _count(),
            "tier2_reached": _count(),
            "tier3_referred": _count(),
            "tier3_within_10_days": _count(),
            "population_10_17": _count(),
        },
        name="young_people",
    ),
    "treatment_outcomes": pa.DataFrameSchema(
        {
            "financial_year": _text(pattern=_FY),
            "substance_group": _text(SUBSTANCE_GROUPS),
            "in_treatment": _count(),
            "successful_completions": _count(),
            "completions_not_representing": _count(),
            "new_presentations": _count(),
            "retained_12_weeks": _count(),
        },
        checks=[
            pa.Check(
                lambda d: ~(d["successful_completions"] > d["in_treatment"]).fillna(False),
                error="successful_completions <= in_treatment",
            ),
            pa.Check(
                lambda d: (
                    ~(d["completions_not_representing"] > d["successful_completions"]).fillna(False)
                ),
                error="completions_not_representing <= successful_completions",
            ),
            pa.Check(
                lambda d: ~(d["retained_12_weeks"] > d["new_presentations"]).fillna(False),
                error="retained_12_weeks <= new_presentations",
            ),
        ],
        name="treatment_outcomes",
    ),
}


def validate(
    df: pd.DataFrame,
    schema: pa.DataFrameSchema,
    file: str,
    published: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Validate ``df`` with ``schema``; raise one :class:`DataError` for the first failure.

    Parameters
    ----------
    df : DataFrame
        Columns already renamed to workbench names; index = 0-based data row of the file.
    schema : pandera.DataFrameSchema
    file : str
        File name for the message.
    published : mapping, optional
        workbench column name -> header as published in the file, for the message.

    Returns
    -------
    DataFrame
        ``df`` unchanged when valid.
    """
    published = dict(published or {})
    try:
        return schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc.assign(_row=pd.to_numeric(fc["index"], errors="coerce"))
        fc = fc.sort_values("_row", na_position="last", kind="stable")
        first = fc.iloc[0]
        col = first["column"] if isinstance(first["column"], str) else None
        row = None if pd.isna(first["_row"]) else int(first["_row"]) + 1
        n = len(fc)
        logger.debug("%s: %d schema failure(s):\n%s", file, n, fc.head(20).to_string())
        raise DataError(
            file,
            str(first["check"]),
            found=repr(first["failure_case"]) + (f" ({n} problems in all)" if n > 1 else ""),
            row=row,
            column=published.get(col, col) if col else None,
            fix="Correct the cell(s) named; the template is in docs/templates.md."
            if schema.name in TABLE_SCHEMAS
            else None,
        ) from None
