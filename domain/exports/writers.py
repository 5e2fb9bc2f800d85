"""Export files, written row by row to disk: CSV (UTF-8 with a byte-order mark, so that
spreadsheets read Bengali and Hindi names right) and XLSX (xlsxwriter in constant-memory mode:
each row is flushed as the next begins).

Every text cell that a spreadsheet would read as a formula (beginning with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is neutralised by a leading apostrophe: a survivor's
name or a note must never run as a formula on the machine that opens the file.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import xlsxwriter

from domain.common.spreadsheet import neutralise
from persistence.models.export import ExportFormat

__all__ = ["neutralise"]
MEDIA_TYPES = {
    ExportFormat.csv: "text/csv; charset=utf-8",
    ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# XLSX's own limit of characters in a cell.
XLSX_CELL_LIMIT = 32_767


def cell_text(value: Any) -> str | int | float:
    """A value as a cell: numbers stay numbers, everything else is neutralised text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return neutralise("; ".join(str(cell_text(item)) for item in value))
    if isinstance(value, dict):
        return neutralise("; ".join(f"{key}: {cell_text(item)}" for key, item in value.items()))
    return neutralise(str(value))


class ExportWriter(Protocol):
    def header(self, columns: Sequence[str]) -> None: ...

    def row(self, values: Sequence[Any]) -> None: ...

    def close(self) -> None: ...


class CsvWriter:
    def __init__(self, path: Path) -> None:
        self._file = path.open("w", newline="", encoding="utf-8-sig")
        self._csv = csv.writer(self._file)

    def header(self, columns: Sequence[str]) -> None:
        self._csv.writerow(columns)

    def row(self, values: Sequence[Any]) -> None:
        self._csv.writerow([cell_text(value) for value in values])

    def close(self) -> None:
        self._file.close()


class XlsxWriter:
    def __init__(self, path: Path, sheet: str) -> None:
        self._book = xlsxwriter.Workbook(
            str(path),
            {"constant_memory": True, "tmpdir": str(path.parent), "strings_to_formulas": False},
        )
        self._sheet = self._book.add_worksheet(sheet[:31])
        self._bold = self._book.add_format({"bold": True})
        self._next = 0

    def header(self, columns: Sequence[str]) -> None:
        for index, name in enumerate(columns):
            self._sheet.write_string(self._next, index, name, self._bold)
        self._next += 1

    def row(self, values: Sequence[Any]) -> None:
        for index, value in enumerate(values):
            cell = cell_text(value)
            if isinstance(cell, str):
                # write_string: never read as a formula, a number or a URL.
                self._sheet.write_string(self._next, index, cell[:XLSX_CELL_LIMIT])
            else:
                self._sheet.write_number(self._next, index, cell)
        self._next += 1

    def close(self) -> None:
        self._book.close()


def file_size(path: Path) -> int:
    return path.stat().st_size


def discard(path: Path) -> None:
    path.unlink(missing_ok=True)


def open_writer(format: ExportFormat, path: Path, sheet: str) -> ExportWriter:
    if format is ExportFormat.xlsx:
        return XlsxWriter(path, sheet)
    return CsvWriter(path)
