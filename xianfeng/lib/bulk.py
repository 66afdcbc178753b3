"""Fast multi-row INSERTs for bulk writers (workbook imports of thousands of rows).

What ``bulk_create`` writes, without Django compiling SQL for every single value — which, for
ten thousand rows, costs far more than the database does. Rows are given as tuples of the named
columns' values (attribute names: ``report_id``, not ``report``); the other columns take their
defaults. Like bulk_create it sends no signals and runs no validation: the caller has checked
the values.
``returning=True`` gives back the new primary keys in row order (PostgreSQL, and SQLite ≥ 3.35,
return them for a multi-row INSERT … RETURNING, as Django's own bulk_create relies on).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

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
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool = False,
    json_cache: dict[int, tuple[Any, Any]] | None = None,
) -> list[int]:
    """INSERT ``rows`` (tuples of the ``columns``' values, by attname) into ``model``'s table;
    the other columns take their defaults. Returns the new ids (in row order) if ``returning``.

    ``json_cache``: pass the same dict to several calls that insert the same JSON objects (a
    report's history line and its audit record share one ``changes``): each is encoded once.
    """
    if not rows:
        return []
    json_cache = {} if json_cache is None else json_cache
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql":
        return _copy_rows(model, columns, rows, returning=returning, json_cache=json_cache)
    meta = model._meta
    given = [meta.get_field(name) for name in columns]
    given_names = {f.attname for f in given}
    constant_fields = [f for f in meta.concrete_fields if not f.primary_key and f.attname not in given_names]
    constants = [f.get_db_prep_save(f.get_default(), connection) for f in constant_fields]
    fields = given + constant_fields
    prepared = [
        (i, f, isinstance(f, models.JSONField), f.null) for i, f in enumerate(given) if not _is_plain(f)
    ]
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in fields)
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, MAX_PARAMS // len(fields))
    pk_column = quote(meta.pk.column)
    cache: dict[tuple[int, Any], Any] = {}  # e.g. one timestamp for the whole batch: adapt it once
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params: list[Any] = []
            for row in chunk:
                values = list(row)
                for index, field, is_json, nullable in prepared:
                    value = values[index]
                    if value is None and nullable:
                        continue
                    if is_json:
                        hit = json_cache.get(id(value))
                        if hit is None or hit[0] is not value:
                            # Keep the object with its encoding: its id stays unique meanwhile.
                            hit = json_cache[id(value)] = (value, field.get_db_prep_save(value, connection))
                        values[index] = hit[1]
                    elif isinstance(value, dt.datetime):
                        key = (index, value)
                        if key not in cache:
                            cache[key] = field.get_db_prep_save(value, connection)
                        values[index] = cache[key]
                    else:
                        values[index] = field.get_db_prep_save(value, connection)
                params.extend(values)
                params.extend(constants)
            sql = "INSERT INTO {} ({}) VALUES {}".format(
                quote(meta.db_table), names, ", ".join([placeholder] * len(chunk))
            )
            if returning:
                cursor.execute(f"{sql} RETURNING {pk_column}", params)
                ids.extend(row[0] for row in cursor.fetchall())
            else:
                cursor.execute(sql, params)
    return ids


def copy_json(field: models.JSONField, value: Any) -> Any:
    """A JSON value as COPY … FROM STDIN takes it into a PostgreSQL jsonb column: its JSON text
    (what get_db_prep_save would send, but with non-ASCII characters as they are rather than
    as \\u escapes: the stored jsonb is the same, the text to send and parse a third shorter)."""
    if value is None:
        return None
    return json.dumps(field.get_prep_value(value), cls=field.encoder, ensure_ascii=False)


def _prepared_rows(
    fields: Sequence[models.Field], rows: Sequence[Sequence[Any]], json_cache: dict[int, tuple[Any, Any]]
) -> list[list[Any]]:
    """Each row's values as COPY takes them on PostgreSQL (datetimes and JSON adapted once each)."""
    connection = connections[DEFAULT_DB_ALIAS]
    prepared = [
        (i, f, isinstance(f, models.JSONField), f.null) for i, f in enumerate(fields) if not _is_plain(f)
    ]
    cache: dict[tuple[int, Any], Any] = {}
    result = []
    for row in rows:
        values = list(row)
        for index, field, is_json, nullable in prepared:
            value = values[index]
            if value is None and nullable:
                continue
            if is_json:
                hit = json_cache.get(id(value))
                if hit is None or hit[0] is not value:
                    hit = json_cache[id(value)] = (value, copy_json(field, value))
                values[index] = hit[1]
            elif isinstance(value, dt.datetime):
                key = (index, value)
                if key not in cache:
                    cache[key] = field.get_db_prep_save(value, connection)
                values[index] = cache[key]
            else:
                values[index] = field.get_db_prep_save(value, connection)
        result.append(values)
    return result


def _copy_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool,
    json_cache: dict[int, tuple[Any, Any]],
) -> list[int]:
    """PostgreSQL: COPY … FROM STDIN, the fastest way in. Django's cursors bind parameters on the
    client, so a multi-row INSERT of thousands of values is parsed and quoted in Python; COPY
    streams the rows instead. New ids are drawn from the table's sequence beforehand."""
    connection = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    quote = connection.ops.quote_name
    given = [meta.get_field(name) for name in columns]
    given_names = {f.attname for f in given}
    constant_fields = [f for f in meta.concrete_fields if not f.primary_key and f.attname not in given_names]
    constants = [f.get_db_prep_save(f.get_default(), connection) for f in constant_fields]
    values = _prepared_rows(given, rows, json_cache)
    fields = given + constant_fields
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            fields = [meta.pk, *fields]
        names = ", ".join(quote(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy:
            for index, row in enumerate(values):
                copy.write_row([ids[index], *row, *constants] if returning else [*row, *constants])
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
    if connection.vendor == "postgresql":
        _update_via_copy(model, model_fields, rows)
        return
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in model_fields),
        quote(meta.pk.column),
    )
    prepared = [(i, f) for i, f in enumerate(model_fields) if not _is_plain(f)]
    attnames = [f.attname for f in model_fields]
    cache: dict[tuple[int, Any], Any] = {}
    params = []
    for pk, row in rows:
        values = [row[name] for name in attnames]
        for index, field in prepared:
            value = values[index]
            if value is None and field.null:
                continue
            key = (index, value) if isinstance(value, dt.datetime) else None
            if key is not None and key in cache:
                values[index] = cache[key]
                continue
            values[index] = field.get_db_prep_save(value, connection)
            if key is not None:
                cache[key] = values[index]
        values.append(pk)
        params.append(values)
    with connection.cursor() as cursor:
        for start in range(0, len(params), 2000):
            cursor.executemany(sql, params[start : start + 2000])


def _update_via_copy(
    model: type[models.Model], fields: list[models.Field], rows: Sequence[tuple[int, Any]]
) -> None:
    """PostgreSQL: COPY the new values into a temporary table, then one UPDATE … FROM it."""
    connection = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    quote = connection.ops.quote_name
    values = _prepared_rows(fields, [[row[f.attname] for f in fields] for _pk, row in rows], {})
    temp = quote(f"tmp_update_{meta.db_table}")
    columns = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    assignments = ", ".join(f"{quote(f.column)} = t.{quote(f.column)}" for f in fields)
    pk = quote(meta.pk.column)
    # In a transaction of its own if there is none: the table lives until the commit.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} ({pk} bigint PRIMARY KEY, {columns}) ON COMMIT DROP")
        names = ", ".join([pk, *(quote(f.column) for f in fields)])
        with cursor.cursor.copy(f"COPY {temp} ({names}) FROM STDIN") as copy:
            for (row_pk, _row), row_values in zip(rows, values, strict=True):
                copy.write_row([row_pk, *row_values])
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS m SET {assignments} FROM {temp} AS t WHERE m.{pk} = t.{pk}"
        )
        cursor.execute(f"DROP TABLE {temp}")
