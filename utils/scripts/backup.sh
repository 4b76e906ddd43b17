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

# shellcheck source=libpq-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/libpq-env.sh"

# Write to .tmp and rename on success: a failed dump never leaves a file that looks like a backup.
trap 'rm -f "$TARGET.tmp"' EXIT
"$PG_DUMP" --no-owner --no-privileges | gzip > "$TARGET.tmp"
mv "$TARGET.tmp" "$TARGET"
echo "wrote $TARGET ($(stat -c %s "$TARGET") bytes)"

# Keep only the last RETENTION_DAYS days of backups.
find "$BACKUP_DIR" -maxdepth 1 -name 'backup_*.sql.gz' -mtime +"$RETENTION_DAYS" -delete
