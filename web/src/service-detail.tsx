/** One service: its figures, the actions, and its process tree, log, events and incidents. */
import { useState } from "preact/hooks";
import { ACTIONS } from "./actions";
import { EventList } from "./event-list";
import { formatBytes, formatPercent, formatTime } from "./format";
import { IncidentList } from "./incident-list";
import { LogView } from "./log-view";
import { ProcessTree } from "./process-tree";
import type { ServiceStatusJson } from "./wire";

const TABS = ["processes", "logs", "events", "incidents"] as const;
type Tab = (typeof TABS)[number];

interface Props {
  service: ServiceStatusJson;
  onClose: () => void;
  onAction: (action: string) => void;
  onForce: () => void;
}

export function ServiceDetail({ service: s, onClose, onAction, onForce }: Props) {
  const [tab, setTab] = useState<Tab>("processes");
  return (
    <aside class="detail" aria-label={`service ${s.name}`}>
      <div class="detail-head">
        <h2>
          {s.name} <span class={`badge ${s.state}`}>{s.state}</span>
        </h2>
        <button class="close" onClick={onClose} aria-label="close">
          ×
        </button>
      </div>
      <dl class="facts">
        <dt>PID</dt>
        <dd class="pid">{s.pid ?? "-"}</dd>
        <dt>Wanted</dt>
        <dd>{s.desired}</dd>
        <dt>Since</dt>
        <dd>{formatTime(s.since)}</dd>
        <dt>Restarts</dt>
        <dd>{s.restarts}</dd>
        <dt>CPU · Mem</dt>
        <dd>
          {formatPercent(s.cpu_percent)} · {formatBytes(s.rss_bytes)}
        </dd>
        <dt>Ports</dt>
        <dd>{s.ports.length ? s.ports.join(", ") : "-"}</dd>
        <dt>Children</dt>
        <dd>{s.children.length ? s.children.map((c) => `${c.name} (${c.pid})`).join(", ") : "-"}</dd>
        {s.health && (
          <>
            <dt>Health</dt>
            <dd class={s.health.failing ? "bad" : ""}>
              {s.health.probe}: {s.health.failing ? `failing, ${s.health.failures}×` : "passing"} ·{" "}
              {s.health.last}
            </dd>
          </>
        )}
        {s.exit_code !== null || s.signal !== null ? (
          <>
            <dt>Last exit</dt>
            <dd>{s.signal ?? `code ${s.exit_code}`}</dd>
          </>
        ) : null}
      </dl>
      <p class="reason-full">{s.reason}</p>
      {s.started_with_note && <p class="note">{s.started_with_note}</p>}
      <div class="actions">
        {ACTIONS.map((a) => (
          <button key={a} onClick={() => onAction(a)} data-action={a}>
            {a}
          </button>
        ))}
        <button class="danger" onClick={onForce} data-action="force-start">
          start --force…
        </button>
      </div>
      <div class="tabs" role="tablist">
        {TABS.map((t) => (
          <button key={t} role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
            {t}
          </button>
        ))}
      </div>
      {tab === "processes" && <ProcessTree name={s.name} pid={s.pid} state={s.state} />}
      {tab === "logs" && <LogView name={s.name} />}
      {tab === "events" && <EventList name={s.name} />}
      {tab === "incidents" && (
        <IncidentList
          key={s.name}
          name={s.name}
          state={s.state}
          since={s.since}
          restarts={s.restarts}
          cleanExit={s.exit_code === 0 && s.signal === null}
        />
      )}
    </aside>
  );
}
