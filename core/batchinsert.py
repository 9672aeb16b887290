"""New rows of several tables in one statement (PostgreSQL): one round trip instead of one per row.

The hot paths write a few related rows at once — a case's first audit event and its chain head,
a resident's message and its deliveries. On PostgreSQL each ``save()`` is a round trip of its own
(a fifth of an intake's time was spent in them, issue 22); ``insert_together`` sends the rows as
data-modifying CTEs of one statement::

    WITH r0 AS (INSERT INTO … RETURNING id), r1 AS (INSERT INTO … RETURNING id) SELECT …

A row may refer to an earlier one of the same call (``Link``): its foreign key is filled in the
statement from the earlier row's new id. Each INSERT is compiled by Django (``InsertQuery``), so
field conversions, defaults and ``pre_save`` are those of ``save()``; no signals are sent and no
model ``save()`` runs — use it only for rows whose models need neither. Elsewhere (SQLite) the
rows are saved one by one, in order, with the same result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from django.db import connections, models, router
from django.db.models.expressions import RawSQL
from django.db.models.sql import InsertQuery


@dataclass(frozen=True)
class Link:
    """``row``'s foreign key ``field`` is ``target``'s id (``target`` earlier in the same call)."""

    row: models.Model
    field: str
    target: models.Model


def insert_together(rows: Sequence[models.Model], links: Sequence[Link] = ()) -> None:
    """INSERT the new ``rows`` (unsaved, auto primary keys) in one statement on PostgreSQL, in
    order elsewhere; sets each row's primary key (and each linked foreign key) as ``save`` would."""
    if not rows:
        return
    alias = router.db_for_write(type(rows[0]))
    connection = connections[alias]
    position = {id(row): index for index, row in enumerate(rows)}
    for row in rows:
        if row.pk is not None:
            raise ValueError(f"insert_together takes new rows only ({row._meta.label} has a primary key)")
    for link in links:
        if id(link.row) not in position:
            raise ValueError("a linked row must be one of the rows")
        if position.get(id(link.target), len(rows)) >= position[id(link.row)]:
            raise ValueError("a linked row must come after the row it refers to")
    if connection.vendor != "postgresql":
        for row in rows:
            for link in links:
                if link.row is row:
                    setattr(row, link.field, link.target)
            row.save(force_insert=True, using=alias)
        return
    quote = connection.ops.quote_name

    def new_id(index: int) -> str:
        return f"(SELECT {quote(str(rows[index]._meta.pk.column))} FROM r{index})"

    parts: list[str] = []
    params: list = []
    for index, row in enumerate(rows):
        refs = {link.field: new_id(position[id(link.target)]) for link in links if link.row is row}
        sql, values = _insert_sql(row, refs, connection)
        parts.append(f"r{index} AS ({sql})")
        params.extend(values)
    select = ", ".join(new_id(index) for index in range(len(rows)))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT {select}", params)
        ids = cursor.fetchone()
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding = False
        row._state.db = alias
    for link in links:
        setattr(link.row, link.field, link.target)


def _insert_sql(row: models.Model, refs: dict[str, str], connection) -> tuple[str, Sequence]:
    """Django's own ``INSERT … RETURNING pk`` for ``row``, the foreign keys in ``refs`` (field name
    → SQL of the id) taken from the statement instead of the row."""
    meta = row._meta
    kept = {}
    for name, sql in refs.items():
        attname = cast(models.Field, meta.get_field(name)).attname
        kept[attname] = getattr(row, attname)
        setattr(row, attname, RawSQL(sql, ()))
    try:
        fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
        query = InsertQuery(type(row))
        query.insert_values(fields, [row])
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = [meta.pk]
        [(sql, values)] = compiler.as_sql()
    finally:
        for attname, value in kept.items():
            setattr(row, attname, value)
    return sql, values
