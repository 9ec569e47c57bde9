/**
 * Whether the state store the daemon writes is still the one at its path (SPEC §6: the next
 * daemon recovers from it). Looked at every few seconds and whenever status or check is
 * asked; a new problem is reported once, as a daemon event and on the daemon's stderr, and
 * stays shown by `status` and `check` until the daemon is restarted.
 */

/** How often the store's files are compared with what the daemon has open. */
const LOOK_INTERVAL_MS = 5_000;

export class StoreHealth {
  /** What is wrong with the store's files, or null. */
  problem: string | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly look: () => string | null,
    private readonly report: (message: string) => void,
  ) {
    this.timer = setInterval(() => this.refresh(), LOOK_INTERVAL_MS);
    this.timer.unref();
  }

  /** Looks now; returns the full message of what is wrong, or null. */
  refresh(): string | null {
    let found: string | null;
    try {
      found = this.look();
    } catch (err) {
      found = `its files could not be checked (${err instanceof Error ? err.message : String(err)})`;
    }
    if (found === null) return (this.problem = null);
    const message = describeStoreLoss(found);
    if (message !== this.problem) this.report(message);
    return (this.problem = message);
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** The problem, what it costs, and the fix. */
function describeStoreLoss(found: string): string {
  return (
    `the state store was taken from under the daemon: ${found}. The daemon keeps supervising, but ` +
    "what it records from now on is lost when it ends, and a daemon started later would not know " +
    "the running services (without cgroups it finds them by their environment and refuses to start " +
    "second copies). To make the store whole again: upkeep shutdown (stops every service), then start " +
    "the daemon again"
  );
}
