#!/bin/sh
# Demo service: a worker that reports its progress every two seconds.
n=0
while :; do
  n=$((n+1))
  echo "worker: processed batch $n"
  sleep 2
done
