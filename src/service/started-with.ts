/**
 * Whether a service's process runs the config the daemon has now: the process-shaping values
 * it was started with (recorded in its process record as digests) against the config's. Used
 * when a daemon adopts a process (adopt.ts restarts an outdated one), by `status` and `check`
 * (an outdated or unknown one is shown), and by `reload-config` (its plan restarts it).
 */
import type { ServiceConfig } from "../config/model.js";
import { changedShapeKeys, processShapeOf } from "../config/process-shape.js";
import type { ProcessRecord } from "../store/store.js";

export type StartedWith =
  | { kind: "current" }
  /** Started with other values of these keys than the config has now. */
  | { kind: "outdated"; keys: string[]; text: string }
  /** Recorded by an upkeep that did not keep the shape: nothing to compare with. */
  | { kind: "unknown"; text: string };

/**
 * The last answer per record: `status` asks for every service each time (1000 services cost
 * 4–10 ms uncached here), and neither a record nor a loaded config is ever changed in place.
 */
const answers = new WeakMap<ProcessRecord, { config: ServiceConfig; answer: StartedWith }>();

/** What the recorded process was started with, compared with `config`. */
export function describeStartedWith(config: ServiceConfig, record: ProcessRecord): StartedWith {
  const known = answers.get(record);
  if (known?.config === config) return known.answer;
  const answer = compareStartedWith(config, record);
  answers.set(record, { config, answer });
  return answer;
}

function compareStartedWith(config: ServiceConfig, record: ProcessRecord): StartedWith {
  if (record.shape === null) {
    return {
      kind: "unknown",
      text:
        `started by an older upkeep that did not record its config, so whether it runs the ` +
        `current one is unknown; \`upkeep restart ${config.name}\` applies it`,
    };
  }
  const keys = changedShapeKeys(record.shape, processShapeOf(config));
  if (keys.length === 0) return { kind: "current" };
  return {
    kind: "outdated",
    keys,
    text:
      `running an outdated config: ${keys.join(", ")} changed since PID ${record.pid} started; ` +
      `\`upkeep reload-config\` or \`upkeep restart ${config.name}\` applies it`,
  };
}
