#!/usr/bin/env bash
# Uploads this machine's Claude Code usage (ccusage's daily report) to a Claude Code Stats Server.
#
#   CCSTATS_URL=https://stats.example.com CCSTATS_TOKEN=ccs_… utils/scripts/upload.sh
#
# CCSTATS_URL     the server (default http://localhost:3000)
# CCSTATS_TOKEN   your upload token (required; POST /api/v1/users gives you one)
# CCSTATS_DEVICE  this machine's label (default: the host name); each device's days are kept apart
# CCUSAGE         the ccusage command (default: npx ccusage@latest)
# Run it from cron or a shell hook as often as you like: re-uploading unchanged days changes nothing.
set -euo pipefail

url="${CCSTATS_URL:-http://localhost:3000}"
token="${CCSTATS_TOKEN:?set CCSTATS_TOKEN to your upload token}"
device="${CCSTATS_DEVICE:-$(hostname -s 2>/dev/null || hostname)}"
ccusage="${CCUSAGE:-npx --yes ccusage@latest}"

encoded_device=$(node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$device")

# --offline: prices from ccusage's built-in table (reproducible); --timezone UTC: the server's days are UTC days.
$ccusage claude daily --json --offline --timezone UTC |
  curl --fail-with-body -sS -X POST "${url%/}/api/v1/uploads?device=${encoded_device}&tz=UTC" \
    -H "Authorization: Bearer ${token}" \
    -H 'Content-Type: application/json' \
    --data-binary @-
echo
