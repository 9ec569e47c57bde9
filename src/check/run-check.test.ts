import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfigText } from "../config/load.js";
import { readBootId } from "../identity/boot-id.js";
import { readProcStat } from "../identity/proc-stat.js";
import type { ProcessRecord } from "../store/store.js";
import { exitCodeOf, formatPluginOutput } from "./report.js";
import { runCheck } from "./run-check.js";
import { processShapeOf } from "../config/process-shape.js";

function recordOf(service: string, pid: number): ProcessRecord {
  return {
    hostId: "h",
    service,
    pid,
    startTime: readProcStat(pid)!.startTime,
    bootId: readBootId(),
    argv: [],
    pgid: 0,
    runId: "none",
    cgroup: null,
    startedAt: Date.now(),
    shape: null,
  };
}

test("two services claiming one process are a warning naming both; a failed service is critical with its remedy", () => {
  const yaml = `services:
  a: { type: external, match: { comm: x }, start: [x] }
  b: { type: external, match: { comm: y }, start: [y] }
  c: { command: [sleep, "1"] }
`;
  const loaded = loadConfigText(yaml, "/tmp/upkeep-check-unit/upkeep.yaml");
  assert.ok(loaded.ok);
  const [a, b, c] = loaded.config.services;
  const view = (config: typeof a, record: ProcessRecord | null, state: "running" | "failed") => ({
    config: config!,
    state,
    desired: "up" as const,
    reason: state === "failed" ? "start limit hit" : "running",
    record,
  });
  const report = runCheck({
    services: [
      view(a, recordOf("a", process.pid), "running"),
      view(b, recordOf("b", process.pid), "running"),
      view(c, null, "failed"),
    ],
    orphanRecords: [],
    daemon: { pid: process.pid },
    stateDir: "/tmp/upkeep-check-unit/.upkeep",
    startCommand: "",
  });
  assert.equal(report.status, "CRITICAL");
  assert.equal(exitCodeOf(report.status), 2);
  const text = formatPluginOutput(report);
  assert.match(
    text,
    /^UPKEEP CRITICAL - 2 problems: c: expected c running, found state failed: start limit hit/,
  );
  assert.match(text, /\nCRITICAL c: .*; do: read why: upkeep logs c -n 50; then: upkeep reset c\n/);
  assert.match(
    text,
    new RegExp(
      `\\nWARNING a: expected PID ${process.pid} to be the process of one service, found it is the main process of a, b; do: `,
    ),
  );
});

test("services running without cgroups are one warning saying what is lost and how to get them", () => {
  const yaml = `services:
  a: { command: [sleep, "upkeep-check-unit-a"] }
  b: { type: external, match: { comm: y }, start: [y] }
`;
  const loaded = loadConfigText(yaml, "/tmp/upkeep-check-unit/upkeep.yaml");
  assert.ok(loaded.ok);
  const [a, b] = loaded.config.services;
  const view = (config: typeof a, record: ProcessRecord) => ({
    config: config!,
    state: "running" as const,
    desired: "up" as const,
    reason: "running",
    record,
  });
  const input = (cgroup: string | null) => ({
    services: [view(a, { ...recordOf("a", process.pid), cgroup }), view(b, recordOf("b", process.ppid))],
    orphanRecords: [],
    daemon: { pid: process.pid },
    stateDir: "/tmp/upkeep-check-unit/.upkeep",
    startCommand: "",
  });
  const text = formatPluginOutput(runCheck(input(null)));
  assert.match(text, /^UPKEEP WARNING/);
  assert.match(
    text,
    /\nWARNING daemon: expected every service in a cgroup of its own, found 1 service runs without cgroups \(a\): upkeep cannot follow a process that double-forks, calls setsid and clears its environment.*; do: run the daemon as root on a host with cgroup v2 mounted/,
  );
  assert.doesNotMatch(text, /\(a, b\)/, "an external service is not upkeep's to place");
  assert.match(formatPluginOutput(runCheck(input("/sys/fs/cgroup/upkeep/x/a"))), /^UPKEEP OK/);
});

test("a process started with env the config no longer has is a warning naming the key; an unknown one is not", () => {
  const started = loadConfigText(
    `services:\n  web: { command: [sleep, "1"], env: { MODE: A } }\n`,
    "/tmp/upkeep-check-unit/upkeep.yaml",
  );
  const now = loadConfigText(
    `services:\n  web: { command: [sleep, "1"], env: { MODE: B } }\n`,
    "/tmp/upkeep-check-unit/upkeep.yaml",
  );
  assert.ok(started.ok && now.ok);
  // In a cgroup, so that the only warning can be the outdated config.
  const record = {
    ...recordOf("web", process.pid),
    cgroup: "/sys/fs/cgroup/upkeep/x/web",
    shape: processShapeOf(started.config.services[0]!),
  };
  const input = (rec: ProcessRecord) => ({
    services: [
      {
        config: now.config.services[0]!,
        state: "running" as const,
        desired: "up" as const,
        reason: "",
        record: rec,
      },
    ],
    orphanRecords: [],
    daemon: { pid: process.pid },
    stateDir: "/tmp/upkeep-check-unit/.upkeep",
    startCommand: "",
  });
  const report = runCheck(input(record));
  assert.equal(report.status, "WARNING");
  assert.match(
    formatPluginOutput(report),
    /WARNING web: expected web running its current config, found env\.MODE changed since PID \d+ started; do: upkeep reload-config/,
  );
  assert.equal(runCheck(input({ ...record, shape: null })).status, "OK");
  const current = { ...record, shape: processShapeOf(now.config.services[0]!) };
  assert.equal(runCheck(input(current)).status, "OK");
});
