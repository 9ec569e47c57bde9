/**
 * One full garbage collection once start-up is over. The daemon runs without V8's memory
 * reducer (node-flags.ts): left on, the reducer collects the start-up burst's garbage over
 * the first half-minute of an otherwise idle daemon (≈0.06–0.12 s of CPU with 200 services,
 * in steps 8 s apart), which is most of what an idle daemon ever spends. Collecting once,
 * right after the burst, does that work while the daemon is busy anyway; the daemon then
 * idles at zero CPU, holding a few MB more heap than the reducer would leave (docs/benchmarks.md).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** After the last services' ready and first-output work. */
const SETTLE_DELAY_MS = 500;

/** Schedules the collection; the timer does not keep the process alive. */
export function settleHeapSoon(): void {
  setTimeout(collectOnce, SETTLE_DELAY_MS).unref();
}

function collectOnce(): void {
  // V8 exposes gc() only behind a flag: set it and take the function from a fresh context,
  // which leaves the daemon's own global object as it is.
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (() => void) | undefined;
  gc?.();
}
