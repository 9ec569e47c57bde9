/**
 * Every service in one table: filtered and sorted in the page, rows memoised so that a change
 * of one service re-renders one row. A big list is drawn in two steps (the first rows at once,
 * the rest a frame later), and past MAX_ROWS matching rows only the first are drawn (the
 * filter finds the rest), so that the page stays quick on a phone.
 */
import { memo } from "./memo";
import { useEffect, useMemo, useState } from "preact/hooks";
import { formatBytes, formatDuration, formatPercent } from "./format";
import { uptimeOf, type StatusModel } from "./status-store";
import { useNow } from "./use-store";
import type { ServiceStatusJson } from "./wire";

export type SortKey = "name" | "state" | "pid" | "uptime" | "restarts" | "cpu" | "mem";
const MAX_ROWS = 1000;
/** The first paint of a big list draws this many rows; the rest follow a frame later. */
const FIRST_ROWS = 100;

/** Problems first when sorting by state. */
const STATE_ORDER = ["failed", "backoff", "waiting", "starting", "stopping", "running", "exited", "stopped"];

const COLUMNS: { key: SortKey | null; label: string; cls?: string }[] = [
  { key: "name", label: "Name" },
  { key: "state", label: "State" },
  { key: "pid", label: "PID", cls: "num" },
  { key: "uptime", label: "Uptime", cls: "num" },
  { key: "restarts", label: "Restarts", cls: "num wide" },
  { key: "cpu", label: "CPU", cls: "num wide" },
  { key: "mem", label: "Mem", cls: "num wide" },
  { key: null, label: "Ports", cls: "wide" },
  { key: null, label: "Children", cls: "wide" },
  { key: null, label: "Health", cls: "wide" },
  { key: null, label: "Reason", cls: "reason" },
];

interface Props {
  model: StatusModel;
  version: number;
  filter: string;
  sort: { key: SortKey; down: boolean };
  onSort: (key: SortKey) => void;
  selected: string | null;
  onSelect: (name: string) => void;
}

export function ServiceTable({ model, version, filter, sort, onSort, selected, onSelect }: Props) {
  const now = useNow(5000);
  const rows = useMemo(() => {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    const list = [...model.services.values()].filter((s) => {
      const text = `${s.name} ${s.state} ${s.reason}`.toLowerCase();
      return words.every((w) => text.includes(w));
    });
    const value = (s: ServiceStatusJson): number | string => {
      switch (sort.key) {
        case "name":
          return s.name;
        case "state":
          return STATE_ORDER.indexOf(s.state);
        case "pid":
          return s.pid ?? -1;
        case "uptime":
          return s.uptime_ms ?? -1;
        case "restarts":
          return s.restarts;
        case "cpu":
          return s.cpu_percent ?? -1;
        case "mem":
          return s.rss_bytes ?? -1;
      }
    };
    list.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const order = x < y ? -1 : x > y ? 1 : a.name.localeCompare(b.name);
      return sort.down ? -order : order;
    });
    return list;
  }, [version, filter, sort]);
  const [limit, setLimit] = useState(FIRST_ROWS);
  useEffect(() => {
    if (limit >= MAX_ROWS || rows.length <= limit) return;
    const timer = setTimeout(() => setLimit(MAX_ROWS), 0);
    return () => clearTimeout(timer);
  }, [limit, rows.length]);
  const shown = rows.slice(0, limit);
  // Marks for bench/dashboard-load.ts: when the first rows and all of them were drawn.
  useEffect(() => {
    if (shown.length > 0) markOnce("upkeep:first-rows");
    if (shown.length > 0 && shown.length === Math.min(rows.length, MAX_ROWS)) markOnce("upkeep:all-rows");
  }, [shown.length, rows.length]);
  return (
    <div class="table-wrap">
      <p class="count muted">
        {rows.length === model.services.size
          ? `${rows.length} services`
          : `${rows.length} of ${model.services.size} services match`}
        {rows.length > MAX_ROWS && ` · the first ${MAX_ROWS} are shown: filter to see the others`}
      </p>
      <table class="services-table">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th
                class={c.cls}
                aria-sort={c.key === sort.key ? (sort.down ? "descending" : "ascending") : undefined}
              >
                {c.key ? (
                  <button class="sort" onClick={() => onSort(c.key!)}>
                    {c.label}
                    {c.key === sort.key ? (sort.down ? " ▼" : " ▲") : ""}
                  </button>
                ) : (
                  c.label
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((s) => (
            <Row
              key={s.name}
              service={s}
              uptime={uptimeOf(model, s, now)}
              selected={s.name === selected}
              onSelect={onSelect}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function markOnce(name: string): void {
  if (performance.getEntriesByName(name).length === 0) performance.mark(name);
}

interface RowProps {
  service: ServiceStatusJson;
  uptime: number | null;
  selected: boolean;
  onSelect: (name: string) => void;
}

const Row = memo(function Row({ service: s, uptime, selected, onSelect }: RowProps) {
  const health = s.health === null ? "-" : s.health.failing ? `failing (${s.health.failures})` : "ok";
  return (
    <tr
      class={`state-${s.state}${selected ? " selected" : ""}`}
      data-service={s.name}
      onClick={() => onSelect(s.name)}
    >
      <td class="name">
        <a
          href={`#s=${encodeURIComponent(s.name)}`}
          onClick={(e) => {
            e.preventDefault();
            onSelect(s.name);
          }}
        >
          {s.name}
        </a>
        {s.desired === "down" && s.state !== "stopped" && <span class="muted"> (wanted down)</span>}
      </td>
      <td>
        <span class={`badge ${s.state}`}>{s.state}</span>
      </td>
      <td class="num pid">{s.pid ?? "-"}</td>
      <td class="num">{formatDuration(uptime)}</td>
      <td class="num wide">{s.restarts}</td>
      <td class="num wide">{formatPercent(s.cpu_percent)}</td>
      <td class="num wide">{formatBytes(s.rss_bytes)}</td>
      <td class="wide">{s.ports.length ? s.ports.join(",") : "-"}</td>
      <td class="wide" title={s.children.map((c) => `${c.name} ${c.pid}`).join("\n")}>
        {s.children.length ? s.children.length : "-"}
      </td>
      <td class={`wide${s.health?.failing ? " bad" : ""}`} title={s.health?.last ?? ""}>
        {health}
      </td>
      <td class="reason" title={s.reason}>
        {s.reason}
      </td>
    </tr>
  );
});
