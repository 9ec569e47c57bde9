import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { TestEnv } from "../helpers/daemon.js";
import { freePorts } from "../helpers/ports.js";
import { startWebTurningUnhealthy } from "../helpers/unhealthy-web.js";
import { waitFor } from "../helpers/wait-for.js";

describe("incidents", () => {
  const envs: TestEnv[] = [];
  after(async () => {
    for (const env of envs) await env.teardown();
  });
  const newEnv = (): TestEnv => {
    const env = new TestEnv();
    envs.push(env);
    return env;
  };

  test("an incident holds the last output lines, the process tree and the host snapshot", async () => {
    const env = newEnv();
    const go = join(env.dir, "go");
    env.writeConfig(`
services:
  crasher:
    command: ["{fixtures}/crasher", "{marker}", "${go}", "3"]
    restart: always
    backoff: { initial: 0ms }
    children: [{ name: tail, count: 1 }]
`);
    await env.startDaemon();
    const first = await env.waitForService("crasher", "running", "crasher running");
    // The tree watch has read the tree (and kept it as the last sample) once status shows the child.
    await waitFor(async () => ((await env.status("crasher")).children.length === 1 ? true : null), {
      what: "the tree watch to find crasher's child",
    });
    writeFileSync(go, "");
    const listed = await waitFor(
      async () => {
        const { json } = await env.api("GET", "/api/v1/incidents?service=crasher");
        return json.incidents.length > 0 ? json.incidents : null;
      },
      { what: "an incident of crasher", timeout: 15_000 },
    );
    assert.equal(listed.length, 1);
    assert.equal(listed[0].kind, "crash");
    assert.match(listed[0].summary, /crasher crashed: exited with code 3 after .* \(PID \d+\)/);
    const { status, json: incident } = await env.api("GET", `/api/v1/incidents/${listed[0].id}`);
    assert.equal(status, 200);
    assert.equal(incident.exit_code, 3);
    assert.equal(incident.pid, first.pid);
    assert.ok(incident.duration_ms > 0);

    // Both streams, in capture order, with the lifecycle markers; nothing of the next run.
    const lines = incident.output.map((l: any) => `${l.stream}: ${l.text}`);
    const at = (text: string): number => lines.findIndex((l: string) => l.includes(text));
    assert.ok(at("out: crasher: out line 1") >= 0, lines.join("\n"));
    assert.ok(at("err: crasher: err line 1") > at(`upkeep: started PID ${first.pid}`));
    assert.ok(at("err: crasher: going down") > at("crasher: started child"));
    assert.equal(lines.at(-1), "upkeep: exited with code 3", lines.join("\n"));

    // The tree as the tree watch last sampled it: the main process and its child.
    assert.ok(incident.sample, incident.sample_note);
    assert.equal(incident.sample.source, "tree");
    const comms = incident.sample.processes.map((p: any) => p.comm);
    assert.equal(incident.sample.processes[0].pid, first.pid);
    assert.ok(comms.includes("tail"), comms.join(","));
    assert.ok(incident.sample.processes.every((p: any) => p.rss_bytes >= 0));

    // The host, read from /proc: load, memory, vmstat, the top processes, who is logged in.
    const host = incident.host;
    assert.equal(host.load.length, 3);
    assert.ok(host.memory.total_bytes > 0);
    assert.ok(host.vmstat.context_switches_per_sec >= 0);
    assert.ok(host.top_cpu.length > 0 && host.top_memory.length > 0);
    assert.ok(host.top_memory[0].rss_bytes >= host.top_memory.at(-1).rss_bytes);
    assert.ok(Array.isArray(host.users));
    assert.ok(host.took_ms > 0);

    // The CLI shows the list and the incident whole.
    const list = env.cli("incidents");
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /ID\s+TIME\s+SERVICE\s+KIND\s+SUMMARY/);
    const shown = env.cli("incident", String(incident.id));
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /last output \(\d+ lines/);
    assert.match(shown.stdout, /err\s+\| crasher: going down/);
    assert.match(shown.stdout, /process tree \(sampled .* by the tree watch\)/);
    assert.match(shown.stdout, /top by memory:/);
    const missing = env.cli("incident", "999");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no incident 999 is kept/);

    // With the daemon down the CLI reads the store itself.
    await env.waitForService("crasher", "running", "crasher running again");
    assert.equal(env.cli("shutdown").code, 0);
    const offline = env.cli("incident", String(incident.id), "--json");
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stderr, /the daemon is not running; read from/);
    assert.equal(JSON.parse(offline.stdout).output.length, incident.output.length);
  });

  test("a restart for limits and a failed start are incidents too, with the watch's figures", async () => {
    const env = newEnv();
    env.writeConfig(`
services:
  hog:
    command: ["{fixtures}/memory-hog", "150", "{marker}"]
    limits: { memory: 80MB, window: 1s }
    backoff: { initial: 50ms }
  missing:
    command: ["${join(env.dir, "no-such-program")}", "{marker}"]
    backoff: { initial: 5s }
`);
    await env.startDaemon();
    const first = await env.waitForService("hog", "running", "hog running");
    const incidentOf = (service: string, kind: string): Promise<any> =>
      waitFor(
        async () => {
          const { json } = await env.api("GET", `/api/v1/incidents?service=${service}`);
          const found = json.incidents.find((i: any) => i.kind === kind);
          return found ? (await env.api("GET", `/api/v1/incidents/${found.id}`)).json : null;
        },
        { what: `a ${kind} incident of ${service}`, timeout: 20_000 },
      );
    const limit = await incidentOf("hog", "limit");
    assert.equal(limit.pid, first.pid);
    assert.match(limit.summary, /hog restarted: over its limits: memory .* over its limit of 80\.0 MB/);
    assert.ok(limit.details.rss_bytes > 80 * 1024 * 1024, "the limit event's figures");
    assert.equal(limit.sample.source, "limits");
    assert.ok(limit.sample.rss_bytes > 80 * 1024 * 1024, "the last sample shows the excess");
    assert.ok(
      limit.output.some((l: any) => l.stream === "upkeep" && /killed by SIGTERM|exited/.test(l.text)),
    );

    const failed = await incidentOf("missing", "failed_start");
    assert.equal(failed.pid, null);
    assert.equal(failed.duration_ms, null);
    assert.equal(failed.sample, null);
    assert.equal(failed.sample_note, "no process ran");
    assert.ok(
      failed.output.some((l: any) => l.text.startsWith("failed to start")),
      JSON.stringify(failed.output),
    );
  });

  test("a readiness timeout is an incident with the run's output up to the kill; incidents: false records none", async () => {
    const env = newEnv();
    const [port] = await freePorts(1);
    env.writeConfig(`
services:
  slow:
    command: ["{fixtures}/ticker", "{marker}", "0.1"]
    ready: { tcp: ${port}, timeout: 1s }
    restart: "no"
`);
    await env.startDaemon();
    const incident = await waitFor(
      async () => {
        const { json } = await env.api("GET", "/api/v1/incidents?service=slow");
        const found = json.incidents[0];
        return found ? (await env.api("GET", `/api/v1/incidents/${found.id}`)).json : null;
      },
      { what: "a not_ready incident of slow", timeout: 15_000 },
    );
    assert.equal(incident.kind, "not_ready");
    assert.match(incident.summary, /slow not ready in time: .*tcp .* after \d/);
    assert.ok(incident.duration_ms >= 1000);
    assert.ok(
      incident.output.some((l: any) => l.stream === "out"),
      JSON.stringify(incident.output),
    );
    assert.equal((await env.status("slow")).state, "failed");

    const off = newEnv();
    off.writeConfig(`
incidents: false
services:
  crash:
    command: ["{fixtures}/exit-after", "{marker}", "0.1", "1"]
    restart: "no"
`);
    await off.startDaemon();
    await off.waitForService("crash", "exited", "crash exited");
    const { json } = await off.api("GET", "/api/v1/incidents");
    assert.deepEqual(json, { recording: false, incidents: [] });
    assert.match(off.cli("incidents").stdout, /no incidents \(the config turns them off: incidents: false\)/);
  });

  test("a restart for a failing health probe is an unhealthy incident with the probe's verdict and the last words", async () => {
    const env = newEnv();
    const first = await startWebTurningUnhealthy(env);
    const incident = await waitFor(
      async () => {
        const { json } = await env.api("GET", "/api/v1/incidents?service=web");
        const found = json.incidents[0];
        return found ? (await env.api("GET", `/api/v1/incidents/${found.id}`)).json : null;
      },
      { what: "an unhealthy incident of web", timeout: 20_000 },
    );
    assert.equal(incident.kind, "unhealthy");
    assert.equal(incident.pid, first.pid);
    assert.match(incident.summary, /web restarted: unhealthy: http .*healthz failed 2 times in a row/);
    assert.match(String(incident.details.last), /503/);
    const texts = incident.output.map((l: any) => l.text);
    assert.ok(texts.includes("healthz now fails"), texts.join("\n"));
    // Read once the stopped process had exited: its exit marker is there, not the next run's.
    assert.ok(
      texts.some((t: string) => /killed by SIGTERM|exited with code/.test(t)),
      texts.join("\n"),
    );
    assert.ok(
      !texts
        .slice(texts.findIndex((t: string) => t === "healthz now fails"))
        .some((t: string) => t === "serving"),
    );
  });
});
