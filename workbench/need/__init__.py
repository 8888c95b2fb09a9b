"""Need, provision and representation: unmet need, representation ratios, deprivation reach,
service access (distance and 2SFCA), capacity against need, waiting times, young people.

Every function takes DataFrames in the partnership template columns (``docs/templates.md``).
Functions that make a table to publish return a :class:`~workbench.need.results.NeedTable`: a
:class:`workbench.disclosure.Described` (the frame, ``.frame``, and its disclosure
description, ``.spec``: which columns count people, which derive from counts, built here
beside the columns, for ``Outputs.table``) that also holds the settings used (``.settings``).
Those that produce tables of counts also take ``suppressed=True`` (and ``threshold``) to
return the display version instead, a :class:`~workbench.need.results.Shown`: the frame with
counts 1 to threshold-1 shown as "*" and whatever would reveal them hidden, as the disclosure
policy (:class:`workbench.disclosure.Policy`) withholds them, and the summary of what was
hidden (``.suppression``). Result objects (:class:`DeprivationReach`) have a
``display(threshold)`` method for the same purpose. Nothing is kept in the frame's ``attrs``.
"""

from workbench.need.access import ServiceAccess, service_access, two_step_fca
from workbench.need.capacity import capacity_gap, capacity_table, distribute_estimate
from workbench.need.reach import DeprivationReach, deprivation_reach
from workbench.need.representation import (
    TREATMENT_AGE_BANDS,
    population_by_treatment_band,
    representation,
)
from workbench.need.response import collection_times
from workbench.need.results import NeedFrame, NeedTable, Shown
from workbench.need.unmet import (
    OCU_TREATMENT_AGES,
    PREVALENCE_GROUPS,
    unmet_need,
    unmet_need_chart,
    unmet_need_error_bars,
    unmet_need_table,
)
from workbench.need.viewit import (
    completions,
    exits_by_reason,
    new_presentation_profile,
    profile_vs_england,
    published_unmet_need,
    rounding_note,
    treatment_numbers,
    treatment_numbers_chart,
    treatment_trend,
    viewit_representation,
    viewit_treatment_demographics,
    waits_within_target,
)
from workbench.need.waits import (
    DEFAULT_TARGETS,
    waiting_times,
    young_people_access,
    young_people_ward_map,
)

__all__ = [
    "completions",
    "exits_by_reason",
    "new_presentation_profile",
    "profile_vs_england",
    "published_unmet_need",
    "rounding_note",
    "treatment_numbers",
    "treatment_numbers_chart",
    "treatment_trend",
    "viewit_representation",
    "viewit_treatment_demographics",
    "waits_within_target",
    "DEFAULT_TARGETS",
    "OCU_TREATMENT_AGES",
    "PREVALENCE_GROUPS",
    "TREATMENT_AGE_BANDS",
    "DeprivationReach",
    "NeedFrame",
    "NeedTable",
    "Shown",
    "ServiceAccess",
    "capacity_gap",
    "capacity_table",
    "collection_times",
    "deprivation_reach",
    "distribute_estimate",
    "population_by_treatment_band",
    "representation",
    "service_access",
    "two_step_fca",
    "unmet_need",
    "unmet_need_chart",
    "unmet_need_error_bars",
    "unmet_need_table",
    "waiting_times",
    "young_people_access",
    "young_people_ward_map",
]
