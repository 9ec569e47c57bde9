#!/bin/sh
# Demo service: a worker that reports its progress every two seconds. argv: [REGION]
region=${1:-default}
# It handles SIGHUP (its reload_signal in upkeep.yaml): without a handler, SIGHUP would end it.
trap 'echo "worker $region: reloaded"' HUP
n=0
while :; do
  n=$((n+1))
  echo "worker $region: processed batch $n"
  sleep 2
done
