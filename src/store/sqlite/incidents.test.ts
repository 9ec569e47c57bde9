import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { NewIncident } from "../incident-record.js";
import { describeIncidentBriefly, lastOutputLines, summarizeIncident } from "../incident-text.js";
import { MAX_EVIDENCE_BYTES } from "./incident-rows.js";
import { openSqliteStore } from "./open.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-incidents-"));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function incident(ts: number, service = "web", text = "boom"): NewIncident {
  const fields = {
    ts,
    service,
    kind: "crash" as const,
    pid: 42,
    exitCode: 3,
    signal: null,
    durationMs: 61_400,
    reason: "exited with code 3; restarting in 100 ms",
  };
  return {
    ...fields,
    summary: summarizeIncident(fields),
    output: [{ ts, stream: "err", text }],
    outputNote: null,
    sample: null,
    sampleNote: "no sample",
    host: null,
    suppressed: 0,
    details: {},
  };
}

describe("incidents in the SQLite store", () => {
  test("stored whole and listed by service, oldest first; ids never name another incident", async () => {
    const store = openSqliteStore(tempDir(), { hostId: "h" });
    const a = await store.appendIncident(incident(1000, "web@a"));
    await store.appendIncident(incident(2000, "db"));
    await store.appendIncident(incident(3000, "web@b"));
    assert.deepEqual(
      (await store.listIncidents({ service: "web@" })).map((i) => i.service),
      ["web@a", "web@b"],
    );
    assert.deepEqual(
      (await store.listIncidents({ limit: 1 })).map((i) => i.ts),
      [3000],
    );
    const got = await store.getIncident(a ?? 0);
    assert.equal(got?.summary, "web@a crashed: exited with code 3 after 1m1s (PID 42)");
    assert.ok(got);
    assert.deepEqual(lastOutputLines(got, 5), ["00:00:01.000 err    | boom"]);
    assert.equal(
      describeIncidentBriefly(got, 20),
      "web@a crashed: exited with code 3 after 1m1s (PID 42)\n" +
        "at 1970-01-01T00:00:01.000Z (upkeep incident 1)\n" +
        "reason: exited with code 3; restarting in 100 ms\n\n" +
        "last 1 output lines:\n00:00:01.000 err    | boom\n",
    );
    assert.equal(await store.getIncident(999), null);
    await store.close();
  });

  test("retention keeps the newest `keep` and none older than max_age; a later id is new", async () => {
    const dir = tempDir();
    const store = openSqliteStore(dir, { hostId: "h", incidentRetention: { keep: 2, maxAgeMs: 10_000 } });
    for (const ts of [1000, 2000, 3000]) await store.appendIncident(incident(ts));
    assert.deepEqual(
      (await store.listIncidents({})).map((i) => i.ts),
      [2000, 3000],
    );
    // Long after: the age limit takes every older one with it.
    const newest = await store.appendIncident(incident(100_000));
    assert.deepEqual(
      (await store.listIncidents({})).map((i) => i.id),
      [newest],
    );
    assert.equal(newest, 4, "ids go on after deleted ones (AUTOINCREMENT)");
    await store.close();
  });

  test("an incident's evidence is bounded: the oldest output lines go first, with a note", async () => {
    const store = openSqliteStore(tempDir(), { hostId: "h" });
    const big = incident(1000);
    big.output = Array.from({ length: 400 }, (_, i) => ({
      ts: i,
      stream: "out" as const,
      text: `${i} ${"x".repeat(500)}`,
    }));
    const id = await store.appendIncident(big);
    const got = (await store.getIncident(id!))!;
    assert.ok(JSON.stringify(got).length < MAX_EVIDENCE_BYTES + 1000);
    assert.ok(got.output.length > 0 && got.output.length < 400);
    assert.match(got.output.at(-1)!.text, /^399 /, "the newest lines stay");
    assert.match(got.outputNote ?? "", /older lines left out: an incident keeps at most 64 KiB/);
    await store.close();
  });
});
