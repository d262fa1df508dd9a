#!/usr/bin/env bash
# The project's one test command (README.md, "The two commands"). Installs what the tests need when it
# can, builds the solution, packs every package and checks it (.ci/pack.sh), runs every test project,
# checks the TLA+ specs, runs the fleet sample from the packages (.ci/fleet.sh), and ends with one
# "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "missing: the .NET 10 SDK (dotnet) is not on PATH" >&2
  exit 2
fi

# Servers the transport and store tests start themselves (random loopback ports, temp dirs).
need=()
for pkg in $(cat .ci/apt-packages 2>/dev/null); do
  bin="${pkg%%:*}"; name="${pkg#*:}"
  command -v "$bin" >/dev/null 2>&1 || need+=("$name")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing from Debian: ${need[*]}"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
      || { echo "apt-get install ${need[*]} failed" >&2; exit 2; }
  else
    echo "missing: ${need[*]} (install them with apt-get as root, or set the AGENTCOHERENCE_* server addresses)" >&2
  fi
fi

# The third-party MCP client test drives the server with the official npm SDK client, pinned by its lock file.
node_client=tests/AgentCoherence.Mcp.Tests/node
if command -v npm >/dev/null 2>&1; then
  echo "== npm ci ($node_client)"
  (cd "$node_client" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
    || echo "npm ci in $node_client failed; the third-party MCP client test will report it" >&2
  # The tree-sitter TLA+ grammar formal/check.sh parses every spec with (no TLC here).
  echo "== npm ci (formal/parser)"
  (cd formal/parser && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) \
    || echo "npm ci in formal/parser failed; formal/check.sh will report the missing parser" >&2
else
  echo "missing: npm (the third-party MCP client tests need Node.js 20+ and npm; formal/check.sh needs it for the TLA+ syntax check)" >&2
fi

dotnet build AgentCoherence.sln -c Debug -nologo -v q || exit 1

log=$(mktemp)
status=0

# Every package packs in Release, warning-free, with its README, repository URL and symbols. The
# packages are kept for the fleet check at the end.
echo "== .ci/pack.sh"
pack=passed
feed=$(mktemp -d)
trap 'rm -rf "$feed"' EXIT
bash .ci/pack.sh --no-restore --keep "$feed" || { status=1; pack=FAILED; }

for proj in $(find tests -name '*.csproj' | sort); do
  grep -q '<IsTestProject>true</IsTestProject>' "$proj" || continue
  echo "== $proj"
  timeout 40m dotnet test "$proj" -c Debug --no-build -nologo \
    --blame-hang-timeout 10m --logger "console;verbosity=normal" 2>&1 | tee -a "$log" \
    | grep -E '^\s*(Failed|Skipped) |Passed!|Failed!|STATES|MUTANT|Total tests|^ +(Passed|Failed|Skipped): ' || true
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
done

echo "== formal/check.sh"
if [ -x formal/check.sh ] || [ -f formal/check.sh ]; then
  bash formal/check.sh || status=1
fi

# The seed explorer of issue 15 at full size: 10,000 random fleets with every fault, each checked after
# every tick (docs/simulation.md). A broken invariant prints the seed and the command that replays it.
echo "== coherence simulate --fuzz --seeds 10000 --faults all"
fuzz=passed
timeout 15m dotnet src/AgentCoherence.Cli/bin/Debug/net10.0/AgentCoherence.Cli.dll simulate --fuzz --seeds 10000 --faults all \
  || { status=1; fuzz=FAILED; }

# The fleet sample built from those packages, two workers on redis-server and nats-server (docs/fleet.md).
echo "== .ci/fleet.sh"
fleet=passed
if compgen -G "$feed/*.nupkg" >/dev/null; then
  bash .ci/fleet.sh --packages "$feed" || { status=1; fleet=FAILED; }
else
  fleet="not run (no packages: dotnet pack failed)"; status=1
fi

passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
[ "$failed" = 0 ] || status=1
[ "$passed" -gt 0 ] || status=1
[ "$pack" = passed ] || echo "pack: FAILED (.ci/pack.sh above says what is missing)"
[ "$fleet" = passed ] || echo "fleet: $fleet (.ci/fleet.sh above says why)"
[ "$fuzz" = passed ] || echo "fuzz: FAILED (the seed and the command to replay it are printed above)"
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
