"""Study settings (area, period, files, thresholds) read from one TOML file."""

from __future__ import annotations

import difflib
import logging
import math
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.errors import ConfigError, WorkbenchError
from workbench.months import month

__all__ = [
    "StudyConfig",
    "load_config",
    "FILE_KEYS",
    "LIST_FILE_KEYS",
    "PARTNERSHIP_TABLES",
    "COLUMN_KEYS",
    "INDICATOR_FILE_KEYS",
    "INDICATOR_SETTINGS",
]

logger = logging.getLogger(__name__)

_DISTRICT_CODE = re.compile(r"^[EWSN]\d{8}$")

#: File keys that take a list of paths (several months, forces or districts).
LIST_FILE_KEYS = ("police_street", "stop_search", "lsoa_boundaries", "wards")
#: File keys that take a single path (or are absent).
SINGLE_FILE_KEYS = (
    "districts",
    "imd",
    "imd_scores",
    "population",
    "population_bands",
    "lsoa_lookup",
    "lsoa_2011_2021_lookup",
    # issue 21: ONS LSOA21 -> ward best-fit lookup (ward figures without ward polygons) and
    # LAD -> Community Safety Partnership -> police force area lookup
    "ward_lookup",
    "partnership_lookup",
)
#: File keys of the partnership tables (``docs/templates.md``): optional, not public data.
PARTNERSHIP_TABLES = (
    "treatment_demographics",
    "treatment_by_lsoa",
    "prevalence",
    "services",
    "waiting_times",
    "needle_finds",
    "young_people",
    "treatment_outcomes",
)
#: Reference files of a study beyond the required ones (issue 13): population by ethnic group
#: for the representation table (columns ethnicity, population; Census 2021 TS021 in the
#: sample). Named in every output that uses them.
REFERENCE_FILE_KEYS = ("ethnicity_population",)
#: NDTMS ViewIt exports (issue 23; ``workbench.loaders.ndtms``): the study area's adult "all
#: indicators" export and England's (numbers in treatment by ethnic group), as downloaded.
TREATMENT_EXPORT_KEYS = ("ndtms_viewit", "ndtms_viewit_england")
SINGLE_FILE_KEYS = (
    SINGLE_FILE_KEYS + PARTNERSHIP_TABLES + REFERENCE_FILE_KEYS + TREATMENT_EXPORT_KEYS
)
FILE_KEYS = LIST_FILE_KEYS + SINGLE_FILE_KEYS
#: A study without police files (e.g. a treatment study, issue 23) runs the themes that do not
#: need them; those that do are skipped with one line (``workbench.report``). Without an
#: ``imd`` file the LSOAs have no decile (a study needs ``lsoa_lookup`` or ``districts`` then).
REQUIRED_FILE_KEYS = ("lsoa_boundaries", "population")
#: Keys of the optional ``[columns]`` table: header names to use instead of detecting them.
COLUMN_KEYS = (
    "lsoa_code",
    "lsoa_name",
    "ward_code",
    "ward_name",
    "district_code",
    "population_code",
    "population_total",
)

_DEFAULT_THRESHOLDS: dict[str, Any] = {
    "adult_wait_weeks": 3,
    "young_people_wait_days": 10,
    "distance_bands_km": [2, 5],
    "alpha": 0.05,
}
#: Keys of the ``[study]`` table.
STUDY_KEYS = (
    "name",
    "area_codes",
    "area_name",
    "period_start",
    "period_end",
    "quarters",
    "suppression_threshold",
    "per",
    "boundary_copyright_year",
    "allow_missing_months",
    "allow_low_suppression",
    "population_year",  # issue 13: the mid-year estimate year of files.population
    "deprivation_index",  # issue 21: "imd2019", "iod2025", "wimd2019" (detected when absent)
    "boundary_vintage",  # issue 21: "2011" or "2021" census LSOAs (detected when absent)
    "engine",  # scale (issue 16): docs/scale.md
    "scheduler",
    "data_folders",  # issue 26: folders outside the study folder that its files may lie in
)
#: Settings whose file is published word for word (commentary): it must lie inside the
#: study folder or a named data folder, whatever the path says, and be a text file.
PUBLISHED_TEXT_KEYS = ("commentary", "assessment_commentary")
_TEXT_SUFFIXES = (".md", ".markdown", ".txt")
# -- [indicators]: national comparison files and settings (workbench.indicators) --------------
#: File keys of ``[indicators]`` (paths relative to the TOML file). ``fingertips`` is a list.
INDICATOR_FILE_KEYS = (
    "area_names",
    "area_regions",
    "population",
    "england_population",
    "imd_average",
    "deaths_misuse",
    "deaths_poisoning",
    "admissions_poisoning",  # issue 22: the repackager's "misuse" file (poisoning by drugs)
    "admissions_mbd_primary",  # "primary": mental and behavioural disorders, primary diagnosis
    "admissions_mbd_any",  # "secondary": M&B disorders, primary or secondary diagnosis
    "seizures",
    "force_population",
    "ethnicity_population",
    "district_population",  # issue 22: residents of each district of the force (comparators)
    "assessment_commentary",
    "fingertips",
)
#: Other ``[indicators]`` settings: the police force of the study, the similar-areas group
#: (a number of nearest neighbours or a list of area names) and the name of the study in the
#: national tables when it is not found from its codes.
INDICATOR_SETTINGS = ("police_force", "similar_areas", "table_area_name")

#: The tables of ``area.toml``.
TABLES = ("study", "files", "columns", "thresholds", "report", "disclosure", "indicators")
_KEYS_BY_TABLE = {
    "study": STUDY_KEYS,
    "files": FILE_KEYS,
    "columns": COLUMN_KEYS,
    "thresholds": tuple(_DEFAULT_THRESHOLDS),
    "report": ("commentary",),
    "disclosure": ("open_data_in_full",),
    "indicators": INDICATOR_FILE_KEYS + INDICATOR_SETTINGS,
}


@dataclass(frozen=True)
class StudyConfig:
    """Settings of one study, as read from ``area.toml``.

    Paths in ``files`` are absolute (resolved against the TOML file's folder). List keys
    (``police_street``, ``stop_search``, ``lsoa_boundaries``, ``wards``) hold lists; the
    others hold one :class:`~pathlib.Path` or ``None``. ``boundary_copyright_year`` is the
    year of the boundary data's Crown copyright (stated on every map); ``None`` = unknown.
    """

    path: Path
    name: str
    area_codes: tuple[str, ...]
    area_name: str
    period_start: pd.Period
    period_end: pd.Period
    quarters: str = "financial"
    suppression_threshold: int = 5
    per: int = 10_000
    files: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    boundary_copyright_year: int | None = None
    #: Year of the ONS mid-year population estimate in ``files.population`` (issue 13), stated
    #: wherever a rate uses it; ``None`` = not stated in the config.
    population_year: int | None = None
    #: issue 21: the deprivation index the study declares (``"imd2019"``, ``"iod2025"``,
    #: ``"wimd2019"``; ``None`` = detected from the file's header) and the census geography of
    #: its LSOA boundaries (``"2011"``/``"2021"``; ``None`` = detected from the boundary file).
    deprivation_index: str | None = None
    boundary_vintage: str | None = None
    # -- scale (issue 16): which engine reads police.uk street crime; see docs/scale.md --
    engine: str = "auto"
    scheduler: str | None = None
    # [disclosure] (issue 12): show counts from open data (police.uk) in full.
    open_data_in_full: bool = False
    commentary: Path | None = None
    #: ``[study] data_folders``: folders besides the study folder that its files (and links
    #: among them) may lead into (absolute paths).
    data_folders: tuple[Path, ...] = ()
    allow_missing_months: bool = False
    allow_low_suppression: bool = False
    #: ``[indicators]`` (see :data:`INDICATOR_FILE_KEYS`): national comparison files (absolute
    #: paths) and settings; empty when the table is absent.
    indicators: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The folder holding the TOML file."""
        return self.path.parent

    def file(self, key: str) -> Path | list[Path] | None:
        """The configured path(s) for ``key``, or ``None``/``[]`` when absent."""
        if key not in FILE_KEYS:
            raise ConfigError(f"unknown file key {key!r}; expected one of {', '.join(FILE_KEYS)}")
        return self.files.get(key, [] if key in LIST_FILE_KEYS else None)

    def with_overrides(self, **overrides: Any) -> StudyConfig:
        """A copy with settings replaced (e.g. papermill parameters).

        ``period_start``/``period_end`` accept ``"YYYY-MM"`` strings.
        """
        clean = {k: v for k, v in overrides.items() if v is not None}
        for key in ("period_start", "period_end"):
            if key in clean:
                clean[key] = _parse_month(clean[key], key, self.path)
        if "thresholds" in clean:
            clean["thresholds"] = {**self.thresholds, **clean["thresholds"]}
        new = replace(self, **clean)
        _check_period(new)
        return new

    def summary(self) -> dict[str, Any]:
        """JSON-ready settings for the run log."""
        return {
            "config": str(self.path),
            "name": self.name,
            "area_codes": list(self.area_codes),
            "area_name": self.area_name,
            "period_start": str(self.period_start),
            "period_end": str(self.period_end),
            "quarters": self.quarters,
            "suppression_threshold": self.suppression_threshold,
            "per": self.per,
            "boundary_copyright_year": self.boundary_copyright_year,
            "population_year": self.population_year,
            "deprivation_index": self.deprivation_index,
            "boundary_vintage": self.boundary_vintage,
            "engine": self.engine,
            "scheduler": self.scheduler,
            "open_data_in_full": self.open_data_in_full,
            "commentary": str(self.commentary) if self.commentary else None,
            "allow_missing_months": self.allow_missing_months,
            "allow_low_suppression": self.allow_low_suppression,
            "thresholds": self.thresholds,
            "indicators": {
                k: ([str(p) for p in v] if isinstance(v, list) and k == "fingertips" else str(v))
                for k, v in self.indicators.items()
            },
            "files": {
                k: ([str(p) for p in v] if isinstance(v, list) else (str(v) if v else None))
                for k, v in self.files.items()
            },
        }


def _parse_month(value: Any, key: str, path: Path) -> pd.Period:
    """A ``[study]`` month setting, read by :func:`workbench.months.month` (the one parser).

    ``2021`` or ``"2021"`` are refused rather than read as January 2021.
    """
    try:
        return month(value, f"[study] {key}")
    except WorkbenchError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _parse_year(value: Any, path: Path, key: str = "boundary_copyright_year") -> int | None:
    """A ``[study]`` year setting: ``None`` when absent, else a 4-digit year."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1000 <= value <= 9999:
        raise ConfigError(
            f"{path}: [study] {key} must be a 4-digit year like 2014, found {value!r}"
        )
    return value


def _check_period(cfg: StudyConfig) -> None:
    if cfg.period_end < cfg.period_start:
        raise ConfigError(
            f"{cfg.path}: [study] period_end ({cfg.period_end}) is before "
            f"period_start ({cfg.period_start})"
        )
    if cfg.quarters not in ("financial", "calendar"):
        raise ConfigError(
            f"{cfg.path}: [study] quarters must be 'financial' or 'calendar', "
            f"found {cfg.quarters!r}"
        )
    _check_int(cfg.path, "study", "suppression_threshold", cfg.suppression_threshold, 1)
    if cfg.suppression_threshold < 3 and not cfg.allow_low_suppression:
        raise ConfigError(
            f"{cfg.path}: [study] suppression_threshold must be at least 3 (counts of 1 and 2 "
            f"identify people), found {cfg.suppression_threshold!r}. To publish smaller "
            f"counts on purpose, add [study] allow_low_suppression = true"
        )
    _check_int(cfg.path, "study", "per", cfg.per, 1)
    for key in ("allow_missing_months", "allow_low_suppression"):
        if not isinstance(getattr(cfg, key), bool):
            raise ConfigError(
                f"{cfg.path}: [study] {key} must be true or false, found {getattr(cfg, key)!r}"
            )
    _check_thresholds(cfg.path, cfg.thresholds)


def _check_int(path: Path, section: str, key: str, value: Any, low: int) -> None:
    """A whole number (not a bool, float or text) >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        kind = {bool: "true/false", float: "a decimal", str: "text"}.get(type(value), "")
        raise ConfigError(
            f"{path}: [{section}] {key} must be a whole number >= {low}, found {value!r}"
            + (f" ({kind})" if kind else "")
        )


def _positive(path: Path, key: str, value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ConfigError(
            f"{path}: [thresholds] {key} must be a number greater than 0, found {value!r}"
        )
    return value


def _check_thresholds(path: Path, th: dict[str, Any]) -> None:
    """Type and range of every ``[thresholds]`` setting (unknown keys are refused earlier)."""
    for key in ("adult_wait_weeks", "young_people_wait_days"):
        _positive(path, key, th[key])
    bands = th["distance_bands_km"]
    if not isinstance(bands, list) or not bands:
        raise ConfigError(
            f"{path}: [thresholds] distance_bands_km must be a list of distances in km like "
            f"[2, 5], found {bands!r}"
        )
    for b in bands:
        _positive(path, "distance_bands_km", b)
    if any(b >= c for b, c in zip(bands, bands[1:], strict=False)):
        raise ConfigError(f"{path}: [thresholds] distance_bands_km must increase, found {bands!r}")
    alpha = th["alpha"]
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise ConfigError(
            f"{path}: [thresholds] alpha must be a probability between 0 and 1 (e.g. 0.05), "
            f"found {alpha!r}"
        )


def load_config(path: str | Path, *, check_files: bool = True) -> StudyConfig:
    """Read a study configuration from a TOML file.

    Parameters
    ----------
    path : str or Path
        The ``area.toml`` file.
    check_files : bool, default True
        Raise :class:`ConfigError` when a configured file does not exist.

    Returns
    -------
    StudyConfig

    Raises
    ------
    ConfigError
        One message naming the file, the setting and what was expected.

    Examples
    --------
    >>> cfg = load_config("data/sample/area.toml")  # doctest: +SKIP
    >>> cfg.area_codes
    ('E06000016',)
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise ConfigError(f"{path}: study configuration file not found")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a valid TOML file ({exc})") from exc

    _check_keys(path, "", raw, TABLES)
    for table in TABLES:
        if table in raw and not isinstance(raw[table], dict):
            raise ConfigError(f"{path}: [{table}] must be a table, found {raw[table]!r}")
    study = raw.get("study")
    if not isinstance(study, dict):
        raise ConfigError(f"{path}: expected a [study] table")
    _check_keys(path, "study", study, STUDY_KEYS)
    for key in ("name", "area_name"):
        if key in study and (not isinstance(study[key], str) or not study[key].strip()):
            raise ConfigError(f"{path}: [study] {key} must be text, found {study[key]!r}")
    for key in ("name", "area_codes", "period_start", "period_end"):
        if key not in study:
            raise ConfigError(f"{path}: [study] is missing the setting {key!r}")
    codes = study["area_codes"]
    if isinstance(codes, str):
        codes = [codes]
    if (
        not isinstance(codes, list)
        or not codes
        or not all(isinstance(c, str) and _DISTRICT_CODE.match(c) for c in codes)
    ):
        raise ConfigError(
            f"{path}: [study] area_codes must be a list of local authority district codes "
            f'like ["E06000016"], found {codes!r}'
        )
    if "quarters" in study and not isinstance(study["quarters"], str):
        raise ConfigError(
            f"{path}: [study] quarters must be 'financial' or 'calendar', "
            f"found {study['quarters']!r}"
        )

    roots = _data_folders(path, study.get("data_folders"))
    files_raw = raw.get("files")
    if not isinstance(files_raw, dict):
        raise ConfigError(f"{path}: expected a [files] table")
    _check_keys(path, "files", files_raw, FILE_KEYS)
    files: dict[str, Any] = {}
    for key, value in files_raw.items():
        if key in LIST_FILE_KEYS:
            if not isinstance(value, str | list):
                raise ConfigError(
                    f"{path}: [files] {key} must be a path or a list of paths, found {value!r}"
                )
            values = [value] if isinstance(value, str) else list(value or [])
            files[key] = [_resolve(path, key, v, check_files, roots) for v in values]
        else:
            files[key] = _resolve(path, key, value, check_files, roots) if value else None
    missing = [k for k in REQUIRED_FILE_KEYS if not files.get(k)]
    if missing:
        raise ConfigError(f"{path}: [files] must name {', '.join(missing)}")

    columns = raw.get("columns", {})
    if not isinstance(columns, dict):
        raise ConfigError(f"{path}: [columns] must be a table of names, found {columns!r}")
    _check_keys(path, "columns", columns, COLUMN_KEYS)
    for key, value in columns.items():
        if not isinstance(value, str) or not value:
            raise ConfigError(
                f"{path}: [columns] {key} must be a column name (text), found {value!r}"
            )
    _check_keys(path, "thresholds", raw.get("thresholds", {}), tuple(_DEFAULT_THRESHOLDS))
    thresholds = {**_DEFAULT_THRESHOLDS, **raw.get("thresholds", {})}
    commentary = _report_commentary(path, raw.get("report", {}), check_files, roots)
    cfg = StudyConfig(
        path=path,
        name=str(study["name"]),
        area_codes=tuple(codes),
        area_name=str(study.get("area_name", study["name"])),
        period_start=_parse_month(study["period_start"], "period_start", path),
        period_end=_parse_month(study["period_end"], "period_end", path),
        quarters=str(study.get("quarters", "financial")),
        suppression_threshold=study.get("suppression_threshold", 5),
        per=study.get("per", 10_000),
        files=files,
        thresholds=thresholds,
        columns=dict(columns),
        boundary_copyright_year=_parse_year(study.get("boundary_copyright_year"), path),
        population_year=_parse_year(study.get("population_year"), path, "population_year"),
        **_parse_vintage(study, path),
        open_data_in_full=_parse_disclosure(raw.get("disclosure", {}), path),
        commentary=commentary,
        data_folders=roots[1:],
        allow_missing_months=study.get("allow_missing_months", False),
        allow_low_suppression=study.get("allow_low_suppression", False),
        **_parse_engine(study, path),
        indicators=_parse_indicators(path, raw.get("indicators"), check_files, roots),
    )
    _check_period(cfg)
    logger.info("Loaded study config %s: %s", path, cfg.summary())
    return cfg


def _parse_vintage(study: dict, path: Path) -> dict[str, str | None]:
    """``[study] deprivation_index`` and ``boundary_vintage`` (issue 21), checked."""
    out: dict[str, str | None] = {"deprivation_index": None, "boundary_vintage": None}
    allowed = {
        "deprivation_index": ("imd2019", "iod2025", "wimd2019"),
        "boundary_vintage": ("2011", "2021"),
    }
    for key, values in allowed.items():
        if key not in study:
            continue
        value = study[key]
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or value not in values:
            raise ConfigError(
                f"{path}: [study] {key} must be one of "
                + ", ".join(repr(v) for v in values)
                + f", found {study[key]!r}"
            )
        out[key] = value
    return out


def _parse_disclosure(section: Any, path: Path) -> bool:
    """``[disclosure] open_data_in_full``: show police.uk (open data) counts unsuppressed.

    Partnership tables and everything derived from them are always suppressed; see
    ``docs/disclosure.md``. Default ``false`` (every count is suppressed).
    """
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [disclosure] must be a table, found {section!r}")
    _check_keys(path, "disclosure", section, ("open_data_in_full",))
    value = section.get("open_data_in_full", False)
    if not isinstance(value, bool):
        raise ConfigError(
            f"{path}: [disclosure] open_data_in_full must be true or false, found {value!r}"
        )
    return value


def _report_commentary(
    path: Path, report: Any, check: bool, roots: tuple[Path, ...] = ()
) -> Path | None:
    """``[report] commentary``: the analyst's Markdown commentary for the community page."""
    if not isinstance(report, dict):
        raise ConfigError(f"{path}: [report] must be a table of settings, found {report!r}")
    _check_keys(path, "report", report, ("commentary",))
    value = report.get("commentary")
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(
            f"{path}: [report] commentary must be a path to a Markdown file, found {value!r}"
        )
    return _resolve(path, "commentary", value, check, roots, section="report")


def _check_keys(path: Path, section: str, table: dict, allowed: Any) -> None:
    """Raise :class:`ConfigError` naming any key of ``[section]`` not in ``allowed``.

    The message suggests the closest allowed key (``difflib``), or the table where a key of
    another table belongs.
    """
    unknown = sorted(set(table) - set(allowed))
    if not unknown:
        return
    where = f"[{section}]" if section else "the top level"
    hints = []
    for key in unknown:
        close = difflib.get_close_matches(str(key), [str(a) for a in allowed], n=1, cutoff=0.6)
        if close:
            hints.append(f"{key!r}: did you mean {close[0]!r}?")
            continue
        home = [t for t, keys in _KEYS_BY_TABLE.items() if key in keys and t != section]
        if home:
            hints.append(f"{key!r} belongs in [{home[0]}]")
    text = f"{path}: {where} has unknown key(s) {', '.join(map(repr, unknown))}"
    if hints:
        text += " (" + "; ".join(hints) + ")"
    raise ConfigError(text + f". Expected some of: {', '.join(allowed)}")


def _data_folders(cfg_path: Path, value: Any) -> tuple[Path, ...]:
    """The study folder and the ``[study] data_folders`` (absolute, links followed)."""
    if value is None:
        value = []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(
            f"{cfg_path}: [study] data_folders must be a list of folder paths, found {value!r}"
        )
    folders = [cfg_path.parent.resolve()]
    for v in value:
        folder = Path(v) if Path(v).is_absolute() else cfg_path.parent / v
        if not folder.resolve().is_dir():
            raise ConfigError(
                f"{cfg_path}: [study] data_folders names {v!r}, which is not a folder ({folder})"
            )
        folders.append(folder.resolve())
    return tuple(folders)


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == r or path.is_relative_to(r) for r in roots)


def _resolve(
    cfg_path: Path,
    key: str,
    value: Any,
    check: bool,
    roots: tuple[Path, ...] = (),
    *,
    section: str = "files",
) -> Path:
    """A configured input path, resolved against the TOML file's folder and checked.

    Notes
    -----
    Rules (issue 26): the path must name a regular file (a folder for the police keys that
    take a folder of monthly files); a named pipe, a device or a socket is refused before it
    is opened, so ``validate`` never waits on a pipe nor reads ``/dev/zero``. A path that
    reaches its file through a symbolic link must end inside the study folder or a
    ``[study] data_folders`` folder. A file published word for word
    (:data:`PUBLISHED_TEXT_KEYS`: the commentary) must lie inside them whatever the path
    says, and be a Markdown or text file, so no setting can publish ``/etc/passwd``.
    With ``check=False`` only a missing file is let through (reported when first used).
    """
    where = f"[{section}] {key}"
    if not isinstance(value, str):
        raise ConfigError(f"{cfg_path}: {where} must be a path string, found {value!r}")
    roots = roots or (cfg_path.parent.resolve(),)
    given = Path(value) if Path(value).is_absolute() else cfg_path.parent / value
    lexical = Path(os.path.normpath(given))
    p = given.resolve()
    allowed = ", ".join(str(r) for r in roots)
    published = key in PUBLISHED_TEXT_KEYS
    if published and not _inside(p, roots):
        raise ConfigError(
            f"{cfg_path}: {where} names {value!r}, which is outside the study folder ({p}); "
            f"expected a Markdown file inside {allowed} (add its folder to [study] "
            "data_folders to allow it)"
        )
    if p != lexical and not _inside(p, roots):
        raise ConfigError(
            f"{cfg_path}: {where} names {value!r}, a link leading outside the study folder "
            f"(to {p}); expected a file inside {allowed} (add its folder to [study] "
            "data_folders to allow it)"
        )
    try:  # stat never opens: a pipe cannot block here
        mode = os.stat(p).st_mode
    except FileNotFoundError:
        if not check:  # a missing file is reported when first used (Study.from_toml)
            return p
        raise ConfigError(
            f"{cfg_path}: {where} names {value!r}, which does not exist ({p})"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{cfg_path}: {where} names {value!r}, which cannot be read ({exc.strerror})"
        ) from None
    folder_ok = key in ("police_street", "stop_search")
    if not (stat.S_ISREG(mode) or (folder_ok and stat.S_ISDIR(mode))):
        kind = (
            "a named pipe"
            if stat.S_ISFIFO(mode)
            else "a device"
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "a folder"
            if stat.S_ISDIR(mode)
            else "not a regular file"
        )
        expected = "a regular file or a folder" if folder_ok else "a regular file"
        raise ConfigError(
            f"{cfg_path}: {where} names {value!r} ({p}), which is {kind}; expected {expected}"
        )
    if published and p.suffix.lower() not in _TEXT_SUFFIXES:
        raise ConfigError(
            f"{cfg_path}: {where} names {value!r}, expected a Markdown or text file "
            f"({', '.join(_TEXT_SUFFIXES)}), found {p.suffix or 'no extension'}"
        )
    return p


def _parse_indicators(
    path: Path, raw: Any, check: bool, roots: tuple[Path, ...] = ()
) -> dict[str, Any]:
    """``[indicators]``: resolved paths and settings (empty dict when absent)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: [indicators] must be a table, found {raw!r}")
    _check_keys(path, "indicators", raw, INDICATOR_FILE_KEYS + INDICATOR_SETTINGS)
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "fingertips":
            values = [value] if isinstance(value, str) else list(value or [])
            out[key] = [_resolve(path, key, v, check, roots, section="indicators") for v in values]
        elif key in INDICATOR_FILE_KEYS:
            out[key] = (
                _resolve(path, key, value, check, roots, section="indicators") if value else None
            )
        elif key == "similar_areas":
            ok = (isinstance(value, int) and not isinstance(value, bool) and value > 0) or (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            )
            if not ok:
                raise ConfigError(
                    f"{path}: [indicators] similar_areas must be a number of neighbours (e.g. "
                    f"10) or a list of area names, found {value!r}"
                )
            out[key] = value
        else:
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{path}: [indicators] {key} must be text, found {value!r}")
            out[key] = value
    return out


# -- scale (issue 16) ------------------------------------------------------------------------
_ENGINES = ("auto", "memory", "duckdb", "dask")


def _parse_engine(study: dict, path: Path) -> dict[str, Any]:
    """``[study] engine`` (auto, memory, duckdb, dask) and ``[study] scheduler`` (a Dask
    scheduler address such as ``"tcp://10.0.0.5:8786"``, for ``engine = "dask"``)."""
    engine = study.get("engine", "auto")
    if engine not in _ENGINES:
        raise ConfigError(
            f"{path}: [study] engine must be one of {', '.join(_ENGINES)}, found {engine!r}"
        )
    scheduler = study.get("scheduler")
    if scheduler is not None and not (
        isinstance(scheduler, str) and "://" in scheduler and engine == "dask"
    ):
        raise ConfigError(
            f"{path}: [study] scheduler must be a Dask scheduler address like "
            f"'tcp://host:8786' and needs engine = \"dask\", found {scheduler!r} "
            f"with engine = {engine!r}"
        )
    return {"engine": engine, "scheduler": scheduler}
