"""Statistics partnership analysts are held to: rates, funnels, trends, SPC, suppression."""

from workbench.stats.disclosure import (
    SUPPRESSED,
    Suppression,
    check_suppressed,
    disclosed_cells,
    suppress,
    suppression,
    suppression_mask,
)
from workbench.stats.funnel import funnel_baseline, funnel_classify, funnel_limits, funnel_plot
from workbench.stats.periods import (
    KEY_FIGURE_COLUMNS,
    POLICE_OFFENCES,
    compare_periods,
    in_months,
    key_figures,
    monthly_counts,
    monthly_long,
    monthly_table,
    observed_months,
    seasonality,
    table_note,
    table_window,
)
from workbench.stats.rates import (
    BYAR_FROM,
    poisson_interval,
    proportion,
    rate,
    wilson_interval,
    z_value,
)
from workbench.stats.signals import seasonal_chart, spc_summary
from workbench.stats.spc import spc, spc_chart
from workbench.stats.trend import MannKendallResult, mann_kendall, mann_kendall_many

__all__ = [
    "BYAR_FROM",
    "SUPPRESSED",
    "MannKendallResult",
    "check_suppressed",
    "compare_periods",
    "table_note",
    "table_window",
    "disclosed_cells",
    "funnel_baseline",
    "funnel_classify",
    "funnel_limits",
    "funnel_plot",
    "mann_kendall",
    "mann_kendall_many",
    "monthly_counts",
    "monthly_table",
    "monthly_long",
    "in_months",
    "key_figures",
    "KEY_FIGURE_COLUMNS",
    "POLICE_OFFENCES",
    "observed_months",
    "poisson_interval",
    "proportion",
    "rate",
    "seasonal_chart",
    "seasonality",
    "spc",
    "spc_chart",
    "spc_summary",
    "suppress",
    "suppression",
    "suppression_mask",
    "Suppression",
    "wilson_interval",
    "z_value",
]
