/**
 * Node flags the daemon runs with. V8 takes them only at start-up, so every way of starting
 * the daemon passes them: bin/upkeep (for the daemon command only), `npm start`, `daemon --detach`, the bench.
 *
 * - A small young generation (1 MiB semi-spaces instead of up to 16 MiB) keeps a daemon with
 *   a thousand services about 28 MB smaller (docs/benchmarks.md), at the price of more
 *   frequent, tiny scavenges: a good trade for a long-lived process that allocates little
 *   once its services run.
 * - No memory reducer: its delayed collections were nearly all the CPU an idle daemon used;
 *   the daemon collects once after start-up instead (settle-memory.ts).
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1", "--no-memory-reducer"];
