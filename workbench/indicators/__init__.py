"""Outcome indicators: catalogue, national comparison, similar areas, stop and search, assessment.

See ``docs/indicators.md``. Data flow: ``[indicators]`` files -> :mod:`workbench.loaders.areas`
-> :func:`area_values` / local indicators -> :func:`compare_with_england` and
:func:`similar_areas` -> :func:`strategic_assessment`.
"""

from workbench.indicators.assessment import (
    RULES,
    Assessment,
    candidate_priorities,
    deprived_hot_spots,
    indicator_flags,
    read_commentary,
    six_month_comparison,
    strategic_assessment,
)
from workbench.indicators.catalogue import (
    CATALOGUE,
    Indicator,
    catalogue,
    catalogue_table,
    indicator,
)
from workbench.indicators.compare import (
    area_features,
    compare_with_england,
    local_trend,
    ranked_chart,
    rate_against,
    similar_areas,
    similar_funnel,
    spine_chart,
    trend_chart,
)
from workbench.indicators.force import district_funnel, district_rates
from workbench.indicators.local import drug_outcomes, police_indicators, treatment_indicators
from workbench.indicators.national import (
    NationalTables,
    annual_rates,
    area_values,
    force_rates,
    load_national,
    pooled_rates,
    study_table_name,
)
from workbench.indicators.pipeline import StudyIndicators, study_indicators
from workbench.indicators.stopsearch import ethnic_group, publish_disparity, search_disparity

__all__ = [
    "district_rates",
    "district_funnel",
    "CATALOGUE",
    "RULES",
    "Assessment",
    "Indicator",
    "NationalTables",
    "StudyIndicators",
    "annual_rates",
    "area_features",
    "area_values",
    "candidate_priorities",
    "catalogue",
    "catalogue_table",
    "compare_with_england",
    "deprived_hot_spots",
    "drug_outcomes",
    "ethnic_group",
    "force_rates",
    "indicator",
    "indicator_flags",
    "load_national",
    "local_trend",
    "police_indicators",
    "pooled_rates",
    "publish_disparity",
    "ranked_chart",
    "rate_against",
    "read_commentary",
    "search_disparity",
    "similar_areas",
    "similar_funnel",
    "six_month_comparison",
    "spine_chart",
    "strategic_assessment",
    "study_indicators",
    "study_table_name",
    "treatment_indicators",
    "trend_chart",
]
