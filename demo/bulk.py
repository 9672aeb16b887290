"""Plain-row inserts for the demo's bulk history (hundreds of thousands of attendance rows).

``QuerySet.bulk_create`` builds a model instance per row and compiles every value through the
instance; for the demo's ~100,000 attendance rows and ~100,000 minutes band keys that was half of
the party demo's build time. ``insert_rows`` sends the same rows as one parameterised ``INSERT``
per batch (``executemany``), each value converted by its field's ``get_db_prep_save`` exactly as
``bulk_create`` does, on SQLite and PostgreSQL alike. Like ``bulk_create`` it sends no signals;
unlike it, it returns no primary keys — use it only for rows nothing refers to afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice

from django.db import connections, router


def insert_rows(model, fields: Sequence[str], rows: Iterable[Sequence], batch_size: int = 5000) -> int:
    """Insert ``rows`` (tuples of values for ``fields``, field names or attnames such as
    ``meeting_id``) into ``model``'s table; every other concrete column gets its default.
    Returns the number of rows inserted."""
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    given_columns = {field.column for field in given}
    others = [f for f in meta.concrete_fields if f.column not in given_columns and not f.primary_key]
    columns = given + others
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(meta.db_table),
        ", ".join(quote(field.column) for field in columns),
        ", ".join(["%s"] * len(columns)),
    )
    defaults = [field.get_db_prep_save(field.get_default(), connection) for field in others]
    count = 0
    iterator = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(islice(iterator, batch_size)):
            prepared = [
                [field.get_db_prep_save(value, connection) for field, value in zip(given, row, strict=True)]
                for row in chunk
            ]
            cursor.executemany(sql, [values + defaults for values in prepared])
            count += len(chunk)
    return count


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics after a builder. The demo is built inside
    transactions (the tests' and each builder's), where autovacuum cannot see the new rows: the
    planner then takes tables of 100,000 rows for empty ones (the whole demo took 3.7× as long on
    PostgreSQL as on SQLite in CI). ``ANALYZE`` in the same transaction counts the transaction's
    own rows. A no-op on SQLite.

    Only this project's tables, by name: a bare ``ANALYZE`` also analyses the cluster-wide shared
    catalogs (``pg_database``, ``pg_authid`` …) and, inside a transaction, keeps their locks until
    it ends — every other database's ``ANALYZE`` on the same server (a restore, another test
    worker) then waits for the whole demo build."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    tables = sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
    if tables:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
