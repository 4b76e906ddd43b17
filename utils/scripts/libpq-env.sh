# Sourced by backup.sh and restore.sh: the service's connection settings (DATABASE_URL, or DB_HOST,
# DB_PORT, DB_USER, DB_PASSWORD or DB_PASSWORD_FILE, DB_NAME with the service's defaults) as libpq
# variables, so the password never appears on a command line (ps shows those).
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
