#!/usr/bin/env bash
# The spec's daily backup, configurable by environment, for cron jobs outside the service
# (the service takes the same backups itself; see README "Operations").
#
#   BACKUP_DIR             where backups go (default /backups/postgres)
#   BACKUP_RETENTION_DAYS  delete backups older than this many days (default 30)
#   DATABASE_URL           postgres://user:pass@host:port/db, or else DB_HOST, DB_PORT (9099),
#                          DB_USER (localdev), DB_PASSWORD / DB_PASSWORD_FILE, DB_NAME (claude_code_stats)
#   PG_DUMP                the pg_dump to run (default: pg_dump in PATH); it must be the server's major or newer
set -euo pipefail

BACKUP_DIR="${BACKUP_DIR:-/backups/postgres}"
RETENTION_DAYS="${BACKUP_RETENTION_DAYS:-30}"
PG_DUMP="${PG_DUMP:-pg_dump}"
TIMESTAMP="$(date -u +%Y%m%d_%H%M%S)"
TARGET="$BACKUP_DIR/backup_$TIMESTAMP.sql.gz"

mkdir -p "$BACKUP_DIR"

# DATABASE_URL → libpq variables, so the password never appears on a command line (ps shows those).
urldecode() { local s="${1//+/ }"; printf '%b' "${s//%/\\x}"; }
export_libpq_env() {
  if [[ -n "${DATABASE_URL:-}" ]]; then
    local re='^postgres(ql)?://(([^:@/]*)(:([^@/]*))?@)?([^:/?]*)(:([0-9]+))?(/([^?]*))?(\?(.*))?$'
    [[ "$DATABASE_URL" =~ $re ]] || { echo "DATABASE_URL is not a postgres:// URL" >&2; exit 64; }
    export PGUSER="$(urldecode "${BASH_REMATCH[3]:-postgres}")"
    export PGPASSWORD="$(urldecode "${BASH_REMATCH[5]}")"
    export PGHOST="${BASH_REMATCH[6]:-localhost}" PGPORT="${BASH_REMATCH[8]:-5432}"
    export PGDATABASE="$(urldecode "${BASH_REMATCH[10]:-$PGUSER}")"
    if [[ "${BASH_REMATCH[12]}" =~ (^|&)sslmode=([^&]*) ]]; then export PGSSLMODE="${BASH_REMATCH[2]}"; fi
  else
    export PGHOST="${DB_HOST:-localhost}" PGPORT="${DB_PORT:-9099}" PGUSER="${DB_USER:-localdev}" PGDATABASE="${DB_NAME:-claude_code_stats}"
    if [[ -n "${DB_PASSWORD_FILE:-}" ]]; then PGPASSWORD="$(cat "$DB_PASSWORD_FILE")"; else PGPASSWORD="${DB_PASSWORD:-db-test-pass}"; fi
    export PGPASSWORD
  fi
}
export_libpq_env

# Write to .tmp and rename on success: a failed dump never leaves a file that looks like a backup.
trap 'rm -f "$TARGET.tmp"' EXIT
"$PG_DUMP" --no-owner --no-privileges | gzip > "$TARGET.tmp"
mv "$TARGET.tmp" "$TARGET"
echo "wrote $TARGET ($(stat -c %s "$TARGET") bytes)"

# Keep only the last RETENTION_DAYS days of backups.
find "$BACKUP_DIR" -maxdepth 1 -name 'backup_*.sql.gz' -mtime +"$RETENTION_DAYS" -delete
