import assert from "node:assert/strict";
import { test } from "node:test";
import type { IncidentJson } from "../../api/wire.js";
import { renderIncident, renderIncidentList } from "./incident.js";
import { showControls as visible } from "../../core/show-controls.js";

const ESC = "\u001b";

function incident(): IncidentJson {
  return {
    id: 3,
    ts: "2025-11-23T02:12:40.000Z",
    service: "web",
    kind: "crash",
    summary: "web crashed: exited with code 3 after 2s (PID 42)",
    pid: 42,
    exit_code: 3,
    signal: null,
    duration_ms: 2000,
    reason: "exited with code 3; restarting now",
    output: [{ ts: "2025-11-23T02:12:39.900Z", stream: "err", text: `fatal ${ESC}[31mred${ESC}[0m` }],
    output_note: null,
    sample: {
      at: "2025-11-23T02:12:38.000Z",
      source: "tree",
      processes: [
        { pid: 42, ppid: 1, comm: "web", state: "S", rss_bytes: 4096, cpu_percent: 1.5, ports: [8080] },
      ],
      omitted: 0,
      rss_bytes: 4096,
      cpu_percent: 1.5,
    },
    sample_note: null,
    host: {
      at: "2025-11-23T02:12:41.000Z",
      interval_ms: 250,
      load: [1, 2, 3],
      memory: {
        total_bytes: 1 << 30,
        available_bytes: 1 << 29,
        free_bytes: 1 << 28,
        buffers_bytes: 0,
        cached_bytes: 0,
        swap_total_bytes: 0,
        swap_free_bytes: 0,
      },
      vmstat: {
        running: 1,
        blocked: 0,
        context_switches_per_sec: 10,
        interrupts_per_sec: 5,
        swap_in_pages_per_sec: 0,
        swap_out_pages_per_sec: 0,
        page_faults_per_sec: 7,
        major_faults_per_sec: 0,
        cpu: { user: 10, system: 5, idle: 85, iowait: 0, steal: 0 },
      },
      // Any local user names their own processes: here, a title-setting escape sequence.
      top_cpu: [{ pid: 666, user: "mallory", comm: `${ESC}]0;owned\u0007`, cpu_percent: 99, rss_bytes: 1 }],
      top_memory: [],
      processes_scanned: 100,
      scan_capped: false,
      users: [{ user: "alice", line: "pts/0", host: `${ESC}[2J`, since: "2025-11-23T01:00:00.000Z" }],
      notes: [],
      took_ms: 300,
    },
    suppressed: 0,
    details: {},
  };
}

test("the incident view shows what happened, the output, the tree and the host", () => {
  const text = renderIncident(incident());
  assert.match(text, /^incident 3: web crashed: exited with code 3 after 2s \(PID 42\)\n/);
  assert.match(
    text,
    /last output \(1 lines, both streams in capture order\):\n {2}02:12:39\.900 err {4}\| fatal/,
  );
  assert.match(text, /process tree \(sampled 2\.0s before, by the tree watch\)/);
  assert.match(text, /42 +1 +S +4\.0K +1\.5% +8080 +web/);
  assert.match(text, /load {6}1 2 3/);
  assert.match(text, /logged in alice on pts\/0/);
});

test("control characters others chose (process names, utmp, output) never reach the terminal", () => {
  const text = renderIncident(incident());
  assert.ok(!text.includes(ESC), "no raw escape");
  assert.ok(!text.includes("\u0007"), "no raw bell");
  assert.match(text, /\\x1b\]0;owned\\x07/);
  assert.match(text, /fatal \\x1b\[31mred/);
  assert.equal(visible("tab\there"), "tab\there");
  assert.ok(!renderIncidentList([{ ...incident(), summary: `x${ESC}[2J` }]).includes(ESC));
});
