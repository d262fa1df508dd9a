"""Checks the compose samples (compose/), called by .ci/fleet.sh.

- every compose/appsettings.<transport>.json names a shared store (AgentCoherence:Redis:ConnectionString)
  beside its bus: a bus alone coordinates nothing between processes;
- docker-compose.yml parses, and its Redis runs with appendonly yes and appendfsync always;
- its fleet workers match compose/fleet: as many as Fleet:FleetSize, distinct names, and addresses
  that name services of the file.
Prints each problem and exits 1 when there is one. Usage: python3 .ci/compose-check.py [COMPOSE_DIR]
"""
import glob
import json
import os
import sys

compose = sys.argv[1] if len(sys.argv) > 1 else "compose"
problems = []

samples = sorted(glob.glob(os.path.join(compose, "appsettings.*.json")))
if not samples:
    problems.append(f"{compose}: no appsettings.<transport>.json samples")
for path in samples:
    section = json.load(open(path, encoding="utf-8")).get("AgentCoherence", {})
    if not section.get("Redis", {}).get("ConnectionString"):
        problems.append(f"{path}: no AgentCoherence:Redis:ConnectionString, so processes started from it share no store and do not coordinate at all")
    if not section.get("Transport", {}).get("Kind"):
        problems.append(f"{path}: no AgentCoherence:Transport:Kind")

try:
    import yaml
except ImportError:
    yaml = None
    print("compose-check: no PyYAML (pip install pyyaml); docker-compose.yml not checked")

if yaml is not None:
    path = os.path.join(compose, "docker-compose.yml")
    services = (yaml.safe_load(open(path, encoding="utf-8")) or {}).get("services", {})
    redis = " ".join(services.get("redis", {}).get("command", []))
    for setting in ("--appendonly yes", "--appendfsync always"):
        if setting not in redis:
            problems.append(f"{path}: the redis service does not run with {setting} (its command: {redis or 'none'})")

    def builds_fleet(service):
        build = service.get("build")
        context = build.get("context") if isinstance(build, dict) else build
        return context is not None and os.path.normpath(context) == "fleet"

    workers = {name: s for name, s in services.items() if builds_fleet(s)}
    settings = os.path.join(compose, "fleet", "appsettings.json")
    fleet = json.load(open(settings, encoding="utf-8"))["Fleet"] if os.path.exists(settings) else {"FleetSize": 2}
    if not os.path.exists(settings):
        problems.append(f"{settings}: missing (the fleet sample)")
    if len(workers) != fleet["FleetSize"]:
        problems.append(f"{path}: {len(workers)} fleet worker services, but compose/fleet/appsettings.json says Fleet:FleetSize {fleet['FleetSize']}")
    names = [s.get("environment", {}).get("Fleet__Instance") for s in workers.values()]
    if None in names or len(set(names)) != len(names):
        problems.append(f"{path}: every fleet worker needs its own Fleet__Instance (got {names})")
    for name, service in workers.items():
        env = service.get("environment", {})
        for key, scheme in (("AgentCoherence__Redis__ConnectionString", ""), ("AgentCoherence__Transport__Nats__Url", "nats://")):
            host = env.get(key, "").removeprefix(scheme).split(":")[0]
            if host not in services:
                problems.append(f"{path}: {name} sets {key} to {env.get(key)!r}, which names no service of the file")

for problem in problems:
    print(f"compose-check: {problem}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"compose-check: {len(samples)} appsettings samples each with the Redis store; docker-compose.yml consistent")
