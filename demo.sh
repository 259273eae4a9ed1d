#!/usr/bin/env bash
# The main job: starts a local Azurite (installed from npm into ./node_modules), seeds 10,000 generated accounts, runs a
# full sweep (prices from the simulated demo market, work items through the real Azure Storage queue, results, history
# and liquidation orders in Azure Table Storage) and prints the summary. Stops Azurite again unless --keep is given.
#
#   ./demo.sh                 # 10,000 accounts
#   ./demo.sh --accounts 100000 --workers 4
#   ./demo.sh --keep          # leave Azurite running, to explore with `margin accounts show`, `margin orders list`, ...
#   ./demo.sh --broker        # also start a local AMQP 1.0 broker (RabbitMQ, scripts/rabbitmq.sh; apt-get installs it
#                             # when missing) and publish the liquidation orders to it, as to Service Bus (CBS off), into
#                             # the durable queue liquidation-orders (scripts/rabbitmq.sh declare)
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "demo.sh: the .NET SDK (dotnet) is required; see README.md" >&2
  exit 2
fi

keep=0
broker=0
args=()
for a in "$@"; do
  case "$a" in
    --keep) keep=1 ;;
    --broker) broker=1 ;;
    *) args+=("$a") ;;
  esac
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

stop_all() {
  # The demo's broker and its queue go with it (a durable queue would otherwise collect every run's orders).
  [ "${broker_started:-0}" = 1 ] && scripts/rabbitmq.sh stop --wipe >/dev/null 2>&1 || true
  [ "$started" = 1 ] && scripts/azurite.sh stop >/dev/null || true
}
if [ "$keep" = 0 ]; then
  trap stop_all EXIT
fi

if [ "$broker" = 1 ]; then
  # A local AMQP 1.0 broker stands in for Service Bus: no $cbs node (CBS off), no TLS, no sessions, and it delivers a batched
  # transfer as one message, so orders are pipelined one per transfer (docs/rabbitmq.md). The orders queue is declared
  # durable first and addressed as /amq/queue/NAME, so the orders (persistent messages) survive a broker restart; a bare
  # name would declare a non-durable queue on first attach, which a restart deletes with its orders.
  scripts/rabbitmq.sh install
  if ! scripts/rabbitmq.sh status >/dev/null 2>&1; then broker_started=1; fi
  amqp_port="$(scripts/rabbitmq.sh start | tail -n 1)"
  scripts/rabbitmq.sh declare liquidation-orders
  broker_settings=(MARGIN_ServiceBus__FullyQualifiedNamespace=127.0.0.1 MARGIN_ServiceBus__Port="$amqp_port"
    MARGIN_ServiceBus__UseCbs=false MARGIN_ServiceBus__UseTls=false MARGIN_ServiceBus__Batching=false
    MARGIN_ServiceBus__OrdersQueue=/amq/queue/liquidation-orders MARGIN_ServiceBus__OrdersQueueSessions=false
    MARGIN_ServiceBus__EventsQueueSessions=false)
  export "${broker_settings[@]}"
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
  if [ "$broker" = 1 ]; then
    echo "RabbitMQ keeps running on amqp://127.0.0.1:$amqp_port with the orders in the durable queue liquidation-orders"
    echo "(scripts/rabbitmq.sh ctl -- list_queues name durable messages). To read them:"
    echo "  export ${broker_settings[*]}"
    echo "  dotnet src/Margin.Cli/bin/Release/net10.0/margin.dll orders tail --count 5"
    echo "Stop it with: scripts/rabbitmq.sh stop"
  fi
fi
