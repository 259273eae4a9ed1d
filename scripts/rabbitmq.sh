#!/usr/bin/env bash
# Local RabbitMQ 3.10 (Debian) with the AMQP 1.0 plugin, for the broker integration tests and for developers: an instance
# of its own under one folder (data, logs, config, enabled plugins, Erlang cookie, PIDs), loopback only, with its own epmd
# on its own port, so it never collides with a system RabbitMQ or with another instance of this script.
#
#   scripts/rabbitmq.sh install  # apt-get install rabbitmq-server when it is missing (test.sh uses this); needs root then.
#                                # The package's own service is kept from starting and disabled. Exit 4: not installed and
#                                # this script cannot install it (not root, no apt-get); 2: the install failed
#   scripts/rabbitmq.sh start    # idempotent: reuses the instance in the folder if it is running; prints the AMQP port
#   scripts/rabbitmq.sh stop     # rabbitmqctl stop, then the epmd this script started; TERM, then KILL, by recorded PID
#   scripts/rabbitmq.sh restart  # stop + start on the same folder and ports (durable queues and messages survive)
#   scripts/rabbitmq.sh kill     # a crash for tests: SIGKILL to this instance's Erlang VM and wrapper (epmd stays); start recovers
#   scripts/rabbitmq.sh status   # exit 0 when running, 3 when not
#   scripts/rabbitmq.sh declare [options] QUEUE  # declares a durable classic queue (idempotent); clients then send to
#                                # /amq/queue/QUEUE (see docs/rabbitmq.md); fails if QUEUE exists and is not durable
#   scripts/rabbitmq.sh ctl [options] -- ARGS  # rabbitmqctl ARGS against this instance, e.g. -- list_queues name durable messages
#
# Options (flags win over the environment; the folder remembers them, so stop/status/restart need only the folder):
#   --dir DIR          RABBITMQ_INSTANCE_DIR  default: .rabbitmq/ in the repository (gitignored)
#   --port PORT        RABBITMQ_AMQP_PORT     default 5672; when not given and 5672 is taken, a free port is used
#   --dist-port PORT   RABBITMQ_DIST_PORT     Erlang distribution port; default AMQP port + 20000 if free, else a free one
#   --epmd-port PORT   RABBITMQ_EPMD_PORT     this instance's epmd; default a free port from 24369 up
#   --node NAME        RABBITMQ_NODE_NAME     default margin-AMQPPORT@localhost
#   --timeout SECONDS  RABBITMQ_START_TIMEOUT default 120
#   --wipe             (stop) also delete the folder
#
# AMQP 1.0 clients connect to amqp://127.0.0.1:PORT with SASL ANONYMOUS (mapped to guest) or PLAIN guest:guest. There is
# no $cbs node: switch CBS off for this broker. See docs/rabbitmq.md for what it keeps of the Service Bus message mapping.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin=/usr/lib/rabbitmq/bin     # the real scripts: /usr/sbin/rabbitmq-* wrappers su to the rabbitmq user and drop the environment

command_name="${1:-}"
[ $# -gt 0 ] && shift
dir="${RABBITMQ_INSTANCE_DIR:-$root/.rabbitmq}"
port="${RABBITMQ_AMQP_PORT:-}"
dist_port="${RABBITMQ_DIST_PORT:-}"
epmd_port="${RABBITMQ_EPMD_PORT:-}"
node="${RABBITMQ_NODE_NAME:-}"
timeout="${RABBITMQ_START_TIMEOUT:-120}"
wipe=0
ctl_args=()
queue=""
while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; ctl_args=("$@"); break ;;
    --dir) dir="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --dist-port) dist_port="$2"; shift 2 ;;
    --epmd-port) epmd_port="$2"; shift 2 ;;
    --node) node="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --wipe) wipe=1; shift ;;
    -*) echo "rabbitmq.sh: unknown option '$1'" >&2; exit 2 ;;
    *)
      if [ "$command_name" = declare ] && [ -z "$queue" ]; then queue="$1"; shift
      else echo "rabbitmq.sh: unexpected argument '$1'" >&2; exit 2; fi ;;
  esac
done
dir="$(realpath -m "$dir")"
instance="$dir/instance.env"

say() { echo "rabbitmq.sh: $*"; }
fail() { echo "rabbitmq.sh: $1" >&2; exit "${2:-1}"; }

answers() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Seconds since $1 (date +%s%N), with one decimal; no bc on a fresh Debian.
elapsed() {
  local ms=$(( ($(date +%s%N) - $1) / 1000000 ))
  printf '%d.%ds' $((ms / 1000)) $(((ms % 1000) / 100))
}

# Whether the process in PID file $1 runs (a zombie does not: containers often have no init that reaps them).
alive() {
  [ -f "$1" ] && pid_alive "$(cat "$1")"
}

pid_alive() {
  kill -0 "$1" 2>/dev/null && ! grep -q '^[^)]*) Z' "/proc/$1/stat" 2>/dev/null
}

# First port from $1 upwards that nothing on 127.0.0.1 answers and that is not in the remaining arguments.
free_port() {
  local candidate="$1"
  shift
  while [ "$candidate" -le 65535 ]; do
    if ! answers "$candidate" && [[ " $* " != *" $candidate "* ]]; then
      echo "$candidate"
      return 0
    fi
    candidate=$((candidate + 1))
  done
  fail "no free port on 127.0.0.1 from $1 up" 2
}

plugin_installed() {
  compgen -G "/usr/lib/rabbitmq/lib/rabbitmq_server-*/plugins/rabbitmq_amqp1_0-*" >/dev/null
}

# Whether dpkg has package $1 installed (not merely known or removed with its configuration left).
package_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

policy=/usr/sbin/policy-rc.d
policy_marker="# written by MarginFunctions scripts/rabbitmq.sh install; removed when the install ends"

# Removes the policy-rc.d that install wrote, and only that one (still carrying its marker line).
remove_policy() {
  if [ -f "$policy" ] && grep -qxF "$policy_marker" "$policy" 2>/dev/null; then
    rm -f "$policy"
  fi
}

install() {
  # A policy-rc.d this script wrote and could not remove (the install was killed) would block every service start on the
  # host: take it away first. It carries the marker; any other policy-rc.d is never touched.
  [ "$(id -u)" = 0 ] && remove_policy
  if [ -x "$bin/rabbitmq-server" ] && command -v epmd >/dev/null 2>&1 && plugin_installed; then
    return 0
  fi
  local how="install it with 'sudo scripts/rabbitmq.sh install' (apt-get install rabbitmq-server, with the package's own service kept stopped and disabled), or 'sudo apt-get install rabbitmq-server'"
  command -v apt-get >/dev/null 2>&1 || fail "RabbitMQ is not installed and apt-get is missing: install rabbitmq-server 3.10 with the rabbitmq_amqp1_0 plugin by hand" 4
  [ "$(id -u)" = 0 ] || fail "RabbitMQ (rabbitmq-server 3.10 with the rabbitmq_amqp1_0 plugin) is not installed: $how" 4
  local log had_server=0 had_erlang=0
  package_installed rabbitmq-server && had_server=1
  package_installed erlang-base && had_erlang=1
  log=$(mktemp)
  # The package's own service is not wanted: on a systemd host its postinst would start a system broker on 0.0.0.0:5672
  # and epmd on *:4369 and leave them running. A policy-rc.d that answers 101 ("action forbidden") keeps invoke-rc.d and
  # deb-systemd-invoke from starting anything during the install. Only when there is none already (containers have one);
  # the one written here is removed when the install ends, also on failure or interruption.
  if [ ! -e "$policy" ] && [ ! -L "$policy" ]; then
    trap 'remove_policy' EXIT
    trap 'remove_policy; exit 130' INT
    trap 'remove_policy; exit 143' TERM
    trap 'remove_policy; exit 129' HUP
    printf '#!/bin/sh\n%s\nexit 101\n' "$policy_marker" >"$policy"
    chmod 755 "$policy"
  fi
  # Only when the install fails for want of package lists is apt-get update run.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rabbitmq-server >"$log" 2>&1; then
    if grep -q -E "Unable to locate package|has no installation candidate|Failed to fetch|404" "$log"; then
      apt-get update >>"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; fail "apt-get update failed" 2; }
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rabbitmq-server >>"$log" 2>&1 \
        || { cat "$log" >&2; rm -f "$log"; fail "apt-get install rabbitmq-server failed" 2; }
    else
      cat "$log" >&2; rm -f "$log"; fail "apt-get install rabbitmq-server failed" 2
    fi
  fi
  rm -f "$log"
  remove_policy
  trap - EXIT INT TERM HUP
  # The postinst enabled the units even where it could not start them: disable them (and stop them, should anything have
  # started them) so no system broker or epmd runs now or after a reboot. Only units of packages this run installed: a
  # RabbitMQ or epmd that was there before is not this script's to stop.
  if command -v systemctl >/dev/null 2>&1; then
    local units=()
    [ "$had_server" = 0 ] && package_installed rabbitmq-server && units+=(rabbitmq-server.service)
    [ "$had_erlang" = 0 ] && package_installed erlang-base && units+=(epmd.socket epmd.service)
    if [ "${#units[@]}" -gt 0 ]; then
      if [ -d /run/systemd/system ]; then
        systemctl disable --now "${units[@]}" >/dev/null 2>&1 || true
      else
        systemctl disable "${units[@]}" >/dev/null 2>&1 || true   # no systemd running (a container): only the links
      fi
    fi
  fi
  plugin_installed || fail "rabbitmq-server is installed but has no rabbitmq_amqp1_0 plugin" 2
  say "installed $(dpkg-query -W -f='rabbitmq-server ${Version}' rabbitmq-server 2>/dev/null || echo rabbitmq-server)"
}

# The environment every rabbitmq-* command of this instance runs with: nothing from /etc/rabbitmq or /var/lib/rabbitmq.
instance_environment() {
  export HOME="$dir"   # the Erlang cookie of this instance: $dir/.erlang.cookie, shared by the server and rabbitmqctl
  export RABBITMQ_NODENAME="$node"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT="$port"
  export RABBITMQ_DIST_PORT="$dist_port"
  export ERL_EPMD_ADDRESS=127.0.0.1
  export ERL_EPMD_PORT="$epmd_port"
  export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
  export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$dir/mnesia"
  export RABBITMQ_LOG_BASE="$dir/log"
  export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  # rabbitmqctl and rabbitmq-plugins start an Erlang node of their own, whose distribution port (35672-35682) would listen
  # on every interface while the command runs.
  export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

load_instance() {
  if [ -f "$instance" ]; then
    # shellcheck disable=SC1090
    . "$instance"
    port="${port:-$saved_port}"
    dist_port="${dist_port:-$saved_dist_port}"
    epmd_port="${epmd_port:-$saved_epmd_port}"
    node="${node:-$saved_node}"
  fi
}

running() {
  alive "$dir/server.pid"
}

ctl() {
  "$bin/rabbitmqctl" -n "$node" "$@"
}

start() {
  load_instance
  if running; then
    say "already running (pid $(cat "$dir/server.pid"), node $node) in $dir"
    echo "$port"
    return 0
  fi
  install
  if [ -z "$port" ]; then
    port=$(free_port 5672)
  elif answers "$port"; then
    fail "port $port on 127.0.0.1 is taken by another process (not this instance); choose another with --port" 2
  fi
  [ -n "$dist_port" ] || { if [ $((port + 20000)) -le 65535 ]; then dist_port=$(free_port $((port + 20000)) "$port"); else dist_port=$(free_port 20000 "$port"); fi; }
  [ -n "$epmd_port" ] || epmd_port=$(free_port 24369 "$port" "$dist_port")
  [ -n "$node" ] || node="margin-$port@localhost"
  for p in "$dist_port" "$epmd_port"; do
    answers "$p" && ! alive "$dir/epmd.pid" && fail "port $p on 127.0.0.1 is taken by another process; choose --dist-port/--epmd-port" 2
  done
  mkdir -p "$dir/mnesia" "$dir/log"
  cat >"$instance" <<EOF
saved_port=$port
saved_dist_port=$dist_port
saved_epmd_port=$epmd_port
saved_node=$node
EOF
  instance_environment
  if [ ! -f "$dir/.erlang.cookie" ]; then
    (umask 077 && head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$dir/.erlang.cookie")
    chmod 400 "$dir/.erlang.cookie"
  fi
  cat >"$dir/rabbitmq.conf" <<EOF
# Written by scripts/rabbitmq.sh: loopback only; AMQP 1.0 without SASL credentials maps to guest (SASL ANONYMOUS).
listeners.tcp.local = 127.0.0.1:$port
loopback_users.guest = true
amqp1_0.default_user = guest
log.console = false
log.file.level = info
EOF
  : >"$dir/rabbitmq-env.conf"
  local started
  started=$(date +%s%N)
  if [ ! -f "$dir/enabled_plugins" ]; then
    "$bin/rabbitmq-plugins" enable --offline rabbitmq_amqp1_0 >"$dir/log/plugins.log" 2>&1 \
      || { cat "$dir/log/plugins.log" >&2; fail "rabbitmq-plugins enable --offline rabbitmq_amqp1_0 failed"; }
  fi
  if ! alive "$dir/epmd.pid"; then
    # Its own epmd, in the foreground of a background job, so that its PID is known and stop ends exactly this one.
    setsid epmd -address 127.0.0.1 -port "$epmd_port" </dev/null >"$dir/log/epmd.log" 2>&1 &
    echo $! >"$dir/epmd.pid"
    for _ in $(seq 1 50); do answers "$epmd_port" && break; sleep 0.1; done
    answers "$epmd_port" || { cat "$dir/log/epmd.log" >&2; fail "epmd did not listen on 127.0.0.1:$epmd_port"; }
  fi
  # In the background rather than -detached: the wrapper's PID is known at once (it forwards TERM to the Erlang VM).
  setsid "$bin/rabbitmq-server" </dev/null >"$dir/log/server.out" 2>&1 &
  echo $! >"$dir/server.pid"
  local deadline=$(( $(date +%s) + timeout ))
  until answers "$port"; do
    if ! running; then
      echo "rabbitmq.sh: the server exited during start-up; its output:" >&2
      tail -n 60 "$dir/log/server.out" >&2 || true
      stop_epmd
      rm -f "$dir/server.pid"
      exit 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "rabbitmq.sh: nothing listened on 127.0.0.1:$port within ${timeout}s; stopping it. Its output:" >&2
      tail -n 60 "$dir/log/server.out" >&2 || true
      stop >&2
      exit 1
    fi
    sleep 0.2
  done
  if ! ctl await_startup --timeout "$timeout" >"$dir/log/await.log" 2>&1; then
    echo "rabbitmq.sh: rabbitmqctl await_startup failed:" >&2
    cat "$dir/log/await.log" >&2
    stop >&2
    exit 1
  fi
  say "started node $node (pid $(cat "$dir/server.pid")) in $(elapsed "$started"); AMQP 1.0 on amqp://127.0.0.1:$port; folder $dir"
  echo "$port"
}

stop_epmd() {
  if alive "$dir/epmd.pid"; then
    local pid
    pid=$(cat "$dir/epmd.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 25); do pid_alive "$pid" || break; sleep 0.2; done
    pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/epmd.pid"
}

stop() {
  load_instance
  if running; then
    local pid beam=""
    pid=$(cat "$dir/server.pid")
    [ -f "$dir/rabbitmq.pid" ] && beam=$(cat "$dir/rabbitmq.pid")
    instance_environment
    ctl stop --timeout 60 >"$dir/log/stop.log" 2>&1 || true
    for _ in $(seq 1 100); do pid_alive "$pid" || break; sleep 0.2; done
    if pid_alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do pid_alive "$pid" || break; sleep 0.2; done
    fi
    if pid_alive "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
    # The Erlang VM this instance's server wrote into its own PID file, if it outlived the wrapper.
    if [ -n "$beam" ] && pid_alive "$beam" && grep -q -- "$dir" "/proc/$beam/environ" 2>/dev/null; then
      kill -KILL "$beam" 2>/dev/null || true
    fi
    rm -f "$dir/server.pid" "$dir/rabbitmq.pid"
    stop_epmd
    say "stopped node $node (pid $pid)"
  else
    # The wrapper is gone; an Erlang VM of this instance (its PID file, its folder in the environment) may not be.
    if [ -f "$dir/rabbitmq.pid" ]; then
      local orphan
      orphan=$(cat "$dir/rabbitmq.pid")
      if pid_alive "$orphan" && grep -q -- "$dir" "/proc/$orphan/environ" 2>/dev/null; then
        kill -KILL "$orphan" 2>/dev/null || true
        say "killed the instance's Erlang VM (pid $orphan), whose wrapper had exited"
      fi
    fi
    rm -f "$dir/server.pid" "$dir/rabbitmq.pid"
    stop_epmd
    say "not running"
  fi
  if [ "$wipe" = 1 ]; then
    rm -rf "$dir"
  fi
}

# A crash: SIGKILL to this instance's Erlang VM (its PID file, its folder in /proc/PID/environ) and the wrapper, nothing
# else; the data stays for the next start, which recovers durable queues and persistent messages.
crash() {
  load_instance
  running || fail "the instance in $dir is not running" 3
  local pid beam=""
  pid=$(cat "$dir/server.pid")
  [ -f "$dir/rabbitmq.pid" ] && beam=$(cat "$dir/rabbitmq.pid")
  if [ -n "$beam" ] && pid_alive "$beam" && grep -q -- "$dir" "/proc/$beam/environ" 2>/dev/null; then
    kill -KILL "$beam" 2>/dev/null || true
  fi
  kill -KILL "$pid" 2>/dev/null || true
  # SIGKILL is asynchronous: until the VM is gone its listener still answers, and a start right after would see the port taken.
  for _ in $(seq 1 100); do
    pid_alive "$pid" || { [ -n "$beam" ] && pid_alive "$beam"; } || answers "$port" || break
    sleep 0.1
  done
  rm -f "$dir/server.pid" "$dir/rabbitmq.pid"
  say "killed node $node (pid $pid, VM ${beam:-unknown})"
}

# A durable classic queue in the default virtual host, declared inside the node (rabbitmqctl eval of
# rabbit_amqqueue:declare/6, the call AMQP 0-9-1's queue.declare ends in): no management plugin or client library needed.
# An AMQP 1.0 link can then use /amq/queue/QUEUE. A bare name or /queue/QUEUE would redeclare it with the terminus's
# durability and be refused when that is "none" (AMQPNetLite's default).
declare_queue() {
  [ -n "$queue" ] || fail "declare needs a queue name" 2
  [[ "$queue" =~ ^[A-Za-z0-9._-]{1,255}$ ]] || fail "queue name '$queue': use letters, digits, '.', '_' and '-' (at most 255)" 2
  load_instance
  [ -n "$node" ] || fail "no instance in $dir: start it first" 2
  running || fail "the instance in $dir is not running" 3
  instance_environment
  local result
  result=$(ctl eval "Q = rabbit_misc:r(<<\"/\">>, queue, <<\"$queue\">>),
    case rabbit_amqqueue:declare(Q, true, false, [], none, <<\"rabbitmq.sh\">>) of
      {new, _} -> new;
      {existing, E} -> case amqqueue:is_durable(E) of true -> existing; false -> not_durable end;
      Other -> Other
    end." 2>"$dir/declare.err") || { cat "$dir/declare.err" >&2; echo "$result" >&2; fail "rabbitmqctl eval (declare queue '$queue') failed"; }
  # Only stdout is parsed: a warning rabbitmqctl prints on stderr must not turn a success into a failure.
  result=$(printf '%s\n' "$result" | tail -n 1)
  case "$result" in
    new) say "declared durable queue '$queue' on node $node; send to /amq/queue/$queue" ;;
    existing) say "durable queue '$queue' exists on node $node; send to /amq/queue/$queue" ;;
    not_durable) fail "queue '$queue' exists on node $node and is not durable (declared by a link to a bare name?): delete it with 'scripts/rabbitmq.sh ctl --dir $dir -- delete_queue $queue' and declare again" ;;
    *) fail "declaring queue '$queue' on node $node failed: $result" ;;
  esac
}

case "$command_name" in
  install) install ;;
  declare) declare_queue ;;
  start) start ;;
  stop) stop ;;
  restart) wipe=0; stop; start ;;
  kill) crash ;;
  ctl)
    load_instance
    [ -n "$node" ] || fail "no instance in $dir: start it first" 2
    running || fail "the instance in $dir is not running" 3
    instance_environment
    ctl "${ctl_args[@]}" ;;
  status)
    load_instance
    if running; then echo "running (pid $(cat "$dir/server.pid"), node $node, amqp://127.0.0.1:$port)"; else echo "not running"; exit 3; fi ;;
  *) echo "usage: scripts/rabbitmq.sh install|start|stop|restart|kill|status|declare QUEUE|ctl [--dir DIR] [--port N] [--dist-port N] [--epmd-port N] [--node NAME] [--timeout S] [--wipe] [-- RABBITMQCTL ARGS]" >&2; exit 2 ;;
esac
