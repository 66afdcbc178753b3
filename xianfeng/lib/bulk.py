"""Fast multi-row INSERTs for bulk writers (workbook imports of thousands of rows).

What ``bulk_create`` writes, without Django compiling SQL for every single value — which, for
ten thousand rows, costs far more than the database does. Rows are given as dicts keyed by
attribute name (``report_id``, not ``report``); a missing key takes the field's default. Like
bulk_create it sends no signals and runs no validation: the caller has checked the values.
``returning=True`` gives back the new primary keys in row order (PostgreSQL, and SQLite ≥ 3.35,
return them for a multi-row INSERT … RETURNING, as Django's own bulk_create relies on).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

# Values of these field types go to the driver as they are (their get_db_prep_save returns the
# value unchanged on SQLite and PostgreSQL; the drivers adapt Decimal and date themselves).
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
    models.DecimalField,
)
# Host parameters per statement: below SQLite's 32,766 and PostgreSQL's 65,535.
MAX_PARAMS = 30000


def _is_plain(field: models.Field) -> bool:
    if isinstance(field, models.DateTimeField):
        return False  # SQLite stores naive UTC text
    return isinstance(field, _PLAIN) or type(field) is models.DateField


def insert_rows(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]], *, returning: bool = False
) -> list[int]:
    """INSERT ``rows`` (dicts by attname) into ``model``'s table; the new ids if ``returning``."""
    if not rows:
        return []
    connection = connections[DEFAULT_DB_ALIAS]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    attnames = [f.attname for f in fields]
    defaults = {f.attname: f.get_default() for f in fields}
    prepared = [(i, f) for i, f in enumerate(fields) if not _is_plain(f)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, MAX_PARAMS // len(fields))
    pk_column = quote(model._meta.pk.column)
    cache: dict[tuple[int, Any], Any] = {}  # e.g. one timestamp for the whole batch: adapt it once
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params: list[Any] = []
            for row in chunk:
                values = [row[name] if name in row else defaults[name] for name in attnames]
                for index, field in prepared:
                    value = values[index]
                    if isinstance(value, dt.datetime):
                        key = (index, value)
                        if key not in cache:
                            cache[key] = field.get_db_prep_save(value, connection)
                        values[index] = cache[key]
                    else:
                        values[index] = field.get_db_prep_save(value, connection)
                params.extend(values)
            sql = "INSERT INTO {} ({}) VALUES {}".format(
                quote(model._meta.db_table), columns, ", ".join([placeholder] * len(chunk))
            )
            if returning:
                cursor.execute(f"{sql} RETURNING {pk_column}", params)
                ids.extend(row[0] for row in cursor.fetchall())
            else:
                cursor.execute(sql, params)
    return ids


def update_rows(
    model: type[models.Model], rows: Sequence[tuple[int, Mapping[str, Any]]], fields: Sequence[str]
) -> None:
    """UPDATE ``fields`` (attnames) of each (pk, values) row: one statement sent as a batch."""
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in model_fields),
        quote(meta.pk.column),
    )
    params = [
        [f.get_db_prep_save(values[f.attname], connection) for f in model_fields] + [pk]
        for pk, values in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), 2000):
            cursor.executemany(sql, params[start : start + 2000])
