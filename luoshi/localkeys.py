"""The demo's local keys: files under ``VAR_DIR`` so the CLI works in a new shell after ``make demo``.

``luoshi demo`` writes a random secret key to ``VAR_DIR/secret_key`` (mode 0600) the first time it
runs. Settings use it only when neither ``LUOSHI_SECRET_KEY`` nor ``LUOSHI_SECRET_KEY_FILE`` is set
and ``LUOSHI_HTTPS`` is off: a real deployment configures a key and never reads this file, and a
machine without a key and without the file still refuses to start.

``VAR_DIR/field_key`` exists only for a demo database built before the local secret existed, whose
ID and phone numbers were encrypted with the old hard-coded development key (``LEGACY_DEMO_KEY``):
``luoshi demo`` writes that key there so the old data stays readable. Delete ``var/`` to rebuild the
demo with the random key. Nothing here imports Django: settings import it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# The development key every demo used before ``var/secret_key``; public, so never for real data.
LEGACY_DEMO_KEY = "luoshi-insecure-development-key-do-not-use-in-production"
SECRET_FILE = "secret_key"
FIELD_FILE = "field_key"


class MissingSecretKey(RuntimeError):
    """No secret key configured and no demo key: settings refuse to load (production)."""


def var_dir() -> Path:
    return Path(os.environ.get("LUOSHI_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))


def key_configured() -> bool:
    return bool(os.environ.get("LUOSHI_SECRET_KEY") or os.environ.get("LUOSHI_SECRET_KEY_FILE"))


def read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def write_private(path: Path, value: str) -> None:
    """Write ``value`` to a new file only its owner can read; an existing file is kept as it is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")


def ensure_secret(directory: Path | None = None) -> Path:
    """Create ``secret_key`` with 256+ random bits unless it exists; return its path."""
    path = (directory or var_dir()) / SECRET_FILE
    write_private(path, secrets.token_urlsafe(48))
    return path
