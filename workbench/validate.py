"""``workbench validate``: load every file of a study and print the row ledger."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

from workbench.errors import ConfigError, DataError, WorkbenchError

__all__ = ["run_validate", "study_checks"]

logger = logging.getLogger(__name__)


def run_validate(
    config: str | Path,
    as_json: bool = False,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Load every configured file of the study in ``config`` and print its ledger.

    Parameters
    ----------
    config : path
        The study's ``area.toml``.
    as_json : bool
        Print ``{"files": [{"file", "kind", "read", "kept", "dropped": {reason: n}}]}``
        (plus ``"notes"`` for files with notes) instead of a table.
    out, err : file-like, optional
        Where to print (default: standard output and standard error).

    Returns
    -------
    int
        0 when every file loaded and balanced (rows read = kept + dropped); 2 on bad input or
        configuration (the error's one-line message is printed, without a traceback); 1 when a
        ledger does not balance (a bug in the workbench, never expected).
    """
    from workbench.study import Study

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        study = Study.from_toml(config)
        ledger = study.load_all()
        study_checks(study)
    except WorkbenchError as exc:
        print(f"error: {' '.join(str(exc).split())}", file=err)
        return 2
    cov = study.coverage
    checks = study.checks()
    if as_json:
        print(json.dumps({**ledger.to_dict(), "checks": checks}, indent=2), file=out)
    else:
        print(
            f"Study: {study.config.name} ({study.config.period_start} to "
            f"{study.config.period_end}), {len(ledger.files)} file(s)",
            file=out,
        )
        print(ledger.to_text(), file=out)
        print("", file=out)
        print("Police coverage (months of the study period held, by force):", file=out)
        print(cov.to_text(), file=out)
        if not cov.complete:
            print(
                f"MISSING MONTHS: {cov.describe()} They are treated as missing (gaps), "
                "never as zero.",
                file=out,
            )
        for line in checks.get("messages", []):
            print(line, file=out)
    if not ledger.balanced:
        logger.error("ledger not balanced: %s", [f.file for f in ledger.files if not f.balanced])
        return 1
    return 0


#: Tables published together: one that holds fewer years than the others was cut short.
SAME_YEARS = (
    (("deaths_misuse", "deaths_poisoning"), "deaths tables"),
    (
        ("admissions_poisoning", "admissions_mbd_primary", "admissions_mbd_any"),
        "admissions tables",
    ),
)


def study_checks(study: Any) -> None:
    """What the national tables, the Fingertips files and the reference tables claim, checked
    across files and settings once every file has loaded (``workbench validate`` and
    ``workbench report`` run it before any notebook), so that no notebook is the first to fail.

    Checks (each failure is one :class:`~workbench.errors.DataError` or
    :class:`~workbench.errors.ConfigError`):

    * tables published together hold the same years (:data:`SAME_YEARS`);
    * ``[indicators] table_area_name`` is the study's own area
      (:func:`~workbench.loaders.areas.check_table_area_name`) and ``police_force`` a force of
      the force population table;
    * Fingertips names agree with the area code list and the study's name sits only under the
      study's codes (:func:`~workbench.loaders.areas.check_long_names`);
    * the study's area has one column, under one name, in every national area table
      (:func:`~workbench.loaders.areas.check_study_in_tables`);
    * the region lists agree with the codes (London = E09) and with the published regional
      populations (:func:`~workbench.loaders.areas.check_regions`);
    * the populations by ethnic group name the Census groups, White (the reference of every
      disproportionality ratio) among them, each with at least 1 resident.
    """
    from workbench.indicators.national import LA_TABLES, study_table_name
    from workbench.indicators.stopsearch import ETHNIC_GROUPS
    from workbench.ledger import Ledger
    from workbench.loaders._io import display_name
    from workbench.loaders.areas import (
        check_long_names,
        check_regions,
        check_same_years,
        check_study_in_tables,
        check_table_area_name,
        read_group_population,
    )

    cfg = study.config
    ind = dict(cfg.indicators or {})
    tables = study.national
    where = f"{cfg.path}: [indicators]"
    if tables is not None:
        for keys, what in SAME_YEARS:
            present = {
                k: (display_name(ind[k]), tables.tables[k]["period"].unique())
                for k in keys
                if k in tables.tables
            }
            check_same_years(present, what)
        files = {k: display_name(ind[k]) for k in tables.tables if ind.get(k)}
        named = tables.matches()
        named = named.loc[named["table"].isin([*LA_TABLES, "population", "imd_average"])]
        check_study_in_tables(named, cfg.area_codes, files)
        names = (
            set().union(*(set(df["area_name"]) for df in tables.tables.values()))
            if tables.tables
            else set()
        )
        own = ind.get("table_area_name")
        if own:
            check_table_area_name(where, str(own), cfg.area_codes, tables.names, names)
        force = ind.get("police_force")
        if force and tables.force_population is not None:
            forces = sorted(set(tables.force_population["area_name"]))
            if force not in forces:
                raise ConfigError(
                    f"{where} police_force {force!r} is not a force of the force population "
                    f"table; expected one of {', '.join(forces)}"
                )
        table_name = study_table_name(tables, cfg.area_codes, own)
        study_names = {n for n in (table_name, cfg.area_name) if n}
        for path, long in zip(ind.get("fingertips") or [], tables.long, strict=False):
            check_long_names(long, display_name(path), tables.names, cfg.area_codes, study_names)
        if tables.regions is not None:
            check_regions(
                tables.regions,
                f"{where} area_regions ({display_name(ind['area_regions'])})",
                lookup=tables.names,
                population=tables.tables.get("population"),
                region_population=tables.tables.get("england_population"),
            )
    paths = [cfg.file("ethnicity_population"), ind.get("ethnicity_population")]
    for path in dict.fromkeys(p for p in paths if p):
        name = display_name(path)
        pop = read_group_population(path, Ledger(), kind="ethnicity_population")
        unknown = [g for g in pop.index if g not in ETHNIC_GROUPS]
        if unknown or "White" not in pop.index:
            raise DataError(
                name,
                f"the Census 2021 ethnic groups {', '.join(ETHNIC_GROUPS)} (White is the "
                "reference of every disproportionality ratio)",
                found=f"{unknown[0]!r}" if unknown else "no 'White' row",
                row=list(pop.index).index(unknown[0]) + 1 if unknown else None,
                column="ethnicity",
            )
