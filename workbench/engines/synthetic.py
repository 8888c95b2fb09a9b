"""SYNTHETIC national test data: an LSOA-like polygon grid and police.uk-shaped street files.

Not real data. Used by ``tests/engines`` (small sizes) and ``benchmarks/bench_scale.py``
(national sizes: 35,000 LSOAs, about 6 million rows a year) to exercise the engines, national
Gi*, emerging hot spots and the national maps without downloading every force's files.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely
from pyproj import Transformer

from workbench.geo import BNG, WGS84
from workbench.loaders.area import StudyArea

__all__ = ["national_lsoas", "national_area", "write_street_files", "CRIME_TYPES"]

logger = logging.getLogger(__name__)

CRIME_TYPES = [
    "Anti-social behaviour",
    "Violence and sexual offences",
    "Public order",
    "Criminal damage and arson",
    "Shoplifting",
    "Other theft",
    "Vehicle crime",
    "Burglary",
    "Drugs",
    "Theft from the person",
    "Robbery",
    "Bicycle theft",
    "Possession of weapons",
    "Other crime",
]
_TYPE_P = np.array([30, 30, 8, 7, 6, 5, 5, 3, 2, 1, 1, 1, 0.5, 0.5])
_OUTCOMES = [
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Under investigation",
    "Status update unavailable",
    "Offender given a caution",
]
_HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]


def national_lsoas(
    n: int = 35_000,
    cell: float = 2_000.0,
    origin: tuple[float, float] = (150_000, 60_000),
    forces: int = 43,
) -> gpd.GeoDataFrame:
    """A SYNTHETIC grid of ``n`` square "LSOAs" (``lsoa_code`` E01000001..., ``lsoa_name``,
    ``force`` index: ``forces`` vertical bands, geometry) in EPSG:27700, about 0.8 columns per
    row."""
    cols = int(np.ceil(np.sqrt(n * 0.8)))
    i = np.arange(n)
    r, c = i // cols, i % cols
    x0 = origin[0] + c * cell
    y0 = origin[1] + r * cell
    geom = shapely.box(x0, y0, x0 + cell, y0 + cell)
    codes = np.char.add("E01", np.char.zfill((i + 1).astype(str), 6))
    gdf = gpd.GeoDataFrame(
        {
            "lsoa_code": pd.array(codes, dtype="str"),
            "lsoa_name": pd.array(np.char.add("Synthetic ", (i + 1).astype(str)), dtype="str"),
            "force": (c * forces // cols).astype(np.int64),
        },
        geometry=geom,
        crs=BNG,
    )
    return gdf


def national_area(lsoas: gpd.GeoDataFrame) -> StudyArea:
    """The loader's :class:`StudyArea` for the whole synthetic country."""
    codes = frozenset(lsoas["lsoa_code"])
    return StudyArea(codes=codes, known=codes, polygons=lsoas[["lsoa_code", "geometry"]])


def _hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random 64-character lower-case hex Crime IDs (as police.uk's)."""
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    raw = digits[rng.integers(0, 16, size=(n, 64), dtype=np.uint8)]
    return raw.view("S64").ravel().astype(str)


def write_street_files(
    folder: str | Path,
    lsoas: gpd.GeoDataFrame,
    *,
    start: str = "2021-01",
    months: int = 12,
    rows_per_month: int = 500_000,
    seed: int = 1,
    bad_rows: bool = True,
) -> dict:
    """Write SYNTHETIC police.uk street files in the custom-download layout.

    ``folder/YYYY-MM/YYYY-MM-force-NN-street.csv`` for each force of the grid (``force``), with
    the published columns. Rows per LSOA follow a fixed gamma-distributed rate (a few "hot"
    LSOAs); Crime ID is blank for anti-social behaviour. With ``bad_rows``, each force-month
    file also holds: a row without coordinates, one outside Great Britain, one with an
    unparseable month, one with a blank LSOA code (placed by location), one with an unknown
    LSOA code (placed by its point under the loader's attribution rule), and last month's
    record republished under the same Crime ID (the loader keeps the latest, so last month's
    copy is the duplicate).

    Returns
    -------
    dict
        ``files``, ``rows`` written.
    """
    folder = Path(folder)
    rng = np.random.default_rng(seed)
    n_lsoa = len(lsoas)
    rate = rng.gamma(0.8, 1.0, n_lsoa)
    force = lsoas["force"].to_numpy()
    b = lsoas.geometry.bounds
    bx, by = b["minx"].to_numpy(), b["miny"].to_numpy()
    size = (b["maxx"] - b["minx"]).to_numpy()
    codes = lsoas["lsoa_code"].to_numpy(dtype=object)
    names = lsoas["lsoa_name"].to_numpy(dtype=object)
    to_wgs = Transformer.from_crs(BNG, WGS84, always_xy=True)
    p_type = _TYPE_P / _TYPE_P.sum()
    types = np.array(CRIME_TYPES, dtype=object)
    outcomes = np.array(_OUTCOMES, dtype=object)
    forces = sorted(set(force.tolist()))
    by_force = {f: np.flatnonzero(force == f) for f in forces}
    w_force = {f: rate[idx] / rate[idx].sum() for f, idx in by_force.items()}
    share = {f: rate[idx].sum() / rate.sum() for f, idx in by_force.items()}
    last_id: dict[int, tuple] = {}
    n_files = n_rows = 0
    for k, month in enumerate(pd.period_range(start, periods=months, freq="M")):
        mdir = folder / str(month)
        mdir.mkdir(parents=True, exist_ok=True)
        for f in forces:
            idx = by_force[f]
            n = int(rng.poisson(rows_per_month * share[f]))
            pick = idx[rng.choice(len(idx), size=n, p=w_force[f])]
            x = bx[pick] + rng.random(n) * size[pick]
            y = by[pick] + rng.random(n) * size[pick]
            lon, lat = to_wgs.transform(x, y)
            ctype = types[rng.choice(len(types), size=n, p=p_type)]
            asb = ctype == "Anti-social behaviour"
            ids = _hex_ids(rng, n).astype(object)
            ids[asb] = None
            outcome = outcomes[rng.integers(0, len(outcomes), n)]
            outcome[asb] = None
            lsoa = codes[pick].copy()
            lname = names[pick].copy()
            month_txt = np.full(n, str(month), dtype=object)
            lon_txt = np.char.mod("%.6f", lon).astype(object)
            lat_txt = np.char.mod("%.6f", lat).astype(object)
            if bad_rows and n > 10:
                lon_txt[0] = lat_txt[0] = None  # no coordinates
                lon_txt[1], lat_txt[1] = "-20.000000", "30.000000"  # outside Great Britain
                month_txt[2] = f"{month.year}-13"  # unparseable month
                lsoa[3] = lname[3] = None  # blank code: placed by location
                lsoa[4] = "E01999999"  # unknown code
                if f in last_id:  # last month's record republished (a repeated Crime ID)
                    prev = last_id[f]
                    ids[5], lon_txt[5], lat_txt[5] = prev[0], prev[1], prev[2]
                    lsoa[5], lname[5], ctype[5] = prev[3], prev[4], prev[5]
                j = int(np.flatnonzero(~asb[6:])[0]) + 6 if (~asb[6:]).any() else None
                if j is not None:
                    last_id[f] = (
                        ids[j],
                        lon_txt[j],
                        lat_txt[j],
                        lsoa[j],
                        lname[j],
                        ctype[j],
                        month_txt[j],
                    )
            loc = np.char.add("On or near Street ", (pick % 97).astype(str)).astype(object)
            fname = f"force-{f:02d}"
            table = pa.table(
                {
                    "Crime ID": pa.array(ids, pa.string()),
                    "Month": pa.array(month_txt, pa.string()),
                    "Reported by": pa.array(np.full(n, fname, dtype=object), pa.string()),
                    "Falls within": pa.array(np.full(n, fname, dtype=object), pa.string()),
                    "Longitude": pa.array(lon_txt, pa.string()),
                    "Latitude": pa.array(lat_txt, pa.string()),
                    "Location": pa.array(loc, pa.string()),
                    "LSOA code": pa.array(lsoa, pa.string()),
                    "LSOA name": pa.array(lname, pa.string()),
                    "Crime type": pa.array(ctype, pa.string()),
                    "Last outcome category": pa.array(outcome, pa.string()),
                    "Context": pa.nulls(n, pa.string()),
                }
            )
            pacsv.write_csv(
                table,
                mdir / f"{month}-{fname}-street.csv",
                write_options=pacsv.WriteOptions(quoting_style="needed"),
            )
            n_files += 1
            n_rows += n
        logger.info("synthetic month %s written (%d of %d)", month, k + 1, months)
    return {"files": n_files, "rows": n_rows}
