/**
 * The daemon's first step in a delegated cgroup (systemd's `Delegate=yes`, docs/systemd.md):
 * into its `supervisor` leaf, before anything is spawned, so the services' cgroups made next
 * land beside it inside the unit's subtree (identity/cgroup-delegation.ts).
 */
import { enterSupervisorLeaf } from "../identity/cgroup-delegation.js";

/** Moves the daemon into the leaf when it runs in a delegated cgroup, and says what it did. */
export function joinSupervisorLeaf(say: (line: string) => void): void {
  const result = enterSupervisorLeaf();
  switch (result.kind) {
    case "not-delegated":
    case "already-there":
      return;
    case "entered":
      say(
        `upkeep: running in the delegated cgroup ${result.top}: moved into ${result.leaf}; services' cgroups go under ${result.top}/upkeep`,
      );
      return;
    case "failed":
      say(
        `upkeep: running in the delegated cgroup ${result.top}, but could not move into ${result.leaf} (${result.errno}); ` +
          `services' cgroups still go under ${result.top}/upkeep`,
      );
      return;
    default: {
      const never: never = result;
      throw new Error(`unhandled leaf result ${JSON.stringify(never)}`);
    }
  }
}
