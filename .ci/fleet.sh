#!/usr/bin/env bash
# The fleet check (docs/fleet.md): builds the sample worker in compose/fleet/ from the packed .nupkg
# files alone (a folder feed, no project references), starts redis-server (appendonly yes, appendfsync
# always, as compose/docker-compose.yml runs it) and nats-server on random loopback ports, and runs two
# workers that append lines to shared plans for a bounded time. Midway it kills redis-server with
# SIGKILL and starts it again on the same port and data directory; the workers ride through. Then it
# reads the plans back through a third run of the sample ("print") and checks that every edit either
# worker acknowledged is in them exactly once, and that nothing else is. (A kill -9 of the process
# alone rarely tells "always" from "everysec": Redis writes the AOF before it answers either way and
# the page cache outlives the process. What it does show: the workers ride through a store restart,
# and with no persistence at all the check fails.) First, .ci/compose-check.py checks compose/.
#
# Usage: .ci/fleet.sh [--packages DIR]
#   DIR holds the .nupkg files of this commit (.ci/pack.sh --keep DIR); without it, packs them first.
# Needs redis-server, redis-cli and nats-server on PATH: without them it skips, or fails under CI=true.
# FLEET_KEEP=1 keeps the work folder (logs, acknowledged edits, the plans) and prints where it is.
set -uo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

edits=${FLEET_EDITS:-150}        # edits per worker (the run also stops after 20 s)
kill_after=${FLEET_KILL_AFTER:-30} # kill redis-server once each worker has acknowledged this many edits
packages=""
while [ $# -gt 0 ]; do
  case "$1" in
    --packages) packages="$2"; shift ;;
    *) echo "usage: .ci/fleet.sh [--packages DIR]" >&2; exit 2 ;;
  esac
  shift
done

fail() { echo "fleet: FAILED: $*" >&2; exit 1; }

# The compose samples: each with the shared store, Redis with appendfsync always, the fleet consistent.
if command -v python3 >/dev/null 2>&1; then
  python3 .ci/compose-check.py compose || fail "the compose samples (above)"
else
  echo "fleet: python3 is not on PATH; compose/ not checked"
fi

for tool in dotnet redis-server redis-cli nats-server; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    [ "${CI:-}" = true ] && fail "$tool is not on PATH (apt-get install redis-server nats-server; .ci/apt-packages lists them)"
    echo "fleet: SKIPPED: $tool is not on PATH (apt-get install redis-server nats-server)"
    exit 0
  fi
done

work=$(mktemp -d)
pids=()
cleanup() {
  exec 2>/dev/null  # no "Killed" notices from the shell for the processes ended here
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${FLEET_KEEP:-}" ] && echo "fleet: kept $work" || rm -rf "$work"
}
trap cleanup EXIT
started=$SECONDS

# 1. The packages: this commit's, in a folder feed.
if [ -z "$packages" ]; then
  echo "== fleet: packing (.ci/pack.sh)"
  if ! bash .ci/pack.sh --keep "$work/feed" >"$work/pack.log" 2>&1; then
    cat "$work/pack.log" >&2
    compgen -G "$work/feed/*.nupkg" >/dev/null || fail ".ci/pack.sh built no packages (above)"
    echo "fleet: .ci/pack.sh found the problems above in the packages; the fleet check goes on with them" >&2
  fi
  packages="$work/feed"
fi
core=$(find "$packages" -maxdepth 1 -name 'AgentCoherence.[0-9]*.nupkg' | head -1)
[ -n "$core" ] || fail "no AgentCoherence.<version>.nupkg in $packages (run .ci/pack.sh --keep $packages)"
version=$(basename "$core" .nupkg); version=${version#AgentCoherence.}

# 2. The sample, built from those packages only. nuget.config takes AgentCoherence.* from
# compose/fleet/packages; a fresh package folder means no copy of an earlier build with the same
# version number can stand in for this one.
echo "== fleet: building compose/fleet against the AgentCoherence $version packages"
feed=compose/fleet/packages
mkdir -p "$feed"
find "$feed" -maxdepth 1 -name '*.nupkg' -delete
cp "$packages"/AgentCoherence*.nupkg "$feed"/
if ! dotnet build compose/fleet/FleetWorker.csproj -c Release -nologo -v q --packages "$work/nuget" \
      -p:AgentCoherenceVersion="$version" -o "$work/app" >"$work/build.log" 2>&1; then
  grep -E 'error|warning' "$work/build.log" | sort -u >&2
  fail "the fleet sample does not build from the packages (errors above)"
fi
grep -q "\"AgentCoherence/$version\"" "$work/app/FleetWorker.deps.json" \
  || fail "the built sample does not use the AgentCoherence $version package (FleetWorker.deps.json)"

# 3. The servers, each on a random free loopback port (another port if that one is taken).
# start_server READY_LINE LOG COMMAND...: starts it in the background, waits until LOG has READY_LINE;
# sets server_pid.
start_server() {
  local ready=$1 log=$2; shift 2
  "$@" >"$log.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    grep -q "$ready" "$log" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.2
  done
  kill -9 "$server_pid" 2>/dev/null
  return 1
}
redis_dir="$work/redis"; mkdir -p "$redis_dir"
start_redis() {
  # A restart must not mistake the previous process's "ready" line for its own.
  [ ! -f "$redis_dir/redis.log" ] || mv -f "$redis_dir/redis.log" "$redis_dir/redis.log.previous"
  start_server "Ready to accept connections" "$redis_dir/redis.log" \
    redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$redis_dir" --logfile redis.log \
      --appendonly yes --appendfsync always --save "" --daemonize no
}
for _ in 1 2 3 4 5; do
  redis_port=$((20000 + RANDOM % 40000))
  start_redis && break
  redis_port=""
done
[ -n "$redis_port" ] || { tail -5 "$redis_dir/redis.log" >&2; fail "redis-server did not start"; }
redis_pid=$server_pid; pids+=("$redis_pid")
for _ in 1 2 3 4 5; do
  nats_port=$((20000 + RANDOM % 40000))
  start_server "Server is ready" "$work/nats.log" nats-server -a 127.0.0.1 -p "$nats_port" -l "$work/nats.log" && break
  nats_port=""
done
[ -n "$nats_port" ] || { tail -5 "$work/nats.log" >&2; fail "nats-server did not start"; }
pids+=("$server_pid")
echo "fleet: redis-server on 127.0.0.1:$redis_port (appendfsync always), nats-server on 127.0.0.1:$nats_port"

# The workers read compose/fleet/appsettings.json (copied next to FleetWorker.dll); only the addresses
# and the run's bounds come from the environment.
run_app() {
  (cd "$work/app" && env \
    AgentCoherence__Redis__ConnectionString="127.0.0.1:$redis_port" \
    AgentCoherence__Transport__Nats__Url="nats://127.0.0.1:$nats_port" \
    Fleet__Edits="$edits" Fleet__Pause=00:00:00.020 Fleet__Duration=00:00:20 Fleet__JoinTimeout=00:00:40 \
    "$@")
}

# 4. Two workers, for at most 20 s of editing each, and never more than 90 s in all.
echo "== fleet: two workers, up to $edits edits or 20 s each"
worker_pids=()
for i in 1 2; do
  run_app Fleet__Instance="worker-$i" Fleet__AcknowledgedLog="$work/acked-$i.txt" \
    timeout -k 5 90 dotnet FleetWorker.dll >"$work/worker-$i.log" 2>&1 &
  worker_pids+=($!); pids+=($!)
done

# Midway, kill -9 redis-server and start it again on the same port and data: with appendfsync always,
# every write it acknowledged is on disk, so every edit the workers acknowledged must survive.
killed=""
while [ -z "$killed" ]; do
  a1=$(cat "$work/acked-1.txt" 2>/dev/null | wc -l); a2=$(cat "$work/acked-2.txt" 2>/dev/null | wc -l)
  if [ "$a1" -ge "$kill_after" ] && [ "$a2" -ge "$kill_after" ]; then
    kill -9 "$redis_pid"; wait "$redis_pid" 2>/dev/null
    echo "fleet: killed redis-server (SIGKILL) after $a1 and $a2 acknowledged edits; starting it again"
    start_redis || { tail -5 "$redis_dir/redis.log" >&2; fail "redis-server did not start again on port $redis_port"; }
    redis_pid=$server_pid; pids+=("$redis_pid")
    killed=yes
  fi
  running=0
  for pid in "${worker_pids[@]}"; do kill -0 "$pid" 2>/dev/null && running=1; done
  [ "$running" = 1 ] || break
  sleep 0.2
done
[ -n "$killed" ] || echo "fleet: the workers finished before each acknowledged $kill_after edits; redis-server was not killed" >&2

status=0
for i in 1 2; do
  wait "${worker_pids[$((i-1))]}"; code=$?
  if [ "$code" != 0 ]; then
    status=1
    echo "fleet: worker-$i exited with $code$([ "$code" = 124 ] && echo ' (killed at the 90 s limit)'); its log ends:" >&2
    tail -20 "$work/worker-$i.log" >&2
  fi
done
[ "$status" = 0 ] || fail "a worker failed (logs above)"
grep -h 'made [0-9]* edits' "$work"/worker-*.log | sed 's/^/fleet: /'

# 5. What the store holds, read back by the sample itself, against what the workers acknowledged.
run_app Fleet__Instance=checker timeout -k 5 60 dotnet FleetWorker.dll print >"$work/plans.txt" 2>"$work/print.log" \
  || { tail -20 "$work/print.log" >&2; fail "the sample's print mode failed (log above)"; }
cat "$work"/acked-*.txt 2>/dev/null | sort >"$work/acked.txt"
sort "$work/plans.txt" >"$work/stored.txt"
acked=$(wc -l <"$work/acked.txt"); stored=$(wc -l <"$work/stored.txt")
[ "$acked" -gt 0 ] || fail "the workers acknowledged no edit"
duplicated=$(uniq -d "$work/stored.txt")
lost=$(comm -23 "$work/acked.txt" "$work/stored.txt")
extra=$(comm -13 "$work/acked.txt" "$work/stored.txt")
[ -z "$duplicated" ] || { echo "$duplicated" | head -10 >&2; fail "$(echo "$duplicated" | wc -l) edit(s) are in the plans more than once (above)"; }
[ -z "$lost" ] || { echo "$lost" | head -10 >&2; fail "$(echo "$lost" | wc -l) acknowledged edit(s) are missing from the plans (above)"; }
[ -z "$extra" ] || { echo "$extra" | head -10 >&2; fail "$(echo "$extra" | wc -l) line(s) in the plans were never acknowledged (above)"; }
echo "fleet: passed: $acked acknowledged edits from 2 workers, each in the plans exactly once ($stored lines), $((SECONDS - started)) s"
