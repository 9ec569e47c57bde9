/** An incident's evidence beside its output: the service's tree as last sampled, and the host. */
import { formatBytes, formatPercent, formatTime, showControls } from "./format";
import type { HostProcessJson, IncidentJson } from "./wire";

export function IncidentSample({ incident: i }: { incident: IncidentJson }) {
  const s = i.sample;
  if (s === null) return <p class="muted">No sample: {i.sample_note ?? "none taken"}.</p>;
  const age = ((Date.parse(i.ts) - Date.parse(s.at)) / 1000).toFixed(1);
  return (
    <>
      <p class="muted">
        Sampled {age}s before, by the {s.source} watch: RSS {formatBytes(s.rss_bytes)}
        {s.cpu_percent === null ? "" : `, CPU ${formatPercent(s.cpu_percent)}`}
      </p>
      <MiniTable
        head={["PID", "PPID", "S", "#RSS", "#CPU", "Ports", "Command"]}
        rows={s.processes.map((p) => [
          p.pid,
          p.ppid,
          p.state,
          formatBytes(p.rss_bytes),
          formatPercent(p.cpu_percent),
          p.ports.join(", ") || "-",
          showControls(p.comm),
        ])}
      />
      {s.omitted > 0 && <p class="muted">… and {s.omitted} more processes</p>}
    </>
  );
}

export function HostSnapshot({ incident: i }: { incident: IncidentJson }) {
  const h = i.host;
  if (h === null) {
    const error = i.details.host_snapshot_error;
    return <p class="muted">No snapshot: {typeof error === "string" ? showControls(error) : "not taken"}.</p>;
  }
  const m = h.memory;
  const v = h.vmstat;
  return (
    <div class="host">
      <dl class="facts">
        <dt>At</dt>
        <dd>
          {formatTime(h.at)} (took {h.took_ms} ms)
        </dd>
        <dt>Load</dt>
        <dd class="load">{h.load.join(" ")}</dd>
        <dt>Memory</dt>
        <dd>
          {formatBytes(m.available_bytes)} available of {formatBytes(m.total_bytes)} (free{" "}
          {formatBytes(m.free_bytes)}, cached {formatBytes(m.cached_bytes)})
        </dd>
        <dt>Swap</dt>
        <dd>
          {formatBytes(m.swap_total_bytes - m.swap_free_bytes)} used of {formatBytes(m.swap_total_bytes)}
        </dd>
        <dt>CPU</dt>
        <dd>
          us {v.cpu.user} sy {v.cpu.system} id {v.cpu.idle} wa {v.cpu.iowait} st {v.cpu.steal} · r {v.running}{" "}
          b {v.blocked}
        </dd>
        <dt>Logged in</dt>
        <dd class="users">
          {h.users.length === 0
            ? "nobody"
            : h.users
                .map(
                  (u) =>
                    `${showControls(u.user)} on ${showControls(u.line)}` +
                    `${u.host ? ` from ${showControls(u.host)}` : ""} since ${formatTime(u.since)}`,
                )
                .join("; ")}
        </dd>
      </dl>
      <TopProcesses title={`Top by CPU (over ${h.interval_ms} ms)`} processes={h.top_cpu} />
      <TopProcesses title="Top by memory" processes={h.top_memory} />
      {h.notes.map((note, n) => (
        <p key={n} class="muted">
          {showControls(note)}
        </p>
      ))}
    </div>
  );
}

function TopProcesses({ title, processes }: { title: string; processes: HostProcessJson[] }) {
  return (
    <MiniTable
      caption={title}
      head={["PID", "User", "#CPU", "#RSS", "Command"]}
      rows={processes.map((p) => [
        p.pid,
        showControls(p.user),
        formatPercent(p.cpu_percent),
        formatBytes(p.rss_bytes),
        showControls(p.comm),
      ])}
    />
  );
}

/** A small table; a heading that starts with `#` marks a column of figures (right-aligned). */
function MiniTable({
  caption,
  head,
  rows,
}: {
  caption?: string;
  head: string[];
  rows: (string | number)[][];
}) {
  const num = head.map((h) => (h.startsWith("#") ? "num" : undefined));
  return (
    <table class="mini">
      {caption && <caption>{caption}</caption>}
      <thead>
        <tr>
          {head.map((h, c) => (
            <th key={c} class={num[c]}>
              {h.replace(/^#/, "")}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, r) => (
          <tr key={r}>
            {row.map((cell, c) => (
              <td key={c} class={num[c]}>
                {cell}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
