/**
 * The `upkeep events` table: TIME SERVICE KIND FROM→TO REASON. A follow prints rows as they
 * come, so widths are fixed by the first batch (and minimum widths), not re-measured.
 */
import type { EventJson } from "../../api/wire.js";
import { formatTime } from "./format.js";
import { columnWidths, renderRow } from "./table.js";

export const EVENTS_HEADER = ["TIME", "SERVICE", "KIND", "FROM→TO", "REASON"] as const;

/** Minimum widths, so rows printed later while following rarely overflow their column. */
const MIN_WIDTHS = [19, 12, 10, 20, 0];

/** One event's cells; a daemon-wide event shows `-` as its service. */
export function eventCells(event: EventJson): string[] {
  const transition =
    event.from === null && event.to === null ? "-" : `${event.from ?? "-"}→${event.to ?? "-"}`;
  return [formatTime(event.ts), event.service ?? "-", event.kind, transition, event.reason];
}

/** Column widths for a batch of events: measured, and never below the minimums. */
export function eventWidths(events: readonly EventJson[]): number[] {
  return columnWidths(EVENTS_HEADER, events.map(eventCells)).map((w, i) => Math.max(w, MIN_WIDTHS[i] ?? 0));
}

/** The header line. */
export function renderEventsHeader(widths: readonly number[]): string {
  return `${renderRow(EVENTS_HEADER, widths, false)}\n`;
}

/** One event as an aligned line. */
export function renderEventRow(event: EventJson, widths: readonly number[]): string {
  return `${renderRow(eventCells(event), widths, false)}\n`;
}
