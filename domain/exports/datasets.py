"""What a dataset is: a few lines that say where its rows come from, which of them the caller
may see (the area's own scope condition, the one its reads use), its columns (personal ones
marked) and the filters it takes. The catalogue of datasets is ``catalogue.py``; adding one is
adding one :class:`Dataset` there.

Personal columns come out of a sealed JSON document (``Sealed``): the document's bytes and its
row id are selected beside the plain columns, and the value is opened per row (once per
document, whatever number of its keys is asked for). They are selected only when the export
asks for personal fields, which only a program manager may, with a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.common.policy import Policy
from domain.common.principal import Principal
from persistence.crypto import FieldCipher, Place


@dataclass(frozen=True, slots=True)
class Sealed:
    """A sealed JSON document personal columns are read from: its bytes, and the id of the row
    it is bound to (its place is ``table|column|row``)."""

    label: str
    table: str
    column: str
    value: Any
    row: Any
    # A JSON document (its keys are columns), or one text (the column of key "").
    document: bool = True

    def open(self, cipher: FieldCipher, row: Mapping[str, Any]) -> Mapping[str, Any]:
        sealed = row[f"{self.label}__value"]
        if not sealed:
            return {}
        place = Place(self.table, self.column, row[f"{self.label}__row"])
        if not self.document:
            return {"": cipher.open_text(sealed, place)}
        opened = cipher.open_json(sealed, place)
        return opened if isinstance(opened, Mapping) else {}


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a dataset: a SQL expression, or (personal) a key of a sealed document."""

    name: str
    expression: Any = None
    personal: bool = False
    sealed: Sealed | None = None
    key: str = ""
    description: str = ""


class FilterKind(StrEnum):
    equals = "equals"  # a value of the column (an id, a status)
    on_or_after = "on_or_after"  # a date column from this day
    on_or_before = "on_or_before"  # a date column up to this day


@dataclass(frozen=True, slots=True)
class Filter:
    name: str
    expression: Any
    kind: FilterKind = FilterKind.equals
    # The values it takes (an enum's), or a parser: uuid, date.
    choices: tuple[str, ...] = ()
    parse: Callable[[str], Any] = str

    def value(self, text: str) -> Any:
        """The filter's value from its text; ValueError when it does not fit."""
        if self.choices and text not in self.choices:
            raise ValueError(f"one of {', '.join(self.choices)}")
        if self.kind is not FilterKind.equals:
            return date.fromisoformat(text)
        return self.parse(text)

    def condition(self, value: Any) -> Any:
        if self.kind is FilterKind.on_or_after:
            return self.expression >= value
        if self.kind is FilterKind.on_or_before:
            return self.expression <= value
        return self.expression == value


def uuid_filter(name: str, expression: Any) -> Filter:
    return Filter(name, expression, parse=UUID)


def choice_filter(name: str, expression: Any, choices: type[StrEnum]) -> Filter:
    return Filter(name, expression, choices=tuple(member.value for member in choices))


def date_filters(prefix: str, expression: Any) -> tuple[Filter, Filter]:
    """``<prefix>_from`` and ``<prefix>_to`` on a date column (both days included)."""
    return (
        Filter(f"{prefix}_from", expression, FilterKind.on_or_after),
        Filter(f"{prefix}_to", expression, FilterKind.on_or_before),
    )


@dataclass(frozen=True)
class Dataset:
    """One exportable dataset (see the module's docstring)."""

    name: str
    description: str
    # The area's read policy: an export of the dataset is a read of its rows.
    policy: Policy
    # FROM: a table or a join.
    source: Any
    # The caller's rows: the area's scope condition (the one its reads and lists use).
    visible: Callable[[Principal], Any]
    columns: tuple[Column, ...]
    filters: tuple[Filter, ...] = ()
    # A unique, stable order (the export is reproducible).
    order_by: tuple[Any, ...] = ()
    by_name: dict[str, Column] = field(init=False, repr=False)
    filter_by_name: dict[str, Filter] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {column.name: column for column in self.columns})
        object.__setattr__(self, "filter_by_name", {f.name: f for f in self.filters})
        if len(self.by_name) != len(self.columns):
            raise ValueError(f"dataset {self.name}: two columns share a name")

    @property
    def personal_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.personal)

    def default_columns(self, personal: bool) -> list[str]:
        return [column.name for column in self.columns if personal or not column.personal]

    def select(
        self, principal: Principal, filters: Mapping[str, Any], columns: list[str]
    ) -> sa.Select[Any]:
        """The rows of the export: the caller's visible rows, filtered, with ``columns``
        (parsed filter values; column names already checked)."""
        items: list[Any] = []
        documents: dict[str, Sealed] = {}
        for name in columns:
            column = self.by_name[name]
            if column.sealed is not None:
                documents[column.sealed.label] = column.sealed
            else:
                items.append(column.expression.label(name))
        for sealed in documents.values():
            items.append(sealed.value.label(f"{sealed.label}__value"))
            items.append(sealed.row.label(f"{sealed.label}__row"))
        conditions = [self.visible(principal)]
        conditions += [
            self.filter_by_name[name].condition(value) for name, value in filters.items()
        ]
        return (
            sa.select(*items).select_from(self.source).where(*conditions).order_by(*self.order_by)
        )

    def count(self, principal: Principal, filters: Mapping[str, Any]) -> sa.Select[Any]:
        """How many rows the export would hold."""
        conditions = [self.visible(principal)]
        conditions += [
            self.filter_by_name[name].condition(value) for name, value in filters.items()
        ]
        return sa.select(sa.func.count()).select_from(self.source).where(*conditions)

    def values(
        self, row: Mapping[str, Any], columns: list[str], cipher: FieldCipher | None
    ) -> list[Any]:
        """One row's values in ``columns``' order (personal ones opened with ``cipher``)."""
        opened: dict[str, Mapping[str, Any]] = {}
        values = []
        for name in columns:
            column = self.by_name[name]
            if column.sealed is None:
                values.append(row[name])
                continue
            label = column.sealed.label
            if label not in opened:
                if cipher is None:  # pragma: no cover - personal columns are asked with a cipher
                    raise RuntimeError("personal columns need the data keys")
                opened[label] = column.sealed.open(cipher, row)
            values.append(opened[label].get(column.key))
        return values
