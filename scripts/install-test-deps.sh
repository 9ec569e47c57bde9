#!/usr/bin/env bash
# Installs what the tests need and a fresh Debian machine lacks: the build tools (better-sqlite3
# and the native addon compile from source), the small programs the tests run (mkfifo, setsid),
# Debian's nginx (the forking-service test), redis-server (notify readiness) and chromium (the
# dashboard's browser tests). `npm test` runs
# it first, so the README's test command works on a new machine; .ci/run calls it before `npm ci`.
# Nothing is installed when all is present. Without root it names what is missing and the command.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=()
for tool in make g++ python3 mkfifo setsid; do
  if ! command -v "$tool" >/dev/null; then
    packages+=(build-essential python3 coreutils util-linux)
    break
  fi
done
[ -x /usr/sbin/nginx ] || packages+=(nginx-light)
[ -x /usr/bin/redis-server ] || packages+=(redis-server)
# The dashboard's browser tests drive Debian's Chromium (playwright-core downloads no browser).
[ -x /usr/bin/chromium ] || packages+=(chromium)
[ ${#packages[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "upkeep tests: missing Debian packages: ${packages[*]}" >&2
  echo "  hint: sudo apt-get update && sudo apt-get install -y ${packages[*]}   (or run \`npm test\` as root)" >&2
  exit 1
fi

# Installing nginx or redis would start (and enable) its system service: policy-rc.d exiting
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
echo "upkeep tests: installing ${packages[*]}" >&2
apt-get update -qq
apt-get install -y -qq "${packages[@]}" >/dev/null
