#!/usr/bin/env bash
# Packs every packable project (IsPackable true) in Release into a temporary directory, with every
# warning an error, and checks each package: the .nupkg exists and carries README.md; its nuspec
# names the readme, the repository URL (from Directory.Build.props), a commit, a description, tags,
# the licence and the authors; a .snupkg exists and its PDBs have a SourceLink map; and the package
# README's links resolve (no relative links, which nuget.org cannot follow; links into the
# repository name files that exist).
# Prints what is missing and exits 1 when anything is. Usage: .ci/pack.sh [--no-restore] [--keep DIR]
# (--keep DIR: copies the packages to DIR once they are built, even when a check of them fails).
set -uo pipefail
cd "$(dirname "$0")/.."

restore=() keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-restore) restore=(--no-restore) ;;
    --keep) keep="$2"; shift ;;
    *) echo "usage: .ci/pack.sh [--no-restore] [--keep DIR]" >&2; exit 2 ;;
  esac
  shift
done

for tool in dotnet unzip; do
  command -v "$tool" >/dev/null 2>&1 || { echo "pack: missing $tool" >&2; exit 2; }
done

repo_url=$(sed -n 's:.*<AgentCoherenceRepositoryUrl>\(.*\)</AgentCoherenceRepositoryUrl>.*:\1:p' Directory.Build.props)
[ -n "$repo_url" ] || { echo "pack: Directory.Build.props sets no AgentCoherenceRepositoryUrl" >&2; exit 1; }

projects=()
while IFS= read -r proj; do
  grep -q '<IsPackable>true</IsPackable>' "$proj" && projects+=("$proj")
done < <(find src transports -name '*.csproj' -not -path '*/bin/*' -not -path '*/obj/*' | sort)
[ ${#projects[@]} -gt 0 ] || { echo "pack: no project sets IsPackable true" >&2; exit 1; }

problems=()
missing() { problems+=("$1: $2"); }
package_id() {
  local id
  id=$(sed -n 's:.*<PackageId>\(.*\)</PackageId>.*:\1:p' "$1")
  echo "${id:-$(basename "$1" .csproj)}"
}
report() {
  printf 'pack: MISSING: %s\n' "${problems[@]}" >&2
  echo "pack: FAILED: ${#problems[@]} problem(s) in ${#projects[@]} packages" >&2
  exit 1
}

# A missing README fails the pack itself (NU5019); say which one before packing.
for proj in "${projects[@]}"; do
  [ -f "$(dirname "$proj")/README.md" ] || missing "$(package_id "$proj")" "no README.md next to $proj"
done
[ ${#problems[@]} -eq 0 ] || report

out=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$work" "$out"' EXIT

# One MSBuild run over a solution filter of the packable projects: one evaluation, shared references.
{
  printf '{ "solution": { "path": "%s", "projects": [' "$PWD/AgentCoherence.sln"
  sep=""
  for proj in "${projects[@]}"; do printf '%s "%s"' "$sep" "$proj"; sep=","; done
  printf ' ] } }\n'
} > "$work/packable.slnf"

echo "== dotnet pack -c Release (${#projects[@]} packages, warnings are errors)"
if ! dotnet pack "$work/packable.slnf" -c Release "${restore[@]}" -nologo -v q -warnaserror \
      -p:PackageOutputPath="$out" > "$work/pack.log" 2>&1; then
  grep -E 'error|warning' "$work/pack.log" | sort -u >&2
  echo "pack: FAILED: dotnet pack reported the errors above" >&2
  exit 1
fi

for proj in "${projects[@]}"; do
  dir=$(dirname "$proj")
  id=$(package_id "$proj")
  nupkg=$(find "$out" -maxdepth 1 -name "$id.[0-9]*.nupkg" | head -1)
  if [ -z "$nupkg" ]; then missing "$id" "no $id.<version>.nupkg was produced"; continue; fi
  snupkg=${nupkg%.nupkg}.snupkg

  # (grep -q would close the pipe early, and pipefail would count unzip's SIGPIPE as a failure)
  grep -x 'README.md' >/dev/null < <(unzip -Z1 "$nupkg") || missing "$id" "README.md is not in $(basename "$nupkg")"

  nuspec=$(unzip -p "$nupkg" "$id.nuspec" 2>/dev/null)
  [ -n "$nuspec" ] || { missing "$id" "no $id.nuspec in the package"; continue; }
  grep -q '<readme>README.md</readme>' <<<"$nuspec" || missing "$id" "the nuspec has no <readme>README.md</readme>"
  grep -q "<repository type=\"git\" url=\"$repo_url\"" <<<"$nuspec" \
    || missing "$id" "the nuspec has no <repository type=\"git\" url=\"$repo_url\">"
  grep -Eq '<repository [^>]*commit="[0-9a-f]{40}"' <<<"$nuspec" || missing "$id" "the nuspec's repository element names no commit"
  grep -q "<projectUrl>$repo_url</projectUrl>" <<<"$nuspec" || missing "$id" "the nuspec has no <projectUrl>$repo_url</projectUrl>"
  grep -Eq '<description>[^<]{20,}</description>' <<<"$nuspec" || missing "$id" "the nuspec has no description (Description)"
  grep -Eq '<tags>[^<]+</tags>' <<<"$nuspec" || missing "$id" "the nuspec has no tags (PackageTags)"
  grep -q '<license type="expression">' <<<"$nuspec" || missing "$id" "the nuspec has no licence expression"
  grep -Eq '<authors>[^<]+</authors>' <<<"$nuspec" || missing "$id" "the nuspec names no authors"

  if [ ! -f "$snupkg" ]; then
    missing "$id" "no symbol package $(basename "$snupkg")"
  else
    pdbs=$(unzip -Z1 "$snupkg" | grep '\.pdb$' || true)
    if [ -z "$pdbs" ]; then
      missing "$id" "$(basename "$snupkg") holds no .pdb"
    else
      for pdb in $pdbs; do
        unzip -p "$snupkg" "$pdb" > "$work/symbols.pdb"
        grep -aq '{"documents":{"[^"]*":"https://' "$work/symbols.pdb" \
          || missing "$id" "$pdb in $(basename "$snupkg") has no SourceLink map to an https URL"
      done
    fi
  fi

  while IFS= read -r target; do
    case "$target" in
      "$repo_url"/blob/main/* | "$repo_url"/tree/main/*)
        path=${target#"$repo_url"/*/main/}; path=${path%%#*}
        [ -e "$path" ] || missing "$id" "README.md links to $target, but $path is not in the repository" ;;
      https://www.nuget.org/packages/*)
        linked=${target#https://www.nuget.org/packages/}; linked=${linked%%/*}
        found=""
        for other in "${projects[@]}"; do
          [ "$(package_id "$other")" = "$linked" ] && found=1
        done
        [ -n "$found" ] || missing "$id" "README.md links to the package $linked, which this repository does not pack" ;;
      http://* | https://*) ;;
      *) missing "$id" "README.md has a relative link ($target); nuget.org cannot follow it, use $repo_url/blob/main/..." ;;
    esac
  done < <(grep -o '\]([^)]*)' "$dir/README.md" | sed 's/^](\(.*\))$/\1/')
done

# Kept even when a check above failed: the packages themselves were built, and later steps (the fleet
# check) can still run on them; the exit code still says the packages are not fit to publish.
[ -z "$keep" ] || { mkdir -p "$keep" && cp "$out"/*.nupkg "$out"/*.snupkg "$keep"/; }
[ ${#problems[@]} -eq 0 ] || report
echo "pack: ${#projects[@]} packages, each with README.md, repository $repo_url, a commit and SourceLink symbols"
