"""The restore drill (scripts/restore_drill.sh) as a test: back up, restore into a new database and
media directory with the shipped deploy/backup.sh and deploy/restore.sh, then check counts, audit
chains, photos and decryption. PostgreSQL only (pg_dump/pg_restore); skipped on SQLite."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.ops,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="the restore drill needs PostgreSQL (pg_dump, pg_restore)",
    ),
    pytest.mark.skipif(not shutil.which("pg_restore"), reason="pg_dump/pg_restore not installed"),
]


def _server_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"


def test_backup_restore_drill():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LUOSHI_") and key not in ("DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER")
    }
    env.update(
        DRILL_PG=_server_url(),
        DRILL_DB_PREFIX=f"luoshi_drill_{os.getpid()}",
        PYTHON=sys.executable,
    )
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "restore_drill.sh")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "restore drill passed" in output
    assert "审计日志校验通过" in output
    assert "phone decrypts, photo" in output
