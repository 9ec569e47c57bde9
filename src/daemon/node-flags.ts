/**
 * Node flags the daemon runs with. A small young generation (1 MiB semi-spaces instead of up
 * to 16 MiB) keeps a daemon with a thousand services about 28 MB smaller (docs/benchmarks.md),
 * at the price of more frequent, tiny scavenges — a good trade for a long-lived process that
 * allocates little once its services run. V8 takes it only at start-up, so every way of
 * starting the daemon passes it: bin/upkeep's shebang, `npm start`, `daemon --detach`, the bench.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1"];
