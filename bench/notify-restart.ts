/**
 * Measure 1c: restart latency with notifications on vs off. The same SIGKILL loop as measure 1
 * (restart-latency.ts), once without `notify:` and once with a webhook told of every crash
 * (`min_interval: 0s`) that never answers (held open for its 60 s timeout): every restart then
 * queues a message while the one before hangs. Notifications must not add to the restart path.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { formatMs, percentile, type Row } from "./report.js";
import { sampleRestarts } from "./restart-latency.js";

const ROUNDS = 3;

export async function measureNotifyRestartLatency(kills: number): Promise<Row[]> {
  const held: ServerResponse[] = [];
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    held.push(res); // never answered: the webhook hangs until its timeout
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const notify =
      `notify:\n  on: [crash]\n  min_interval: 0s\n` +
      `  webhook: { url: "http://127.0.0.1:${port}/hook", timeout: 60s, retries: 0 }\n`;
    // As configs usually are: the default min_interval (5m) folds the crash loop into one message.
    const folded = notify.replace("min_interval: 0s", "min_interval: 5m");
    // Interleaved rounds, samples pooled: the machine's load drifts between runs (other work on
    // the two cores), and one run after the other would charge that drift to one variant.
    const off: number[] = [];
    const on: number[] = [];
    const onFolded: number[] = [];
    const per = Math.max(10, Math.round(kills / ROUNDS));
    for (let round = 0; round < ROUNDS; round++) {
      off.push(...(await sampleRestarts(per, true)).map((s) => s.spawnMs));
      on.push(...(await sampleRestarts(per, true, notify)).map((s) => s.spawnMs));
      onFolded.push(...(await sampleRestarts(per, true, folded)).map((s) => s.spawnMs));
    }
    const figure = (ms: number[]): string =>
      `${formatMs(percentile(ms, 0.5))} / ${formatMs(percentile(ms, 0.95))}`;
    const p50On = percentile(on, 0.5);
    const p50Off = percentile(off, 0.5);
    return [
      {
        measure: `restart latency p50/p95, notifications on (webhook hanging 60 s, told of each of ${on.length} crashes)`,
        result: figure(on),
        target: "p50 ≤ off + 1 ms",
        met: p50On <= p50Off + 1,
        peer: "",
        order: 1,
      },
      {
        measure: "  same, min_interval 5m (the default): one message, the rest folded",
        result: figure(onFolded),
        target: "",
        met: null,
        peer: "",
        order: 1,
      },
      {
        measure: `  same, notifications off (${off.length} SIGKILLs, in ${ROUNDS} rounds interleaved with the others)`,
        result: `${figure(off)}; webhook requests held: ${requests}`,
        target: "",
        met: null,
        peer: "",
        order: 1,
      },
    ];
  } finally {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
