#!/usr/bin/env bash
# Local Azurite for the demo and for developers: installed from npm into ./node_modules (never globally), started on
# 127.0.0.1 with on-disk storage in a fresh temporary folder and --skipApiVersionCheck, stopped by its PID.
#
#   scripts/azurite.sh install  # npm ci when node_modules/azurite is missing or package-lock.json's content changed (test.sh uses this)
#   scripts/azurite.sh start    # idempotent: reuses the instance this script started if it is still running
#   scripts/azurite.sh stop     # TERM, then KILL after 10 s; removes its storage folder
#   scripts/azurite.sh status
#   scripts/azurite.sh connection-string
#
# Ports: AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT, AZURITE_TABLE_PORT (default 10000, 10001, 10002). The tests do not use
# this script's instance: each test assembly starts its own on free ports (tests/*/Azurite/AzuriteInstance.cs).
# Why on disk and not --inMemoryPersistence: in memory, after some 20k queue messages Azurite's cleanup pins the CPU,
# deletes outlive visibility timeouts and it ignores SIGTERM (ARCHITECTURE.md, "Local and test infrastructure").
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
state="$root/.azurite"
pidfile="$state/azurite.pid"
blob=${AZURITE_BLOB_PORT:-10000}
queue=${AZURITE_QUEUE_PORT:-10001}
table=${AZURITE_TABLE_PORT:-10002}
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

running() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

answers() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The lock file's content hash, recorded after a successful install: a checkout's file times say nothing about whether
# the lock changed (a fresh clone or worktree is newer than an install made from the same lock).
lock_hash() {
  sha256sum "$root/package-lock.json" | cut -d' ' -f1
}

install() {
  local stamp="$root/node_modules/.margin-lock.sha256"
  if [ ! -f "$root/node_modules/azurite/package.json" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(lock_hash)" ]; then
    command -v npm >/dev/null 2>&1 || { echo "azurite.sh: Node.js with npm is required (Azurite is an npm package); see README.md" >&2; exit 2; }
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error) || { echo "azurite.sh: npm ci failed: Azurite could not be installed" >&2; exit 2; }
    lock_hash >"$stamp"
  fi
}

start() {
  if running; then
    echo "azurite.sh: already running (pid $(cat "$pidfile"), storage $(cat "$state/location"))"
    return 0
  fi
  install
  for port in "$blob" "$queue" "$table"; do
    if answers "$port"; then
      echo "azurite.sh: port $port on 127.0.0.1 is taken by another process (not started by this script); set AZURITE_BLOB_PORT/AZURITE_QUEUE_PORT/AZURITE_TABLE_PORT" >&2
      exit 2
    fi
  done
  mkdir -p "$state"
  location=$(mktemp -d "${TMPDIR:-/tmp}/margin-azurite-XXXXXX")
  echo "$location" >"$state/location"
  node "$root/node_modules/azurite/dist/src/azurite.js" \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
    --blobPort "$blob" --queuePort "$queue" --tablePort "$table" \
    --location "$location" --skipApiVersionCheck --disableTelemetry --silent \
    >"$state/azurite.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 150); do
    if answers "$table" && answers "$queue"; then
      echo "azurite.sh: started (pid $(cat "$pidfile")) on 127.0.0.1 blob $blob, queue $queue, table $table; storage in $location"
      return 0
    fi
    if ! running; then
      echo "azurite.sh: Azurite exited during start-up; its log:" >&2
      cat "$state/azurite.log" >&2
      rm -f "$pidfile"
      exit 1
    fi
    sleep 0.2
  done
  echo "azurite.sh: Azurite did not answer on 127.0.0.1:$table within 30 s; stopping it" >&2
  stop
  exit 1
}

stop() {
  if ! running; then
    rm -f "$pidfile"
    echo "azurite.sh: not running"
    return 0
  fi
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  [ -f "$state/location" ] && rm -rf "$(cat "$state/location")" "$state/location"
  rm -f "$pidfile"
  echo "azurite.sh: stopped (pid $pid)"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running (pid $(cat "$pidfile"))"; else echo "not running"; exit 3; fi ;;
  connection-string)
    echo "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;" ;;
  *) echo "usage: scripts/azurite.sh install|start|stop|status|connection-string" >&2; exit 2 ;;
esac
