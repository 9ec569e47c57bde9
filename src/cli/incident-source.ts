/**
 * Where `incidents` and `incident` read: the daemon's API, or, when no daemon runs, the state
 * store itself (read only, as `check` does): the incident that explains why a daemon is down is
 * most wanted exactly then. What comes back is the API's JSON either way.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { IncidentJson, IncidentSummaryJson } from "../api/wire.js";
import { UpkeepError } from "../core/errors.js";
import type { GlobalOptions } from "./command-spec.js";
import { requestJson } from "./client.js";
import type { CliIo } from "./io.js";
import { writeLine } from "./io.js";
import { endpointFor, resolveTarget, type Target } from "./target.js";

export interface IncidentList {
  recording: boolean | null;
  incidents: IncidentSummaryJson[];
}

/** The newest `n` incidents (of `service`, when given), oldest first. */
export async function fetchIncidents(
  globals: GlobalOptions,
  io: CliIo,
  service: string | undefined,
  n: number,
): Promise<IncidentList> {
  const target = resolveTarget(globals, io.env, io.cwd);
  const query = new URLSearchParams({ n: String(n), ...(service ? { service } : {}) });
  return withStoreFallback(
    target,
    io,
    () => requestJson<IncidentList>(endpointFor(target), "GET", `/api/v1/incidents?${query.toString()}`),
    async (store) => {
      const { serializeIncidentSummary } = await import("../api/serialize-incident.js");
      const list = await store.listIncidents({ ...(service ? { service } : {}), limit: n });
      return { recording: null, incidents: list.map(serializeIncidentSummary) };
    },
  );
}

/** One incident whole. */
export async function fetchIncident(globals: GlobalOptions, io: CliIo, id: number): Promise<IncidentJson> {
  const target = resolveTarget(globals, io.env, io.cwd);
  return withStoreFallback(
    target,
    io,
    () => requestJson<IncidentJson>(endpointFor(target), "GET", `/api/v1/incidents/${id}`),
    async (store) => {
      const [{ serializeIncident }, { incidentNotFound }] = await Promise.all([
        import("../api/serialize-incident.js"),
        import("../api/routes/incidents.js"),
      ]);
      const incident = await store.getIncident(id);
      if (incident === null) throw incidentNotFound(id);
      return serializeIncident(incident);
    },
  );
}

type ReadOnlyStore = Awaited<ReturnType<typeof import("../store/sqlite/open.js").openSqliteStore>>;

async function withStoreFallback<T>(
  target: Target,
  io: CliIo,
  ask: () => Promise<T>,
  read: (store: ReadOnlyStore) => Promise<T>,
): Promise<T> {
  try {
    return await ask();
  } catch (err) {
    if (!(err instanceof UpkeepError && err.code === "DAEMON_NOT_RUNNING")) throw err;
    const file = join(target.stateDir, "state.db");
    if (!existsSync(file)) throw err; // never ran here: the daemon's own message says what to do
    const [{ openSqliteStore }, { assertStateDirTrusted }] = await Promise.all([
      import("../store/sqlite/open.js"),
      import("../daemon/state-dir-trust.js"),
    ]);
    // Read only from a state dir no one else could have written (docs/security.md).
    assertStateDirTrusted(target.stateDir);
    const store = openSqliteStore(target.stateDir, { readonly: true, tables: ["incidents"] });
    writeLine(io.stderr, `upkeep: the daemon is not running; read from ${file}`);
    try {
      return await read(store);
    } finally {
      await store.close();
    }
  }
}
