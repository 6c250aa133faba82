"""Read one CSV of a phone export into named numeric columns, with line numbers for errors.

Phone apps write CSV in more than one dialect: phyphox lets the user pick comma, tab or
semicolon separators and a decimal point or a decimal comma ("CSV (Semicolon, decimal comma)"
and so on; phyphox-ios ``ExperimentExportSet.swift``, ``exportTypes``), quotes the header cells
and writes a missing value as ``""``. Sensor Logger writes plain comma-separated values. This
module accepts all of these; anything else ends in one :class:`UserError` with file, line and
reason.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from posturelog.errors import UserError

__all__ = ["Table", "header_of", "parse_table"]

_SEPARATORS = (",", ";", "\t")


@dataclass
class Table:
    """The cells of a CSV, by column.

    Attributes
    ----------
    where : str
        File (and member) name used in messages.
    columns : list[str]
        Header cells, stripped of blanks and quotes.
    decimal_comma : bool
        Whether numbers use a decimal comma (only possible with ``;`` or tab separators).
    typed : pandas.DataFrame or None
        The cells as pandas parsed them (int64/float64 where a whole column is numbers, NaN
        for empty cells): the fast path. Row ``i`` is on line ``i + 2`` of the file.
    """

    where: str
    columns: list[str]
    decimal_comma: bool
    typed: pd.DataFrame | None
    _text: str = field(repr=False, default="")
    _sep: str = field(repr=False, default=",")
    _cells: pd.DataFrame | None = field(repr=False, default=None)

    @property
    def cells(self) -> pd.DataFrame:
        """One string column per header cell (parsed on first use: error messages, odd columns)."""
        if self._cells is None:
            self._cells = _read(self._text, self._sep, self.columns, self.where, None)
        return self._cells

    def __len__(self) -> int:
        return int((self.typed if self.typed is not None else self.cells).shape[0])

    def fail(self, row: int | None, reason: str) -> UserError:
        """A one-line error for data row ``row`` (0-based; ``None`` for the whole file)."""
        return UserError(f"{self.where}: {reason}" if row is None else f"{self.where}, line {row + 2}: {reason}")

    def text(self, column: str) -> pd.Series:
        """The stripped text of a column (empty string where the cell is empty or missing)."""
        return self.cells[column].fillna("").str.strip().str.strip('"').str.strip()

    def _typed(self, column: str) -> pd.Series | None:
        if self.typed is None:
            return None
        col = self.typed[column]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            return None
        return col

    def numbers(self, column: str, *, allow_empty: bool = False) -> np.ndarray:
        """A column as float64, shape (N,); NaN for empty cells when ``allow_empty``.

        Raises
        ------
        UserError
            At the first cell that is not a finite number (or is empty, unless allowed).
        """
        fast = self._typed(column)
        if fast is not None:
            values = fast.to_numpy(dtype=float)
            bad = np.isinf(values) if allow_empty else ~np.isfinite(values)
            if not bad.any():
                return values
        text = self.text(column)
        if self.decimal_comma:
            text = text.str.replace(",", ".", regex=False)
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if allow_empty:
            bad &= (text != "").to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            cell = self.cells[column].iloc[i]
            shown = "" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else str(cell)
            what = "is empty" if shown.strip().strip('"') == "" else f"value {shown!r} is not a number"
            raise self.fail(i, f"column {column!r} {what}")
        return values

    def integers(self, column: str) -> np.ndarray:
        """A column of integers (e.g. nanoseconds since the epoch) as int64, shape (N,), exact.

        Raises
        ------
        UserError
            At the first cell that is not an integer.
        """
        fast = self._typed(column)
        if fast is not None and pd.api.types.is_integer_dtype(fast):
            return fast.to_numpy(dtype=np.int64)
        text = self.text(column)
        ok = text.str.fullmatch(r"[+-]?\d{1,19}").to_numpy(dtype=bool)
        if not ok.all():
            i = int(np.argmin(ok))
            raise self.fail(i, f"column {column!r} value {self.cells[column].iloc[i]!r} is not an integer")
        try:
            return text.astype(np.int64).to_numpy()
        except (OverflowError, ValueError):
            values = pd.to_numeric(text, errors="coerce")
            i = int(np.argmax(values.isna().to_numpy() | (values.abs() > 2**63 - 1).to_numpy()))
            raise self.fail(i, f"column {column!r} value {text.iloc[i]!r} is out of range") from None


def _decode(data: bytes, where: str) -> str:
    if b"\x00" in data[:65536]:
        raise UserError(f"{where}: not a text CSV file (binary content)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{where}: not UTF-8 text (byte {exc.start})") from None


def _split_header(line: str) -> tuple[list[str], str]:
    sep = max(_SEPARATORS, key=line.count)
    if line.count(sep) == 0:
        sep = ","
    cells = next(csv.reader([line], delimiter=sep))
    return [c.strip().strip('"').strip() for c in cells], sep


def header_of(data: bytes) -> list[str]:
    """The header cells of a CSV (its first line), or ``[]`` if it is not text."""
    head = data[:4096]
    if b"\x00" in head:
        return []
    lines = head.decode("utf-8-sig", errors="ignore").splitlines()
    if not lines:
        return []
    try:
        return _split_header(lines[0])[0]
    except csv.Error:
        return []


def parse_table(data: bytes, where: str) -> Table:
    """Parse CSV bytes (header line, then one row per line) into a :class:`Table`.

    The separator is whichever of ``,``, ``;`` or tab occurs most in the header; with ``;`` or
    tab, a decimal comma is accepted.

    Raises
    ------
    UserError
        Empty file, no rows, binary or non-UTF-8 content, duplicate header cells, or a row with
        more cells than the header.
    """
    text = _decode(data, where)
    first_end = min((i for i in (text.find("\n"), text.find("\r")) if i >= 0), default=len(text))
    header = text[:first_end]
    if not header.strip():
        raise UserError(f"{where}: the file is empty (no header line)")
    try:
        columns, sep = _split_header(header)
    except csv.Error as exc:
        raise UserError(f"{where}, line 1: unreadable header ({exc})") from None
    if len(set(columns)) != len(columns):
        raise UserError(f"{where}, line 1: repeated column names in {columns}")
    if not text[first_end:].strip():
        raise UserError(f"{where}: no rows after the header")
    decimal_comma = sep != "," and "," in text[first_end:]
    typed = _read(text, sep, columns, where, "," if decimal_comma else ".")
    return Table(where=where, columns=columns, decimal_comma=decimal_comma, typed=typed, _text=text, _sep=sep)


def _read(text: str, sep: str, columns: list[str], where: str, decimal: str | None) -> pd.DataFrame:
    """Data rows as a DataFrame: typed by pandas (``decimal`` given) or all strings (``None``)."""
    typed = decimal is not None
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            skiprows=1,
            names=columns,
            dtype=None if typed else str,
            keep_default_na=False,
            na_values=[""] if typed else None,
            na_filter=typed,
            skip_blank_lines=False,
            quotechar='"',
            decimal=decimal or ".",
            engine="c",
            low_memory=False,
        )
    except pd.errors.ParserError as exc:
        raise UserError(_parser_message(where, str(exc))) from None
    except (ValueError, csv.Error, UnicodeError, OverflowError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"{where}: not a readable CSV ({first})") from None
    empty = frame.isna().all(axis=1) if typed else (frame.fillna("") == "").all(axis=1)
    n = len(frame)
    while n and bool(empty.iloc[n - 1]):  # trailing blank lines
        n -= 1
    return frame.iloc[:n]


def _parser_message(where: str, message: str) -> str:
    """pandas: 'Error tokenizing data. C error: Expected 4 fields in line 7, saw 5' → one line."""
    first = message.strip().splitlines()[0] if message.strip() else "unreadable CSV"
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", first)
    if m:
        return f"{where}, line {m.group(2)}: {m.group(3)} cells, but the header has {m.group(1)}"
    if "C error:" in first:
        first = first.split("C error:", 1)[1].strip()
    return f"{where}: not a readable CSV ({first})"
