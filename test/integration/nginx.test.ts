import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { ProcessJson, ServiceTreeJson } from "../../src/api/wire.js";
import { TestEnv } from "../helpers/daemon.js";
import { httpGet } from "../helpers/http-get.js";
import { freePorts, isListening } from "../helpers/ports.js";
import { isSameProcessAlive, killSeen, listProcesses, type ProcInfo } from "../helpers/proc-table.js";
import { waitFor } from "../helpers/wait-for.js";

const NGINX = "/usr/sbin/nginx";

/**
 * The nginx processes of one test prefix. nginx rewrites its argv and environ for its process
 * titles, and its workers show only "nginx: worker process", so the test's marker cannot find
 * them: a master is known by the config path in its title, a worker by its master's session
 * (nginx's master calls setsid; workers stay in that session even once orphaned).
 */
class NginxProcesses {
  private readonly sessions = new Set<number>();
  private readonly seen = new Map<number, ProcInfo>();

  constructor(private readonly confPath: string) {}

  /** The live ones now; every one ever found is remembered for the safety net. */
  scan(): ProcInfo[] {
    const table = listProcesses();
    for (const p of table) if (p.cmdline.includes(this.confPath)) this.sessions.add(p.sid);
    const found = table.filter(
      (p) => p.cmdline.includes(this.confPath) || (p.comm === "nginx" && this.sessions.has(p.sid)),
    );
    for (const p of found) this.seen.set(p.pid, p);
    return found;
  }

  /** SIGKILL whatever is left of them (as found now or seen earlier); returns the PIDs hit. */
  killLeftovers(): number[] {
    return killSeen([...this.scan(), ...this.seen.values()]);
  }
}

/** The master and its worker processes as `upkeep ps nginx --json` reports them. */
function psTree(env: TestEnv): { master: ProcessJson; workers: ProcessJson[] } | null {
  const r = env.cli("ps", "nginx", "--json");
  if (r.code !== 0) return null;
  const tree = JSON.parse(r.stdout) as ServiceTreeJson;
  const master = tree.processes[0];
  if (master === undefined || master.pid !== tree.pid) return null;
  const workers = master.children.filter((c) => c.cmdline.join(" ").startsWith("nginx: worker process"));
  return workers.length === 2 ? { master, workers } : null;
}

describe("nginx as a forking service", () => {
  const env = new TestEnv();
  const prefix = join(env.dir, "nginx");
  // The marker in the config's file name puts it into the master's title: teardown then finds
  // a leaked master too.
  const conf = join(prefix, `${env.marker}.conf`);
  const nginx = new NginxProcesses(conf);
  after(async () => {
    // Teardown first (the daemon stops nginx on its way out), then whatever of nginx is left
    // is killed, also when teardown failed, so a failure never leaks daemons.
    let left: number[] = [];
    try {
      await env.teardown();
    } finally {
      left = nginx.killLeftovers();
    }
    assert.deepEqual(left, [], "nginx processes of the test were left running");
  });

  test("served, restarted with a new master and no old worker after kill -9, gone after stop", async () => {
    if (!existsSync(NGINX)) {
      assert.fail(`${NGINX} is missing: install Debian's nginx-light (.ci/run does)`);
    }
    const [port] = await freePorts(1);
    mkdirSync(prefix, { recursive: true });
    const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
      .map((k) => `  ${k}_temp_path ${prefix}/${k}_temp;`)
      .join("\n");
    writeFileSync(
      conf,
      `daemon on;
master_process on;
worker_processes 2;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log;
events {}
http {
  access_log off;
${temp}
  server {
    listen 127.0.0.1:${port};
    location / { return 200 "upkeep-ok\\n"; }
  }
}
`,
    );
    // -e: nginx opens its compiled-in error log (/var/log/nginx/error.log) before it reads the
    // config, and alerts when it cannot; -e names the prefix's log instead.
    env.writeConfig(`
services:
  nginx:
    type: forking
    command: [${NGINX}, -c, ${conf}, -p, ${prefix}/, -e, ${prefix}/error.log]
    pidfile: ${prefix}/nginx.pid
    start_timeout: 10s
    backoff: { initial: 50ms }
    stop: { timeout: 5s }
    listen: [${port}]
    ready: { http: "http://127.0.0.1:${port}/", body: "^upkeep-ok", timeout: 10s, interval: 100ms }
    health: { http: "http://127.0.0.1:${port}/", interval: 1s, failures: 2 }
`);
    await env.startDaemon();
    const running = await env.waitForService("nginx", "running", "nginx running");
    // Running only once it answered: the readiness probe's answer is the reason.
    assert.match(running.reason, new RegExp(`ready: http http://127.0.0.1:${port}/ .*status 200`));
    const master = Number(readFileSync(join(prefix, "nginx.pid"), "utf8"));
    assert.equal(running.pid, master, "the main PID is the pidfile's master, not the start command");

    const served = await waitFor(() => httpGet(port!).catch(() => null), { what: "nginx to answer" });
    assert.deepEqual(served, { status: 200, body: "upkeep-ok\n" });

    const first = await waitFor(() => psTree(env), { what: "upkeep ps nginx: the master and 2 workers" });
    assert.equal(first.master.pid, master);
    assert.match(first.master.cmdline.join(" "), /^nginx: master process/);
    const found = nginx.scan();
    assert.deepEqual(
      found.map((p) => p.pid).sort((a, b) => a - b),
      [master, ...first.workers.map((w) => w.pid)].sort((a, b) => a - b),
      "ps shows every nginx process of the prefix",
    );
    const oldWorkers = found.filter((p) => p.pid !== master);

    process.kill(master, "SIGKILL");
    const again = await env.waitForService("nginx", "running", "nginx restarted", master);
    const newMaster = Number(readFileSync(join(prefix, "nginx.pid"), "utf8"));
    assert.notEqual(again.pid, master);
    assert.equal(again.pid, newMaster, "the new main PID is the new pidfile's");
    for (const w of oldWorkers)
      assert.equal(isSameProcessAlive(w), false, `old worker ${w.pid} was killed before the restart`);
    const second = await waitFor(() => psTree(env), { what: "the new master and its 2 workers" });
    assert.equal(second.master.pid, newMaster);
    const servedAgain = await waitFor(() => httpGet(port!).catch(() => null), {
      what: "the new nginx to answer",
    });
    assert.deepEqual(servedAgain, { status: 200, body: "upkeep-ok\n" });
    assert.deepEqual(
      nginx
        .scan()
        .map((p) => p.pid)
        .sort((a, b) => a - b),
      [newMaster, ...second.workers.map((w) => w.pid)].sort((a, b) => a - b),
      "only the new master and its workers run",
    );

    const stop = env.cli("stop", "nginx");
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    await waitFor(() => nginx.scan().length === 0, { what: "no nginx process of the prefix after stop" });
    assert.equal(await isListening(port!), false, `port ${port} is closed after stop`);
    assert.equal((await env.status("nginx")).state, "stopped");
  });
});
