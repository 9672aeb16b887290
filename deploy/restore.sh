#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into an EMPTY database and an empty media directory,
# then check it: checksums of every file, every media file's SHA-256, every table's row count
# against the MANIFEST, and the field key's fingerprint.
#
#   deploy/restore.sh [--env-file /etc/luoshi/luoshi.env] BACKUP_DIR
#
# Target: LUOSHI_DATABASE_URL (must exist and have no tables: createdb it first) and
# LUOSHI_MEDIA_ROOT (absent or empty). Stop the web nodes and workers first. Afterwards run
# `luoshi audit verify` (docs/deploy.md "Restore"). Exit status non-zero on any mismatch.
set -euo pipefail

die() { echo "restore: $*" >&2; exit 1; }
env_file=""
while [ $# -gt 0 ]; do
  case "$1" in
    --env-file) env_file=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || die "usage: restore.sh [--env-file FILE] BACKUP_DIR"
if [ -n "$env_file" ]; then set -a; . "$env_file"; set +a; fi
src=$(cd "$1" && pwd)
db_url=${LUOSHI_DATABASE_URL:?LUOSHI_DATABASE_URL is not set}
case "$db_url" in postgres://*|postgresql://*) ;; *) die "LUOSHI_DATABASE_URL is not a PostgreSQL URL" ;; esac
media_root=${LUOSHI_MEDIA_ROOT:-${LUOSHI_VAR_DIR:-var}/media}

[ -f "$src/MANIFEST" ] || die "$src has no MANIFEST"
grep -qx 'format=luoshi-backup-1' "$src/MANIFEST" || die "unknown backup format"
(cd "$src" && sha256sum --quiet -c SHA256SUMS) || die "checksum mismatch: the backup is damaged"
echo "restore: checksums of $src OK" >&2

tables=$(psql "$db_url" -qAtX -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") \
  || die "cannot connect to the target database"
[ "$tables" = 0 ] || die "the target database is not empty ($tables tables); restore into a new database"
if [ -d "$media_root" ] && [ -n "$(ls -A "$media_root")" ]; then
  die "the media directory $media_root is not empty"
fi

# Field key: the restored ID and phone numbers are readable only with the key of the backup.
expected=$(sed -n 's/^field_key_sha256_16=//p' "$src/MANIFEST")
field_key=""
if [ -n "${LUOSHI_FIELD_KEY_FILE:-}" ] && [ -r "$LUOSHI_FIELD_KEY_FILE" ]; then
  field_key=$(tr -d '[:space:]' < "$LUOSHI_FIELD_KEY_FILE")
elif [ -n "${LUOSHI_FIELD_KEY:-}" ]; then
  field_key=$(printf %s "$LUOSHI_FIELD_KEY" | tr -d '[:space:]')
fi
if [ -n "$expected" ] && [ -n "$field_key" ]; then
  [ "$(printf %s "$field_key" | sha256sum | cut -c1-16)" = "$expected" ] \
    || die "the configured field key is not the backup's (ID and phone numbers would be unreadable)"
  echo "restore: field key matches the backup's" >&2
else
  echo "restore: WARNING: field key not checked (not configured or not in the MANIFEST)" >&2
fi

jobs=$(( $(nproc) > 4 ? 4 : $(nproc) ))
pg_restore --no-owner --no-privileges --exit-on-error --jobs="$jobs" --dbname="$db_url" "$src/db.dump" \
  || die "pg_restore failed"
psql "$db_url" -qAtX -c "SET client_min_messages = error" -c "ANALYZE" >/dev/null  # planner statistics

mkdir -p "$media_root"
tar -C "$media_root" -xzf "$src/media.tar.gz"
if [ -s "$src/media.sha256" ]; then
  (cd "$media_root" && sha256sum --quiet --strict -c "$src/media.sha256") || die "media files differ from the backup"
fi
echo "restore: $(wc -l < "$src/media.sha256") media files restored and checked" >&2

# Every table's row count must equal the count taken in the dump's snapshot (one psql call).
expected_counts=$(grep '^count\.' "$src/MANIFEST" | sed 's/^count\.//; s/=/|/' | LC_ALL=C sort)
actual_counts=$(
  while IFS='|' read -r table _; do
    if [ "$table" = migrations ]; then echo "SELECT 'migrations|' || count(*) FROM django_migrations;"
    else echo "SELECT '$table|' || count(*) FROM public.\"$table\";"; fi
  done <<< "$expected_counts" | psql "$db_url" -qAtX -v ON_ERROR_STOP=1 2>&1 | LC_ALL=C sort
) || true
bad=0
if [ "$actual_counts" != "$expected_counts" ]; then
  echo "restore: row counts differ (table|rows: < backup, > restored):" >&2
  diff <(echo "$expected_counts") <(echo "$actual_counts") | grep '^[<>]' >&2 || true
  bad=1
fi
[ $bad -eq 0 ] || die "row counts differ"
echo "restore: row counts of $(grep -c '^count\.' "$src/MANIFEST") tables equal the backup's" >&2
echo "restore: done. Next: luoshi audit verify; then start the web nodes and workers." >&2
