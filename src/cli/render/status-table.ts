/**
 * The `upkeep status` table: NAME STATE PID UPTIME RESTARTS CPU MEM PORTS, with a reason line
 * under every failed, backoff or waiting service, and the state coloured on a terminal.
 */
import type { ServiceState, ServiceStatusJson, StoreStatusJson } from "../../api/wire.js";
import { GREEN, RED, YELLOW, type Paint } from "./colour.js";
import { formatBytes, formatDuration, formatPercent } from "./format.js";
import { columnWidths, renderRow, type Cell } from "./table.js";

export const STATUS_HEADER = ["NAME", "STATE", "PID", "UPTIME", "RESTARTS", "CPU", "MEM", "PORTS"] as const;

const PAINT: Partial<Record<ServiceState, Paint>> = {
  running: GREEN,
  failed: RED,
  backoff: YELLOW,
  waiting: YELLOW,
};

/** States that get a reason line: the operator needs to know why the service is not up. */
const EXPLAINED: ReadonlySet<ServiceState> = new Set(["failed", "backoff", "waiting"]);

/** States in which a service is, or is on its way to being, up. */
const UP_STATES: ReadonlySet<ServiceState> = new Set(["running", "starting", "backoff", "waiting"]);

/** The state word, plus the operator's intent when it differs from what is observed. */
function stateText(service: ServiceStatusJson): string {
  if (service.desired === "up" && service.state === "stopped") return "stopped (wanted up)";
  if (service.desired === "down" && UP_STATES.has(service.state)) return `${service.state} (wanted down)`;
  return service.state;
}

/** The delay at the end of a backoff or retry_after reason (src/service/machine.ts). */
const FROZEN_DELAY = /; (restarting|trying again) in [\d.]+ ?m?s( \(retry_after\))?$/;

/** The reason line's text: the daemon's reason and, when one is scheduled, the next attempt. */
export function reasonText(service: ServiceStatusJson, now: number): string {
  let text = service.reason;
  if (service.next_attempt_at !== null) {
    // The delay the machine wrote when it decided is frozen; the countdown below is the live one.
    text = text.replace(FROZEN_DELAY, "; $1");
    const at = Date.parse(service.next_attempt_at);
    if (!Number.isNaN(at)) {
      const when = at > now ? `next attempt in ${formatDuration(at - now + 999)}` : "next attempt due now";
      text = text ? `${text} (${when})` : when;
    }
  }
  return text;
}

function statusRow(service: ServiceStatusJson): Cell[] {
  const paint = PAINT[service.state];
  return [
    service.name,
    paint ? { text: stateText(service), paint } : stateText(service),
    service.pid === null ? "-" : String(service.pid),
    service.uptime_ms === null ? "-" : formatDuration(service.uptime_ms),
    String(service.restarts),
    service.cpu_percent === null ? "-" : formatPercent(service.cpu_percent),
    service.rss_bytes === null ? "-" : formatBytes(service.rss_bytes),
    service.ports.length === 0 ? "-" : service.ports.join(","),
  ];
}

/** The whole table, one line per service and a reason line where one is due. */
export function renderStatusTable(
  services: readonly ServiceStatusJson[],
  options: { now: number; colour: boolean },
): string {
  if (services.length === 0) return "no services in the config\n";
  const rows = services.map(statusRow);
  const widths = columnWidths(STATUS_HEADER, rows);
  let out = `${renderRow(STATUS_HEADER, widths, false)}\n`;
  services.forEach((service, i) => {
    out += `${renderRow(rows[i] ?? [], widths, options.colour)}\n`;
    const reason = EXPLAINED.has(service.state) ? reasonText(service, options.now) : "";
    if (reason) out += `  reason: ${reason}\n`;
    // typeof: an older daemon's answer has no such field.
    if (typeof service.started_with_note === "string") out += `  config: ${service.started_with_note}\n`;
    const health = service.health;
    if (health?.failing === true && service.state === "running")
      out += `  health: failing: ${health.probe} failed ${health.failures} times in a row; last: ${health.last}\n`;
  });
  return out;
}

/**
 * The line above the table while the daemon cannot write its state store; "" while it can (or
 * the daemon is older and does not say).
 */
export function renderStoreLine(store: StoreStatusJson | undefined, now: number): string {
  if (store === undefined || store.ok) return "";
  const since =
    store.since === null ? "" : ` for ${formatDuration(Math.max(0, now - Date.parse(store.since)))}`;
  const lost = store.lost_events > 0 ? `, ${store.lost_events} events lost` : "";
  const hint = store.hint === null ? "" : `; ${store.hint}`;
  return `daemon: ${store.problem ?? "store unwritable"}${since}: ${store.pending_writes} writes wait in memory${lost}${hint}\n`;
}
