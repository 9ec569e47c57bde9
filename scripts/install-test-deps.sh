#!/usr/bin/env bash
# Installs what the tests need and a fresh Debian machine lacks: the build tools (better-sqlite3
# and the native addon compile from source), the small programs the tests run (mkfifo, setsid),
# Debian's nginx (the forking-service test), redis-server (notify readiness), promtool (from
# the package prometheus, 19 MB, without its recommended node exporter: the metrics test checks
# the daemon's /metrics text with `promtool check metrics`), chromium (the dashboard's browser
# tests), man-db and groff (the man pages), zsh and fish (shell completion). `npm test` runs
# it first, so the README's test command works on a new machine; .ci/run calls it before `npm ci`.
# For the package tests (docs/install.md): Debian's arm64 cross tool chain (`npm pack` builds the
# linux-arm64 prebuilds with it), qemu-user (the arm64 binaries run under qemu-aarch64) and an
# arm64 Node from the npm registry (scripts/fetch-arm64-node.sh).
# Nothing is installed when all is present. Without root it names what is missing and the command.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if ! bash "$(dirname "$0")/fetch-arm64-node.sh" >/dev/null; then
  echo "upkeep tests: could not fetch an arm64 Node from the npm registry; test/integration/arm64-qemu skips" >&2
fi

packages=()
for tool in make g++ python3 mkfifo setsid; do
  if ! command -v "$tool" >/dev/null; then
    packages+=(build-essential python3 coreutils util-linux)
    break
  fi
done
command -v aarch64-linux-gnu-g++ >/dev/null || packages+=(gcc-aarch64-linux-gnu g++-aarch64-linux-gnu)
command -v qemu-aarch64 >/dev/null || packages+=(qemu-user)
[ -x /usr/sbin/nginx ] || packages+=(nginx-light)
[ -x /usr/bin/redis-server ] || packages+=(redis-server)
# The man pages are rendered with `man -l` (man-db, groff); the completion scripts are loaded in
# each shell they are for (zsh and fish: about 8 MB together, a few seconds of a CI run).
command -v man >/dev/null || packages+=(man-db)
command -v groff >/dev/null || packages+=(groff-base)
command -v zsh >/dev/null || packages+=(zsh)
command -v fish >/dev/null || packages+=(fish)
# The dashboard's browser tests drive Debian's Chromium (playwright-core downloads no browser).
[ -x /usr/bin/chromium ] || packages+=(chromium)
lean=() # installed without their Recommends
[ -x /usr/bin/promtool ] || lean+=(prometheus)
[ $((${#packages[@]} + ${#lean[@]})) -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "upkeep tests: missing Debian packages: ${packages[*]} ${lean[*]}" >&2
  echo "  hint: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages[*]} ${lean[*]}   (or run \`npm test\` as root)" >&2
  exit 1
fi

# Installing nginx, redis or prometheus would start (and enable) its system service: policy-rc.d exiting
# 101 tells invoke-rc.d that no service may be started while we install.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  own_policy=1
fi
cleanup_policy() { if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup_policy EXIT
echo "upkeep tests: installing ${packages[*]} ${lean[*]}" >&2
apt-get update -qq
[ ${#packages[@]} -eq 0 ] || apt-get install -y -qq "${packages[@]}" >/dev/null
[ ${#lean[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${lean[@]}" >/dev/null
