#!/usr/bin/env bash
# Runs every test project in the solution and ends with one line: "N passed, M failed".
# Usage: ./test.sh [extra dotnet test arguments]
# Installs what the tests need first (idempotent): the .NET packages via restore, Azurite (npm, into ./node_modules,
# pinned by package-lock.json) for the storage tests, RabbitMQ (apt, as root; without root and without RabbitMQ a
# warning, and the broker tests fail) for the broker tests, and Chromium (likewise) for the report's browser tests; the
# tests start and stop their own instances. The browser tests keep their screenshots in .artifacts/test-results/screenshots/.
set -uo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET SDK (dotnet) is required; see README.md" >&2
  exit 2
fi

# Azurite into ./node_modules (npm ci only when it is missing or the lock file changed); the tests start their own instances.
scripts/azurite.sh install || exit 2
# RabbitMQ 3.10 with the AMQP 1.0 plugin from Debian (apt-get only when it is missing) for the broker integration tests,
# which start their own instance through scripts/rabbitmq.sh. As root (CI) the install is compulsory. A developer who is
# not root and lacks RabbitMQ (exit 4) is warned and the other tests run; the broker tests then fail, never skip, saying
# how to install it.
rabbitmq=0
scripts/rabbitmq.sh install || rabbitmq=$?
if [ "$rabbitmq" = 4 ] && [ "$(id -u)" != 0 ]; then
  {
    echo "test.sh: WARNING: RabbitMQ is not installed, so the RabbitMQ broker tests will FAIL (the other tests run)."
    echo "test.sh: install it with 'sudo scripts/rabbitmq.sh install' (or 'sudo apt-get install rabbitmq-server'), or run ./test.sh as root."
  } >&2
elif [ "$rabbitmq" != 0 ]; then
  exit 2
fi
# Chromium from Debian (apt-get only when it is missing) for the report's browser tests, which start their own headless
# instance. As for RabbitMQ: compulsory as root; without root and without Chromium (exit 4) a warning, and the browser
# tests fail, never skip, saying how to install it.
chromium=0
scripts/chromium.sh install || chromium=$?
if [ "$chromium" = 4 ] && [ "$(id -u)" != 0 ]; then
  {
    echo "test.sh: WARNING: Chromium is not installed, so the report's browser tests will FAIL (the other tests run)."
    echo "test.sh: install it with 'sudo scripts/chromium.sh install' (or 'sudo apt-get install chromium'), or run ./test.sh as root."
  } >&2
elif [ "$chromium" != 0 ]; then
  exit 2
fi

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
