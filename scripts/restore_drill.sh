#!/usr/bin/env bash
# Restore drill: back up a database with records, restore it into a NEW database and media
# directory with the shipped scripts (deploy/backup.sh, deploy/restore.sh), and check the result.
#
#   scripts/restore_drill.sh            # PostgreSQL at $DRILL_PG (default postgres://postgres@127.0.0.1:5432)
#
# Steps: create <prefix>_src, migrate, create records through the services (a district, a person
# with ID and phone number, three public reports each with a photo and a phone number), back up,
# create <prefix>_dst + an empty media directory, restore, then check: restore.sh's own checks
# (file checksums, every table's row count, every media file's SHA-256, field key fingerprint), key
# tables' row counts source = restored, `luoshi audit verify` on the restored database, each photo
# present and identical, phone and ID numbers decrypt with the same field key, and a restore with
# a different field key is refused. Cleans up its databases and files. Exit 0 = drill passed.
# DRILL_DB_PREFIX (default luoshi_drill_<pid>) names the databases.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
say() { printf '[drill %3ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }
fail() { say "FAILED: $*" >&2; exit 1; }

PY=${PYTHON:-.venv/bin/python}
pg=${DRILL_PG:-postgres://postgres@127.0.0.1:5432}
prefix=${DRILL_DB_PREFIX:-luoshi_drill_$$}
src_db=${prefix}_src dst_db=${prefix}_dst wrong_db=${prefix}_wrongkey
tmp=$(mktemp -d -t luoshi-drill.XXXXXX)

export PGOPTIONS="-c client_min_messages=warning"
psql_admin() { psql "$pg/postgres" -qAtX -v ON_ERROR_STOP=1 "$@"; }
cleanup() {
  for db in "$src_db" "$dst_db" "$wrong_db"; do
    psql_admin -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 &
  done
  wait
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for db in "$src_db" "$dst_db" "$wrong_db"; do
  psql_admin -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" -c "CREATE DATABASE \"$db\"" >/dev/null
done
unset PGOPTIONS  # the application's own connection options stay as configured

# The same two keys on the "old" and the "new" machine — as docs/deploy.md requires.
mkdir -p "$tmp/keys" "$tmp/var" "$tmp/media_src" "$tmp/backups"
"$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' > "$tmp/keys/secret_key"
"$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' > "$tmp/keys/field_key"
export LUOSHI_SECRET_KEY_FILE="$tmp/keys/secret_key" LUOSHI_FIELD_KEY_FILE="$tmp/keys/field_key"
export LUOSHI_VAR_DIR="$tmp/var" LUOSHI_DEBUG=0 LUOSHI_TASKS_BACKEND=db
unset LUOSHI_TEST_DATABASE_URL LUOSHI_CACHE_URL || true
luoshi() { "$PY" -m luoshi.cli "$@"; }

say "source database $src_db: migrate"
export LUOSHI_DATABASE_URL="$pg/$src_db" LUOSHI_MEDIA_ROOT="$tmp/media_src"
luoshi manage migrate --noinput --verbosity 0
say "records through the services"
"$PY" scripts/restore_drill_check.py seed > "$tmp/seed.json"
cat "$tmp/seed.json"

say "backup (deploy/backup.sh)"
backup=$(deploy/backup.sh "$tmp/backups" | tail -1)
[ -f "$backup/MANIFEST" ] || fail "no backup made"

say "restore with a different field key must be refused"
if LUOSHI_DATABASE_URL="$pg/$wrong_db" LUOSHI_MEDIA_ROOT="$tmp/media_wrong" LUOSHI_FIELD_KEY_FILE="$tmp/keys/secret_key" \
  deploy/restore.sh "$backup" 2> "$tmp/wrong.log"; then
  fail "restore.sh accepted a field key that is not the backup's"
fi
grep -q "field key is not the backup's" "$tmp/wrong.log" || { cat "$tmp/wrong.log"; fail "unexpected refusal"; }

say "restore into $dst_db (deploy/restore.sh)"
export LUOSHI_DATABASE_URL="$pg/$dst_db" LUOSHI_MEDIA_ROOT="$tmp/media_dst"
deploy/restore.sh "$backup"

say "key tables: source = restored"
for table in cases_case cases_caseattachment cases_casecounter audit_auditevent audit_audithead orgs_org \
  orgs_person django_migrations; do
  a=$(psql "$pg/$src_db" -qAtX -c "SELECT count(*) FROM $table")
  b=$(psql "$pg/$dst_db" -qAtX -c "SELECT count(*) FROM $table")
  [ "$a" = "$b" ] || fail "$table: $a rows in the source, $b restored"
  printf '  %-22s %6s = %s\n' "$table" "$a" "$b"
done
[ "$(psql "$pg/$dst_db" -qAtX -c 'SELECT count(*) FROM cases_case')" -ge 3 ] || fail "no cases restored"

say "luoshi audit verify on the restored database"
luoshi audit verify || fail "audit chains broken after restore"

say "photos identical, phone and ID numbers decrypt with the same field key"
"$PY" scripts/restore_drill_check.py check "$tmp/seed.json" "$tmp/media_src" || fail "restored data check"

say "restore drill passed"
