/**
 * Incidents as SQLite rows: the listing's columns, and the evidence as one JSON document. The
 * evidence is bounded: lines are cut when taken (MAX_INCIDENT_LINE_BYTES), and if the whole
 * still passes MAX_EVIDENCE_BYTES the oldest output lines go first, with a note saying so, so
 * that every incident costs at most ~64 KiB on disk whatever the service printed.
 */
import {
  INCIDENT_KINDS,
  type IncidentKind,
  type IncidentRecord,
  type IncidentSummary,
  type NewIncident,
} from "../incident-record.js";
import { RowDecodeError } from "./rows.js";

/** The largest evidence document stored per incident. */
export const MAX_EVIDENCE_BYTES = 64 * 1024;

export interface IncidentRow {
  id: number;
  host_id: string;
  ts: number;
  service: string;
  kind: string;
  summary: string;
  evidence: string;
}

export type IncidentSummaryRow = Omit<IncidentRow, "evidence">;
export type NewIncidentRow = Omit<IncidentRow, "id">;

type Evidence = Omit<NewIncident, "ts" | "service" | "kind" | "summary">;

/** NewIncident → row, its evidence cut to MAX_EVIDENCE_BYTES. */
export function incidentToRow(hostId: string, incident: NewIncident): NewIncidentRow {
  const { ts, service, kind, summary, ...evidence } = incident;
  return { host_id: hostId, ts, service, kind, summary, evidence: encodeEvidence(evidence) };
}

/** The evidence as JSON within the bound: the oldest output lines are dropped until it fits. */
export function encodeEvidence(evidence: Evidence): string {
  let text = JSON.stringify(evidence);
  if (Buffer.byteLength(text) <= MAX_EVIDENCE_BYTES) return text;
  const output = [...evidence.output];
  let dropped = 0;
  while (output.length > 0 && Buffer.byteLength(text) > MAX_EVIDENCE_BYTES) {
    // Drop a share at a time: one JSON.stringify per step, a handful of steps at most.
    const cut = Math.max(1, Math.ceil(output.length / 8));
    output.splice(0, cut);
    dropped += cut;
    const note = `${dropped} older lines left out: an incident keeps at most ${MAX_EVIDENCE_BYTES / 1024} KiB`;
    text = JSON.stringify({ ...evidence, output, outputNote: note });
  }
  // Still too big without any output (a huge details object): keep what identifies it.
  if (Buffer.byteLength(text) > MAX_EVIDENCE_BYTES)
    text = JSON.stringify({
      ...evidence,
      output: [],
      details: {},
      outputNote: "evidence too large: left out",
    });
  return text;
}

export function incidentSummaryFromRow(row: IncidentSummaryRow): IncidentSummary {
  return {
    id: row.id,
    hostId: row.host_id,
    ts: row.ts,
    service: row.service,
    kind: checkKind(row),
    summary: row.summary,
  };
}

export function incidentFromRow(row: IncidentRow): IncidentRecord {
  const key = `#${row.id}`;
  let evidence: unknown;
  try {
    evidence = JSON.parse(row.evidence);
  } catch (err) {
    throw new RowDecodeError("incidents", key, `evidence is not valid JSON (${(err as Error).message})`);
  }
  if (typeof evidence !== "object" || evidence === null || !Array.isArray((evidence as Evidence).output))
    throw new RowDecodeError("incidents", key, "evidence is not an object with an output list");
  return { ...(evidence as Evidence), ...incidentSummaryFromRow(row) };
}

function checkKind(row: IncidentSummaryRow): IncidentKind {
  if (!(INCIDENT_KINDS as readonly string[]).includes(row.kind))
    throw new RowDecodeError("incidents", `#${row.id}`, `kind "${row.kind}" is not an incident kind`);
  return row.kind as IncidentKind;
}
