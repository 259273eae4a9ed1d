#!/usr/bin/env bash
# The main job: evaluates the shipped example book with the margin engine and prints a table.
# (Later versions run a full sweep against a locally started Azurite.)
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "demo.sh: the .NET SDK (dotnet) is required; see README.md" >&2
  exit 2
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log=$(mktemp)
if ! dotnet build src/Margin.Cli -c Release -nologo -v quiet >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
exec dotnet run --project src/Margin.Cli -c Release --no-build -- demo "$@"
