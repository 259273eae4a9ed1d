#!/usr/bin/env bash
# Runs every test project in the solution and ends with one line: "N passed, M failed".
# Usage: ./test.sh [extra dotnet test arguments]
# Installs what the tests need first (idempotent): the .NET packages via restore, Azurite (npm, into ./node_modules,
# pinned by package-lock.json) for the storage tests, and RabbitMQ (apt, as root) for the broker tests; the tests start and
# stop their own instances.
set -uo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET SDK (dotnet) is required; see README.md" >&2
  exit 2
fi

# Azurite into ./node_modules (npm ci only when it is missing or the lock file changed); the tests start their own instances.
scripts/azurite.sh install || exit 2
# RabbitMQ 3.10 with the AMQP 1.0 plugin from Debian (apt-get only when it is missing) for the broker integration tests,
# which start their own instance through scripts/rabbitmq.sh.
scripts/rabbitmq.sh install || exit 2

results=".artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet build MarginFunctions.sln -c Release -nologo -v quiet
status=$?

# One results folder per test project, so that TRX files never collide.
if [ "$status" -eq 0 ]; then
  for project in tests/*/*.csproj; do
    name=$(basename "$project" .csproj)
    dotnet test "$project" -c Release --no-build \
      --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
      --results-directory "$results/$name" "$@" || status=$?
  done
fi

passed=0
failed=0
shopt -s nullglob
trx=("$results"/*/*.trx)
for f in "${trx[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  fl=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${fl:-0}))
done

if [ "${#trx[@]}" -eq 0 ]; then
  echo "test.sh: no test results were written (did the build fail?)" >&2
  [ "$status" -eq 0 ] && status=1
fi

echo "${passed} passed, ${failed} failed"
exit "$status"
