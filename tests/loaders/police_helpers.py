"""Helpers for the loader tests: tiny hand-made police.uk rows (not fixtures, plain functions)."""

from __future__ import annotations

import csv
import io

from pyproj import Transformer

STREET_HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]  # fmt: skip

#: Two 1 km squares in British National Grid near Leicester city centre: A west, B east.
SQUARES = {"E01000001": (458000, 304000), "E01000002": (459000, 304000)}
_TO_LONLAT = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def lonlat(x: float, y: float) -> tuple[float, float]:
    """WGS84 longitude/latitude of a BNG point (pyproj, independent of the loaders)."""
    lon, lat = _TO_LONLAT.transform(x, y)
    return round(lon, 6), round(lat, 6)


def street_row(crime_id="", month="2021-01", lon=-1.13, lat=52.63, lsoa="E01000001",
               crime_type="Drugs", location="On or near High Street") -> list[str]:  # fmt: skip
    """One police.uk street row (strings as in the file)."""
    return [
        crime_id, month, "Leicestershire Police", "Leicestershire Police",
        "" if lon is None else str(lon), "" if lat is None else str(lat), location, lsoa or "",
        "Test 001A" if lsoa else "", crime_type, "", "",
    ]  # fmt: skip


def police_csv_bytes(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    """CSV bytes with CRLF line ends, as police.uk publishes them."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header or STREET_HEADER)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")
