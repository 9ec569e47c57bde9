/**
 * Whether the state store the daemon writes is still the one at its path (SPEC §6: the next
 * daemon recovers from it). Looked at every few seconds and whenever status or check is
 * asked. A store deleted under the daemon is written anew from its open copy (the store does
 * that: SqliteStore.checkFiles) and told once; one that cannot be made whole (another file
 * was put at its path) is told once, as a daemon event and on the daemon's stderr, and stays
 * shown by `status` and `check`.
 */

/** How often the store's files are compared with what the daemon has open. */
const LOOK_INTERVAL_MS = 5_000;

export class StoreHealth {
  /** What is wrong with the store's files, or null. */
  problem: string | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly look: () => { problem: string; rebuilt: boolean } | null,
    private readonly report: (message: string) => void,
  ) {
    this.timer = setInterval(() => this.refresh(), LOOK_INTERVAL_MS);
    this.timer.unref();
  }

  /** Looks now (making a deleted store whole); returns the message of what is still wrong, or null. */
  refresh(): string | null {
    let found: { problem: string; rebuilt: boolean } | null;
    try {
      found = this.look();
    } catch (err) {
      found = {
        problem: `its files could not be checked (${err instanceof Error ? err.message : String(err)})`,
        rebuilt: false,
      };
    }
    if (found === null) return (this.problem = null);
    if (found.rebuilt) {
      this.report(
        `the state store was taken from under the daemon (${found.problem}); it was written anew ` +
          "from the daemon's open copy: nothing was lost",
      );
      return (this.problem = null);
    }
    const message = describeStoreLoss(found.problem);
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
    `the state store was taken from under the daemon and cannot be made whole: ${found}. The daemon keeps supervising, but ` +
    "what it records from now on is lost when it ends, and a daemon started later would not know " +
    "the running services (without cgroups it finds them by their environment and refuses to start " +
    "second copies). Move what is at the path aside if it is not upkeep's, then: upkeep shutdown (stops " +
    "every service) and start the daemon again"
  );
}
