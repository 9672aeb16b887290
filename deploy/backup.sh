#!/usr/bin/env bash
# Back up Luoshi: the PostgreSQL database (pg_dump -Fc) and the media files (tar), with a MANIFEST
# of exact row counts taken in the dump's own snapshot and SHA-256 checksums of everything.
#
#   deploy/backup.sh [--env-file /etc/luoshi/luoshi.env] DEST_DIR
#
# Reads LUOSHI_DATABASE_URL (postgres://…) and LUOSHI_MEDIA_ROOT from the environment or the env
# file. Writes DEST_DIR/luoshi-<UTC time>/{db.dump, media.tar.gz, media.sha256, MANIFEST,
# SHA256SUMS} and prints that directory's path on the last line. The two keys are NOT in the
# backup (docs/deploy.md "The two keys"): keep them apart; the MANIFEST only has a fingerprint
# of the field key so that a restore can tell whether the right key is configured.
# Restore with deploy/restore.sh; scripts/restore_drill.sh performs the whole round trip.
set -euo pipefail
umask 077

die() { echo "backup: $*" >&2; exit 1; }
env_file=""
while [ $# -gt 0 ]; do
  case "$1" in
    --env-file) env_file=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || die "usage: backup.sh [--env-file FILE] DEST_DIR"
if [ -n "$env_file" ]; then set -a; . "$env_file"; set +a; fi
db_url=${LUOSHI_DATABASE_URL:?LUOSHI_DATABASE_URL is not set}
case "$db_url" in postgres://*|postgresql://*) ;; *) die "LUOSHI_DATABASE_URL is not a PostgreSQL URL" ;; esac
media_root=${LUOSHI_MEDIA_ROOT:-${LUOSHI_VAR_DIR:-var}/media}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$1/luoshi-$stamp"
mkdir -p "$out"
tmp="$out.partial"
rm -rf "$tmp"; mkdir "$tmp"
trap 'rm -rf "$tmp"' EXIT

# One REPEATABLE READ transaction exports its snapshot: pg_dump dumps exactly that snapshot and the
# row counts are read in it, so the MANIFEST's counts are the dump's counts even under writes.
coproc PSQL { psql "$db_url" -qAtX -v ON_ERROR_STOP=1 2>&1; }
exec {to_psql}>&"${PSQL[1]}" {from_psql}<&"${PSQL[0]}"
echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot();" >&$to_psql
read -r -t 30 snapshot <&$from_psql || die "could not open a snapshot on the database"
case "$snapshot" in [0-9A-F]*-*) ;; *) die "psql: $snapshot" ;; esac

pg_dump --format=custom --compress=6 --snapshot="$snapshot" --file="$tmp/db.dump" "$db_url" \
  || die "pg_dump failed"

{
  echo "SELECT format('SELECT %L || ''|'' || count(*) FROM %I.%I', tablename, schemaname, tablename)"
  echo "  FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename \\gexec"
  echo "SELECT 'migrations|' || count(*) FROM django_migrations;"
  echo "SELECT 'END';"
} >&$to_psql
counts=()
while read -r -t 120 line <&$from_psql; do
  [ "$line" = END ] && break
  case "$line" in *"|"*) counts+=("$line") ;; *) die "psql: $line" ;; esac
done
echo "COMMIT;" >&$to_psql
exec {to_psql}>&- {from_psql}<&-
eval "exec ${PSQL[1]}>&- ${PSQL[0]}<&-"  # psql sees end of input and exits
wait "$PSQL_PID" 2>/dev/null || true

# Media after the dump: every file the dumped rows refer to was written before its row committed.
mkdir -p "$media_root"
tar -C "$media_root" -czf "$tmp/media.tar.gz" .
(cd "$media_root" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) > "$tmp/media.sha256"

field_key=""
if [ -n "${LUOSHI_FIELD_KEY_FILE:-}" ] && [ -r "$LUOSHI_FIELD_KEY_FILE" ]; then
  field_key=$(tr -d '[:space:]' < "$LUOSHI_FIELD_KEY_FILE")
elif [ -n "${LUOSHI_FIELD_KEY:-}" ]; then
  field_key=$(printf %s "$LUOSHI_FIELD_KEY" | tr -d '[:space:]')
fi
{
  echo "format=luoshi-backup-1"
  echo "created_at=$stamp"
  echo "database=$(psql "$db_url" -qAtX -c 'SELECT current_database()')"
  echo "server_version=$(psql "$db_url" -qAtX -c 'SHOW server_version')"
  echo "pg_dump=$(pg_dump --version)"
  echo "snapshot=$snapshot"
  echo "media_files=$(wc -l < "$tmp/media.sha256")"
  if [ -n "$field_key" ]; then
    echo "field_key_sha256_16=$(printf %s "$field_key" | sha256sum | cut -c1-16)"
  fi
  for line in "${counts[@]}"; do echo "count.${line%%|*}=${line##*|}"; done
} > "$tmp/MANIFEST"
(cd "$tmp" && sha256sum db.dump media.tar.gz media.sha256 MANIFEST > SHA256SUMS)

rmdir "$out"
mv "$tmp" "$out"
trap - EXIT
echo "backup: $(grep -c '^count\.' "$out/MANIFEST") tables, $(wc -l < "$out/media.sha256") media files," \
  "$(du -sh "$out" | cut -f1) in" >&2
echo "$out"
