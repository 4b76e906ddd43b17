#!/usr/bin/env bash
# Restores a backup (backup_YYYYMMDD_HHMMSS.sql.gz) into an EMPTY database.
#
#   External PostgreSQL: DATABASE_URL, or DB_HOST, DB_PORT (9099), DB_USER (localdev),
#     DB_PASSWORD / DB_PASSWORD_FILE, DB_NAME (claude_code_stats). Create the database first
#     (createdb); the script refuses one that already has tables. Runs psql in one transaction,
#     stopping at the first error.
#   Embedded database (neither DATABASE_URL nor DB_HOST set): DATA_DIR (default ./data) must be new
#     or empty; stop the service first. Needs a build (npm run build).
#
#   utils/scripts/restore.sh backups/backup_20261126_030000.sql.gz
set -euo pipefail

FILE="${1:?usage: restore.sh <backup.sql.gz>}"
[[ -r "$FILE" ]] || { echo "cannot read $FILE" >&2; exit 66; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

if [[ -z "${DATABASE_URL:-}" && -z "${DB_HOST:-}" ]]; then
  exec node "$ROOT/dist/scripts/restore-embedded.js" "$FILE" "${DATA_DIR:-./data}"
fi

PSQL="${PSQL:-psql}"
# shellcheck source=libpq-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/libpq-env.sh"

tables="$("$PSQL" -XAtq -c "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")"
if [[ "$tables" != "0" ]]; then
  echo "the target database already has $tables tables; restore into a new, empty database" >&2
  exit 1
fi

# \restrict lines (pg_dump 17.6+/15.14+) are psql meta-commands that psql itself understands.
gunzip -c "$FILE" | "$PSQL" -X -q -v ON_ERROR_STOP=1 --single-transaction >/dev/null
echo "restored $FILE"
