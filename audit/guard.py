"""Database triggers that keep the audit tables append-only, whatever the client.

The ORM already refuses ``save()`` of an existing event and ``update()``/``delete()`` through the
managers, but ``models.QuerySet.update(...)``, raw SQL and a database shell do not go through it.
These triggers refuse, on PostgreSQL and on SQLite:

- any UPDATE or DELETE of ``audit_auditevent`` and ``audit_auditcheckpoint``;
- any DELETE of ``audit_audithead``, and any UPDATE of it that changes the subject, lowers the
  count, changes the last hash without adding an event, or clears a sticky ``flagged_seq``.

They raise an integrity error (SQLite ``RAISE(ABORT)``, PostgreSQL SQLSTATE 23001
restrict_violation), so Django raises ``django.db.IntegrityError`` and the transaction rolls back.

A database owner or superuser can still drop or disable them (``ALTER TABLE … DISABLE TRIGGER``);
that is what the keyed seals and checkpoints are for, and ``luoshi audit verify`` reports a missing
or disabled trigger. The only sanctioned bypass is ``maintenance()``: Django's ``flush`` (used by the
test suite between transactional tests; audit/management/commands/flush.py) runs inside it.
PostgreSQL's TRUNCATE (what ``flush`` issues there) fires no row trigger anyway. There is no purge:
audit events are kept for good; archive the database, never delete from it (docs/deploy.md).

Triggers live in migration 0003 and are re-installed after every ``migrate`` (a post_migrate
handler), because SQLite drops a table's triggers whenever a migration rebuilds the table.
"""

from __future__ import annotations

import contextlib
import threading

from django.db import connection as default_connection

_state = threading.local()

EVENT, HEAD, CHECKPOINT = "audit_auditevent", "audit_audithead", "audit_auditcheckpoint"
MESSAGE = "audit log is append-only (审计日志只能追加,不能修改或删除)"
HEAD_MESSAGE = "audit chain heads only move forward (审计链头只能前进)"

SQLITE_TRIGGERS = {
    "luoshi_audit_event_no_update": f"BEFORE UPDATE ON {EVENT}",
    "luoshi_audit_event_no_delete": f"BEFORE DELETE ON {EVENT}",
    "luoshi_audit_checkpoint_no_update": f"BEFORE UPDATE ON {CHECKPOINT}",
    "luoshi_audit_checkpoint_no_delete": f"BEFORE DELETE ON {CHECKPOINT}",
    "luoshi_audit_head_no_delete": f"BEFORE DELETE ON {HEAD}",
}
HEAD_BACKWARD = (
    "NEW.subject_type IS NOT OLD.subject_type OR NEW.subject_id IS NOT OLD.subject_id"
    " OR NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.last_hash IS NOT OLD.last_hash)"
    " OR (OLD.flagged_seq <> 0 AND NEW.flagged_seq IS NOT OLD.flagged_seq)"
)

PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION luoshi_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('luoshi.audit_maintenance', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{MESSAGE}: % on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;
CREATE OR REPLACE FUNCTION luoshi_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('luoshi.audit_maintenance', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' OR {HEAD_BACKWARD.replace(" IS NOT ", " IS DISTINCT FROM ")} THEN
        RAISE EXCEPTION '{HEAD_MESSAGE}: % on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
"""
PG_TRIGGERS = {
    "luoshi_audit_event_append_only": (EVENT, "UPDATE OR DELETE", "luoshi_audit_append_only"),
    "luoshi_audit_checkpoint_append_only": (CHECKPOINT, "UPDATE OR DELETE", "luoshi_audit_append_only"),
    "luoshi_audit_head_forward": (HEAD, "UPDATE OR DELETE", "luoshi_audit_head_forward"),
}


def maintenance_on() -> bool:
    return bool(getattr(_state, "on", False))


@contextlib.contextmanager
def maintenance(connection=None):
    """Let this thread's connection update and delete audit rows (flush only; see module doc)."""
    connection = connection or default_connection
    previous = maintenance_on()
    _state.on = True
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('luoshi.audit_maintenance', 'on', false)")
        yield
    finally:
        _state.on = previous
        if connection.vendor == "postgresql" and not previous and connection.connection is not None:
            with contextlib.suppress(Exception), connection.cursor() as cursor:
                cursor.execute("SELECT set_config('luoshi.audit_maintenance', 'off', false)")


def register_sqlite_function(sender=None, connection=None, **kwargs):
    """connection_created: the SQL function the SQLite triggers ask (absent elsewhere: refused)."""
    if connection is not None and connection.vendor == "sqlite":
        connection.connection.create_function(
            "luoshi_audit_maintenance", 0, lambda: 1 if maintenance_on() else 0
        )


def _existing(connection) -> dict[str, bool]:
    """Trigger name → enabled, for the triggers this module installs."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, tgenabled <> 'D' FROM pg_trigger"
                " WHERE NOT tgisinternal AND tgname LIKE 'luoshi_audit_%%'"
            )
        else:
            cursor.execute(
                "SELECT name, 1 FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'luoshi_audit_%'"
            )
        return {name: bool(enabled) for name, enabled in cursor.fetchall()}


def expected_triggers(connection) -> list[str]:
    if connection.vendor == "postgresql":
        return list(PG_TRIGGERS)
    if connection.vendor == "sqlite":
        return [*SQLITE_TRIGGERS, "luoshi_audit_head_forward"]
    return []


def install(connection=None) -> list[str]:
    """Create the missing triggers (idempotent); return the names created."""
    connection = connection or default_connection
    if connection.vendor not in ("postgresql", "sqlite"):
        return []
    tables = set(connection.introspection.table_names())
    if not {EVENT, HEAD, CHECKPOINT} <= tables:
        return []  # migrating forwards: the tables come first
    existing = _existing(connection)
    created = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTIONS)
            for name, (table, events, function) in PG_TRIGGERS.items():
                if name in existing:
                    continue
                cursor.execute(
                    f"CREATE TRIGGER {name} BEFORE {events} ON {table}"
                    f" FOR EACH ROW EXECUTE FUNCTION {function}()"
                )
                created.append(name)
        else:
            for name, when in SQLITE_TRIGGERS.items():
                if name not in existing:
                    cursor.execute(
                        f"CREATE TRIGGER {name} {when} FOR EACH ROW WHEN NOT luoshi_audit_maintenance()"
                        f" BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
                    )
                    created.append(name)
            if "luoshi_audit_head_forward" not in existing:
                cursor.execute(
                    f"CREATE TRIGGER luoshi_audit_head_forward BEFORE UPDATE ON {HEAD} FOR EACH ROW"
                    f" WHEN NOT luoshi_audit_maintenance() AND ({HEAD_BACKWARD})"
                    f" BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END"
                )
                created.append("luoshi_audit_head_forward")
    return created


def uninstall(connection=None) -> None:
    connection = connection or default_connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, (table, _events, _function) in PG_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        elif connection.vendor == "sqlite":
            for name in expected_triggers(connection):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def missing_or_disabled(connection=None) -> list[str]:
    connection = connection or default_connection
    existing = _existing(connection)
    return [name for name in expected_triggers(connection) if not existing.get(name)]


def install_after_migrate(sender, using="default", **kwargs):
    from django.db import connections

    install(connections[using])
