"""Shared reading helpers for the loaders: encodings, headers, numbers, clear errors."""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import DataError

__all__ = [
    "ENCODINGS",
    "display_name",
    "norm",
    "read_bytes_header",
    "match_columns",
    "read_csv",
    "to_number",
    "check_not_spatial",
    "strip_comment_lines",
    "first_bad_row",
    "first_bad",
    "check_unique_codes",
    "show",
]

logger = logging.getLogger(__name__)

#: Encodings tried in order. ``utf-8-sig`` is utf-8 with a byte-order mark (Excel's
#: "CSV UTF-8"); cp1252 is what Excel on Windows writes for "CSV (comma delimited)".
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")
_SPATIAL_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".topojson", ".kml", ".gml"}

#: Header signatures of the kinds of file the workbench reads, used to say what a file of
#: the wrong kind looks like (normalised header names).
_SIGNATURES: dict[str, set[str]] = {
    "a police.uk street crime file": {"crime id", "month", "crime type", "lsoa code"},
    "a police.uk stop and search file": {"type", "date", "object of search"},
    "a police.uk outcomes file": {"crime id", "month", "outcome type"},
    "an IMD 2019 file": {"lsoa code (2011)"},
    "an IoD 2025 file (2021 LSOAs)": {
        "lsoa code (2021)",
        "index of multiple deprivation (imd) score",
    },
    "a population file": {"total population: mid 2015 (excluding prisoners)"},
}


def _other_census_year(found: str, wanted: str) -> bool:
    """True when two headers differ only in a census year (2011 / 2021): renaming one to the
    other would join codes of one geography to another's data."""
    years = re.compile(r"(?<!\d)(2011|2021|11|21)(?!\d)")
    a, b = norm(found), norm(wanted)
    return a != b and years.sub("#", a) == years.sub("#", b)


def display_name(path: str | Path, member: str | None = None) -> str:
    """A short name for messages and the ledger: relative to the working folder when inside it,
    with ``!member`` for a file inside a zip."""
    p = Path(path)
    try:
        text = str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        text = str(p)
    return f"{text}!{member}" if member else text


def norm(name: object) -> str:
    """Header normalisation: case and surrounding/repeated spaces ignored, BOM removed."""
    return re.sub(r"\s+", " ", str(name).replace("\ufeff", "")).strip().lower()


def _encoding_of(data: bytes, name: str) -> str:
    """The first of :data:`ENCODINGS` that decodes all of ``data`` (logged when not UTF-8).

    Checked in 8 MB steps with an incremental decoder, so a 1.5 GB file is never held twice
    in memory as text; pure-ASCII files (most police.uk files) take a fast path.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        enc = "utf-8-sig"
    elif data.isascii():
        return "utf-8"
    else:
        enc = "utf-8"
    step = 8 * 1024 * 1024
    view = memoryview(data)
    dec = codecs.getincrementaldecoder(enc)()
    try:
        for i in range(0, len(data), step):
            dec.decode(view[i : i + step], final=i + step >= len(data))
        return enc
    except UnicodeDecodeError as exc:
        where = i + exc.start
        # cp1252 decodes almost any byte, so it is the last resort; log what happened.
        logger.warning(
            "%s: not valid UTF-8 (byte %r at position %d); reading it as cp1252 (Windows)",
            name,
            data[where : where + 1],
            where,
        )
    dec = codecs.getincrementaldecoder("cp1252")()
    try:
        for i in range(0, len(data), step):
            dec.decode(view[i : i + step], final=i + step >= len(data))
    except UnicodeDecodeError as exc2:
        where = i + exc2.start
        raise DataError(
            name,
            "text in UTF-8, UTF-8 with BOM or Windows cp1252",
            found=f"bytes that are none of these (byte {data[where]:#04x} at position {where})",
            fix="Open the file in a spreadsheet and save it again as 'CSV UTF-8'.",
        ) from exc2
    return "cp1252"


def read_bytes_header(data: bytes, name: str) -> tuple[list[str], str]:
    """The header row of CSV bytes and the encoding that decodes the whole file.

    Raises
    ------
    DataError
        For an empty file, a file with a header but no data rows, a file that is not text,
        or a file in an encoding other than UTF-8 / UTF-8 with BOM / cp1252.
    """
    if not data or data.isspace():
        raise DataError(
            name,
            "a CSV file with a header row and at least one data row",
            found="an empty file (0 rows)",
            fix="Download the file again; an empty file usually means the download failed.",
        )
    if data[:4] == b"PK\x03\x04":
        raise DataError(
            name,
            "a CSV text file",
            found="a zip or XLSX file",
            fix="Give the zip itself in area.toml (it is unpacked automatically), or save the "
            "spreadsheet as CSV.",
        )
    if b"\x00" in data[:4096]:
        raise DataError(
            name,
            "a CSV text file",
            found="binary data (or UTF-16 text)",
            fix="Save the file as 'CSV UTF-8'.",
        )
    enc = _encoding_of(data, name)
    # the header and the first rows are enough for the checks below
    text = data[:65536].decode(enc, errors="ignore")
    head = text.lstrip()[:200].lower()
    if head.startswith("{") and ('"featurecollection"' in head or '"type"' in head):
        raise DataError(
            name,
            "a CSV file",
            found="a GeoJSON boundary file",
            fix="Name boundary files under lsoa_boundaries or wards in [files].",
        )
    lines = text.splitlines()
    if len(data) > 65536 and lines:
        lines = lines[:-1]  # the last line may be cut in the middle
    reader = csv.reader(lines)
    header = next(reader, [])
    header = [h.replace("\ufeff", "") for h in header]
    has_row = len(data) > 65536 or any(any(cell.strip() for cell in row) for row in reader)
    if not has_row:
        raise DataError(
            name,
            "at least one data row under the header",
            found="a header row only" if any(header) else "no rows",
            fix="Check that the download or export finished.",
        )
    return header, enc


def strip_comment_lines(data: bytes) -> tuple[bytes, int]:
    """Remove leading lines that start with ``#`` (a provenance note above the header).

    Returns the remaining bytes and the number of lines removed.
    """
    n = 0
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    while body.startswith(b"#"):
        cut = body.find(b"\n")
        body = b"" if cut < 0 else body[cut + 1 :]
        n += 1
    return (body if n else data), n


def check_not_spatial(path: Path, name: str, kind: str) -> None:
    """Raise :class:`DataError` when a boundary file is given where a table is expected."""
    if path.suffix.lower() in _SPATIAL_SUFFIXES:
        raise DataError(
            name,
            f"{kind} (a CSV file)",
            found=f"a boundary/geometry file ({path.suffix})",
            fix="Check the [files] key in area.toml: boundary files go under lsoa_boundaries "
            "or wards.",
        )


def _looks_like(header_norm: set[str]) -> str | None:
    for what, sig in _SIGNATURES.items():
        if sig <= header_norm:
            return what
    return None


def match_columns(
    header: Sequence[str],
    required: Mapping[str, Sequence[str]],
    name: str,
    kind: str,
    optional: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, str]:
    """Map published header names to workbench names.

    Parameters
    ----------
    header : sequence of str
        The file's header row.
    required, optional : mapping of workbench name -> accepted published names
        Matching ignores case and surrounding spaces. The first accepted name is the one shown
        in messages.
    name, kind : str
        File name and kind of file, for messages.

    Returns
    -------
    dict
        ``{published header as in the file: workbench name}`` for every column found.

    Raises
    ------
    DataError
        Naming the first missing required column, the closest header in the file (difflib)
        and, when the header matches another kind of file, what the file looks like.
    """
    by_norm: dict[str, str] = {}
    for h in header:
        by_norm.setdefault(norm(h), h)
    out: dict[str, str] = {}
    missing: list[str] = []
    for target, accepted in {**required, **(optional or {})}.items():
        hit = next((by_norm[norm(a)] for a in accepted if norm(a) in by_norm), None)
        if hit is not None:
            out[hit] = target
        elif target in required:
            missing.append(accepted[0])
    if not missing:
        return out
    looks = _looks_like(set(by_norm))
    col = missing[0]
    unused = [h for h in header if h not in out]
    accepted_for_col = next(v for v in required.values() if v[0] == col)
    # closest unused header to any accepted name of the missing column (difflib ratio)
    best, close = 0.0, None
    for a in accepted_for_col:
        for h in unused:
            ratio = difflib.SequenceMatcher(None, norm(a), norm(h)).ratio()
            if ratio > best:
                best, close = ratio, h
    listed = ", ".join(repr(h) for h in header[:8]) + (" ..." if len(header) > 8 else "")
    if looks and looks != kind:
        fix = f"This looks like {looks}, not {kind}; check which [files] key names it."
    elif close is not None and _other_census_year(close, col):
        fix = (
            f"{close!r} is on another census geography than {col!r}: do not rename it (the "
            "codes differ); give the file of the right geography or join through the ONS "
            "LSOA 2011 to 2021 lookup (lsoa_2011_2021_lookup)."
        )
    elif close is not None and best >= 0.6:
        fix = f"Did you mean {close!r}? Rename that column to {col!r}."
    else:
        fix = f"The header should have the columns of {kind}: " + ", ".join(
            repr(v[0]) for v in required.values()
        )
    more = (
        f" (and {len(missing) - 1} more: {', '.join(map(repr, missing[1:4]))})"
        if len(missing) > 1
        else ""
    )
    raise DataError(
        name,
        f"a column {col!r}{more} in {kind}",
        found=f"columns {listed}",
        column=col,
        fix=fix,
    )


#: Files at least this big are read with pyarrow's multithreaded parser; smaller ones with
#: pandas' C parser, which is faster on the ~1 MB monthly police.uk files (measured: 35 sample
#: months in 0.09 s with C against 0.32 s with pyarrow; a 500,000-row file in 0.97 s against
#: 0.32 s).
PYARROW_MIN_BYTES = 8_000_000


def csv_error(name: str, exc: Exception) -> DataError:
    """The one error for a CSV pandas cannot parse, naming the data row pandas names.

    pandas says "Expected 12 fields in line 5, saw 13": line 5 of the file is data row 4.
    """
    text = str(exc).splitlines()[0][:200]
    line = re.search(r"line (\d+)", text)
    return DataError(
        name,
        "a well-formed CSV file (the same number of fields on every line)",
        found=text,
        row=int(line.group(1)) - 1 if line else None,
        fix="Open the file in a spreadsheet, check that row (a comma inside an unquoted "
        "value?) and save it as CSV.",
    )


def read_csv(
    source: bytes | Path,
    name: str,
    *,
    usecols: Sequence[str],
    dtype: Mapping[str, str] | None = None,
    encoding: str = "utf-8",
) -> pd.DataFrame:
    """Read CSV bytes or a path with pandas (pyarrow engine for big files, C engine otherwise).

    ``dtype=None`` lets pandas infer the types (fastest; callers normalise afterwards). Falls
    back to the C engine when pyarrow rejects the text (for example ragged rows), and turns
    what is left into a :class:`DataError`.
    """
    enc = "utf-8" if encoding == "utf-8-sig" else encoding
    cols = list(usecols)
    kw = {"dtype": dict(dtype)} if dtype else {}
    size = len(source) if isinstance(source, bytes) else Path(source).stat().st_size
    opener = (lambda: io.BytesIO(source)) if isinstance(source, bytes) else (lambda: source)
    df = None
    if size >= PYARROW_MIN_BYTES:
        try:
            df = pd.read_csv(opener(), engine="pyarrow", usecols=cols, encoding=enc, **kw)
        except Exception as exc:  # pyarrow's errors vary; retry with the C engine
            logger.debug("%s: pyarrow engine failed (%s); retrying with the C engine", name, exc)
    if df is None:
        try:
            # no usecols here: with usecols pandas' C parser silently drops the extra fields
            # of a ragged row instead of reporting it
            df = pd.read_csv(opener(), engine="c", encoding=enc, low_memory=False, **kw)
            df.columns = [str(c).replace("\ufeff", "") for c in df.columns]
            wanted = set(cols)
            df = df[[c for c in df.columns if c in wanted]]
        except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc2:
            raise csv_error(name, exc2) from exc2
    # The BOM of utf-8-sig read as utf-8 stays on the first header; drop it.
    df.columns = [str(c).replace("\ufeff", "") for c in df.columns]
    return df


def show(value: object) -> str:
    """``repr`` of a cell value for a message (numpy scalars shown as plain numbers)."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    return repr(value)


def first_bad(mask: pd.Series | np.ndarray) -> tuple[int, int]:
    """(position, 1-based data row) of the first True in ``mask``.

    The row is counted in the file (header is row 0): a Series keeps the file's row labels
    (0-based, as pandas reads them) through filtering, so its label is used when it has one.
    """
    pos = int(np.flatnonzero(np.asarray(mask))[0])
    if isinstance(mask, pd.Series) and pd.api.types.is_integer_dtype(mask.index.dtype):
        return pos, int(mask.index[pos]) + 1
    return pos, pos + 1


def first_bad_row(mask: pd.Series | np.ndarray) -> int:
    """1-based data row number (header is row 0) of the first True in ``mask``."""
    return first_bad(mask)[1]


def to_number(
    values: pd.Series,
    name: str,
    column: str,
    *,
    integer: bool = False,
    minimum: float | None = None,
    expected: str | None = None,
    row_offset: int = 0,
) -> pd.Series:
    """Numbers from text that may carry thousands separators ("1,296") or spaces.

    Blank cells become missing (never zero). Any other text raises :class:`DataError` naming
    the first bad row.
    """
    if pd.api.types.is_numeric_dtype(values.dtype):
        num = values.astype("float64")
        bad = pd.Series(False, index=values.index)
    else:
        text = values.astype("string").str.replace(r"[,\s\u00a0]", "", regex=True)
        text = text.mask(text == "")
        num = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = text.notna() & num.isna()
    what = expected or ("a whole number" if integer else "a number")
    if minimum is not None:
        what += f" >= {minimum:g}"

    def fail_at_first(mask: pd.Series, fix: str) -> None:
        if mask.any():
            p, i = first_bad(mask)
            raise DataError(
                name,
                what,
                found=show(values.iloc[p]),
                row=i + row_offset,
                column=column,
                fix=fix,
            )

    fail_at_first(bad, "Correct or blank that cell (a blank means 'not recorded').")
    if integer:
        fail_at_first(num.notna() & (num != np.floor(num)), "Counts are whole numbers.")
    if minimum is not None:
        fail_at_first(num.notna() & (num < minimum), "Correct that cell.")
    return num.astype("Int64") if integer else num


def check_unique_codes(df: pd.DataFrame, name: str, column: str) -> None:
    """Raise :class:`DataError` at the first repeat of a code in ``df["lsoa_code"]``.

    ``column`` is the header as written in the file, named in the message.
    """
    dup = df["lsoa_code"].duplicated()
    if dup.any():
        p, i = first_bad(dup)
        raise DataError(
            name,
            "each LSOA code once",
            found=f"{df['lsoa_code'].iloc[p]!r} again",
            row=i,
            column=column,
            fix="Remove the repeated rows.",
        )
