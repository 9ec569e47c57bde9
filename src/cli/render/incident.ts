/**
 * `upkeep incidents` (a table) and `upkeep incident ID` (everything, in the order an operator
 * reads it at 3 a.m.: what happened, the last output, the tree as last seen, the host). Text
 * that others control (any local user names their processes; utmp; the service's output) is
 * shown with control characters escaped, as `ps` does: a process named "\x1b]0;…" must not
 * drive the operator's terminal. `--json` has the exact text.
 */
import type { HostProcessJson, IncidentJson, IncidentSummaryJson } from "../../api/wire.js";
import { formatBytes, formatPercent, formatTime } from "./format.js";
import { renderTable } from "./table.js";
import { showControls as visible } from "../../core/show-controls.js";

export function renderIncidentList(incidents: readonly IncidentSummaryJson[]): string {
  const rows = incidents.map((i) => [String(i.id), formatTime(i.ts), i.service, i.kind, visible(i.summary)]);
  return renderTable(["ID", "TIME", "SERVICE", "KIND", "SUMMARY"], rows, false);
}

export function renderIncident(i: IncidentJson): string {
  const out: string[] = [];
  out.push(`incident ${i.id}: ${visible(i.summary)}`);
  out.push(`  time      ${formatTime(i.ts)} (${i.ts})`);
  out.push(`  service   ${i.service}`);
  out.push(`  kind      ${i.kind}`);
  if (i.pid !== null) out.push(`  pid       ${i.pid}`);
  if (i.exit_code !== null) out.push(`  exit code ${i.exit_code}`);
  if (i.signal !== null) out.push(`  signal    ${i.signal}`);
  if (i.duration_ms !== null) out.push(`  ran for   ${(i.duration_ms / 1000).toFixed(1)}s`);
  out.push(`  reason    ${visible(i.reason)}`);
  if (i.suppressed > 0)
    out.push(`  also      ${i.suppressed} more of this service within a second, not recorded`);
  for (const [key, value] of Object.entries(i.details))
    out.push(`  ${visible(key).padEnd(9)} ${visible(JSON.stringify(value))}`);

  out.push("", `last output (${i.output.length} lines, both streams in capture order):`);
  if (i.output_note !== null) out.push(`  (${i.output_note})`);
  for (const line of i.output)
    out.push(`  ${line.ts.slice(11, 23)} ${line.stream.padEnd(7)}| ${visible(line.text)}`);

  out.push("");
  if (i.sample === null) out.push(`process tree: none (${i.sample_note ?? "no sample"})`);
  else {
    const s = i.sample;
    const cpu = s.cpu_percent === null ? "" : `, CPU ${formatPercent(s.cpu_percent)}`;
    const age = ((Date.parse(i.ts) - Date.parse(s.at)) / 1000).toFixed(1);
    out.push(
      `process tree (sampled ${age}s before, by the ${s.source} watch): RSS ${formatBytes(s.rss_bytes)}${cpu}`,
    );
    const rows = s.processes.map((p) => [
      String(p.pid),
      String(p.ppid),
      p.state,
      formatBytes(p.rss_bytes),
      p.cpu_percent === null ? "-" : formatPercent(p.cpu_percent),
      p.ports.join(",") || "-",
      visible(p.comm),
    ]);
    out.push(indent(renderTable(["PID", "PPID", "S", "RSS", "CPU", "PORTS", "COMMAND"], rows, false)));
    if (s.omitted > 0) out.push(`  … and ${s.omitted} more processes`);
  }

  out.push("");
  const h = i.host;
  const error = i.details.host_snapshot_error;
  if (h === null) out.push(`host: no snapshot (${typeof error === "string" ? visible(error) : "not taken"})`);
  else {
    const m = h.memory;
    const v = h.vmstat;
    out.push(`host at ${formatTime(h.at)} (snapshot took ${h.took_ms} ms):`);
    out.push(`  load      ${h.load.join(" ")}`);
    out.push(
      `  memory    ${formatBytes(m.available_bytes)} available of ${formatBytes(m.total_bytes)} ` +
        `(free ${formatBytes(m.free_bytes)}, buffers ${formatBytes(m.buffers_bytes)}, cached ${formatBytes(m.cached_bytes)})`,
    );
    out.push(
      `  swap      ${formatBytes(m.swap_total_bytes - m.swap_free_bytes)} used of ${formatBytes(m.swap_total_bytes)}`,
    );
    out.push(
      `  vmstat    r ${v.running} b ${v.blocked}  si ${v.swap_in_pages_per_sec} so ${v.swap_out_pages_per_sec} pages/s  ` +
        `in ${v.interrupts_per_sec} cs ${v.context_switches_per_sec}/s  faults ${v.page_faults_per_sec}/s (major ${v.major_faults_per_sec})  ` +
        `us ${v.cpu.user} sy ${v.cpu.system} id ${v.cpu.idle} wa ${v.cpu.iowait} st ${v.cpu.steal}`,
    );
    const users = h.users.map(
      (u) =>
        `${visible(u.user)} on ${visible(u.line)}${u.host ? ` from ${visible(u.host)}` : ""} ` +
        `since ${formatTime(u.since)}`,
    );
    out.push(`  logged in ${users.length === 0 ? "nobody" : users.join("; ")}`);
    out.push(`  top by CPU (over ${h.interval_ms} ms):`, indent(renderHostTop(h.top_cpu)));
    out.push(`  top by memory:`, indent(renderHostTop(h.top_memory)));
    for (const note of h.notes) out.push(`  note: ${visible(note)}`);
  }
  return `${out.join("\n")}\n`;
}

function renderHostTop(processes: readonly HostProcessJson[]): string {
  const rows = processes.map((p) => [
    String(p.pid),
    visible(p.user),
    formatPercent(p.cpu_percent),
    formatBytes(p.rss_bytes),
    visible(p.comm),
  ]);
  return renderTable(["PID", "USER", "CPU", "RSS", "COMMAND"], rows, false);
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}
