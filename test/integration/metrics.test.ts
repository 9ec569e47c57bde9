import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO_ROOT, TestEnv } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait-for.js";

const PROMTOOL = "/usr/bin/promtool";

/** GET over the control socket, the body as text. */
function getText(env: TestEnv, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(env.stateDir, "upkeep.sock"), path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"] ?? "", body }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

/** `promtool check metrics` on the text: its exit code and what it said. */
function promtoolCheck(text: string): { code: number; output: string } {
  if (!existsSync(PROMTOOL)) {
    assert.fail(`${PROMTOOL} is missing: install Debian's prometheus (scripts/install-test-deps.sh does)`);
  }
  const r = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8", timeout: 30_000 });
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** The value of one sample (`name{labels}` exactly as written), or undefined. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function metrics(env: TestEnv): Promise<string> {
  const answer = await getText(env, "/metrics");
  assert.equal(answer.status, 200);
  return answer.body;
}

describe("metrics", () => {
  const env = new TestEnv();
  const outDir = mkdtempSync(join(tmpdir(), "upkeep-textfile-"));
  const outFile = join(outDir, "upkeep.prom");
  before(async () => {
    env.writeConfig(`
services:
  web:
    command: [sh, -c, "exec sleep 1000", "{marker}"]
  idle:
    command: [sh, -c, "exec sleep 1000", "{marker}"]
  hog:
    command: ["{fixtures}/cpu-hog", "{marker}"]
  crashy:
    command: [sh, -c, "exit 3", "{marker}"]
    backoff: { initial: 10ms, max: 10ms, jitter: 0 }
    start_limit: { burst: 3, interval: 1h }
  probed:
    command: [sh, -c, "exec sleep 1000", "{marker}"]
    health: { tcp: "127.0.0.1:1", interval: 200ms, timeout: 500ms, failures: 1, restart_on: [] }
  w:
    command: [sh, -c, "exec sleep 1000", "{marker}"]
    instances: [a, b]
`);
    await env.startDaemon();
    assert.equal(env.cli("stop", "idle").code, 0);
    await env.waitForService("crashy", "failed", "crashy to give up after its start limit");
    await env.waitForService("hog", "running", "hog running");
  });
  after(async () => {
    await env.teardown();
    rmSync(outDir, { recursive: true, force: true });
  });

  test("GET /metrics passes promtool check metrics, with services in several states", async () => {
    const answer = await getText(env, "/metrics");
    assert.equal(answer.status, 200);
    assert.match(answer.type, /^text\/plain; version=0\.0\.4/);
    const checked = promtoolCheck(answer.body);
    assert.equal(checked.code, 0, `promtool check metrics: ${checked.output}\n${answer.body}`);
    assert.equal((await getText(env, "/api/v1/metrics")).status, 200, "also under /api/v1");
  });

  test("docs/metrics.md lists every family the daemon writes, with its type, and no other", async () => {
    const written = [...(await metrics(env)).matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    const docs = readFileSync(join(REPO_ROOT, "docs/metrics.md"), "utf8");
    const listed = [...docs.matchAll(/^\| `(upkeep_[a-z_]+)` \| (counter|gauge) \|/gm)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    assert.deepEqual([...listed].sort(), [...written].sort());
  });

  test("the values say what the daemon knows: up, state, desired, instances, restarts, health", async () => {
    const text = await waitFor(
      async () => {
        const t = await metrics(env);
        return valueOf(t, 'upkeep_service_healthy{service="probed"}') === 0 ? t : null;
      },
      { what: "the failing probe to show as unhealthy" },
    );
    assert.equal(valueOf(text, 'upkeep_service_up{service="web"}'), 1);
    assert.equal(valueOf(text, 'upkeep_service_up{service="idle"}'), 0, "a stopped service is not up");
    assert.equal(valueOf(text, 'upkeep_service_state{service="idle",state="stopped"}'), 1);
    assert.equal(valueOf(text, 'upkeep_service_state{service="idle",state="running"}'), 0);
    assert.equal(valueOf(text, 'upkeep_service_desired_up{service="idle"}'), 0);
    assert.equal(valueOf(text, 'upkeep_service_state{service="crashy",state="failed"}'), 1);
    assert.equal(valueOf(text, 'upkeep_service_up{service="crashy"}'), 0);
    assert.equal(valueOf(text, 'upkeep_service_info{service="w@a",type="simple",instance_of="w"}'), 1);
    assert.ok((valueOf(text, 'upkeep_service_health_failures{service="probed"}') ?? 0) >= 1);
    assert.equal(valueOf(text, 'upkeep_service_start_time_seconds{service="idle"}'), undefined);
    const started = valueOf(text, 'upkeep_service_start_time_seconds{service="web"}')!;
    assert.ok(Math.abs(started - Date.now() / 1000) < 120, `web started at ${started}`);
    assert.ok((valueOf(text, 'upkeep_service_memory_bytes{service="web"}') ?? 0) > 0, "web uses memory");
    assert.equal(valueOf(text, "upkeep_up"), 1);
    assert.equal(valueOf(text, "upkeep_services"), 7);
    assert.ok((valueOf(text, "upkeep_daemon_resident_memory_bytes") ?? 0) > 10_000_000);
    assert.ok((valueOf(text, 'upkeep_events_total{kind="spawn"}') ?? 0) >= 7);
  });

  test("a restart increments restarts_total; the tree's CPU counter grows and never goes down", async () => {
    const before = await metrics(env);
    const restarts = valueOf(before, 'upkeep_service_restarts_total{service="hog"}')!;
    const cpuBefore = valueOf(before, 'upkeep_service_cpu_seconds_total{service="hog"}')!;
    const hog = await env.status("hog");
    const grown = await waitFor(
      async () => {
        const t = await metrics(env);
        return valueOf(t, 'upkeep_service_cpu_seconds_total{service="hog"}')! >= cpuBefore + 0.2 ? t : null;
      },
      { what: "hog's CPU counter to grow by 0.2 s", interval: 200 },
    );
    const cpuGrown = valueOf(grown, 'upkeep_service_cpu_seconds_total{service="hog"}')!;
    process.kill(hog.pid, "SIGKILL");
    await env.waitForService("hog", "running", "hog running again", hog.pid);
    const afterRestart = await waitFor(
      async () => {
        const t = await metrics(env);
        return valueOf(t, 'upkeep_service_restarts_total{service="hog"}') === restarts + 1 ? t : null;
      },
      { what: "restarts_total of hog to count the restart", interval: 200 },
    );
    const cpuAfter = valueOf(afterRestart, 'upkeep_service_cpu_seconds_total{service="hog"}')!;
    assert.ok(cpuAfter >= cpuGrown, `the counter went from ${cpuGrown} down to ${cpuAfter} over a restart`);
  });

  test("upkeep metrics --output writes the same families atomically for the textfile collector", async () => {
    const r = env.cli("metrics", "--output", outFile);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    const text = readFileSync(outFile, "utf8");
    const checked = promtoolCheck(text);
    assert.equal(checked.code, 0, checked.output);
    const families = (t: string): string[] => [...t.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!);
    assert.deepEqual(families(text), families(await metrics(env)));
    assert.deepEqual(readdirSync(outDir), ["upkeep.prom"], "no temp file is left beside it");
    const printed = env.cli("metrics");
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /^upkeep_service_up\{service="web"\} 1$/m);
  });

  test("an --output file that cannot be written is named, with exit 1", () => {
    const r = env.cli("metrics", "--output", join(outDir, "no-such-dir", "upkeep.prom"));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /cannot write the metrics to .*no-such-dir\/upkeep\.prom/);
    assert.match(r.stderr, /hint: /);
  });

  test("with the daemon down, upkeep metrics writes upkeep_up 0 over the old file and exits 3", async () => {
    writeFileSync(outFile, readFileSync(outFile, "utf8")); // the file of the previous run, all up
    await env.killDaemon();
    const r = env.cli("metrics", "--output", outFile);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /the daemon is not running/);
    const text = readFileSync(outFile, "utf8");
    assert.equal(valueOf(text, "upkeep_up"), 0);
    assert.doesNotMatch(text, /upkeep_service_up/, "no stale service figures are left");
    assert.equal(promtoolCheck(text).code, 0);
    const printed = env.cli("metrics");
    assert.equal(printed.code, 3);
    assert.equal(valueOf(printed.stdout, "upkeep_up"), 0);
    // A new daemon adopts the services, so that teardown stops them as usual.
    await env.startDaemon();
    assert.equal(valueOf(await metrics(env), 'upkeep_service_up{service="web"}'), 1);
  });
});
