#!/usr/bin/env bash
# The main job: starts a local Azurite (installed from npm into ./node_modules), seeds 10,000 generated accounts, runs a
# full sweep (prices from the simulated demo market, work items through the real Azure Storage queue, results, history
# and liquidation orders in Azure Table Storage) and prints the summary. Stops Azurite again unless --keep is given.
#
#   ./demo.sh                 # 10,000 accounts
#   ./demo.sh --accounts 100000 --workers 4
#   ./demo.sh --keep          # leave Azurite running, to explore with `margin accounts show`, `margin orders list`, ...
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "demo.sh: the .NET SDK (dotnet) is required; see README.md" >&2
  exit 2
fi

keep=0
args=()
for a in "$@"; do
  if [ "$a" = "--keep" ]; then keep=1; else args+=("$a"); fi
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log=$(mktemp)
if ! dotnet build src/Margin.Cli -c Release -nologo -v quiet >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"

started=0
if ! scripts/azurite.sh status >/dev/null 2>&1; then
  scripts/azurite.sh start
  started=1
fi
if [ "$started" = 1 ] && [ "$keep" = 0 ]; then
  trap 'scripts/azurite.sh stop >/dev/null' EXIT
fi

MARGIN_STORAGE="$(scripts/azurite.sh connection-string)" dotnet src/Margin.Cli/bin/Release/net10.0/margin.dll demo "${args[@]}"
if [ "$keep" = 1 ]; then
  echo
  echo "Azurite keeps running. Explore with, for example:"
  echo "  export MARGIN_STORAGE=\"\$(scripts/azurite.sh connection-string)\""
  echo "  dotnet src/Margin.Cli/bin/Release/net10.0/margin.dll sweeps show"
  echo "  dotnet src/Margin.Cli/bin/Release/net10.0/margin.dll orders list"
  echo "  dotnet src/Margin.Cli/bin/Release/net10.0/margin.dll accounts show acct-000001"
  echo "Stop it with: scripts/azurite.sh stop"
fi
