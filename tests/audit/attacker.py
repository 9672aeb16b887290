"""The attacker of the tampering tests: someone with full SQL access to the database (a DBA, a
stolen superuser password) but without the audit key. They switch the append-only triggers off,
change rows with raw SQL (no ORM), and switch the triggers back on to cover their tracks."""

import json

from django.db import connection

from audit import guard
from audit.models import AuditCheckpoint, AuditEvent, AuditHead

EVENTS = connection.ops.quote_name(AuditEvent._meta.db_table)
HEADS = connection.ops.quote_name(AuditHead._meta.db_table)
CHECKPOINTS = connection.ops.quote_name(AuditCheckpoint._meta.db_table)


def sql(statement, params=()):
    """Run ``statement`` (``{events}``, ``{heads}``, ``{checkpoints}`` filled in) past the triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser's switch: no user trigger fires in this session (ALTER TABLE … DISABLE
            # TRIGGER would do as well, outside a transaction with pending foreign-key checks).
            cursor.execute("SET session_replication_role = replica")
        else:
            guard.uninstall(connection)
        try:
            cursor.execute(statement.format(events=EVENTS, heads=HEADS, checkpoints=CHECKPOINTS), params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")
            else:
                guard.install(connection)


def set_head(subject_type, subject_id, **values):
    assignments = ", ".join(f"{column} = %s" for column in values)
    sql(
        f"UPDATE {{heads}} SET {assignments} WHERE subject_type = %s AND subject_id = %s",
        [*values.values(), subject_type, subject_id],
    )


def rewrite_event(event: AuditEvent, **values):
    """Overwrite columns of one event (JSON values encoded as the database expects)."""
    encoded = {k: json.dumps(v) if k in ("before", "after") else v for k, v in values.items()}
    assignments = ", ".join(f"{column} = %s" for column in encoded)
    sql(f"UPDATE {{events}} SET {assignments} WHERE id = %s", [*encoded.values(), event.pk])
