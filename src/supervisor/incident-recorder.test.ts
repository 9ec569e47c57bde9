import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { initialContext } from "../service/machine.js";
import type { ServiceRunner } from "../service/runner.js";
import type { MachineEvent, ServiceState } from "../service/states.js";
import type { HostSnapshot } from "../store/incident-record.js";
import { openSqliteStore } from "../store/sqlite/open.js";
import { IncidentRecorder, type RecordedIncident } from "./incident-recorder.js";
import { LastSamples } from "./last-samples.js";

/** The little of a runner the recorder reads: name, state, when its run started, its record. */
function fakeRunner(state: ServiceState, pid: number, startedAt: number): ServiceRunner {
  const context = { ...initialContext("up"), startedAt, pid };
  const record = { pid, startedAt };
  return { name: "web", state, context, record, stopWaitMs: 100 } as unknown as ServiceRunner;
}

const crash: MachineEvent = { type: "exited", code: 2, signal: null, statusKnown: true };

test("a crash is recorded off the hook with its sample and snapshot; a second within a second is counted", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-recorder-"));
  const store = openSqliteStore(dir, { hostId: "h" });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const samples = new LastSamples();
  const stat = {
    pid: 7,
    comm: "web",
    state: "S",
    ppid: 1,
    pgid: 7,
    sid: 7,
    utimeTicks: 0,
    stimeTicks: 0,
    cutimeTicks: 0,
    cstimeTicks: 0,
  };
  samples.note("web", 7, "tree", [{ ...stat, startTime: 1, rssPages: 3, vsizeBytes: 0 }]);
  let snapshots = 0;
  const faults: unknown[] = [];
  const recorder = new IncidentRecorder({
    store,
    logsDir: join(dir, "logs"),
    samples,
    snapshot: () => {
      snapshots += 1;
      return Promise.resolve({ tookMs: 1 } as HostSnapshot);
    },
    onFault: (_service, err) => faults.push(err),
  });
  const heard: RecordedIncident[] = [];
  recorder.onIncident((incident) => heard.push(incident));
  recorder.onIncident(() => {
    throw new Error("a broken notifier");
  });

  const t0 = Date.now();
  recorder.handled(
    fakeRunner("backoff", 7, t0 - 5000),
    crash,
    "running",
    t0,
    "exited with code 2; restarting in 100 ms",
  );
  assert.equal(heard.length, 0, "nothing is done on the hook itself");
  // Within the second: not recorded, counted in the next one.
  recorder.handled(fakeRunner("backoff", 8, t0), crash, "running", t0 + 10, "exited with code 2");
  await recorder.settled(5000);

  assert.equal(heard.length, 1);
  const [incident] = heard;
  assert.equal(incident?.id, 1);
  assert.equal(incident?.summary, "web crashed: exited with code 2 after 5s (PID 7)");
  assert.equal(incident?.sample?.processes[0]?.comm, "web");
  assert.equal(incident?.outputNote, "the service has no captured output");
  assert.equal(snapshots, 1);
  assert.match(String(faults[0]), /a broken notifier/, "a listener's fault is reported, not thrown");

  recorder.handled(fakeRunner("backoff", 9, t0 + 1500), crash, "running", t0 + 2000, "exited with code 2");
  await recorder.settled(5000);
  assert.equal(heard[1]?.suppressed, 1);
  assert.equal(heard[1]?.sample, null, "no sample of PID 9's run");
  assert.equal(snapshots, 1, "incidents within 2 s share the snapshot");
  assert.deepEqual(
    (await store.listIncidents({})).map((i) => i.id),
    [1, 2],
  );
});

test("a stop the operator asked for is no incident", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "upkeep-recorder-"));
  const store = openSqliteStore(dir, { hostId: "h" });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const recorder = new IncidentRecorder({
    store,
    logsDir: dir,
    samples: new LastSamples(),
    snapshot: () => Promise.reject(new Error("must not be taken")),
    onFault: (_s, err) => assert.fail(String(err)),
  });
  const stopped: MachineEvent = { type: "exited", code: null, signal: "SIGTERM", statusKnown: true };
  recorder.handled(fakeRunner("stopped", 7, 0), stopped, "stopping", 1000, "stopped (killed by SIGTERM)");
  await recorder.settled(1000);
  assert.deepEqual(await store.listIncidents({}), []);
});
