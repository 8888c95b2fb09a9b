"""One pandera model per partnership template makes the loader's columns, the value checks and
docs/templates.md."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest

from workbench.errors import WorkbenchError
from workbench.loaders.tables import TEMPLATES
from workbench.schemas import (
    TABLE_SCHEMAS,
    TEMPLATE_MODELS,
    render_templates,
    require_template,
    template_columns,
)

ROOT = Path(__file__).resolve().parents[2]


def test_docs_templates_is_generated_from_the_models():
    """Run `python -m workbench.schemas` after changing a model."""
    assert (ROOT / "docs" / "templates.md").read_text(encoding="utf-8") == render_templates()


def test_loader_columns_and_schema_columns_come_from_one_model():
    assert list(TEMPLATES) == list(TEMPLATE_MODELS) == list(TABLE_SCHEMAS)
    for table, kinds in TEMPLATES.items():
        assert list(TABLE_SCHEMAS[table].columns) == list(kinds), table
        dtypes = {c: str(col.dtype) for c, col in TABLE_SCHEMAS[table].columns.items()}
        for col, kind in kinds.items():
            text = str(pa.Column(str).dtype)  # pandas' default string type
            want = {"text": text, "count": "Int64", "integer": "Int64", "number": "float64"}
            assert dtypes[col] == want.get(kind, "datetime64[ns]"), (table, col)


def test_every_template_column_is_documented_with_its_kind():
    text = render_templates()
    for table, kinds in TEMPLATES.items():
        assert f"## {table}: " in text
        for col, kind in kinds.items():
            assert f"| {col} | {kind} |" in text, (table, col)


def test_check_messages_are_words():
    """A value outside the template's list says what was expected, in words."""
    checks = {c.error for c in TABLE_SCHEMAS["treatment_demographics"].columns["sex"].checks}
    assert checks == {"one of Female, Male"}
    count = TABLE_SCHEMAS["waiting_times"].columns["started"].checks
    assert [c.error for c in count] == ["a whole number >= 0"]
    lsoa = TABLE_SCHEMAS["treatment_by_lsoa"].columns["lsoa_code"].checks
    assert [c.error for c in lsoa] == ["an LSOA code like 'E01013600'"]


def test_require_template_names_the_missing_columns():
    df = pd.DataFrame({"financial_year": ["2021-22"], "started": [3]})
    with pytest.raises(WorkbenchError, match=r"missing \['within_target'\]"):
        require_template(df, "waiting_times", "waits", ["started", "within_target"])
    with pytest.raises(ValueError, match="not columns of the waiting_times template"):
        require_template(df, "waiting_times", "waits", ["started", "witin_target"])
    require_template(df, "waiting_times", "waits", ["financial_year", "started"])
    assert list(template_columns("prevalence"))[:2] == ["year", "area_code"]
