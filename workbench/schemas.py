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
import sys
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from workbench.errors import DataError, WorkbenchError

__all__ = [
    "LSOA_PATTERN",
    "IMD_SCHEMA",
    "POPULATION_SCHEMA",
    "TABLE_SCHEMAS",
    "TEMPLATE_MODELS",
    "render_templates",
    "require_template",
    "template_columns",
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

# --------------------------------------------------------------------------------------------
# Partnership templates: one pandera DataFrameModel each. The model is the one description of a
# template: the loader's columns and types (:func:`template_columns`), the value checks
# (:data:`TABLE_SCHEMAS`) and docs/templates.md (:func:`render_templates`) all come from it.
# --------------------------------------------------------------------------------------------

#: Template column types (``metadata={"kind": ...}``), as the loader converts them.
KINDS = ("text", "count", "number", "integer", "date")
_AGE_BANDS = ["18-24", "25-29", "30-34", "35-39", "40-49", "50-64", "65+"]
_ETHNICITY = ["White", "Mixed", "Asian", "Black", "Other", "Not stated"]
_AREA_CODE = r"^[EW]\d{8}$"


def _field(kind: str, values: str = "", **checks: Any) -> Any:
    """A template column: its kind (how the loader reads it), the words for docs/templates.md
    and its pandera checks. Counts are nullable (blank = not recorded), text is not unless
    ``nullable=True`` is given."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, found {kind!r}")
    nullable = checks.pop("nullable", kind != "text")
    if kind == "count":
        checks.setdefault("ge", 0)
    return pa.Field(nullable=nullable, description=values, metadata={"kind": kind}, **checks)


class _Template(pa.DataFrameModel):
    """Base of the partnership templates: extra columns are allowed (and ignored)."""

    class Config:
        strict = False


class TreatmentDemographics(_Template):
    """numbers in treatment by group"""

    financial_year: Series[str] = _field("text", "`2021-22`", str_matches=_FY)
    substance_group: Series[str] = _field(
        "text",
        "`opiate`, `crack`, `opiate_and_crack`, `non_opiate`, `alcohol` (`opiate` = opiate only, "
        "not crack; `crack` = crack only)",
        isin=SUBSTANCE_GROUPS,
    )
    sex: Series[str] = _field("text", "`Female`, `Male`", isin=["Female", "Male"])
    age_band: Series[str] = _field("text", "`" + "`, `".join(_AGE_BANDS) + "`", isin=_AGE_BANDS)
    ethnicity: Series[str] = _field("text", "`" + "`, `".join(_ETHNICITY) + "`", isin=_ETHNICITY)
    in_treatment: Series[pd.Int64Dtype] = _field(
        "count", "adults (18+) in structured treatment during the year"
    )

    class Config:
        name = "treatment_demographics"


class TreatmentByLsoa(_Template):
    """numbers in treatment by home LSOA"""

    financial_year: Series[str] = _field("text", "`2021-22`", str_matches=_FY)
    lsoa_code: Series[str] = _field("text", "LSOA 2011 code of residence", str_matches=LSOA_PATTERN)
    substance_group: Series[str] = _field("text", "as above", isin=SUBSTANCE_GROUPS)
    in_treatment: Series[pd.Int64Dtype] = _field("count")

    class Config:
        name = "treatment_by_lsoa"


class Prevalence(_Template):
    """estimated users (e.g. OHID opiate and crack prevalence estimates)"""

    year: Series[str] = _field("text", "year(s) of the estimate, e.g. `2016-17`")
    area_code: Series[str] = _field("text", "LAD code", str_matches=_AREA_CODE)
    area_name: Series[str] = _field("text", nullable=True)
    substance_group: Series[str] = _field(
        "text", "`opiate_and_or_crack`, `opiate`, `crack`, `alcohol`", isin=PREVALENCE_GROUPS
    )
    age_band: Series[str] = _field(
        "text", "`15-64` (OCU) or `18+` (alcohol)", isin=["15-64", "18+"]
    )
    estimate: Series[float] = _field("number", "estimated number of users", ge=0)
    lower_95: Series[float] = _field("number", "lower 95% limit", ge=0)
    upper_95: Series[float] = _field("number", "upper 95% limit", ge=0)

    @pa.dataframe_check(error="lower_95 <= estimate <= upper_95")
    @classmethod
    def _ordered(cls, d: pd.DataFrame) -> pd.Series:
        return (d["lower_95"] <= d["estimate"]) & (d["estimate"] <= d["upper_95"])

    class Config:
        name = "prevalence"


class Services(_Template):
    """treatment and harm-reduction services"""

    service_id: Series[str] = _field("text", "unique", unique=True)
    name: Series[str] = _field("text", nullable=True)
    service_type: Series[str] = _field(
        "text", "`" + "`, `".join(SERVICE_TYPES) + "`", isin=SERVICE_TYPES
    )
    tier: Series[pd.Int64Dtype] = _field("integer", "2, 3 or 4", isin=[2, 3, 4])
    modality: Series[str] = _field("text", "`" + "`, `".join(MODALITIES) + "`", isin=MODALITIES)
    longitude: Series[float] = _field("number", "WGS84")
    latitude: Series[float] = _field("number", "WGS84")
    capacity: Series[pd.Int64Dtype] = _field(
        "count", "places (caseload the service is commissioned for)"
    )
    caseload: Series[pd.Int64Dtype] = _field("count", "current caseload")
    median_wait_weeks: Series[float] = _field("number", ge=0)

    class Config:
        name = "services"


class WaitingTimes(_Template):
    """time from referral to first intervention"""

    financial_year: Series[str] = _field("text", str_matches=_FY)
    quarter: Series[str] = _field(
        "text", "`Q1`..`Q4` of the financial year", isin=["Q1", "Q2", "Q3", "Q4"]
    )
    service_id: Series[str] = _field("text", "as in services")
    modality: Series[str] = _field("text", "as in services", isin=MODALITIES)
    cohort: Series[str] = _field(
        "text", "`adult` or `young_people`", isin=["adult", "young_people"]
    )
    started: Series[pd.Int64Dtype] = _field("count", "people who started an intervention")
    within_target: Series[pd.Int64Dtype] = _field(
        "count",
        "of those, started within the target (3 weeks adults, 10 days young people)",
    )

    @pa.dataframe_check(error="within_target <= started")
    @classmethod
    def _within(cls, d: pd.DataFrame) -> pd.Series:
        return ~(d["within_target"] > d["started"]).fillna(False)

    class Config:
        name = "waiting_times"


class NeedleFinds(_Template):
    """discarded needles reported and collected"""

    find_id: Series[str] = _field("text", "unique", unique=True)
    date: Series[pa.DateTime] = _field("date", "`YYYY-MM-DD`")
    location: Series[str] = _field(
        "text",
        "free text (street or place; may contain anything, and is escaped on display)",
        nullable=True,
    )
    longitude: Series[float] = _field("number", "WGS84")
    latitude: Series[float] = _field("number", "WGS84")
    quantity: Series[pd.Int64Dtype] = _field("count", "needles/syringes collected")
    hours_to_collection: Series[float] = _field("number", "hours from report to collection", ge=0)

    class Config:
        name = "needle_finds"


class YoungPeople(_Template):
    """vulnerable young people and their access to support, by ward"""

    financial_year: Series[str] = _field("text", str_matches=_FY)
    ward_code: Series[str] = _field(
        "text", "ward code of the study's ward boundaries", str_matches=_AREA_CODE
    )
    ward_name: Series[str] = _field("text", nullable=True)
    group: Series[str] = _field(
        "text",
        "`YOT` (youth offending team caseload), `LAC` (looked-after children), `PRU` (pupil "
        "referral unit)",
        isin=["YOT", "LAC", "PRU"],
    )
    cohort: Series[pd.Int64Dtype] = _field("count", "young people in the group")
    tier2_reached: Series[pd.Int64Dtype] = _field(
        "count", "of those, reached by tier 2 early intervention"
    )
    tier3_referred: Series[pd.Int64Dtype] = _field(
        "count", "of those, referred to tier 3 specialist treatment"
    )
    tier3_within_10_days: Series[pd.Int64Dtype] = _field(
        "count", "of those referred, starting within 10 days"
    )
    population_10_17: Series[pd.Int64Dtype] = _field(
        "count", "ward residents aged 10-17 (same for each group of a ward)"
    )

    class Config:
        name = "young_people"


class TreatmentOutcomes(_Template):
    """completions and retention by substance group

    Checks: `successful_completions <= in_treatment`, `completions_not_representing <=
    successful_completions`, `retained_12_weeks <= new_presentations`. Read by
    `workbench.indicators.treatment_indicators` (notebook 05_indicators); the sample's synthetic
    file is `synthetic/synthetic_treatment_outcomes.csv`. Waits within target by modality come
    from the `waiting_times` template (its `modality` column).
    """

    financial_year: Series[str] = _field("text", "`2021-22`", str_matches=_FY)
    substance_group: Series[str] = _field(
        "text", "as in treatment_demographics", isin=SUBSTANCE_GROUPS
    )
    in_treatment: Series[pd.Int64Dtype] = _field(
        "count", "adults in structured treatment during the year"
    )
    successful_completions: Series[pd.Int64Dtype] = _field(
        "count", "of those, left treatment successfully (free of dependence) in the year"
    )
    completions_not_representing: Series[pd.Int64Dtype] = _field(
        "count",
        "of those completions, not re-presenting within 6 months (PHOF C19 numerator)",
    )
    new_presentations: Series[pd.Int64Dtype] = _field(
        "count", "people starting a new treatment journey in the year"
    )
    retained_12_weeks: Series[pd.Int64Dtype] = _field(
        "count",
        "of the new presentations, retained 12 weeks or more or completing earlier (NI 40 "
        '"effective treatment")',
    )

    @pa.dataframe_check(error="successful_completions <= in_treatment")
    @classmethod
    def _completed(cls, d: pd.DataFrame) -> pd.Series:
        return ~(d["successful_completions"] > d["in_treatment"]).fillna(False)

    @pa.dataframe_check(error="completions_not_representing <= successful_completions")
    @classmethod
    def _not_representing(cls, d: pd.DataFrame) -> pd.Series:
        return ~(d["completions_not_representing"] > d["successful_completions"]).fillna(False)

    @pa.dataframe_check(error="retained_12_weeks <= new_presentations")
    @classmethod
    def _retained(cls, d: pd.DataFrame) -> pd.Series:
        return ~(d["retained_12_weeks"] > d["new_presentations"]).fillna(False)

    class Config:
        name = "treatment_outcomes"


#: The partnership templates, table name -> model, in the order of docs/templates.md.
TEMPLATE_MODELS: dict[str, type[_Template]] = {
    m.Config.name: m
    for m in (
        TreatmentDemographics,
        TreatmentByLsoa,
        Prevalence,
        Services,
        WaitingTimes,
        NeedleFinds,
        YoungPeople,
        TreatmentOutcomes,
    )
}


def _check_words(check: Any, kind: str) -> str:
    """What a column check expects, in the words of an error message."""
    stats = getattr(check, "statistics", {}) or {}
    name = getattr(check, "name", "")
    if name == "isin":
        return "one of " + ", ".join(str(v) for v in stats["allowed_values"])
    if name == "str_matches":
        pattern = stats["pattern"]
        pattern = getattr(pattern, "pattern", pattern)
        if pattern == LSOA_PATTERN:
            return "an LSOA code like 'E01013600'"
        if pattern == _FY:
            return "a financial year like '2021-22'"
        if pattern == _AREA_CODE:
            return "an ONS code like 'E06000016'"
        return f"text matching {pattern}"
    if name == "greater_than_or_equal_to":
        what = "a whole number" if kind in ("count", "integer") else "a number"
        return f"{what} >= {stats['min_value']:g}"
    return str(check)


def _schema(model: type[_Template]) -> pa.DataFrameSchema:
    """The model's schema, its checks' messages in words (as DataError shows them)."""
    schema = model.to_schema()
    fields = model.__fields__
    for col, column in schema.columns.items():
        kind = fields[col][1].metadata["kind"]
        for check in column.checks:
            check.error = _check_words(check, kind)
    return schema


#: One schema per partnership table, made from its :data:`TEMPLATE_MODELS` model.
TABLE_SCHEMAS: dict[str, pa.DataFrameSchema] = {
    table: _schema(model) for table, model in TEMPLATE_MODELS.items()
}


def template_columns(table: str) -> dict[str, str]:
    """Column -> kind (``text``, ``count``, ``number``, ``integer``, ``date``) of a template,
    in its order, from its model."""
    model = TEMPLATE_MODELS[table]
    return {col: info.metadata["kind"] for col, (_, info) in model.__fields__.items()}


def require_template(
    df: pd.DataFrame, table: str, name: str, columns: Iterable[str] | None = None
) -> None:
    """Raise a WorkbenchError when ``df`` lacks template columns (``columns``, default all).

    The one missing-column check for a partnership table handed to an analysis function:
    ``columns`` must be columns of the template (a typo in code fails here too).
    """
    template = template_columns(table)
    wanted = list(template) if columns is None else list(columns)
    unknown = [c for c in wanted if c not in template]
    if unknown:
        raise ValueError(f"{unknown} are not columns of the {table} template")
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        raise WorkbenchError(
            f"{name} must have the {table} template columns (docs/templates.md); missing "
            f"{missing}, found {list(df.columns)}"
        )


#: The opening of docs/templates.md.
TEMPLATES_INTRO = """\
Partnership data are not public; analysts hold them as spreadsheets. The workbench reads each table
from a CSV or XLSX file (first sheet, or the sheet named after the table) with exactly these column
headers (case and surrounding spaces are ignored). Codes are ONS codes. Counts are whole numbers
>= 0; a blank count means "not recorded" and is reported, never treated as zero.
The sample study ships a **synthetic** example of each (`data/sample/synthetic/synthetic_*.csv`,
made by `data/sample/make_synthetic.py` with a fixed seed). They are invented and must never be
quoted as facts about the sample area.

Financial years are written `2021-22` (April 2021 to March 2022)."""


def render_templates() -> str:
    """docs/templates.md: one section per template, its columns from the model.

    ``python -m workbench.schemas`` rewrites the file; a test checks the committed file
    equals this.
    """
    parts = [
        "# Partnership table templates",
        "",
        "<!-- Generated from the pandera models in workbench/schemas.py by",
        "`python -m workbench.schemas`: edit the models, not this file. -->",
        "",
        TEMPLATES_INTRO,
    ]
    for table, model in TEMPLATE_MODELS.items():
        title, _, notes = (model.__doc__ or "").strip().partition("\n")
        parts += ["", f"## {table}: {title.strip()}", "| column | type | values |", "|---|---|---|"]
        for col, (_, info) in model.__fields__.items():
            values = info.description or ""
            parts.append(f"| {col} | {info.metadata['kind']} | {values} |".replace("|  |", "| |"))
        if notes.strip():
            parts += ["", textwrap.dedent(notes).strip()]
    return "\n".join(parts) + "\n"


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


def main(argv: list[str] | None = None) -> int:
    """Write docs/templates.md (or the file named) from the models."""
    args = list(sys.argv[1:] if argv is None else argv)
    target = Path(args[0]) if args else Path("docs") / "templates.md"
    target.write_text(render_templates(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
