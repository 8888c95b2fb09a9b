"""Partnership tables (treatment, prevalence, services, needle finds, ...) from their templates."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from workbench.errors import DataError
from workbench.geo import BNG, GB_LAT, GB_LON, points_from_lonlat
from workbench.ledger import REASONS, FileLedger, Ledger
from workbench.loaders._io import (
    check_not_spatial,
    display_name,
    first_bad,
    match_columns,
    norm,
    read_bytes_header,
    read_csv,
    show,
    strip_comment_lines,
    to_number,
)
from workbench.schemas import TABLE_SCHEMAS, TEMPLATE_MODELS, template_columns, validate

__all__ = ["TEMPLATES", "read_table"]

logger = logging.getLogger(__name__)

#: Column -> kind ("text", "count", "number", "date", "integer") of each partnership template,
#: from its pandera model (:data:`workbench.schemas.TEMPLATE_MODELS`, which also makes
#: docs/templates.md and the value checks).
TEMPLATES: dict[str, dict[str, str]] = {t: template_columns(t) for t in TEMPLATE_MODELS}
#: Tables with coordinates, returned as GeoDataFrames in EPSG:27700.
SPATIAL = ("services", "needle_finds")


def _read_raw(path: Path, table: str, name: str) -> tuple[pd.DataFrame, dict[str, str]]:
    cols_needed = TEMPLATES[table]
    kind = f"the {table} template (docs/templates.md)"
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        try:
            sheets = pd.read_excel(path, sheet_name=None, dtype=str)
        except Exception as exc:  # openpyxl/xlrd raise various errors for damaged files
            raise DataError(
                name,
                "an XLSX workbook",
                found=str(exc).splitlines()[0][:200],
                fix="Open it in a spreadsheet and save it again as XLSX.",
            ) from exc
        sheet = next((s for s in sheets if norm(s) == table), next(iter(sheets), None))
        if sheet is None or sheets[sheet].empty:
            raise DataError(
                name,
                f"a sheet with data for {table}",
                found="no rows",
                fix=f"Put the table on the first sheet or a sheet named {table!r}.",
            )
        raw = sheets[sheet]
        raw.columns = [str(c) for c in raw.columns]
        name_used = f"{name}[{sheet}]"
        cols = match_columns(list(raw.columns), {c: [c] for c in cols_needed}, name_used, kind)
        return raw[list(cols)].rename(columns=cols), {v: k for k, v in cols.items()}
    check_not_spatial(path, name, kind)
    # a leading "# SYNTHETIC ..." or provenance line above the header is allowed
    data, _ = strip_comment_lines(path.read_bytes())
    header, enc = read_bytes_header(data, name)
    cols = match_columns(header, {c: [c] for c in cols_needed}, name, kind)
    df = read_csv(data, name, usecols=list(cols), dtype=dict.fromkeys(cols, "str"), encoding=enc)
    return df.rename(columns=cols), {v: k for k, v in cols.items()}


def read_table(
    path: str | Path,
    table: str,
    ledger: Ledger | None = None,
    *,
    lsoa_codes: frozenset[str] | None = None,
    known_codes: frozenset[str] | None = None,
    period: tuple[pd.Period, pd.Period] | None = None,
    area: gpd.GeoDataFrame | None = None,
    ward_codes: frozenset[str] | None = None,
    known_wards: frozenset[str] | None = None,
) -> pd.DataFrame | gpd.GeoDataFrame:
    """Read one partnership table from its CSV/XLSX template.

    Parameters
    ----------
    path : path
        CSV or XLSX (first sheet, or the sheet named after the table). Headers as in
        docs/templates.md; case and surrounding spaces are ignored; extra columns are ignored.
    table : str
        One of :data:`TEMPLATES`.
    lsoa_codes, known_codes : frozenset, optional
        For ``treatment_by_lsoa``: keep the study's LSOAs (others dropped as "outside the study
        area", or "unknown or retired LSOA code" when not in ``known_codes``).
    period : (Period, Period), optional
        For ``needle_finds``: keep finds whose month is in the period (others dropped with
        "outside the study period").
    area : GeoDataFrame, optional
        For ``needle_finds``: the study area polygon(s) in EPSG:27700; finds outside are
        dropped ("outside the study area"). Services are never filtered by area: people use
        services outside their own district.
    ward_codes, known_wards : frozenset, optional
        For ``young_people``: the study's ward codes (rows of other wards of the ward files,
        ``known_wards``, are dropped as "outside the study area"); a code in no ward file is
        an error.

    Returns
    -------
    DataFrame, or GeoDataFrame in EPSG:27700 for services and needle_finds
        Template columns; counts as nullable ``Int64`` (a blank count is "not recorded", kept
        as missing and counted in the ledger's notes, never turned into zero); needle finds
        get ``date`` (datetime64[ns]) and ``month`` (Period[M]).

    Raises
    ------
    DataError
        Missing/misspelt column (closest header suggested), non-numeric or negative count, a
        value outside the template's list, an unparseable date, coordinates outside Great
        Britain or swapped.
    """
    if table not in TEMPLATES:
        raise ValueError(f"read_table: table must be one of {list(TEMPLATES)}, got {table!r}")
    path = Path(path)
    name = display_name(path)
    fl = FileLedger(name, table)
    if ledger is not None:
        ledger.add(fl)
    df, src = _read_raw(path, table, name)
    fl.read = len(df)
    blank_row = df.isna().all(axis=1).to_numpy(bool)
    fl.drop("blank row", int(blank_row.sum()))
    df = df.loc[~blank_row].copy()
    for col, typ in TEMPLATES[table].items():
        if typ == "text":
            df[col] = df[col].astype("string").str.strip().astype("str")
        elif typ in ("count", "integer"):
            df[col] = to_number(df[col], name, src[col], integer=True, minimum=0)
            n_blank = int(df[col].isna().sum())
            if typ == "count":
                fl.note(f"blank {col} (not recorded; kept as missing)", n_blank)
        elif typ == "number":
            df[col] = to_number(df[col], name, src[col])
        elif typ == "date":
            text = df[col].astype("string").str.strip()
            text = text.mask(text == "")
            when = pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")
            rest = text.notna() & when.isna()
            if rest.any():
                # spreadsheets give "2021-04-01 00:00:00"; accept any ISO form
                iso = pd.to_datetime(text[rest], errors="coerce", format="ISO8601")
                when = when.where(~rest, iso)
            bad = text.notna() & when.isna()
            if bad.any():
                # never dropped: a date in another layout (dd/mm/yyyy) would silently lose
                # the rows, or be read with day and month swapped
                p, i = first_bad(bad)
                raise DataError(
                    name,
                    "a date written YYYY-MM-DD (ISO 8601, e.g. 2021-04-01)",
                    found=show(text.iloc[p]) + f" ({int(bad.sum()):,} row(s) like it)",
                    row=i,
                    column=src[col],
                    fix="Format the column as YYYY-MM-DD (a spreadsheet's dd/mm/yyyy is "
                    "ambiguous: 03/04/2021 is 3 April or 4 March).",
                )
            df[col] = when.astype("datetime64[ns]")

    if "date" in df:
        bad = df["date"].isna().to_numpy(bool)
        fl.drop(REASONS["no_date"], int(bad.sum()))
        df = df.loc[~bad]
    validate(df, TABLE_SCHEMAS[table], name, src)
    _check_years(df, name, src)
    if table == "young_people":
        _check_young_people(df, name, src, known_wards or ward_codes)
        if ward_codes is not None:
            inside = df["ward_code"].isin(ward_codes).to_numpy(bool)
            fl.drop(REASONS["outside_area"], int((~inside).sum()))
            df = df.loc[inside]
    if table == "treatment_by_lsoa" and lsoa_codes is not None:
        in_area = df["lsoa_code"].isin(lsoa_codes).to_numpy(bool)
        known = df["lsoa_code"].isin(known_codes or lsoa_codes).to_numpy(bool)
        fl.drop(REASONS["outside_area"], int((~in_area & known).sum()))
        fl.drop(REASONS["unknown_lsoa"], int((~in_area & ~known).sum()))
        df = df.loc[in_area]
    if table == "needle_finds":
        df["month"] = df["date"].dt.to_period("M")
        if period is not None:
            out = ((df["month"] < period[0]) | (df["month"] > period[1])).to_numpy(bool)
            fl.drop(REASONS["outside_period"], int(out.sum()))
            df = df.loc[~out]
    if table in SPATIAL:
        df = _to_points(df, name, src, fl)
        if table == "needle_finds" and area is not None and len(df):
            inside = df.geometry.within(area.geometry.union_all()).to_numpy(bool)
            fl.drop(REASONS["outside_area"], int((~inside).sum()))
            df = df.loc[inside]
    fl.kept = len(df)
    return df.reset_index(drop=True)


def _check_years(df: pd.DataFrame, name: str, src: dict[str, str]) -> None:
    """``financial_year`` values: ``YYYY-YY`` with consecutive years, not in the future.

    A financial year that has not started yet cannot hold data; taken as "latest" it would
    be shown as the newest figures.
    """
    if "financial_year" not in df or not len(df):
        return
    fy = df["financial_year"].astype("string")
    start = pd.to_numeric(fy.str[:4], errors="coerce")
    end = pd.to_numeric(fy.str[5:7], errors="coerce")
    bad = (end != (start + 1) % 100).fillna(True)
    if bad.any():
        p, i = first_bad(bad)
        raise DataError(
            name,
            "a financial year like '2021-22' (the second year follows the first)",
            found=show(fy.iloc[p]),
            row=i,
            column=src.get("financial_year", "financial_year"),
        )
    today = pd.Timestamp.today()
    first_future = today.year + (1 if today.month >= 4 else 0)  # April starts a year
    future = (start >= first_future).fillna(False)
    if future.any():
        p, i = first_bad(future)
        raise DataError(
            name,
            f"a financial year that has started (the current one is {first_future - 1}-"
            f"{first_future % 100:02d})",
            found=f"{fy.iloc[p]!r}, in the future",
            row=i,
            column=src.get("financial_year", "financial_year"),
            fix="Correct the year (a typing slip?); a future year would be reported as the "
            "latest figures.",
        )


def _check_young_people(
    df: pd.DataFrame, name: str, src: dict[str, str], ward_codes: frozenset[str] | None
) -> None:
    """Young people's table: known wards, one name per ward, counts that nest."""
    col = src.get("ward_code", "ward_code")
    if ward_codes is not None:
        unknown = ~df["ward_code"].isin(ward_codes)
        if unknown.any():
            p, i = first_bad(unknown)
            raise DataError(
                name,
                "a ward code of the [files] wards boundaries",
                found=f"{df['ward_code'].iloc[p]!r} ({int(unknown.sum())} row(s) with codes "
                "not in the wards file)",
                row=i,
                column=col,
                fix="Use the ward codes of the [files] wards boundaries (same ward vintage).",
            )
    names = df[["ward_code", "ward_name"]].dropna()
    n_names = names.groupby("ward_code")["ward_name"].transform("nunique")
    if (n_names > 1).any():
        bad = pd.Series(False, index=df.index)
        bad.loc[n_names.index] = (n_names > 1).to_numpy()
        p, i = first_bad(bad)
        code = df["ward_code"].iloc[p]
        seen = sorted(names.loc[names["ward_code"] == code, "ward_name"].unique())
        raise DataError(
            name,
            "one ward name per ward code",
            found=f"{code!r} named {', '.join(repr(n) for n in seen)}",
            row=i,
            column=src.get("ward_name", "ward_name"),
            fix="Give each ward its one official name (or check the codes).",
        )
    for small, big in (
        ("tier2_reached", "cohort"),
        ("tier3_referred", "cohort"),
        ("tier3_within_10_days", "tier3_referred"),
        ("cohort", "population_10_17"),
    ):
        over = (df[small] > df[big]).fillna(False)
        if over.any():
            p, i = first_bad(over)
            raise DataError(
                name,
                f"{small} <= {big}",
                found=f"{small} {df[small].iloc[p]} > {big} {df[big].iloc[p]}",
                row=i,
                column=src.get(small, small),
                fix=f"{small} counts a subset of {big}; check the two columns.",
            )


def _to_points(
    df: pd.DataFrame, name: str, src: dict[str, str], fl: FileLedger
) -> gpd.GeoDataFrame:
    lon, lat = df["longitude"].to_numpy(), df["latitude"].to_numpy()
    missing = np.isnan(lon) | np.isnan(lat)
    fl.drop(REASONS["no_coordinates"], int(missing.sum()))
    df = df.loc[~missing]
    lon, lat = df["longitude"], df["latitude"]
    in_gb = lon.between(*GB_LON) & lat.between(*GB_LAT)
    if not in_gb.all():
        swapped = lat.between(*GB_LON) & lon.between(*GB_LAT)
        p, i = first_bad(~in_gb)
        why = "latitude and longitude look swapped" if swapped.iloc[p] else "outside Great Britain"
        raise DataError(
            name,
            f"WGS84 longitude in {GB_LON[0]}..{GB_LON[1]} and latitude in {GB_LAT[0]}.."
            f"{GB_LAT[1]} (Great Britain)",
            found=f"longitude {lon.iloc[p]:g}, latitude {lat.iloc[p]:g} ({why})",
            row=i,
            column=src.get("longitude", "longitude"),
            fix="Swap the two columns' headers." if swapped.iloc[p] else "Correct the point.",
        )
    geom = points_from_lonlat(lon, lat)
    return gpd.GeoDataFrame(df, geometry=geom.to_numpy(), crs=BNG)
