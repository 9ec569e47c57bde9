#!/bin/sh
# Demo service: a worker that reports its progress every two seconds. argv: [REGION]
region=${1:-default}
n=0
while :; do
  n=$((n+1))
  echo "worker $region: processed batch $n"
  sleep 2
done
