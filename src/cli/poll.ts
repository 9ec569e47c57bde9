/**
 * Polling with a deadline, for the two waits the CLI makes on the daemon: until its socket
 * answers (daemon --detach) and until it stops answering (shutdown).
 */
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Calls `probe` every `intervalMs` until it returns a value other than undefined, and returns
 * that value; returns undefined once `deadlineMs` has passed without one.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  options: { deadlineMs: number; intervalMs: number },
): Promise<T | undefined> {
  const deadline = Date.now() + options.deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(options.intervalMs);
  }
}
