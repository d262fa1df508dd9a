#!/usr/bin/env bash
# Checks the TLA+ specifications in formal/tla.
#
# 1. Always (cheap, no Java needed): every .cfg names a .tla that exists, and
#    every INVARIANT/PROPERTY named in a .cfg is defined in that spec or in a
#    module it EXTENDS.
# 2. When `java` is on PATH and $TLA2TOOLS_JAR is an existing file: runs TLC
#    on every CI-size config (formal/tla/<Spec>.cfg) and fails on any parse
#    error or violation; then runs every mutant config
#    (formal/tla/mutants/<Spec>_<Mutant>[__<Invariant>].cfg) and fails unless
#    TLC reports "Invariant <Name> is violated" for the invariant it lists.
#    Otherwise it says plainly that TLC was not run, and exits 0.
# Between the two, when `node` is on PATH and the tree-sitter TLA+ parser is
# installed (TLA_PARSER_DIR, see tla-syntax.cjs), every .tla is syntax-checked;
# without the parser that step is skipped, never failed.
#
# This script never downloads or builds tla2tools.jar.
# Usage: TLA2TOOLS_JAR=/path/to/tla2tools.jar formal/check.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tla_dir="$here/tla"
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# --- helpers -----------------------------------------------------------------

# The spec a config belongs to: tla/X.cfg, tla/X.local.cfg -> X;
# tla/mutants/X_Mutant[__Inv].cfg -> X.
spec_of_cfg() {
    local base
    base="$(basename "$1" .cfg)"
    base="${base%.local}"
    case "$1" in
        */mutants/*) base="${base%%_*}" ;;
    esac
    printf '%s\n' "$base"
}

# The names listed under INVARIANT(S) / PROPERTY(IES) in a config, one a line.
cfg_names() { # cfg section-regex
    awk -v sect="$2" '
        { sub(/\\\*.*/, "") }
        /^[[:space:]]*(CONSTANTS?|INVARIANTS?|PROPERTY|PROPERTIES|SPECIFICATION|INIT|NEXT|CONSTRAINTS?|ACTION_CONSTRAINTS?|SYMMETRY|VIEW|CHECK_DEADLOCK|ALIAS|POSTCONDITION)([[:space:]]|$)/ {
            mode = $1; $1 = ""
        }
        mode ~ sect { for (i = 1; i <= NF; i++) if ($i != "") print $i }
    ' "$1"
}

# The local modules a spec depends on: itself and everything it EXTENDS,
# transitively (standard modules have no file here and are skipped).
spec_modules() { # Spec
    local todo=("$1") seen=" " m ext
    while ((${#todo[@]})); do
        m="${todo[0]}"; todo=("${todo[@]:1}")
        [[ "$seen" == *" $m "* ]] && continue
        [[ -f "$tla_dir/$m.tla" ]] || continue
        seen+="$m "
        printf '%s\n' "$tla_dir/$m.tla"
        ext="$(sed -n 's/^[[:space:]]*EXTENDS[[:space:]]\{1,\}//p' "$tla_dir/$m.tla" | tr ',' ' ')"
        for e in $ext; do todo+=("$e"); done
    done
}

# --- 1. sanity check (always) -----------------------------------------------

shopt -s nullglob
ci_cfgs=()
mutant_cfgs=()
all_cfgs=("$tla_dir"/*.cfg "$tla_dir"/mutants/*.cfg)
for cfg in "$tla_dir"/*.cfg; do
    [[ "$cfg" == *.local.cfg ]] || ci_cfgs+=("$cfg")
done
mutant_cfgs=("$tla_dir"/mutants/*.cfg)

if ((${#ci_cfgs[@]} == 0)); then
    fail "no CI-size configs found in $tla_dir"
fi

for cfg in "${all_cfgs[@]}"; do
    rel="${cfg#"$here"/}"
    spec="$(spec_of_cfg "$cfg")"
    if [[ ! -f "$tla_dir/$spec.tla" ]]; then
        fail "$rel: no spec $spec.tla"
        continue
    fi
    mapfile -t modules < <(spec_modules "$spec")
    names="$(cfg_names "$cfg" '^(INVARIANTS?|PROPERTY|PROPERTIES|SPECIFICATION)$')"
    if [[ -z "$names" ]]; then
        fail "$rel: names no SPECIFICATION, INVARIANT or PROPERTY"
    fi
    for name in $names; do
        if ! grep -Eq "^[[:space:]]*$name[[:space:]]*(\(.*\))?[[:space:]]*==" "${modules[@]}"; then
            fail "$rel: $name is not defined in $spec.tla or the modules it extends"
        fi
    done
    if [[ "$cfg" == */mutants/* ]]; then
        invs="$(cfg_names "$cfg" '^INVARIANTS?$')"
        if [[ "$(printf '%s\n' "$invs" | grep -c .)" != 1 ]]; then
            fail "$rel: a mutant config must list exactly one INVARIANT (the one expected to fail)"
        fi
        if ! grep -Eq '^[[:space:]]*Mutant[[:space:]]*=[[:space:]]*"[A-Za-z]+"' "$cfg" \
           || grep -Eq '^[[:space:]]*Mutant[[:space:]]*=[[:space:]]*"none"' "$cfg"; then
            fail "$rel: a mutant config must set Mutant to a mutant name"
        fi
    else
        if ! grep -Eq '^[[:space:]]*Mutant[[:space:]]*=[[:space:]]*"none"' "$cfg"; then
            fail "$rel: a normal config must set Mutant = \"none\""
        fi
    fi
done

echo "sanity: ${#all_cfgs[@]} configs checked (${#ci_cfgs[@]} CI-size, ${#mutant_cfgs[@]} mutants)"
if ((failures > 0)); then
    echo "formal/check.sh: $failures problem(s) found"
    exit 1
fi

# --- 2. syntax check (only when node and the tree-sitter TLA+ parser are present)

# The parser is pinned in formal/parser (package.json + lock file); .ci/test.sh
# installs it there with `npm ci --ignore-scripts`, and TLA_PARSER_DIR may point
# elsewhere. Without node or the parser the check is skipped (said plainly),
# except under CI=true, where .ci/test.sh installed it and its absence is a failure.
# See formal/README.md ("Syntax check without TLC").
if [[ -z "${TLA_PARSER_DIR:-}" && -d "$here/parser/node_modules" ]]; then
    export TLA_PARSER_DIR="$here/parser"
fi
if command -v node > /dev/null 2>&1; then
    rc=0
    out="$(node "$here/tla-syntax.cjs" "$tla_dir"/*.tla 2>&1)" || rc=$?
    if [[ "$rc" == 3 && "${CI:-}" == "true" ]]; then
        echo "$out"
        echo "formal/check.sh: CI=true but the TLA+ parser is missing (npm ci --ignore-scripts in formal/parser)"
        exit 1
    fi
    case "$rc" in
        0) echo "syntax: $(ls "$tla_dir"/*.tla | wc -l | tr -d ' ') modules parse (tree-sitter TLA+ grammar; not SANY)" ;;
        3) echo "syntax check skipped: $out" ;;
        *) echo "$out"
           echo "formal/check.sh: syntax check failed"
           exit 1 ;;
    esac
elif [[ "${CI:-}" == "true" ]]; then
    echo "formal/check.sh: CI=true but node is missing (the TLA+ syntax check needs it)"
    exit 1
else
    echo "syntax check skipped: node is missing"
fi

# --- 3. TLC (only when java and the jar are present) ------------------------

if ! command -v java > /dev/null 2>&1 || [[ -z "${TLA2TOOLS_JAR:-}" || ! -f "${TLA2TOOLS_JAR:-}" ]]; then
    echo "TLC was not run: java or TLA2TOOLS_JAR (path to tla2tools.jar) is missing"
    exit 0
fi

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

# run_tlc cfg logfile -> TLC's exit code
run_tlc() {
    local cfg="$1" log="$2" spec rc=0
    spec="$(spec_of_cfg "$cfg")"
    (
        cd "$tla_dir"
        java -XX:+UseParallelGC -cp "$TLA2TOOLS_JAR" tlc2.TLC \
            -workers auto -deadlock \
            -metadir "$workdir/meta-$(basename "$cfg" .cfg)" \
            -config "$cfg" "$spec.tla"
    ) > "$log" 2>&1 || rc=$?
    return "$rc"
}

passed=0
failed=0
for cfg in "${ci_cfgs[@]}"; do
    rel="${cfg#"$here"/}"
    log="$workdir/$(basename "$cfg" .cfg).log"
    start=$SECONDS
    rc=0
    run_tlc "$cfg" "$log" || rc=$?
    if ((rc != 0)) || grep -q 'Error' "$log"; then
        echo "FAIL $rel (TLC exit code $rc, $((SECONDS - start)) s):"
        sed 's/^/    /' "$log" | tail -n 60
        failed=$((failed + 1))
    else
        states="$(grep -Eo '[0-9,]+ distinct states found' "$log" | tail -n 1 || true)"
        echo "ok   $rel: ${states:-finished} ($((SECONDS - start)) s)"
        passed=$((passed + 1))
    fi
done

for cfg in "${mutant_cfgs[@]}"; do
    rel="${cfg#"$here"/}"
    log="$workdir/mutant-$(basename "$cfg" .cfg).log"
    expected="$(cfg_names "$cfg" '^INVARIANTS?$' | head -n 1)"
    start=$SECONDS
    rc=0
    run_tlc "$cfg" "$log" || rc=$?
    if grep -q "Invariant $expected is violated" "$log"; then
        echo "ok   $rel: killed (Invariant $expected is violated, $((SECONDS - start)) s)"
        passed=$((passed + 1))
    else
        echo "FAIL $rel: TLC did not report \"Invariant $expected is violated\" (exit code $rc):"
        sed 's/^/    /' "$log" | tail -n 40
        failed=$((failed + 1))
    fi
done

echo "tlc: $passed passed, $failed failed"
((failed == 0))
