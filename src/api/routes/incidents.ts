import type { IncomingMessage, ServerResponse } from "node:http";
import { readQueryCount } from "../query-count.js";
import { MAX_INCIDENTS_KEEP } from "../../config/schema.js";
import { UpkeepError } from "../../core/errors.js";
import type { ApiContext } from "../app.js";
import { sendJson } from "../http-io.js";
import { serializeIncident, serializeIncidentSummary } from "../serialize-incident.js";

/** Incidents listed when `n` is not given. */
const DEFAULT_LISTED = 50;

/**
 * GET /api/v1/incidents?service=&n=: the newest n incidents (default 50), oldest first, without
 * their evidence; `service` is a name, or `web@` (or `web`, when no service is named so) for
 * every instance of web. `recording` says
 * whether the daemon records incidents (`incidents: false` turns it off).
 */
export async function handleIncidents(
  ctx: ApiContext,
  _req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const service = url.searchParams.get("service") ?? undefined;
  // At most as many as a store may keep (incidents.keep); the listing holds no evidence.
  const limit = readQueryCount(url, "n", DEFAULT_LISTED, MAX_INCIDENTS_KEEP);
  // `web` names all instances `web@…` when no service is called `web` itself (as for status).
  const { runners } = ctx.supervisor;
  const allInstances =
    service !== undefined &&
    !service.includes("@") &&
    !runners.has(service) &&
    [...runners.keys()].some((name) => name.startsWith(`${service}@`));
  const selector = allInstances ? `${service}@` : service;
  const incidents = await ctx.supervisor.store.listIncidents({
    ...(selector ? { service: selector } : {}),
    limit,
  });
  sendJson(res, 200, {
    recording: ctx.supervisor.incidents !== null,
    incidents: incidents.map(serializeIncidentSummary),
  });
}

/** GET /api/v1/incidents/ID: one incident whole (404 INCIDENT_NOT_FOUND). */
export async function handleIncident(
  ctx: ApiContext,
  _req: IncomingMessage,
  res: ServerResponse,
  _url: URL,
  [idText]: string[],
): Promise<void> {
  const id = parseIncidentId(idText ?? "");
  const incident = await ctx.supervisor.store.getIncident(id);
  if (incident === null) throw incidentNotFound(id);
  sendJson(res, 200, serializeIncident(incident));
}

/** An incident id as written by an operator: a whole number from 1. */
export function parseIncidentId(text: string): number {
  const id = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new UpkeepError(
      "API_BAD_REQUEST",
      `an incident id is a whole number from 1, got '${text.slice(0, 100)}'`,
      {
        hint: "list the incidents and their ids with: upkeep incidents",
      },
    );
  }
  return id;
}

export function incidentNotFound(id: number): UpkeepError {
  return new UpkeepError("INCIDENT_NOT_FOUND", `no incident ${id} is kept`, {
    hint: "list the incidents kept with: upkeep incidents (older ones go by the `incidents:` retention)",
    details: { got: String(id) },
  });
}
