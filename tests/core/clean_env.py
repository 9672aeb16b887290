"""What a ``luoshi`` subprocess in a new shell sees: a clean environment and the demo's state.

Migrating a fresh database takes ~30 s; the suite's test database is already migrated, so a
subprocess gets a copy of it (SQLite: the in-memory database backed up to ``VAR_DIR``, where the
default ``LUOSHI_DATABASE_URL`` points) or the database itself (PostgreSQL: committed rows only, so
tests that write rows for the subprocess use ``django_db(transaction=True)``).
"""

import os
import sqlite3
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def clean_env(var_dir, **extra) -> dict[str, str]:
    home = os.environ.get("HOME", "/")
    return {"PATH": os.environ["PATH"], "HOME": home, "LUOSHI_VAR_DIR": str(var_dir), **extra}


def seed_defaults() -> None:
    """The rows the data migrations seed: a transactional test that ran earlier flushed them."""
    import cases.defaults
    import intel.defaults
    import party.defaults
    import villages.defaults
    import workplan.defaults

    for module in (cases, intel, party, villages, workplan):
        module.defaults.seed_defaults()


def share_test_database(var_dir: Path) -> dict[str, str]:
    """Make the test database visible to a subprocess using ``var_dir``; return the extra environment."""
    from django.db import connection

    seed_defaults()
    assert not connection.in_atomic_block, "django_db(transaction=True): a backup waits for open transactions"
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(var_dir / "luoshi.sqlite3")
        connection.connection.backup(target)
        target.close()
        return {}
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return {"LUOSHI_DATABASE_URL": f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"}
